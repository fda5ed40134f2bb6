/* api_joingroup.c: JoinGroup. The answer waits for the rebalance (the connection stays muted
 * meanwhile, so responses keep their order). */
#include <string.h>

#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

static void api_joingroup_answer(void *arg, const kp_joingroup_resp_t *resp)
{
    req_t *r = arg;
    kp_joingroup_resp_encode(&r->resp, r->hdr.api_version, resp);
    req_done(r);
}

void api_joingroup(req_t *r, rbuf_t *rb)
{
    kp_joingroup_req_t *req = arena_alloc(&r->arena, sizeof(*req));
    if (kp_joingroup_req_decode(rb, r->hdr.api_version, &r->arena, req) != KERR_NONE) {
        req_fail(r, "malformed JoinGroup request");
        return;
    }
    if (!authz_authorize_k(r, ACL_OP_READ, ACL_RES_GROUP, req->group_id)) {
        kp_joingroup_resp_t denied = {
            0,   KERR_GROUP_AUTHORIZATION_FAILED, -1, KSTR_NULL, KSTR_NULL, KSTR(""), KSTR(""), 0,
            NULL};
        api_joingroup_answer(r, &denied);
        return;
    }
    char host[64];
    api_client_host(r, host, sizeof(host));
    req_defer(r);
    grp_join(r->env->grp, r->hdr.api_version, req, r->hdr.client_id, host, api_joingroup_answer, r);
}
