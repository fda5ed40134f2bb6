/* ctl.c: the coordinator thread (see ctl.h): event queue, ZooKeeper session, broker
 * registration, topic, broker and quota configs, and the main loop that hands each event to
 * the file of its idea (the file map is at the top of ctl.h).
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
        c->expirations++;
    } else if (state == ZOO_CONNECTING_STATE) {
        c->connected = false;
    }
}

bool ctl_is_active(ctl_t *c)
{
    return atomic_load(&c->ctrl.active);
}

bool ctl_zk_connected(ctl_t *c)
{
    return atomic_load(&c->connected);
}

int ctl_zk_expirations(ctl_t *c)
{
    return atomic_load(&c->expirations);
}

/* Open a session and wait (bounded) until connected; session events that arrive meanwhile are
 * consumed here, watch events are kept for later. */
static bool ctl_connect(ctl_t *c)
{
    zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
    c->connected = false;
    c->expired = false;
    c->zh = zookeeper_init(c->conf.zk_connect, ctl_watcher, c->conf.session_timeout_ms, NULL, c, 0);
    if (!c->zh) {
        log_error("ctl", "zookeeper_init(%s) failed: %s", c->conf.zk_connect, strerror(errno));
        return false;
    }
    int arc = zkauth_apply(&c->conf.zkauth, c->zh); /* each new session logs in again */
    if (arc != ZOK) log_error("ctl", "ZooKeeper digest login failed: %s", zerror(arc));
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
    struct Stat st;
    if (zoo_exists(c->zh, path, 0, &st) == ZOK) c->broker_epoch = st.czxid;
    log_info("ctl", "registered broker %d at %s (broker epoch %lld)", c->conf.broker_id, path,
             (long long)c->broker_epoch);
    return true;
}

/* ---------------------------------------------------------------- topic configs */

/* Read the config znode at path and hand it to the reactor as a message of type about name
 * (taken; NULL allowed). */
static void ctl_send_config(ctl_t *c, ctl_msg_type_t type, const char *path, char *name)
{
    char *data = NULL;
    int rc = ctl_zget(c, path, false, &data, NULL);
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->type = type;
    m->topic = name;
    if (rc == ZOK && data && *data &&
        zkpath_config_parse(data, &m->ncfg, &m->cfg_keys, &m->cfg_vals) != KERR_NONE)
        log_warn("ctl", "malformed config JSON at %s ignored", path);
    free(data);
    ctl_send(c, m);
}

void ctl_load_topic_config(ctl_t *c, const char *topic)
{
    char path[512];
    zkpath_topic_config(path, sizeof(path), topic);
    ctl_send_config(c, CTL_MSG_TOPIC_CONFIG, path, strdup(topic));
}

/* /config/brokers/<id> (id < 0: <default>) to the reactor as CTL_MSG_BROKER_CONFIG. */
void ctl_load_broker_config(ctl_t *c, int32_t id)
{
    char path[512];
    zkpath_broker_config(path, sizeof(path), id);
    ctl_send_config(c, CTL_MSG_BROKER_CONFIG, path,
                    id < 0 ? NULL : strdup(path + strlen(ZKPATH_CONFIG_BROKERS "/")));
}

/* ---------------------------------------------------------------- client quotas */

void ctl_load_quota_entity(ctl_t *c, const char *entity_path)
{
    char path[1024];
    snprintf(path, sizeof(path), "/config/%s", entity_path);
    ctl_send_config(c, CTL_MSG_QUOTA_CONFIG, path, strdup(entity_path));
}

/* The children of dir, each delivered as entity prefix/<child> (and, for users, their
 * users/<u>/clients/<c> children too), as Kafka's DynamicConfigManager reads every entity
 * when it starts; later changes come through /config/changes. */
static void ctl_load_quota_dir(ctl_t *c, const char *dir, const char *prefix, bool users)
{
    struct String_vector sv;
    if (ctl_zchildren(c, dir, false, &sv) != ZOK) return;
    for (int i = 0; i < sv.count; i++) {
        char entity[1024], sub[1024];
        snprintf(entity, sizeof(entity), "%s/%s", prefix, sv.data[i]);
        ctl_load_quota_entity(c, entity);
        if (!users) continue;
        snprintf(sub, sizeof(sub), "%s/%s/clients", dir, sv.data[i]);
        char subprefix[1024];
        snprintf(subprefix, sizeof(subprefix), "%s/clients", entity);
        ctl_load_quota_dir(c, sub, subprefix, false);
    }
    deallocate_String_vector(&sv);
}

/* Every broker follows /config/topics (children, watched): a topic's config znode is written
 * before its assignment, so a broker knows a new topic's overrides (min.insync.replicas,
 * retention...) by the time it hosts its partitions, as Kafka's brokers read them when they
 * create the log. Later changes arrive through /config/changes. */
static void ctl_load_all_topic_configs(ctl_t *c)
{
    struct String_vector sv;
    if (ctl_zchildren(c, ZKPATH_CONFIG_TOPICS, true, &sv) != ZOK) return;
    if (!c->known_configs) c->known_configs = dict_new();
    for (int i = 0; i < sv.count; i++) {
        if (dict_get(c->known_configs, sv.data[i])) continue;
        dict_set(c->known_configs, sv.data[i], (void *)1);
        ctl_load_topic_config(c, sv.data[i]);
    }
    /* forget deleted ones, so a topic created again under the same name is read again */
    size_t it = 0;
    const char *name;
    while (dict_next(c->known_configs, &it, &name, NULL)) {
        bool found = false;
        for (int i = 0; i < sv.count && !found; i++) found = strcmp(sv.data[i], name) == 0;
        if (!found) dict_del(c->known_configs, name);
    }
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
            char own[32];
            snprintf(own, sizeof(own), "brokers/%d", c->conf.broker_id);
            if (zkpath_config_change_parse(data, entity, sizeof(entity)) != KERR_NONE)
                entity[0] = '\0';
            if (strncmp(entity, "topics/", 7) == 0)
                ctl_load_topic_config(c, entity + 7);
            else if (strcmp(entity, own) == 0)
                ctl_load_broker_config(c, c->conf.broker_id);
            else if (strcmp(entity, "brokers/<default>") == 0)
                ctl_load_broker_config(c, -1);
            else if (strncmp(entity, "clients/", 8) == 0 || strncmp(entity, "users/", 6) == 0)
                ctl_load_quota_entity(c, entity);
        }
        free(data);
        snprintf(c->last_change, sizeof(c->last_change), "%s", sv.data[i]);
    }
    deallocate_String_vector(&sv);
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
    if (strcmp(path, ZKPATH_CONFIG_TOPICS) == 0) {
        ctl_load_all_topic_configs(c);
        return;
    }
    if (ctl_acl_watch(c, path)) return;
    if (!c->ctrl.active) return;
    size_t tl = strlen(ZKPATH_BROKER_TOPICS);
    if (strcmp(path, ZKPATH_BROKER_IDS) == 0) {
        ctl_on_brokers_changed(c);
    } else if (strcmp(path, ZKPATH_BROKER_TOPICS) == 0) {
        ctl_on_topics_changed(c);
    } else if (strcmp(path, ZKPATH_ADMIN_DELETE_TOPICS) == 0) {
        ctl_on_delete_topics(c);
    } else if (strcmp(path, ZKPATH_ADMIN_PREFERRED_REPLICA_ELECTION) == 0) {
        ctl_on_preferred_election(c);
    } else if (strcmp(path, ZKPATH_ADMIN_REASSIGN_PARTITIONS) == 0) {
        ctl_on_reassign_znode(c);
    } else if (strcmp(path, ZKPATH_LOG_DIR_EVENT) == 0) {
        ctl_on_log_dir_events(c);
    } else if (strncmp(path, ZKPATH_BROKER_TOPICS "/", tl + 1) == 0 &&
               ev->zk_type == ZOO_CHANGED_EVENT) {
        ctl_on_topic_changed(c, path + tl + 1);
    } else if (strncmp(path, ZKPATH_BROKER_TOPICS "/", tl + 1) == 0 &&
               ev->zk_type != ZOO_DELETED_EVENT) {
        /* re-arm a data watch that fired for another reason */
        char *d = NULL;
        if (ctl_zget(c, path, true, &d, NULL) == ZOK) free(d);
    }
}

/* Everything a fresh session needs: paths, cluster id, registration, watches, election. */
static bool ctl_session_setup(ctl_t *c)
{
    if (!ctl_ensure_paths(c) || !ctl_cluster_id(c)) return false;
    /* the ACLs reach the reactor before the controller can know of us (Kafka configures the
     * authorizer before it serves): its first requests are judged with them */
    ctl_acl_load_all(c);
    if (!ctl_register(c)) return false;
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->type = CTL_MSG_STARTED;
    snprintf(m->cluster_id, sizeof(m->cluster_id), "%s", c->cluster_id);
    m->broker_epoch = c->broker_epoch;
    /* users first: their SCRAM credentials must be known when the listeners open */
    ctl_load_quota_dir(c, ZKPATH_CONFIG_CLIENTS, "clients", false);
    ctl_load_quota_dir(c, ZKPATH_CONFIG_USERS, "users", true);
    ctl_send(c, m);
    dict_free(c->known_configs, NULL); /* a new session reads every config again */
    c->known_configs = NULL;
    ctl_load_all_topic_configs(c);
    ctl_load_broker_config(c, -1);
    ctl_load_broker_config(c, c->conf.broker_id);
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
        ctl_ctrl_tick(c, ktime_mono_ms());
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
        zkauth_free(&c->conf.zkauth);
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
    free(c->ctrl.live);
    dict_free(c->known_configs, NULL);
    free((char *)c->conf.zk_connect);
    zkauth_free(&c->conf.zkauth);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
}
