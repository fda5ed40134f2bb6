/* prom.c: Prometheus text format writer (see prom.h). */
#include "prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

const double prom_hist_bounds[PROM_HIST_NBUCKETS - 1] = {0.1, 0.5, 1,   2.5,  5,    10,   25,
                                                         50,  100, 250, 1000, 5000, 30000};

void prom_family(wbuf_t *wb, const char *name, const char *type, const char *help)
{
    wbuf_printf(wb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_escape(wbuf_t *wb, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            wbuf_printf(wb, "\\%c", *v);
        else if (*v == '\n')
            wbuf_append(wb, "\\n", 2);
        else
            wbuf_append(wb, v, 1);
    }
}

static void prom_value(wbuf_t *wb, double v)
{
    if (isinf(v))
        wbuf_printf(wb, " %s\n", v > 0 ? "+Inf" : "-Inf");
    else if (v == (double)(int64_t)v && fabs(v) < 9e15)
        wbuf_printf(wb, " %lld\n", (long long)v);
    else
        wbuf_printf(wb, " %.6g\n", v);
}

static void prom_labels_v(wbuf_t *wb, va_list ap)
{
    const char *k = va_arg(ap, const char *);
    if (!k) return;
    wbuf_append(wb, "{", 1);
    int n = 0;
    for (; k; k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        wbuf_printf(wb, "%s%s=\"", n++ ? "," : "", k);
        prom_escape(wb, v ? v : "");
        wbuf_append(wb, "\"", 1);
    }
    wbuf_append(wb, "}", 1);
}

void prom_sample(wbuf_t *wb, const char *name, double value, ...)
{
    va_list ap;
    va_start(ap, value);
    wbuf_printf(wb, "%s", name);
    prom_labels_v(wb, ap);
    va_end(ap);
    prom_value(wb, value);
}

void prom_hist_observe(prom_hist_t *h, double v)
{
    int i = 0;
    while (i < PROM_HIST_NBUCKETS - 1 && v > prom_hist_bounds[i]) i++;
    h->buckets[i]++;
    h->count++;
    h->sum += v;
}

/* One sample line of a histogram with an optional label pair first. */
static void prom_hist_line(wbuf_t *wb, const char *name, const char *suffix, const char *lname,
                           const char *lvalue, const char *le, double v)
{
    wbuf_printf(wb, "%s%s", name, suffix);
    if (lname || le) {
        wbuf_append(wb, "{", 1);
        if (lname) {
            wbuf_printf(wb, "%s=\"", lname);
            prom_escape(wb, lvalue);
            wbuf_append(wb, "\"", 1);
        }
        if (le) wbuf_printf(wb, "%sle=\"%s\"", lname ? "," : "", le);
        wbuf_append(wb, "}", 1);
    }
    prom_value(wb, v);
}

void prom_hist_write(wbuf_t *wb, const char *name, const char *lname, const char *lvalue,
                     const prom_hist_t *h)
{
    uint64_t cum = 0;
    char le[32];
    for (int i = 0; i < PROM_HIST_NBUCKETS; i++) {
        cum += h->buckets[i];
        if (i < PROM_HIST_NBUCKETS - 1)
            snprintf(le, sizeof(le), "%g", prom_hist_bounds[i]);
        else
            snprintf(le, sizeof(le), "+Inf");
        prom_hist_line(wb, name, "_bucket", lname, lvalue, le, (double)cum);
    }
    prom_hist_line(wb, name, "_sum", lname, lvalue, NULL, h->sum);
    prom_hist_line(wb, name, "_count", lname, lvalue, NULL, (double)h->count);
}
