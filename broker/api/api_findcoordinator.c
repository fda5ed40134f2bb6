/* api_findcoordinator.c: FindCoordinator. The coordinator of a group is the leader of its
 * __consumer_offsets partition, that of a transactional id the leader of its
 * __transaction_state partition (each topic created on first use). */
#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

/* A key the principal may not describe: its group's or transactional id's authorization
 * error instead of a coordinator. */
static void api_findcoordinator_authz(req_t *r, int8_t type, kstr_t key,
                                      kp_findcoordinator_coord_t *c)
{
    bool txn = type == KP_COORD_TRANSACTION;
    if (authz_authorize_k(r, ACL_OP_DESCRIBE, txn ? ACL_RES_TXNID : ACL_RES_GROUP, key)) return;
    c->error_code =
        txn ? KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED : KERR_GROUP_AUTHORIZATION_FAILED;
    c->error_message = KSTR_NULL;
    c->node_id = -1;
    c->host = KSTR("");
    c->port = -1;
}

void api_findcoordinator(req_t *r, rbuf_t *rb)
{
    kp_findcoordinator_req_t req;
    if (kp_findcoordinator_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed FindCoordinator request");
        return;
    }
    kp_findcoordinator_resp_t resp = {0};
    grp_find_coordinator(r->env->grp, &req, conn_listener(r->c)->name, &r->arena, &resp);
    for (int32_t i = 0; i < resp.ncoords && i < req.nkeys; i++) /* Describe on the key */
        api_findcoordinator_authz(r, req.key_type, req.keys[i], &resp.coords[i]);
    kp_findcoordinator_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
