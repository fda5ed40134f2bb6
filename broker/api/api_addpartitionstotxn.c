/* api_addpartitionstotxn.c: AddPartitionsToTxn v0-3. Without Write on the TransactionalId
 * every partition is TRANSACTIONAL_ID_AUTHORIZATION_FAILED. Topics refused Write (internal
 * topics always) and unknown topics or partitions fail the request before the coordinator sees
 * it (TOPIC_AUTHORIZATION_FAILED, UNKNOWN_TOPIC_OR_PARTITION for them, OPERATION_NOT_ATTEMPTED
 * for the rest, as Kafka); otherwise every partition gets the coordinator's answer, sent once
 * the Ongoing state is durable. */
#include <stdlib.h>

#include "api.h"
#include "authz.h"
#include "mdcache.h"
#include "api_env.h"
#include "txn/txn.h"

typedef struct api_addparts_ctx {
    req_t *r;
    kp_addparts_req_t req;
    bool *refused; /* per topic: Write refused */
} api_addparts_ctx_t;

/* Answer with one error for every partition, or per partition by refusal and existence
 * (err < 0). */
static void api_addparts_answer(api_addparts_ctx_t *ctx, kerr_t err)
{
    req_t *r = ctx->r;
    const kp_addparts_req_t *req = &ctx->req;
    kp_addparts_resp_t resp = {.ntopics = req->ntopics};
    resp.topics = arena_calloc(&r->arena, (size_t)req->ntopics + 1, sizeof(*resp.topics));
    for (int32_t i = 0; i < req->ntopics; i++) {
        kp_topic_errs_t *t = &resp.topics[i];
        t->name = req->topics[i].name;
        t->nparts = req->topics[i].nparts;
        t->parts = arena_calloc(&r->arena, (size_t)t->nparts + 1, sizeof(*t->parts));
        for (int32_t j = 0; j < t->nparts; j++) {
            t->parts[j].partition_index = req->topics[i].parts[j];
            kerr_t e = err;
            if (err < 0 && ctx->refused[i]) {
                e = KERR_TOPIC_AUTHORIZATION_FAILED;
            } else if (err < 0) {
                char *name = kstr_dup(t->name);
                bool known = name && mdcache_part(r->env->md, name, t->parts[j].partition_index);
                free(name);
                e = known ? KERR_OPERATION_NOT_ATTEMPTED : KERR_UNKNOWN_TOPIC_OR_PARTITION;
            }
            if (e == KERR_PRODUCER_FENCED && r->hdr.api_version < 2)
                e = KERR_INVALID_PRODUCER_EPOCH;
            t->parts[j].error_code = kerr_wire(e);
        }
    }
    kp_addparts_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}

static void api_addparts_done(void *arg, kerr_t err)
{
    api_addparts_ctx_t *ctx = arg;
    api_addparts_answer(ctx, err);
}

/* Do all the partitions exist? */
static bool api_addparts_known(api_env_t *env, const kp_addparts_req_t *req)
{
    for (int32_t i = 0; i < req->ntopics; i++) {
        char *name = kstr_dup(req->topics[i].name);
        if (!name) return false;
        for (int32_t j = 0; j < req->topics[i].nparts; j++)
            if (!mdcache_part(env->md, name, req->topics[i].parts[j])) {
                free(name);
                return false;
            }
        free(name);
    }
    return true;
}

void api_addpartitionstotxn(req_t *r, rbuf_t *rb)
{
    api_addparts_ctx_t *ctx = arena_alloc(&r->arena, sizeof(*ctx));
    ctx->r = r;
    if (kp_addparts_req_decode(rb, r->hdr.api_version, &r->arena, &ctx->req) != KERR_NONE) {
        req_fail(r, "malformed AddPartitionsToTxn request");
        return;
    }
    req_defer(r);
    kerr_t denied = authz_txn_id(r, ACL_OP_WRITE, ctx->req.transactional_id);
    if (denied) {
        api_addparts_answer(ctx, denied);
        return;
    }
    int32_t nrefused = authz_topics_refused(r, ACL_OP_WRITE, ctx->req.topics, ctx->req.ntopics,
                                            true, &ctx->refused);
    if (nrefused || !api_addparts_known(r->env, &ctx->req)) {
        api_addparts_answer(ctx, (kerr_t)-1);
        return;
    }
    txn_add_partitions(r->env->txn, &ctx->req, api_addparts_done, ctx);
}
