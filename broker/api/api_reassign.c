/* api_reassign.c: AlterPartitionReassignments (45) and ListPartitionReassignments (46), v0
 * (KIP-455). Served by the controller, as in Kafka's ZooKeeper mode (admin clients send them
 * there; another broker answers NOT_CONTROLLER): the controller starts, replaces or cancels
 * reassignments (coordinator/ctl_reassign.c) and lists the ongoing ones. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ctl.h"
#include "proto/kp_reassign.h"
#include "api_env.h"

static const char *api_reassign_msg(req_t *r, const ctl_reassign_t *x)
{
    const char *m = x->errmsg[0] ? x->errmsg : kerr_str(x->err);
    return arena_strndup(&r->arena, m, strlen(m));
}

/* The response's entry for topic (added on first use; at most n partitions per topic). */
static kp_reassign_topic_resp_t *api_reassign_topic(req_t *r, kp_reassign_resp_t *resp,
                                                    const char *topic, int n)
{
    for (int32_t j = 0; j < resp->ntopics; j++)
        if (kstr_eq(resp->topics[j].name, topic)) return &resp->topics[j];
    kp_reassign_topic_resp_t *t = &resp->topics[resp->ntopics++];
    t->name = KSTR(arena_strndup(&r->arena, topic, strlen(topic)));
    t->parts = arena_calloc(&r->arena, (size_t)n, sizeof(*t->parts));
    return t;
}

/* An op of type over n partitions answered to r by done (entries added with api_reassign_add;
 * the caller submits it, ctl_op_free frees it). */
static ctl_op_t *api_reassign_op(ctl_op_type_t type, int n, ctl_op_done_fn *done, req_t *r)
{
    ctl_op_t *op = calloc(1, sizeof(*op));
    if (!op) abort();
    op->type = type;
    op->reassign = calloc((size_t)n + 1, sizeof(*op->reassign));
    if (!op->reassign) abort();
    op->done = done;
    op->arg = r;
    return op;
}

static ctl_reassign_t *api_reassign_add(ctl_op_t *op, kstr_t topic, int32_t partition)
{
    ctl_reassign_t *x = &op->reassign[op->nreassign++];
    x->topic = kstr_dup(topic);
    if (!x->topic) abort();
    x->partition = partition;
    return x;
}

static void api_alterreassign_done(ctl_op_t *op, void *arg)
{
    req_t *r = arg;
    kp_reassign_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.error_code = kerr_wire(op->err);
    if (op->err) resp.error_message = kerr_str(op->err);
    resp.topics = arena_calloc(&r->arena, (size_t)op->nreassign + 1, sizeof(*resp.topics));
    for (int i = 0; i < op->nreassign && !op->err; i++) {
        ctl_reassign_t *x = &op->reassign[i];
        kp_reassign_topic_resp_t *t = api_reassign_topic(r, &resp, x->topic, op->nreassign);
        kp_reassign_part_resp_t *p = &t->parts[t->nparts++];
        p->partition = x->partition;
        p->error_code = kerr_wire(x->err);
        if (x->err) p->error_message = api_reassign_msg(r, x);
    }
    kp_reassign_resp_encode(&r->resp, r->hdr.api_version, &resp);
    ctl_op_free(op);
    req_done(r);
}

void api_alterreassign(req_t *r, rbuf_t *rb)
{
    kp_reassign_req_t req;
    if (kp_reassign_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed AlterPartitionReassignments request");
        return;
    }
    int n = 0;
    for (int32_t i = 0; i < req.ntopics; i++) n += req.topics[i].nparts;
    ctl_op_t *op = api_reassign_op(CTL_OP_ALTER_REASSIGNMENTS, n, api_alterreassign_done, r);
    for (int32_t i = 0; i < req.ntopics; i++)
        for (int32_t j = 0; j < req.topics[i].nparts; j++) {
            const kp_reassign_part_t *rp = &req.topics[i].parts[j];
            ctl_reassign_t *x = api_reassign_add(op, req.topics[i].name, rp->partition);
            x->ntarget = rp->nreplicas;
            if (rp->nreplicas > CTL_MAX_RF) {
                x->err = KERR_INVALID_REPLICA_ASSIGNMENT;
                x->ntarget = 0;
            }
            if (x->ntarget > 0)
                memcpy(x->target, rp->replicas, (size_t)x->ntarget * sizeof(int32_t));
        }
    authz_submit_cluster_op(r, op, ACL_OP_ALTER);
}

static void api_listreassign_done(ctl_op_t *op, void *arg)
{
    req_t *r = arg;
    kp_listreassign_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.error_code = kerr_wire(op->err);
    if (op->err) resp.error_message = kerr_str(op->err);
    resp.topics = arena_calloc(&r->arena, (size_t)op->nreassign + 1, sizeof(*resp.topics));
    for (int i = 0; i < op->nreassign && !op->err; i++) {
        ctl_reassign_t *x = &op->reassign[i];
        kp_listreassign_topic_t *t = NULL;
        for (int32_t j = 0; j < resp.ntopics && !t; j++)
            if (kstr_eq(resp.topics[j].name, x->topic)) t = &resp.topics[j];
        if (!t) {
            t = &resp.topics[resp.ntopics++];
            t->name = KSTR(arena_strndup(&r->arena, x->topic, strlen(x->topic)));
            t->parts = arena_calloc(&r->arena, (size_t)op->nreassign, sizeof(*t->parts));
        }
        kp_listreassign_part_t *p = &t->parts[t->nparts++];
        p->partition = x->partition;
        p->nreplicas = x->nreplicas;
        p->replicas = x->replicas;
        p->nadding = x->nadding;
        p->adding = x->adding;
        p->nremoving = x->nremoving;
        p->removing = x->removing;
    }
    kp_listreassign_resp_encode(&r->resp, r->hdr.api_version, &resp);
    ctl_op_free(op); /* after encoding: the arrays above point into op */
    req_done(r);
}

void api_listreassign(req_t *r, rbuf_t *rb)
{
    kp_listreassign_req_t req;
    if (kp_listreassign_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed ListPartitionReassignments request");
        return;
    }
    int n = 0;
    for (int32_t i = 0; i < req.ntopics; i++) n += req.topics[i].nparts;
    ctl_op_t *op = api_reassign_op(CTL_OP_LIST_REASSIGNMENTS, n, api_listreassign_done, r);
    op->all_partitions = req.ntopics < 0;
    for (int32_t i = 0; i < req.ntopics; i++)
        for (int32_t j = 0; j < req.topics[i].nparts; j++)
            api_reassign_add(op, req.topics[i].name, req.topics[i].parts[j]);
    authz_submit_cluster_op(r, op, ACL_OP_DESCRIBE);
}
