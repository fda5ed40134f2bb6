/* api_offsetcommit.c: OffsetCommit. Answered when the offset records are committed to
 * __consumer_offsets. */
#include <string.h>

#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "server.h"

/* The topics refused before the commit (answered with the committed ones). */
typedef struct oc_state {
    req_t *r;
    int32_t ndenied;
    kp_topic_errs_t *denied;
} oc_state_t;

static void api_offsetcommit_answer(void *arg, const kp_offsetcommit_resp_t *resp)
{
    oc_state_t *st = arg;
    req_t *r = st->r;
    kp_offsetcommit_resp_t all = *resp;
    authz_topic_errs_append(&r->arena, &all.topics, &all.ntopics, st->denied, st->ndenied);
    kp_offsetcommit_resp_encode(&r->resp, r->hdr.api_version, &all);
    req_done(r);
}

/* Read on the group (else every partition GROUP_AUTHORIZATION_FAILED) and on each topic (else
 * its partitions TOPIC_AUTHORIZATION_FAILED): refused topics leave the request. */
static void api_offsetcommit_authz(oc_state_t *st, kp_offsetcommit_req_t *req)
{
    req_t *r = st->r;
    bool group_ok = authz_authorize_k(r, ACL_OP_READ, ACL_RES_GROUP, req->group_id);
    st->denied = arena_calloc(&r->arena, (size_t)req->ntopics + 1, sizeof(kp_topic_errs_t));
    int32_t k = 0;
    for (int32_t i = 0; i < req->ntopics; i++) {
        kp_offsetcommit_topic_t *t = &req->topics[i];
        kerr_t err = !group_ok ? KERR_GROUP_AUTHORIZATION_FAILED
                     : authz_authorize_k(r, ACL_OP_READ, ACL_RES_TOPIC, t->name)
                         ? KERR_NONE
                         : KERR_TOPIC_AUTHORIZATION_FAILED;
        if (!err) {
            req->topics[k++] = *t;
            continue;
        }
        kp_part_err_t *pe =
            authz_topic_refused(&r->arena, &st->denied[st->ndenied++], t->name, t->nparts, err);
        for (int32_t j = 0; j < t->nparts; j++) pe[j].partition_index = t->parts[j].partition_index;
    }
    req->ntopics = k;
}

void api_offsetcommit(req_t *r, rbuf_t *rb)
{
    kp_offsetcommit_req_t *req = arena_alloc(&r->arena, sizeof(*req));
    if (kp_offsetcommit_req_decode(rb, r->hdr.api_version, &r->arena, req) != KERR_NONE) {
        req_fail(r, "malformed OffsetCommit request");
        return;
    }
    oc_state_t *st = arena_calloc(&r->arena, 1, sizeof(*st));
    st->r = r;
    if (r->srv->authz) api_offsetcommit_authz(st, req);
    req_defer(r);
    if (st->ndenied && !req->ntopics) {
        kp_offsetcommit_resp_t none = {0};
        api_offsetcommit_answer(st, &none);
        return;
    }
    grp_commit(r->srv->grp, r->hdr.api_version, req, &r->arena, api_offsetcommit_answer, st);
}
