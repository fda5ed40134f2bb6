/* api_offsetcommit.c: OffsetCommit. Answered when the offset records are committed to
 * __consumer_offsets. */
#include "api.h"
#include "group/grp.h"
#include "server.h"

static void api_offsetcommit_answer(void *arg, const kp_offsetcommit_resp_t *resp)
{
    req_t *r = arg;
    kp_offsetcommit_resp_encode(&r->resp, r->hdr.api_version, resp);
    req_done(r);
}

void api_offsetcommit(req_t *r, rbuf_t *rb)
{
    kp_offsetcommit_req_t *req = arena_alloc(&r->arena, sizeof(*req));
    if (kp_offsetcommit_req_decode(rb, r->hdr.api_version, &r->arena, req) != KERR_NONE) {
        req_fail(r, "malformed OffsetCommit request");
        return;
    }
    req_defer(r);
    grp_commit(r->srv->grp, r->hdr.api_version, req, &r->arena, api_offsetcommit_answer, r);
}
