/* api_offsetcommit.c: OffsetCommit. Answered when the offset records are committed to
 * __consumer_offsets. */
#include <string.h>

#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

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

void api_offsetcommit(req_t *r, rbuf_t *rb)
{
    kp_offsetcommit_req_t *req = arena_alloc(&r->arena, sizeof(*req));
    if (kp_offsetcommit_req_decode(rb, r->hdr.api_version, &r->arena, req) != KERR_NONE) {
        req_fail(r, "malformed OffsetCommit request");
        return;
    }
    oc_state_t *st = arena_calloc(&r->arena, 1, sizeof(*st));
    st->r = r;
    if (r->env->authz) authz_offsetcommit(r, req, KERR_NONE, &st->denied, &st->ndenied);
    req_defer(r);
    if (st->ndenied && !req->ntopics) {
        kp_offsetcommit_resp_t none = {0};
        api_offsetcommit_answer(st, &none);
        return;
    }
    grp_commit(r->env->grp, r->hdr.api_version, req, &r->arena, api_offsetcommit_answer, st);
}
