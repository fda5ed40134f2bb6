/* zkpath.c: znode paths and Kafka's JSON formats, built and parsed with jansson. */
#include "zkpath.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static const char *const zkpath_persistent[] = {
    "/consumers",
    ZKPATH_BROKER_IDS,
    ZKPATH_BROKER_TOPICS,
    ZKPATH_CONFIG_CHANGES,
    ZKPATH_ADMIN_DELETE_TOPICS,
    "/brokers/seqid",
    ZKPATH_ISR_CHANGE_NOTIFICATION,
    ZKPATH_LATEST_PRODUCER_ID_BLOCK,
    "/log_dir_event_notification",
    ZKPATH_CONFIG_TOPICS,
    ZKPATH_CONFIG_CLIENTS,
    ZKPATH_CONFIG_USERS,
    ZKPATH_CONFIG_BROKERS,
    "/config/ips",
    NULL,
};

const char *const *zkpath_persistent_paths(void)
{
    return zkpath_persistent;
}

static kerr_t zkpath_fmt_check(int r, size_t n)
{
    return r < 0 || (size_t)r >= n ? KERR__TOO_LARGE : KERR_NONE;
}

kerr_t zkpath_broker(char *buf, size_t n, int32_t id)
{
    return zkpath_fmt_check(snprintf(buf, n, ZKPATH_BROKER_IDS "/%d", id), n);
}

kerr_t zkpath_topic(char *buf, size_t n, const char *topic)
{
    return zkpath_fmt_check(snprintf(buf, n, ZKPATH_BROKER_TOPICS "/%s", topic), n);
}

kerr_t zkpath_partition(char *buf, size_t n, const char *topic, int32_t p)
{
    return zkpath_fmt_check(snprintf(buf, n, ZKPATH_BROKER_TOPICS "/%s/partitions/%d", topic, p),
                            n);
}

kerr_t zkpath_partition_state(char *buf, size_t n, const char *topic, int32_t p)
{
    return zkpath_fmt_check(
        snprintf(buf, n, ZKPATH_BROKER_TOPICS "/%s/partitions/%d/state", topic, p), n);
}

kerr_t zkpath_topic_config(char *buf, size_t n, const char *topic)
{
    return zkpath_fmt_check(snprintf(buf, n, ZKPATH_CONFIG_TOPICS "/%s", topic), n);
}

kerr_t zkpath_broker_config(char *buf, size_t n, int32_t id)
{
    if (id < 0) return zkpath_fmt_check(snprintf(buf, n, ZKPATH_CONFIG_BROKERS "/<default>"), n);
    return zkpath_fmt_check(snprintf(buf, n, ZKPATH_CONFIG_BROKERS "/%d", id), n);
}

kerr_t zkpath_config_entity(char *buf, size_t n, const char *type, const char *name)
{
    return zkpath_fmt_check(snprintf(buf, n, "%s/%s", type, name ? name : "<default>"), n);
}

/* ---- client quota entities ---- */

kerr_t zkpath_sanitize(const char *name, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_';
        if (o + (plain ? 1 : 3) >= n) return KERR__TOO_LARGE;
        if (plain) {
            out[o++] = (char)*p;
        } else { /* URLEncoder's %XX of each UTF-8 byte; '*' and ' ' too, as Sanitizer does */
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    if (o >= n) return KERR__TOO_LARGE;
    out[o] = '\0';
    return KERR_NONE;
}

static int zkpath_hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

kerr_t zkpath_desanitize(const char *s, char *out, size_t n)
{
    size_t o = 0;
    for (; *s; s++) {
        if (o + 1 >= n) return KERR__TOO_LARGE;
        if (*s == '%') {
            int hi = zkpath_hexval(s[1]), lo = hi < 0 ? -1 : zkpath_hexval(s[2]);
            if (lo < 0) return KERR__BAD_MSG;
            out[o++] = (char)(hi * 16 + lo);
            s += 2;
        } else {
            out[o++] = *s == '+' ? ' ' : *s;
        }
    }
    out[o] = '\0';
    return KERR_NONE;
}

/* "<default>" or the sanitized name. */
static kerr_t zkpath_qname(const char *name, char *out, size_t n)
{
    if (!name) return zkpath_fmt_check(snprintf(out, n, ZKPATH_DEFAULT_ENTITY), n);
    return zkpath_sanitize(name, out, n);
}

kerr_t zkpath_qentity_path(char *buf, size_t n, const zkpath_qentity_t *e)
{
    char u[768], c[768];
    if (!e->has_user && !e->has_client) return KERR__BAD_MSG;
    if ((e->has_user && zkpath_qname(e->user, u, sizeof(u))) ||
        (e->has_client && zkpath_qname(e->client, c, sizeof(c))))
        return KERR__TOO_LARGE;
    if (!e->has_user) return zkpath_fmt_check(snprintf(buf, n, "clients/%s", c), n);
    if (!e->has_client) return zkpath_fmt_check(snprintf(buf, n, "users/%s", u), n);
    return zkpath_fmt_check(snprintf(buf, n, "users/%s/clients/%s", u, c), n);
}

/* One sanitized path component into out; *name = out, or NULL for <default>. */
static kerr_t zkpath_qpart(const char *s, size_t len, char *out, size_t n, const char **name)
{
    char tmp[768];
    if (len == 0 || len >= sizeof(tmp) || memchr(s, '/', len)) return KERR__BAD_MSG;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (strcmp(tmp, ZKPATH_DEFAULT_ENTITY) == 0) {
        *name = NULL;
        return KERR_NONE;
    }
    *name = out;
    return zkpath_desanitize(tmp, out, n) ? KERR__BAD_MSG : KERR_NONE;
}

kerr_t zkpath_qentity_parse(const char *path, zkpath_qentity_t *e, char *user, size_t un,
                            char *client, size_t cn)
{
    memset(e, 0, sizeof(*e));
    if (strncmp(path, "clients/", 8) == 0) {
        e->has_client = true;
        return zkpath_qpart(path + 8, strlen(path + 8), client, cn, &e->client);
    }
    if (strncmp(path, "users/", 6) != 0) return KERR__BAD_MSG;
    const char *u = path + 6, *sl = strchr(u, '/');
    e->has_user = true;
    if (zkpath_qpart(u, sl ? (size_t)(sl - u) : strlen(u), user, un, &e->user))
        return KERR__BAD_MSG;
    if (!sl) return KERR_NONE;
    if (strncmp(sl, "/clients/", 9) != 0) return KERR__BAD_MSG;
    e->has_client = true;
    return zkpath_qpart(sl + 9, strlen(sl + 9), client, cn, &e->client);
}

/* ---- Uuid ---- */

static const char zkpath_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void zkpath_uuid_encode(const uint8_t id[16], char out[23])
{
    size_t o = 0;
    for (int i = 0; i < 16; i += 3) {
        uint32_t v = (uint32_t)id[i] << 16;
        if (i + 1 < 16) v |= (uint32_t)id[i + 1] << 8;
        if (i + 2 < 16) v |= id[i + 2];
        out[o++] = zkpath_b64[(v >> 18) & 63];
        out[o++] = zkpath_b64[(v >> 12) & 63];
        if (i + 1 < 16) out[o++] = zkpath_b64[(v >> 6) & 63];
        if (i + 2 < 16) out[o++] = zkpath_b64[v & 63];
    }
    out[o] = '\0';
}

void zkpath_uuid_new(char out[23])
{
    uint8_t id[16];
    if (getrandom(id, sizeof(id), 0) != (ssize_t)sizeof(id)) {
        for (size_t i = 0; i < sizeof(id); i++) id[i] = (uint8_t)rand();
    }
    id[6] = (uint8_t)((id[6] & 0x0f) | 0x40); /* version 4, as Java's randomUUID */
    id[8] = (uint8_t)((id[8] & 0x3f) | 0x80);
    zkpath_uuid_encode(id, out);
}

kerr_t zkpath_uuid_decode(const char *s, uint8_t out[16])
{
    if (!s || strlen(s) != 22) return KERR__BAD_MSG;
    uint8_t buf[18] = {0};
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (int i = 0; i < 22; i++) {
        const char *p = strchr(zkpath_b64, s[i]);
        if (!p || !s[i]) return KERR__BAD_MSG;
        acc = (acc << 6) | (uint32_t)(p - zkpath_b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (uint8_t)(acc >> bits);
        }
    }
    memcpy(out, buf, 16);
    return KERR_NONE;
}

/* ---- helpers ---- */

static char *zkpath_dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s) abort();
    return s;
}

static json_t *zkpath_load(const char *json)
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

static bool zkpath_get_int(json_t *o, const char *k, int32_t *out)
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

kerr_t zkpath_cluster_id_parse(const char *json, char *out, size_t n)
{
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    json_t *id = json_object_get(o, "id");
    kerr_t err = KERR__BAD_MSG;
    if (json_is_string(id) && strlen(json_string_value(id)) < n) {
        snprintf(out, n, "%s", json_string_value(id));
        err = KERR_NONE;
    }
    json_decref(o);
    return err;
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

/* ---- topic assignment ---- */

void zkpath_topic_init(zkpath_topic_t *t, const uint8_t id[16], int32_t nparts, int32_t rf,
                       const int32_t *assign)
{
    memset(t, 0, sizeof(*t));
    if (id) memcpy(t->id, id, 16);
    zkpath_topic_add(t, nparts, rf, assign);
}

void zkpath_topic_add(zkpath_topic_t *t, int32_t add, int32_t rf, const int32_t *assign)
{
    int32_t n = t->nparts + add;
    t->nreplicas = realloc(t->nreplicas, (size_t)(n ? n : 1) * sizeof(int32_t));
    t->replicas = realloc(t->replicas, (size_t)(n ? n : 1) * sizeof(int32_t *));
    if (!t->nreplicas || !t->replicas) abort();
    for (int32_t i = 0; i < add; i++) {
        int32_t p = t->nparts + i;
        t->nreplicas[p] = rf;
        t->replicas[p] = malloc((size_t)(rf ? rf : 1) * sizeof(int32_t));
        if (!t->replicas[p]) abort();
        memcpy(t->replicas[p], assign + (size_t)i * (size_t)rf, (size_t)rf * sizeof(int32_t));
    }
    if (t->nadding) { /* the new partitions are not being reassigned */
        t->nadding = realloc(t->nadding, (size_t)n * sizeof(int32_t));
        t->nremoving = realloc(t->nremoving, (size_t)n * sizeof(int32_t));
        t->adding = realloc(t->adding, (size_t)n * sizeof(*t->adding));
        t->removing = realloc(t->removing, (size_t)n * sizeof(*t->removing));
        if (!t->nadding || !t->nremoving || !t->adding || !t->removing) abort();
        for (int32_t p = t->nparts; p < n; p++) t->nadding[p] = t->nremoving[p] = 0;
    }
    t->nparts = n;
}

void zkpath_topic_clear(zkpath_topic_t *t)
{
    for (int32_t p = 0; p < t->nparts; p++) free(t->replicas[p]);
    free(t->replicas);
    free(t->nreplicas);
    free(t->nadding);
    free(t->nremoving);
    free(t->adding);
    free(t->removing);
    memset(t, 0, sizeof(*t));
}

/* Make room for every partition's adding/removing sets (zeroed). */
static void zkpath_topic_reassign_alloc(zkpath_topic_t *t)
{
    if (t->nadding) return;
    size_t n = (size_t)(t->nparts ? t->nparts : 1);
    t->nadding = calloc(n, sizeof(int32_t));
    t->nremoving = calloc(n, sizeof(int32_t));
    t->adding = calloc(n, sizeof(*t->adding));
    t->removing = calloc(n, sizeof(*t->removing));
    if (!t->nadding || !t->nremoving || !t->adding || !t->removing) abort();
}

void zkpath_topic_set_reassign(zkpath_topic_t *t, int32_t p, int32_t nadd, const int32_t *add,
                               int32_t nrem, const int32_t *rem)
{
    if (p < 0 || p >= t->nparts) return;
    if (!t->nadding && nadd == 0 && nrem == 0) return;
    zkpath_topic_reassign_alloc(t);
    t->nadding[p] = nadd > ZKPATH_MAX_ISR ? ZKPATH_MAX_ISR : nadd;
    t->nremoving[p] = nrem > ZKPATH_MAX_ISR ? ZKPATH_MAX_ISR : nrem;
    memcpy(t->adding[p], add, (size_t)t->nadding[p] * sizeof(int32_t));
    memcpy(t->removing[p], rem, (size_t)t->nremoving[p] * sizeof(int32_t));
}

/* {"0":[4],...} for the partitions with a non-empty set. */
static json_t *zkpath_sets_json(const zkpath_topic_t *t, bool adding)
{
    json_t *o = json_object();
    for (int32_t p = 0; t->nadding && p < t->nparts; p++) {
        int32_t n = adding ? t->nadding[p] : t->nremoving[p];
        if (n == 0) continue;
        json_t *arr = json_array();
        for (int32_t i = 0; i < n; i++)
            json_array_append_new(arr, json_integer(adding ? t->adding[p][i] : t->removing[p][i]));
        char key[16];
        snprintf(key, sizeof(key), "%d", p);
        json_object_set_new(o, key, arr);
    }
    return o;
}

/* Read "adding_replicas" or "removing_replicas" (absent in older znodes: none). */
static kerr_t zkpath_sets_parse(json_t *o, zkpath_topic_t *t, bool adding)
{
    json_t *sets = json_object_get(o, adding ? "adding_replicas" : "removing_replicas");
    if (!sets) return KERR_NONE;
    if (!json_is_object(sets)) return KERR__BAD_MSG;
    const char *key;
    json_t *arr;
    json_object_foreach(sets, key, arr)
    {
        char *end;
        long p = strtol(key, &end, 10);
        if (*end || p < 0 || p >= t->nparts || !json_is_array(arr) ||
            json_array_size(arr) > ZKPATH_MAX_ISR)
            return KERR__BAD_MSG;
        zkpath_topic_reassign_alloc(t);
        int32_t *n = adding ? &t->nadding[p] : &t->nremoving[p];
        int32_t *ids = adding ? t->adding[p] : t->removing[p];
        *n = 0;
        for (size_t i = 0; i < json_array_size(arr); i++) {
            json_t *v = json_array_get(arr, i);
            if (!json_is_integer(v)) return KERR__BAD_MSG;
            ids[(*n)++] = (int32_t)json_integer_value(v);
        }
    }
    return KERR_NONE;
}

char *zkpath_topic_json(const zkpath_topic_t *t)
{
    json_t *o = json_object();
    json_t *parts = json_object();
    for (int32_t p = 0; p < t->nparts; p++) {
        json_t *arr = json_array();
        for (int32_t i = 0; i < t->nreplicas[p]; i++)
            json_array_append_new(arr, json_integer(t->replicas[p][i]));
        char key[16];
        snprintf(key, sizeof(key), "%d", p);
        json_object_set_new(parts, key, arr);
    }
    json_object_set_new(o, "partitions", parts);
    char id[23];
    zkpath_uuid_encode(t->id, id);
    json_object_set_new(o, "topic_id", json_string(id));
    json_object_set_new(o, "adding_replicas", zkpath_sets_json(t, true));
    json_object_set_new(o, "removing_replicas", zkpath_sets_json(t, false));
    json_object_set_new(o, "version", json_integer(3));
    return zkpath_dump(o);
}

kerr_t zkpath_topic_parse(const char *json, zkpath_topic_t *t)
{
    memset(t, 0, sizeof(*t));
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    json_t *parts = json_object_get(o, "partitions");
    json_t *id = json_object_get(o, "topic_id");
    if (json_is_string(id)) zkpath_uuid_decode(json_string_value(id), t->id);
    if (!json_is_object(parts)) {
        json_decref(o);
        return KERR__BAD_MSG;
    }
    int32_t n = (int32_t)json_object_size(parts);
    t->nreplicas = calloc((size_t)(n ? n : 1), sizeof(int32_t));
    t->replicas = calloc((size_t)(n ? n : 1), sizeof(int32_t *));
    if (!t->nreplicas || !t->replicas) abort();
    t->nparts = n;
    kerr_t err = KERR_NONE;
    for (int32_t p = 0; p < n && !err; p++) {
        char key[16];
        snprintf(key, sizeof(key), "%d", p);
        json_t *arr = json_object_get(parts, key);
        if (!json_is_array(arr)) {
            err = KERR__BAD_MSG;
            break;
        }
        size_t rf = json_array_size(arr);
        t->replicas[p] = calloc(rf ? rf : 1, sizeof(int32_t));
        if (!t->replicas[p]) abort();
        t->nreplicas[p] = (int32_t)rf;
        for (size_t i = 0; i < rf; i++) {
            json_t *v = json_array_get(arr, i);
            if (!json_is_integer(v)) {
                err = KERR__BAD_MSG;
                break;
            }
            t->replicas[p][i] = (int32_t)json_integer_value(v);
        }
    }
    if (!err) err = zkpath_sets_parse(o, t, true);
    if (!err) err = zkpath_sets_parse(o, t, false);
    json_decref(o);
    if (err) zkpath_topic_clear(t);
    return err;
}

/* ---- partition state ---- */

char *zkpath_pstate_json(const zkpath_pstate_t *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "controller_epoch", json_integer(s->controller_epoch));
    json_object_set_new(o, "leader", json_integer(s->leader));
    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "leader_epoch", json_integer(s->leader_epoch));
    json_t *isr = json_array();
    for (int32_t i = 0; i < s->nisr; i++) json_array_append_new(isr, json_integer(s->isr[i]));
    json_object_set_new(o, "isr", isr);
    return zkpath_dump(o);
}

kerr_t zkpath_pstate_parse(const char *json, zkpath_pstate_t *s)
{
    memset(s, 0, sizeof(*s));
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    kerr_t err = KERR_NONE;
    json_t *isr = json_object_get(o, "isr");
    if (!zkpath_get_int(o, "controller_epoch", &s->controller_epoch) ||
        !zkpath_get_int(o, "leader", &s->leader) ||
        !zkpath_get_int(o, "leader_epoch", &s->leader_epoch) || !json_is_array(isr) ||
        json_array_size(isr) > ZKPATH_MAX_ISR) {
        err = KERR__BAD_MSG;
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(isr, i, v)
        {
            if (!json_is_integer(v)) {
                err = KERR__BAD_MSG;
                break;
            }
            s->isr[s->nisr++] = (int32_t)json_integer_value(v);
        }
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
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    json_t *e = json_object_get(o, "entity_path");
    kerr_t err = KERR__BAD_MSG;
    if (json_is_string(e)) {
        snprintf(entity, n, "%s", json_string_value(e));
        err = KERR_NONE;
    }
    json_decref(o);
    return err;
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

kerr_t zkpath_reassign_parse(const char *json, int *n, zkpath_reassign_t **out)
{
    *n = 0;
    *out = NULL;
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    json_t *arr = json_object_get(o, "partitions");
    if (!json_is_array(arr)) {
        json_decref(o);
        return KERR__BAD_MSG;
    }
    *out = calloc(json_array_size(arr) + 1, sizeof(**out));
    if (!*out) abort();
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        json_t *t = json_object_get(e, "topic");
        json_t *r = json_object_get(e, "replicas");
        zkpath_reassign_t *x = &(*out)[*n];
        if (!json_is_string(t) || !zkpath_get_int(e, "partition", &x->partition) ||
            !json_is_array(r) || json_array_size(r) > ZKPATH_MAX_ISR)
            continue;
        bool ok = true;
        x->nreplicas = 0;
        for (size_t k = 0; k < json_array_size(r) && ok; k++) {
            json_t *v = json_array_get(r, k);
            ok = json_is_integer(v);
            if (ok) x->replicas[x->nreplicas++] = (int32_t)json_integer_value(v);
        }
        if (!ok) continue;
        x->topic = strdup(json_string_value(t));
        if (!x->topic) abort();
        (*n)++;
    }
    json_decref(o);
    return KERR_NONE;
}

char *zkpath_reassign_json(int n, const zkpath_reassign_t *e)
{
    json_t *o = json_object();
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "topic", json_string(e[i].topic));
        json_object_set_new(x, "partition", json_integer(e[i].partition));
        json_t *r = json_array();
        for (int32_t k = 0; k < e[i].nreplicas; k++)
            json_array_append_new(r, json_integer(e[i].replicas[k]));
        json_object_set_new(x, "replicas", r);
        json_array_append_new(arr, x);
    }
    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "partitions", arr);
    return zkpath_dump(o);
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
