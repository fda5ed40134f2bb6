/* api_describeproducers.c: DescribeProducers v0 (KIP-664): the producers each partition's
 * leader knows (its producer state, pidstate.h), with the first offset of any ongoing
 * transaction. NOT_LEADER_OR_FOLLOWER on a replica that does not lead, as Kafka. */
#include <stdlib.h>

#include "api.h"
#include "authz.h"
#include "mdcache.h"
#include "proto/kp_describeproducers.h"
#include "replica/rmgr.h"
#include "api_env.h"
#include "store/pidstate.h"

typedef struct api_dprod_ctx {
    arena_t *a;
    kp_dprod_part_t *part;
    int32_t cap;
} api_dprod_ctx_t;

static void api_dprod_visit(void *arg, const pidmap_view_t *v)
{
    api_dprod_ctx_t *ctx = arg;
    kp_dprod_part_t *p = ctx->part;
    if (p->nproducers == ctx->cap) {
        int32_t cap = ctx->cap ? ctx->cap * 2 : 8;
        kp_dprod_producer_t *n = arena_calloc(ctx->a, (size_t)cap, sizeof(*n));
        for (int32_t i = 0; i < p->nproducers; i++) n[i] = p->producers[i];
        p->producers = n;
        ctx->cap = cap;
    }
    p->producers[p->nproducers++] = (kp_dprod_producer_t){
        .producer_id = v->pid,
        .producer_epoch = v->epoch,
        .last_sequence = v->last_sequence,
        .last_timestamp = v->last_timestamp,
        .coordinator_epoch = v->coord_epoch,
        .current_txn_start_offset = v->txn_first,
    };
}

static void api_dprod_part(req_t *r, kstr_t topic, int32_t index, kp_dprod_part_t *out)
{
    out->partition_index = index;
    out->error_message = KSTR_NULL;
    if (!authz_authorize_k(r, ACL_OP_READ, ACL_RES_TOPIC, topic)) {
        out->error_code = KERR_TOPIC_AUTHORIZATION_FAILED;
        return;
    }
    char *name = kstr_dup(topic);
    if (!name) abort();
    partition_t *part = rmgr_get(r->env->rmgr, name, index);
    if (!part) {
        out->error_code = mdcache_part(r->env->md, name, index) ? KERR_NOT_LEADER_OR_FOLLOWER
                                                                : KERR_UNKNOWN_TOPIC_OR_PARTITION;
    } else if (!part->is_leader) {
        out->error_code = KERR_NOT_LEADER_OR_FOLLOWER;
    } else {
        api_dprod_ctx_t ctx = {.a = &r->arena, .part = out};
        pidmap_foreach(part->pids, api_dprod_visit, &ctx);
    }
    free(name);
}

void api_describeproducers(req_t *r, rbuf_t *rb)
{
    kp_dprod_req_t req;
    if (kp_dprod_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed DescribeProducers request");
        return;
    }
    kp_dprod_resp_t resp = {.ntopics = req.ntopics};
    resp.topics = arena_calloc(&r->arena, (size_t)req.ntopics + 1, sizeof(*resp.topics));
    for (int32_t i = 0; i < req.ntopics; i++) {
        kp_dprod_topic_t *t = &resp.topics[i];
        t->name = req.topics[i].name;
        t->nparts = req.topics[i].nparts;
        t->parts = arena_calloc(&r->arena, (size_t)t->nparts + 1, sizeof(*t->parts));
        for (int32_t j = 0; j < t->nparts; j++)
            api_dprod_part(r, t->name, req.topics[i].parts[j], &t->parts[j]);
    }
    kp_dprod_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
