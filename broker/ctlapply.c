/* ctlapply.c: applying the controller's messages to this broker (see ctlapply.h): the
 * metadata cache from UpdateMetadata, partition roles from LeaderAndIsr, StopReplica, and
 * the config, quota and ACL changes the coordinator thread watches in ZooKeeper. */
#include "ctlapply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "ctl.h"
#include "log.h"
#include "mdcache.h"
#include "quota.h"
#include "replica/rmgr.h"
#include "replica/rthrottle.h"
#include "sasl.h"
#include "server.h"
#include "tconf.h"

static void ctlapply_metadata(server_t *srv, ctl_msg_t *m)
{
    mdcache_set_controller(srv->md, m->controller_id);
    mdcache_set_brokers(srv->md, m->brokers, m->nbrokers);
    /* Full snapshot: drop topics that are gone, then put every topic. */
    const char **gone = calloc((size_t)mdcache_topic_count(srv->md) + 1, sizeof(char *));
    if (!gone) abort();
    int ngone = 0;
    size_t it = 0;
    const md_topic_t *t;
    while ((t = mdcache_next_topic(srv->md, &it))) {
        bool found = false;
        for (int i = 0; i < m->ntopics && !found; i++)
            found = strcmp(m->topics[i].name, t->name) == 0;
        if (!found) gone[ngone++] = t->name;
    }
    char **names = calloc((size_t)ngone + 1, sizeof(char *));
    if (!names) abort();
    for (int i = 0; i < ngone; i++) names[i] = strdup(gone[i]);
    for (int i = 0; i < ngone; i++) {
        mdcache_remove_topic(srv->md, names[i]);
        tconf_remove(srv->tconf, names[i]);
        free(names[i]);
    }
    free(names);
    free(gone);
    for (int i = 0; i < m->ntopics; i++) mdcache_put_topic(srv->md, &m->topics[i]);
    mdcache_changed(srv->md);
}

/* LeaderAndIsr: each partition's state, with its leader's endpoint from the request. */
static kerr_t ctlapply_leader_and_isr(server_t *srv, ctl_msg_t *m)
{
    kerr_t worst = KERR_NONE;
    for (int i = 0; i < m->nparts; i++) {
        ctl_pinfo_t *p = &m->parts[i];
        bool replica = false;
        for (int32_t r = 0; r < p->nreplicas; r++)
            replica = replica || p->replicas[r] == srv->broker_id;
        if (!replica) continue;
        const md_endpoint_t *e = NULL;
        for (int j = 0; j < m->nbrokers && !e; j++)
            if (m->brokers[j].id == p->leader && m->brokers[j].nendpoints > 0)
                e = &m->brokers[j].ep[0];
        rmgr_pstate_t st = {.topic = p->topic,
                            .partition = p->partition,
                            .topic_id = p->topic_id,
                            .leader = p->leader,
                            .leader_epoch = p->leader_epoch,
                            .partition_epoch = p->partition_epoch,
                            .nisr = p->nisr,
                            .nreplicas = p->nreplicas,
                            .isr = p->isr,
                            .replicas = p->replicas,
                            .leader_host = e ? e->host : NULL,
                            .leader_port = e ? e->port : 0};
        kerr_t err = rmgr_leader_and_isr(srv->rmgr, &st);
        if (err && err != KERR_STALE_CONTROLLER_EPOCH) worst = err;
    }
    return worst;
}

/* After a full LeaderAndIsr (this broker just registered): logs it was not told about belong
 * to topics deleted while it was away. */
static bool ctlapply_keep_log(void *arg, const char *topic, int32_t p)
{
    ctl_msg_t *m = arg;
    for (int i = 0; i < m->nparts; i++)
        if (m->parts[i].partition == p && strcmp(m->parts[i].topic, topic) == 0) return true;
    return false;
}

kerr_t ctlapply_msg(server_t *srv, ctl_msg_t *m)
{
    kerr_t err = KERR_NONE;
    bool fenced_type = m->type == CTL_MSG_METADATA || m->type == CTL_MSG_LEADER_AND_ISR ||
                       m->type == CTL_MSG_STOP_REPLICA;
    if (fenced_type && m->controller_epoch < srv->controller_epoch) {
        log_warn("server",
                 "ignoring a request from controller %d with stale controller epoch %d "
                 "(current %d)",
                 m->controller_id, m->controller_epoch, srv->controller_epoch);
        ctl_msg_free(m);
        return KERR_STALE_CONTROLLER_EPOCH;
    }
    if (fenced_type && m->broker_epoch >= 0 && m->broker_epoch < srv->broker_epoch) {
        log_warn("server",
                 "ignoring a request from controller %d for an earlier registration of "
                 "this broker (broker epoch %lld, current %lld)",
                 m->controller_id, (long long)m->broker_epoch, (long long)srv->broker_epoch);
        ctl_msg_free(m);
        return KERR_STALE_BROKER_EPOCH;
    }
    if (fenced_type) srv->controller_epoch = m->controller_epoch;
    switch (m->type) {
    case CTL_MSG_STARTED:
        server_registered(srv, m->cluster_id, m->broker_epoch);
        break;
    case CTL_MSG_METADATA:
        ctlapply_metadata(srv, m);
        break;
    case CTL_MSG_LEADER_AND_ISR:
        err = ctlapply_leader_and_isr(srv, m);
        if (m->full && !err) rmgr_drop_strays(srv->rmgr, ctlapply_keep_log, m);
        break;
    case CTL_MSG_STOP_REPLICA:
        for (int i = 0; i < m->nparts; i++)
            rmgr_stop_replica(srv->rmgr, m->parts[i].topic, m->parts[i].partition, m->parts[i].del);
        break;
    case CTL_MSG_TOPIC_CONFIG:
        tconf_set(srv->tconf, m->topic, m->ncfg, (const char *const *)m->cfg_keys,
                  (const char *const *)m->cfg_vals);
        rmgr_topic_config_changed(srv->rmgr, m->topic);
        break;
    case CTL_MSG_BROKER_CONFIG:
        rthrottle_config(rmgr_throttle(srv->rmgr), m->topic == NULL, m->ncfg, m->cfg_keys,
                         m->cfg_vals);
        break;
    case CTL_MSG_CONTROLLER:
        mdcache_set_controller(srv->md, m->controller_id);
        break;
    case CTL_MSG_QUOTA_CONFIG:
        quota_set_entity(srv->quota, m->topic, m->ncfg, (const char *const *)m->cfg_keys,
                         (const char *const *)m->cfg_vals);
        sasl_users_set(srv->users, m->topic, m->ncfg, (const char *const *)m->cfg_keys,
                       (const char *const *)m->cfg_vals);
        break;
    case CTL_MSG_ACL:
        authz_on_ctl_msg(srv, m);
        break;
    case CTL_MSG_FATAL:
        server_fatal(srv, m->why);
        err = KERR_UNKNOWN_SERVER_ERROR;
        break;
    }
    ctl_msg_free(m);
    return err;
}
