/* cval.c: config value validation (see cval.h). Messages follow Kafka's ConfigDef. */
#include "cval.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool cval_parse_long(const char *s, int64_t *out)
{
    while (isspace((unsigned char)*s)) s++;
    if (!*s) return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end)) end++;
    if (errno || *end) return false;
    *out = v;
    return true;
}

static const char *cval_type_name(cfg_type_t t)
{
    switch (t) {
    case CFG_BOOLEAN:
        return "BOOLEAN";
    case CFG_INT:
        return "INT";
    case CFG_SHORT:
        return "SHORT";
    case CFG_LONG:
        return "LONG";
    case CFG_DOUBLE:
        return "DOUBLE";
    case CFG_LIST:
        return "LIST";
    default:
        return "STRING";
    }
}

/* Is value[0..vl) one of the '|'-separated words (case-insensitive)? */
static bool cval_one_of(const char *one_of, const char *value, size_t vl)
{
    const char *p = one_of;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == vl && strncasecmp(p, value, l) == 0) return true;
        p += l + (bar ? 1 : 0);
    }
    return false;
}

/* A comma-separated list, at least one element, each (spaces trimmed) one of the words. */
static bool cval_list_one_of(const char *one_of, const char *value)
{
    int nelems = 0;
    const char *p = value;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        while (p < end && isspace((unsigned char)*p)) p++;
        const char *e = end;
        while (e > p && isspace((unsigned char)e[-1])) e--;
        if (e == p || !cval_one_of(one_of, p, (size_t)(e - p))) return false;
        nelems++;
        if (!comma) break;
        p = comma + 1;
    }
    return nelems > 0;
}

/* "Value must be at least MIN" (no upper bound) or "Value must be in [MIN, MAX]". */
static kerr_t cval_range_error(const cval_spec_t *s, const char *value, char *err, size_t n)
{
    if (s->max == CVAL_NOMAX)
        snprintf(err, n, "Invalid value %s for configuration %s: Value must be at least %lld",
                 value, s->key, (long long)s->min);
    else
        snprintf(err, n, "Invalid value %s for configuration %s: Value must be in [%lld, %lld]",
                 value, s->key, (long long)s->min, (long long)s->max);
    return KERR__INVAL;
}

kerr_t cval_check(const cval_spec_t *s, const char *value, char *err, size_t n)
{
    switch (s->type) {
    case CFG_BOOLEAN:
        if (strcasecmp(value, "true") != 0 && strcasecmp(value, "false") != 0) {
            snprintf(err, n,
                     "Invalid value %s for configuration %s: Expected value to be either "
                     "true or false",
                     value, s->key);
            return KERR__INVAL;
        }
        return KERR_NONE;
    case CFG_INT:
    case CFG_SHORT:
    case CFG_LONG: {
        int64_t lo = s->type == CFG_INT ? INT32_MIN : s->type == CFG_SHORT ? INT16_MIN : INT64_MIN;
        int64_t hi = s->type == CFG_INT ? INT32_MAX : s->type == CFG_SHORT ? INT16_MAX : INT64_MAX;
        int64_t v;
        if (!cval_parse_long(value, &v) || v < lo || v > hi) {
            snprintf(err, n, "Invalid value %s for configuration %s: Not a number of type %s",
                     value, s->key, cval_type_name(s->type));
            return KERR__INVAL;
        }
        if (v < s->min || v > s->max) return cval_range_error(s, value, err, n);
        return KERR_NONE;
    }
    case CFG_DOUBLE: {
        char *end;
        errno = 0;
        double dv = strtod(value, &end);
        if (errno || end == value || *end) {
            snprintf(err, n, "Invalid value %s for configuration %s: Not a number of type DOUBLE",
                     value, s->key);
            return KERR__INVAL;
        }
        if ((s->min != CVAL_NOMIN && dv < (double)s->min) ||
            (s->max != CVAL_NOMAX && dv > (double)s->max))
            return cval_range_error(s, value, err, n);
        return KERR_NONE;
    }
    case CFG_LIST:
        if (s->one_of && !cval_list_one_of(s->one_of, value)) {
            snprintf(err, n,
                     "Invalid value %s for configuration %s: a non-empty list of: %s expected",
                     value, s->key, s->one_of);
            return KERR__INVAL;
        }
        return KERR_NONE;
    default:
        if (s->one_of && !cval_one_of(s->one_of, value, strlen(value))) {
            snprintf(err, n, "Invalid value %s for configuration %s: String must be one of: %s",
                     value, s->key, s->one_of);
            return KERR__INVAL;
        }
        return KERR_NONE;
    }
}
