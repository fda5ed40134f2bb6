/* jaas.c: a parser for Kafka's sasl.jaas.config values (see jaas.h). */
#include "jaas.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JAAS_MAX_OPTS 256

struct jaas {
    char *module;
    int nopts;
    char *keys[JAAS_MAX_OPTS], *vals[JAAS_MAX_OPTS];
};

static void skip_ws(const char **s)
{
    while (isspace((unsigned char)**s)) (*s)++;
}

/* A bare word: letters, digits and . _ - $ (class names, flags, keys). */
static char *read_word(const char **s)
{
    const char *b = *s;
    while (**s && (isalnum((unsigned char)**s) || strchr("._-$", **s)))
        (*s)++; /* strchr finds NUL */
    if (*s == b) return NULL;
    return strndup(b, (size_t)(*s - b));
}

/* A value: "quoted with \\ escapes" or a bare word. */
static char *read_value(const char **s)
{
    if (**s != '"') return read_word(s);
    (*s)++;
    size_t cap = strlen(*s) + 1, len = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    while (**s && **s != '"') {
        if (**s == '\\' && (*s)[1]) (*s)++;
        out[len++] = *(*s)++;
    }
    if (**s != '"') {
        free(out);
        return NULL;
    }
    (*s)++;
    out[len] = '\0';
    return out;
}

static jaas_t *jaas_fail(jaas_t *j, const char *text, const char *at, const char *what, char *err,
                         size_t n)
{
    snprintf(err, n, "%s at character %d of the JAAS configuration", what, (int)(at - text));
    jaas_free(j);
    return NULL;
}

jaas_t *jaas_parse(const char *text, char *err, size_t n)
{
    jaas_t *j = calloc(1, sizeof(*j));
    if (!j) return NULL;
    const char *s = text;
    skip_ws(&s);
    j->module = read_word(&s);
    if (!j->module) return jaas_fail(j, text, s, "expected a login module class", err, n);
    skip_ws(&s);
    char *flag = read_word(&s);
    bool ok = flag && (!strcmp(flag, "required") || !strcmp(flag, "requisite") ||
                       !strcmp(flag, "sufficient") || !strcmp(flag, "optional"));
    free(flag);
    if (!ok)
        return jaas_fail(j, text, s, "expected required|requisite|sufficient|optional", err, n);
    for (;;) {
        skip_ws(&s);
        if (*s == ';') break;
        if (!*s) return jaas_fail(j, text, s, "missing ';'", err, n);
        char *k = read_word(&s);
        if (!k) return jaas_fail(j, text, s, "expected an option name", err, n);
        skip_ws(&s);
        if (*s != '=') {
            free(k);
            return jaas_fail(j, text, s, "expected '='", err, n);
        }
        s++;
        skip_ws(&s);
        char *v = read_value(&s);
        if (!v || j->nopts == JAAS_MAX_OPTS) {
            free(k);
            free(v);
            return jaas_fail(j, text, s, v ? "too many options" : "expected a value", err, n);
        }
        j->keys[j->nopts] = k;
        j->vals[j->nopts++] = v;
    }
    return j; /* later entries (other modules) are not used */
}

void jaas_free(jaas_t *j)
{
    if (!j) return;
    for (int i = 0; i < j->nopts; i++) {
        free(j->keys[i]);
        free(j->vals[i]);
    }
    free(j->module);
    free(j);
}

const char *jaas_module(const jaas_t *j)
{
    return j->module;
}

const char *jaas_get(const jaas_t *j, const char *key)
{
    for (int i = 0; i < j->nopts; i++)
        if (strcmp(j->keys[i], key) == 0) return j->vals[i];
    return NULL;
}

int jaas_option(const jaas_t *j, int i, const char **key, const char **value)
{
    if (i < 0 || i >= j->nopts) return 0;
    *key = j->keys[i];
    *value = j->vals[i];
    return 1;
}
