/* api_writetxnmarkers.c: WriteTxnMarkers (key 27), sent by transaction coordinators to
 * partition leaders. For each marker and each partition it names, the leader checks the
 * producer's epoch (INVALID_PRODUCER_EPOCH when older than the one the partition knows) and
 * the coordinator epoch (TRANSACTION_COORDINATOR_FENCED), appends a COMMIT or ABORT control
 * batch (txnmark.h) and answers once the ISR has it, as Kafka's acks=all append: the
 * producer state then ends the transaction (pidstate.h) and an ABORT goes into the aborted
 * transaction index. On a __consumer_offsets partition the group coordinator is told too, so
 * pending transactional offset commits become visible or are dropped (grp_txn_marker).
 * Only CLUSTER_ACTION callers may send it (else every partition CLUSTER_AUTHORIZATION_FAILED,
 * as Kafka); without an authorizer it is served. */
#include <string.h>

#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "ktime.h"
#include "log.h"
#include "mdcache.h"
#include "proto/kp_writetxnmarkers.h"
#include "rec/txnmark.h"
#include "replica/rmgr.h"
#include "api_env.h"
#include "store/lmgr.h"
#include "store/pidstate.h"

typedef struct wtm_state {
    req_t *r;
    kp_wtm_resp_t resp;
    int pending; /* appends not yet committed */
    bool armed;  /* every append was started: the last completion answers */
} wtm_state_t;

/* One partition's append in flight. */
typedef struct wtm_part {
    wtm_state_t *st;
    kp_wtm_part_resp_t *out;
    const kp_wtm_marker_t *m;
    char *topic;
    int32_t partition;
    wbuf_t wb;
} wtm_part_t;

static void wtm_respond(wtm_state_t *st)
{
    kp_wtm_resp_encode(&st->r->resp, st->r->hdr.api_version, &st->resp);
    req_done(st->r);
}

static void wtm_done(void *arg, kerr_t err, const plog_append_info_t *info)
{
    (void)info;
    wtm_part_t *wp = arg;
    wtm_state_t *st = wp->st;
    wp->out->error_code = (int16_t)err;
    if (!err)
        grp_txn_marker(st->r->env->grp, wp->topic, wp->partition, wp->m->producer_id,
                       wp->m->commit);
    wbuf_free(&wp->wb);
    if (--st->pending == 0 && st->armed) wtm_respond(st);
}

/* Start the marker m on topic-partition; errors found before the append go in out. */
static void wtm_part(wtm_state_t *st, const kp_wtm_marker_t *m, char *topic, int32_t partition,
                     kp_wtm_part_resp_t *out)
{
    api_env_t *env = st->r->env;
    out->index = partition;
    partition_t *part = rmgr_get(env->rmgr, topic, partition);
    if (!part && lmgr_log_offline(env->lmgr, topic, partition)) {
        out->error_code = KERR_KAFKA_STORAGE_ERROR;
        return;
    }
    if (!part || !part->is_leader) {
        out->error_code = mdcache_part(env->md, topic, partition) ? KERR_NOT_LEADER_OR_FOLLOWER
                                                                  : KERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    kerr_t err =
        pidmap_check_marker(part->pids, m->producer_id, m->producer_epoch, m->coordinator_epoch);
    if (err) {
        out->error_code = (int16_t)err;
        return;
    }
    wtm_part_t *wp = arena_calloc(&st->r->arena, 1, sizeof(*wp));
    wp->st = st;
    wp->out = out;
    wp->m = m;
    wp->topic = topic;
    wp->partition = partition;
    wbuf_init(&wp->wb);
    txnmark_build(&wp->wb, m->producer_id, m->producer_epoch, m->commit, m->coordinator_epoch,
                  ktime_wall_ms());
    st->pending++;
    rmgr_append_committed(env->rmgr, part, wp->wb.p, wp->wb.len,
                          cfg_int(env->cfg, "request.timeout.ms"), wtm_done, wp);
}

void api_writetxnmarkers(req_t *r, rbuf_t *rb)
{
    kp_wtm_req_t req;
    if (kp_wtm_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed WriteTxnMarkers request");
        return;
    }
    wtm_state_t *st = arena_calloc(&r->arena, 1, sizeof(*st));
    st->r = r;
    st->resp.nmarkers = req.nmarkers;
    st->resp.markers = arena_calloc(&r->arena, (size_t)req.nmarkers + 1, sizeof(*st->resp.markers));
    kerr_t denied = authz_cluster(r, ACL_OP_CLUSTER_ACTION);
    req_defer(r);
    st->pending++; /* held while starting, so no completion answers early */
    for (int32_t i = 0; i < req.nmarkers; i++) {
        const kp_wtm_marker_t *m = &req.markers[i];
        kp_wtm_marker_resp_t *mr = &st->resp.markers[i];
        mr->producer_id = m->producer_id;
        mr->ntopics = m->ntopics;
        mr->topics = arena_calloc(&r->arena, (size_t)m->ntopics + 1, sizeof(*mr->topics));
        for (int32_t j = 0; j < m->ntopics; j++) {
            const kp_wtm_topic_t *t = &m->topics[j];
            kp_wtm_topic_resp_t *tr = &mr->topics[j];
            char *topic = arena_strndup(&r->arena, t->name.p, (size_t)t->name.len);
            tr->name = t->name;
            tr->nparts = t->nparts;
            tr->parts = arena_calloc(&r->arena, (size_t)t->nparts + 1, sizeof(*tr->parts));
            for (int32_t k = 0; k < t->nparts; k++)
                if (denied)
                    tr->parts[k] = (kp_wtm_part_resp_t){t->parts[k], (int16_t)denied};
                else
                    wtm_part(st, m, topic, t->parts[k], &tr->parts[k]);
        }
    }
    st->armed = true;
    if (--st->pending == 0) wtm_respond(st);
}
