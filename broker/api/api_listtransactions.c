/* api_listtransactions.c: ListTransactions v0-1 (KIP-664, KIP-994's duration filter): the
 * transactions this broker coordinates, filtered by state name, producer id and (v1) how long
 * they have run. State names Kafka does not define come back in unknown_state_filters. */
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ktime.h"
#include "proto/kp_listtransactions.h"
#include "api_env.h"
#include "txn/txn.h"

static const char *const api_ltxn_states[] = {
    "Empty",          "Ongoing",       "PrepareCommit", "PrepareAbort",
    "CompleteCommit", "CompleteAbort", "Dead",          "PrepareEpochFence",
};

typedef struct api_ltxn_ctx {
    req_t *r;
    const kp_ltxn_req_t *req;
    kp_ltxn_resp_t *resp;
    int32_t cap;
    int64_t now;
} api_ltxn_ctx_t;

static bool api_ltxn_match(const api_ltxn_ctx_t *ctx, const txn_view_t *v)
{
    const kp_ltxn_req_t *q = ctx->req;
    bool ok = q->nstates == 0;
    for (int32_t i = 0; i < q->nstates && !ok; i++) ok = kstr_eq(q->state_filters[i], v->state);
    if (!ok) return false;
    ok = q->npids == 0;
    for (int32_t i = 0; i < q->npids && !ok; i++) ok = q->producer_id_filters[i] == v->producer_id;
    if (!ok) return false;
    return q->duration_filter < 0 ||
           (v->start_ms >= 0 && ctx->now - v->start_ms >= q->duration_filter);
}

static void api_ltxn_visit(void *arg, const txn_view_t *v)
{
    api_ltxn_ctx_t *ctx = arg;
    if (!api_ltxn_match(ctx, v)) return;
    /* only the ids the principal may describe (KafkaApis.handleListTransactionsRequest) */
    if (!authz_authorize(ctx->r, ACL_OP_DESCRIBE, ACL_RES_TXNID, v->transactional_id)) return;
    kp_ltxn_resp_t *resp = ctx->resp;
    if (resp->ntxns == ctx->cap) {
        int32_t cap = ctx->cap ? ctx->cap * 2 : 16;
        kp_ltxn_txn_t *n = arena_calloc(&ctx->r->arena, (size_t)cap, sizeof(*n));
        if (resp->ntxns) memcpy(n, resp->txns, (size_t)resp->ntxns * sizeof(*n));
        resp->txns = n;
        ctx->cap = cap;
    }
    kp_ltxn_txn_t *t = &resp->txns[resp->ntxns++];
    /* the view's strings die after the visit: copy into the request's arena */
    size_t n = strlen(v->transactional_id);
    char *id = arena_alloc(&ctx->r->arena, n + 1);
    memcpy(id, v->transactional_id, n + 1);
    t->transactional_id = KSTR(id);
    t->producer_id = v->producer_id;
    t->transaction_state = KSTR(v->state); /* a static name */
}

void api_listtransactions(req_t *r, rbuf_t *rb)
{
    kp_ltxn_req_t req;
    if (kp_ltxn_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed ListTransactions request");
        return;
    }
    kp_ltxn_resp_t resp = {0};
    resp.unknown_state_filters = arena_calloc(&r->arena, (size_t)req.nstates + 1, sizeof(kstr_t));
    for (int32_t i = 0; i < req.nstates; i++) {
        bool known = false;
        for (size_t k = 0; k < sizeof(api_ltxn_states) / sizeof(api_ltxn_states[0]); k++)
            known = known || kstr_eq(req.state_filters[i], api_ltxn_states[k]);
        if (!known) resp.unknown_state_filters[resp.nunknown++] = req.state_filters[i];
    }
    api_ltxn_ctx_t ctx = {.r = r, .req = &req, .resp = &resp, .now = ktime_wall_ms()};
    resp.error_code = kerr_wire(txn_list(r->env->txn, api_ltxn_visit, &ctx));
    kp_ltxn_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
