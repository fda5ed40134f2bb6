/* api_txnoffsetcommit.c: TxnOffsetCommit (key 28), a transactional producer's offset commit
 * for a consumer group (sendOffsetsToTransaction): answered when the offset records are
 * committed to __consumer_offsets as the producer's transactional batch; they become the
 * group's offsets with the producer's COMMIT marker (grp_txn.c). */
#include "api.h"
#include "group/grp.h"
#include "server.h"

static void api_txnoffsetcommit_answer(void *arg, const kp_offsetcommit_resp_t *resp)
{
    req_t *r = arg;
    kp_txnoffsetcommit_resp_encode(&r->resp, r->hdr.api_version, resp);
    req_done(r);
}

void api_txnoffsetcommit(req_t *r, rbuf_t *rb)
{
    kp_txnoffsetcommit_req_t *req = arena_alloc(&r->arena, sizeof(*req));
    if (kp_txnoffsetcommit_req_decode(rb, r->hdr.api_version, &r->arena, req) != KERR_NONE) {
        req_fail(r, "malformed TxnOffsetCommit request");
        return;
    }
    req_defer(r);
    grp_txn_commit(r->srv->grp, req, &r->arena, api_txnoffsetcommit_answer, r);
}
