/* api_leavegroup.c: LeaveGroup: one member (v0-2, its error at the top level) or a batch of
 * members with an error each (v3+). */
#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

void api_leavegroup(req_t *r, rbuf_t *rb)
{
    kp_leavegroup_req_t req;
    if (kp_leavegroup_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed LeaveGroup request");
        return;
    }
    kp_leavegroup_resp_t resp = {0};
    if (authz_authorize_k(r, ACL_OP_READ, ACL_RES_GROUP, req.group_id))
        grp_leave(r->env->grp, &req, &r->arena, &resp);
    else
        resp.error_code = KERR_GROUP_AUTHORIZATION_FAILED;
    if (r->hdr.api_version < 3 && !resp.error_code && resp.nmembers > 0)
        resp.error_code = resp.members[0].error_code;
    kp_leavegroup_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
