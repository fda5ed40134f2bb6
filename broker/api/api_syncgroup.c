/* api_syncgroup.c: SyncGroup. Followers wait for the leader's assignment; the leader's answer
 * comes once the group metadata record is committed. */
#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

static void api_syncgroup_answer(void *arg, const kp_syncgroup_resp_t *resp)
{
    req_t *r = arg;
    kp_syncgroup_resp_encode(&r->resp, r->hdr.api_version, resp);
    req_done(r);
}

void api_syncgroup(req_t *r, rbuf_t *rb)
{
    kp_syncgroup_req_t *req = arena_alloc(&r->arena, sizeof(*req));
    if (kp_syncgroup_req_decode(rb, r->hdr.api_version, &r->arena, req) != KERR_NONE) {
        req_fail(r, "malformed SyncGroup request");
        return;
    }
    if (!authz_authorize_k(r, ACL_OP_READ, ACL_RES_GROUP, req->group_id)) {
        kp_syncgroup_resp_t denied = {
            0, KERR_GROUP_AUTHORIZATION_FAILED, KSTR_NULL, KSTR_NULL, {(const uint8_t *)"", 0}};
        api_syncgroup_answer(r, &denied);
        return;
    }
    req_defer(r);
    grp_sync(r->env->grp, r->hdr.api_version, req, api_syncgroup_answer, r);
}
