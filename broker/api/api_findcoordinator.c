/* api_findcoordinator.c: FindCoordinator. The coordinator of a group is the leader of its
 * __consumer_offsets partition, that of a transactional id the leader of its
 * __transaction_state partition (each topic created on first use). */
#include "api.h"
#include "group/grp.h"
#include "server.h"

void api_findcoordinator(req_t *r, rbuf_t *rb)
{
    kp_findcoordinator_req_t req;
    if (kp_findcoordinator_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed FindCoordinator request");
        return;
    }
    kp_findcoordinator_resp_t resp = {0};
    grp_find_coordinator(r->srv->grp, &req, conn_listener(r->c)->name, &r->arena, &resp);
    kp_findcoordinator_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
