/* api_offsetforleaderepoch.c: OffsetForLeaderEpoch v0-4. The leader answers, for the epoch
 * asked, the largest epoch it knows not above it and where that epoch ended in its log
 * (Kafka's LeaderEpochFileCache.endOffsetFor): followers truncate to it (KIP-101/279),
 * consumers validate their position after a leader change (KIP-320). */
#include <string.h>

#include "api.h"
#include "authz.h"
#include "mdcache.h"
#include "proto/kp_offsetforleaderepoch.h"
#include "replica/rmgr.h"
#include "api_env.h"
#include "store/plog.h"

static void api_ofle_part(api_env_t *env, const char *topic, const kp_ofle_part_t *p,
                          kp_ofle_part_resp_t *out)
{
    out->partition = p->partition;
    out->leader_epoch = -1;
    out->end_offset = -1;
    partition_t *part;
    out->error_code = api_leader_part(env, topic, p->partition, p->current_leader_epoch, &part);
    if (!part) return;
    int32_t found;
    out->end_offset = plog_epoch_end_offset(part->log, p->leader_epoch, &found);
    out->leader_epoch = found;
}

void api_offsetforleaderepoch(req_t *r, rbuf_t *rb)
{
    int16_t ver = r->hdr.api_version;
    kp_ofle_req_t req;
    if (kp_ofle_req_decode(rb, ver, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed OffsetForLeaderEpoch request");
        return;
    }
    kp_ofle_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.ntopics = req.ntopics;
    resp.topics = arena_calloc(&r->arena, (size_t)req.ntopics + 1, sizeof(*resp.topics));
    for (int32_t i = 0; i < req.ntopics; i++) {
        kp_ofle_topic_t *t = &req.topics[i];
        kp_ofle_topic_resp_t *tr = &resp.topics[i];
        tr->topic = t->topic;
        tr->nparts = t->nparts;
        tr->parts = arena_calloc(&r->arena, (size_t)t->nparts + 1, sizeof(*tr->parts));
        char *name =
            arena_strndup(&r->arena, t->topic.p, t->topic.len > 0 ? (size_t)t->topic.len : 0);
        bool allowed =
            req.replica_id >= 0 /* followers: ClusterAction; clients: Describe */
                ? authz_authorize(r, ACL_OP_CLUSTER_ACTION, ACL_RES_CLUSTER, ACL_CLUSTER_NAME)
                : authz_authorize(r, ACL_OP_DESCRIBE, ACL_RES_TOPIC, name);
        for (int32_t j = 0; j < t->nparts; j++)
            if (allowed)
                api_ofle_part(r->env, name, &t->parts[j], &tr->parts[j]);
            else
                tr->parts[j] = (kp_ofle_part_resp_t){.error_code = KERR_TOPIC_AUTHORIZATION_FAILED,
                                                     .partition = t->parts[j].partition,
                                                     .leader_epoch = -1,
                                                     .end_offset = -1};
    }
    kp_ofle_resp_encode(&r->resp, ver, &resp);
    req_done(r);
}
