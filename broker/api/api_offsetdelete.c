/* api_offsetdelete.c: OffsetDelete: drop committed offsets of partitions the group does not
 * consume; answered once the tombstones are committed. */
#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

/* The topics refused Read before the deletion (answered with the others). */
typedef struct od_state {
    req_t *r;
    int32_t ndenied;
    kp_topic_errs_t *denied;
} od_state_t;

static void api_offsetdelete_answer(void *arg, const kp_offsetdelete_resp_t *resp)
{
    od_state_t *st = arg;
    kp_offsetdelete_resp_t all = *resp;
    if (!all.error_code)
        authz_topic_errs_append(&st->r->arena, &all.topics, &all.ntopics, st->denied, st->ndenied);
    kp_offsetdelete_resp_encode(&st->r->resp, st->r->hdr.api_version, &all);
    req_done(st->r);
}

/* Read on each topic (KafkaApis.handleDeleteOffsetsRequest): refused topics leave the request
 * and answer TOPIC_AUTHORIZATION_FAILED on each partition. */
static void api_offsetdelete_authz(od_state_t *st, kp_offsetdelete_req_t *req)
{
    req_t *r = st->r;
    st->denied = arena_calloc(&r->arena, (size_t)req->ntopics + 1, sizeof(kp_topic_errs_t));
    int32_t k = 0;
    for (int32_t i = 0; i < req->ntopics; i++) {
        kp_topic_parts_t *t = &req->topics[i];
        if (authz_authorize_k(r, ACL_OP_READ, ACL_RES_TOPIC, t->name)) {
            req->topics[k++] = *t;
            continue;
        }
        kp_part_err_t *pe = authz_topic_refused(&r->arena, &st->denied[st->ndenied++], t->name,
                                                t->nparts, KERR_TOPIC_AUTHORIZATION_FAILED);
        for (int32_t j = 0; j < t->nparts; j++) pe[j].partition_index = t->parts[j];
    }
    req->ntopics = k;
}

void api_offsetdelete(req_t *r, rbuf_t *rb)
{
    kp_offsetdelete_req_t *req = arena_alloc(&r->arena, sizeof(*req));
    if (kp_offsetdelete_req_decode(rb, r->hdr.api_version, &r->arena, req) != KERR_NONE) {
        req_fail(r, "malformed OffsetDelete request");
        return;
    }
    od_state_t *st = arena_calloc(&r->arena, 1, sizeof(*st));
    st->r = r;
    if (!authz_authorize_k(r, ACL_OP_DELETE, ACL_RES_GROUP, req->group_id)) {
        kp_offsetdelete_resp_t denied = {.error_code = KERR_GROUP_AUTHORIZATION_FAILED};
        api_offsetdelete_answer(st, &denied);
        return;
    }
    if (r->env->authz) api_offsetdelete_authz(st, req);
    req_defer(r); /* the coordinator answers for the group even when no topic is left */
    grp_offset_delete(r->env->grp, req, &r->arena, api_offsetdelete_answer, st);
}
