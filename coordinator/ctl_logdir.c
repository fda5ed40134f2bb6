/* ctl_logdir.c: log dir failures (KIP-112) on the coordinator side.
 *
 * Route chosen. Kafka's broker writes a sequential znode
 * /log_dir_event_notification/log_dir_event_<seq> and its controller then learns WHICH
 * replicas are offline from the KAFKA_STORAGE_ERROR in the LeaderAndIsr answers. Our controller
 * does not read those answers, so the broker's notification carries the offline partitions
 * itself, with the broker's registration czxid (zkpath.h). This travels through ZooKeeper, like
 * Kafka's, rather than over the broker->controller request path: it needs the broker's own
 * ZooKeeper session only (no reachable controller), survives a controller change, and a new
 * controller reads it when it starts. For that last reason the controller does NOT delete a
 * notification while the broker that wrote it keeps the same registration (a deviation from
 * Kafka, which deletes at once); one whose broker is gone or registered again (restarted) is
 * stale and deleted, and its replicas count as online again, as Kafka's do after a restart.
 *
 * The controller keeps the (broker, partition) pairs in c->ctrl.offline_replicas with the broker
 * epoch they belong to; ctl_replica_online() is what every election and the UpdateMetadata
 * offline_replicas list ask. Everything here runs on the ctl thread. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_int.h"
#include "log.h"
#include "zkpath.h"

static void ctl_offline_key(char *buf, size_t n, int32_t id, const char *topic, int32_t p)
{
    snprintf(buf, n, "%d/%s/%d", id, topic, p);
}

bool ctl_replica_online(const ctl_t *c, int32_t id, const char *topic, int32_t p)
{
    const ctl_broker_t *b = ctl_broker(c, id);
    if (!b) return false;
    if (!c->ctrl.offline_replicas || !topic) return true;
    char key[320];
    ctl_offline_key(key, sizeof(key), id, topic, p);
    const int64_t *epoch = dict_get(c->ctrl.offline_replicas, key);
    return !epoch || *epoch != b->epoch;
}

void ctl_offline_clear(ctl_t *c)
{
    dict_free(c->ctrl.offline_replicas, free);
    c->ctrl.offline_replicas = NULL;
}

/* Any broker's ctl thread: write the notification for op->tps (this broker's replicas in its
 * failed log dirs). */
void ctl_report_log_dir_failure(ctl_t *c, ctl_op_t *op)
{
    if (!c->connected) {
        op->err = KERR_REQUEST_TIMED_OUT;
        return;
    }
    const char **topics = calloc((size_t)op->ntps + 1, sizeof(char *));
    int32_t *parts = calloc((size_t)op->ntps + 1, sizeof(int32_t));
    if (!topics || !parts) abort();
    for (int i = 0; i < op->ntps; i++) {
        topics[i] = op->tps[i].topic;
        parts[i] = op->tps[i].partition;
    }
    char *json =
        zkpath_logdir_event_json(c->conf.broker_id, c->broker_epoch, op->ntps, topics, parts);
    free(topics);
    free(parts);
    int rc = ctl_zcreate_p(c, ZKPATH_LOG_DIR_EVENT_PREFIX, json, ZOO_SEQUENCE);
    free(json);
    if (rc != ZOK) {
        log_error("ctl", "write log dir failure notification under %s: %s", ZKPATH_LOG_DIR_EVENT,
                  zerror(rc));
        op->err = KERR_COORDINATOR_NOT_AVAILABLE;
        return;
    }
    log_info("ctl", "told the controller: %d replicas of broker %d are offline (log dir failure)",
             op->ntps, c->conf.broker_id);
    op->err = KERR_NONE;
}

/* Whether /brokers/ids/<id> exists now with registration czxid epoch. */
static bool ctl_registered_as(ctl_t *c, int32_t id, int64_t epoch)
{
    char path[64];
    struct Stat st;
    return zkpath_broker(path, sizeof(path), id) == KERR_NONE &&
           zoo_exists(c->zh, path, 0, &st) == ZOK && st.czxid == epoch;
}

/* Apply one notification; true when it named a replica not yet known offline. */
static bool ctl_apply_log_dir_event(ctl_t *c, const char *name, const char *data)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", ZKPATH_LOG_DIR_EVENT, name);
    zkpath_logdir_event_t e;
    if (zkpath_logdir_event_parse(data, &e) != KERR_NONE) {
        log_warn("ctl", "malformed %s deleted", path);
        zoo_delete(c->zh, path, -1);
        return false;
    }
    const ctl_broker_t *b = ctl_broker(c, e.broker);
    if (!b && ctl_registered_as(c, e.broker, e.broker_epoch)) {
        /* registered after our last look at /brokers/ids: applied when that event comes */
        zkpath_logdir_event_clear(&e);
        return false;
    }
    if (!b || e.broker_epoch != b->epoch || e.event != ZKPATH_LOG_DIR_FAILURE_EVENT) {
        /* the broker is gone or restarted (its replicas are back), or nothing to apply */
        zoo_delete(c->zh, path, -1);
        zkpath_logdir_event_clear(&e);
        return false;
    }
    if (!c->ctrl.offline_replicas) c->ctrl.offline_replicas = dict_new();
    int added = 0;
    for (int i = 0; i < e.n; i++) {
        char key[320];
        ctl_offline_key(key, sizeof(key), e.broker, e.topics[i], e.parts[i]);
        int64_t *old = dict_get(c->ctrl.offline_replicas, key);
        if (old && *old == b->epoch) continue;
        int64_t *v = malloc(sizeof(*v));
        if (!v) abort();
        *v = b->epoch;
        free(dict_set(c->ctrl.offline_replicas, key, v));
        added++;
    }
    if (added)
        log_warn("ctl", "broker %d: %d replicas offline after a log dir failure (%s)", e.broker,
                 added, name);
    zkpath_logdir_event_clear(&e);
    return added > 0;
}

void ctl_on_log_dir_events(ctl_t *c)
{
    struct String_vector sv;
    int rc = ctl_zchildren(c, ZKPATH_LOG_DIR_EVENT, true, &sv);
    if (rc == ZNONODE) {
        if (ctl_zmkdirs(c, ZKPATH_LOG_DIR_EVENT) == ZOK)
            rc = ctl_zchildren(c, ZKPATH_LOG_DIR_EVENT, true, &sv);
    }
    if (rc != ZOK) {
        log_error("ctl", "list %s failed: %s", ZKPATH_LOG_DIR_EVENT, zerror(rc));
        return;
    }
    bool changed = false;
    for (int i = 0; i < sv.count && c->ctrl.active; i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", ZKPATH_LOG_DIR_EVENT, sv.data[i]);
        char *data = NULL;
        if (ctl_zget(c, path, false, &data, NULL) == ZOK)
            changed |= ctl_apply_log_dir_event(c, sv.data[i], data);
        free(data);
    }
    deallocate_String_vector(&sv);
    if (changed && c->ctrl.active) ctl_reconcile_offline(c);
}
