/* api_deletegroups.c: DeleteGroups: empty groups only; answered once the tombstones for
 * their offsets and metadata are committed. */
#include <string.h>

#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

/* The groups refused Delete before the deletion (answered with the others). */
typedef struct dg_state {
    req_t *r;
    int32_t ndenied;
    kp_deletegroups_result_t *denied;
} dg_state_t;

static void api_deletegroups_answer(void *arg, const kp_deletegroups_resp_t *resp)
{
    dg_state_t *st = arg;
    req_t *r = st->r;
    kp_deletegroups_resp_t all = *resp;
    if (st->ndenied) {
        all.results =
            arena_calloc(&r->arena, (size_t)(resp->nresults + st->ndenied), sizeof(*all.results));
        if (resp->nresults)
            memcpy(all.results, resp->results, (size_t)resp->nresults * sizeof(*all.results));
        memcpy(all.results + resp->nresults, st->denied, (size_t)st->ndenied * sizeof(*st->denied));
        all.nresults += st->ndenied;
    }
    kp_deletegroups_resp_encode(&r->resp, r->hdr.api_version, &all);
    req_done(r);
}

static void api_deletegroups_authz(dg_state_t *st, kp_deletegroups_req_t *req)
{
    req_t *r = st->r;
    st->denied = arena_calloc(&r->arena, (size_t)req->ngroups + 1, sizeof(*st->denied));
    int32_t k = 0;
    for (int32_t i = 0; i < req->ngroups; i++) {
        if (authz_authorize_k(r, ACL_OP_DELETE, ACL_RES_GROUP, req->groups_names[i]))
            req->groups_names[k++] = req->groups_names[i];
        else
            st->denied[st->ndenied++] =
                (kp_deletegroups_result_t){req->groups_names[i], KERR_GROUP_AUTHORIZATION_FAILED};
    }
    req->ngroups = k;
}

void api_deletegroups(req_t *r, rbuf_t *rb)
{
    kp_deletegroups_req_t *req = arena_alloc(&r->arena, sizeof(*req));
    if (kp_deletegroups_req_decode(rb, r->hdr.api_version, &r->arena, req) != KERR_NONE) {
        req_fail(r, "malformed DeleteGroups request");
        return;
    }
    dg_state_t *st = arena_calloc(&r->arena, 1, sizeof(*st));
    st->r = r;
    if (r->env->authz) api_deletegroups_authz(st, req);
    req_defer(r);
    if (st->ndenied && !req->ngroups) {
        kp_deletegroups_resp_t none = {0};
        api_deletegroups_answer(st, &none);
        return;
    }
    grp_delete_groups(r->env->grp, req, &r->arena, api_deletegroups_answer, st);
}
