/* cli.c: shared helpers of the command-line tools. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_die(const char *tool, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", tool);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

cli_opt_t *cli_opt(cli_opt_t *opts, const char *name)
{
    for (cli_opt_t *o = opts; o->name; o++)
        if (strcmp(o->name, name) == 0) return o;
    return NULL;
}

const char *cli_val(cli_opt_t *opts, const char *name)
{
    cli_opt_t *o = cli_opt(opts, name);
    return o && o->nvals ? o->vals[o->nvals - 1] : NULL;
}

bool cli_has(cli_opt_t *opts, const char *name)
{
    cli_opt_t *o = cli_opt(opts, name);
    return o && o->set;
}

static void cli_usage(const char *tool, const char *summary, cli_opt_t *opts)
{
    printf("%s\nOption                                   Description\n"
           "------                                   -----------\n",
           summary);
    for (cli_opt_t *o = opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof(left), "--%s%s", o->name, o->has_arg ? " <String>" : "");
        printf("%-40s %s\n", left, o->help);
    }
    (void)tool;
}

void cli_parse(const char *tool, const char *summary, cli_opt_t *opts, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_usage(tool, summary, opts);
            exit(0);
        }
        if (strncmp(a, "--", 2) != 0)
            cli_die(tool, "unexpected argument '%s' (options start with --; see --help)", a);
        char name[128];
        const char *eq = strchr(a + 2, '=');
        snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - (a + 2) : (long)strlen(a + 2)), a + 2);
        cli_opt_t *o = cli_opt(opts, name);
        if (!o) cli_die(tool, "'%s' is not a recognized option (see --help)", a);
        o->set = true;
        if (!o->has_arg) {
            if (eq) cli_die(tool, "option --%s takes no value", name);
            continue;
        }
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v) cli_die(tool, "option --%s requires an argument", name);
        o->vals = realloc(o->vals, (size_t)(o->nvals + 2) * sizeof(char *));
        if (!o->vals) abort();
        o->vals[o->nvals++] = v;
        o->vals[o->nvals] = NULL;
    }
}

void cli_conf_set(const char *tool, rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char err[512];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
        cli_die(tool, "invalid property %s=%s: %s", k, v, err);
}

void cli_conf_kv(const char *tool, rd_kafka_conf_t *conf, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) cli_die(tool, "property '%s' is not of the form key=value", kv);
    char k[256];
    snprintf(k, sizeof(k), "%.*s", (int)(eq - kv), kv);
    cli_conf_set(tool, conf, k, eq + 1);
}

void cli_conf_file(const char *tool, rd_kafka_conf_t *conf, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) cli_die(tool, "cannot read %s: %s", path, strerror(errno));
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        char *s = line;
        while (isspace((unsigned char)*s)) s++;
        s[strcspn(s, "\r\n")] = '\0';
        if (!*s || *s == '#' || *s == '!') continue;
        char *eq = strchr(s, '=');
        if (!eq) continue;
        *eq = '\0';
        char *k = s, *v = eq + 1;
        for (char *e = k + strlen(k); e > k && isspace((unsigned char)e[-1]);) *--e = '\0';
        while (isspace((unsigned char)*v)) v++;
        char err[512];
        if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
            fprintf(stderr, "WARN The configuration '%s' was supplied but isn't a known config.\n",
                    k);
    }
    fclose(f);
}
