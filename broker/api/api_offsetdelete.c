/* api_offsetdelete.c: OffsetDelete: drop committed offsets of partitions the group does not
 * consume; answered once the tombstones are committed. */
#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "server.h"

static void api_offsetdelete_answer(void *arg, const kp_offsetdelete_resp_t *resp)
{
    req_t *r = arg;
    kp_offsetdelete_resp_encode(&r->resp, r->hdr.api_version, resp);
    req_done(r);
}

void api_offsetdelete(req_t *r, rbuf_t *rb)
{
    kp_offsetdelete_req_t *req = arena_alloc(&r->arena, sizeof(*req));
    if (kp_offsetdelete_req_decode(rb, r->hdr.api_version, &r->arena, req) != KERR_NONE) {
        req_fail(r, "malformed OffsetDelete request");
        return;
    }
    if (!authz_authorize_k(r, ACL_OP_DELETE, ACL_RES_GROUP, req->group_id)) {
        kp_offsetdelete_resp_t denied = {.error_code = KERR_GROUP_AUTHORIZATION_FAILED};
        api_offsetdelete_answer(r, &denied);
        return;
    }
    req_defer(r);
    grp_offset_delete(r->srv->grp, req, &r->arena, api_offsetdelete_answer, r);
}
