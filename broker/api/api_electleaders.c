/* api_electleaders.c: ElectLeaders v0-2 (KIP-183/460). Served by the controller only, as
 * Kafka's ZooKeeper-mode brokers do (admin clients send it to the controller): preferred
 * (type 0) or unclean (type 1) elections for the listed partitions, or for all when the list
 * is null. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ctl.h"
#include "proto/kp_electleaders.h"
#include "api_env.h"

static void api_elect_done(ctl_op_t *op, void *arg)
{
    req_t *r = arg;
    kp_elect_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.error_code = kerr_wire(op->err);
    resp.topics = arena_calloc(&r->arena, (size_t)op->ntps + 1, sizeof(kp_elect_topic_resp_t));
    for (int i = 0; i < op->ntps && !op->err; i++) {
        ctl_tp_t *tp = &op->tps[i];
        kp_elect_topic_resp_t *t = NULL;
        for (int32_t j = 0; j < resp.ntopics && !t; j++)
            if (kstr_eq(resp.topics[j].topic, tp->topic)) t = &resp.topics[j];
        if (!t) {
            t = &resp.topics[resp.ntopics++];
            char *name = arena_strndup(&r->arena, tp->topic, strlen(tp->topic));
            t->topic = KSTR(name);
            t->parts = arena_calloc(&r->arena, (size_t)op->ntps, sizeof(kp_elect_part_resp_t));
        }
        kp_elect_part_resp_t *p = &t->parts[t->nparts++];
        p->partition = tp->partition;
        p->error_code = kerr_wire(tp->err);
        if (tp->err)
            p->error_message =
                arena_strndup(&r->arena, tp->errmsg[0] ? tp->errmsg : kerr_str(tp->err),
                              strlen(tp->errmsg[0] ? tp->errmsg : kerr_str(tp->err)));
    }
    kp_elect_resp_encode(&r->resp, r->hdr.api_version, &resp);
    ctl_op_free(op);
    req_done(r);
}

void api_electleaders(req_t *r, rbuf_t *rb)
{
    kp_elect_req_t req;
    if (kp_elect_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed ElectLeaders request");
        return;
    }
    ctl_op_t *op = calloc(1, sizeof(*op));
    if (!op) abort();
    op->type = CTL_OP_ELECT_LEADERS;
    op->election_type = req.election_type;
    op->all_partitions = req.ntopics < 0;
    int n = 0;
    for (int32_t i = 0; i < req.ntopics; i++) n += req.topics[i].nparts;
    op->tps = calloc((size_t)n + 1, sizeof(ctl_tp_t));
    if (!op->tps) abort();
    for (int32_t i = 0; i < req.ntopics; i++)
        for (int32_t j = 0; j < req.topics[i].nparts; j++) {
            ctl_tp_t *tp = &op->tps[op->ntps++];
            tp->topic = kstr_dup(req.topics[i].topic);
            if (!tp->topic) abort();
            tp->partition = req.topics[i].parts[j];
        }
    if (req.election_type != 0 && req.election_type != 1) op->err = KERR_INVALID_REQUEST;
    op->done = api_elect_done;
    op->arg = r;
    if (op->err) {
        api_elect_done(op, r);
        return;
    }
    authz_submit_cluster_op(r, op, ACL_OP_ALTER);
}
