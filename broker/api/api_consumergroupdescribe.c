/* api_consumergroupdescribe.c: ConsumerGroupDescribe (KIP-848): epochs, assignor and members
 * (with current and target assignments) of the consumer groups this broker coordinates. */
#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

void api_consumergroupdescribe(req_t *r, rbuf_t *rb)
{
    kp_cgd_req_t req;
    if (kp_cgd_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed ConsumerGroupDescribe request");
        return;
    }
    kp_cgd_resp_t resp = {0};
    grp_cons_describe(r->env->grp, &req, &r->arena, &resp);
    for (int32_t i = 0; i < resp.ngroups; i++) { /* Describe on each group */
        kp_cgd_group_t *g = &resp.groups[i];
        if (!authz_authorize_k(r, ACL_OP_DESCRIBE, ACL_RES_GROUP, g->group_id))
            *g = (kp_cgd_group_t){KERR_GROUP_AUTHORIZATION_FAILED,
                                  KSTR_NULL,
                                  g->group_id,
                                  KSTR(""),
                                  -1,
                                  -1,
                                  KSTR(""),
                                  0,
                                  NULL,
                                  g->authorized_operations};
    }
    kp_cgd_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
