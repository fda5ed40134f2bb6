/* api_deletegroups.c: DeleteGroups: empty groups only; answered once the tombstones for
 * their offsets and metadata are committed. */
#include "api.h"
#include "group/grp.h"
#include "server.h"

static void api_deletegroups_answer(void *arg, const kp_deletegroups_resp_t *resp)
{
    req_t *r = arg;
    kp_deletegroups_resp_encode(&r->resp, r->hdr.api_version, resp);
    req_done(r);
}

void api_deletegroups(req_t *r, rbuf_t *rb)
{
    kp_deletegroups_req_t *req = arena_alloc(&r->arena, sizeof(*req));
    if (kp_deletegroups_req_decode(rb, r->hdr.api_version, &r->arena, req) != KERR_NONE) {
        req_fail(r, "malformed DeleteGroups request");
        return;
    }
    req_defer(r);
    grp_delete_groups(r->srv->grp, req, &r->arena, api_deletegroups_answer, r);
}
