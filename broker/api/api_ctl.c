/* api_ctl.c: the controller's requests to this broker (LeaderAndIsr v5, UpdateMetadata v7,
 * StopReplica v3), decoded into the same ctl_msg_t the local controller delivers directly, and
 * applied by ctlapply_msg() (ctlapply.h), which fences stale controller epochs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ctl.h"
#include "proto/kp_ctl.h"
#include "api_env.h"

static char *api_ctl_dup(kstr_t s)
{
    return s.len < 0 ? strdup("") : kstr_dup(s);
}

static void api_ctl_answer(req_t *r, kerr_t err)
{
    kp_ctl_resp_encode(&r->resp, r->hdr.api_key, (int16_t)err);
    req_done(r);
}

/* The controller's requests need ClusterAction on the cluster: answered
 * CLUSTER_AUTHORIZATION_FAILED (and nothing applied) otherwise. */
static bool api_ctl_allowed(req_t *r)
{
    if (authz_authorize(r, ACL_OP_CLUSTER_ACTION, ACL_RES_CLUSTER, ACL_CLUSTER_NAME)) return true;
    api_ctl_answer(r, KERR_CLUSTER_AUTHORIZATION_FAILED);
    return false;
}

/* Partition states of a decoded request -> ctl_pinfo_t array (heap) */
static ctl_pinfo_t *api_ctl_parts(const kp_ctl_req_t *req, int *n)
{
    int total = 0;
    for (int32_t i = 0; i < req->ntopics; i++) total += req->topics[i].nparts;
    ctl_pinfo_t *parts = calloc((size_t)total + 1, sizeof(*parts));
    if (!parts) abort();
    int k = 0;
    for (int32_t i = 0; i < req->ntopics; i++) {
        const kp_ctl_topic_t *t = &req->topics[i];
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_ctl_pstate_t *s = &t->parts[j];
            ctl_pinfo_t *p = &parts[k++];
            p->topic = api_ctl_dup(t->name);
            memcpy(p->topic_id, t->topic_id, 16);
            p->partition = s->partition_index;
            p->leader = s->leader;
            p->leader_epoch = s->leader_epoch;
            p->partition_epoch = s->zk_version;
            p->is_new = s->is_new;
            p->nreplicas = s->nreplicas < CTL_MAX_RF ? s->nreplicas : CTL_MAX_RF;
            memcpy(p->replicas, s->replicas, (size_t)p->nreplicas * sizeof(int32_t));
            p->nisr = s->nisr < CTL_MAX_RF ? s->nisr : CTL_MAX_RF;
            memcpy(p->isr, s->isr, (size_t)p->nisr * sizeof(int32_t));
        }
    }
    *n = k;
    return parts;
}

static int32_t *api_ctl_ids(const int32_t *ids, int32_t n)
{
    int32_t *d = malloc((size_t)(n > 0 ? n : 1) * sizeof(int32_t));
    if (!d) abort();
    if (n > 0) memcpy(d, ids, (size_t)n * sizeof(int32_t));
    return d;
}

void api_leaderandisr(req_t *r, rbuf_t *rb)
{
    kp_ctl_req_t req;
    if (kp_leaderandisr_req_decode(rb, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed LeaderAndIsr request");
        return;
    }
    if (!api_ctl_allowed(r)) return;
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->type = CTL_MSG_LEADER_AND_ISR;
    m->controller_id = req.controller_id;
    m->controller_epoch = req.controller_epoch;
    m->broker_epoch = req.broker_epoch;
    m->full = req.type == 1;
    m->parts = api_ctl_parts(&req, &m->nparts);
    /* live_leaders: one endpoint each (the inter-broker listener) */
    m->brokers = calloc((size_t)req.nbrokers + 1, sizeof(md_broker_t));
    if (!m->brokers) abort();
    for (int32_t i = 0; i < req.nbrokers; i++) {
        const kp_ctl_broker_t *b = &req.brokers[i];
        md_broker_t *o = &m->brokers[m->nbrokers++];
        o->id = b->id;
        o->nendpoints = 1;
        snprintf(o->ep[0].host, sizeof(o->ep[0].host), "%.*s", b->host.len > 0 ? b->host.len : 0,
                 b->host.p ? b->host.p : "");
        o->ep[0].port = b->port;
    }
    api_ctl_answer(r, r->env->ctl_apply(r->env->ctl_apply_arg, m));
}

void api_updatemetadata(req_t *r, rbuf_t *rb)
{
    kp_ctl_req_t req;
    if (kp_updatemetadata_req_decode(rb, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed UpdateMetadata request");
        return;
    }
    if (!api_ctl_allowed(r)) return;
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->type = CTL_MSG_METADATA;
    m->controller_id = req.controller_id;
    m->controller_epoch = req.controller_epoch;
    m->broker_epoch = req.broker_epoch;
    m->nbrokers = req.nbrokers;
    m->brokers = calloc((size_t)req.nbrokers + 1, sizeof(md_broker_t));
    for (int32_t i = 0; i < req.nbrokers; i++) {
        const kp_ctl_broker_t *b = &req.brokers[i];
        md_broker_t *o = &m->brokers[i];
        o->id = b->id;
        if (b->rack.len > 0) snprintf(o->rack, sizeof(o->rack), "%.*s", b->rack.len, b->rack.p);
        for (int32_t e = 0; e < b->nendpoints && o->nendpoints < MD_MAX_ENDPOINTS; e++) {
            md_endpoint_t *ep = &o->ep[o->nendpoints++];
            snprintf(ep->listener, sizeof(ep->listener), "%.*s", b->endpoints[e].listener.len,
                     b->endpoints[e].listener.p);
            snprintf(ep->host, sizeof(ep->host), "%.*s", b->endpoints[e].host.len,
                     b->endpoints[e].host.p);
            ep->port = b->endpoints[e].port;
        }
    }
    m->ntopics = req.ntopics;
    m->topics = calloc((size_t)req.ntopics + 1, sizeof(md_topic_t));
    for (int32_t i = 0; i < req.ntopics; i++) {
        const kp_ctl_topic_t *t = &req.topics[i];
        md_topic_t *o = &m->topics[i];
        o->name = api_ctl_dup(t->name);
        memcpy(o->id, t->topic_id, 16);
        o->internal = strcmp(o->name, "__consumer_offsets") == 0 ||
                      strcmp(o->name, "__transaction_state") == 0;
        int32_t np = 0;
        for (int32_t j = 0; j < t->nparts; j++)
            if (t->parts[j].partition_index + 1 > np) np = t->parts[j].partition_index + 1;
        o->nparts = np;
        o->parts = calloc((size_t)np + 1, sizeof(md_part_t));
        for (int32_t j = 0; j < np; j++) {
            o->parts[j].leader = -1;
            o->parts[j].replicas = api_ctl_ids(NULL, 0);
            o->parts[j].isr = api_ctl_ids(NULL, 0);
            o->parts[j].offline = api_ctl_ids(NULL, 0);
        }
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_ctl_pstate_t *s = &t->parts[j];
            if (s->partition_index < 0) continue;
            md_part_t *p = &o->parts[s->partition_index];
            free(p->replicas);
            free(p->isr);
            free(p->offline);
            p->leader = s->leader;
            p->leader_epoch = s->leader_epoch;
            p->nreplicas = s->nreplicas;
            p->replicas = api_ctl_ids(s->replicas, s->nreplicas);
            p->nisr = s->nisr;
            p->isr = api_ctl_ids(s->isr, s->nisr);
            p->noffline = s->noffline;
            p->offline = api_ctl_ids(s->offline, s->noffline);
        }
    }
    api_ctl_answer(r, r->env->ctl_apply(r->env->ctl_apply_arg, m));
}

void api_stopreplica(req_t *r, rbuf_t *rb)
{
    kp_stopreplica_req_t req;
    if (kp_stopreplica_req_decode(rb, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed StopReplica request");
        return;
    }
    if (!api_ctl_allowed(r)) return;
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->type = CTL_MSG_STOP_REPLICA;
    m->controller_id = req.controller_id;
    m->controller_epoch = req.controller_epoch;
    m->broker_epoch = req.broker_epoch;
    int total = 0;
    for (int32_t i = 0; i < req.ntopics; i++) total += req.topics[i].nparts;
    m->parts = calloc((size_t)total + 1, sizeof(ctl_pinfo_t));
    for (int32_t i = 0; i < req.ntopics; i++)
        for (int32_t j = 0; j < req.topics[i].nparts; j++) {
            ctl_pinfo_t *p = &m->parts[m->nparts++];
            p->topic = api_ctl_dup(req.topics[i].name);
            p->partition = req.topics[i].parts[j].partition_index;
            p->leader_epoch = req.topics[i].parts[j].leader_epoch;
            p->del = req.topics[i].parts[j].delete_partition;
        }
    api_ctl_answer(r, r->env->ctl_apply(r->env->ctl_apply_arg, m));
}
