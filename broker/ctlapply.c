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
#include "tconf.h"

struct ctlapply {
    ctlapply_deps_t d;
    int32_t controller_epoch; /* highest controller epoch seen (fencing) */
};

ctlapply_t *ctlapply_new(const ctlapply_deps_t *d)
{
    ctlapply_t *ca = calloc(1, sizeof(*ca));
    if (!ca) abort();
    ca->d = *d;
    return ca;
}

void ctlapply_free(ctlapply_t *ca)
{
    free(ca);
}

static void ctlapply_metadata(ctlapply_t *ca, ctl_msg_t *m)
{
    mdcache_set_controller(ca->d.md, m->controller_id);
    mdcache_set_brokers(ca->d.md, m->brokers, m->nbrokers);
    /* Full snapshot: drop topics that are gone, then put every topic. */
    const char **gone = calloc((size_t)mdcache_topic_count(ca->d.md) + 1, sizeof(char *));
    if (!gone) abort();
    int ngone = 0;
    size_t it = 0;
    const md_topic_t *t;
    while ((t = mdcache_next_topic(ca->d.md, &it))) {
        bool found = false;
        for (int i = 0; i < m->ntopics && !found; i++)
            found = strcmp(m->topics[i].name, t->name) == 0;
        if (!found) gone[ngone++] = t->name;
    }
    char **names = calloc((size_t)ngone + 1, sizeof(char *));
    if (!names) abort();
    for (int i = 0; i < ngone; i++) names[i] = strdup(gone[i]);
    for (int i = 0; i < ngone; i++) {
        mdcache_remove_topic(ca->d.md, names[i]);
        tconf_remove(ca->d.tconf, names[i]);
        free(names[i]);
    }
    free(names);
    free(gone);
    for (int i = 0; i < m->ntopics; i++) mdcache_put_topic(ca->d.md, &m->topics[i]);
    ca->d.md_changed(ca->d.arg);
}

/* LeaderAndIsr: each partition's state, with its leader's endpoint from the request. */
static kerr_t ctlapply_leader_and_isr(ctlapply_t *ca, ctl_msg_t *m)
{
    kerr_t worst = KERR_NONE;
    for (int i = 0; i < m->nparts; i++) {
        ctl_pinfo_t *p = &m->parts[i];
        bool replica = false;
        for (int32_t r = 0; r < p->nreplicas; r++)
            replica = replica || p->replicas[r] == ca->d.broker_id;
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
        kerr_t err = rmgr_leader_and_isr(ca->d.rmgr, &st);
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

kerr_t ctlapply_msg(ctlapply_t *ca, ctl_msg_t *m)
{
    kerr_t err = KERR_NONE;
    bool fenced_type = m->type == CTL_MSG_METADATA || m->type == CTL_MSG_LEADER_AND_ISR ||
                       m->type == CTL_MSG_STOP_REPLICA;
    if (fenced_type && m->controller_epoch < ca->controller_epoch) {
        log_warn("server",
                 "ignoring a request from controller %d with stale controller epoch %d "
                 "(current %d)",
                 m->controller_id, m->controller_epoch, ca->controller_epoch);
        ctl_msg_free(m);
        return KERR_STALE_CONTROLLER_EPOCH;
    }
    if (fenced_type && m->broker_epoch >= 0 && m->broker_epoch < *ca->d.broker_epoch) {
        log_warn("server",
                 "ignoring a request from controller %d for an earlier registration of "
                 "this broker (broker epoch %lld, current %lld)",
                 m->controller_id, (long long)m->broker_epoch, (long long)*ca->d.broker_epoch);
        ctl_msg_free(m);
        return KERR_STALE_BROKER_EPOCH;
    }
    if (fenced_type) ca->controller_epoch = m->controller_epoch;
    switch (m->type) {
    case CTL_MSG_STARTED:
        ca->d.registered(ca->d.arg, m->cluster_id, m->broker_epoch);
        break;
    case CTL_MSG_METADATA:
        ctlapply_metadata(ca, m);
        break;
    case CTL_MSG_LEADER_AND_ISR:
        err = ctlapply_leader_and_isr(ca, m);
        if (m->full && !err) rmgr_drop_strays(ca->d.rmgr, ctlapply_keep_log, m);
        break;
    case CTL_MSG_STOP_REPLICA:
        for (int i = 0; i < m->nparts; i++)
            rmgr_stop_replica(ca->d.rmgr, m->parts[i].topic, m->parts[i].partition,
                              m->parts[i].del);
        break;
    case CTL_MSG_TOPIC_CONFIG:
        tconf_set(ca->d.tconf, m->topic, m->ncfg, (const char *const *)m->cfg_keys,
                  (const char *const *)m->cfg_vals);
        rmgr_topic_config_changed(ca->d.rmgr, m->topic);
        break;
    case CTL_MSG_BROKER_CONFIG:
        rthrottle_config(rmgr_throttle(ca->d.rmgr), m->topic == NULL, m->ncfg, m->cfg_keys,
                         m->cfg_vals);
        break;
    case CTL_MSG_CONTROLLER:
        mdcache_set_controller(ca->d.md, m->controller_id);
        break;
    case CTL_MSG_QUOTA_CONFIG:
        quota_set_entity(ca->d.quota, m->topic, m->ncfg, (const char *const *)m->cfg_keys,
                         (const char *const *)m->cfg_vals);
        ca->d.users_set(ca->d.arg, m->topic, m->ncfg, (const char *const *)m->cfg_keys,
                        (const char *const *)m->cfg_vals);
        break;
    case CTL_MSG_ACL:
        authz_on_ctl_msg(ca->d.authz, m);
        break;
    case CTL_MSG_FATAL:
        ca->d.fatal(ca->d.arg, m->why);
        err = KERR_UNKNOWN_SERVER_ERROR;
        break;
    }
    ctl_msg_free(m);
    return err;
}
