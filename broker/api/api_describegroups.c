/* api_describegroups.c: DescribeGroups: state, protocol and members (with metadata and
 * assignment once Stable) of groups this broker coordinates. */
#include "api.h"
#include "group/grp.h"
#include "server.h"

void api_describegroups(req_t *r, rbuf_t *rb)
{
    kp_describegroups_req_t req;
    if (kp_describegroups_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed DescribeGroups request");
        return;
    }
    kp_describegroups_resp_t resp = {0};
    grp_describe(r->srv->grp, &req, &r->arena, &resp);
    kp_describegroups_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
