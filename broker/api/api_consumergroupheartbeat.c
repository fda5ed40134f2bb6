/* api_consumergroupheartbeat.c: ConsumerGroupHeartbeat (KIP-848): a consumer-protocol member
 * joins, heartbeats, acknowledges revocations and leaves; answered at once by grp_cons.c. */
#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

void api_consumergroupheartbeat(req_t *r, rbuf_t *rb)
{
    kp_cgh_req_t req;
    if (kp_cgh_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed ConsumerGroupHeartbeat request");
        return;
    }
    char host[128];
    api_client_host(r, host, sizeof(host));
    kp_cgh_resp_t resp = {.error_code = KERR_GROUP_AUTHORIZATION_FAILED,
                          .member_id = KSTR_NULL,
                          .error_message = KSTR_NULL,
                          .member_epoch = -1};
    if (authz_authorize_k(r, ACL_OP_READ, ACL_RES_GROUP, req.group_id))
        grp_cons_heartbeat(r->env->grp, r->hdr.api_version, &req, r->hdr.client_id, host, &r->arena,
                           &resp);
    kp_cgh_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
