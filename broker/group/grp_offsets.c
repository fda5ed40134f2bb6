/* grp_offsets.c: __consumer_offsets records, in Kafka's schemas (every field big-endian,
 * strings int16-length-prefixed), each record key and value starting with an int16 version:
 *   offset key   v0/v1: group, topic, partition int32                      (written: v1)
 *   offset value v0: offset, metadata, commit_ts      v1: + expire_ts
 *                v2: offset, metadata, commit_ts      v3: offset, leader_epoch, metadata,
 *                commit_ts                            (written: v3, v1 with an expire time)
 *   group key    v2: group
 *   group value  v0-v3: protocol_type, generation, protocol?, leader?, [v2+ state_ts],
 *                members[member_id, [v3+ instance_id?], client_id, client_host,
 *                [v1+ rebalance_timeout], session_timeout, subscription, assignment]
 *                                                     (written: v3)
 * A null value is a tombstone. Commits append one uncompressed batch per request through
 * rmgr_append_committed() and update the cache from its completion; loading reads them back
 * (grp_load.c).
 * Transactional commits (TxnOffsetCommit) write the producer's transactional batch and keep
 * the offsets pending until its marker, also when loading (grp_txn.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grp_int.h"
#include "ktime.h"
#include "log.h"
#include "mdcache.h"
#include "rec/batch.h"
#include "rec/compress.h"
#include "rec/txnmark.h"
#include "replica/rmgr.h"
#include "store/pidstate.h"
#include "store/plog.h"

#define GRP_KEY_OFFSET_V   1
#define GRP_KEY_GROUP_V    2
#define GRP_VALUE_OFFSET_V 3
#define GRP_VALUE_GROUP_V  3

/* ---------------------------------------------------------------- the offset cache */

void grp_offset_free(void *p)
{
    grp_offset_t *o = p;
    if (!o) return;
    free(o->topic);
    free(o->metadata);
    free(o);
}

void grp_offset_key(char *buf, size_t n, const char *topic, int32_t partition)
{
    snprintf(buf, n, "%s:%d", topic, partition);
}

void grp_offset_put(grp_t *g, const char *topic, int32_t partition, int64_t offset,
                    int32_t leader_epoch, kstr_t metadata, int64_t commit_ts, int64_t expire_ts)
{
    grp_offset_set(g->offsets, topic, partition, offset, leader_epoch, metadata, commit_ts,
                   expire_ts);
}

void grp_offset_set(dict_t *d, const char *topic, int32_t partition, int64_t offset,
                    int32_t leader_epoch, kstr_t metadata, int64_t commit_ts, int64_t expire_ts)
{
    grp_offset_t *o = calloc(1, sizeof(*o));
    if (!o) abort();
    o->topic = grp_strdup(topic);
    o->partition = partition;
    o->offset = offset;
    o->leader_epoch = leader_epoch;
    o->metadata = metadata.len > 0 ? kstr_dup(metadata) : grp_strdup("");
    if (!o->metadata) abort();
    o->commit_ts = commit_ts;
    o->expire_ts = expire_ts;
    char key[320];
    grp_offset_key(key, sizeof(key), topic, partition);
    grp_offset_free(dict_set(d, key, o));
}

void grp_offset_remove(grp_t *g, const char *topic, int32_t partition)
{
    char key[320];
    grp_offset_key(key, sizeof(key), topic, partition);
    grp_offset_free(dict_del(g->offsets, key));
}

static const grp_offset_t *grp_offset_get(grp_t *g, kstr_t topic, int32_t partition)
{
    char key[320];
    snprintf(key, sizeof(key), "%.*s:%d", topic.len > 250 ? 250 : topic.len, topic.p, partition);
    return dict_get(g->offsets, key);
}

/* ---------------------------------------------------------------- record keys and values */

static void grp_key_offset(wbuf_t *wb, const char *group, const char *topic, int32_t partition)
{
    wbuf_i16(wb, GRP_KEY_OFFSET_V);
    wbuf_cstr_f(wb, false, group);
    wbuf_cstr_f(wb, false, topic);
    wbuf_i32(wb, partition);
}

static void grp_key_group(wbuf_t *wb, const char *group)
{
    wbuf_i16(wb, GRP_KEY_GROUP_V);
    wbuf_cstr_f(wb, false, group);
}

static void grp_value_offset(wbuf_t *wb, int64_t offset, int32_t epoch, kstr_t metadata,
                             int64_t commit_ts, int64_t expire_ts)
{
    kstr_t md = metadata.len > 0 ? metadata : KSTR("");
    if (expire_ts >= 0) { /* only v1 carries an expire timestamp */
        wbuf_i16(wb, 1);
        wbuf_i64(wb, offset);
        wbuf_kstr_f(wb, false, md);
        wbuf_i64(wb, commit_ts);
        wbuf_i64(wb, expire_ts);
        return;
    }
    wbuf_i16(wb, GRP_VALUE_OFFSET_V);
    wbuf_i64(wb, offset);
    wbuf_i32(wb, epoch);
    wbuf_kstr_f(wb, false, md);
    wbuf_i64(wb, commit_ts);
}

static void grp_value_group(wbuf_t *wb, const grp_t *g)
{
    wbuf_i16(wb, GRP_VALUE_GROUP_V);
    wbuf_cstr_f(wb, false, g->protocol_type ? g->protocol_type : "");
    wbuf_i32(wb, g->generation);
    wbuf_cstr_f(wb, false, g->protocol);
    wbuf_cstr_f(wb, false, g->leader);
    wbuf_i64(wb, g->state_ts);
    wbuf_i32(wb, g->nmembers);
    for (const grp_member_t *m = g->members; m; m = m->next) {
        const grp_proto_t *p = grp_member_proto(m, g->protocol);
        wbuf_cstr_f(wb, false, m->id);
        wbuf_cstr_f(wb, false, m->instance_id);
        wbuf_cstr_f(wb, false, m->client_id);
        wbuf_cstr_f(wb, false, m->client_host);
        wbuf_i32(wb, m->rebalance_timeout_ms);
        wbuf_i32(wb, m->session_timeout_ms);
        wbuf_bytes_f(wb, false, p ? (const void *)p->meta : "", p ? p->meta_len : 0);
        wbuf_bytes_f(wb, false, m->assignment ? (const void *)m->assignment : "",
                     m->assignment_len);
    }
}

/* Add one record (key and value built by the caller in k and v; v NULL = tombstone). */
static void grp_rec_add(batch_builder_t *bb, int64_t now, const wbuf_t *k, const wbuf_t *v)
{
    batch_builder_add(bb, bb->count, now, k->p, (int32_t)k->len, v ? v->p : NULL,
                      v ? (int32_t)v->len : -1, 0, NULL, 0);
}

void grp_rec_offset(batch_builder_t *bb, int64_t now, const char *group, const char *topic,
                    const kp_offsetcommit_part_t *p, int64_t expire_ts)
{
    wbuf_t k, v;
    wbuf_init(&k);
    wbuf_init(&v);
    grp_key_offset(&k, group, topic, p->partition_index);
    grp_value_offset(&v, p->committed_offset, p->committed_leader_epoch, p->committed_metadata, now,
                     expire_ts);
    grp_rec_add(bb, now, &k, &v);
    wbuf_free(&k);
    wbuf_free(&v);
}

void grp_rec_group(batch_builder_t *bb, int64_t now, const grp_t *g, bool tombstone)
{
    wbuf_t k, v;
    wbuf_init(&k);
    wbuf_init(&v);
    grp_key_group(&k, g->id);
    if (!tombstone) grp_value_group(&v, g);
    grp_rec_add(bb, now, &k, tombstone ? NULL : &v);
    wbuf_free(&k);
    wbuf_free(&v);
}

void grp_rec_offset_tombstone(batch_builder_t *bb, int64_t now, const char *group,
                              const char *topic, int32_t partition)
{
    wbuf_t k;
    wbuf_init(&k);
    grp_key_offset(&k, group, topic, partition);
    grp_rec_add(bb, now, &k, NULL);
    wbuf_free(&k);
}

void grp_tombstones_all(grp_t *g, batch_builder_t *bb, int64_t now)
{
    size_t it = 0;
    void *v;
    while (dict_next(g->offsets, &it, NULL, &v)) {
        grp_offset_t *o = v;
        grp_rec_offset_tombstone(bb, now, g->id, o->topic, o->partition);
    }
    grp_rec_group(bb, now, g, true);
}

/* ---------------------------------------------------------------- appends */

typedef struct grp_append_ctx {
    wbuf_t wb;
    grp_append_done_fn *done;
    void *arg;
} grp_append_ctx_t;

/* Append errors as a coordinator reports them (Kafka's GroupMetadataManager mapping). */
static const struct {
    kerr_t from, to;
} grp_append_errs[] = {
    {KERR_UNKNOWN_TOPIC_OR_PARTITION, KERR_COORDINATOR_NOT_AVAILABLE},
    {KERR_NOT_ENOUGH_REPLICAS, KERR_COORDINATOR_NOT_AVAILABLE},
    {KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, KERR_COORDINATOR_NOT_AVAILABLE},
    {KERR_REQUEST_TIMED_OUT, KERR_COORDINATOR_NOT_AVAILABLE},
    {KERR_NOT_LEADER_OR_FOLLOWER, KERR_NOT_COORDINATOR},
    {KERR_KAFKA_STORAGE_ERROR, KERR_NOT_COORDINATOR},
    {KERR__IO, KERR_NOT_COORDINATOR},
    {KERR_MESSAGE_TOO_LARGE, KERR_INVALID_COMMIT_OFFSET_SIZE},
    {KERR_RECORD_LIST_TOO_LARGE, KERR_INVALID_COMMIT_OFFSET_SIZE},
    {KERR_INVALID_FETCH_SIZE, KERR_INVALID_COMMIT_OFFSET_SIZE},
    {KERR__TOO_LARGE, KERR_INVALID_COMMIT_OFFSET_SIZE},
};

static kerr_t grp_append_err(kerr_t err)
{
    for (size_t i = 0; i < sizeof(grp_append_errs) / sizeof(grp_append_errs[0]); i++)
        if (grp_append_errs[i].from == err) return grp_append_errs[i].to;
    return err ? KERR_UNKNOWN_SERVER_ERROR : KERR_NONE;
}

static void grp_append_done(void *arg, kerr_t err, const plog_append_info_t *info)
{
    (void)info;
    grp_append_ctx_t *ctx = arg;
    ctx->done(ctx->arg, grp_append_err(err));
    wbuf_free(&ctx->wb);
    free(ctx);
}

void grp_append(grp_coord_t *gc, int32_t p, wbuf_t *wb, grp_append_done_fn *done, void *arg)
{
    partition_t *part = grp_offsets_partition(gc, p);
    if (!part) {
        wbuf_free(wb);
        done(arg, KERR_NOT_COORDINATOR);
        return;
    }
    grp_append_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) abort();
    ctx->wb = *wb;
    wbuf_init(wb);
    ctx->done = done;
    ctx->arg = arg;
    rmgr_append_committed(gc->d.rmgr, part, ctx->wb.p, ctx->wb.len, gc->commit_timeout_ms,
                          grp_append_done, ctx);
}

void grp_append_batch(grp_coord_t *gc, int32_t p, batch_builder_t *bb, grp_append_done_fn *done,
                      void *arg)
{
    wbuf_t wb;
    wbuf_init(&wb);
    batch_builder_finish(bb, NULL, &wb);
    batch_builder_free(bb);
    grp_append(gc, p, &wb, done, arg);
}

void grp_store_group(grp_t *g, grp_append_done_fn *done, void *arg)
{
    int64_t now = ktime_wall_ms();
    batch_builder_t bb;
    batch_builder_init(&bb, now);
    grp_rec_group(&bb, now, g, g->state == GRP_DEAD);
    grp_append_batch(g->gc, g->partition, &bb, done, arg);
}

/* ---------------------------------------------------------------- OffsetCommit */

typedef struct grp_commit_ctx {
    grp_coord_t *gc;
    char *group;
    const kp_offsetcommit_req_t *req;
    kp_offsetcommit_resp_t resp;
    int64_t now, expire_ts;
    int64_t pid; /* TxnOffsetCommit: the producer whose transaction holds them; else -1 */
    grp_commit_cb *cb;
    void *arg;
} grp_commit_ctx_t;

static void grp_commit_done(void *arg, kerr_t err)
{
    grp_commit_ctx_t *ctx = arg;
    grp_t *g = grp_get(ctx->gc, ctx->group);
    if (!err && !g) err = KERR_NOT_COORDINATOR; /* unloaded meanwhile */
    for (int32_t i = 0; i < ctx->req->ntopics; i++) {
        const kp_offsetcommit_topic_t *t = &ctx->req->topics[i];
        kp_topic_errs_t *rt = &ctx->resp.topics[i];
        char *topic = NULL;
        for (int32_t j = 0; j < t->nparts; j++) {
            if (rt->parts[j].error_code != KERR_NONE) continue; /* refused before the append */
            rt->parts[j].error_code = (int16_t)err;
            if (err) continue;
            const kp_offsetcommit_part_t *p = &t->parts[j];
            if (!topic) topic = kstr_dup(t->name);
            if (ctx->pid >= 0)
                grp_txn_put(g, ctx->pid, topic, p->partition_index, p->committed_offset,
                            p->committed_leader_epoch, p->committed_metadata, ctx->now);
            else
                grp_offset_put(g, topic, p->partition_index, p->committed_offset,
                               p->committed_leader_epoch, p->committed_metadata, ctx->now,
                               ctx->expire_ts);
        }
        free(topic);
    }
    ctx->cb(ctx->arg, &ctx->resp);
    free(ctx->group);
    free(ctx);
}

/* Per-partition checks before the append: metadata size, topic known. */
kerr_t grp_commit_part_check(grp_coord_t *gc, const char *topic, const kp_offsetcommit_part_t *p)
{
    if (p->committed_metadata.len > gc->max_metadata_bytes) return KERR_OFFSET_METADATA_TOO_LARGE;
    const md_topic_t *t = mdcache_topic(gc->d.md, topic);
    if (!t || p->partition_index < 0 || p->partition_index >= t->nparts)
        return KERR_UNKNOWN_TOPIC_OR_PARTITION;
    return KERR_NONE;
}

static grp_commit_ctx_t *grp_commit_ctx(grp_coord_t *gc, const kp_offsetcommit_req_t *req,
                                        arena_t *a, grp_commit_cb *cb, void *arg)
{
    grp_commit_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) abort();
    ctx->gc = gc;
    ctx->req = req;
    ctx->cb = cb;
    ctx->arg = arg;
    ctx->now = ktime_wall_ms();
    ctx->expire_ts = req->retention_time_ms > 0 ? ctx->now + req->retention_time_ms : -1;
    ctx->pid = -1;
    ctx->resp.ntopics = req->ntopics;
    ctx->resp.topics = arena_calloc(a, (size_t)req->ntopics + 1, sizeof(kp_topic_errs_t));
    return ctx;
}

/* Check each partition (err: the group's error, for all), write the records of those that
 * pass in one batch (header fields from tmpl when given) and answer from its completion. */
static void grp_commit_run(grp_commit_ctx_t *ctx, grp_t *g, kerr_t err, arena_t *a,
                           const batch_hdr_t *tmpl)
{
    grp_coord_t *gc = ctx->gc;
    const kp_offsetcommit_req_t *req = ctx->req;
    batch_builder_t bb;
    batch_builder_init(&bb, ctx->now);
    for (int32_t i = 0; i < req->ntopics; i++) {
        const kp_offsetcommit_topic_t *t = &req->topics[i];
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
            if (perr) continue;
            grp_rec_offset(&bb, ctx->now, g->id, topic, p, ctx->expire_ts);
        }
        free(topic);
    }
    if (bb.count == 0) {
        batch_builder_free(&bb);
        ctx->cb(ctx->arg, &ctx->resp);
        free(ctx);
        return;
    }
    ctx->group = grp_strdup(g->id);
    wbuf_t wb;
    wbuf_init(&wb);
    batch_builder_finish(&bb, tmpl, &wb);
    batch_builder_free(&bb);
    grp_append(gc, g->partition, &wb, grp_commit_done, ctx);
}

void grp_commit(grp_coord_t *gc, int16_t ver, const kp_offsetcommit_req_t *req, arena_t *a,
                grp_commit_cb *cb, void *arg)
{
    grp_commit_ctx_t *ctx = grp_commit_ctx(gc, req, a, cb, arg);
    grp_t *g = NULL;
    kerr_t err = grp_lookup(gc, req->group_id, req->generation_id < 0, &g);
    if (!err && !g) err = KERR_ILLEGAL_GENERATION;
    if (!err) err = grp_commit_check(g, ver, req);
    grp_commit_run(ctx, g, err, a, NULL);
}

/* The group-level error of a TxnOffsetCommit (the group created when absent, as Kafka). */
static kerr_t grp_txn_commit_err(grp_coord_t *gc, const kp_txnoffsetcommit_req_t *req, grp_t **g)
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
    grp_commit_ctx_t *ctx = grp_commit_ctx(gc, &req->c, a, cb, arg);
    ctx->pid = req->producer_id;
    grp_t *g = NULL;
    kerr_t err = grp_txn_commit_err(gc, req, &g);
    /* the producer's transactional batch (Kafka's coordinator appends use sequence 0 and are
     * not sequence-checked); pending until the producer's marker (grp_txn.c) */
    batch_hdr_t tmpl = {.partition_leader_epoch = -1,
                        .attributes = BATCH_ATTR_TRANSACTIONAL,
                        .producer_id = req->producer_id,
                        .producer_epoch = req->producer_epoch,
                        .base_sequence = 0};
    grp_commit_run(ctx, g, err, a, &tmpl);
}

/* ---------------------------------------------------------------- OffsetFetch */

static void grp_fetch_part(grp_t *g, kstr_t topic, int32_t partition, kerr_t err,
                           kp_offsetfetch_part_t *out)
{
    const grp_offset_t *o = g && !err ? grp_offset_get(g, topic, partition) : NULL;
    out->partition_index = partition;
    out->committed_offset = o ? o->offset : -1;
    out->committed_leader_epoch = o ? o->leader_epoch : -1;
    out->metadata = o ? KSTR(o->metadata) : KSTR("");
    out->error_code = (int16_t)err;
}

/* All committed offsets of g, grouped by topic. */
static void grp_fetch_all(grp_t *g, arena_t *a, kp_offsetfetch_resp_t *resp)
{
    size_t n = g ? dict_size(g->offsets) : 0;
    resp->topics = arena_calloc(a, n + 1, sizeof(*resp->topics));
    size_t it = 0;
    void *v;
    while (g && dict_next(g->offsets, &it, NULL, &v)) {
        grp_offset_t *o = v;
        kp_offsetfetch_topic_t *t = NULL;
        for (int32_t i = 0; i < resp->ntopics && !t; i++)
            if (kstr_eq(resp->topics[i].name, o->topic)) t = &resp->topics[i];
        if (!t) {
            t = &resp->topics[resp->ntopics++];
            t->name = KSTR(o->topic);
            t->parts = arena_calloc(a, n, sizeof(*t->parts));
        }
        grp_fetch_part(g, t->name, o->partition, KERR_NONE, &t->parts[t->nparts++]);
    }
}

static void grp_fetch_explicit(grp_t *g, const kp_offsetfetch_req_t *req, arena_t *a,
                               kp_offsetfetch_resp_t *resp, kerr_t err);

void grp_fetch(grp_coord_t *gc, int16_t ver, const kp_offsetfetch_req_t *req, arena_t *a,
               kp_offsetfetch_resp_t *resp)
{
    grp_t *g = NULL;
    kerr_t err = grp_lookup(gc, req->group_id, false, &g);
    resp->error_code = (int16_t)err;
    if (req->ntopics < 0) {
        if (!err) grp_fetch_all(g, a, resp);
        if (!err && g && req->require_stable) grp_txn_mark_unstable(g, resp);
        return;
    }
    /* v0-1 have no top-level error: it goes on every partition */
    kerr_t perr = ver < 2 ? err : KERR_NONE;
    if (req->require_stable && !err && g) {
        /* KIP-447: partitions with offsets pending in a transaction answer
         * UNSTABLE_OFFSET_COMMIT, so the consumer retries once the transaction is done */
        grp_fetch_explicit(g, req, a, resp, perr);
        grp_txn_mark_unstable(g, resp);
        return;
    }
    grp_fetch_explicit(g, req, a, resp, perr ? perr : err);
}

static void grp_fetch_explicit(grp_t *g, const kp_offsetfetch_req_t *req, arena_t *a,
                               kp_offsetfetch_resp_t *resp, kerr_t err)
{
    resp->ntopics = req->ntopics;
    resp->topics = arena_calloc(a, (size_t)req->ntopics + 1, sizeof(*resp->topics));
    for (int32_t i = 0; i < req->ntopics; i++) {
        const kp_topic_parts_t *t = &req->topics[i];
        kp_offsetfetch_topic_t *rt = &resp->topics[i];
        rt->name = t->name;
        rt->nparts = t->nparts;
        rt->parts = arena_calloc(a, (size_t)t->nparts + 1, sizeof(*rt->parts));
        for (int32_t j = 0; j < t->nparts; j++)
            grp_fetch_part(g, t->name, t->parts[j], err, &rt->parts[j]);
    }
}

/* ---------------------------------------------------------------- OffsetDelete */

/* The topics in a consumer-protocol subscription (version, topics[], user data...). */
static bool grp_subscribed(const grp_t *g, kstr_t topic)
{
    if (g->cons) return grp_cons_subscribed(g, topic);
    if (!g->protocol_type || strcmp(g->protocol_type, "consumer") != 0) return false;
    for (const grp_member_t *m = g->members; m; m = m->next) {
        const grp_proto_t *p = grp_member_proto(m, g->protocol);
        if (!p) continue;
        rbuf_t rb;
        rbuf_init(&rb, p->meta, (size_t)p->meta_len);
        (void)rbuf_i16(&rb);
        int32_t n = rbuf_array_len(&rb, false, 2);
        for (int32_t i = 0; i < n && !rbuf_err(&rb); i++) {
            kstr_t t = rbuf_str(&rb);
            if (!rbuf_err(&rb) && t.len == topic.len && memcmp(t.p, topic.p, (size_t)t.len) == 0)
                return true;
        }
    }
    return false;
}

typedef struct grp_odel_ctx {
    grp_coord_t *gc;
    char *group;
    const kp_offsetdelete_req_t *req;
    kp_offsetdelete_resp_t resp;
    grp_offset_delete_cb *cb;
    void *arg;
} grp_odel_ctx_t;

static void grp_odel_done(void *arg, kerr_t err)
{
    grp_odel_ctx_t *ctx = arg;
    grp_t *g = grp_get(ctx->gc, ctx->group);
    for (int32_t i = 0; i < ctx->resp.ntopics; i++) {
        kp_topic_errs_t *rt = &ctx->resp.topics[i];
        char *topic = kstr_dup(rt->name);
        for (int32_t j = 0; j < rt->nparts; j++) {
            if (rt->parts[j].error_code) continue;
            rt->parts[j].error_code = (int16_t)err;
            if (!err && g) grp_offset_remove(g, topic, rt->parts[j].partition_index);
        }
        free(topic);
    }
    ctx->cb(ctx->arg, &ctx->resp);
    free(ctx->group);
    free(ctx);
}

void grp_offset_delete(grp_coord_t *gc, const kp_offsetdelete_req_t *req, arena_t *a,
                       grp_offset_delete_cb *cb, void *arg)
{
    kp_offsetdelete_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    grp_t *g = NULL;
    kerr_t err = grp_lookup(gc, req->group_id, false, &g);
    if (!err && (!g || g->state == GRP_DEAD)) err = KERR_GROUP_ID_NOT_FOUND;
    bool consumer = !err && g->protocol_type && strcmp(g->protocol_type, "consumer") == 0;
    if (!err && g->state != GRP_EMPTY && !consumer) err = KERR_NON_EMPTY_GROUP;
    if (err) {
        resp.error_code = (int16_t)err;
        cb(arg, &resp);
        return;
    }
    grp_odel_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) abort();
    ctx->gc = gc;
    ctx->req = req;
    ctx->cb = cb;
    ctx->arg = arg;
    ctx->resp.ntopics = req->ntopics;
    ctx->resp.topics = arena_calloc(a, (size_t)req->ntopics + 1, sizeof(kp_topic_errs_t));
    int64_t now = ktime_wall_ms();
    batch_builder_t bb;
    batch_builder_init(&bb, now);
    for (int32_t i = 0; i < req->ntopics; i++) {
        const kp_topic_parts_t *t = &req->topics[i];
        kp_topic_errs_t *rt = &ctx->resp.topics[i];
        rt->name = t->name;
        rt->nparts = t->nparts;
        rt->parts = arena_calloc(a, (size_t)t->nparts + 1, sizeof(kp_part_err_t));
        bool subscribed = g->state != GRP_EMPTY && grp_subscribed(g, t->name);
        char *topic = kstr_dup(t->name);
        for (int32_t j = 0; j < t->nparts; j++) {
            rt->parts[j].partition_index = t->parts[j];
            if (subscribed) {
                rt->parts[j].error_code = KERR_GROUP_SUBSCRIBED_TO_TOPIC;
                continue;
            }
            if (grp_offset_get(g, t->name, t->parts[j]))
                grp_rec_offset_tombstone(&bb, now, g->id, topic, t->parts[j]);
        }
        free(topic);
    }
    ctx->group = grp_strdup(g->id);
    if (bb.count == 0) {
        batch_builder_free(&bb);
        grp_odel_done(ctx, KERR_NONE);
        return;
    }
    grp_append_batch(gc, g->partition, &bb, grp_odel_done, ctx);
}
