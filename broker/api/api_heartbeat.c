/* api_heartbeat.c: Heartbeat: keeps a member's session alive and tells it to rejoin
 * (REBALANCE_IN_PROGRESS) when a rebalance started. */
#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

void api_heartbeat(req_t *r, rbuf_t *rb)
{
    kp_heartbeat_req_t req;
    if (kp_heartbeat_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed Heartbeat request");
        return;
    }
    kp_heartbeat_resp_t resp = {0, authz_authorize_k(r, ACL_OP_READ, ACL_RES_GROUP, req.group_id)
                                       ? grp_heartbeat(r->env->grp, &req)
                                       : KERR_GROUP_AUTHORIZATION_FAILED};
    kp_heartbeat_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
