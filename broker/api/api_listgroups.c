/* api_listgroups.c: ListGroups: the groups this broker coordinates (v4: by state). */
#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

void api_listgroups(req_t *r, rbuf_t *rb)
{
    kp_listgroups_req_t req;
    if (kp_listgroups_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed ListGroups request");
        return;
    }
    kp_listgroups_resp_t resp = {0};
    grp_list(r->env->grp, &req, &r->arena, &resp);
    /* Describe on the cluster lists every group; else only the groups it may describe */
    if (!authz_authorize(r, ACL_OP_DESCRIBE, ACL_RES_CLUSTER, ACL_CLUSTER_NAME)) {
        int32_t k = 0;
        for (int32_t i = 0; i < resp.ngroups; i++)
            if (authz_authorize_k(r, ACL_OP_DESCRIBE, ACL_RES_GROUP, resp.groups[i].group_id))
                resp.groups[k++] = resp.groups[i];
        resp.ngroups = k;
    }
    kp_listgroups_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
