/* cleaner.h: the log cleaner (log compaction) for cleanup.policy=compact topics, as Kafka's
 * LogCleaner: keep the last record of every key in the non-active segments, drop tombstones
 * (null values) once their segment is older than delete.retention.ms (transactions: see
 * cleaner.c), and rewrite each
 * segment through a <base>.log.cleaned file swapped in atomically (plog_replace_segment).
 * Offsets never change: a cleaned batch keeps its base offset and last offset delta, and its
 * surviving records their offset deltas (consumers see gaps). Progress goes to each log dir's
 * cleaner-offset-checkpoint.
 * Work is bounded: one log per pass, at most max_bytes of its oldest segments (the key map is
 * built over exactly those segments, so a record superseded later is kept for a later pass,
 * never dropped wrongly). Passes run from the log manager's tick, log.cleaner.backoff.ms apart.
 * Owner: the log manager. Reactor thread only. */
#ifndef CLEANER_H
#define CLEANER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"
#include "plog.h"

typedef struct cleaner cleaner_t;

typedef struct cleaner_stats {
    int segments; /* segments rewritten */
    int64_t records_in, records_out;
    int64_t bytes_in, bytes_out;
    int64_t tombstones_dropped;
    int64_t markers_dropped; /* transaction markers with nothing of their transaction left */
    int64_t cleaned_to;      /* first offset not examined (the new first dirty offset) */
} cleaner_stats_t;

cleaner_t *cleaner_new(int64_t backoff_ms, size_t max_bytes_per_pass);
void cleaner_free(cleaner_t *c);

/* One compaction pass over log (which must be compacted) at wall time now_ms. */
kerr_t cleaner_clean_log(plog_t *log, int64_t now_ms, size_t max_bytes, cleaner_stats_t *st);

/* Periodic: when backoff has passed, clean the next compacted log of logs[0..n) that has
 * dirty segments (round robin) and record its checkpoint. */
void cleaner_tick(cleaner_t *c, plog_t **logs, int n, int64_t now_ms);

#endif
