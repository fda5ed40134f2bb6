/* herder.c: connector and task lifecycle on one worker (worker.h). The config state says
 * what should exist; the assignment (everything in standalone) says what runs here;
 * kc_herder_reconcile() starts and stops instances until what runs matches. */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

kc_herder_t *kc_herder_new(json_t *wcfg, bool distributed)
{
    kc_herder_t *h = calloc(1, sizeof *h);
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->changed, NULL);
    h->wcfg = wcfg;
    h->distributed = distributed;
    h->configs = json_object();
    h->targets = json_object();
    h->task_configs = json_object();
    h->status = json_object();
    return h;
}

void kc_herder_free(kc_herder_t *h)
{
    if (!h) return;
    json_decref(h->configs);
    json_decref(h->targets);
    json_decref(h->task_configs);
    json_decref(h->status);
    json_decref(h->assigned_conns);
    json_decref(h->assigned_tasks);
    free(h->leader_url);
    free(h->conns);
    free(h->tasks);
    free(h->kafka_cluster_id);
    pthread_cond_destroy(&h->changed);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

void kc_herder_set_status(kc_herder_t *h, const char *key, const char *state, const char *trace)
{
    json_t *st = json_pack("{ss so ss sI}", "state", state, "trace",
                           trace ? json_string(trace) : json_null(), "worker_id", h->worker_id,
                           "generation", (json_int_t)h->generation);
    json_object_set(h->status, key, st);
    if (h->backing && h->backing->put_status) h->backing->put_status(h, key, st);
    json_decref(st);
    pthread_cond_broadcast(&h->changed);
}

static void task_key(char *buf, size_t n, const char *name, int id)
{
    snprintf(buf, n, "status-task-%s-%d", name, id);
}

void kc_task_report(kc_task_t *t, const char *state, const char *trace)
{
    kc_herder_t *h = t->h;
    char key[600];
    task_key(key, sizeof key, t->cname, t->id);
    pthread_mutex_lock(&h->lock);
    /* A stopping task's last words are not news unless it failed. */
    if (!atomic_load(&t->stop) || strcmp(state, KC_ST_FAILED) == 0)
        kc_herder_set_status(h, key, state, trace);
    pthread_mutex_unlock(&h->lock);
    if (strcmp(state, KC_ST_FAILED) == 0)
        log_error("connect", "task %s-%d failed: %s", t->cname, t->id, trace ? trace : "");
}

void kc_task_topic(kc_task_t *t, const char *topic)
{
    kc_herder_t *h = t->h;
    char key[1200];
    snprintf(key, sizeof key, "topic-%s-connector-%s", topic, t->cname);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    pthread_mutex_lock(&h->lock);
    if (!json_object_get(h->status, key)) {
        json_t *v =
            json_pack("{s{sssssisI}}", "topic", "name", topic, "connector", t->cname, "task", t->id,
                      "discoverTimestamp", (json_int_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
        json_object_set(h->status, key, v);
        if (h->backing && h->backing->put_status) h->backing->put_status(h, key, v);
        json_decref(v);
    }
    pthread_mutex_unlock(&h->lock);
}

bool kc_herder_assigned_conn(const kc_herder_t *h, const char *name)
{
    if (!h->distributed) return true;
    size_t i;
    json_t *v;
    json_array_foreach(h->assigned_conns, i,
                       v) if (strcmp(json_string_value(v), name) == 0) return true;
    return false;
}

bool kc_herder_assigned_task(const kc_herder_t *h, const char *name, int id)
{
    if (!h->distributed) return true;
    char want[600];
    snprintf(want, sizeof want, "%s-%d", name, id);
    size_t i;
    json_t *v;
    json_array_foreach(h->assigned_tasks, i,
                       v) if (strcmp(json_string_value(v), want) == 0) return true;
    return false;
}

kc_task_t *kc_herder_task(kc_herder_t *h, const char *name, int id)
{
    for (size_t i = 0; i < h->ntasks; i++)
        if (strcmp(h->tasks[i]->cname, name) == 0 && h->tasks[i]->id == id) return h->tasks[i];
    return NULL;
}

static kc_conn_t *find_conn(kc_herder_t *h, const char *name)
{
    for (size_t i = 0; i < h->nconns; i++)
        if (strcmp(h->conns[i]->name, name) == 0) return h->conns[i];
    return NULL;
}

static kc_target_t target_of(const kc_herder_t *h, const char *name)
{
    const char *t = json_string_value(json_object_get(h->targets, name));
    if (t && strcmp(t, "PAUSED") == 0) return KC_TARGET_PAUSED;
    if (t && strcmp(t, "STOPPED") == 0) return KC_TARGET_STOPPED;
    return KC_TARGET_STARTED;
}

/* --- applying state --- */

void kc_herder_apply_config(kc_herder_t *h, const char *name, const json_t *config)
{
    if (config) {
        json_object_set_new(h->configs, name, json_deep_copy(config));
    } else {
        json_object_del(h->configs, name);
        json_object_del(h->targets, name);
        json_object_del(h->task_configs, name);
    }
    pthread_cond_broadcast(&h->changed);
}

void kc_herder_apply_target(kc_herder_t *h, const char *name, kc_target_t t)
{
    json_object_set_new(h->targets, name, json_string(kc_target_name(t)));
    pthread_cond_broadcast(&h->changed);
}

void kc_herder_apply_tasks(kc_herder_t *h, const char *name, const json_t *tasks)
{
    json_object_set_new(h->task_configs, name, json_deep_copy(tasks));
    pthread_cond_broadcast(&h->changed);
}

/* --- stopping --- */

/* Join a stopping task for up to task.shutdown.graceful.timeout.ms; one that does not
 * return is abandoned (detached), as Kafka abandons a task that ignores stop. Lock NOT held. */
static void task_join(kc_herder_t *h, kc_task_t *t)
{
    int64_t ms = kc_wcfg_int(h->wcfg, "task.shutdown.graceful.timeout.ms");
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (ms % 1000) * 1000000;
    if (dl.tv_nsec >= 1000000000) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000;
    }
    if (pthread_timedjoin_np(t->thread, NULL, &dl) != 0) {
        log_warn("connect", "task %s-%d did not stop within %lld ms; abandoned", t->cname, t->id,
                 (long long)ms);
        pthread_detach(t->thread);
        return; /* leaked on purpose: the thread may still use it */
    }
    json_decref(t->config);
    json_decref(t->cconfig);
    free(t->cname);
    free(t);
}

/* Stop the tasks for which pick() is true: take them out, release the lock while they are
 * joined (a stopping task may report), take it back. */
static void stop_tasks_where(kc_herder_t *h, bool (*pick)(kc_herder_t *, kc_task_t *, void *),
                             void *arg)
{
    kc_task_t **gone = calloc(h->ntasks + 1, sizeof *gone);
    size_t ngone = 0, keep = 0;
    for (size_t i = 0; i < h->ntasks; i++) {
        kc_task_t *t = h->tasks[i];
        if (pick(h, t, arg)) {
            atomic_store(&t->stop, true);
            gone[ngone++] = t;
        } else
            h->tasks[keep++] = t;
    }
    h->ntasks = keep;
    if (ngone) {
        pthread_mutex_unlock(&h->lock);
        for (size_t i = 0; i < ngone; i++) task_join(h, gone[i]);
        pthread_mutex_lock(&h->lock);
    }
    free(gone);
}

static void conn_stop(kc_herder_t *h, kc_conn_t *c)
{
    if (c->inst)
        c->plugin->kind == KC_PLUGIN_SOURCE ? c->plugin->ops.source.connector.stop(c->inst)
                                            : c->plugin->ops.sink.connector.stop(c->inst);
    c->inst = NULL;
    for (size_t i = 0; i < h->nconns; i++)
        if (h->conns[i] == c) {
            h->conns[i] = h->conns[--h->nconns];
            break;
        }
    json_decref(c->config);
    free(c->name);
    free(c);
}

static bool pick_all(kc_herder_t *h, kc_task_t *t, void *arg)
{
    (void)h, (void)t, (void)arg;
    return true;
}

void kc_herder_stop_all(kc_herder_t *h)
{
    stop_tasks_where(h, pick_all, NULL);
    while (h->nconns) conn_stop(h, h->conns[0]);
}

/* --- starting --- */

static void ctx_reconfigure(kc_connector_ctx_t *ctx)
{
    kc_conn_t *c = ctx->rt;
    c->reconfigure = true; /* picked up by the next reconcile */
}

static void ctx_raise(kc_connector_ctx_t *ctx, const char *reason)
{
    log_error("connect", "connector %s raised an error: %s", ctx->name, reason);
}

static const kc_connector_ops_t *conn_ops(const kc_plugin_t *p)
{
    return p->kind == KC_PLUGIN_SOURCE ? &p->ops.source.connector : &p->ops.sink.connector;
}

/* The task configs the connector wants, each merged over the connector config with
 * task.class, as the runtime promises plugins (connector.h). */
static json_t *conn_task_configs(kc_conn_t *c)
{
    int max = (int)kc_cfg_int(kc_common_defs, kc_ncommon_defs, c->config, "tasks.max");
    json_t *raw = conn_ops(c->plugin)->task_configs(c->inst, max < 1 ? 1 : max);
    json_t *out = json_array();
    size_t i;
    json_t *tc;
    json_array_foreach(raw, i, tc)
    {
        if ((int)i >= max) break;
        json_t *m = json_deep_copy(c->config);
        json_object_update(m, tc);
        json_object_set_new(m, "task.class", json_string(c->plugin->class_name));
        json_array_append_new(out, m);
    }
    json_decref(raw);
    return out;
}

static void conn_start(kc_herder_t *h, const char *name, const json_t *config)
{
    char key[600], err[1024] = "";
    snprintf(key, sizeof key, "status-connector-%s", name);
    kc_target_t target = target_of(h, name);
    const char *cls = json_string_value(json_object_get(config, "connector.class"));
    const kc_plugin_t *p = kc_plugin_find(KC_PLUGIN_SOURCE, cls);
    if (!p) p = kc_plugin_find(KC_PLUGIN_SINK, cls);
    kc_conn_t *c = calloc(1, sizeof *c);
    c->name = strdup(name);
    c->config = json_deep_copy(config);
    c->plugin = p;
    c->ctx = (kc_connector_ctx_t){c, c->name, ctx_reconfigure, ctx_raise};
    h->conns = realloc(h->conns, (h->nconns + 1) * sizeof *h->conns);
    h->conns[h->nconns++] = c;
    if (!p) {
        snprintf(err, sizeof err,
                 "Failed to find any class that implements Connector and which "
                 "name matches %s",
                 cls ? cls : "null");
        kc_herder_set_status(h, key, KC_ST_FAILED, err);
        c->failed = true;
        return;
    }
    if (target == KC_TARGET_STOPPED) {
        kc_herder_set_status(h, key, KC_ST_STOPPED, NULL);
        json_t *none = json_array();
        if (json_array_size(json_object_get(h->task_configs, name)))
            h->backing->put_task_configs(h, name, none);
        json_decref(none);
        return;
    }
    c->inst = conn_ops(p)->start(config, &c->ctx, err, sizeof err);
    if (!c->inst) {
        char *trace = kc_trace("org.apache.kafka.connect.errors.ConnectException",
                               err[0] ? err : "connector start failed", NULL);
        kc_herder_set_status(h, key, KC_ST_FAILED, trace);
        free(trace);
        c->failed = true;
        return;
    }
    kc_herder_set_status(h, key, target == KC_TARGET_PAUSED ? KC_ST_PAUSED : KC_ST_RUNNING, NULL);
    c->reconfigure = true;
}

/* Recompute task configs of a running connector; store them when they changed. */
static void conn_update_tasks(kc_herder_t *h, kc_conn_t *c)
{
    c->reconfigure = false;
    json_t *tcs = conn_task_configs(c);
    if (!json_equal(tcs, json_object_get(h->task_configs, c->name)))
        h->backing->put_task_configs(h, c->name, tcs);
    json_decref(tcs);
}

static void task_start(kc_herder_t *h, const char *name, int id, const json_t *tc,
                       const json_t *cconfig)
{
    kc_task_t *t = calloc(1, sizeof *t);
    t->h = h;
    t->cname = strdup(name);
    t->id = id;
    t->config = json_deep_copy(tc);
    t->cconfig = json_deep_copy(cconfig);
    atomic_store(&t->paused, target_of(h, name) == KC_TARGET_PAUSED);
    const char *cls = json_string_value(json_object_get(cconfig, "connector.class"));
    bool sink = kc_plugin_find(KC_PLUGIN_SINK, cls) != NULL;
    char key[600];
    task_key(key, sizeof key, name, id);
    if (pthread_create(&t->thread, NULL, sink ? kc_sink_task_main : kc_source_task_main, t)) {
        kc_herder_set_status(h, key, KC_ST_FAILED, "cannot start the task thread");
        json_decref(t->config);
        json_decref(t->cconfig);
        free(t->cname);
        free(t);
        return;
    }
    h->tasks = realloc(h->tasks, (h->ntasks + 1) * sizeof *h->tasks);
    h->tasks[h->ntasks++] = t;
}

/* --- reconcile --- */

/* A task that should not run (any more) as it is. */
static bool pick_stale(kc_herder_t *h, kc_task_t *t, void *arg)
{
    (void)arg;
    const json_t *cfg = json_object_get(h->configs, t->cname);
    const json_t *tc = json_array_get(json_object_get(h->task_configs, t->cname), (size_t)t->id);
    return !cfg || !tc || !json_equal(tc, t->config) || !json_equal(cfg, t->cconfig) ||
           target_of(h, t->cname) == KC_TARGET_STOPPED ||
           !kc_herder_assigned_task(h, t->cname, t->id);
}

static void reconcile_conns(kc_herder_t *h)
{
    for (size_t i = h->nconns; i-- > 0;) {
        kc_conn_t *c = h->conns[i];
        const json_t *cfg = json_object_get(h->configs, c->name);
        bool want_stopped = target_of(h, c->name) == KC_TARGET_STOPPED;
        bool flip = (c->inst && want_stopped) || (!c->inst && !c->failed && !want_stopped);
        if (!cfg || !json_equal(cfg, c->config) || !kc_herder_assigned_conn(h, c->name) || flip)
            conn_stop(h, c);
    }
    const char *name;
    json_t *cfg;
    json_object_foreach(h->configs, name, cfg)
    {
        if (!kc_herder_assigned_conn(h, name)) continue;
        kc_conn_t *c = find_conn(h, name);
        if (!c) conn_start(h, name, cfg);
        c = find_conn(h, name);
        if (c && c->inst && c->reconfigure) conn_update_tasks(h, c);
        if (c && c->inst) {
            char key[600];
            snprintf(key, sizeof key, "status-connector-%s", name);
            const char *want =
                target_of(h, name) == KC_TARGET_PAUSED ? KC_ST_PAUSED : KC_ST_RUNNING;
            const char *now =
                json_string_value(json_object_get(json_object_get(h->status, key), "state"));
            if (!now || strcmp(now, want) != 0) kc_herder_set_status(h, key, want, NULL);
        }
    }
}

/* KIP-618: the tasks of a source connector's generation start only once it is fenced (the
 * zombies of ids it dropped can write no more). false: not now (retried at the next
 * reconcile). */
static bool eos_fenced(kc_herder_t *h, const char *name, const json_t *cfg)
{
    if (!h->distributed || !kc_wcfg_eos(h->wcfg) || !h->backing->fence) return true;
    const char *cls = json_string_value(json_object_get(cfg, "connector.class"));
    if (!kc_plugin_find(KC_PLUGIN_SOURCE, cls) || h->backing->fence(h, name) == 0) return true;
    log_warn("connect", "zombie fencing for %s failed; its tasks wait", name);
    return false;
}

static void reconcile_tasks(kc_herder_t *h)
{
    stop_tasks_where(h, pick_stale, NULL);
    const char *name;
    json_t *tcs;
    json_object_foreach(h->task_configs, name, tcs)
    {
        const json_t *cfg = json_object_get(h->configs, name);
        if (!cfg || target_of(h, name) == KC_TARGET_STOPPED) continue;
        size_t i;
        json_t *tc;
        int fenced = -1; /* asked once per connector, when a task is to start */
        json_array_foreach(tcs, i, tc)
        {
            kc_task_t *t = kc_herder_task(h, name, (int)i);
            if (t) {
                atomic_store(&t->paused, target_of(h, name) == KC_TARGET_PAUSED);
                continue;
            }
            if (!kc_herder_assigned_task(h, name, (int)i)) continue;
            if (fenced < 0) fenced = eos_fenced(h, name, cfg);
            if (fenced) task_start(h, name, (int)i, tc, cfg);
        }
    }
}

void kc_herder_reconcile(kc_herder_t *h)
{
    reconcile_conns(h);
    reconcile_tasks(h);
    pthread_cond_broadcast(&h->changed);
}

static bool pick_named(kc_herder_t *h, kc_task_t *t, void *arg)
{
    (void)h;
    const char *want = arg;
    char me[600];
    snprintf(me, sizeof me, "%s-%d", t->cname, t->id);
    return strcmp(me, want) == 0;
}

void kc_herder_restart_task(kc_herder_t *h, const char *name, int id)
{
    char want[600];
    snprintf(want, sizeof want, "%s-%d", name, id);
    stop_tasks_where(h, pick_named, want);
    kc_herder_reconcile(h);
}

static bool has_state(kc_herder_t *h, const char *key, const char *state)
{
    const char *s = json_string_value(json_object_get(json_object_get(h->status, key), "state"));
    return s && strcmp(s, state) == 0;
}

void kc_herder_restart(kc_herder_t *h, const char *name, bool include_tasks, bool only_failed)
{
    char key[600];
    snprintf(key, sizeof key, "status-connector-%s", name);
    if ((!only_failed || has_state(h, key, KC_ST_FAILED)) && kc_herder_assigned_conn(h, name)) {
        kc_herder_set_status(h, key, KC_ST_RESTARTING, NULL);
        kc_herder_restart_conn(h, name);
    }
    size_t n = json_array_size(json_object_get(h->task_configs, name));
    for (size_t i = 0; include_tasks && i < n; i++) {
        task_key(key, sizeof key, name, (int)i);
        if ((!only_failed || has_state(h, key, KC_ST_FAILED)) &&
            kc_herder_assigned_task(h, name, (int)i)) {
            kc_herder_set_status(h, key, KC_ST_RESTARTING, NULL);
            kc_herder_restart_task(h, name, (int)i);
        }
    }
}

void kc_herder_restart_conn(kc_herder_t *h, const char *name)
{
    kc_conn_t *c = find_conn(h, name);
    if (c) conn_stop(h, c);
    kc_herder_reconcile(h);
}
