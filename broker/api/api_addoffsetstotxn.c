/* api_addoffsetstotxn.c: AddOffsetsToTxn v0-3: the group's __consumer_offsets partition
 * joins the transaction (answered once that is durable). */
#include "api.h"
#include "authz.h"
#include "api_env.h"
#include "txn/txn.h"

static void api_addoffsets_done(void *arg, kerr_t err)
{
    req_t *r = arg;
    if (err == KERR_PRODUCER_FENCED && r->hdr.api_version < 2) err = KERR_INVALID_PRODUCER_EPOCH;
    kp_addoffsets_resp_encode(&r->resp, r->hdr.api_version, 0, kerr_wire(err));
    req_done(r);
}

void api_addoffsetstotxn(req_t *r, rbuf_t *rb)
{
    kp_addoffsets_req_t req;
    if (kp_addoffsets_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed AddOffsetsToTxn request");
        return;
    }
    req_defer(r);
    kerr_t denied = authz_txn_id(r, ACL_OP_WRITE, req.transactional_id);
    if (!denied && !authz_authorize_k(r, ACL_OP_READ, ACL_RES_GROUP, req.group_id))
        denied = KERR_GROUP_AUTHORIZATION_FAILED;
    if (denied) {
        api_addoffsets_done(r, denied);
        return;
    }
    txn_add_offsets(r->env->txn, &req, api_addoffsets_done, r);
}
