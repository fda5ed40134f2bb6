/* api_txnoffsetcommit.c: TxnOffsetCommit (key 28), a transactional producer's offset commit
 * for a consumer group (sendOffsetsToTransaction): answered when the offset records are
 * committed to __consumer_offsets as the producer's transactional batch; they become the
 * group's offsets with the producer's COMMIT marker (grp_txn.c). */
#include "api.h"
#include "authz.h"
#include "group/grp.h"
#include "api_env.h"

/* The topics refused before the commit (answered with the committed ones). */
typedef struct toc_state {
    req_t *r;
    int32_t ndenied;
    kp_topic_errs_t *denied;
} toc_state_t;

static void api_txnoffsetcommit_answer(void *arg, const kp_offsetcommit_resp_t *resp)
{
    toc_state_t *st = arg;
    kp_offsetcommit_resp_t all = *resp;
    authz_topic_errs_append(&st->r->arena, &all.topics, &all.ntopics, st->denied, st->ndenied);
    kp_txnoffsetcommit_resp_encode(&st->r->resp, st->r->hdr.api_version, &all);
    req_done(st->r);
}

void api_txnoffsetcommit(req_t *r, rbuf_t *rb)
{
    kp_txnoffsetcommit_req_t *req = arena_alloc(&r->arena, sizeof(*req));
    if (kp_txnoffsetcommit_req_decode(rb, r->hdr.api_version, &r->arena, req) != KERR_NONE) {
        req_fail(r, "malformed TxnOffsetCommit request");
        return;
    }
    toc_state_t *st = arena_calloc(&r->arena, 1, sizeof(*st));
    st->r = r;
    /* Write on the TransactionalId, Read on the group and topics (KafkaApis) */
    if (r->env->authz)
        authz_offsetcommit(r, &req->c, authz_txn_id(r, ACL_OP_WRITE, req->transactional_id),
                           &st->denied, &st->ndenied);
    req_defer(r);
    if (st->ndenied && !req->c.ntopics) {
        kp_offsetcommit_resp_t none = {0};
        api_txnoffsetcommit_answer(st, &none);
        return;
    }
    grp_txn_commit(r->env->grp, req, &r->arena, api_txnoffsetcommit_answer, st);
}
