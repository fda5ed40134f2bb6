/* txnidx.h: the aborted transaction index of one partition log (Kafka's .txnindex files).
 * Each segment <base>.txnindex lists the transactions aborted by a marker in that segment, in
 * marker order, as 34-byte big-endian entries: version i16 (0), producer id i64, first offset
 * i64, last offset i64 (the marker's), last stable offset i64 (the LSO once that transaction
 * was done). In memory every segment's entries sit in one array ordered by last offset, so a
 * read_committed fetch finds the aborted transactions overlapping its range by binary search.
 *
 * The log (plog.c) drives it: entries are loaded with their segments, dropped with them
 * (retention, DeleteRecords, truncation, reset); the producer state (pidstate.c) adds one
 * when an ABORT marker is appended or replayed (an entry already present is not added twice,
 * so replay after a crash rebuilds only what is missing).
 * Owner: its plog. Reactor thread only. */
#ifndef TXNIDX_H
#define TXNIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

#define TXNIDX_ENTRY_SIZE 34

typedef struct txnidx_ent {
    int64_t producer_id;
    int64_t first_offset, last_offset, lso;
    int64_t seg_base; /* the segment whose file holds it */
    bool unsynced;    /* written since the last txnidx_sync */
} txnidx_ent_t;

typedef struct txnidx txnidx_t;

txnidx_t *txnidx_new(void);
void txnidx_free(txnidx_t *x);
/* Read dir/<base>.txnindex (missing = none). Entries whose marker is at or past seg_end (a
 * torn tail that recovery cut) are dropped and the file trimmed to the rest. */
void txnidx_load_seg(txnidx_t *x, const char *dir, int64_t base, int64_t seg_end);
/* Record e (in memory and in its segment's file). A no-op when an entry with the same last
 * offset is known. KERR__IO when the file cannot be written (the entry stays in memory). */
kerr_t txnidx_add(txnidx_t *x, const char *dir, const txnidx_ent_t *e);
/* Forget the entries of segment base (its files are removed by the log). */
void txnidx_drop_seg(txnidx_t *x, int64_t base);
/* Forget every entry whose marker is at or past offset, trimming the files that held them. */
void txnidx_truncate(txnidx_t *x, const char *dir, int64_t offset);
/* Entries with last_offset >= from and first_offset < upto, in order: up to max into out;
 * returns how many there are in all. */
size_t txnidx_collect(const txnidx_t *x, int64_t from, int64_t upto, txnidx_ent_t *out, size_t max);
size_t txnidx_count(const txnidx_t *x);
/* fsync the files written since the last sync (the log's flush: entries before the recovery
 * point are not rebuilt after a crash). */
kerr_t txnidx_sync(txnidx_t *x, const char *dir);

#endif
