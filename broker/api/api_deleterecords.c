/* api_deleterecords.c: DeleteRecords (kafka-delete-records, AdminClient.deleteRecords).
 * Each partition's leader moves its log start offset (rmgr_delete_records) and the answer
 * waits, as Kafka's DelayedDeleteRecords, until the low watermark (the smallest log start
 * offset over the live replicas, which followers report in their fetches after applying the
 * leader's) reached the requested offset, or timeout_ms (REQUEST_TIMED_OUT for the partitions
 * still short). A partition that loses leadership meanwhile answers NOT_LEADER_OR_FOLLOWER. */
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ktime.h"
#include "mdcache.h"
#include "proto/kp_deleterecords.h"
#include "replica/rmgr.h"
#include "api_env.h"

typedef struct dr_state {
    req_t *r;
    kp_deleterecords_resp_t resp;
    int n;               /* partitions, flattened */
    partition_t **parts; /* waiting on it; NULL once answered */
    kp_deleterecords_part_resp_t **out;
    int64_t *want;       /* the offset applied on the leader */
    int64_t deadline_ms; /* monotonic */
} dr_state_t;

/* Settle what can be settled; true when no partition is left waiting. */
static bool dr_check(dr_state_t *st, bool timed_out)
{
    rmgr_t *rm = st->r->env->rmgr;
    bool left = false;
    for (int k = 0; k < st->n; k++) {
        partition_t *part = st->parts[k];
        if (!part) continue;
        kp_deleterecords_part_resp_t *o = st->out[k];
        if (!part->is_leader || rmgr_get(rm, part->topic, part->index) != part) {
            o->error_code = KERR_NOT_LEADER_OR_FOLLOWER;
            o->low_watermark = -1;
            st->parts[k] = NULL;
            continue;
        }
        int64_t low = rmgr_low_watermark(rm, part);
        if (low >= st->want[k]) {
            o->low_watermark = low;
            o->error_code = KERR_NONE;
            st->parts[k] = NULL;
        } else if (timed_out) {
            o->low_watermark = low;
            o->error_code = KERR_REQUEST_TIMED_OUT;
            st->parts[k] = NULL;
        } else {
            left = true;
        }
    }
    return !left;
}

static void dr_respond(dr_state_t *st)
{
    kp_deleterecords_resp_encode(&st->r->resp, st->r->hdr.api_version, &st->resp);
    req_done(st->r);
}

static void dr_woken(void *arg, bool timed_out)
{
    dr_state_t *st = arg;
    int64_t left = st->deadline_ms - ktime_mono_ms();
    if (dr_check(st, timed_out || left <= 0)) {
        dr_respond(st);
        return;
    }
    rmgr_wait(st->r->env->rmgr, st->parts, st->n, RMGR_EV_LOW, left, dr_woken, st);
}

/* Apply one partition on the leader; k indexes the flattened arrays. */
static void dr_part(dr_state_t *st, int k, const char *topic, const kp_deleterecords_part_t *p,
                    kp_deleterecords_part_resp_t *o)
{
    api_env_t *env = st->r->env;
    o->partition_index = p->partition_index;
    o->low_watermark = -1;
    st->out[k] = o;
    if (!authz_authorize(st->r, ACL_OP_DELETE, ACL_RES_TOPIC, topic)) {
        o->error_code = KERR_TOPIC_AUTHORIZATION_FAILED;
        return;
    }
    partition_t *part = rmgr_get(env->rmgr, topic, p->partition_index);
    if (!part || !part->is_leader) {
        o->error_code = mdcache_part(env->md, topic, p->partition_index)
                            ? KERR_NOT_LEADER_OR_FOLLOWER
                            : KERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    kerr_t err = rmgr_delete_records(env->rmgr, part, p->offset, &st->want[k]);
    if (err) {
        o->error_code = (int16_t)err;
        return;
    }
    st->parts[k] = part;
}

void api_deleterecords(req_t *r, rbuf_t *rb)
{
    kp_deleterecords_req_t req;
    if (kp_deleterecords_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed DeleteRecords request");
        return;
    }
    dr_state_t *st = arena_calloc(&r->arena, 1, sizeof(*st));
    st->r = r;
    for (int32_t i = 0; i < req.ntopics; i++) st->n += req.topics[i].nparts;
    st->parts = arena_calloc(&r->arena, (size_t)st->n + 1, sizeof(*st->parts));
    st->out = arena_calloc(&r->arena, (size_t)st->n + 1, sizeof(*st->out));
    st->want = arena_calloc(&r->arena, (size_t)st->n + 1, sizeof(*st->want));
    st->resp.ntopics = req.ntopics;
    st->resp.topics = arena_calloc(&r->arena, (size_t)req.ntopics + 1, sizeof(*st->resp.topics));
    int k = 0;
    for (int32_t i = 0; i < req.ntopics; i++) {
        kp_deleterecords_topic_t *t = &req.topics[i];
        kp_deleterecords_topic_resp_t *tr = &st->resp.topics[i];
        char *name = arena_strndup(&r->arena, t->name.p, (size_t)t->name.len);
        tr->name = t->name;
        tr->nparts = t->nparts;
        tr->parts = arena_calloc(&r->arena, (size_t)t->nparts + 1, sizeof(*tr->parts));
        for (int32_t j = 0; j < t->nparts; j++, k++)
            dr_part(st, k, name, &t->parts[j], &tr->parts[j]);
    }
    int64_t timeout = req.timeout_ms > 0 ? req.timeout_ms : 0;
    st->deadline_ms = ktime_mono_ms() + timeout;
    if (dr_check(st, timeout == 0)) {
        dr_respond(st);
        return;
    }
    req_defer(r);
    rmgr_wait(r->env->rmgr, st->parts, st->n, RMGR_EV_LOW, timeout, dr_woken, st);
}
