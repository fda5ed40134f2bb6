/* api_endtxn.c: EndTxn v0-3: answered once PrepareCommit/PrepareAbort is durable; the
 * coordinator then writes the markers and the Complete* state. */
#include "api.h"
#include "authz.h"
#include "api_env.h"
#include "txn/txn.h"

static void api_endtxn_done(void *arg, kerr_t err)
{
    req_t *r = arg;
    if (err == KERR_PRODUCER_FENCED && r->hdr.api_version < 2) err = KERR_INVALID_PRODUCER_EPOCH;
    kp_endtxn_resp_encode(&r->resp, r->hdr.api_version, 0, kerr_wire(err));
    req_done(r);
}

void api_endtxn(req_t *r, rbuf_t *rb)
{
    kp_endtxn_req_t req;
    if (kp_endtxn_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed EndTxn request");
        return;
    }
    req_defer(r);
    kerr_t denied = authz_txn_id(r, ACL_OP_WRITE, req.transactional_id);
    if (denied) {
        api_endtxn_done(r, denied);
        return;
    }
    txn_end(r->env->txn, &req, api_endtxn_done, r);
}
