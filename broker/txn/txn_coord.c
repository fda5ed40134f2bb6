/* txn_coord.c: which transactional ids this broker coordinates. Tracks the role of every
 * __transaction_state partition through the replica manager's role hook (leader: load it,
 * then finish its Prepare* transactions; follower or stopped: drop its ids), creates the
 * topic on the first FindCoordinator for a transaction, answers FindCoordinator, and runs
 * the periodic work: abort timed-out transactions
 * (transaction.abort.timed.out.transaction.cleanup.interval.ms) and remove ids idle for
 * transactional.id.expiration.ms (checked every
 * transaction.remove.expired.transaction.cleanup.interval.ms). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "group/grp.h"
#include "ktime.h"
#include "log.h"
#include "mdcache.h"
#include "rec/batch.h"
#include "rec/compress.h"
#include "replica/rmgr.h"
#include "store/plog.h"
#include "txn_int.h"

#define TXN_LOAD_SLICE  (1024 * 1024)
#define TXN_INFLATE_MAX (64u << 20)

const char *const txn_state_names[TXN__NSTATES] = {
    "Empty",          "Ongoing",       "PrepareCommit", "PrepareAbort",
    "CompleteCommit", "CompleteAbort", "Dead",          "PrepareEpochFence",
};

/* ---------------------------------------------------------------- transactions */

txn_t *txn_get(txn_coord_t *tc, const char *id)
{
    return dict_get(tc->txns, id);
}

txn_t *txn_new(txn_coord_t *tc, const char *id, int32_t partition)
{
    txn_t *t = calloc(1, sizeof(*t));
    if (!t) abort();
    t->tc = tc;
    t->id = strdup(id);
    if (!t->id) abort();
    t->partition = partition;
    t->m.producer_id = -1;
    t->m.last_producer_id = -1;
    t->m.producer_epoch = TXN_NO_EPOCH;
    t->m.last_producer_epoch = TXN_NO_EPOCH;
    t->m.start_ms = -1;
    t->m.state = TXN_EMPTY;
    dict_set(tc->txns, id, t);
    return t;
}

void txn_destroy(txn_t *t)
{
    txn_waiters_fail(t, KERR_NOT_COORDINATOR);
    txn_markers_stop(t);
    dict_del(t->tc->txns, t->id);
    txn_meta_clear(&t->m);
    free(t->id);
    free(t);
}

int32_t txn_coord_epoch(const txn_t *t)
{
    return t->tc->parts[t->partition].epoch;
}

kerr_t txn_lookup(txn_coord_t *tc, kstr_t id, txn_t **out)
{
    *out = NULL;
    int32_t p = grp_partition_for(id.p, id.len > 0 ? (size_t)id.len : 0, tc->nparts);
    if (tc->parts[p].state == TC_PART_NONE) return KERR_NOT_COORDINATOR;
    if (tc->parts[p].state == TC_PART_LOADING) return KERR_COORDINATOR_LOAD_IN_PROGRESS;
    char *cid = kstr_dup(id);
    if (!cid) abort();
    *out = txn_get(tc, cid);
    free(cid);
    return KERR_NONE;
}

/* ---------------------------------------------------------------- loading */

typedef struct txn_load_ctx {
    txn_coord_t *tc;
    int32_t p;
} txn_load_ctx_t;

static void txn_load_rec(void *arg, const batch_hdr_t *h, const batch_rec_t *r)
{
    (void)h;
    txn_load_ctx_t *x = arg;
    txn_load_record(x->tc, x->p, r->key, r->value);
}

/* Loaded: Prepare* transactions get their markers (the previous coordinator may have died
 * between the prepare and the markers). */
static void txn_load_finish(txn_coord_t *tc, int32_t p)
{
    tc->parts[p].state = TC_PART_LOADED;
    size_t it = 0;
    void *v;
    int n = 0, nprep = 0;
    while (dict_next(tc->txns, &it, NULL, &v)) {
        txn_t *t = v;
        if (t->partition != p) continue;
        n++;
        if (t->m.state == TXN_PREPARE_COMMIT || t->m.state == TXN_PREPARE_ABORT) {
            nprep++;
            txn_markers_start(t);
        }
    }
    log_info("txn", "loaded %d transactional ids from %s-%d (coordinator epoch %d, %d to complete)",
             n, TXN_STATE_TOPIC, p, tc->parts[p].epoch, nprep);
}

static void txn_load_step(ev_loop_t *loop, void *arg)
{
    tc_part_t *tp = arg;
    txn_coord_t *tc = tp->tc;
    int32_t p = tp->index;
    tp->load_timer = 0;
    partition_t *part = rmgr_get(tc->d.rmgr, TXN_STATE_TOPIC, p);
    if (!part || !part->is_leader || tp->state != TC_PART_LOADING) return;
    uint8_t *buf;
    size_t len;
    if (!plog_load_slice(part->log, "txn", &tp->load_next, TXN_LOAD_SLICE, &buf, &len)) {
        txn_load_finish(tc, p);
        return;
    }
    txn_load_ctx_t x = {tc, p};
    int64_t next = compress_walk(buf, len, tp->load_next, TXN_INFLATE_MAX, txn_load_rec, NULL, &x);
    free(buf);
    if (!plog_load_moved(part->log, "txn", &tp->load_next, next)) {
        txn_load_finish(tc, p);
        return;
    }
    tp->load_timer = ev_timer_add(loop, 0, txn_load_step, tp); /* yield to the reactor */
}

static void txn_unload(txn_coord_t *tc, int32_t p)
{
    tc_part_t *tp = &tc->parts[p];
    if (tp->load_timer) ev_timer_cancel(tc->loop, tp->load_timer);
    tp->load_timer = 0;
    tp->state = TC_PART_NONE;
    size_t it = 0;
    void *v;
    int n = 0;
    while (dict_next(tc->txns, &it, NULL, &v)) {
        txn_t *t = v;
        if (t->partition != p) continue;
        txn_destroy(t);
        n++;
    }
    if (n) log_info("txn", "unloaded %d transactional ids of %s-%d", n, TXN_STATE_TOPIC, p);
}

static void txn_role_hook(void *arg, const char *topic, int32_t p, rmgr_role_t role,
                          int32_t leader_epoch)
{
    txn_coord_t *tc = arg;
    if (strcmp(topic, TXN_STATE_TOPIC) != 0 || p < 0 || p >= tc->nparts) return;
    tc_part_t *tp = &tc->parts[p];
    if (role == RMGR_ROLE_LEADER && tp->state != TC_PART_NONE && tp->epoch == leader_epoch) return;
    txn_unload(tc, p);
    tp->epoch = leader_epoch;
    if (role != RMGR_ROLE_LEADER) return;
    tp->state = TC_PART_LOADING;
    tp->load_next = 0;
    log_info("txn", "loading transaction state from %s-%d", TXN_STATE_TOPIC, p);
    tp->load_timer = ev_timer_add(tc->loop, 0, txn_load_step, tp);
}

/* ---------------------------------------------------------------- life cycle */

txn_coord_t *txn_coord_new(const txn_deps_t *deps)
{
    txn_coord_t *tc = calloc(1, sizeof(*tc));
    if (!tc) abort();
    tc->d = *deps;
    snprintf(tc->ibl, sizeof(tc->ibl), "%s", deps->inter_broker_listener);
    tc->d.inter_broker_listener = tc->ibl;
    tc->loop = deps->loop;
    const cfg_t *cfg = deps->cfg;
    tc->nparts = (int32_t)cfg_int(cfg, "transaction.state.log.num.partitions");
    tc->parts = calloc((size_t)tc->nparts, sizeof(*tc->parts));
    if (!tc->parts) abort();
    for (int32_t p = 0; p < tc->nparts; p++) {
        tc->parts[p].tc = tc;
        tc->parts[p].index = p;
        tc->parts[p].epoch = -1;
    }
    tc->txns = dict_new();
    tc->peers = dict_new();
    tc->max_timeout_ms = (int32_t)cfg_int(cfg, "transaction.max.timeout.ms");
    tc->abort_interval_ms =
        cfg_int(cfg, "transaction.abort.timed.out.transaction.cleanup.interval.ms");
    tc->expiration_ms = cfg_int(cfg, "transactional.id.expiration.ms");
    tc->expire_interval_ms =
        cfg_int(cfg, "transaction.remove.expired.transaction.cleanup.interval.ms");
    tc->append_timeout_ms = cfg_int(cfg, "request.timeout.ms");
    tc->last_abort_check_ms = tc->last_expire_check_ms = ktime_wall_ms();
    rmgr_set_role_hook(deps->rmgr, txn_role_hook, tc);
    return tc;
}

void txn_coord_free(txn_coord_t *tc)
{
    if (!tc) return;
    rmgr_set_role_hook(tc->d.rmgr, NULL, tc);
    for (int32_t p = 0; p < tc->nparts; p++) txn_unload(tc, p);
    txn_markers_close(tc);
    dict_free(tc->txns, NULL);
    dict_free(tc->peers, NULL);
    free(tc->parts);
    free(tc);
}

/* Ongoing transactions past their timeout are aborted with an epoch bump (Kafka's
 * abortTimedOutTransactions). */
static void txn_abort_timed_out(txn_coord_t *tc, int64_t now)
{
    size_t it = 0;
    void *v;
    while (dict_next(tc->txns, &it, NULL, &v)) {
        txn_t *t = v;
        if (tc->parts[t->partition].state != TC_PART_LOADED || t->pending ||
            t->m.state != TXN_ONGOING || t->m.start_ms + t->m.timeout_ms >= now)
            continue;
        log_info("txn",
                 "aborting transaction of %s (producer id %lld epoch %d): timed out after "
                 "%d ms",
                 t->id, (long long)t->m.producer_id, t->m.producer_epoch, t->m.timeout_ms);
        txn_abort_fenced(t);
    }
}

static void txn_expire_done(void *arg, txn_t *t, kerr_t err)
{
    (void)arg;
    if (!t || err) return;
    log_info("txn", "transactional id %s expired", t->id);
    txn_destroy(t);
}

static void txn_expire(txn_coord_t *tc, int64_t now)
{
    size_t it = 0;
    void *v;
    while (dict_next(tc->txns, &it, NULL, &v)) {
        txn_t *t = v;
        txn_state_t s = t->m.state;
        if (tc->parts[t->partition].state != TC_PART_LOADED || t->pending ||
            (s != TXN_EMPTY && s != TXN_COMPLETE_COMMIT && s != TXN_COMPLETE_ABORT) ||
            t->m.update_ms + tc->expiration_ms > now)
            continue;
        txn_meta_t target;
        txn_meta_copy(&target, &t->m);
        target.state = TXN_DEAD;
        txn_write(t, &target, txn_expire_done, NULL);
    }
}

void txn_coord_tick(txn_coord_t *tc, int64_t now_ms)
{
    if (now_ms - tc->last_abort_check_ms >= tc->abort_interval_ms) {
        tc->last_abort_check_ms = now_ms;
        txn_abort_timed_out(tc, now_ms);
    }
    if (now_ms - tc->last_expire_check_ms >= tc->expire_interval_ms) {
        tc->last_expire_check_ms = now_ms;
        txn_expire(tc, now_ms);
    }
}

/* ---------------------------------------------------------------- FindCoordinator */

/* Create __transaction_state as Kafka does on first use: num.partitions and replication
 * factor (capped by the live brokers) from transaction.state.log.*, compacted,
 * min.insync.replicas = transaction.state.log.min.isr. */
static void txn_create_state_topic(txn_coord_t *tc)
{
    const cfg_t *cfg = tc->d.cfg;
    static const char *const keys[] = {"cleanup.policy", "min.insync.replicas", "segment.bytes",
                                       "unclean.leader.election.enable", "compression.type"};
    const char *vals[] = {"compact", cfg_str(cfg, "transaction.state.log.min.isr"),
                          cfg_str(cfg, "transaction.state.log.segment.bytes"), "false",
                          "uncompressed"};
    tc->d.itopic_create(tc->d.itopic_arg, "txn", TXN_STATE_TOPIC, tc->nparts,
                        cfg_int(cfg, "transaction.state.log.replication.factor"), 5, keys, vals,
                        &tc->creating);
}

void txn_find_coordinator(txn_coord_t *tc, kstr_t key, const char *listener,
                          kp_findcoordinator_coord_t *c)
{
    c->error_code = KERR_COORDINATOR_NOT_AVAILABLE;
    if (key.len <= 0) { /* Kafka: a null or empty transactional id is invalid */
        c->error_code = KERR_INVALID_REQUEST;
        return;
    }
    const md_topic_t *t = mdcache_topic(tc->d.md, TXN_STATE_TOPIC);
    if (!t) {
        txn_create_state_topic(tc);
        return;
    }
    int32_t p = grp_partition_for(key.p, (size_t)key.len, tc->nparts);
    const md_broker_t *b = p < t->nparts && t->parts[p].leader >= 0
                               ? mdcache_broker(tc->d.md, t->parts[p].leader)
                               : NULL;
    const md_endpoint_t *ep = b ? md_broker_endpoint(b, listener) : NULL;
    if (!ep) return;
    c->error_code = KERR_NONE;
    c->node_id = b->id;
    c->host = KSTR(ep->host);
    c->port = ep->port;
}

/* ---------------------------------------------------------------- Describe/ListTransactions */

static void txn_view_fill(const txn_t *t, arena_t *a, txn_view_t *out)
{
    out->transactional_id = t->id;
    out->state = txn_state_names[t->m.state];
    out->timeout_ms = t->m.timeout_ms;
    out->start_ms = t->m.state == TXN_EMPTY ? -1 : t->m.start_ms;
    out->producer_id = t->m.producer_id;
    out->producer_epoch = t->m.producer_epoch;
    /* Kafka lists only the partitions still without a marker while preparing */
    const char **topics = arena_calloc(a, (size_t)t->m.ntps + 1, sizeof(char *));
    int32_t *parts = arena_calloc(a, (size_t)t->m.ntps + 1, sizeof(int32_t));
    out->ntps = 0;
    for (int i = 0; i < t->m.ntps; i++) {
        if (txn_markers_done(t, i)) continue;
        topics[out->ntps] = t->m.tps[i].topic;
        parts[out->ntps++] = t->m.tps[i].partition;
    }
    out->topics = topics;
    out->partitions = parts;
}

kerr_t txn_describe(txn_coord_t *tc, kstr_t id, arena_t *a, txn_view_t *out)
{
    memset(out, 0, sizeof(*out));
    txn_t *t = NULL;
    kerr_t err = id.len > 0 ? txn_lookup(tc, id, &t) : KERR_TRANSACTIONAL_ID_NOT_FOUND;
    if (err) return err;
    if (!t) return KERR_TRANSACTIONAL_ID_NOT_FOUND;
    txn_view_fill(t, a, out);
    return KERR_NONE;
}

kerr_t txn_list(txn_coord_t *tc, txn_visit_fn *fn, void *arg)
{
    kerr_t err = KERR_NONE;
    for (int32_t p = 0; p < tc->nparts; p++)
        if (tc->parts[p].state == TC_PART_LOADING) err = KERR_COORDINATOR_LOAD_IN_PROGRESS;
    arena_t a;
    arena_init(&a);
    size_t it = 0;
    void *v;
    while (dict_next(tc->txns, &it, NULL, &v)) {
        txn_t *t = v;
        if (tc->parts[t->partition].state != TC_PART_LOADED) continue;
        txn_view_t view;
        txn_view_fill(t, &a, &view);
        fn(arg, &view);
    }
    arena_free(&a);
    return err;
}
