/* api_describegroups.c: DescribeGroups: state, protocol and members (with metadata and
 * assignment once Stable) of groups this broker coordinates. */
#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

void api_describegroups(req_t *r, rbuf_t *rb)
{
    kp_describegroups_req_t req;
    if (kp_describegroups_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed DescribeGroups request");
        return;
    }
    kp_describegroups_resp_t resp = {0};
    grp_describe(r->env->grp, &req, &r->arena, &resp);
    for (int32_t i = 0; i < resp.ngroups; i++) { /* Describe on each group */
        kp_describegroups_group_t *g = &resp.groups[i];
        if (authz_authorize_k(r, ACL_OP_DESCRIBE, ACL_RES_GROUP, g->group_id)) continue;
        *g = (kp_describegroups_group_t){
            KERR_GROUP_AUTHORIZATION_FAILED, g->group_id, KSTR(""), KSTR(""), KSTR(""), 0, NULL,
            g->authorized_operations};
    }
    kp_describegroups_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
