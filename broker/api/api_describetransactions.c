/* api_describetransactions.c: DescribeTransactions v0 (KIP-664): the coordinator's view of
 * each transactional id asked for (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS or
 * TRANSACTIONAL_ID_NOT_FOUND per id otherwise). */
#include <string.h>

#include "api.h"
#include "authz.h"
#include "proto/kp_describetransactions.h"
#include "api_env.h"
#include "txn/txn.h"

/* The view's partitions grouped by topic, from the arena; topics the principal may not
 * describe are left out (Kafka). */
static void api_dtxn_topics(req_t *r, const txn_view_t *v, kp_dtxn_state_t *s)
{
    arena_t *a = &r->arena;
    s->topics = arena_calloc(a, (size_t)v->ntps + 1, sizeof(*s->topics));
    for (int i = 0; i < v->ntps; i++) {
        kp_topic_parts_t *t = NULL;
        for (int32_t j = 0; j < s->ntopics && !t; j++)
            if (kstr_eq(s->topics[j].name, v->topics[i])) t = &s->topics[j];
        if (!t && !authz_authorize(r, ACL_OP_DESCRIBE, ACL_RES_TOPIC, v->topics[i])) continue;
        if (!t) {
            t = &s->topics[s->ntopics++];
            t->name = KSTR(v->topics[i]);
            t->parts = arena_calloc(a, (size_t)v->ntps, sizeof(int32_t));
        }
        t->parts[t->nparts++] = v->partitions[i];
    }
}

void api_describetransactions(req_t *r, rbuf_t *rb)
{
    kp_dtxn_req_t req;
    if (kp_dtxn_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed DescribeTransactions request");
        return;
    }
    kp_dtxn_resp_t resp = {.nstates = req.nids};
    resp.states = arena_calloc(&r->arena, (size_t)req.nids + 1, sizeof(*resp.states));
    for (int32_t i = 0; i < req.nids; i++) {
        kp_dtxn_state_t *s = &resp.states[i];
        txn_view_t v;
        kerr_t err = authz_txn_id(r, ACL_OP_DESCRIBE, req.transactional_ids[i]);
        if (!err) err = txn_describe(r->env->txn, req.transactional_ids[i], &r->arena, &v);
        s->error_code = kerr_wire(err);
        s->transactional_id = req.transactional_ids[i];
        s->transaction_state = KSTR("");
        s->transaction_start_time_ms = -1;
        s->producer_id = -1;
        s->producer_epoch = -1;
        if (err) continue;
        /* copied: the views are only valid until the next reactor turn, the encode is now */
        s->transaction_state = KSTR(v.state);
        s->transaction_timeout_ms = v.timeout_ms;
        s->transaction_start_time_ms = v.start_ms;
        s->producer_id = v.producer_id;
        s->producer_epoch = v.producer_epoch;
        api_dtxn_topics(r, &v, s);
    }
    kp_dtxn_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
