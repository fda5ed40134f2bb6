/* api_alterpartition.c: AlterPartition v1 (leaders -> controller) and ControlledShutdown v3
 * (stopping broker -> controller). Both become ctl ops for this broker's controller thread,
 * which answers NOT_CONTROLLER unless it is the active controller; the response is sent when
 * the op is done (the ZooKeeper write for AlterPartition, the leadership moves for
 * ControlledShutdown). */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ctl.h"
#include "ctlreq.h"
#include "proto/kp_alterpartition.h"
#include "proto/kp_controlledshutdown.h"
#include "api_env.h"

static void api_altpart_done(ctl_op_t *op, void *arg)
{
    req_t *r = arg;
    kp_altpart_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.error_code = kerr_wire(op->err);
    kp_altpart_part_t **part_of =
        resp.error_code ? NULL : ctlreq_altpart_group(op->changes, op->nchanges, &r->arena, &resp);
    for (int i = 0; i < op->nchanges && !resp.error_code; i++) {
        ctl_isr_change_t *ch = &op->changes[i];
        kp_altpart_part_t *p = part_of[i];
        p->error_code = (int16_t)kerr_wire(ch->err);
        p->leader_id = ch->err ? -1 : ch->leader;
        p->leader_epoch = ch->leader_epoch;
        p->nisr = ch->err ? 0 : ch->nisr;
        p->isr = arena_calloc(&r->arena, (size_t)ch->nisr + 1, sizeof(int32_t));
        memcpy(p->isr, ch->isr, (size_t)p->nisr * sizeof(int32_t));
        p->partition_epoch = ch->partition_epoch;
    }
    kp_altpart_resp_encode(&r->resp, &resp);
    ctl_op_free(op);
    req_done(r);
}

void api_alterpartition(req_t *r, rbuf_t *rb)
{
    kp_altpart_t req;
    if (kp_altpart_req_decode(rb, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed AlterPartition request");
        return;
    }
    int n = 0;
    for (int32_t i = 0; i < req.ntopics; i++) n += req.topics[i].nparts;
    ctl_op_t *op = calloc(1, sizeof(*op));
    if (!op) abort();
    op->type = CTL_OP_ALTER_PARTITION;
    op->broker_id = req.broker_id;
    op->broker_epoch = req.broker_epoch;
    op->changes = calloc((size_t)n + 1, sizeof(ctl_isr_change_t));
    if (!op->changes) abort();
    for (int32_t i = 0; i < req.ntopics; i++)
        for (int32_t j = 0; j < req.topics[i].nparts; j++) {
            kp_altpart_part_t *p = &req.topics[i].parts[j];
            ctl_isr_change_t *ch = &op->changes[op->nchanges++];
            ch->topic = kstr_dup(req.topics[i].name);
            if (!ch->topic) abort();
            ch->partition = p->partition;
            ch->leader_epoch = p->leader_epoch;
            ch->partition_epoch = p->partition_epoch;
            ch->nisr = p->nisr > CTL_MAX_RF ? CTL_MAX_RF : p->nisr;
            memcpy(ch->isr, p->isr, (size_t)ch->nisr * sizeof(int32_t));
        }
    op->done = api_altpart_done;
    op->arg = r;
    authz_submit_cluster_op(r, op, ACL_OP_CLUSTER_ACTION); /* the brokers' own requests */
}

static void api_cshut_done(ctl_op_t *op, void *arg)
{
    req_t *r = arg;
    kp_cshut_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.error_code = (int16_t)kerr_wire(op->err);
    resp.nremaining = op->ntps;
    resp.remaining = arena_calloc(&r->arena, (size_t)op->ntps + 1, sizeof(kp_cshut_part_t));
    for (int i = 0; i < op->ntps; i++) {
        char *name = arena_strndup(&r->arena, op->tps[i].topic, strlen(op->tps[i].topic));
        resp.remaining[i].topic = KSTR(name);
        resp.remaining[i].partition = op->tps[i].partition;
    }
    kp_cshut_resp_encode(&r->resp, &resp);
    ctl_op_free(op);
    req_done(r);
}

void api_controlledshutdown(req_t *r, rbuf_t *rb)
{
    kp_cshut_req_t req;
    if (kp_cshut_req_decode(rb, &req) != KERR_NONE) {
        req_fail(r, "malformed ControlledShutdown request");
        return;
    }
    ctl_op_t *op = calloc(1, sizeof(*op));
    if (!op) abort();
    op->type = CTL_OP_CONTROLLED_SHUTDOWN;
    op->broker_id = req.broker_id;
    op->broker_epoch = req.broker_epoch;
    op->done = api_cshut_done;
    op->arg = r;
    authz_submit_cluster_op(r, op, ACL_OP_CLUSTER_ACTION); /* the brokers' own requests */
}
