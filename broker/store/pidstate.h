/* pidstate.h: the idempotent and transactional producers' state of one partition (Kafka's
 * ProducerStateManager): per producer id, its epoch, the offsets and sequence ranges of its
 * last 5 batches, the coordinator epoch of its last marker and the first offset of its
 * ongoing transaction.
 *
 * Transactions (KIP-98): a batch with the transactional attribute starts (or continues) its
 * producer's ongoing transaction; a control batch (COMMIT/ABORT marker, txnmark.h) ends it,
 * and an ABORT is recorded in the log's aborted transaction index (plog_txn_aborted). The
 * first offset of the oldest ongoing transaction bounds the last stable offset.
 *
 * The leader checks each incoming batch that carries a producer id (pidmap_check): a batch
 * already in the log (same epoch, same sequence range as one of the last 5) is a duplicate
 * and is answered with its original offset instead of being appended; otherwise the sequence
 * must follow the last one (OUT_OF_ORDER_SEQUENCE_NUMBER), an older epoch is fenced
 * (INVALID_PRODUCER_EPOCH), a new epoch must start at sequence 0, and an unknown producer
 * must too (UNKNOWN_PRODUCER_ID). Every replica updates the state from the batches it
 * appends (pidmap_update), so a new leader knows its producers.
 *
 * Persistence: <20-digit offset>.snapshot files in the partition directory (Kafka's producer
 * snapshot layout: version, CRC-32C, then per producer id its epoch, last sequence, last
 * offset, offset delta and timestamp); loading reads the newest snapshot not past the log end
 * and replays the batch headers after it. Snapshots past the log end (after a truncation) are
 * ignored and removed.
 *
 * Owner: the partition (rmgr). Reactor thread only. */
#ifndef PIDSTATE_H
#define PIDSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

typedef struct pidmap pidmap_t;
typedef struct plog plog_t;

#define PIDSTATE_BATCHES 5

/* Rebuild the state of log (snapshot + replay). Never NULL. */
pidmap_t *pidmap_load(plog_t *log);
void pidmap_free(pidmap_t *m);

/* Check the one batch at buf (offsets not yet stamped). KERR_NONE: append it.
 * KERR_DUPLICATE_SEQUENCE_NUMBER: already in the log at *dup_offset (answer success with it).
 * Otherwise the Kafka error for the batch. Batches without a producer id pass. */
kerr_t pidmap_check(pidmap_t *m, const uint8_t *buf, size_t len, int64_t *dup_offset);
/* Record the appended batches (offsets stamped) of log. m may be NULL (no-op). */
void pidmap_update(pidmap_t *m, plog_t *log, const uint8_t *buf, size_t len);
/* Before appending a marker for pid: INVALID_PRODUCER_EPOCH for an epoch older than the
 * producer's, TRANSACTION_COORDINATOR_FENCED for a coordinator epoch older than its last
 * marker's; KERR_NONE otherwise (an unknown producer included). */
kerr_t pidmap_check_marker(const pidmap_t *m, int64_t pid, int16_t epoch, int32_t coord_epoch);
/* First offset of the oldest ongoing transaction, -1 when none. */
int64_t pidmap_first_unstable(const pidmap_t *m);
/* Number of ongoing transactions. */
size_t pidmap_ongoing(const pidmap_t *m);

/* Number of producers known. */
size_t pidmap_count(const pidmap_t *m);

/* One producer as DescribeProducers shows it (last_sequence / last_timestamp -1 when it has
 * no batch held; coord_epoch and txn_first -1 when none). */
typedef struct pidmap_view {
    int64_t pid;
    int16_t epoch;
    int32_t last_sequence;
    int64_t last_timestamp;
    int32_t coord_epoch;
    int64_t txn_first;
} pidmap_view_t;
typedef void pidmap_visit_fn(void *arg, const pidmap_view_t *v);
/* Call fn for every producer known (m may be NULL: none). */
void pidmap_foreach(const pidmap_t *m, pidmap_visit_fn *fn, void *arg);
/* Write a snapshot at the log end if anything changed since the last one; keeps the two
 * newest snapshot files. */
kerr_t pidmap_snapshot(pidmap_t *m, plog_t *log);

#endif
