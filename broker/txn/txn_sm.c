/* txn_sm.c: the client side of the transaction coordinator, Kafka's TransactionCoordinator
 * state machine: InitProducerId (new id, epoch bump, fencing an ongoing transaction of the
 * previous instance, id rotation on epoch exhaustion, KIP-360 retries), AddPartitionsToTxn,
 * AddOffsetsToTxn and EndTxn. Checks come in Kafka's order so clients see its error codes. */
#include <stdlib.h>
#include <string.h>

#include "group/grp.h"
#include "ktime.h"
#include "log.h"
#include "cfg.h"
#include "txn_int.h"

/* ---------------------------------------------------------------- InitProducerId */

typedef struct txn_init_ctx {
    txn_coord_t *tc;
    char *id;
    int32_t timeout_ms;
    int64_t exp_pid; /* -1: none given (v0-2) */
    int16_t exp_epoch;
    int64_t new_pid; /* from the id block: a new id or a rotation */
    txn_pid_cb *cb;
    void *arg;
} txn_init_ctx_t;

static void txn_init_finish(txn_init_ctx_t *ctx, kerr_t err, int64_t pid, int16_t epoch)
{
    ctx->cb(ctx->arg, err, pid, epoch);
    free(ctx->id);
    free(ctx);
}

static void txn_init_written(void *arg, txn_t *t, kerr_t err)
{
    txn_init_ctx_t *ctx = arg;
    if (!err)
        log_info("txn", "transactional id %s: producer id %lld epoch %d", t->id,
                 (long long)t->m.producer_id, t->m.producer_epoch);
    txn_init_finish(ctx, err, t ? t->m.producer_id : -1, t ? t->m.producer_epoch : -1);
}

/* Kafka's isValidProducerId for the producer id/epoch the client says it had (KIP-360). */
static bool txn_init_valid_pid(const txn_t *t, const txn_init_ctx_t *ctx)
{
    if (ctx->exp_pid < 0) return true;
    return t->m.producer_epoch == TXN_NO_EPOCH || ctx->exp_pid == t->m.producer_id ||
           (ctx->exp_pid == t->m.last_producer_id && ctx->exp_epoch >= TXN_EPOCH_EXHAUSTED);
}

static void txn_init_pid_rotated(void *arg, kerr_t err, int64_t pid);

/* Empty/Complete*: next epoch (or a new id when exhausted), written as Empty. */
static void txn_init_bump(txn_t *t, txn_init_ctx_t *ctx)
{
    txn_meta_t target;
    txn_meta_copy(&target, &t->m);
    txn_meta_clear(&target);
    bool exhausted = t->m.producer_epoch >= TXN_EPOCH_EXHAUSTED;
    if (exhausted && (ctx->exp_pid < 0 || ctx->exp_epoch == t->m.producer_epoch)) {
        if (ctx->new_pid < 0) { /* rotate: fetch a new id, then come back */
            t->tc->d.pid_alloc(t->tc->d.pid_arg, txn_init_pid_rotated, ctx);
            return;
        }
        target.last_producer_id = t->m.producer_id;
        target.last_producer_epoch = t->m.producer_epoch;
        target.producer_id = ctx->new_pid;
        target.producer_epoch = 0;
    } else if (ctx->exp_pid < 0) {
        target.producer_epoch = (int16_t)(t->m.producer_epoch + 1);
        target.last_producer_epoch = TXN_NO_EPOCH;
    } else if (ctx->exp_epoch == TXN_NO_EPOCH || ctx->exp_epoch == t->m.producer_epoch) {
        target.producer_epoch = (int16_t)(t->m.producer_epoch + 1);
        target.last_producer_epoch = t->m.producer_epoch;
    } else if (ctx->exp_epoch != t->m.last_producer_epoch) {
        txn_meta_clear(&target);
        txn_init_finish(ctx, KERR_PRODUCER_FENCED, -1, -1);
        return;
    } /* else a retry of the bump the client missed: same epoch again */
    target.state = TXN_EMPTY;
    target.timeout_ms = ctx->timeout_ms;
    target.start_ms = -1;
    target.update_ms = ktime_wall_ms();
    txn_write(t, &target, txn_init_written, ctx);
}

static void txn_init_with(txn_t *t, txn_init_ctx_t *ctx)
{
    if (t->pending) {
        txn_init_finish(ctx, KERR_CONCURRENT_TRANSACTIONS, -1, -1);
        return;
    }
    if (!txn_init_valid_pid(t, ctx)) {
        txn_init_finish(ctx, KERR_PRODUCER_FENCED, -1, -1);
        return;
    }
    switch (t->m.state) {
    case TXN_EMPTY:
    case TXN_COMPLETE_COMMIT:
    case TXN_COMPLETE_ABORT:
        txn_init_bump(t, ctx);
        return;
    case TXN_ONGOING:
        /* fence the previous instance: abort its transaction with a bumped epoch; the
         * client retries until the abort is complete */
        txn_abort_fenced(t);
        txn_init_finish(ctx, KERR_CONCURRENT_TRANSACTIONS, -1, -1);
        return;
    default: /* Prepare*: markers are out */
        txn_init_finish(ctx, KERR_CONCURRENT_TRANSACTIONS, -1, -1);
        return;
    }
}

/* Look the id up again after waiting for an id block: the coordinator may have moved. */
static txn_t *txn_init_relookup(txn_init_ctx_t *ctx, kerr_t *err)
{
    txn_t *t = NULL;
    *err = txn_lookup(ctx->tc, KSTR(ctx->id), &t);
    return t;
}

static void txn_init_pid_rotated(void *arg, kerr_t err, int64_t pid)
{
    txn_init_ctx_t *ctx = arg;
    txn_t *t = err ? NULL : txn_init_relookup(ctx, &err);
    if (!err && !t) err = KERR_NOT_COORDINATOR;
    if (err) {
        txn_init_finish(ctx, err, -1, -1);
        return;
    }
    ctx->new_pid = pid;
    txn_init_with(t, ctx);
}

static void txn_init_pid_new(void *arg, kerr_t err, int64_t pid)
{
    txn_init_ctx_t *ctx = arg;
    txn_t *t = err ? NULL : txn_init_relookup(ctx, &err);
    if (err) {
        txn_init_finish(ctx, err, -1, -1);
        return;
    }
    if (!t) {
        int32_t p = grp_partition_for(ctx->id, strlen(ctx->id), ctx->tc->nparts);
        t = txn_new(ctx->tc, ctx->id, p);
        t->m.producer_id = pid;
        t->m.timeout_ms = ctx->timeout_ms;
        t->m.update_ms = ktime_wall_ms();
    }
    txn_init_with(t, ctx);
}

void txn_init_producer_id(txn_coord_t *tc, const kp_initpid_req_t *req, txn_pid_cb *cb, void *arg)
{
    if (req->transactional_id.len == 0) {
        cb(arg, KERR_INVALID_REQUEST, -1, -1);
        return;
    }
    if (req->transaction_timeout_ms <= 0 || req->transaction_timeout_ms > tc->max_timeout_ms) {
        cb(arg, KERR_INVALID_TRANSACTION_TIMEOUT, -1, -1);
        return;
    }
    txn_t *t = NULL;
    kerr_t err = txn_lookup(tc, req->transactional_id, &t);
    if (err) {
        cb(arg, err, -1, -1);
        return;
    }
    txn_init_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) abort();
    ctx->tc = tc;
    ctx->id = kstr_dup(req->transactional_id);
    if (!ctx->id) abort();
    ctx->timeout_ms = req->transaction_timeout_ms;
    ctx->exp_pid = req->producer_id;
    ctx->exp_epoch = req->producer_epoch;
    ctx->new_pid = -1;
    ctx->cb = cb;
    ctx->arg = arg;
    if (!t)
        tc->d.pid_alloc(tc->d.pid_arg, txn_init_pid_new, ctx);
    else
        txn_init_with(t, ctx);
}

/* ---------------------------------------------------------------- checks */

/* The producer checks shared by AddPartitionsToTxn, AddOffsetsToTxn and EndTxn. */
static kerr_t txn_check_producer(txn_coord_t *tc, kstr_t id, int64_t pid, int16_t epoch,
                                 txn_t **out)
{
    *out = NULL;
    if (id.len <= 0) return KERR_INVALID_REQUEST;
    txn_t *t = NULL;
    kerr_t err = txn_lookup(tc, id, &t);
    if (err) return err;
    if (!t || t->m.producer_id != pid) return KERR_INVALID_PRODUCER_ID_MAPPING;
    if (t->m.producer_epoch != epoch) return KERR_PRODUCER_FENCED;
    if (t->pending) return KERR_CONCURRENT_TRANSACTIONS;
    *out = t;
    return KERR_NONE;
}

typedef struct txn_cb_ctx {
    txn_err_cb *cb;
    void *arg;
    bool markers; /* start the markers once written (EndTxn) */
} txn_cb_ctx_t;

static void txn_cb_written(void *arg, txn_t *t, kerr_t err)
{
    txn_cb_ctx_t *ctx = arg;
    ctx->cb(ctx->arg, err);
    if (!err && t && ctx->markers) txn_markers_start(t);
    free(ctx);
}

static void txn_write_cb(txn_t *t, txn_meta_t *target, txn_err_cb *cb, void *arg, bool markers)
{
    txn_cb_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) abort();
    ctx->cb = cb;
    ctx->arg = arg;
    ctx->markers = markers;
    txn_write(t, target, txn_cb_written, ctx);
}

/* ---------------------------------------------------------------- AddPartitions/Offsets */

bool txn_busy(const txn_t *t)
{
    return t->pending || t->m.state == TXN_PREPARE_COMMIT || t->m.state == TXN_PREPARE_ABORT;
}

void txn_add_tps(txn_coord_t *tc, kstr_t id, int64_t pid, int16_t epoch, int n,
                 const txn_tp_in_t *tps, txn_err_cb *cb, void *arg, int64_t park_until_ms)
{
    txn_t *t = NULL;
    kerr_t err = txn_check_producer(tc, id, pid, epoch, &t);
    if (err == KERR_CONCURRENT_TRANSACTIONS || (!err && txn_busy(t))) {
        if (!t) txn_lookup(tc, id, &t); /* the producer's own transaction, being written */
        if (t && txn_park(t, pid, epoch, n, tps, cb, arg, park_until_ms)) return;
        err = KERR_CONCURRENT_TRANSACTIONS;
    }
    if (err) {
        cb(arg, err);
        return;
    }
    txn_meta_t target;
    txn_meta_copy(&target, &t->m);
    bool ongoing = t->m.state == TXN_ONGOING;
    if (!ongoing) {
        txn_meta_clear(&target);
        target.start_ms = ktime_wall_ms();
    }
    int before = target.ntps;
    for (int i = 0; i < n; i++) {
        char *topic = kstr_dup(tps[i].topic);
        if (!topic) abort();
        txn_meta_add(&target, topic, tps[i].partition);
        free(topic);
    }
    if (ongoing && target.ntps == before) { /* nothing new: no write (Kafka) */
        txn_meta_clear(&target);
        cb(arg, KERR_NONE);
        return;
    }
    target.state = TXN_ONGOING;
    target.update_ms = ktime_wall_ms();
    txn_write_cb(t, &target, cb, arg, false);
}

void txn_add_partitions(txn_coord_t *tc, const kp_addparts_req_t *req, txn_err_cb *cb, void *arg)
{
    int n = 0;
    for (int32_t i = 0; i < req->ntopics; i++) n += req->topics[i].nparts;
    txn_tp_in_t *tps = calloc((size_t)n + 1, sizeof(*tps));
    if (!tps) abort();
    n = 0;
    for (int32_t i = 0; i < req->ntopics; i++)
        for (int32_t j = 0; j < req->topics[i].nparts; j++)
            tps[n++] = (txn_tp_in_t){req->topics[i].name, req->topics[i].parts[j]};
    txn_add_tps(tc, req->transactional_id, req->producer_id, req->producer_epoch, n, tps, cb, arg,
                0);
    free(tps);
}

void txn_add_offsets(txn_coord_t *tc, const kp_addoffsets_req_t *req, txn_err_cb *cb, void *arg)
{
    if (req->group_id.len <= 0) {
        cb(arg, KERR_INVALID_GROUP_ID);
        return;
    }
    int32_t nparts = (int32_t)cfg_int(tc->d.cfg, "offsets.topic.num.partitions");
    txn_tp_in_t tp = {KSTR("__consumer_offsets"),
                      grp_partition_for(req->group_id.p, (size_t)req->group_id.len, nparts)};
    txn_add_tps(tc, req->transactional_id, req->producer_id, req->producer_epoch, 1, &tp, cb, arg,
                0);
}

/* ---------------------------------------------------------------- EndTxn */

static void txn_prepare(txn_t *t, bool commit, int16_t epoch, txn_err_cb *cb, void *arg)
{
    txn_meta_t target;
    txn_meta_copy(&target, &t->m);
    target.state = commit ? TXN_PREPARE_COMMIT : TXN_PREPARE_ABORT;
    target.producer_epoch = epoch;
    target.update_ms = ktime_wall_ms();
    txn_write_cb(t, &target, cb, arg, true);
}

void txn_end(txn_coord_t *tc, const kp_endtxn_req_t *req, txn_err_cb *cb, void *arg)
{
    txn_t *t;
    kerr_t err =
        txn_check_producer(tc, req->transactional_id, req->producer_id, req->producer_epoch, &t);
    if (err) {
        cb(arg, err);
        return;
    }
    bool commit = req->committed;
    switch (t->m.state) {
    case TXN_ONGOING:
        txn_prepare(t, commit, t->m.producer_epoch, cb, arg);
        return;
    case TXN_COMPLETE_COMMIT: /* a retry of what is done is fine, the opposite is not */
        err = commit ? KERR_NONE : KERR_INVALID_TXN_STATE;
        break;
    case TXN_COMPLETE_ABORT:
        err = commit ? KERR_INVALID_TXN_STATE : KERR_NONE;
        break;
    case TXN_PREPARE_COMMIT:
        err = commit ? KERR_CONCURRENT_TRANSACTIONS : KERR_INVALID_TXN_STATE;
        break;
    case TXN_PREPARE_ABORT:
        err = commit ? KERR_INVALID_TXN_STATE : KERR_CONCURRENT_TRANSACTIONS;
        break;
    default: /* Empty: nothing to end */
        err = KERR_INVALID_TXN_STATE;
        break;
    }
    cb(arg, err);
}

/* ---------------------------------------------------------------- coordinator-initiated */

static void txn_ignore_err(void *arg, kerr_t err)
{
    (void)arg;
    (void)err;
}

void txn_abort_fenced(txn_t *t)
{
    /* Kafka's prepareFenceProducerEpoch: bump unless exhausted, then abort with it */
    int16_t epoch = t->m.producer_epoch;
    if (epoch < TXN_EPOCH_EXHAUSTED) epoch++;
    txn_prepare(t, false, epoch, txn_ignore_err, NULL);
}

typedef struct txn_retry {
    txn_coord_t *tc;
    char *id;
    int32_t epoch;
} txn_retry_t;

static void txn_complete_retry(ev_loop_t *loop, void *arg)
{
    (void)loop;
    txn_retry_t *r = arg;
    txn_t *t = txn_get(r->tc, r->id);
    if (t && txn_coord_epoch(t) == r->epoch && !t->pending && !t->markers &&
        (t->m.state == TXN_PREPARE_COMMIT || t->m.state == TXN_PREPARE_ABORT))
        txn_complete(t);
    free(r->id);
    free(r);
}

static void txn_completed(void *arg, txn_t *t, kerr_t err)
{
    txn_retry_t *r = arg;
    t = t ? t : txn_get(r->tc, r->id);
    if (!err && t) log_debug("txn", "transaction of %s %s", t->id, txn_state_names[t->m.state]);
    if (err && err != KERR_NOT_COORDINATOR && t && txn_coord_epoch(t) == r->epoch) {
        ev_timer_add(r->tc->loop, 500, txn_complete_retry, r); /* e.g. ISR below min */
        return;
    }
    free(r->id);
    free(r);
}

void txn_complete(txn_t *t)
{
    txn_markers_stop(t);
    txn_meta_t target;
    txn_meta_copy(&target, &t->m);
    txn_meta_clear(&target);
    target.state = t->m.state == TXN_PREPARE_COMMIT ? TXN_COMPLETE_COMMIT : TXN_COMPLETE_ABORT;
    target.update_ms = ktime_wall_ms();
    txn_retry_t *r = calloc(1, sizeof(*r));
    if (!r) abort();
    r->tc = t->tc;
    r->id = strdup(t->id);
    if (!r->id) abort();
    r->epoch = txn_coord_epoch(t);
    txn_write(t, &target, txn_completed, r);
}
