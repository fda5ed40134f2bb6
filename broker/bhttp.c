/* bhttp.c: the broker's HTTP endpoints (http.listeners): GET /metrics in Prometheus text
 * format and GET /v1/health; every other path goes to the web console (console.h).
 *
 * Metric names are those the Prometheus JMX exporter gives Kafka's MBeans with its usual
 * Kafka rules (kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=t becomes
 * kafka_server_brokertopicmetrics_messagesin_total{topic="t"}), so dashboards written for
 * Kafka read these brokers unchanged. Counters come from metrics.h; gauges are computed here
 * from the state itself at scrape time, on the reactor thread like everything else. Consumer
 * lag uses kafka_exporter's names (kafka_consumergroup_lag), for the groups this broker
 * coordinates and the partitions it hosts (their high watermark is known here). */
#include "bhttp.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "console_auth.h"
#include "console_connect.h"
#include "console_job.h"
#include "ctl.h"
#include "dict.h"
#include "group/grp.h"
#include "http.h"
#include "log.h"
#include "mdcache.h"
#include "metrics.h"
#include "prom.h"
#include "replica/fsess.h"
#include "replica/rmgr.h"
#include "store/lmgr.h"
#include "tconf.h"

#define PROM_CTYPE "text/plain; version=0.0.4; charset=utf-8"

struct bhttp {
    bhttp_deps_t d;
    http_server_t *http;
    console_t *con;
};

/* ---- the console's context ---- */

static console_t *bhttp_console_new(const console_deps_t *d)
{
    console_t *con = calloc(1, sizeof(*con));
    if (!con) abort();
    con->d = *d;
    con->auth = cauth_new(d->cfg);
    return con;
}

/* Shutdown, before the HTTP server stops: the jobs it ends answer on the HTTP server. */
static void bhttp_console_stop(console_t *con)
{
    console_jobs_stop(con);
    console_connect_stop(con);
}

static void bhttp_console_free(console_t *con)
{
    cauth_free(con->auth);
    free(con);
}

/* ---- BrokerTopicMetrics ---- */

typedef struct bhttp_topic_counter {
    const char *name; /* family, e.g. kafka_server_brokertopicmetrics_messagesin_total */
    const char *help;
    size_t off; /* offsetof(metrics_topic_t, field) */
} bhttp_topic_counter_t;

#define BT(n, h, f)                                                                                \
    {                                                                                              \
        "kafka_server_brokertopicmetrics_" n "_total", h, offsetof(metrics_topic_t, f)             \
    }
static const bhttp_topic_counter_t bhttp_topic_counters[] = {
    BT("messagesin", "Messages appended by clients (leader)", messages_in),
    BT("bytesin", "Record bytes produced by clients (leader)", bytes_in),
    BT("bytesout", "Record bytes fetched by consumers", bytes_out),
    BT("totalproducerequests", "Produce partitions handled", produce_requests),
    BT("totalfetchrequests", "Consumer fetch partitions handled", fetch_requests),
    BT("failedproducerequests", "Produce partitions answered with an error", failed_produce),
    BT("failedfetchrequests", "Consumer fetch partitions answered with an error", failed_fetch),
};
#undef BT

static uint64_t bhttp_field(const metrics_topic_t *t, size_t off)
{
    return *(const uint64_t *)((const char *)t + off);
}

static void bhttp_topic_metrics(bhttp_t *b, wbuf_t *wb)
{
    metrics_t *m = b->d.console.metrics;
    size_t n = sizeof(bhttp_topic_counters) / sizeof(bhttp_topic_counters[0]);
    for (size_t i = 0; i < n; i++) {
        const bhttp_topic_counter_t *c = &bhttp_topic_counters[i];
        prom_family(wb, c->name, "counter", c->help);
        prom_sample(wb, c->name, (double)bhttp_field(&m->all, c->off), NULL);
        size_t it = 0;
        const char *topic;
        void *v;
        while (dict_next(m->topics, &it, &topic, &v))
            if (mdcache_topic(b->d.console.md, topic)) /* deleted topics drop out, as Kafka's do */
                prom_sample(wb, c->name, (double)bhttp_field(v, c->off), "topic", topic, NULL);
    }
}

/* ---- RequestMetrics ---- */

static void bhttp_request_metrics(bhttp_t *b, wbuf_t *wb)
{
    metrics_t *m = b->d.console.metrics;
    const char *name = "kafka_network_requestmetrics_requests_total";
    prom_family(wb, name, "counter", "Requests handled, by API and version");
    for (int k = 0; k < KAPI__MAX; k++)
        for (int v = 0; v < METRICS_MAX_VERSION; v++) {
            if (!m->requests[k][v]) continue;
            char ver[8];
            snprintf(ver, sizeof(ver), "%d", v);
            const char *api = kp_api_name((int16_t)k);
            prom_sample(wb, name, (double)m->requests[k][v], "request", api ? api : "Unknown",
                        "version", ver, NULL);
        }
    name = "kafka_network_requestmetrics_totaltimems";
    prom_family(wb, name, "histogram", "Time from request read to response queued, ms");
    for (int k = 0; k < KAPI__MAX; k++) {
        if (!m->request_ms[k].count) continue;
        const char *api = kp_api_name((int16_t)k);
        prom_hist_write(wb, name, "request", api ? api : "Unknown", &m->request_ms[k]);
    }
    name = "kafka_server_delayedoperationpurgatory_purgatorysize";
    prom_family(wb, name, "gauge", "Requests waiting in a purgatory");
    prom_sample(wb, name, b->d.pending(b->d.console.arg, KAPI_PRODUCE), "delayedoperation",
                "Produce", NULL);
    prom_sample(wb, name, b->d.pending(b->d.console.arg, KAPI_FETCH), "delayedoperation", "Fetch",
                NULL);
}

/* ---- ReplicaManager ---- */

typedef struct bhttp_rm {
    int partitions, leaders, under_replicated, under_min_isr, at_min_isr;
} bhttp_rm_t;

static void bhttp_replica_metrics(bhttp_t *b, wbuf_t *wb)
{
    bhttp_rm_t s = {0};
    partition_t *p;
    for (size_t it = 0; (p = rmgr_next(b->d.console.rmgr, &it));) {
        s.partitions++;
        if (!p->is_leader) continue;
        s.leaders++;
        if (p->nisr < p->nreplicas) s.under_replicated++;
        int64_t min_isr = tconf_int(b->d.console.tconf, p->topic, "min.insync.replicas");
        if (p->nisr < min_isr) s.under_min_isr++;
        if (p->nisr == min_isr) s.at_min_isr++;
    }
    static const struct {
        const char *name, *help;
        size_t off;
    } g[] = {
        {"partitioncount", "Partitions hosted", offsetof(bhttp_rm_t, partitions)},
        {"leadercount", "Partitions led", offsetof(bhttp_rm_t, leaders)},
        {"underreplicatedpartitions", "Led partitions whose ISR is smaller than the replicas",
         offsetof(bhttp_rm_t, under_replicated)},
        {"underminisrpartitioncount", "Led partitions with ISR below min.insync.replicas",
         offsetof(bhttp_rm_t, under_min_isr)},
        {"atminisrpartitioncount", "Led partitions with ISR at min.insync.replicas",
         offsetof(bhttp_rm_t, at_min_isr)},
    };
    char name[96];
    for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
        snprintf(name, sizeof(name), "kafka_server_replicamanager_%s", g[i].name);
        prom_family(wb, name, "gauge", g[i].help);
        prom_sample(wb, name, *(const int *)((const char *)&s + g[i].off), NULL);
    }
    prom_family(wb, "kafka_server_replicamanager_isrshrinks_total", "counter",
                "ISR shrinks applied by this broker as leader");
    prom_sample(wb, "kafka_server_replicamanager_isrshrinks_total",
                (double)b->d.console.metrics->isr_shrinks, NULL);
    prom_family(wb, "kafka_server_replicamanager_isrexpands_total", "counter",
                "ISR expansions applied by this broker as leader");
    prom_sample(wb, "kafka_server_replicamanager_isrexpands_total",
                (double)b->d.console.metrics->isr_expands, NULL);
}

/* ---- FetchSessionCache (KIP-227) ---- */

static void bhttp_fsess_metrics(bhttp_t *b, wbuf_t *wb)
{
    const char *n = "kafka_server_fetchsessioncache_numincrementalfetchsessions";
    prom_family(wb, n, "gauge", "Incremental fetch sessions cached (KIP-227)");
    prom_sample(wb, n, fsess_count(b->d.fsess), NULL);
    n = "kafka_server_fetchsessioncache_numincrementalfetchpartitionscached";
    prom_family(wb, n, "gauge", "Partitions in the cached fetch sessions");
    prom_sample(wb, n, (double)fsess_parts_cached(b->d.fsess), NULL);
    n = "kafka_server_fetchsessioncache_incrementalfetchsessionevictions_total";
    prom_family(wb, n, "counter", "Fetch sessions evicted to make room for new ones");
    prom_sample(wb, n, (double)fsess_evictions(b->d.fsess), NULL);
    n = "kafka_server_fetchsessioncache_incrementalfetches_total";
    prom_family(wb, n, "counter", "Incremental fetches served (not a Kafka metric)");
    prom_sample(wb, n, (double)fsess_incremental(b->d.fsess), NULL);
}

/* ---- KafkaController, ZooKeeper session, log flushes ---- */

static void bhttp_controller_metrics(bhttp_t *b, wbuf_t *wb)
{
    bool active = b->d.console.ctl && ctl_is_active(b->d.console.ctl);
    int offline = 0, topics = 0, parts = 0;
    const md_topic_t *t;
    for (size_t it = 0; active && (t = mdcache_next_topic(b->d.console.md, &it));) {
        topics++;
        parts += t->nparts;
        for (int32_t p = 0; p < t->nparts; p++) offline += t->parts[p].leader < 0;
    }
    static const char *const names[] = {"activecontrollercount", "offlinepartitionscount",
                                        "globaltopiccount", "globalpartitioncount"};
    const double vals[] = {active, offline, topics, parts};
    char name[96];
    for (size_t i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "kafka_controller_kafkacontroller_%s", names[i]);
        prom_family(wb, name, "gauge", "Controller state (0 on brokers that are not it)");
        prom_sample(wb, name, vals[i], NULL);
    }
    bool up = b->d.console.ctl && ctl_zk_connected(b->d.console.ctl);
    const char *n = "kafka_server_sessionexpirelistener_sessionstate";
    prom_family(wb, n, "gauge", "ZooKeeper session state (1 for the current one)");
    prom_sample(wb, n, up, "state", "CONNECTED", NULL);
    prom_sample(wb, n, !up, "state", "DISCONNECTED", NULL);
    n = "kafka_server_sessionexpirelistener_zookeeperexpires_total";
    prom_family(wb, n, "counter", "ZooKeeper sessions expired");
    prom_sample(wb, n, b->d.console.ctl ? ctl_zk_expirations(b->d.console.ctl) : 0, NULL);
    n = "kafka_log_logflushstats_logflushrateandtimems";
    prom_family(wb, n, "histogram", "Log flushes (flush.messages / flush.ms) and their time, ms");
    prom_hist_write(wb, n, NULL, NULL, lmgr_flush_stats(b->d.lmgr));
}

/* ---- consumer groups ---- */

typedef struct bhttp_lag {
    bhttp_t *b;
    wbuf_t *wb;
    bool lag; /* second pass: the lag family */
} bhttp_lag_t;

static void bhttp_offset(void *arg, const char *group, const char *topic, int32_t partition,
                         int64_t offset)
{
    bhttp_lag_t *l = arg;
    char ps[16];
    snprintf(ps, sizeof(ps), "%d", partition);
    if (!l->lag) {
        prom_sample(l->wb, "kafka_consumergroup_current_offset", (double)offset, "consumergroup",
                    group, "topic", topic, "partition", ps, NULL);
        return;
    }
    partition_t *p = rmgr_get(l->b->d.console.rmgr, topic, partition);
    if (!p || p->hw < 0) return; /* not hosted here: its high watermark is not known */
    int64_t lag = p->hw > offset ? p->hw - offset : 0;
    prom_sample(l->wb, "kafka_consumergroup_lag", (double)lag, "consumergroup", group, "topic",
                topic, "partition", ps, NULL);
}

static void bhttp_group_metrics(bhttp_t *b, wbuf_t *wb)
{
    if (!b->d.grp) return;
    bhttp_lag_t l = {b, wb, false};
    prom_family(wb, "kafka_consumergroup_current_offset", "gauge",
                "Committed offset of groups coordinated by this broker");
    grp_foreach_offset(b->d.grp, bhttp_offset, &l);
    l.lag = true;
    prom_family(wb, "kafka_consumergroup_lag", "gauge",
                "High watermark minus committed offset (partitions hosted by this broker)");
    grp_foreach_offset(b->d.grp, bhttp_offset, &l);
}

/* ---- endpoints ---- */

static void bhttp_metrics(bhttp_t *b, http_resp_t *resp)
{
    resp->content_type = PROM_CTYPE;
    bhttp_topic_metrics(b, &resp->body);
    bhttp_request_metrics(b, &resp->body);
    bhttp_replica_metrics(b, &resp->body);
    bhttp_fsess_metrics(b, &resp->body);
    bhttp_controller_metrics(b, &resp->body);
    bhttp_group_metrics(b, &resp->body);
}

static void bhttp_health(bhttp_t *b, http_resp_t *resp)
{
    bool zk = b->d.console.ctl && ctl_zk_connected(b->d.console.ctl);
    bool up = b->d.serving(b->d.console.arg) && zk;
    resp->status = up ? 200 : 503;
    resp->content_type = "application/json";
    wbuf_printf(&resp->body, "{\"status\":\"%s\",\"broker_id\":%d,\"zookeeper\":\"%s\"}\n",
                up ? "UP" : "DOWN", b->d.console.broker_id, zk ? "CONNECTED" : "DISCONNECTED");
}

static void bhttp_handle(void *arg, const http_req_t *req, http_resp_t *resp)
{
    bhttp_t *b = arg;
    void (*fn)(bhttp_t *, http_resp_t *) = NULL;
    if (strcmp(req->path, "/metrics") == 0)
        fn = bhttp_metrics;
    else if (strcmp(req->path, "/v1/health") == 0)
        fn = bhttp_health;
    if (!fn) { /* the web console: its files and the /v1/ JSON API */
        console_handle(b->con, req, resp);
        return;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        resp->status = 405;
        wbuf_printf(&resp->body, "%s takes GET\n", req->path);
        return;
    }
    fn(b, resp);
}

int bhttp_start(const bhttp_deps_t *d, bhttp_t **out)
{
    *out = NULL;
    const char *spec = cfg_str(d->console.cfg, "http.listeners");
    if (!*spec) return 0;
    char host[256], err[256];
    int port;
    if (http_parse_listener(spec, host, sizeof(host), &port, err, sizeof(err)) != 0) {
        log_error("bhttp", "http.listeners: %s", err);
        return -1;
    }
    bhttp_t *b = calloc(1, sizeof(*b));
    if (!b) abort();
    b->d = *d;
    b->http = http_server_start(d->console.loop, host, port, bhttp_handle, b, err, sizeof(err));
    if (!b->http) {
        log_error("bhttp", "http.listeners=%s: %s", spec, err);
        free(b);
        return -1;
    }
    b->con = bhttp_console_new(&d->console);
    log_info("bhttp", "serving /metrics, /v1/ and the console on %s (port %d)%s", spec,
             http_server_port(b->http),
             b->con->auth ? ", console login with the SASL users' passwords" : "");
    if (d->console.authz && !b->con->auth)
        log_warn("bhttp",
                 "the web console acts with this broker's own rights for anyone who "
                 "reaches %s: set console.authentication=sasl for logins and ACLs",
                 spec);
    *out = b;
    return 0;
}

void bhttp_stop(bhttp_t *b)
{
    if (!b) return;
    bhttp_console_stop(b->con); /* first: the requests it ends answer on the HTTP server */
    http_server_stop(b->http);
    bhttp_console_free(b->con);
    free(b);
}
