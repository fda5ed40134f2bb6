/* prom.h: writing the Prometheus text exposition format (version 0.0.4).
 *
 * A family is one "# HELP" and "# TYPE" line followed by its samples; callers write a family's
 * samples together, as the format requires. Labels are passed as alternating name/value C
 * strings ending with NULL; values are escaped here (backslash, double quote, newline).
 * Histograms have fixed millisecond buckets (prom_hist_bounds) so they cost one array walk per
 * observation and no allocation.
 * Owner: nothing is retained; the wbuf is the caller's. A prom_hist_t is plain data, used by
 * one thread (its owner's). */
#ifndef PROM_H
#define PROM_H

#include <stdint.h>

#include "buf.h"

#define PROM_HIST_NBUCKETS 14

typedef struct prom_hist {
    uint64_t buckets[PROM_HIST_NBUCKETS]; /* not cumulative; the last is +Inf */
    uint64_t count;
    double sum;
} prom_hist_t;

/* The upper bounds (ms) of the buckets but the last (+Inf). */
extern const double prom_hist_bounds[PROM_HIST_NBUCKETS - 1];

void prom_family(wbuf_t *wb, const char *name, const char *type, const char *help);
/* name{labels...} value. labels: "k1", "v1", "k2", "v2", ..., NULL (or just NULL). */
void prom_sample(wbuf_t *wb, const char *name, double value, ...);
void prom_hist_observe(prom_hist_t *h, double v);
/* name_bucket{labels,le=...}, name_sum, name_count. One label pair at most (lname may be NULL). */
void prom_hist_write(wbuf_t *wb, const char *name, const char *lname, const char *lvalue,
                     const prom_hist_t *h);

#endif
