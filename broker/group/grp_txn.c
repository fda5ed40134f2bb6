/* grp_txn.c: the group coordinator's side of transactions (KIP-98, KIP-447).
 *
 * TxnOffsetCommit writes the offset records to the group's __consumer_offsets partition as a
 * transactional batch of the producer (its id and epoch), acks=all; once committed there the
 * offsets are pending for (group, producer id), invisible to OffsetFetch (which answers
 * UNSTABLE_OFFSET_COMMIT for them when asked require_stable). The producer's COMMIT marker on
 * that partition (WriteTxnMarkers, grp_txn_marker) makes them the group's committed offsets;
 * ABORT drops them. Loading a partition replays the same from the log (grp_offsets.c): a
 * transactional batch's offsets are pending, a marker completes them, so after a coordinator
 * failover offsets become visible only if their COMMIT marker is in the log.
 * Reactor thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grp.h"
#include "grp_int.h"
#include "ktime.h"
#include "log.h"
#include "rec/batch.h"
#include "replica/rmgr.h"
#include "server.h"
#include "store/pidstate.h"

/* One producer's pending offsets in one group. */
typedef struct grp_txn {
    struct grp_txn *next;
    int64_t pid;
    dict_t *offsets; /* "topic:partition" -> grp_offset_t* */
} grp_txn_t;

static grp_txn_t *grp_txn_find(grp_t *g, int64_t pid, bool create)
{
    for (grp_txn_t *t = g->txns; t; t = t->next)
        if (t->pid == pid) return t;
    if (!create) return NULL;
    grp_txn_t *t = calloc(1, sizeof(*t));
    if (!t) abort();
    t->pid = pid;
    t->offsets = dict_new();
    t->next = g->txns;
    g->txns = t;
    return t;
}

static void grp_txn_drop(grp_t *g, grp_txn_t *t)
{
    for (grp_txn_t **pp = &g->txns; *pp; pp = &(*pp)->next) {
        if (*pp != t) continue;
        *pp = t->next;
        break;
    }
    dict_free(t->offsets, grp_offset_free);
    free(t);
}

void grp_txn_free_all(grp_t *g)
{
    while (g->txns) grp_txn_drop(g, g->txns);
}

void grp_txn_put(grp_t *g, int64_t pid, const char *topic, int32_t partition, int64_t offset,
                 int32_t leader_epoch, kstr_t metadata, int64_t commit_ts)
{
    grp_txn_t *t = grp_txn_find(g, pid, true);
    grp_offset_set(t->offsets, topic, partition, offset, leader_epoch, metadata, commit_ts, -1);
}

/* pid's transaction in g is over: its offsets move to the committed ones, or go. */
static void grp_txn_complete(grp_t *g, int64_t pid, bool commit)
{
    grp_txn_t *t = grp_txn_find(g, pid, false);
    if (!t) return;
    size_t it = 0;
    const char *key;
    void *v;
    while (commit && dict_next(t->offsets, &it, &key, &v)) {
        grp_offset_free(dict_set(g->offsets, key, v)); /* the key is copied */
        dict_del(t->offsets, key);
    }
    log_debug("grp", "group %s: transactional offsets of producer %lld %s", g->id, (long long)pid,
              commit ? "committed" : "aborted");
    grp_txn_drop(g, t);
}

void grp_txn_complete_part(grp_coord_t *gc, int32_t p, int64_t pid, bool commit)
{
    size_t it = 0;
    void *v;
    while (dict_next(gc->groups, &it, NULL, &v)) {
        grp_t *g = v;
        if (g->partition == p) grp_txn_complete(g, pid, commit);
    }
}

void grp_txn_marker(grp_coord_t *gc, const char *topic, int32_t partition, int64_t producer_id,
                    bool commit)
{
    if (strcmp(topic, GRP_OFFSETS_TOPIC) != 0 || partition < 0 || partition >= gc->nparts) return;
    if (gc->parts[partition].state == GC_PART_NONE) return;
    grp_txn_complete_part(gc, partition, producer_id, commit);
}

static bool grp_txn_pending(grp_t *g, kstr_t topic, int32_t partition)
{
    char key[320];
    snprintf(key, sizeof(key), "%.*s:%d", topic.len > 250 ? 250 : topic.len, topic.p, partition);
    for (grp_txn_t *t = g->txns; t; t = t->next)
        if (dict_get(t->offsets, key)) return true;
    return false;
}

void grp_txn_mark_unstable(grp_t *g, kp_offsetfetch_resp_t *resp)
{
    for (int32_t i = 0; i < resp->ntopics; i++) {
        kp_offsetfetch_topic_t *t = &resp->topics[i];
        for (int32_t j = 0; j < t->nparts; j++) {
            kp_offsetfetch_part_t *p = &t->parts[j];
            if (p->error_code || !grp_txn_pending(g, t->name, p->partition_index)) continue;
            p->error_code = KERR_UNSTABLE_OFFSET_COMMIT;
            p->committed_offset = -1;
            p->committed_leader_epoch = -1;
        }
    }
}

/* ---------------------------------------------------------------- TxnOffsetCommit */

typedef struct grp_tcommit_ctx {
    grp_coord_t *gc;
    char *group;
    const kp_txnoffsetcommit_req_t *req;
    kp_offsetcommit_resp_t resp;
    int64_t now;
    grp_commit_cb *cb;
    void *arg;
} grp_tcommit_ctx_t;

static void grp_tcommit_done(void *arg, kerr_t err)
{
    grp_tcommit_ctx_t *ctx = arg;
    grp_t *g = grp_get(ctx->gc, ctx->group);
    if (!err && !g) err = KERR_NOT_COORDINATOR; /* unloaded meanwhile */
    const kp_offsetcommit_req_t *c = &ctx->req->c;
    for (int32_t i = 0; i < c->ntopics; i++) {
        const kp_offsetcommit_topic_t *t = &c->topics[i];
        kp_topic_errs_t *rt = &ctx->resp.topics[i];
        char *topic = kstr_dup(t->name);
        for (int32_t j = 0; j < t->nparts; j++) {
            if (rt->parts[j].error_code != KERR_NONE) continue; /* refused before the append */
            rt->parts[j].error_code = (int16_t)err;
            if (err || !topic) continue;
            const kp_offsetcommit_part_t *p = &t->parts[j];
            grp_txn_put(g, ctx->req->producer_id, topic, p->partition_index, p->committed_offset,
                        p->committed_leader_epoch, p->committed_metadata, ctx->now);
        }
        free(topic);
    }
    ctx->cb(ctx->arg, &ctx->resp);
    free(ctx->group);
    free(ctx);
}

/* The group-level error of a TxnOffsetCommit (the group created when absent, as Kafka). */
static kerr_t grp_tcommit_check(grp_coord_t *gc, const kp_txnoffsetcommit_req_t *req, grp_t **g)
{
    kerr_t err = grp_lookup(gc, req->c.group_id, true, g);
    if (!err && !*g) err = KERR_COORDINATOR_NOT_AVAILABLE;
    if (!err) err = grp_txn_commit_check(*g, &req->c);
    if (err) return err;
    partition_t *part = grp_offsets_partition(gc, (*g)->partition);
    if (!part) return KERR_NOT_COORDINATOR;
    /* an older epoch of the producer is fenced, as its appends are on any partition */
    if (pidmap_check_marker(part->pids, req->producer_id, req->producer_epoch, INT32_MAX))
        return KERR_INVALID_PRODUCER_EPOCH;
    return KERR_NONE;
}

void grp_txn_commit(grp_coord_t *gc, const kp_txnoffsetcommit_req_t *req, arena_t *a,
                    grp_commit_cb *cb, void *arg)
{
    grp_tcommit_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) abort();
    ctx->gc = gc;
    ctx->req = req;
    ctx->cb = cb;
    ctx->arg = arg;
    ctx->now = ktime_wall_ms();
    const kp_offsetcommit_req_t *c = &req->c;
    ctx->resp.ntopics = c->ntopics;
    ctx->resp.topics = arena_calloc(a, (size_t)c->ntopics + 1, sizeof(kp_topic_errs_t));
    grp_t *g = NULL;
    kerr_t err = grp_tcommit_check(gc, req, &g);
    batch_builder_t bb;
    batch_builder_init(&bb, ctx->now);
    for (int32_t i = 0; i < c->ntopics; i++) {
        const kp_offsetcommit_topic_t *t = &c->topics[i];
        kp_topic_errs_t *rt = &ctx->resp.topics[i];
        rt->name = t->name;
        rt->nparts = t->nparts;
        rt->parts = arena_calloc(a, (size_t)t->nparts + 1, sizeof(kp_part_err_t));
        char *topic = kstr_dup(t->name);
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_offsetcommit_part_t *p = &t->parts[j];
            rt->parts[j].partition_index = p->partition_index;
            kerr_t perr = err ? err : grp_commit_part_check(gc, topic, p);
            rt->parts[j].error_code = (int16_t)perr;
            if (!perr) grp_rec_offset(&bb, ctx->now, g->id, topic, p, -1);
        }
        free(topic);
    }
    if (bb.count == 0) {
        batch_builder_free(&bb);
        cb(arg, &ctx->resp);
        free(ctx);
        return;
    }
    /* the producer's transactional batch (Kafka's coordinator appends use sequence 0 and
     * are not sequence-checked) */
    batch_hdr_t tmpl = {.partition_leader_epoch = -1,
                        .attributes = BATCH_ATTR_TRANSACTIONAL,
                        .producer_id = req->producer_id,
                        .producer_epoch = req->producer_epoch,
                        .base_sequence = 0};
    wbuf_t wb;
    wbuf_init(&wb);
    batch_builder_finish(&bb, &tmpl, &wb);
    batch_builder_free(&bb);
    ctx->group = strdup(g->id);
    if (!ctx->group) abort();
    grp_append(gc, g->partition, &wb, grp_tcommit_done, ctx);
}
