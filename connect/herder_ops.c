/* herder_ops.c: Connect's REST operations (herder_ops.h), with Connect's bodies and messages.
 * Writes go through the backing store (in memory / the config topic); standalone reconciles
 * right away, distributed when the change is read back and the group rebalances. */
#include "herder_ops.h"

#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KC_VERSION "3.7.0"
#define KC_COMMIT  "kafka-c"

json_t *kc_rest_error(int code, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return json_pack("{siss}", "error_code", code, "message", msg);
}

static int not_found(const char *name, json_t **body)
{
    *body = kc_rest_error(404, "Connector %s not found", name);
    return 404;
}

int kc_op_root(kc_herder_t *h, json_t **body)
{
    pthread_mutex_lock(&h->lock);
    *body = json_pack("{ssssss}", "version", KC_VERSION, "commit", KC_COMMIT, "kafka_cluster_id",
                      h->kafka_cluster_id ? h->kafka_cluster_id : "");
    pthread_mutex_unlock(&h->lock);
    return 200;
}

static const char *type_of(const json_t *config)
{
    const char *cls = json_string_value(json_object_get(config, "connector.class"));
    if (kc_plugin_find(KC_PLUGIN_SOURCE, cls)) return "source";
    if (kc_plugin_find(KC_PLUGIN_SINK, cls)) return "sink";
    return "unknown";
}

/* {"name","config","tasks":[{"connector","task"}],"type"}. Lock held. */
static json_t *info_of(kc_herder_t *h, const char *name)
{
    const json_t *cfg = json_object_get(h->configs, name);
    json_t *tasks = json_array();
    size_t n = json_array_size(json_object_get(h->task_configs, name));
    for (size_t i = 0; i < n; i++)
        json_array_append_new(tasks, json_pack("{sssi}", "connector", name, "task", (int)i));
    return json_pack("{sssOsoss}", "name", name, "config", cfg, "tasks", tasks, "type",
                     type_of(cfg));
}

/* A status entry as REST shows it: {"state","worker_id"[,"trace"]} (+ "id" for tasks). */
static json_t *state_of(kc_herder_t *h, const char *key, int id)
{
    const json_t *st = json_object_get(h->status, key);
    const char *state = json_string_value(json_object_get(st, "state"));
    json_t *o = json_pack("{ssss}", "state", state ? state : KC_ST_UNASSIGNED, "worker_id",
                          st ? json_string_value(json_object_get(st, "worker_id")) : h->worker_id);
    const char *trace = json_string_value(json_object_get(st, "trace"));
    if (trace && state && strcmp(state, KC_ST_FAILED) == 0)
        json_object_set_new(o, "trace", json_string(trace));
    if (id >= 0) json_object_set_new(o, "id", json_integer(id));
    return o;
}

/* ConnectorStateInfo. Lock held. */
static json_t *status_of(kc_herder_t *h, const char *name)
{
    char key[600];
    snprintf(key, sizeof key, "status-connector-%s", name);
    json_t *tasks = json_array();
    size_t n = json_array_size(json_object_get(h->task_configs, name));
    for (size_t i = 0; i < n; i++) {
        char tk[600];
        snprintf(tk, sizeof tk, "status-task-%s-%zu", name, i);
        json_array_append_new(tasks, state_of(h, tk, (int)i));
    }
    return json_pack("{sssoso ss}", "name", name, "connector", state_of(h, key, -1), "tasks", tasks,
                     "type", type_of(json_object_get(h->configs, name)));
}

int kc_op_list(kc_herder_t *h, bool status, bool info, json_t **body)
{
    pthread_mutex_lock(&h->lock);
    const char *name;
    json_t *cfg;
    if (!status && !info) {
        *body = json_array();
        json_object_foreach(h->configs, name, cfg) json_array_append_new(*body, json_string(name));
    } else {
        *body = json_object();
        json_object_foreach(h->configs, name, cfg)
        {
            json_t *e = json_object();
            if (status) json_object_set_new(e, "status", status_of(h, name));
            if (info) json_object_set_new(e, "info", info_of(h, name));
            json_object_set_new(*body, name, e);
        }
    }
    pthread_mutex_unlock(&h->lock);
    return 200;
}

/* Validation result with errors: the 400 Connect answers for create / update. */
static int invalid_config(json_t *infos, json_t **body)
{
    int n = (int)json_integer_value(json_object_get(infos, "error_count"));
    char msg[8192];
    int off = snprintf(msg, sizeof msg,
                       "Connector configuration is invalid and contains the following %d "
                       "error(s):\n",
                       n);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(infos, "configs"), i, c)
    {
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(json_object_get(c, "value"), "errors"), j,
                           e) if (off < (int)sizeof msg) off +=
            snprintf(msg + off, sizeof msg - (size_t)off, "%s\n", json_string_value(e));
    }
    if (off < (int)sizeof msg)
        snprintf(msg + off, sizeof msg - (size_t)off,
                 "You can also find the above list of errors at the endpoint "
                 "`/connector-plugins/{connectorType}/config/validate`");
    *body = kc_rest_error(400, "%s", msg);
    return 400;
}

static bool all_strings(const json_t *config)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)config, k, v) if (!json_is_string(v)) return false;
    return true;
}

/* Validate, store, (standalone) start. created tells 201 from 200. Lock NOT held. */
static int put_config(kc_herder_t *h, const char *name, json_t *config, bool must_be_new,
                      json_t **body)
{
    json_t *infos = NULL;
    const char *cls = json_string_value(json_object_get(config, "connector.class"));
    if (!cls) {
        char *text = json_dumps(config, JSON_COMPACT);
        *body = kc_rest_error(400, "Connector config %s contains no connector type", text);
        free(text);
        return 400;
    }
    int vrc = kc_op_validate(h, cls, config, &infos);
    if (vrc != 200) {
        *body = infos;
        return vrc;
    }
    if (json_integer_value(json_object_get(infos, "error_count")) > 0) {
        int rc = invalid_config(infos, body);
        json_decref(infos);
        return rc;
    }
    json_decref(infos);
    pthread_mutex_lock(&h->lock);
    bool exists = json_object_get(h->configs, name) != NULL;
    if (exists && must_be_new) {
        pthread_mutex_unlock(&h->lock);
        *body = kc_rest_error(409, "Connector %s already exists", name);
        return 409;
    }
    if (h->backing->put_config(h, name, config) != 0) {
        pthread_mutex_unlock(&h->lock);
        *body = kc_rest_error(500, "Failed to write the configuration of connector %s", name);
        return 500;
    }
    if (!exists) h->backing->put_target(h, name, KC_TARGET_STARTED);
    if (!h->distributed) kc_herder_reconcile(h);
    *body = info_of(h, name);
    pthread_mutex_unlock(&h->lock);
    return exists ? 200 : 201;
}

/* The config must be an object of strings whose "name" (if any) is the URL's. */
static int config_put(kc_herder_t *h, const char *name, const json_t *cfg, bool must_be_new,
                      json_t **body)
{
    if (!json_is_object(cfg) || !all_strings(cfg)) {
        *body = kc_rest_error(400, "Connector config must be an object of strings");
        return 400;
    }
    const char *cname = json_string_value(json_object_get(cfg, "name"));
    if (cname && strcmp(cname, name) != 0) {
        *body = kc_rest_error(400,
                              "Connector name configuration (%s) doesn't match connector "
                              "name in the URL (%s)",
                              cname, name);
        return 400;
    }
    json_t *config = json_deep_copy(cfg);
    json_object_set_new(config, "name", json_string(name));
    int rc = put_config(h, name, config, must_be_new, body);
    json_decref(config);
    return rc;
}

int kc_op_create(kc_herder_t *h, const json_t *req, json_t **body)
{
    const char *name = json_string_value(json_object_get(req, "name"));
    const json_t *cfg = json_object_get(req, "config");
    if (!json_is_object(req) || !name || !*name) {
        *body = kc_rest_error(400, "Connector name must not be empty");
        return 400;
    }
    return config_put(h, name, cfg, true, body);
}

int kc_op_config_put(kc_herder_t *h, const char *name, const json_t *cfg, json_t **body)
{
    return config_put(h, name, cfg, false, body);
}

/* Run fn with the lock held when the connector exists; 404 otherwise. */
#define WITH_CONNECTOR(h, name, body, stmt)                                                        \
    do {                                                                                           \
        pthread_mutex_lock(&(h)->lock);                                                            \
        if (!json_object_get((h)->configs, name)) {                                                \
            pthread_mutex_unlock(&(h)->lock);                                                      \
            return not_found(name, body);                                                          \
        }                                                                                          \
        stmt;                                                                                      \
        pthread_mutex_unlock(&(h)->lock);                                                          \
    } while (0)

int kc_op_info(kc_herder_t *h, const char *name, json_t **body)
{
    WITH_CONNECTOR(h, name, body, *body = info_of(h, name));
    return 200;
}

int kc_op_config_get(kc_herder_t *h, const char *name, json_t **body)
{
    WITH_CONNECTOR(h, name, body, *body = json_deep_copy(json_object_get(h->configs, name)));
    return 200;
}

int kc_op_status(kc_herder_t *h, const char *name, json_t **body)
{
    WITH_CONNECTOR(h, name, body, *body = status_of(h, name));
    return 200;
}

int kc_op_tasks(kc_herder_t *h, const char *name, json_t **body)
{
    WITH_CONNECTOR(h, name, body, {
        *body = json_array();
        size_t i;
        json_t *tc;
        json_array_foreach(json_object_get(h->task_configs, name), i, tc) json_array_append_new(
            *body, json_pack("{s{sssi}sO}", "id", "connector", name, "task", (int)i, "config", tc));
    });
    return 200;
}

/* The task index of "3", or -1 when it is not one of the connector's. Lock held. */
static int task_index(kc_herder_t *h, const char *name, const char *task)
{
    char *end;
    long id = strtol(task, &end, 10);
    if (end == task || *end || id < 0 ||
        (size_t)id >= json_array_size(json_object_get(h->task_configs, name)))
        return -1;
    return (int)id;
}

int kc_op_task_status(kc_herder_t *h, const char *name, const char *task, json_t **body)
{
    int rc = 200;
    WITH_CONNECTOR(h, name, body, {
        int id = task_index(h, name, task);
        char key[600];
        snprintf(key, sizeof key, "status-task-%s-%s", name, task);
        if (id < 0) {
            *body = kc_rest_error(404, "No status found for task %s-%s", name, task);
            rc = 404;
        } else
            *body = state_of(h, key, id);
    });
    return rc;
}

static bool is_failed(kc_herder_t *h, const char *key)
{
    const char *s = json_string_value(json_object_get(json_object_get(h->status, key), "state"));
    return s && strcmp(s, KC_ST_FAILED) == 0;
}

int kc_op_restart(kc_herder_t *h, const char *name, bool include_tasks, bool only_failed,
                  json_t **body)
{
    int rc = 204;
    WITH_CONNECTOR(h, name, body, {
        /* the plan, as Connect answers it: what will restart shows RESTARTING */
        json_t *plan = status_of(h, name);
        char key[600];
        snprintf(key, sizeof key, "status-connector-%s", name);
        if (!only_failed || is_failed(h, key))
            json_object_set_new(json_object_get(plan, "connector"), "state",
                                json_string(KC_ST_RESTARTING));
        size_t i;
        json_t *t;
        json_array_foreach(include_tasks ? json_object_get(plan, "tasks") : NULL, i, t)
        {
            snprintf(key, sizeof key, "status-task-%s-%zu", name, i);
            if (!only_failed || is_failed(h, key)) {
                json_object_set_new(t, "state", json_string(KC_ST_RESTARTING));
                json_object_del(t, "trace");
            }
        }
        h->backing->put_restart(h, name, include_tasks, only_failed);
        if (include_tasks || only_failed) {
            *body = plan;
            rc = 202;
        } else {
            json_decref(plan);
            *body = NULL;
        }
    });
    return rc;
}

int kc_op_task_restart(kc_herder_t *h, const char *name, const char *task, json_t **body)
{
    int rc = 204;
    WITH_CONNECTOR(h, name, body, {
        int id = task_index(h, name, task);
        if (id < 0) {
            *body = kc_rest_error(404, "Task %s-%s not found", name, task);
            rc = 404;
        } else {
            if (kc_herder_assigned_task(h, name, id)) kc_herder_restart_task(h, name, id);
            *body = NULL;
        }
    });
    return rc;
}

int kc_op_target(kc_herder_t *h, const char *name, kc_target_t t, json_t **body)
{
    WITH_CONNECTOR(h, name, body, {
        h->backing->put_target(h, name, t);
        if (!h->distributed) kc_herder_reconcile(h);
        *body = NULL;
    });
    return t == KC_TARGET_STOPPED ? 204 : 202;
}

int kc_op_fence(kc_herder_t *h, const char *name, json_t **body)
{
    int rc = 204;
    *body = NULL;
    WITH_CONNECTOR(h, name, body, {
        const char *cls = json_string_value(
            json_object_get(json_object_get(h->configs, name), "connector.class"));
        if (!kc_plugin_find(KC_PLUGIN_SOURCE, cls)) {
            *body = kc_rest_error(400, "Connector %s is not a source connector", name);
            rc = 400;
        } else if (h->backing->fence(h, name) != 0) {
            *body = kc_rest_error(500, "Failed to perform zombie fencing");
            rc = 500;
        }
    });
    return rc;
}

/* The active-topic keys of a connector (KIP-558 records in the status map). Lock held. */
static json_t *topic_keys(kc_herder_t *h, const char *name)
{
    json_t *keys = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(h->status, k, v)
    {
        const char *c =
            json_string_value(json_object_get(json_object_get(v, "topic"), "connector"));
        if (strncmp(k, "topic-", 6) == 0 && c && strcmp(c, name) == 0)
            json_array_append_new(keys, json_string(k));
    }
    return keys;
}

static void reset_topics(kc_herder_t *h, const char *name)
{
    json_t *keys = topic_keys(h, name);
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        json_object_del(h->status, json_string_value(k));
        h->backing->put_status(h, json_string_value(k), NULL);
    }
    json_decref(keys);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int kc_op_topics(kc_herder_t *h, const char *name, json_t **body)
{
    WITH_CONNECTOR(h, name, body, {
        json_t *keys = topic_keys(h, name);
        size_t n = json_array_size(keys);
        const char **names = calloc(n + 1, sizeof *names);
        for (size_t i = 0; i < n; i++)
            names[i] = json_string_value(json_object_get(
                json_object_get(
                    json_object_get(h->status, json_string_value(json_array_get(keys, i))),
                    "topic"),
                "name"));
        qsort(names, n, sizeof *names, cmp_str);
        json_t *topics = json_array();
        for (size_t i = 0; i < n; i++) json_array_append_new(topics, json_string(names[i]));
        free(names);
        json_decref(keys);
        *body = json_pack("{s{so}}", name, "topics", topics);
    });
    return 200;
}

int kc_op_topics_reset(kc_herder_t *h, const char *name, json_t **body)
{
    WITH_CONNECTOR(h, name, body, {
        reset_topics(h, name);
        *body = NULL;
    });
    return 202;
}

int kc_op_delete(kc_herder_t *h, const char *name, json_t **body)
{
    WITH_CONNECTOR(h, name, body, {
        size_t ntasks = json_array_size(json_object_get(h->task_configs, name));
        h->backing->put_config(h, name, NULL);
        if (!h->distributed) kc_herder_reconcile(h);
        /* DESTROYED: its statuses go, so a connector made again under the name starts clean */
        char key[600];
        snprintf(key, sizeof key, "status-connector-%s", name);
        for (size_t i = 0; i <= ntasks; i++) {
            if (i > 0) snprintf(key, sizeof key, "status-task-%s-%zu", name, i - 1);
            json_object_del(h->status, key);
            h->backing->put_status(h, key, NULL);
        }
        reset_topics(h, name);
        *body = NULL;
    });
    return 204;
}

/* A sink connector's offsets: its consumer group's committed positions (KIP-875's shape). NULL
 * with a reason when the group cannot be read. */
static json_t *sink_offsets(kc_herder_t *h, const char *name, char *err, size_t errlen)
{
    /* an admin client (a producer handle: no group, no fetching), worker keys admin.* */
    rd_kafka_conf_t *conf = kc_rdk_conf(h->wcfg, "admin", NULL, err, errlen);
    rd_kafka_t *rk = conf ? rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen) : NULL;
    if (!rk) return NULL;
    char gid[600];
    snprintf(gid, sizeof gid, "connect-%s", name);
    rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(gid, NULL);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, NULL, q);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
    const rd_kafka_ListConsumerGroupOffsets_result_t *res =
        ev ? rd_kafka_event_ListConsumerGroupOffsets_result(ev) : NULL;
    size_t n = 0;
    const rd_kafka_group_result_t **groups =
        res ? rd_kafka_ListConsumerGroupOffsets_result_groups(res, &n) : NULL;
    json_t *out = NULL;
    if (!n || rd_kafka_group_result_error(groups[0])) {
        snprintf(err, errlen, "cannot read the offsets of group %s: %s", gid,
                 n ? rd_kafka_error_string(rd_kafka_group_result_error(groups[0])) : "no answer");
    } else {
        out = json_array();
        const rd_kafka_topic_partition_list_t *l = rd_kafka_group_result_partitions(groups[0]);
        for (int i = 0; l && i < l->cnt; i++)
            if (l->elems[i].offset >= 0)
                json_array_append_new(
                    out, json_pack("{s{sssi}s{sI}}", "partition", "kafka_topic", l->elems[i].topic,
                                   "kafka_partition", (int)l->elems[i].partition, "offset",
                                   "kafka_offset", (json_int_t)l->elems[i].offset));
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return out;
}

int kc_op_offsets(kc_herder_t *h, const char *name, json_t **body)
{
    bool sink = false;
    WITH_CONNECTOR(h, name, body,
                   sink = strcmp(type_of(json_object_get(h->configs, name)), "sink") == 0);
    if (sink) {
        char err[512];
        json_t *offs = sink_offsets(h, name, err, sizeof err);
        if (!offs) {
            *body = kc_rest_error(500, "%s", err);
            return 500;
        }
        *body = json_pack("{so}", "offsets", offs);
        return 200;
    }
    json_t *offs = h->backing->offsets_of(h, name);
    *body = json_pack("{so}", "offsets", offs);
    return 200;
}

int kc_op_plugins(kc_herder_t *h, bool connectors_only, json_t **body)
{
    (void)h;
    *body = json_array();
    const kc_plugin_t *p;
    for (size_t i = 0; (p = kc_plugin_at(i)); i++) {
        bool conn = p->kind == KC_PLUGIN_SOURCE || p->kind == KC_PLUGIN_SINK;
        if (connectors_only && !conn) continue;
        json_array_append_new(*body, json_pack("{ssssss}", "class", p->class_name, "type",
                                               kc_plugin_kind_name(p->kind), "version",
                                               p->version ? p->version : KC_VERSION));
    }
    return 200;
}
