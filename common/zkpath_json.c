/* zkpath_json.c: Kafka's JSON for the cluster-wide and broker znodes: cluster id, broker
 * registrations, controller, entity configs and their change notices, producer id blocks,
 * preferred replica elections, log dir events; and the JSON helpers every zkpath file uses
 * (zkpath_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkpath_int.h"

/* ---- helpers ---- */

char *zkpath_dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s) abort();
    return s;
}

json_t *zkpath_load(const char *json)
{
    if (!json) return NULL;
    json_error_t e;
    json_t *j = json_loads(json, JSON_REJECT_DUPLICATES, &e);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

bool zkpath_get_int(json_t *o, const char *k, int32_t *out)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v)) return false;
    json_int_t x = json_integer_value(v);
    if (x < INT32_MIN || x > INT32_MAX) return false;
    *out = (int32_t)x;
    return true;
}

/* ---- cluster id ---- */

char *zkpath_cluster_id_json(const char *id)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_string("1"));
    json_object_set_new(o, "id", json_string(id));
    return zkpath_dump(o);
}

/* The string field key of the object in json, copied into out. must_fit: a value that does
 * not fit in out is an error (otherwise it is cut to fit). */
static kerr_t zkpath_str_field_parse(const char *json, const char *key, bool must_fit, char *out,
                                     size_t n)
{
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    json_t *v = json_object_get(o, key);
    kerr_t err = KERR__BAD_MSG;
    if (json_is_string(v) && (!must_fit || strlen(json_string_value(v)) < n)) {
        snprintf(out, n, "%s", json_string_value(v));
        err = KERR_NONE;
    }
    json_decref(o);
    return err;
}

kerr_t zkpath_cluster_id_parse(const char *json, char *out, size_t n)
{
    return zkpath_str_field_parse(json, "id", true, out, n);
}

/* ---- broker registration ---- */

/* Security protocol of listener name from "NAME:PROTO,..." (PLAINTEXT when absent). */
static void zkpath_protocol_of(const char *map, const char *name, char *out, size_t n)
{
    snprintf(out, n, "PLAINTEXT");
    size_t nl = strlen(name);
    for (const char *p = map; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == ':') {
            snprintf(out, n, "%.*s", (int)(len - nl - 1), p + nl + 1);
            return;
        }
        p = comma ? comma + 1 : NULL;
    }
}

char *zkpath_broker_json(const md_broker_t *b, const char *protocol_map, int64_t ts_ms)
{
    json_t *o = json_object();
    json_t *feat = json_object();
    json_t *map = json_object();
    json_t *eps = json_array();
    const md_endpoint_t *first = NULL;
    for (int i = 0; i < b->nendpoints; i++) {
        const md_endpoint_t *e = &b->ep[i];
        char proto[64], url[512];
        zkpath_protocol_of(protocol_map, e->listener, proto, sizeof(proto));
        json_object_set_new(map, e->listener, json_string(proto));
        snprintf(url, sizeof(url), "%s://%s:%d", e->listener, e->host, e->port);
        json_array_append_new(eps, json_string(url));
        if (!first && strcmp(proto, "PLAINTEXT") == 0) first = e;
    }
    json_object_set_new(o, "features", feat);
    json_object_set_new(o, "listener_security_protocol_map", map);
    json_object_set_new(o, "endpoints", eps);
    json_object_set_new(o, "jmx_port", json_integer(-1));
    json_object_set_new(o, "port", json_integer(first ? first->port : -1));
    json_object_set_new(o, "host", first ? json_string(first->host) : json_null());
    json_object_set_new(o, "version", json_integer(5));
    char ts[32];
    snprintf(ts, sizeof(ts), "%lld", (long long)ts_ms);
    json_object_set_new(o, "timestamp", json_string(ts));
    if (b->rack[0]) json_object_set_new(o, "rack", json_string(b->rack));
    return zkpath_dump(o);
}

kerr_t zkpath_broker_parse(const char *json, md_broker_t *b)
{
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    kerr_t err = KERR_NONE;
    b->nendpoints = 0;
    b->rack[0] = '\0';
    json_t *rack = json_object_get(o, "rack");
    if (json_is_string(rack)) snprintf(b->rack, sizeof(b->rack), "%s", json_string_value(rack));
    json_t *eps = json_object_get(o, "endpoints");
    if (!json_is_array(eps)) err = KERR__BAD_MSG;
    size_t i;
    json_t *v;
    json_array_foreach(eps, i, v)
    {
        if (!json_is_string(v) || b->nendpoints >= MD_MAX_ENDPOINTS) continue;
        const char *url = json_string_value(v);
        const char *sep = strstr(url, "://");
        const char *colon = sep ? strrchr(sep + 3, ':') : NULL;
        if (!sep || !colon) {
            err = KERR__BAD_MSG;
            break;
        }
        md_endpoint_t *e = &b->ep[b->nendpoints++];
        snprintf(e->listener, sizeof(e->listener), "%.*s", (int)(sep - url), url);
        snprintf(e->host, sizeof(e->host), "%.*s", (int)(colon - (sep + 3)), sep + 3);
        e->port = atoi(colon + 1);
    }
    json_decref(o);
    return err;
}

/* ---- controller ---- */

char *zkpath_controller_json(int32_t broker_id, int64_t ts_ms)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_integer(2));
    json_object_set_new(o, "brokerid", json_integer(broker_id));
    char ts[32];
    snprintf(ts, sizeof(ts), "%lld", (long long)ts_ms);
    json_object_set_new(o, "timestamp", json_string(ts));
    return zkpath_dump(o);
}

kerr_t zkpath_controller_parse(const char *json, int32_t *broker_id)
{
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    kerr_t err = zkpath_get_int(o, "brokerid", broker_id) ? KERR_NONE : KERR__BAD_MSG;
    json_decref(o);
    return err;
}

/* ---- entity configs ---- */

char *zkpath_config_json(int n, const char *const *keys, const char *const *vals)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_integer(1));
    json_t *cfg = json_object();
    for (int i = 0; i < n; i++) json_object_set_new(cfg, keys[i], json_string(vals[i]));
    json_object_set_new(o, "config", cfg);
    return zkpath_dump(o);
}

kerr_t zkpath_config_parse(const char *json, int *n, char ***keys, char ***vals)
{
    *n = 0;
    *keys = *vals = NULL;
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    json_t *cfg = json_object_get(o, "config");
    if (!json_is_object(cfg)) {
        json_decref(o);
        return KERR__BAD_MSG;
    }
    size_t cnt = json_object_size(cfg);
    *keys = calloc(cnt + 1, sizeof(char *));
    *vals = calloc(cnt + 1, sizeof(char *));
    if (!*keys || !*vals) abort();
    const char *k;
    json_t *v;
    json_object_foreach(cfg, k, v)
    {
        if (!json_is_string(v)) continue;
        (*keys)[*n] = strdup(k);
        (*vals)[*n] = strdup(json_string_value(v));
        (*n)++;
    }
    json_decref(o);
    return KERR_NONE;
}

char *zkpath_config_change_json(const char *entity_path)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_integer(2));
    json_object_set_new(o, "entity_path", json_string(entity_path));
    return zkpath_dump(o);
}

kerr_t zkpath_config_change_parse(const char *json, char *entity, size_t n)
{
    return zkpath_str_field_parse(json, "entity_path", false, entity, n);
}

/* ---- producer id blocks ---- */

char *zkpath_pid_block_json(int32_t broker, int64_t start, int64_t end)
{
    json_t *o = json_object();
    char a[32], b[32];
    snprintf(a, sizeof(a), "%lld", (long long)start);
    snprintf(b, sizeof(b), "%lld", (long long)end);
    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "broker", json_integer(broker));
    json_object_set_new(o, "block_start", json_string(a));
    json_object_set_new(o, "block_end", json_string(b));
    return zkpath_dump(o);
}

static bool zkpath_get_i64s(json_t *o, const char *key, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (!json_is_string(v)) return false;
    char *end;
    long long x = strtoll(json_string_value(v), &end, 10);
    if (*end || end == json_string_value(v)) return false;
    *out = x;
    return true;
}

kerr_t zkpath_pid_block_parse(const char *json, int64_t *start, int64_t *end)
{
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    bool ok = zkpath_get_i64s(o, "block_start", start) && zkpath_get_i64s(o, "block_end", end);
    json_decref(o);
    return ok && *start >= 0 && *end >= *start ? KERR_NONE : KERR__BAD_MSG;
}

/* ---- preferred replica election ---- */

/* The "partitions" array of o ([{"topic":"t","partition":0},...]); malformed entries are
 * skipped. */
static kerr_t zkpath_tp_list_parse(json_t *o, int *n, char ***topics, int32_t **parts)
{
    *n = 0;
    *topics = NULL;
    *parts = NULL;
    json_t *arr = json_object_get(o, "partitions");
    if (!json_is_array(arr)) return KERR__BAD_MSG;
    size_t cnt = json_array_size(arr);
    *topics = calloc(cnt + 1, sizeof(char *));
    *parts = calloc(cnt + 1, sizeof(int32_t));
    if (!*topics || !*parts) abort();
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        json_t *t = json_object_get(e, "topic");
        int32_t p;
        if (!json_is_string(t) || !zkpath_get_int(e, "partition", &p)) continue;
        (*topics)[*n] = strdup(json_string_value(t));
        if (!(*topics)[*n]) abort();
        (*parts)[*n] = p;
        (*n)++;
    }
    return KERR_NONE;
}

kerr_t zkpath_preferred_parse(const char *json, int *n, char ***topics, int32_t **parts)
{
    *n = 0;
    *topics = NULL;
    *parts = NULL;
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    kerr_t err = zkpath_tp_list_parse(o, n, topics, parts);
    json_decref(o);
    return err;
}

/* ---- log dir event notifications ---- */

char *zkpath_logdir_event_json(int32_t broker, int64_t broker_epoch, int n,
                               const char *const *topics, const int32_t *parts)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "broker", json_integer(broker));
    json_object_set_new(o, "event", json_integer(ZKPATH_LOG_DIR_FAILURE_EVENT));
    json_object_set_new(o, "broker_epoch", json_integer(broker_epoch));
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "topic", json_string(topics[i]));
        json_object_set_new(e, "partition", json_integer(parts[i]));
        json_array_append_new(arr, e);
    }
    json_object_set_new(o, "partitions", arr);
    return zkpath_dump(o);
}

kerr_t zkpath_logdir_event_parse(const char *json, zkpath_logdir_event_t *e)
{
    memset(e, 0, sizeof(*e));
    e->broker_epoch = -1;
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    kerr_t err = KERR_NONE;
    if (!zkpath_get_int(o, "broker", &e->broker) || !zkpath_get_int(o, "event", &e->event)) {
        err = KERR__BAD_MSG;
    } else {
        if (!zkpath_get_i64s(o, "broker_epoch", &e->broker_epoch)) e->broker_epoch = -1;
        /* Kafka's own notification has no partition list: an empty one */
        if (zkpath_tp_list_parse(o, &e->n, &e->topics, &e->parts) != KERR_NONE) e->n = 0;
    }
    json_decref(o);
    if (err) zkpath_logdir_event_clear(e);
    return err;
}

void zkpath_logdir_event_clear(zkpath_logdir_event_t *e)
{
    if (e->topics)
        for (int i = 0; i < e->n; i++) free(e->topics[i]);
    free(e->topics);
    free(e->parts);
    memset(e, 0, sizeof(*e));
}

/* ---- editable config sets ---- */

int zkpath_config_find(const zkpath_config_t *cs, const char *key)
{
    for (int i = 0; i < cs->n; i++)
        if (strcmp(cs->keys[i], key) == 0) return i;
    return -1;
}

static char *zkpath_strdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) abort();
    return d;
}

void zkpath_config_put(zkpath_config_t *cs, const char *key, const char *val)
{
    int i = zkpath_config_find(cs, key);
    if (i >= 0) {
        free(cs->vals[i]);
        cs->vals[i] = zkpath_strdup(val);
        return;
    }
    cs->keys = realloc(cs->keys, (size_t)(cs->n + 1) * sizeof(char *));
    cs->vals = realloc(cs->vals, (size_t)(cs->n + 1) * sizeof(char *));
    if (!cs->keys || !cs->vals) abort();
    cs->keys[cs->n] = zkpath_strdup(key);
    cs->vals[cs->n++] = zkpath_strdup(val);
}

bool zkpath_config_del(zkpath_config_t *cs, const char *key)
{
    int i = zkpath_config_find(cs, key);
    if (i < 0) return false;
    free(cs->keys[i]);
    free(cs->vals[i]);
    memmove(&cs->keys[i], &cs->keys[i + 1], (size_t)(cs->n - i - 1) * sizeof(char *));
    memmove(&cs->vals[i], &cs->vals[i + 1], (size_t)(cs->n - i - 1) * sizeof(char *));
    cs->n--;
    return true;
}

void zkpath_config_clear(zkpath_config_t *cs)
{
    for (int i = 0; i < cs->n; i++) {
        free(cs->keys[i]);
        free(cs->vals[i]);
    }
    free(cs->keys);
    free(cs->vals);
    memset(cs, 0, sizeof(*cs));
}
