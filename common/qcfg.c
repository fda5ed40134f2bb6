/* qcfg.c: client quota config keys, validation and number formats (see qcfg.h). */
#include "qcfg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    bool is_long; /* Kafka's ConfigDef type LONG (else DOUBLE) */
} qcfg_keys[QCFG_NKEYS] = {
    [QCFG_PRODUCER_BYTE_RATE] = {"producer_byte_rate", true},
    [QCFG_CONSUMER_BYTE_RATE] = {"consumer_byte_rate", true},
    [QCFG_REQUEST_PERCENTAGE] = {"request_percentage", false},
};

int qcfg_key(const char *name)
{
    for (int i = 0; i < QCFG_NKEYS; i++)
        if (strcmp(qcfg_keys[i].name, name) == 0) return i;
    return -1;
}

const char *qcfg_name(qcfg_key_t k)
{
    return qcfg_keys[k].name;
}

kerr_t qcfg_check(const char *key, double v, char *why, size_t n)
{
    int k = qcfg_key(key);
    if (k < 0) {
        snprintf(why, n, "Invalid configuration key %s", key);
        return KERR_INVALID_REQUEST;
    }
    if (!isfinite(v) || v <= 0) {
        char num[64];
        qcfg_java_double(v, num, sizeof(num));
        snprintf(why, n, "Invalid value %s for configuration %s: Value must be greater than 0", num,
                 key);
        return KERR_INVALID_CONFIG;
    }
    if (qcfg_keys[k].is_long && (v > 9.2e18 || fabs(v - floor(v + 1e-6)) > 1e-6)) {
        snprintf(why, n, "Configuration %s must be a Long value", key);
        return KERR_INVALID_REQUEST;
    }
    return KERR_NONE;
}

kerr_t qcfg_parse(const char *key, const char *s, double *v, char *why, size_t n)
{
    char *end;
    *v = s && *s ? strtod(s, &end) : 0;
    if (qcfg_key(key) >= 0 && (!s || !*s || *end)) {
        snprintf(why, n, "Invalid value %s for configuration %s: Not a number of type %s",
                 s ? s : "", key, qcfg_keys[qcfg_key(key)].is_long ? "LONG" : "DOUBLE");
        return KERR_INVALID_CONFIG;
    }
    return qcfg_check(key, *v, why, n);
}

void qcfg_store_str(qcfg_key_t k, double v, char *out, size_t n)
{
    if (qcfg_keys[k].is_long)
        snprintf(out, n, "%lld", (long long)floor(v + 1e-6));
    else
        qcfg_java_double(v, out, n);
}

/* The shortest %.*g that reads back as v. */
static void qcfg_shortest(double v, char *out, size_t n, char conv)
{
    char fmt[8] = {'%', '.', '*', conv, 0};
    for (int p = 1; p <= 17; p++) {
        snprintf(out, n, fmt, p, v);
        if (strtod(out, NULL) == v) return;
    }
}

void qcfg_java_double(double v, char *out, size_t n)
{
    if (isnan(v)) {
        snprintf(out, n, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(out, n, v > 0 ? "Infinity" : "-Infinity");
        return;
    }
    double a = fabs(v);
    if (a == 0 || (a >= 1e-3 && a < 1e7)) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%.17g", v);
        /* shortest fixed notation that round-trips, with at least one decimal */
        for (int p = 1; p <= 17; p++) {
            snprintf(buf, sizeof(buf), "%.*f", p, v);
            if (strtod(buf, NULL) == v) break;
        }
        size_t l = strlen(buf);
        while (l > 2 && buf[l - 1] == '0' && buf[l - 2] != '.') buf[--l] = '\0';
        snprintf(out, n, "%s", buf);
        return;
    }
    /* computerized scientific notation: d.dddE[-]x */
    char buf[64];
    qcfg_shortest(v, buf, sizeof(buf), 'e');
    char *e = strchr(buf, 'e');
    int exp = e ? atoi(e + 1) : 0;
    if (e) *e = '\0';
    if (!strchr(buf, '.')) strcat(buf, ".0");
    snprintf(out, n, "%sE%d", buf, exp);
}
