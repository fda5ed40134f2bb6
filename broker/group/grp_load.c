/* grp_load.c: reading an offsets partition back when this broker becomes its leader (from its
 * start to the log end, a slice per reactor turn; records in grp_offsets.c's schemas, offsets
 * of transactional batches pending until their marker, grp_txn.c), and offset expiration
 * (Kafka's cleanupGroupMetadata). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grp_int.h"
#include "ktime.h"
#include "log.h"
#include "rec/batch.h"
#include "rec/compress.h"
#include "rec/txnmark.h"
#include "replica/rmgr.h"
#include "store/plog.h"

#define GRP_LOAD_SLICE  (1024 * 1024)
#define GRP_INFLATE_MAX (64 * 1024 * 1024)

/* ---------------------------------------------------------------- loading */

/* pid >= 0: the record is in a transactional batch of that producer (pending until its
 * marker). */
static void grp_load_offset(grp_coord_t *gc, int32_t p, rbuf_t *k, kbytes_t value, int64_t pid)
{
    char *group = kstr_dup(rbuf_str(k));
    char *topic = kstr_dup(rbuf_str(k));
    int32_t partition = rbuf_i32(k);
    if (rbuf_err(k) || !group || !topic) goto out;
    grp_t *g = grp_get(gc, group);
    if (value.len < 0) {
        if (g) grp_offset_remove(g, topic, partition);
        goto out;
    }
    rbuf_t v;
    rbuf_init(&v, value.p, (size_t)value.len);
    int16_t ver = rbuf_i16(&v);
    int64_t offset = rbuf_i64(&v);
    int32_t epoch = ver >= 3 ? rbuf_i32(&v) : -1;
    kstr_t md = rbuf_str(&v);
    int64_t commit_ts = rbuf_i64(&v);
    int64_t expire_ts = ver == 1 ? rbuf_i64(&v) : -1;
    if (rbuf_err(&v) || ver < 0 || ver > 3) {
        log_warn("grp", "%s-%d: unreadable offset commit value for group %s ignored",
                 GRP_OFFSETS_TOPIC, p, group);
        goto out;
    }
    if (!g) g = grp_new(gc, group, p);
    if (pid >= 0)
        grp_txn_put(g, pid, topic, partition, offset, epoch, md, commit_ts);
    else
        grp_offset_put(g, topic, partition, offset, epoch, md, commit_ts, expire_ts);
out:
    free(group);
    free(topic);
}

static void grp_reset_members(grp_t *g)
{
    while (g->members) {
        grp_member_t *m = g->members;
        g->members = m->next;
        grp_member_free(m);
    }
    g->nmembers = 0;
    free(g->protocol);
    free(g->leader);
    g->protocol = g->leader = NULL;
}

static void grp_load_members(grp_t *g, rbuf_t *v, int16_t ver)
{
    int32_t n = rbuf_array_len(v, false, 18);
    for (int32_t i = 0; i < n && !rbuf_err(v); i++) {
        char *id = kstr_dup(rbuf_str(v));
        char *inst = ver >= 3 ? kstr_dup(rbuf_str(v)) : NULL;
        kstr_t client_id = rbuf_str(v), host = rbuf_str(v);
        int32_t rebalance = ver >= 1 ? rbuf_i32(v) : -1;
        int32_t session = rbuf_i32(v);
        kbytes_t sub = rbuf_bytes(v), as = rbuf_bytes(v);
        if (!rbuf_err(v) && id && g->protocol) {
            grp_member_t *m = grp_member_add(g, id, inst);
            free(m->client_id);
            free(m->client_host);
            m->client_id = client_id.len > 0 ? kstr_dup(client_id) : grp_strdup("");
            m->client_host = host.len > 0 ? kstr_dup(host) : grp_strdup("");
            m->session_timeout_ms = session;
            m->rebalance_timeout_ms = rebalance > 0 ? rebalance : session;
            m->protos = calloc(1, sizeof(*m->protos));
            if (!m->protos) abort();
            m->nprotos = 1;
            m->protos[0].name = grp_strdup(g->protocol ? g->protocol : "");
            m->protos[0].meta_len = sub.len > 0 ? sub.len : 0;
            m->protos[0].meta = malloc((size_t)m->protos[0].meta_len + 1);
            if (!m->protos[0].meta) abort();
            if (sub.len > 0) memcpy(m->protos[0].meta, sub.p, (size_t)sub.len);
            if (as.len > 0) {
                m->assignment = malloc((size_t)as.len);
                if (!m->assignment) abort();
                memcpy(m->assignment, as.p, (size_t)as.len);
                m->assignment_len = as.len;
            }
        }
        free(id);
        free(inst);
    }
}

static void grp_load_group(grp_coord_t *gc, int32_t p, rbuf_t *k, kbytes_t value)
{
    char *group = kstr_dup(rbuf_str(k));
    if (rbuf_err(k) || !group) {
        free(group);
        return;
    }
    grp_t *g = grp_get(gc, group);
    if (!g) g = grp_new(gc, group, p);
    grp_reset_members(g);
    if (value.len < 0) { /* deleted: only offsets written later keep it */
        g->generation = 0;
        free(g->protocol_type);
        g->protocol_type = NULL;
        free(group);
        return;
    }
    rbuf_t v;
    rbuf_init(&v, value.p, (size_t)value.len);
    int16_t ver = rbuf_i16(&v);
    kstr_t ptype = rbuf_str(&v);
    g->generation = rbuf_i32(&v);
    kstr_t proto = rbuf_str(&v), leader = rbuf_str(&v);
    int64_t ts = ver >= 2 ? rbuf_i64(&v) : -1;
    if (!rbuf_err(&v) && ver >= 0 && ver <= 3) {
        free(g->protocol_type);
        g->protocol_type = ptype.len > 0 ? kstr_dup(ptype) : NULL;
        g->protocol = proto.len >= 0 ? kstr_dup(proto) : NULL;
        g->leader = leader.len >= 0 ? kstr_dup(leader) : NULL;
        g->state_ts = ts > 0 ? ts : ktime_wall_ms();
        grp_load_members(g, &v, ver);
    }
    if (rbuf_err(&v) || ver < 0 || ver > 3) {
        log_warn("grp", "%s-%d: unreadable group metadata for %s ignored", GRP_OFFSETS_TOPIC, p,
                 group);
        grp_reset_members(g);
    }
    free(group);
}

static void grp_load_record(grp_coord_t *gc, int32_t p, const batch_rec_t *r, int64_t pid)
{
    if (r->key.len < 2) return;
    rbuf_t k;
    rbuf_init(&k, r->key.p, (size_t)r->key.len);
    int16_t kv = rbuf_i16(&k);
    if (kv == 0 || kv == 1)
        grp_load_offset(gc, p, &k, r->value, pid);
    else if (kv == 2)
        grp_load_group(gc, p, &k, r->value);
}

typedef struct grp_load_ctx {
    grp_coord_t *gc;
    int32_t p;
} grp_load_ctx_t;

static void grp_load_rec(void *arg, const batch_hdr_t *h, const batch_rec_t *r)
{
    grp_load_ctx_t *x = arg;
    int64_t pid = (h->attributes & BATCH_ATTR_TRANSACTIONAL) ? h->producer_id : -1;
    grp_load_record(x->gc, x->p, r, pid);
}

static void grp_load_ctrl(void *arg, const batch_hdr_t *h, const uint8_t *batch, size_t size)
{
    grp_load_ctx_t *x = arg;
    int type = txnmark_type(batch, size, NULL);
    if (type >= 0) grp_txn_complete_part(x->gc, x->p, h->producer_id, type == TXNMARK_COMMIT);
}

/* Apply the batches in buf; returns the offset after the last whole batch. */
static int64_t grp_load_batches(grp_coord_t *gc, int32_t p, const uint8_t *buf, size_t len,
                                int64_t next)
{
    grp_load_ctx_t x = {gc, p};
    return compress_walk(buf, len, next, GRP_INFLATE_MAX, grp_load_rec, grp_load_ctrl, &x);
}

static void grp_load_finish(grp_coord_t *gc, int32_t p)
{
    size_t it = 0;
    int n = 0;
    for (grp_t *g; (g = grp_next_of_part(gc, p, &it)); n++) {
        if (g->nmembers > 0) {
            grp_set_state(g, GRP_STABLE);
            for (grp_member_t *m = g->members; m; m = m->next) grp_member_schedule(m);
        } else {
            grp_set_state(g, GRP_EMPTY);
        }
    }
    gc->parts[p].state = GC_PART_LOADED;
    log_write(n ? LOG_INFO : LOG_DEBUG, "grp", "loaded %d groups from %s-%d (up to offset %lld)", n,
              GRP_OFFSETS_TOPIC, p, (long long)gc->parts[p].load_next);
}

static void grp_load_step(ev_loop_t *loop, void *arg)
{
    gc_part_t *gp = arg;
    grp_coord_t *gc = gp->gc;
    int32_t p = gp->index;
    gp->load_timer = 0;
    partition_t *part = grp_offsets_partition(gc, p);
    if (!part || gp->state != GC_PART_LOADING) return;
    uint8_t *buf;
    size_t len;
    if (!plog_load_slice(part->log, "grp", &gp->load_next, GRP_LOAD_SLICE, &buf, &len)) {
        grp_load_finish(gc, p);
        return;
    }
    int64_t next = grp_load_batches(gc, p, buf, len, gp->load_next);
    free(buf);
    if (!plog_load_moved(part->log, "grp", &gp->load_next, next)) {
        grp_load_finish(gc, p);
        return;
    }
    gp->load_timer = ev_timer_add(loop, 0, grp_load_step, gp); /* yield to the reactor */
}

void grp_load_start(grp_coord_t *gc, int32_t p)
{
    gc_part_t *gp = &gc->parts[p];
    gp->state = GC_PART_LOADING;
    gp->load_next = 0;
    log_info("grp", "loading groups and offsets from %s-%d", GRP_OFFSETS_TOPIC, p);
    gp->load_timer = ev_timer_add(gc->loop, 0, grp_load_step, gp);
}

/* ---------------------------------------------------------------- expiration */

static void grp_expire_done(void *arg, kerr_t err)
{
    char *id = arg;
    if (err) log_warn("grp", "writing expired offsets of group %s failed: %s", id, kerr_name(err));
    free(id);
}

/* Kafka's cleanupGroupMetadata: expire offsets of empty groups (from the time the group
 * became empty) and of standalone consumers (from the commit), then drop empty groups. */
void grp_expire_offsets(grp_coord_t *gc, int64_t now)
{
    size_t it = 0;
    void *v;
    while (dict_next(gc->groups, &it, NULL, &v)) {
        grp_t *g = v;
        if (gc->parts[g->partition].state != GC_PART_LOADED || g->state != GRP_EMPTY || g->pending)
            continue;
        batch_builder_t bb;
        batch_builder_init(&bb, now);
        size_t oit = 0;
        void *ov;
        while (dict_next(g->offsets, &oit, NULL, &ov)) {
            grp_offset_t *o = ov;
            int64_t base = g->protocol_type ? g->state_ts : o->commit_ts;
            bool expired = o->expire_ts >= 0 ? now >= o->expire_ts : now - base >= gc->retention_ms;
            if (!expired) continue;
            grp_rec_offset_tombstone(&bb, now, g->id, o->topic, o->partition);
            char key[320];
            grp_offset_key(key, sizeof(key), o->topic, o->partition);
            grp_offset_free(dict_del(g->offsets, key));
        }
        bool dead = dict_size(g->offsets) == 0;
        if (dead) grp_rec_group(&bb, now, g, true);
        int32_t p = g->partition;
        char *id = grp_strdup(g->id);
        if (bb.count > 0)
            log_info("grp", "group %s: %d expired offsets removed%s", id, bb.count - (dead ? 1 : 0),
                     dead ? "; the group is gone" : "");
        if (dead) grp_destroy(g, KERR_COORDINATOR_NOT_AVAILABLE);
        if (bb.count == 0) {
            batch_builder_free(&bb);
            free(id);
            continue;
        }
        grp_append_batch(gc, p, &bb, grp_expire_done, id);
    }
}
