/* jdbc.c: the helpers both PostgreSQL connectors share (jdbc.h). Dates use the proleptic
 * Gregorian calendar through days-from-civil arithmetic (no time_t range limits). */
#include "jdbc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg.h"

/* Days since 1970-01-01 <-> year/month/day (Howard Hinnant's civil calendar algorithms). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

void jdbc_fmt_date(char *buf, size_t cap, int64_t days)
{
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, cap, "%04lld-%02d-%02d", (long long)y, m, d);
}

void jdbc_fmt_time(char *buf, size_t cap, int64_t ms)
{
    snprintf(buf, cap, "%02d:%02d:%02d.%03d", (int)(ms / 3600000), (int)(ms / 60000 % 60),
             (int)(ms / 1000 % 60), (int)(ms % 1000));
}

void jdbc_fmt_timestamp(char *buf, size_t cap, int64_t ms)
{
    int64_t days = floor_div(ms, 86400000);
    int64_t rest = ms - days * 86400000;
    char d[24], t[24];
    jdbc_fmt_date(d, sizeof d, days);
    jdbc_fmt_time(t, sizeof t, rest);
    snprintf(buf, cap, "%s %s+00", d, t);
}

static bool parse_date_part(const char **sp, int64_t *days)
{
    char *end;
    long long y = strtoll(*sp, &end, 10);
    if (end == *sp || *end != '-') return false;
    const char *p = end + 1;
    long mo = strtol(p, &end, 10);
    if (end != p + 2 || *end != '-') return false;
    p = end + 1;
    long d = strtol(p, &end, 10);
    if (end != p + 2 || mo < 1 || mo > 12 || d < 1 || d > 31) return false;
    *days = days_from_civil(y, (int)mo, (int)d);
    *sp = end;
    return true;
}

/* "HH:MM:SS[.ffffff]" -> ms; *sp moves past it. */
static bool parse_time_part(const char **sp, int64_t *ms)
{
    const char *p = *sp;
    int h, mi, s, n = 0;
    if (sscanf(p, "%2d:%2d:%2d%n", &h, &mi, &s, &n) != 3 || n != 8) return false;
    p += 8;
    int frac = 0, digits = 0;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 3) frac = frac * 10 + (*p - '0');
        for (int i = digits; i < 3; i++) frac *= 10;
    }
    *ms = ((int64_t)h * 3600 + mi * 60 + s) * 1000 + frac;
    *sp = p;
    return true;
}

bool jdbc_parse_date(const char *s, int32_t *days)
{
    int64_t d;
    if (!parse_date_part(&s, &d) || *s) return false;
    *days = (int32_t)d;
    return true;
}

bool jdbc_parse_time(const char *s, int32_t *ms)
{
    int64_t v;
    if (!parse_time_part(&s, &v) || (*s && *s != '+' && *s != '-')) return false;
    *ms = (int32_t)v;
    return true;
}

bool jdbc_parse_timestamp(const char *s, int64_t *ms)
{
    int64_t days, t;
    if (!parse_date_part(&s, &days) || *s++ != ' ' || !parse_time_part(&s, &t)) return false;
    int64_t off = 0; /* the session is UTC, so timestamptz prints +00; honour others anyway */
    if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1, hh = 0, mm = 0;
        if (sscanf(s + 1, "%2d:%2d", &hh, &mm) < 1) return false;
        off = sign * ((int64_t)hh * 3600 + mm * 60) * 1000;
    } else if (*s) {
        return false;
    }
    *ms = days * 86400000 + t - off;
    return true;
}

struct pg *jdbc_connect(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props,
                        bool (*stop)(void *arg), void *arg, char *err, size_t errlen)
{
    const char *url = kc_cfg_str(defs, ndefs, props, "connection.url");
    const char *user = kc_cfg_str(defs, ndefs, props, "connection.user");
    const char *pass = kc_cfg_str(defs, ndefs, props, "connection.password");
    int64_t attempts = kc_cfg_int(defs, ndefs, props, "connection.attempts");
    int64_t backoff = kc_cfg_int(defs, ndefs, props, "connection.backoff.ms");
    for (int64_t i = 0; i < (attempts < 1 ? 1 : attempts); i++) {
        if (i) { /* sleep in small steps so a stopping task does not wait the whole backoff */
            for (int64_t slept = 0; slept < backoff && !(stop && stop(arg)); slept += 100)
                nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
            if (stop && stop(arg)) break;
        }
        pg_t *pg = pg_open(url, user, pass, err, errlen);
        if (pg) return pg;
    }
    return NULL;
}

void jdbc_add_error(json_t *errors, const char *key, const char *msg)
{
    json_t *arr = json_object_get(errors, key);
    if (!arr) {
        arr = json_array();
        json_object_set_new(errors, key, arr);
    }
    json_array_append_new(arr, json_string(msg));
}

int jdbc_config_check(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props,
                      void (*extra)(const json_t *props, json_t *errors), char *err, size_t errlen)
{
    json_t *out = NULL;
    kc_cfg_validate(defs, ndefs, props, &out);
    if (!out) out = json_object();
    if (extra) extra(props, out);
    const char *k;
    json_t *msgs;
    int rc = KC_OK;
    json_object_foreach(out, k, msgs)
    {
        if (json_array_size(msgs)) {
            snprintf(err, errlen, "%s", json_string_value(json_array_get(msgs, 0)));
            rc = KC_ERR;
            break;
        }
    }
    json_decref(out);
    return rc;
}

int jdbc_name_set(pg_t *pg, const char *sql, const char *param, json_t **set, char *err,
                  size_t errlen)
{
    pg_res_t *res;
    const char *params[] = {param};
    if (pg_exec(pg, sql, 1, params, &res, err, errlen)) return KC_ERR;
    json_decref(*set);
    *set = json_object();
    for (int i = 0; i < pg_res_rows(res); i++)
        json_object_set_new(*set, pg_res_get(res, i, 0), json_true());
    pg_res_free(res);
    return KC_OK;
}
