/* txn.h: the transaction coordinator (KIP-98), Kafka's TransactionCoordinator and
 * TransactionStateManager in one module.
 *
 * This broker coordinates a transactional id when it leads partition
 *   abs(java_string_hash(transactional_id)) % transaction.state.log.num.partitions
 * of __transaction_state (created on the first FindCoordinator for a transaction, compacted,
 * min.insync.replicas = transaction.state.log.min.isr). Each transactional id's metadata is a
 * record of that topic in Kafka's TransactionLogKey/Value v0 schemas (txn_log.c); a broker that
 * becomes leader of a partition reads it back (COORDINATOR_LOAD_IN_PROGRESS meanwhile), then
 * finishes the transactions it finds in PrepareCommit/PrepareAbort; losing the partition
 * drops them (NOT_COORDINATOR).
 *
 * The state machine (txn_sm.c) follows Kafka's: Empty -> Ongoing -> PrepareCommit/PrepareAbort
 * -> CompleteCommit/CompleteAbort -> Ongoing..., PrepareEpochFence when a new instance or the
 * timeout fences an ongoing transaction, Dead when an id expires. Every transition is written
 * to __transaction_state with acks=all before it applies and before the client is answered.
 * After a Prepare* is durable the coordinator sends WriteTxnMarkers to the leaders of every
 * partition of the transaction (txn_markers.c), retries until all have it, then writes the
 * Complete* state.
 *
 * Calls answer through callbacks (they may run before the call returns); request views are
 * copied before anything waits. Owner: the server (srv->txn), which gives the coordinator what
 * it uses at creation (txn_deps_t). Reactor thread only. */
#ifndef TXN_H
#define TXN_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "kerr.h"
#include "proto/kp_addoffsetstotxn.h"
#include "proto/kp_addpartitionstotxn.h"
#include "proto/kp_endtxn.h"
#include "proto/kp_findcoordinator.h"
#include "proto/kp_initproducerid.h"

#define TXN_STATE_TOPIC "__transaction_state"

typedef struct txn_coord txn_coord_t;
typedef struct ev_loop ev_loop_t;
typedef struct cfg cfg_t;
typedef struct rmgr rmgr_t;
typedef struct mdcache mdcache_t;

/* A new producer id: fn(fn_arg, KERR_NONE, id), or an error when none can be had; fn may run
 * before the allocator returns (the server gives its id block, api_pid_alloc). */
typedef void txn_pid_got_fn(void *arg, kerr_t err, int64_t pid);
typedef void txn_pid_alloc_fn(void *arg, txn_pid_got_fn *fn, void *fn_arg);
/* Creates an internal topic through the controller (the server gives itopic_create, see
 * itopic.h for the arguments): submitted unless *creating, which stays true until the
 * controller answers. */
typedef void txn_itopic_fn(void *arg, const char *log_tag, const char *name, int32_t nparts,
                           int64_t replication_factor, int ncfg, const char *const *keys,
                           const char *const *vals, bool *creating);

/* What the coordinator uses, all owned by the caller and outliving the coordinator (the
 * listener name is copied). */
typedef struct txn_deps {
    ev_loop_t *loop;
    const cfg_t *cfg;
    rmgr_t *rmgr; /* __transaction_state partitions: roles, reads, appends */
    const mdcache_t *md;
    int32_t broker_id;                 /* names the marker sender's client id */
    const char *inter_broker_listener; /* where WriteTxnMarkers go */
    txn_pid_alloc_fn *pid_alloc;       /* InitProducerId: new and rotated ids */
    void *pid_arg;
    txn_itopic_fn *itopic_create; /* __transaction_state on first use */
    void *itopic_arg;
} txn_deps_t;

txn_coord_t *txn_coord_new(const txn_deps_t *deps);
/* Stops marker sends and frees every transaction's state (shutdown). */
void txn_coord_free(txn_coord_t *tc);
/* Periodic work: abort timed-out transactions, expire idle transactional ids. */
void txn_coord_tick(txn_coord_t *tc, int64_t now_ms);

/* FindCoordinator key type TRANSACTION for one key: fills c (host is a view into the metadata
 * cache). Creates __transaction_state on first use. */
void txn_find_coordinator(txn_coord_t *tc, kstr_t key, const char *listener,
                          kp_findcoordinator_coord_t *c);

typedef void txn_pid_cb(void *arg, kerr_t err, int64_t producer_id, int16_t producer_epoch);
/* InitProducerId with a transactional id (non-null). */
void txn_init_producer_id(txn_coord_t *tc, const kp_initpid_req_t *req, txn_pid_cb *cb, void *arg);

typedef void txn_err_cb(void *arg, kerr_t err);
/* AddPartitionsToTxn (the partitions are known to exist; the handler checked). */
void txn_add_partitions(txn_coord_t *tc, const kp_addparts_req_t *req, txn_err_cb *cb, void *arg);
/* AddOffsetsToTxn: adds the group's __consumer_offsets partition. */
void txn_add_offsets(txn_coord_t *tc, const kp_addoffsets_req_t *req, txn_err_cb *cb, void *arg);
/* EndTxn: answered once PrepareCommit/PrepareAbort is durable (markers follow). */
void txn_end(txn_coord_t *tc, const kp_endtxn_req_t *req, txn_err_cb *cb, void *arg);

/* One transaction as DescribeTransactions / ListTransactions show it. Views valid until the
 * next reactor turn. */
typedef struct txn_view {
    const char *transactional_id;
    const char *state; /* Kafka's name: "Ongoing", "PrepareCommit"... */
    int32_t timeout_ms;
    int64_t start_ms; /* -1 when none */
    int64_t producer_id;
    int16_t producer_epoch;
    int ntps;
    const char *const *topics; /* ntps entries, parallel to partitions */
    const int32_t *partitions;
} txn_view_t;
/* KERR_NONE and *out for a transactional id coordinated here, else NOT_COORDINATOR,
 * COORDINATOR_LOAD_IN_PROGRESS or TRANSACTIONAL_ID_NOT_FOUND. tps from a. */
kerr_t txn_describe(txn_coord_t *tc, kstr_t id, arena_t *a, txn_view_t *out);
/* Every transaction coordinated here: fn(arg, view) each; returns
 * COORDINATOR_LOAD_IN_PROGRESS when a partition is still loading, else KERR_NONE. */
typedef void txn_visit_fn(void *arg, const txn_view_t *v);
kerr_t txn_list(txn_coord_t *tc, txn_visit_fn *fn, void *arg);

#endif
