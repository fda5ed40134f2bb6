/* ctl.c: the coordinator thread (see ctl.h): event queue, ZooKeeper session, broker
 * registration, topic configs, controller election and the controller's partition state
 * machine, and the main loop. Admin operations are in ctl_admin.c, ZooKeeper helpers in
 * ctl_zk.c.
 *
 * Everything here runs on the ctl thread except ctl_start/ctl_stop/ctl_submit (reactor) and
 * the ZooKeeper watcher callbacks (ZooKeeper's event thread), which only queue an event. */
#include "ctl_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktime.h"
#include "log.h"
#include "zkpath.h"

/* ---------------------------------------------------------------- events */

void ctl_push(ctl_t *c, ctl_ev_t *ev)
{
    pthread_mutex_lock(&c->mu);
    ev->next = NULL;
    if (c->tail)
        c->tail->next = ev;
    else
        c->head = ev;
    c->tail = ev;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static ctl_ev_t *ctl_pop(ctl_t *c, int64_t timeout_ms)
{
    pthread_mutex_lock(&c->mu);
    if (!c->head && timeout_ms > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += timeout_ms / 1000;
        ts.tv_nsec += (timeout_ms % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
    }
    ctl_ev_t *ev = c->head;
    if (ev) {
        c->head = ev->next;
        if (!c->head) c->tail = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    return ev;
}

static void ctl_ev_free(ctl_ev_t *ev)
{
    free(ev->path);
    free(ev);
}

/* ZooKeeper's event thread: queue and return. */
void ctl_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh;
    ctl_t *c = ctx;
    ctl_ev_t *ev = calloc(1, sizeof(*ev));
    if (!ev) abort();
    ev->type = type == ZOO_SESSION_EVENT ? CTL_EV_SESSION : CTL_EV_WATCH;
    ev->zk_type = type;
    ev->zk_state = state;
    ev->path = strdup(path ? path : "");
    ctl_push(c, ev);
}

/* ---------------------------------------------------------------- delivery to the reactor */

typedef struct ctl_post {
    ctl_t *c;
    ctl_msg_t *m;
} ctl_post_t;

static void ctl_deliver_cb(ev_loop_t *loop, void *arg)
{
    (void)loop;
    ctl_post_t *p = arg;
    p->c->deliver(p->c->deliver_arg, p->m);
    free(p);
}

/* Hand m to the reactor (ownership passes to the deliver hook). */
void ctl_send(ctl_t *c, ctl_msg_t *m)
{
    ctl_post_t *p = malloc(sizeof(*p));
    if (!p) abort();
    p->c = c;
    p->m = m;
    if (ev_post(c->loop, ctl_deliver_cb, p) != 0) abort();
}

static void ctl_send_fatal(ctl_t *c, const char *why)
{
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->type = CTL_MSG_FATAL;
    m->why = strdup(why);
    ctl_send(c, m);
}

void ctl_msg_free(ctl_msg_t *m)
{
    if (!m) return;
    for (int i = 0; i < m->ntopics; i++) {
        md_topic_t *t = &m->topics[i];
        for (int32_t p = 0; p < t->nparts; p++) {
            free(t->parts[p].replicas);
            free(t->parts[p].isr);
            free(t->parts[p].offline);
        }
        free(t->parts);
        free(t->name);
    }
    free(m->topics);
    free(m->brokers);
    for (int i = 0; i < m->nparts; i++) free(m->parts[i].topic);
    free(m->parts);
    free(m->topic);
    for (int i = 0; i < m->ncfg; i++) {
        free(m->cfg_keys[i]);
        free(m->cfg_vals[i]);
    }
    free(m->cfg_keys);
    free(m->cfg_vals);
    free(m->why);
    free(m);
}

/* ---------------------------------------------------------------- session */

static void ctl_session_state(ctl_t *c, int state)
{
    if (state == ZOO_CONNECTED_STATE) {
        c->connected = true;
    } else if (state == ZOO_EXPIRED_SESSION_STATE) {
        c->expired = true;
        c->connected = false;
    } else if (state == ZOO_CONNECTING_STATE) {
        c->connected = false;
    }
}

/* Open a session and wait (bounded) until connected; session events that arrive meanwhile are
 * consumed here, watch events are kept for later. */
static bool ctl_connect(ctl_t *c)
{
    zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
    c->connected = c->expired = false;
    c->zh = zookeeper_init(c->conf.zk_connect, ctl_watcher, c->conf.session_timeout_ms, NULL, c, 0);
    if (!c->zh) {
        log_error("ctl", "zookeeper_init(%s) failed: %s", c->conf.zk_connect, strerror(errno));
        return false;
    }
    int64_t deadline = ktime_mono_ms() + c->conf.session_timeout_ms;
    while (!c->connected && ktime_mono_ms() < deadline && !c->stop) {
        ctl_ev_t *ev = ctl_pop(c, 100);
        if (!ev) continue;
        if (ev->type == CTL_EV_SESSION) {
            ctl_session_state(c, ev->zk_state);
            ctl_ev_free(ev);
        } else if (ev->type == CTL_EV_STOP) {
            c->stop = true;
            ctl_ev_free(ev);
        } else {
            ctl_push(c, ev); /* keep ops for after connecting */
            if (ev->type == CTL_EV_OP) {
                /* avoid a busy loop on a queued op: wait a little */
                struct timespec ts = {0, 20 * 1000000};
                nanosleep(&ts, NULL);
            }
        }
    }
    if (!c->connected) {
        log_error("ctl", "could not connect to ZooKeeper at %s within %d ms", c->conf.zk_connect,
                  c->conf.session_timeout_ms);
        zookeeper_close(c->zh);
        c->zh = NULL;
        return false;
    }
    log_info("ctl", "connected to ZooKeeper at %s (session 0x%llx)", c->conf.zk_connect,
             (unsigned long long)zoo_client_id(c->zh)->client_id);
    return true;
}

/* ---------------------------------------------------------------- registration */

static bool ctl_ensure_paths(ctl_t *c)
{
    for (const char *const *p = zkpath_persistent_paths(); *p; p++) {
        int rc = ctl_zmkdirs(c, *p);
        if (rc != ZOK) {
            log_error("ctl", "create %s in ZooKeeper failed: %s", *p, zerror(rc));
            return false;
        }
    }
    return true;
}

static bool ctl_cluster_id(ctl_t *c)
{
    char *data = NULL;
    int rc = ctl_zget(c, ZKPATH_CLUSTER_ID, false, &data, NULL);
    if (rc == ZNONODE) {
        char id[23];
        zkpath_uuid_new(id);
        char *json = zkpath_cluster_id_json(id);
        rc = ctl_zcreate_p(c, ZKPATH_CLUSTER_ID, json, 0);
        free(json);
        if (rc != ZOK && rc != ZNODEEXISTS) {
            log_error("ctl", "create /cluster/id failed: %s", zerror(rc));
            return false;
        }
        rc = ctl_zget(c, ZKPATH_CLUSTER_ID, false, &data, NULL);
    }
    if (rc != ZOK) {
        log_error("ctl", "read /cluster/id failed: %s", zerror(rc));
        return false;
    }
    kerr_t err = zkpath_cluster_id_parse(data, c->cluster_id, sizeof(c->cluster_id));
    free(data);
    if (err) {
        log_error("ctl", "/cluster/id holds malformed JSON");
        return false;
    }
    return true;
}

static bool ctl_register(ctl_t *c)
{
    char path[256];
    zkpath_broker(path, sizeof(path), c->conf.broker_id);
    char *json = zkpath_broker_json(&c->conf.self, c->conf.listener_protocol_map, ktime_wall_ms());
    /* A registration left by our own previous session lingers until that session expires. */
    int64_t deadline = ktime_mono_ms() + c->conf.session_timeout_ms + 5000;
    int rc;
    for (;;) {
        rc = ctl_zcreate(c, path, json, ZOO_EPHEMERAL);
        if (rc != ZNODEEXISTS || ktime_mono_ms() > deadline || c->stop) break;
        log_warn("ctl", "%s exists (another broker with id %d, or our previous session); retrying",
                 path, c->conf.broker_id);
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
    free(json);
    if (rc != ZOK) {
        log_error("ctl", "register broker at %s failed: %s", path, zerror(rc));
        return false;
    }
    log_info("ctl", "registered broker %d at %s", c->conf.broker_id, path);
    return true;
}

/* ---------------------------------------------------------------- topic configs */

void ctl_load_topic_config(ctl_t *c, const char *topic)
{
    char path[512];
    zkpath_topic_config(path, sizeof(path), topic);
    char *data = NULL;
    int rc = ctl_zget(c, path, false, &data, NULL);
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->type = CTL_MSG_TOPIC_CONFIG;
    m->topic = strdup(topic);
    if (rc == ZOK && data && *data) {
        if (zkpath_config_parse(data, &m->ncfg, &m->cfg_keys, &m->cfg_vals) != KERR_NONE)
            log_warn("ctl", "malformed config JSON at %s ignored", path);
    }
    free(data);
    ctl_send(c, m);
}

static void ctl_load_all_topic_configs(ctl_t *c)
{
    struct String_vector sv;
    if (ctl_zchildren(c, ZKPATH_CONFIG_TOPICS, false, &sv) != ZOK) return;
    for (int i = 0; i < sv.count; i++) ctl_load_topic_config(c, sv.data[i]);
    deallocate_String_vector(&sv);
}

/* /config/changes: every broker follows notifications and reloads the named entity. Kafka
 * keeps the last processed sequence number; we remember the highest name seen. */

static void ctl_config_changes(ctl_t *c)
{
    struct String_vector sv;
    if (ctl_zchildren(c, ZKPATH_CONFIG_CHANGES, true, &sv) != ZOK) return;
    for (int i = 0; i < sv.count; i++) {
        if (strcmp(sv.data[i], c->last_change) <= 0) continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", ZKPATH_CONFIG_CHANGES, sv.data[i]);
        char *data = NULL;
        if (ctl_zget(c, path, false, &data, NULL) == ZOK) {
            char entity[512];
            if (zkpath_config_change_parse(data, entity, sizeof(entity)) == KERR_NONE &&
                strncmp(entity, "topics/", 7) == 0)
                ctl_load_topic_config(c, entity + 7);
        }
        free(data);
        snprintf(c->last_change, sizeof(c->last_change), "%s", sv.data[i]);
    }
    deallocate_String_vector(&sv);
}

/* ---------------------------------------------------------------- controller */

static void ctl_topic_free(void *p)
{
    ctl_topic_t *t = p;
    if (!t) return;
    free(t->parts);
    free(t->name);
    free(t);
}

bool ctl_broker_live(const ctl_t *c, int32_t id)
{
    for (int i = 0; i < c->nlive; i++)
        if (c->live[i].id == id) return true;
    return false;
}

/* Read /brokers/ids (watching it) into c->live, sorted by id. */
bool ctl_load_brokers(ctl_t *c, bool watch)
{
    struct String_vector sv;
    int rc = ctl_zchildren(c, ZKPATH_BROKER_IDS, watch, &sv);
    if (rc != ZOK) {
        log_error("ctl", "list %s failed: %s", ZKPATH_BROKER_IDS, zerror(rc));
        return false;
    }
    md_broker_t *live = calloc((size_t)sv.count + 1, sizeof(*live));
    int64_t *epochs = calloc((size_t)sv.count + 1, sizeof(int64_t));
    if (!live || !epochs) abort();
    int n = 0;
    for (int i = 0; i < sv.count; i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", ZKPATH_BROKER_IDS, sv.data[i]);
        char *data = NULL;
        struct Stat st;
        if (ctl_zget(c, path, false, &data, &st) != ZOK) continue;
        md_broker_t b;
        memset(&b, 0, sizeof(b));
        b.id = atoi(sv.data[i]);
        if (zkpath_broker_parse(data, &b) == KERR_NONE) {
            live[n] = b;
            epochs[n] = st.czxid;
            n++;
        } else {
            log_warn("ctl", "malformed registration at %s ignored", path);
        }
        free(data);
    }
    deallocate_String_vector(&sv);
    /* sort brokers (and their epochs) by id */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && live[j - 1].id > live[j].id; j--) {
            md_broker_t tb = live[j];
            live[j] = live[j - 1];
            live[j - 1] = tb;
            int64_t te = epochs[j];
            epochs[j] = epochs[j - 1];
            epochs[j - 1] = te;
        }
    free(c->live);
    free(c->live_epoch);
    c->live = live;
    c->live_epoch = epochs;
    c->nlive = n;
    return true;
}

/* Read one topic's assignment and partition states (watching the assignment znode). */
static ctl_topic_t *ctl_load_topic(ctl_t *c, const char *name)
{
    char path[512];
    zkpath_topic(path, sizeof(path), name);
    char *data = NULL;
    if (ctl_zget(c, path, true, &data, NULL) != ZOK) return NULL;
    zkpath_topic_t zt;
    kerr_t err = zkpath_topic_parse(data, &zt);
    free(data);
    if (err) {
        log_warn("ctl", "malformed topic znode %s ignored", path);
        return NULL;
    }
    ctl_topic_t *t = calloc(1, sizeof(*t));
    if (!t) abort();
    t->name = strdup(name);
    memcpy(t->id, zt.id, 16);
    t->nparts = zt.nparts;
    t->parts = calloc((size_t)(zt.nparts ? zt.nparts : 1), sizeof(ctl_part_t));
    if (!t->name || !t->parts) abort();
    for (int32_t p = 0; p < zt.nparts; p++) {
        ctl_part_t *cp = &t->parts[p];
        cp->nreplicas = zt.nreplicas[p] > CTL_MAX_RF ? CTL_MAX_RF : zt.nreplicas[p];
        memcpy(cp->replicas, zt.replicas[p], (size_t)cp->nreplicas * sizeof(int32_t));
        char spath[512];
        zkpath_partition_state(spath, sizeof(spath), name, p);
        struct Stat st;
        if (ctl_zget(c, spath, false, &data, &st) == ZOK) {
            zkpath_pstate_t ps;
            if (zkpath_pstate_parse(data, &ps) == KERR_NONE) {
                cp->has_state = true;
                cp->leader = ps.leader;
                cp->leader_epoch = ps.leader_epoch;
                cp->nisr = ps.nisr > CTL_MAX_RF ? CTL_MAX_RF : ps.nisr;
                memcpy(cp->isr, ps.isr, (size_t)cp->nisr * sizeof(int32_t));
                cp->zkver = st.version;
            }
            free(data);
        }
    }
    zkpath_topic_clear(&zt);
    return t;
}

/* Write a partition state, fenced by the controller epoch znode version. */
static int ctl_write_state(ctl_t *c, const char *topic, int32_t p, ctl_part_t *cp, bool create)
{
    char spath[512], epath[64];
    zkpath_partition_state(spath, sizeof(spath), topic, p);
    snprintf(epath, sizeof(epath), "%s", ZKPATH_CONTROLLER_EPOCH);
    zkpath_pstate_t ps = {.controller_epoch = c->epoch,
                          .leader = cp->leader,
                          .leader_epoch = cp->leader_epoch,
                          .nisr = cp->nisr};
    memcpy(ps.isr, cp->isr, (size_t)cp->nisr * sizeof(int32_t));
    char *json = zkpath_pstate_json(&ps);
    if (create) {
        char ppath[512];
        zkpath_partition(ppath, sizeof(ppath), topic, p);
        int rc = ctl_zmkdirs(c, ppath);
        if (rc != ZOK) {
            free(json);
            return rc;
        }
    }
    zoo_op_t ops[2];
    zoo_op_result_t res[2];
    zoo_check_op_init(&ops[0], epath, c->epoch_zkver);
    struct Stat st;
    if (create)
        zoo_create_op_init(&ops[1], spath, json, (int)strlen(json), &ZOO_OPEN_ACL_UNSAFE, 0, NULL,
                           0);
    else
        zoo_set_op_init(&ops[1], spath, json, (int)strlen(json), cp->zkver, &st);
    int rc = zoo_multi(c->zh, 2, ops, res);
    free(json);
    if (rc == ZOK) cp->zkver = create ? 0 : st.version;
    return rc;
}

/* Leader election for one partition (Kafka's OfflinePartitionLeaderElectionStrategy): the
 * first replica in assignment order that is alive and in the ISR; unclean: any live replica. */
static int32_t ctl_pick_leader(const ctl_t *c, const ctl_part_t *cp, bool *unclean)
{
    *unclean = false;
    for (int32_t i = 0; i < cp->nreplicas; i++) {
        int32_t r = cp->replicas[i];
        if (!ctl_broker_live(c, r)) continue;
        for (int32_t j = 0; j < cp->nisr; j++)
            if (cp->isr[j] == r) return r;
    }
    if (c->conf.unclean_leader_election) {
        for (int32_t i = 0; i < cp->nreplicas; i++) {
            if (ctl_broker_live(c, cp->replicas[i])) {
                *unclean = true;
                return cp->replicas[i];
            }
        }
    }
    return -1;
}

/* Bring partitions online: new ones get a state znode; ones whose leader is gone get a new
 * leader from the live ISR; ISR loses dead brokers. Returns true when something changed. */
static bool ctl_elect_partitions(ctl_t *c, ctl_topic_t *t)
{
    bool changed = false;
    for (int32_t p = 0; p < t->nparts; p++) {
        ctl_part_t *cp = &t->parts[p];
        if (!cp->has_state) {
            ctl_part_t np = *cp;
            np.nisr = 0;
            for (int32_t i = 0; i < cp->nreplicas; i++)
                if (ctl_broker_live(c, cp->replicas[i])) np.isr[np.nisr++] = cp->replicas[i];
            if (np.nisr == 0) continue; /* NewPartition with no live replica stays offline */
            np.leader = np.isr[0];
            np.leader_epoch = 0;
            int rc = ctl_write_state(c, t->name, p, &np, true);
            if (rc == ZNODEEXISTS) {
                /* Someone (an earlier controller) got there first: reload on next change. */
                continue;
            }
            if (rc != ZOK) {
                log_error("ctl", "write state of %s-%d failed: %s", t->name, p, zerror(rc));
                continue;
            }
            np.has_state = true;
            *cp = np;
            changed = true;
            continue;
        }
        bool leader_live = cp->leader >= 0 && ctl_broker_live(c, cp->leader);
        int32_t nisr = 0;
        int32_t isr[CTL_MAX_RF];
        for (int32_t i = 0; i < cp->nisr; i++)
            if (ctl_broker_live(c, cp->isr[i])) isr[nisr++] = cp->isr[i];
        if (leader_live && nisr == cp->nisr) continue;
        ctl_part_t np = *cp;
        if (!leader_live) {
            bool unclean;
            np.nisr = nisr;
            memcpy(np.isr, isr, sizeof(isr));
            int32_t l = ctl_pick_leader(c, &np, &unclean);
            if (l < 0) {
                /* No eligible leader: keep the last ISR member as Kafka does, leader -1. */
                if (cp->leader == -1) continue;
                np.leader = -1;
                np.nisr = cp->nisr;
                memcpy(np.isr, cp->isr, sizeof(cp->isr));
                if (np.nisr > 1) {
                    /* shrink to the leader that just died: it holds the committed data */
                    np.isr[0] = cp->leader;
                    np.nisr = 1;
                }
            } else {
                np.leader = l;
                if (unclean) {
                    np.isr[0] = l;
                    np.nisr = 1;
                }
            }
            np.leader_epoch = cp->leader_epoch + 1;
        } else {
            np.nisr = nisr;
            memcpy(np.isr, isr, sizeof(isr));
            np.leader_epoch = cp->leader_epoch + 1;
        }
        int rc = ctl_write_state(c, t->name, p, &np, false);
        if (rc != ZOK) {
            log_error("ctl", "update state of %s-%d failed: %s", t->name, p, zerror(rc));
            continue;
        }
        log_info("ctl", "partition %s-%d: leader %d -> %d, leader epoch %d, ISR size %d", t->name,
                 p, cp->leader, np.leader, np.leader_epoch, np.nisr);
        *cp = np;
        changed = true;
    }
    return changed;
}

static int32_t *ctl_dup_ids(const int32_t *ids, int32_t n)
{
    int32_t *d = malloc((size_t)(n ? n : 1) * sizeof(int32_t));
    if (!d) abort();
    memcpy(d, ids, (size_t)n * sizeof(int32_t));
    return d;
}

/* UpdateMetadata: a full snapshot to every live broker. */
static void ctl_send_metadata(ctl_t *c)
{
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->type = CTL_MSG_METADATA;
    m->controller_id = c->conf.broker_id;
    m->nbrokers = c->nlive;
    m->brokers = calloc((size_t)c->nlive + 1, sizeof(md_broker_t));
    if (!m->brokers) abort();
    memcpy(m->brokers, c->live, (size_t)c->nlive * sizeof(md_broker_t));
    m->topics = calloc(dict_size(c->topics) + 1, sizeof(md_topic_t));
    if (!m->topics) abort();
    size_t it = 0;
    void *v;
    while (dict_next(c->topics, &it, NULL, &v)) {
        ctl_topic_t *t = v;
        if (t->deleting) continue;
        md_topic_t *mt = &m->topics[m->ntopics++];
        mt->name = strdup(t->name);
        memcpy(mt->id, t->id, 16);
        mt->internal = strcmp(t->name, "__consumer_offsets") == 0 ||
                       strcmp(t->name, "__transaction_state") == 0;
        mt->nparts = t->nparts;
        mt->parts = calloc((size_t)(t->nparts ? t->nparts : 1), sizeof(md_part_t));
        if (!mt->name || !mt->parts) abort();
        for (int32_t p = 0; p < t->nparts; p++) {
            ctl_part_t *cp = &t->parts[p];
            md_part_t *mp = &mt->parts[p];
            mp->leader = cp->has_state ? cp->leader : -1;
            mp->leader_epoch = cp->has_state ? cp->leader_epoch : -1;
            mp->nreplicas = cp->nreplicas;
            mp->replicas = ctl_dup_ids(cp->replicas, cp->nreplicas);
            mp->nisr = cp->has_state ? cp->nisr : 0;
            mp->isr = ctl_dup_ids(cp->isr, mp->nisr);
            int32_t off[CTL_MAX_RF], noff = 0;
            for (int32_t i = 0; i < cp->nreplicas; i++)
                if (!ctl_broker_live(c, cp->replicas[i])) off[noff++] = cp->replicas[i];
            mp->noffline = noff;
            mp->offline = ctl_dup_ids(off, noff);
        }
    }
    /* Only this broker is reached for now; remote brokers get UpdateMetadata over the wire
     * once inter-broker channels exist (replication issue). */
    ctl_send(c, m);
}

/* LeaderAndIsr for every partition with a state that this broker hosts. */
static void ctl_send_leader_and_isr(ctl_t *c, ctl_topic_t *only)
{
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->type = CTL_MSG_LEADER_AND_ISR;
    size_t cap = 16;
    m->parts = calloc(cap, sizeof(ctl_pinfo_t));
    if (!m->parts) abort();
    size_t it = 0;
    void *v;
    while (dict_next(c->topics, &it, NULL, &v)) {
        ctl_topic_t *t = v;
        if ((only && t != only) || t->deleting) continue;
        for (int32_t p = 0; p < t->nparts; p++) {
            ctl_part_t *cp = &t->parts[p];
            if (!cp->has_state) continue;
            bool hosted = false;
            for (int32_t i = 0; i < cp->nreplicas; i++)
                hosted = hosted || cp->replicas[i] == c->conf.broker_id;
            if (!hosted) continue;
            if ((size_t)m->nparts == cap) {
                cap *= 2;
                m->parts = realloc(m->parts, cap * sizeof(ctl_pinfo_t));
                if (!m->parts) abort();
            }
            ctl_pinfo_t *pi = &m->parts[m->nparts++];
            memset(pi, 0, sizeof(*pi));
            pi->topic = strdup(t->name);
            pi->partition = p;
            pi->leader = cp->leader;
            pi->leader_epoch = cp->leader_epoch;
            pi->nreplicas = cp->nreplicas;
            memcpy(pi->replicas, cp->replicas, sizeof(cp->replicas));
            pi->nisr = cp->nisr;
            memcpy(pi->isr, cp->isr, sizeof(cp->isr));
        }
    }
    if (m->nparts == 0) {
        ctl_msg_free(m);
        return;
    }
    ctl_send(c, m);
}

static void ctl_warn_remote_brokers(ctl_t *c)
{
    for (int i = 0; i < c->nlive; i++) {
        if (c->live[i].id == c->conf.broker_id) continue;
        log_warn("ctl",
                 "broker %d is registered but inter-broker replication is not implemented "
                 "yet: it receives no LeaderAndIsr/UpdateMetadata from this controller",
                 c->live[i].id);
    }
}

/* Topics: pick up new ones from /brokers/topics (watching it). */
static void ctl_sync_topics(ctl_t *c)
{
    struct String_vector sv;
    int rc = ctl_zchildren(c, ZKPATH_BROKER_TOPICS, true, &sv);
    if (rc != ZOK) {
        log_error("ctl", "list %s failed: %s", ZKPATH_BROKER_TOPICS, zerror(rc));
        return;
    }
    bool changed = false;
    for (int i = 0; i < sv.count; i++) {
        if (dict_get(c->topics, sv.data[i])) continue;
        ctl_topic_t *t = ctl_load_topic(c, sv.data[i]);
        if (!t) continue;
        dict_set(c->topics, t->name, t);
        ctl_elect_partitions(c, t);
        log_info("ctl", "new topic %s with %d partitions", t->name, t->nparts);
        ctl_send_leader_and_isr(c, t);
        changed = true;
    }
    /* topics removed behind our back */
    size_t it = 0;
    const char *name;
    void *v;
    while (dict_next(c->topics, &it, &name, &v)) {
        bool found = false;
        for (int i = 0; i < sv.count && !found; i++) found = strcmp(sv.data[i], name) == 0;
        if (!found) {
            ctl_topic_free(dict_del(c->topics, name));
            changed = true;
        }
    }
    deallocate_String_vector(&sv);
    if (changed) ctl_send_metadata(c);
}

/* A topic's assignment znode changed (partitions added). */
static void ctl_topic_changed(ctl_t *c, const char *name)
{
    ctl_topic_t *old = dict_get(c->topics, name);
    if (!old) return;
    ctl_topic_t *t = ctl_load_topic(c, name);
    if (!t) return;
    t->deleting = old->deleting;
    ctl_topic_free(dict_set(c->topics, t->name, t));
    ctl_elect_partitions(c, t);
    ctl_send_leader_and_isr(c, t);
    ctl_send_metadata(c);
}

static void ctl_process_deletions(ctl_t *c)
{
    struct String_vector sv;
    if (ctl_zchildren(c, ZKPATH_ADMIN_DELETE_TOPICS, true, &sv) != ZOK) return;
    for (int i = 0; i < sv.count; i++) {
        const char *name = sv.data[i];
        char path[512];
        ctl_topic_t *t = dict_get(c->topics, name);
        if (t) {
            t->deleting = true;
            ctl_send_metadata(c); /* gone from metadata first, as Kafka does */
            ctl_msg_t *m = calloc(1, sizeof(*m));
            if (!m) abort();
            m->type = CTL_MSG_STOP_REPLICA;
            m->parts = calloc((size_t)(t->nparts ? t->nparts : 1), sizeof(ctl_pinfo_t));
            if (!m->parts) abort();
            for (int32_t p = 0; p < t->nparts; p++) {
                bool hosted = false;
                for (int32_t r = 0; r < t->parts[p].nreplicas; r++)
                    hosted = hosted || t->parts[p].replicas[r] == c->conf.broker_id;
                if (!hosted) continue;
                ctl_pinfo_t *pi = &m->parts[m->nparts++];
                pi->topic = strdup(name);
                pi->partition = p;
                pi->del = true;
            }
            ctl_send(c, m);
            zkpath_topic(path, sizeof(path), name);
            int rc = ctl_zdelete_recursive(c, path);
            if (rc != ZOK) log_error("ctl", "delete %s failed: %s", path, zerror(rc));
            zkpath_topic_config(path, sizeof(path), name);
            ctl_zdelete_recursive(c, path);
            ctl_topic_free(dict_del(c->topics, name));
            log_info("ctl", "deleted topic %s", name);
        }
        snprintf(path, sizeof(path), "%s/%s", ZKPATH_ADMIN_DELETE_TOPICS, name);
        zoo_delete(c->zh, path, -1);
    }
    deallocate_String_vector(&sv);
}

static void ctl_resign(ctl_t *c)
{
    if (!c->active) return;
    log_info("ctl", "resigning as controller (epoch %d)", c->epoch);
    c->active = false;
    dict_free(c->topics, ctl_topic_free);
    c->topics = NULL;
}

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
            c->epoch = 1;
            c->epoch_zkver = 0;
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
        c->epoch = epoch;
        c->epoch_zkver = nst.version;
        return true;
    }
    return false;
}

static void ctl_become_controller(ctl_t *c)
{
    if (!ctl_bump_epoch(c)) {
        log_error("ctl", "could not increment %s; not acting as controller",
                  ZKPATH_CONTROLLER_EPOCH);
        zoo_delete(c->zh, ZKPATH_CONTROLLER, -1);
        return;
    }
    c->active = true;
    c->controller_id = c->conf.broker_id;
    c->topics = dict_new();
    log_info("ctl", "broker %d is the controller (epoch %d)", c->conf.broker_id, c->epoch);
    ctl_load_brokers(c, true);
    ctl_warn_remote_brokers(c);
    struct String_vector sv;
    if (ctl_zchildren(c, ZKPATH_BROKER_TOPICS, true, &sv) == ZOK) {
        for (int i = 0; i < sv.count; i++) {
            ctl_topic_t *t = ctl_load_topic(c, sv.data[i]);
            if (t) dict_set(c->topics, t->name, t);
        }
        deallocate_String_vector(&sv);
    }
    size_t it = 0;
    void *v;
    while (dict_next(c->topics, &it, NULL, &v)) ctl_elect_partitions(c, v);
    ctl_send_metadata(c);
    ctl_send_leader_and_isr(c, NULL);
    ctl_process_deletions(c);
}

/* Try to win /controller; watch it either way. */
static void ctl_elect(ctl_t *c)
{
    if (c->active) return;
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
    if (rc == ZOK || id == c->conf.broker_id) {
        ctl_become_controller(c);
    } else {
        log_info("ctl", "broker %d is the controller", id);
        /* Followers learn metadata through UpdateMetadata from the controller; tell the
         * reactor who the controller is now. */
    }
}

/* ---------------------------------------------------------------- main loop */

static void ctl_handle_watch(ctl_t *c, ctl_ev_t *ev)
{
    const char *path = ev->path;
    if (strcmp(path, ZKPATH_CONTROLLER) == 0) {
        ctl_elect(c);
        return;
    }
    if (strcmp(path, ZKPATH_CONFIG_CHANGES) == 0) {
        ctl_config_changes(c);
        return;
    }
    if (!c->active) return;
    if (strcmp(path, ZKPATH_BROKER_IDS) == 0) {
        ctl_load_brokers(c, true);
        ctl_warn_remote_brokers(c);
        size_t it = 0;
        void *v;
        while (dict_next(c->topics, &it, NULL, &v))
            if (ctl_elect_partitions(c, v)) ctl_send_leader_and_isr(c, v);
        ctl_send_metadata(c);
    } else if (strcmp(path, ZKPATH_BROKER_TOPICS) == 0) {
        ctl_sync_topics(c);
    } else if (strcmp(path, ZKPATH_ADMIN_DELETE_TOPICS) == 0) {
        ctl_process_deletions(c);
    } else if (strncmp(path, ZKPATH_BROKER_TOPICS "/", strlen(ZKPATH_BROKER_TOPICS) + 1) == 0 &&
               ev->zk_type == ZOO_CHANGED_EVENT) {
        ctl_topic_changed(c, path + strlen(ZKPATH_BROKER_TOPICS) + 1);
    } else if (strncmp(path, ZKPATH_BROKER_TOPICS "/", strlen(ZKPATH_BROKER_TOPICS) + 1) == 0 &&
               ev->zk_type != ZOO_DELETED_EVENT) {
        /* re-arm a data watch that fired for another reason */
        char *d = NULL;
        if (ctl_zget(c, path, true, &d, NULL) == ZOK) free(d);
    }
}

/* Everything a fresh session needs: paths, cluster id, registration, watches, election. */
static bool ctl_session_setup(ctl_t *c)
{
    if (!ctl_ensure_paths(c) || !ctl_cluster_id(c) || !ctl_register(c)) return false;
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->type = CTL_MSG_STARTED;
    snprintf(m->cluster_id, sizeof(m->cluster_id), "%s", c->cluster_id);
    ctl_send(c, m);
    ctl_load_all_topic_configs(c);
    ctl_config_changes(c);
    ctl_elect(c);
    return true;
}

static void *ctl_main(void *arg)
{
    ctl_t *c = arg;
    int failures = 0;
    while (!c->stop) {
        if (!c->zh || c->expired) {
            if (c->zh) {
                ctl_resign(c);
                zookeeper_close(c->zh);
                c->zh = NULL;
                log_warn("ctl", "ZooKeeper session expired; re-registering");
            }
            if (!ctl_connect(c) || !ctl_session_setup(c)) {
                if (++failures >= 3 && !c->cluster_id[0]) {
                    ctl_send_fatal(c, "cannot reach ZooKeeper or register this broker");
                    break;
                }
                if (c->zh) {
                    zookeeper_close(c->zh);
                    c->zh = NULL;
                }
                continue;
            }
            failures = 0;
        }
        ctl_ev_t *ev = ctl_pop(c, 1000);
        if (!ev) continue;
        switch (ev->type) {
        case CTL_EV_STOP:
            c->stop = true;
            break;
        case CTL_EV_SESSION:
            ctl_session_state(c, ev->zk_state);
            break;
        case CTL_EV_WATCH:
            ctl_handle_watch(c, ev);
            break;
        case CTL_EV_OP:
            ctl_run_op(c, ev->op);
            break;
        }
        ctl_ev_free(ev);
    }
    /* Fail queued ops so their requests get an answer. */
    ctl_ev_t *ev;
    while ((ev = ctl_pop(c, 0))) {
        if (ev->type == CTL_EV_OP) {
            ctl_fail_op(c, ev->op, KERR_REQUEST_TIMED_OUT, "broker shutting down");
        }
        ctl_ev_free(ev);
    }
    ctl_resign(c);
    if (c->zh) {
        zookeeper_close(c->zh); /* removes our ephemeral registration (and /controller) */
        c->zh = NULL;
    }
    return NULL;
}

ctl_t *ctl_start(ev_loop_t *loop, const ctl_conf_t *conf, ctl_deliver_fn *deliver, void *arg)
{
    ctl_t *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    c->loop = loop;
    c->conf = *conf;
    c->conf.zk_connect = strdup(conf->zk_connect);
    c->deliver = deliver;
    c->deliver_arg = arg;
    c->controller_id = -1;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    srand((unsigned)(ktime_wall_ms() ^ (conf->broker_id * 7919)));
    if (pthread_create(&c->thread, NULL, ctl_main, c) != 0) {
        free((char *)c->conf.zk_connect);
        free(c);
        return NULL;
    }
    return c;
}

void ctl_stop(ctl_t *c)
{
    if (!c) return;
    ctl_ev_t *ev = calloc(1, sizeof(*ev));
    if (!ev) abort();
    ev->type = CTL_EV_STOP;
    ctl_push(c, ev);
    pthread_join(c->thread, NULL);
    free(c->live);
    free(c->live_epoch);
    free((char *)c->conf.zk_connect);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
}
