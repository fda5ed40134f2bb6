/* api_offsetfetch.c: OffsetFetch: a group's committed offsets (-1 where none). */
#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

/* Describe on the group (else GROUP_AUTHORIZATION_FAILED: at the top from v2, on every
 * partition before) and on each topic (else TOPIC_AUTHORIZATION_FAILED, no offset). */
static void api_offsetfetch_authz(req_t *r, kstr_t group, kp_offsetfetch_resp_t *resp)
{
    bool group_ok = authz_authorize_k(r, ACL_OP_DESCRIBE, ACL_RES_GROUP, group);
    if (!group_ok && r->hdr.api_version >= 2) {
        resp->error_code = KERR_GROUP_AUTHORIZATION_FAILED;
        resp->ntopics = 0;
        return;
    }
    for (int32_t i = 0; i < resp->ntopics; i++) {
        kp_offsetfetch_topic_t *t = &resp->topics[i];
        kerr_t err = !group_ok ? KERR_GROUP_AUTHORIZATION_FAILED
                     : authz_authorize_k(r, ACL_OP_DESCRIBE, ACL_RES_TOPIC, t->name)
                         ? KERR_NONE
                         : KERR_TOPIC_AUTHORIZATION_FAILED;
        for (int32_t j = 0; j < t->nparts && err; j++)
            t->parts[j] = (kp_offsetfetch_part_t){t->parts[j].partition_index, -1, -1, KSTR_NULL,
                                                  (int16_t)err};
    }
}

void api_offsetfetch(req_t *r, rbuf_t *rb)
{
    kp_offsetfetch_req_t req;
    if (kp_offsetfetch_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed OffsetFetch request");
        return;
    }
    kp_offsetfetch_resp_t resp = {0};
    grp_fetch(r->env->grp, r->hdr.api_version, &req, &r->arena, &resp);
    api_offsetfetch_authz(r, req.group_id, &resp);
    kp_offsetfetch_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
