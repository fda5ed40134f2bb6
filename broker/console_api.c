/* console_api.c: the web console's JSON API under /v1/: routing, the CSRF guard, and the
 * resources built with jansson from this broker's own state on the reactor thread.
 *
 * GET /v1/cluster: brokers (host, port, rack, partitions led and held), controller, cluster id,
 * ZooKeeper state, counts of offline / under-replicated / under-min-ISR partitions, and this
 * broker's messages-in / bytes-in / bytes-out counters (for the page's rate charts).
 * GET /v1/topics: every topic with its partitions (leader, replicas, ISR) and, for partitions
 * hosted here, log start / end offsets and high watermark. GET /v1/topics/<name>: one topic
 * (404 when unknown). GET /v1/topics/<name>/partitions/<p>/messages: the message browser
 * (console_msgs.c). Asked of other brokers over the Kafka protocol, answered later (deferred):
 * /v1/groups[/<id>[/reset-offsets]] (console_groups.c, console_reset.c), /v1/transactions
 * (console_txns.c), /v1/brokers/<id> and
 * the topic changes and test produce (console_admin.c), /v1/connect/... proxied to the Kafka
 * Connect workers of console.connect.urls (console_connect.c). GET /v1/ tells the page which
 * optional parts exist ("connect": true when console.connect.urls is set).
 * Anything else under /v1/ answers 404 {"error": "..."}; a method a resource does not take 405;
 * a change (POST/PUT/DELETE) failing the CSRF guard 403. With console.authentication=sasl the
 * login gate (console_auth.h) comes first: /v1/login, /v1/logout, /v1/session, 401 without a
 * session; each resource then shows and does only what the session's principal may. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "console.h"
#include "console_admin.h"
#include "console_auth.h"
#include "console_connect.h"
#include "console_groups.h"
#include "console_txns.h"
#include "ctl.h"
#include "ktime.h"
#include "mdcache.h"
#include "metrics.h"
#include "replica/rmgr.h"
#include "store/plog.h"
#include "tconf.h"

#define JSON_CTYPE "application/json"

void console_send(http_resp_t *resp, int status, json_t *doc)
{
    resp->status = status;
    resp->content_type = JSON_CTYPE;
    if (!doc) { /* a json_pack format error: a bug, but no reason to stop the broker */
        resp->status = 500;
        doc = json_pack("{ss}", "error", "cannot build the answer");
    }
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!s) abort();
    wbuf_append(&resp->body, s, strlen(s));
    wbuf_append(&resp->body, "\n", 1);
    free(s);
}

/* A JSON string of s; bytes that are not valid UTF-8 (group ids may hold any) become '?'. */
json_t *console_str(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    if (j) return j;
    char *copy = malloc(len + 1);
    if (!copy) abort();
    for (size_t i = 0; i < len; i++) copy[i] = ((unsigned char)s[i] < 0x80 && s[i]) ? s[i] : '?';
    j = json_stringn(copy, len);
    free(copy);
    return j;
}

void console_error(http_resp_t *resp, int status, const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof(msg), fmt, arg);
    console_send(resp, status, json_pack("{so}", "error", console_str(msg, strlen(msg))));
}

static json_t *capi_ids(const int32_t *ids, int32_t n)
{
    json_t *a = json_array();
    for (int32_t i = 0; i < n; i++) json_array_append_new(a, json_integer(ids[i]));
    return a;
}

/* ---- /v1/cluster ---- */

static int capi_broker_index(const md_broker_t *b, int n, int32_t id)
{
    for (int i = 0; i < n; i++)
        if (b[i].id == id) return i;
    return -1;
}

/* leaders[i] / replicas[i]: partitions led / held by broker b[i] (Kafka's LeaderCount and
 * PartitionCount as the metadata has them). */
static void capi_broker_load(console_t *con, const md_broker_t *b, int n, int *leaders,
                             int *replicas)
{
    const md_topic_t *t;
    for (size_t it = 0; (t = mdcache_next_topic(con->d.md, &it));)
        for (int32_t p = 0; p < t->nparts; p++) {
            int li = capi_broker_index(b, n, t->parts[p].leader);
            if (li >= 0) leaders[li]++;
            for (int32_t r = 0; r < t->parts[p].nreplicas; r++) {
                int ri = capi_broker_index(b, n, t->parts[p].replicas[r]);
                if (ri >= 0) replicas[ri]++;
            }
        }
}

static json_t *capi_brokers(console_t *con)
{
    int n = 0;
    const md_broker_t *b = mdcache_brokers(con->d.md, &n);
    int *leaders = calloc((size_t)n + 1, sizeof(int)),
        *replicas = calloc((size_t)n + 1, sizeof(int));
    if (!leaders || !replicas) abort();
    capi_broker_load(con, b, n, leaders, replicas);
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        json_t *eps = json_array();
        for (int e = 0; e < b[i].nendpoints; e++)
            json_array_append_new(eps, json_pack("{sssssi}", "listener", b[i].ep[e].listener,
                                                 "host", b[i].ep[e].host, "port", b[i].ep[e].port));
        const md_endpoint_t *ep = b[i].nendpoints ? &b[i].ep[0] : NULL;
        json_t *rack = b[i].rack[0] ? json_string(b[i].rack) : json_null();
        json_t *o = json_pack("{sisssisoso}", "id", b[i].id, "host", ep ? ep->host : "", "port",
                              ep ? ep->port : -1, "rack", rack, "endpoints", eps);
        json_object_set_new(o, "leaders", json_integer(leaders[i]));
        json_object_set_new(o, "replicas", json_integer(replicas[i]));
        json_array_append_new(a, o);
    }
    free(leaders);
    free(replicas);
    return a;
}

typedef struct capi_health {
    int topics, partitions, offline, under_replicated, under_min_isr;
} capi_health_t;

/* The topics as may describe (all without login), as Metadata counts them for it. */
static capi_health_t capi_count(console_t *con, const cauth_as_t *as)
{
    capi_health_t h = {0};
    const md_topic_t *t;
    for (size_t it = 0; (t = mdcache_next_topic(con->d.md, &it));) {
        if (!cauth_may(con, as, ACL_OP_DESCRIBE, ACL_RES_TOPIC, t->name)) continue;
        h.topics++;
        int64_t min_isr = tconf_int(con->d.tconf, t->name, "min.insync.replicas");
        for (int32_t p = 0; p < t->nparts; p++) {
            const md_part_t *mp = &t->parts[p];
            h.partitions++;
            h.offline += mp->leader < 0;
            h.under_replicated += mp->nisr < mp->nreplicas;
            h.under_min_isr += mp->nisr < min_isr;
        }
    }
    return h;
}

static bool capi_get_only(const http_req_t *req, http_resp_t *resp);

static void capi_cluster(console_t *con, const char *rest, const http_req_t *req, http_resp_t *resp)
{
    (void)rest;
    if (!capi_get_only(req, resp)) return;
    cauth_as_t as;
    cauth_as(con, req, &as);
    capi_health_t h = capi_count(con, &as);
    bool zk = con->d.ctl && ctl_zk_connected(con->d.ctl);
    json_t *doc = json_pack("{sssisisssoso}", "cluster_id", con->d.cluster_id, "broker_id",
                            con->d.broker_id, "controller_id", mdcache_controller(con->d.md),
                            "zookeeper", zk ? "CONNECTED" : "DISCONNECTED", "this_is_controller",
                            json_boolean(con->d.ctl && ctl_is_active(con->d.ctl)), "brokers",
                            capi_brokers(con));
    json_t *counts = json_pack("{sisisisisi}", "topics", h.topics, "partitions", h.partitions,
                               "offline", h.offline, "under_replicated", h.under_replicated,
                               "under_min_isr", h.under_min_isr);
    json_object_set_new(doc, "partitions", counts);
    const metrics_topic_t *m = &con->d.metrics->all; /* this broker's BrokerTopicMetrics */
    json_object_set_new(doc, "traffic",
                        json_pack("{sIsIsIsI}", "messages_in", (json_int_t)m->messages_in,
                                  "bytes_in", (json_int_t)m->bytes_in, "bytes_out",
                                  (json_int_t)m->bytes_out, "at_ms", (json_int_t)ktime_mono_ms()));
    console_send(resp, 200, doc);
}

/* ---- /v1/topics ---- */

static json_t *capi_partition(console_t *con, const md_topic_t *t, int32_t p, int64_t *bytes)
{
    const md_part_t *mp = &t->parts[p];
    json_t *o = json_pack("{sisisisoso}", "partition", p, "leader", mp->leader, "leader_epoch",
                          mp->leader_epoch, "replicas", capi_ids(mp->replicas, mp->nreplicas),
                          "isr", capi_ids(mp->isr, mp->nisr));
    json_object_set_new(o, "offline_replicas", capi_ids(mp->offline, mp->noffline));
    partition_t *hp = rmgr_get(con->d.rmgr, t->name, p);
    if (!hp || !hp->log) return o;
    json_t *local =
        json_pack("{sbsIsIsIsI}", "leader", hp->is_leader, "log_start_offset",
                  (json_int_t)plog_start_offset(hp->log), "log_end_offset",
                  (json_int_t)plog_end_offset(hp->log), "high_watermark", (json_int_t)hp->hw,
                  "size_bytes", (json_int_t)plog_size_bytes(hp->log));
    *bytes += plog_size_bytes(hp->log);
    json_object_set_new(o, "local", local);
    return o;
}

/* One topic; its config overrides only when as may describe them (DescribeConfigs). */
static json_t *capi_topic(console_t *con, const md_topic_t *t, const cauth_as_t *as)
{
    json_t *parts = json_array();
    int64_t bytes = 0;
    for (int32_t p = 0; p < t->nparts; p++)
        json_array_append_new(parts, capi_partition(con, t, p, &bytes));
    int rf = t->nparts ? t->parts[0].nreplicas : 0;
    const char *const *keys, *const *vals;
    int n = cauth_may(con, as, ACL_OP_DESCRIBE_CONFIGS, ACL_RES_TOPIC, t->name)
                ? tconf_overrides(con->d.tconf, t->name, &keys, &vals)
                : 0;
    json_t *configs = json_object();
    for (int i = 0; i < n; i++)
        json_object_set_new(configs, keys[i], console_str(vals[i], strlen(vals[i])));
    return json_pack("{sssbsisisIsoso}", "name", t->name, "internal", t->internal, "partitions",
                     t->nparts, "replication_factor", rf, "local_size_bytes", (json_int_t)bytes,
                     "configs", configs, "partition_list", parts);
}

static void capi_topics(console_t *con, const char *rest, const http_req_t *req, http_resp_t *resp)
{
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        console_topic_change(con, rest, req, resp);
        return;
    }
    const char *slash = strchr(rest, '/');
    if (slash) { /* <topic>/partitions/<p>/messages (topic names hold no '/') */
        char name[256];
        snprintf(name, sizeof(name), "%.*s", (int)(slash - rest), rest);
        console_messages(con, name, slash + 1, req, resp);
        return;
    }
    cauth_as_t as;
    cauth_as(con, req, &as);
    if (*rest) { /* refused before looked up, as Metadata answers a named topic */
        if (!cauth_need(con, req, resp, ACL_OP_DESCRIBE, ACL_RES_TOPIC, rest)) return;
        const md_topic_t *t = mdcache_topic(con->d.md, rest);
        if (!t) {
            console_error(resp, 404, "unknown topic: %s", rest);
            return;
        }
        console_send(resp, 200, capi_topic(con, t, &as));
        return;
    }
    json_t *a = json_array();
    const md_topic_t *t;
    for (size_t it = 0; (t = mdcache_next_topic(con->d.md, &it));) /* hidden without Describe */
        if (cauth_may(con, &as, ACL_OP_DESCRIBE, ACL_RES_TOPIC, t->name))
            json_array_append_new(a, capi_topic(con, t, &as));
    console_send(resp, 200, json_pack("{so}", "topics", a));
}

/* ---- routing ---- */

/* The CSRF guard of requests that change things (with a login, X-Console-Request too): a page of
 * another site can only send them with a simple content type (form or text) unless the
 * browser asks first (CORS preflight, which this server never allows), and browsers name the
 * page's origin in Origin. So: JSON only, and an Origin, when sent, must be this host. */
static bool capi_csrf_ok(const http_req_t *req)
{
    if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) return true;
    const char *ct = http_header(req, "Content-Type");
    if (!ct || strncmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';')) return false;
    const char *origin = http_header(req, "Origin"), *host = http_header(req, "Host");
    if (!origin) return true; /* not a browser (curl, scripts) */
    return host && strncmp(origin, "http://", 7) == 0 && strcmp(origin + 7, host) == 0;
}

/* Routes answer their own methods: GET unless they say otherwise (405). */
static bool capi_get_only(const http_req_t *req, http_resp_t *resp)
{
    if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) return true;
    console_error(resp, 405, "%s takes GET", req->path);
    return false;
}

static void capi_brokers_one(console_t *con, const char *rest, const http_req_t *req,
                             http_resp_t *resp)
{
    if (capi_get_only(req, resp)) console_broker(con, rest, req, resp);
}

typedef void capi_fn(console_t *con, const char *rest, const http_req_t *req, http_resp_t *resp);

static const struct {
    const char *name; /* /v1/<name> or /v1/<name>/<rest> */
    capi_fn *fn;
} capi_routes[] = {
    {"cluster", capi_cluster},      {"topics", capi_topics},       {"groups", console_groups},
    {"transactions", console_txns}, {"brokers", capi_brokers_one}, {"connect", console_connect},
};

/* GET /v1/: what this console offers, for the page to show only the pages that work here. */
static void capi_root(console_t *con, const http_req_t *req, http_resp_t *resp)
{
    if (!capi_get_only(req, resp)) return;
    console_send(resp, 200,
                 json_pack("{sssisb}", "api", "v1", "broker_id", con->d.broker_id, "connect",
                           console_connect_enabled(con)));
}

void console_api(console_t *con, const http_req_t *req, http_resp_t *resp)
{
    const char *p = req->path + 4; /* after "/v1/" */
    if (!*p) { /* before the login gate: the page reads it before anyone logs in */
        capi_root(con, req, resp);
        return;
    }
    if (cauth_gate(con, p, req, resp)) return;
    for (size_t i = 0; i < sizeof(capi_routes) / sizeof(capi_routes[0]); i++) {
        size_t n = strlen(capi_routes[i].name);
        if (strncmp(p, capi_routes[i].name, n) != 0 || (p[n] && p[n] != '/')) continue;
        if (!capi_csrf_ok(req)) {
            console_error(resp, 403, "%s",
                          "a change needs Content-Type: application/json and, from a browser, "
                          "an Origin equal to this console's");
            return;
        }
        capi_routes[i].fn(con, p[n] ? p + n + 1 : "", req, resp);
        return;
    }
    console_error(resp, 404, "no such resource: %s", req->path);
}
