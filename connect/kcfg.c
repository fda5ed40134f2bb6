/* kcfg.c: ConfigDef for plugins: effective values with defaults, typed getters, validators and
 * the per-key error lists REST's config/validate shows (connector.h). Messages are Kafka's. */
#include "connector.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const kc_cfg_def_t *def_of(const kc_cfg_def_t *defs, size_t ndefs, const char *key)
{
    for (size_t i = 0; i < ndefs; i++)
        if (strcmp(defs[i].name, key) == 0) return &defs[i];
    return NULL;
}

const char *kc_cfg_str(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props, const char *key)
{
    const char *v = json_string_value(json_object_get(props, key));
    if (v) return v;
    const kc_cfg_def_t *d = def_of(defs, ndefs, key);
    return d ? d->default_value : NULL;
}

static bool parse_i64(const char *s, int64_t *out)
{
    if (!s) return false;
    while (isspace((unsigned char)*s)) s++;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno) return false;
    while (isspace((unsigned char)*end)) end++;
    if (*end) return false;
    *out = v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    if (s && strcasecmp(s, "true") == 0) return (*out = true), true;
    if (s && strcasecmp(s, "false") == 0) return (*out = false), true;
    return false;
}

int64_t kc_cfg_int(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props, const char *key)
{
    int64_t v = 0;
    return parse_i64(kc_cfg_str(defs, ndefs, props, key), &v) ? v : 0;
}

bool kc_cfg_bool(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props, const char *key)
{
    bool b = false;
    return parse_bool(kc_cfg_str(defs, ndefs, props, key), &b) && b;
}

double kc_cfg_double(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props, const char *key)
{
    const char *s = kc_cfg_str(defs, ndefs, props, key);
    return s ? strtod(s, NULL) : 0.0;
}

json_t *kc_cfg_list(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props, const char *key)
{
    json_t *arr = json_array();
    const char *s = kc_cfg_str(defs, ndefs, props, key);
    while (s && *s) {
        const char *comma = strchr(s, ',');
        const char *e = comma ? comma : s + strlen(s);
        const char *b = s;
        while (b < e && isspace((unsigned char)*b)) b++;
        const char *t = e;
        while (t > b && isspace((unsigned char)t[-1])) t--;
        if (t > b) json_array_append_new(arr, json_stringn(b, (size_t)(t - b)));
        s = comma ? comma + 1 : e;
    }
    return arr;
}

static const char *const type_names[] = {"BOOLEAN", "STRING", "INT",   "SHORT",   "LONG",
                                         "DOUBLE",  "LIST",   "CLASS", "PASSWORD"};

/* The type check ConfigDef.parseType does; false with Kafka's message. */
static bool type_ok(const kc_cfg_def_t *d, const char *v, char *err, size_t errlen)
{
    int64_t i;
    bool b;
    char *end;
    switch (d->type) {
    case KC_CFG_BOOLEAN:
        if (parse_bool(v, &b)) return true;
        snprintf(err, errlen,
                 "Invalid value %s for configuration %s: Expected value to be "
                 "either true or false",
                 v, d->name);
        return false;
    case KC_CFG_INT:
    case KC_CFG_SHORT:
    case KC_CFG_LONG:
        if (parse_i64(v, &i) &&
            (d->type == KC_CFG_LONG || (d->type == KC_CFG_INT ? i >= INT32_MIN && i <= INT32_MAX
                                                              : i >= INT16_MIN && i <= INT16_MAX)))
            return true;
        snprintf(err, errlen, "Invalid value %s for configuration %s: Not a number of type %s", v,
                 d->name, type_names[d->type]);
        return false;
    case KC_CFG_DOUBLE:
        strtod(v, &end);
        if (end != v && *end == '\0') return true;
        snprintf(err, errlen,
                 "Invalid value %s for configuration %s: Not a number of type "
                 "DOUBLE",
                 v, d->name);
        return false;
    default:
        return true;
    }
}

bool kc_valid_at_least(const kc_cfg_def_t *def, const char *value, char *err, size_t errlen)
{
    int64_t v, min = def->valid_arg ? strtoll(def->valid_arg, NULL, 10) : 0;
    if (!value) return true; /* null is the required check's business */
    if (parse_i64(value, &v) && v >= min) return true;
    snprintf(err, errlen, "Invalid value %s for configuration %s: Value must be at least %lld",
             value, def->name, (long long)min);
    return false;
}

bool kc_valid_range(const kc_cfg_def_t *def, const char *value, char *err, size_t errlen)
{
    long long min = 0, max = 0;
    if (!value) return true;
    if (def->valid_arg) sscanf(def->valid_arg, "%lld,%lld", &min, &max);
    int64_t v;
    if (parse_i64(value, &v) && v >= min && v <= max) return true;
    snprintf(err, errlen, "Invalid value %s for configuration %s: Value must be %s %lld", value,
             def->name, parse_i64(value, &v) && v < min ? "at least" : "no more than",
             parse_i64(value, &v) && v < min ? min : max);
    return false;
}

/* "a|b|c" as "a, b, c" (Kafka's Utils.join). */
static void join_choices(const char *arg, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = arg ? arg : ""; *p && o + 3 < n; p++) {
        if (*p == '|') {
            out[o++] = ',';
            out[o++] = ' ';
        } else
            out[o++] = *p;
    }
    out[o] = '\0';
}

static bool one_of(const char *arg, const char *v, size_t vlen)
{
    for (const char *p = arg ? arg : ""; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == vlen && strncasecmp(p, v, len) == 0) return true;
        p += len + (bar ? 1 : 0);
    }
    return false;
}

bool kc_valid_in(const kc_cfg_def_t *def, const char *value, char *err, size_t errlen)
{
    if (!value || one_of(def->valid_arg, value, strlen(value))) return true;
    char choices[512];
    join_choices(def->valid_arg, choices, sizeof choices);
    snprintf(err, errlen, "Invalid value %s for configuration %s: String must be one of: %s", value,
             def->name, choices);
    return false;
}

bool kc_valid_non_empty(const kc_cfg_def_t *def, const char *value, char *err, size_t errlen)
{
    if (!value || *value) return true;
    snprintf(err, errlen, "Invalid value %s for configuration %s: String must be non-empty", value,
             def->name);
    return false;
}

bool kc_valid_list_in(const kc_cfg_def_t *def, const char *value, char *err, size_t errlen)
{
    json_t *props = json_pack("{ss}", def->name, value ? value : "");
    json_t *items = kc_cfg_list(def, 1, props, def->name);
    bool ok = true;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *s = json_string_value(it);
        if (!one_of(def->valid_arg, s, strlen(s))) {
            char choices[512];
            join_choices(def->valid_arg, choices, sizeof choices);
            snprintf(err, errlen,
                     "Invalid value %s for configuration %s: Invalid value %s "
                     "(one of: %s)",
                     value, def->name, s, choices);
            ok = false;
            break;
        }
    }
    json_decref(items);
    json_decref(props);
    return ok;
}

int kc_cfg_validate(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props, json_t **out)
{
    int nerr = 0;
    json_t *errs = json_object();
    for (size_t i = 0; i < ndefs; i++) {
        const kc_cfg_def_t *d = &defs[i];
        json_t *list = json_array();
        const char *set = json_string_value(json_object_get(props, d->name));
        const char *v = kc_cfg_str(defs, ndefs, props, d->name);
        char msg[768] = "";
        if (!set && d->required)
            snprintf(msg, sizeof msg,
                     "Missing required configuration \"%s\" which has no default value.", d->name);
        else if (v && type_ok(d, v, msg, sizeof msg) && d->validator)
            d->validator(d, v, msg, sizeof msg);
        if (msg[0]) {
            json_array_append_new(list, json_string(msg));
            nerr++;
        }
        json_object_set_new(errs, d->name, list);
    }
    if (out)
        *out = errs;
    else
        json_decref(errs);
    return nerr;
}
