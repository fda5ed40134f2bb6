/* txn_int.h: the transaction coordinator's internal state, shared by txn_coord.c (partition
 * roles, loading, lookup, FindCoordinator, timeouts and expiration), txn_log.c (record
 * schemas and appends to __transaction_state), txn_sm.c (the client APIs' state machine) and
 * txn_markers.c (WriteTxnMarkers to partition leaders).
 * Ownership: tc->txns owns every txn_t; a txn_t owns its id, its metadata's partition list and
 * its marker send (at most one). Reactor thread only. */
#ifndef TXN_INT_H
#define TXN_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "dict.h"
#include "ev.h"
#include "txn.h"

/* TransactionLogValue's transaction_status values (Kafka's TransactionState ids). */
typedef enum txn_state {
    TXN_EMPTY = 0,
    TXN_ONGOING = 1,
    TXN_PREPARE_COMMIT = 2,
    TXN_PREPARE_ABORT = 3,
    TXN_COMPLETE_COMMIT = 4,
    TXN_COMPLETE_ABORT = 5,
    TXN_DEAD = 6,
    TXN_PREPARE_EPOCH_FENCE = 7,
    TXN__NSTATES = 8,
} txn_state_t;

extern const char *const txn_state_names[TXN__NSTATES];

#define TXN_NO_EPOCH ((int16_t)-1)
/* Kafka rotates the producer id when the epoch reaches Short.MaxValue - 1. */
#define TXN_EPOCH_EXHAUSTED ((int16_t)(INT16_MAX - 1))

typedef struct txn_tp {
    char *topic;
    int32_t partition;
} txn_tp_t;

/* What TransactionLogValue holds (plus the previous producer id/epoch, kept in memory only,
 * which lets a retried InitProducerId after an epoch bump be recognised, KIP-360). */
typedef struct txn_meta {
    int64_t producer_id, last_producer_id;
    int16_t producer_epoch, last_producer_epoch;
    int32_t timeout_ms;
    txn_state_t state;
    int ntps;
    txn_tp_t *tps; /* owned */
    int64_t start_ms, update_ms;
} txn_meta_t;

typedef struct txn_mk txn_mk_t;
typedef struct txn_waiter txn_waiter_t;

/* A partition named in AddPartitionsToTxn / AddOffsetsToTxn (topic not owned). */
typedef struct txn_tp_in {
    kstr_t topic;
    int32_t partition;
} txn_tp_in_t;

typedef struct txn {
    txn_coord_t *tc;
    char *id;
    int32_t partition; /* of __transaction_state */
    txn_meta_t m;
    bool pending;              /* a transition is being written */
    txn_state_t pending_state; /* its target (PrepareEpochFence while fencing) */
    txn_mk_t *markers;         /* markers in flight (Prepare* only) */
    txn_waiter_t *waiters;     /* requests parked until t is not busy (txn_wait.c) */
} txn_t;

typedef enum tc_part_state { TC_PART_NONE, TC_PART_LOADING, TC_PART_LOADED } tc_part_state_t;

typedef struct tc_part {
    txn_coord_t *tc;
    int32_t index;
    tc_part_state_t state;
    int32_t epoch; /* the partition's leader epoch: the coordinator epoch of markers */
    int64_t load_next;
    ev_timer_id_t load_timer;
} tc_part_t;

struct txn_coord {
    txn_deps_t d; /* a copy of what txn_coord_new was given (d.inter_broker_listener: ibl) */
    char ibl[64];
    ev_loop_t *loop;
    int32_t nparts;
    tc_part_t *parts;
    dict_t *txns;  /* transactional id -> txn_t* */
    dict_t *peers; /* "broker id" -> peer_t*, for WriteTxnMarkers */
    bool creating; /* __transaction_state creation in flight */
    int64_t last_abort_check_ms, last_expire_check_ms;
    /* config */
    int32_t max_timeout_ms;
    int64_t abort_interval_ms, expiration_ms, expire_interval_ms;
    int64_t append_timeout_ms;
};

/* ---- txn_coord.c ---- */
/* The transaction's coordinator state here: KERR_NONE with *out (NULL when unknown), or
 * NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS. */
kerr_t txn_lookup(txn_coord_t *tc, kstr_t id, txn_t **out);
txn_t *txn_get(txn_coord_t *tc, const char *id);
txn_t *txn_new(txn_coord_t *tc, const char *id, int32_t partition);
/* Remove and free (stops its markers). */
void txn_destroy(txn_t *t);
/* The coordinator epoch of t's partition (its leader epoch). */
int32_t txn_coord_epoch(const txn_t *t);

/* ---- txn_log.c ---- */
void txn_meta_copy(txn_meta_t *dst, const txn_meta_t *src);
void txn_meta_clear(txn_meta_t *m);
bool txn_meta_has(const txn_meta_t *m, const char *topic, int32_t partition);
void txn_meta_add(txn_meta_t *m, const char *topic, int32_t partition);
/* Write target (taken over; a tombstone when its state is Dead) as t's next state: t becomes
 * pending; once the record is committed t's metadata is target and done(arg, t, NONE) runs;
 * on failure t keeps its state and done gets the coordinator error (t NULL when the id is no
 * longer coordinated here). */
typedef void txn_write_done_fn(void *arg, txn_t *t, kerr_t err);
void txn_write(txn_t *t, txn_meta_t *target, txn_write_done_fn *done, void *arg);
/* Apply one __transaction_state record while loading partition p. */
void txn_load_record(txn_coord_t *tc, int32_t p, kbytes_t key, kbytes_t value);

/* ---- txn_sm.c ---- */
/* Abort t (Ongoing) on the coordinator's own initiative: epoch bumped (fencing the producer),
 * PrepareAbort written, markers sent. */
void txn_abort_fenced(txn_t *t);
/* Markers of t are all written: write CompleteCommit / CompleteAbort. */
void txn_complete(txn_t *t);
/* Is a state being written, or a transaction being completed (Prepare*)? Requests that
 * change the transaction then wait (txn_wait.c) or get CONCURRENT_TRANSACTIONS. */
bool txn_busy(const txn_t *t);
/* AddPartitionsToTxn / AddOffsetsToTxn of the n partitions tps; cb(arg, err) once it is
 * durable or refused. While t is busy the request is parked until park_until_ms (monotonic;
 * 0: the default wait from now), then refused with CONCURRENT_TRANSACTIONS. */
void txn_add_tps(txn_coord_t *tc, kstr_t id, int64_t pid, int16_t epoch, int n,
                 const txn_tp_in_t *tps, txn_err_cb *cb, void *arg, int64_t park_until_ms);

/* ---- txn_wait.c ---- */
/* Park the request on t until it is not busy (copies id and tps); false when deadline_ms
 * (monotonic, 0: the default wait from now) has passed: answer it now instead. */
bool txn_park(txn_t *t, int64_t pid, int16_t epoch, int n, const txn_tp_in_t *tps, txn_err_cb *cb,
              void *arg, int64_t deadline_ms);
/* The transaction id may have stopped being busy (a write finished): run its parked
 * requests in arrival order while it stays not busy. */
void txn_waiters_wake(txn_coord_t *tc, const char *id);
/* Answer every parked request of t with err (t is going away). */
void txn_waiters_fail(txn_t *t, kerr_t err);

/* ---- txn_markers.c ---- */
/* Send the markers of t (in PrepareCommit/PrepareAbort) until every partition has one, then
 * txn_complete(t). */
void txn_markers_start(txn_t *t);
void txn_markers_stop(txn_t *t);
/* Has partition i of t's metadata got its marker already (a send in progress)? */
bool txn_markers_done(const txn_t *t, int i);
/* Close peer connections (shutdown). */
void txn_markers_close(txn_coord_t *tc);

#endif
