/* ctl_elect.c: the election of the controller: winning /controller (ephemeral), bumping
 * /controller_epoch with a version check (fencing the previous controller), loading the
 * cluster state and bringing it online on becoming controller, and dropping that state on
 * resigning (session lost, /controller or /controller_epoch moved on). Ctl thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "ctl_int.h"
#include "ktime.h"
#include "log.h"
#include "zkpath.h"

/* ---------------------------------------------------------------- election of the controller */

/* Read the current epoch and bump it with a version check (fences older controllers). */
static bool ctl_bump_epoch(ctl_t *c)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        char *data = NULL;
        struct Stat st;
        int rc = ctl_zget(c, ZKPATH_CONTROLLER_EPOCH, false, &data, &st);
        if (rc == ZNONODE) {
            rc = ctl_zcreate(c, ZKPATH_CONTROLLER_EPOCH, "1", 0);
            if (rc == ZNODEEXISTS) continue;
            if (rc != ZOK) return false;
            c->ctrl.epoch = 1;
            c->ctrl.epoch_zkver = 0;
            return true;
        }
        if (rc != ZOK) return false;
        int32_t epoch = atoi(data) + 1;
        free(data);
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", epoch);
        struct Stat nst;
        rc = zoo_set2(c->zh, ZKPATH_CONTROLLER_EPOCH, buf, (int)strlen(buf), st.version, &nst);
        if (rc == ZBADVERSION) continue;
        if (rc != ZOK) return false;
        c->ctrl.epoch = epoch;
        c->ctrl.epoch_zkver = nst.version;
        return true;
    }
    return false;
}

void ctl_resign(ctl_t *c)
{
    if (!c->ctrl.active) return;
    log_info("ctl", "resigning as controller (epoch %d)", c->ctrl.epoch);
    c->ctrl.active = false;
    ctl_offline_clear(c);
    dict_free(c->ctrl.topics, ctl_topic_free);
    c->ctrl.topics = NULL;
    free(c->ctrl.live);
    c->ctrl.live = NULL;
    c->ctrl.nlive = 0;
    if (c->conf.chan) chan_post_drop(c->conf.chan, -1);
}

static void ctl_become_controller(ctl_t *c)
{
    if (!ctl_bump_epoch(c)) {
        log_error("ctl", "could not increment %s; not acting as controller",
                  ZKPATH_CONTROLLER_EPOCH);
        zoo_delete(c->zh, ZKPATH_CONTROLLER, -1);
        return;
    }
    int n = 0;
    ctl_broker_t *live = ctl_read_brokers(c, true, &n);
    if (!live) {
        zoo_delete(c->zh, ZKPATH_CONTROLLER, -1);
        return;
    }
    c->ctrl.active = true;
    c->ctrl.live = live;
    c->ctrl.nlive = n;
    c->controller_id = c->conf.broker_id;
    c->ctrl.topics = dict_new();
    log_info("ctl", "broker %d is the controller (epoch %d, %d live brokers)", c->conf.broker_id,
             c->ctrl.epoch, n);
    int64_t t0 = ktime_mono_ms();
    if (!ctl_load_all_topics(c)) {
        log_error("ctl", "ZooKeeper did not answer the partition-state reads in time; resigning");
        ctl_resign(c);
        zoo_delete(c->zh, ZKPATH_CONTROLLER, -1);
        return;
    }
    int64_t t1 = ktime_mono_ms();
    ctl_on_log_dir_events(c); /* replicas the previous controller knew offline */
    if (!c->ctrl.active) return;
    ctl_batch_t b;
    ctl_batch_init(&b);
    ctl_offline_t off = {c, NULL, 0, NULL, 0};
    int64_t t2 = ktime_mono_ms();
    ctl_reconcile_all(c, &off, &b);
    int64_t t3 = ktime_mono_ms();
    for (int i = 0; i < c->ctrl.nlive && c->ctrl.active; i++)
        ctl_batch_all_of(c, &b, c->ctrl.live[i].info.id);
    ctl_reassign_check_all(c, &b); /* resume what the previous controller left */
    b.metadata = true;
    int64_t t4 = ktime_mono_ms();
    ctl_batch_send(c, &b);
    int64_t t5 = ktime_mono_ms();
    /* where a failover's seconds go (issue 18: every partition led within the session
     * timeout + 2 s) */
    log_info("ctl",
             "controller start: read topics and states %lld ms, log dir events %lld ms, elect "
             "and write states %lld ms, build requests %lld ms, send %lld ms",
             (long long)(t1 - t0), (long long)(t2 - t1), (long long)(t3 - t2), (long long)(t4 - t3),
             (long long)(t5 - t4));
    if (!c->ctrl.active) return;
    c->ctrl.next_rebalance_ms = ktime_mono_ms() + c->conf.leader_imbalance_check_ms;
    ctl_on_delete_topics(c);
    ctl_on_preferred_election(c);
    ctl_on_reassign_znode(c);
}

void ctl_elect(ctl_t *c)
{
    if (c->ctrl.active) {
        /* /controller changed while we hold it: make sure it is still ours */
        struct Stat st;
        char *data = NULL;
        int32_t id = -1;
        if (ctl_zget(c, ZKPATH_CONTROLLER, true, &data, &st) == ZOK)
            zkpath_controller_parse(data, &id);
        free(data);
        if (id == c->conf.broker_id) return;
        ctl_resign(c);
    }
    char *json = zkpath_controller_json(c->conf.broker_id, ktime_wall_ms());
    int rc = ctl_zcreate(c, ZKPATH_CONTROLLER, json, ZOO_EPHEMERAL);
    free(json);
    struct Stat st;
    char *data = NULL;
    int grc = ctl_zget(c, ZKPATH_CONTROLLER, true, &data, &st);
    if (grc == ZNONODE) {
        /* vanished between create and get: the watch is set by exists */
        zoo_wexists(c->zh, ZKPATH_CONTROLLER, ctl_watcher, c, &st);
        return;
    }
    int32_t id = -1;
    if (grc == ZOK) zkpath_controller_parse(data, &id);
    free(data);
    c->controller_id = id;
    /* Tell the reactor at once: Metadata names the controller, and a client told of one that
     * is gone waits for it (the new controller's UpdateMetadata follows shortly). */
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->type = CTL_MSG_CONTROLLER;
    m->controller_id = id;
    ctl_send(c, m);
    if (rc == ZOK ||
        (id == c->conf.broker_id && st.ephemeralOwner == zoo_client_id(c->zh)->client_id))
        ctl_become_controller(c);
    else
        log_info("ctl", "broker %d is the controller", id);
}
