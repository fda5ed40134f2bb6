/* xform_route.c: the topic routers. RegexRouter rewrites a topic that fully matches regex
 * (Java's Matcher.matches + replaceFirst; $N group references in replacement); the regex runs
 * on POSIX extended regular expressions, which cover the patterns these configs use (groups,
 * classes, alternation, quantifiers) but not Java-only syntax (lookaround, \d: use [0-9]).
 * TimestampRouter formats the record's timestamp (SimpleDateFormat letters y M d H m s S, in
 * UTC) into topic.format's ${timestamp}. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "xform.h"

#define ERR(...) xf_errf(err, errlen, __VA_ARGS__)

/* --- RegexRouter --------------------------------------------------------------------------- */

static const kc_cfg_def_t regex_defs[] = {
    {.name = "regex",
     .type = KC_CFG_STRING,
     .required = true,
     .importance = KC_IMP_HIGH,
     .doc = "Regular expression to use for matching."},
    {.name = "replacement",
     .type = KC_CFG_STRING,
     .required = true,
     .importance = KC_IMP_HIGH,
     .doc = "Replacement string."},
};

typedef struct rr {
    regex_t re;
    char *replacement;
} rr_t;

static void rr_close(void *p)
{
    rr_t *x = p;
    if (!x) return;
    regfree(&x->re);
    free(x->replacement);
    free(x);
}

static void *rr_configure(const json_t *props, char *err, size_t errlen)
{
    if (xf_check(regex_defs, 2, props, err, errlen)) return NULL;
    const char *re = kc_cfg_str(regex_defs, 2, props, "regex");
    size_t n = strlen(re) + 5;
    char *full = malloc(n);
    snprintf(full, n, "^(%s)$", re); /* group 1 is the whole match: Java's group N is N + 1 */
    rr_t *x = calloc(1, sizeof *x);
    int rc = regcomp(&x->re, full, REG_EXTENDED);
    free(full);
    if (rc) {
        char msg[128];
        regerror(rc, &x->re, msg, sizeof msg);
        ERR("Invalid value %s for configuration regex: %s", re, msg);
        free(x);
        return NULL;
    }
    x->replacement = strdup(kc_cfg_str(regex_defs, 2, props, "replacement"));
    return x;
}

#define RR_GROUPS 11

static void rr_expand(const rr_t *x, const char *topic, const regmatch_t *m, wbuf_t *out)
{
    for (const char *p = x->replacement; *p; p++) {
        if (*p == '\\' && p[1]) {
            wbuf_append(out, ++p, 1);
        } else if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
            int g = p[1] - '0' + 1;
            p++;
            if (g < RR_GROUPS && m[g].rm_so >= 0)
                wbuf_append(out, topic + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
        } else {
            wbuf_append(out, p, 1);
        }
    }
    wbuf_append(out, "", 1);
}

static int rr_apply(void *p, cd_record_t **rec, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    rr_t *x = p;
    cd_record_t *r = *rec;
    regmatch_t m[RR_GROUPS];
    if (!r->topic || regexec(&x->re, r->topic, RR_GROUPS, m, 0) != 0) return KC_OK;
    wbuf_t out;
    wbuf_init(&out);
    rr_expand(x, r->topic, m, &out);
    cd_record_set_topic(r, (const char *)out.p);
    wbuf_free(&out);
    return KC_OK;
}

const kc_plugin_t xf_regex_router_plugin = {
    .abi = KC_PLUGIN_ABI,
    .kind = KC_PLUGIN_TRANSFORM,
    .class_name = "org.apache.kafka.connect.transforms.RegexRouter",
    .version = "3.7.0",
    .defs = regex_defs,
    .ndefs = 2,
    .ops.transform = {.configure = rr_configure, .apply = rr_apply, .close = rr_close},
};

/* --- TimestampRouter ----------------------------------------------------------------------- */

static const kc_cfg_def_t ts_defs[] = {
    {.name = "topic.format",
     .type = KC_CFG_STRING,
     .default_value = "${topic}-${timestamp}",
     .importance = KC_IMP_HIGH,
     .doc = "Format string which can contain ${topic} and ${timestamp} as placeholders for the "
            "topic and timestamp, respectively."},
    {.name = "timestamp.format",
     .type = KC_CFG_STRING,
     .default_value = "yyyyMMdd",
     .importance = KC_IMP_HIGH,
     .doc = "Format string for the timestamp that is compatible with java.text.SimpleDateFormat."},
};

typedef struct tsr {
    char *topic_format, *ts_format;
} tsr_t;

static void tsr_close(void *p)
{
    tsr_t *x = p;
    if (!x) return;
    free(x->topic_format);
    free(x->ts_format);
    free(x);
}

/* One run of a pattern letter (count times) for the broken-down UTC time; false when the
 * letter is not one we format. */
static bool ts_letter(wbuf_t *o, char c, int count, const struct tm *tm, int ms)
{
    int v;
    switch (c) {
    case 'y':
        v = tm->tm_year + 1900;
        if (count == 2) v %= 100;
        break;
    case 'M':
        v = tm->tm_mon + 1;
        break;
    case 'd':
        v = tm->tm_mday;
        break;
    case 'H':
        v = tm->tm_hour;
        break;
    case 'm':
        v = tm->tm_min;
        break;
    case 's':
        v = tm->tm_sec;
        break;
    case 'S':
        v = ms;
        break;
    default:
        return false;
    }
    wbuf_printf(o, "%0*d", count, v);
    return true;
}

/* SimpleDateFormat: letter runs, 'quoted text', '' for a quote, anything else literal. */
static int ts_format(wbuf_t *o, const char *fmt, int64_t ts_ms, char *err, size_t errlen)
{
    time_t secs = (time_t)(ts_ms / 1000);
    int ms = (int)(ts_ms % 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    for (const char *p = fmt; *p;) {
        if (*p == '\'') {
            if (p[1] == '\'') {
                wbuf_append(o, "'", 1);
                p += 2;
                continue;
            }
            const char *q = strchr(p + 1, '\'');
            size_t n = q ? (size_t)(q - p - 1) : strlen(p + 1);
            wbuf_append(o, p + 1, n);
            p += n + 1 + (q ? 1 : 0);
        } else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
            int count = 1;
            while (p[count] == *p) count++;
            if (!ts_letter(o, *p, count, &tm, ms))
                return ERR("Invalid value %s for configuration timestamp.format: unsupported "
                           "pattern letter '%c'",
                           fmt, *p);
            p += count;
        } else {
            wbuf_append(o, p++, 1);
        }
    }
    return 0;
}

static void *tsr_configure(const json_t *props, char *err, size_t errlen)
{
    if (xf_check(ts_defs, 2, props, err, errlen)) return NULL;
    const char *tf = kc_cfg_str(ts_defs, 2, props, "timestamp.format");
    wbuf_t probe;
    wbuf_init(&probe);
    int rc = ts_format(&probe, tf, 0, err, errlen); /* reject unknown letters now */
    wbuf_free(&probe);
    if (rc) return NULL;
    tsr_t *x = calloc(1, sizeof *x);
    x->topic_format = strdup(kc_cfg_str(ts_defs, 2, props, "topic.format"));
    x->ts_format = strdup(tf);
    return x;
}

static int tsr_apply(void *p, cd_record_t **rec, char *err, size_t errlen)
{
    tsr_t *x = p;
    cd_record_t *r = *rec;
    if (r->timestamp < 0)
        return ERR("Timestamp missing on record: topic %s", r->topic ? r->topic : "(none)");
    wbuf_t ts, out;
    wbuf_init(&ts);
    wbuf_init(&out);
    ts_format(&ts, x->ts_format, r->timestamp, err, errlen);
    for (const char *q = x->topic_format; *q;) {
        if (strncmp(q, "${topic}", 8) == 0) {
            if (r->topic) wbuf_append(&out, r->topic, strlen(r->topic));
            q += 8;
        } else if (strncmp(q, "${timestamp}", 12) == 0) {
            wbuf_append(&out, ts.p, ts.len);
            q += 12;
        } else {
            wbuf_append(&out, q++, 1);
        }
    }
    wbuf_append(&out, "", 1);
    cd_record_set_topic(r, (const char *)out.p);
    wbuf_free(&ts);
    wbuf_free(&out);
    return KC_OK;
}

const kc_plugin_t xf_timestamp_router_plugin = {
    .abi = KC_PLUGIN_ABI,
    .kind = KC_PLUGIN_TRANSFORM,
    .class_name = "org.apache.kafka.connect.transforms.TimestampRouter",
    .version = "3.7.0",
    .defs = ts_defs,
    .ndefs = 2,
    .ops.transform = {.configure = tsr_configure, .apply = tsr_apply, .close = tsr_close},
};
