/* api_offsetfetch.c: OffsetFetch: a group's committed offsets (-1 where none). */
#include "api.h"
#include "group/grp.h"
#include "server.h"

void api_offsetfetch(req_t *r, rbuf_t *rb)
{
    kp_offsetfetch_req_t req;
    if (kp_offsetfetch_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed OffsetFetch request");
        return;
    }
    kp_offsetfetch_resp_t resp = {0};
    grp_fetch(r->srv->grp, r->hdr.api_version, &req, &r->arena, &resp);
    kp_offsetfetch_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
