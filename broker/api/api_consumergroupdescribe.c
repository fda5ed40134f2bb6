/* api_consumergroupdescribe.c: ConsumerGroupDescribe (KIP-848): epochs, assignor and members
 * (with current and target assignments) of the consumer groups this broker coordinates. */
#include "api.h"
#include "group/grp.h"
#include "server.h"

void api_consumergroupdescribe(req_t *r, rbuf_t *rb)
{
    kp_cgd_req_t req;
    if (kp_cgd_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed ConsumerGroupDescribe request");
        return;
    }
    kp_cgd_resp_t resp = {0};
    grp_cons_describe(r->srv->grp, &req, &r->arena, &resp);
    kp_cgd_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
