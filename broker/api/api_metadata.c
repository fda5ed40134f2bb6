/* api_metadata.c: Metadata from the metadata cache, with the endpoints of the listener the
 * client connected to, the cluster id and the controller id. Unknown topics are auto-created
 * through the coordinator when auto.create.topics.enable and the request allows it; until
 * their leaders exist they are answered LEADER_NOT_AVAILABLE, as Kafka does. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ctl.h"
#include "dict.h"
#include "log.h"
#include "mdcache.h"
#include "proto/kp_metadata.h"
#include "api_env.h"

#define AUTHORIZED_OPS_UNSET INT32_MIN

static void metadata_autocreate_done(ctl_op_t *op, void *arg)
{
    api_env_t *env = arg;
    for (int i = 0; i < op->ntopics; i++) {
        ctl_topic_spec_t *s = &op->topics[i];
        if (s->err && s->err != KERR_TOPIC_ALREADY_EXISTS)
            log_warn("metadata", "auto-create of topic %s failed: %s %s", s->name,
                     kerr_name(s->err), s->errmsg);
        dict_del(env->autocreating, s->name);
    }
    ctl_op_free(op);
}

/* Ask the coordinator to create topic with the broker defaults (once at a time per topic). */
void api_autocreate_topic(api_env_t *env, const char *topic)
{
    if (!env->autocreating) env->autocreating = dict_new();
    if (dict_get(env->autocreating, topic)) return;
    dict_set(env->autocreating, topic, (void *)1);
    ctl_op_t *op = calloc(1, sizeof(*op));
    if (!op) abort();
    op->type = CTL_OP_CREATE_TOPICS;
    op->ntopics = 1;
    op->topics = calloc(1, sizeof(ctl_topic_spec_t));
    if (!op->topics) abort();
    op->topics[0].name = strdup(topic);
    op->topics[0].num_partitions = -1;
    op->topics[0].replication_factor = -1;
    op->done = metadata_autocreate_done;
    op->arg = env;
    log_info("metadata", "auto-creating topic %s", topic);
    ctl_submit(env->ctl, op);
}

void api_autocreate_free(api_env_t *env)
{
    dict_free(env->autocreating, NULL);
    env->autocreating = NULL;
}

static void metadata_fill_topic(req_t *r, const md_topic_t *t, kp_metadata_topic_resp_t *tr)
{
    api_env_t *env = r->env;
    tr->error_code = KERR_NONE;
    tr->name = (kstr_t){t->name, (int32_t)strlen(t->name)};
    memcpy(tr->topic_id, t->id, 16);
    tr->is_internal = t->internal;
    tr->topic_authorized_operations = AUTHORIZED_OPS_UNSET;
    tr->nparts = t->nparts;
    tr->parts = arena_calloc(&r->arena, (size_t)t->nparts, sizeof(*tr->parts));
    for (int32_t p = 0; p < t->nparts; p++) {
        const md_part_t *mp = &t->parts[p];
        kp_metadata_part_resp_t *pr = &tr->parts[p];
        pr->partition_index = p;
        pr->leader_id = mp->leader;
        pr->leader_epoch = mp->leader_epoch;
        pr->nreplicas = mp->nreplicas;
        pr->replica_nodes = mp->replicas;
        pr->nisr = mp->nisr;
        pr->isr_nodes = mp->isr;
        pr->noffline = mp->noffline;
        pr->offline_replicas = mp->offline;
        if (mp->leader < 0 || !mdcache_broker(env->md, mp->leader)) {
            pr->error_code = KERR_LEADER_NOT_AVAILABLE;
            pr->leader_id = -1;
        }
    }
}

void api_metadata(req_t *r, rbuf_t *rb)
{
    api_env_t *env = r->env;
    int16_t ver = r->hdr.api_version;
    kp_metadata_req_t req;
    if (kp_metadata_req_decode(rb, ver, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed Metadata request");
        return;
    }
    kp_metadata_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    const char *listener = conn_listener(r->c)->name;
    int nb;
    const md_broker_t *brokers = mdcache_brokers(env->md, &nb);
    resp.brokers = arena_calloc(&r->arena, (size_t)nb, sizeof(*resp.brokers));
    for (int i = 0; i < nb; i++) {
        const md_endpoint_t *ep = md_broker_endpoint(&brokers[i], listener);
        if (!ep) continue; /* no endpoint on this listener: invisible to this client */
        kp_metadata_broker_t *b = &resp.brokers[resp.nbrokers++];
        b->node_id = brokers[i].id;
        b->host = (kstr_t){ep->host, (int32_t)strlen(ep->host)};
        b->port = ep->port;
        b->rack = brokers[i].rack[0] ? (kstr_t){brokers[i].rack, (int32_t)strlen(brokers[i].rack)}
                                     : KSTR_NULL;
    }
    resp.cluster_id = (kstr_t){env->cluster_id, (int32_t)strlen(env->cluster_id)};
    resp.controller_id = mdcache_controller(env->md);
    resp.cluster_authorized_operations = AUTHORIZED_OPS_UNSET;

    bool all = req.ntopics < 0 || (ver == 0 && req.ntopics == 0);
    if (all) {
        int n = mdcache_topic_count(env->md);
        resp.topics = arena_calloc(&r->arena, (size_t)n, sizeof(*resp.topics));
        size_t it = 0;
        const md_topic_t *t;
        while ((t = mdcache_next_topic(env->md, &it)) && resp.ntopics < n)
            if (authz_authorize(r, ACL_OP_DESCRIBE, ACL_RES_TOPIC, t->name)) /* else hidden */
                metadata_fill_topic(r, t, &resp.topics[resp.ntopics++]);
    } else {
        bool may_create = (ver < 4 || req.allow_auto_topic_creation) &&
                          cfg_bool(env->cfg, "auto.create.topics.enable");
        resp.topics = arena_calloc(&r->arena, (size_t)req.ntopics, sizeof(*resp.topics));
        for (int32_t i = 0; i < req.ntopics; i++) {
            kp_metadata_topic_resp_t *tr = &resp.topics[resp.ntopics++];
            kstr_t name = req.topics[i].name;
            tr->name = name;
            memcpy(tr->topic_id, req.topics[i].topic_id, 16);
            tr->topic_authorized_operations = AUTHORIZED_OPS_UNSET;
            if (name.len < 0) {
                tr->error_code = KERR_UNKNOWN_TOPIC_ID; /* lookups by id only: not supported */
                continue;
            }
            char *cname = arena_strndup(&r->arena, name.p, (size_t)name.len);
            const md_topic_t *t = mdcache_topic(env->md, cname);
            if (!authz_authorize(r, ACL_OP_DESCRIBE, ACL_RES_TOPIC, cname)) {
                tr->error_code = KERR_TOPIC_AUTHORIZATION_FAILED;
                continue;
            }
            if (t) {
                metadata_fill_topic(r, t, tr);
                continue;
            }
            char why[256];
            if (md_topic_name_valid(cname, why, sizeof(why)) != KERR_NONE) {
                tr->error_code = KERR_INVALID_TOPIC_EXCEPTION;
            } else if (may_create && authz_may_create_topic(r, cname)) {
                api_autocreate_topic(env, cname);
                tr->error_code = KERR_LEADER_NOT_AVAILABLE;
            } else {
                tr->error_code = KERR_UNKNOWN_TOPIC_OR_PARTITION;
            }
        }
    }
    kp_metadata_resp_encode(&r->resp, ver, &resp);
    req_done(r);
}
