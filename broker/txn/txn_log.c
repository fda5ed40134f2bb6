/* txn_log.c: __transaction_state records in Kafka's schemas (big-endian, int16-length strings):
 *   TransactionLogKey   v0: transactional_id
 *   TransactionLogValue v0: producer_id i64, producer_epoch i16, transaction_timeout_ms i32,
 *                           transaction_status i8, transaction_partitions [topic,
 *                           partition_ids [i32]] (null for Empty, as Kafka writes it),
 *                           transaction_last_update_timestamp_ms i64,
 *                           transaction_start_timestamp_ms i64
 * each starting with its int16 version; a null value is a tombstone (an expired id).
 * Transitions are appended one uncompressed batch per record through rmgr_append_committed()
 * (acks=all, min.insync.replicas = transaction.state.log.min.isr), and only applied to the
 * in-memory state from its completion. */
#include <stdlib.h>
#include <string.h>

#include "ktime.h"
#include "log.h"
#include "rec/batch.h"
#include "replica/rmgr.h"
#include "txn_int.h"

/* ---------------------------------------------------------------- metadata helpers */

void txn_meta_clear(txn_meta_t *m)
{
    for (int i = 0; i < m->ntps; i++) free(m->tps[i].topic);
    free(m->tps);
    m->tps = NULL;
    m->ntps = 0;
}

void txn_meta_copy(txn_meta_t *dst, const txn_meta_t *src)
{
    *dst = *src;
    dst->tps = NULL;
    dst->ntps = 0;
    for (int i = 0; i < src->ntps; i++) txn_meta_add(dst, src->tps[i].topic, src->tps[i].partition);
}

bool txn_meta_has(const txn_meta_t *m, const char *topic, int32_t partition)
{
    for (int i = 0; i < m->ntps; i++)
        if (m->tps[i].partition == partition && strcmp(m->tps[i].topic, topic) == 0) return true;
    return false;
}

void txn_meta_add(txn_meta_t *m, const char *topic, int32_t partition)
{
    if (txn_meta_has(m, topic, partition)) return;
    txn_tp_t *n = realloc(m->tps, (size_t)(m->ntps + 1) * sizeof(*n));
    if (!n) abort();
    m->tps = n;
    m->tps[m->ntps].topic = strdup(topic);
    if (!m->tps[m->ntps].topic) abort();
    m->tps[m->ntps++].partition = partition;
}

/* ---------------------------------------------------------------- encoding */

static void txn_key_encode(wbuf_t *wb, const char *id)
{
    wbuf_i16(wb, 0);
    wbuf_str(wb, id, (int32_t)strlen(id));
}

/* Partitions grouped by topic, in first-seen order. */
static void txn_parts_encode(wbuf_t *wb, const txn_meta_t *m)
{
    if (m->state == TXN_EMPTY) {
        wbuf_i32(wb, -1);
        return;
    }
    size_t at = wbuf_reserve_i32(wb);
    int32_t ntopics = 0;
    for (int i = 0; i < m->ntps; i++) {
        bool seen = false;
        for (int j = 0; j < i && !seen; j++) seen = strcmp(m->tps[j].topic, m->tps[i].topic) == 0;
        if (seen) continue;
        ntopics++;
        wbuf_str(wb, m->tps[i].topic, (int32_t)strlen(m->tps[i].topic));
        int32_t n = 0;
        for (int j = i; j < m->ntps; j++) n += strcmp(m->tps[j].topic, m->tps[i].topic) == 0;
        wbuf_i32(wb, n);
        for (int j = i; j < m->ntps; j++)
            if (strcmp(m->tps[j].topic, m->tps[i].topic) == 0) wbuf_i32(wb, m->tps[j].partition);
    }
    wbuf_put_i32_at(wb, at, ntopics);
}

static void txn_value_encode(wbuf_t *wb, const txn_meta_t *m)
{
    /* PrepareEpochFence is never stored: Kafka writes the abort it leads to */
    txn_state_t st = m->state == TXN_PREPARE_EPOCH_FENCE ? TXN_PREPARE_ABORT : m->state;
    wbuf_i16(wb, 0);
    wbuf_i64(wb, m->producer_id);
    wbuf_i16(wb, m->producer_epoch);
    wbuf_i32(wb, m->timeout_ms);
    wbuf_i8(wb, (int8_t)st);
    txn_parts_encode(wb, m);
    wbuf_i64(wb, m->update_ms);
    wbuf_i64(wb, m->start_ms);
}

/* One batch holding t's record with value m (a tombstone when m is Dead). */
static void txn_record_batch(const char *id, const txn_meta_t *m, wbuf_t *out)
{
    wbuf_t k, v;
    wbuf_init(&k);
    wbuf_init(&v);
    txn_key_encode(&k, id);
    bool tomb = m->state == TXN_DEAD;
    if (!tomb) txn_value_encode(&v, m);
    int64_t now = ktime_wall_ms();
    batch_builder_t bb;
    batch_builder_init(&bb, now);
    batch_builder_add(&bb, 0, now, k.p, (int32_t)k.len, tomb ? NULL : v.p,
                      tomb ? -1 : (int32_t)v.len, 0, NULL, 0);
    batch_builder_finish(&bb, NULL, out);
    batch_builder_free(&bb);
    wbuf_free(&k);
    wbuf_free(&v);
}

/* ---------------------------------------------------------------- writing */

typedef struct txn_write_ctx {
    txn_coord_t *tc;
    char *id;
    int32_t epoch; /* coordinator epoch when written: a reload in between voids the result */
    txn_meta_t target;
    wbuf_t wb;
    txn_write_done_fn *done;
    void *arg;
} txn_write_ctx_t;

/* Kafka's TransactionStateManager mapping of append errors to coordinator errors. */
static kerr_t txn_append_err(kerr_t err)
{
    switch (err) {
    case KERR_NONE:
        return KERR_NONE;
    case KERR_UNKNOWN_TOPIC_OR_PARTITION:
    case KERR_NOT_ENOUGH_REPLICAS:
    case KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case KERR_REQUEST_TIMED_OUT:
        return KERR_COORDINATOR_NOT_AVAILABLE;
    case KERR_NOT_LEADER_OR_FOLLOWER:
    case KERR_KAFKA_STORAGE_ERROR:
        return KERR_NOT_COORDINATOR;
    default:
        return KERR_UNKNOWN_SERVER_ERROR;
    }
}

static void txn_write_done(void *arg, kerr_t err, const plog_append_info_t *info)
{
    (void)info;
    txn_write_ctx_t *ctx = arg;
    txn_coord_t *tc = ctx->tc;
    txn_t *t = txn_get(tc, ctx->id);
    err = txn_append_err(err);
    if (t && txn_coord_epoch(t) != ctx->epoch) t = NULL;
    if (!t && !err) err = KERR_NOT_COORDINATOR;
    if (t) t->pending = false;
    if (t && !err) {
        txn_meta_clear(&t->m);
        t->m = ctx->target;
        ctx->target.tps = NULL;
        ctx->target.ntps = 0;
    } else if (err) {
        log_warn("txn", "writing state %s of transactional id %s failed: %s",
                 txn_state_names[ctx->target.state], ctx->id, kerr_name(err));
    }
    txn_meta_clear(&ctx->target);
    wbuf_free(&ctx->wb);
    txn_write_done_fn *done = ctx->done;
    void *darg = ctx->arg;
    char *id = ctx->id;
    free(ctx);
    done(darg, err ? NULL : t, err);
    txn_waiters_wake(tc, id); /* done may have started the next write, or freed t */
    free(id);
}

void txn_write(txn_t *t, txn_meta_t *target, txn_write_done_fn *done, void *arg)
{
    txn_coord_t *tc = t->tc;
    partition_t *part = rmgr_get(tc->d.rmgr, TXN_STATE_TOPIC, t->partition);
    if (!part || !part->is_leader) {
        txn_meta_clear(target);
        done(arg, NULL, KERR_NOT_COORDINATOR);
        return;
    }
    txn_write_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) abort();
    ctx->tc = tc;
    ctx->id = strdup(t->id);
    if (!ctx->id) abort();
    ctx->epoch = txn_coord_epoch(t);
    ctx->target = *target;
    target->tps = NULL;
    target->ntps = 0;
    ctx->done = done;
    ctx->arg = arg;
    wbuf_init(&ctx->wb);
    txn_record_batch(t->id, &ctx->target, &ctx->wb);
    t->pending = true;
    t->pending_state = ctx->target.state;
    rmgr_append_committed(tc->d.rmgr, part, ctx->wb.p, ctx->wb.len, tc->append_timeout_ms,
                          txn_write_done, ctx);
}

/* ---------------------------------------------------------------- loading */

/* TransactionLogValue v0 into m (partitions allocated); false when malformed. */
static bool txn_value_decode(rbuf_t *v, txn_meta_t *m)
{
    memset(m, 0, sizeof(*m));
    if (rbuf_i16(v) != 0) return false;
    m->producer_id = rbuf_i64(v);
    m->producer_epoch = rbuf_i16(v);
    m->timeout_ms = rbuf_i32(v);
    int8_t st = rbuf_i8(v);
    int32_t ntopics = rbuf_array_len(v, false, 6);
    for (int32_t i = 0; i < ntopics && !rbuf_err(v); i++) {
        kstr_t topic = rbuf_str(v);
        int32_t np = rbuf_array_len(v, false, 4);
        char *name = topic.len > 0 ? kstr_dup(topic) : NULL;
        for (int32_t j = 0; j < np && !rbuf_err(v); j++) {
            int32_t p = rbuf_i32(v);
            if (name && !rbuf_err(v)) txn_meta_add(m, name, p);
        }
        free(name);
    }
    m->update_ms = rbuf_i64(v);
    m->start_ms = rbuf_i64(v);
    m->last_producer_id = -1;
    m->last_producer_epoch = TXN_NO_EPOCH;
    if (rbuf_err(v) || st < 0 || st >= TXN__NSTATES) {
        txn_meta_clear(m);
        return false;
    }
    m->state = (txn_state_t)st;
    return true;
}

void txn_load_record(txn_coord_t *tc, int32_t p, kbytes_t key, kbytes_t value)
{
    if (key.len < 2) return;
    rbuf_t k;
    rbuf_init(&k, key.p, (size_t)key.len);
    if (rbuf_i16(&k) != 0) return;
    kstr_t ks = rbuf_str(&k);
    if (rbuf_err(&k) || ks.len <= 0) return;
    char *id = kstr_dup(ks);
    if (!id) abort();
    txn_t *t = txn_get(tc, id);
    if (value.len < 0) { /* tombstone: the id expired */
        if (t) txn_destroy(t);
        free(id);
        return;
    }
    rbuf_t v;
    rbuf_init(&v, value.p, (size_t)value.len);
    txn_meta_t m;
    if (!txn_value_decode(&v, &m)) {
        log_warn("txn", "%s-%d: unreadable state of transactional id %s skipped", TXN_STATE_TOPIC,
                 p, id);
        free(id);
        return;
    }
    if (!t) t = txn_new(tc, id, p);
    txn_meta_clear(&t->m);
    t->m = m;
    free(id);
}
