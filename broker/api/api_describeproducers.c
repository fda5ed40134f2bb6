/* api_describeproducers.c: DescribeProducers (key 61, KIP-664): the producers a partition's
 * leader knows from its producer state (pidstate.h), with each one's open transaction's first
 * offset, for kafka-transactions describe-producers / find-hanging. A partition this broker
 * does not lead answers NOT_LEADER_OR_FOLLOWER, an unknown one UNKNOWN_TOPIC_OR_PARTITION. */
#include "api.h"
#include "mdcache.h"
#include "proto/kp_describeproducers.h"
#include "replica/rmgr.h"
#include "server.h"
#include "store/lmgr.h"
#include "store/pidstate.h"

static void dp_part(req_t *r, const char *topic, int32_t index, kp_dp_part_resp_t *out)
{
    server_t *srv = r->srv;
    out->index = index;
    out->error_message = KSTR_NULL;
    partition_t *part = rmgr_get(srv->rmgr, topic, index);
    if (!part && lmgr_log_offline(srv->lmgr, topic, index)) {
        out->error_code = KERR_KAFKA_STORAGE_ERROR;
        return;
    }
    if (!part || !part->is_leader) {
        out->error_code = mdcache_part(srv->md, topic, index) ? KERR_NOT_LEADER_OR_FOLLOWER
                                                              : KERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    size_t n = pidmap_producers(part->pids, NULL, 0);
    pidmap_producer_t *ps = arena_alloc(&r->arena, (n + 1) * sizeof(*ps));
    n = pidmap_producers(part->pids, ps, n);
    out->producers = arena_calloc(&r->arena, n + 1, sizeof(*out->producers));
    out->nproducers = (int32_t)n;
    for (size_t i = 0; i < n; i++)
        out->producers[i] = (kp_dp_producer_t){ps[i].producer_id,       ps[i].epoch,
                                               ps[i].last_sequence,     ps[i].last_timestamp,
                                               ps[i].coordinator_epoch, ps[i].txn_first_offset};
}

void api_describeproducers(req_t *r, rbuf_t *rb)
{
    kp_dp_req_t req;
    if (kp_dp_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed DescribeProducers request");
        return;
    }
    kp_dp_resp_t resp = {.ntopics = req.ntopics};
    resp.topics = arena_calloc(&r->arena, (size_t)req.ntopics + 1, sizeof(*resp.topics));
    for (int32_t i = 0; i < req.ntopics; i++) {
        const kp_dp_topic_t *t = &req.topics[i];
        kp_dp_topic_resp_t *tr = &resp.topics[i];
        char *topic = arena_strndup(&r->arena, t->name.p, (size_t)t->name.len);
        tr->name = t->name;
        tr->nparts = t->nparts;
        tr->parts = arena_calloc(&r->arena, (size_t)t->nparts + 1, sizeof(*tr->parts));
        for (int32_t j = 0; j < t->nparts; j++) dp_part(r, topic, t->parts[j], &tr->parts[j]);
    }
    kp_dp_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
