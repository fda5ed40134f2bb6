/* kafka_reassign_partitions.c: kafka-reassign-partitions, as Kafka 3.x's
 * ReassignPartitionsCommand (KIP-455, --bootstrap-server only, as since Kafka 3.0):
 *   --generate --topics-to-move-json-file F --broker-list 1,2,3 [--disable-rack-aware]
 *   --execute  --reassignment-json-file F [--additional] [--throttle B/s] [--timeout ms]
 *   --verify   --reassignment-json-file F [--preserve-throttles]
 *   --cancel   --reassignment-json-file F [--preserve-throttles]
 *   --list
 * with Kafka's output lines. librdkafka 2.0 has no reassignment calls, so the tool sends
 * AlterPartitionReassignments / ListPartitionReassignments to the controller itself (clireq.h,
 * the broker's own codecs); --throttle sets the leader/follower replication throttles on the
 * topics and brokers involved (IncrementalAlterConfigs), --verify clears them once done. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assign.h"
#include "bytes.h"
#include "cli.h"
#include "clireq.h"
#include "ktime.h"
#include "proto/kp_describeconfigs.h"
#include "proto/kp_incrementalalterconfigs.h"
#include "proto/kp_reassign.h"

#define TOOL      "kafka-reassign-partitions"
#define RP_MAX_RF 16

static cli_opt_t opts[] = {
    CLI_OPT("bootstrap-server", true, "REQUIRED: the server(s) to use for bootstrapping."),
    CLI_OPT("command-config", true,
            "Property file containing configs to be passed to Admin Client."),
    CLI_OPT("generate", false, "Generate a candidate partition reassignment configuration."),
    CLI_OPT("execute", false,
            "Kick off the reassignment as specified by the --reassignment-json-file option."),
    CLI_OPT("verify", false,
            "Verify if the reassignment completed as specified by the --reassignment-json-file "
            "option."),
    CLI_OPT("cancel", false, "Cancel an active reassignment."),
    CLI_OPT("list", false, "List all active partition reassignments."),
    CLI_OPT("reassignment-json-file", true,
            "The JSON file with the partition reassignment configuration."),
    CLI_OPT("topics-to-move-json-file", true,
            "Generate a reassignment configuration to move the partitions of the specified topics "
            "to the list of brokers specified by the --broker-list option."),
    CLI_OPT(
        "broker-list", true,
        "The list of brokers to which the partitions need to be reassigned in the form \"0,1,2\"."),
    CLI_OPT("disable-rack-aware", false, "Disable rack aware replica assignment"),
    CLI_OPT(
        "throttle", true,
        "The movement of partitions between brokers will be throttled to this value (bytes/sec)."),
    CLI_OPT("replica-alter-log-dirs-throttle", true,
            "The movement of replicas between log directories on the same broker will be throttled "
            "to this value (bytes/sec)."),
    CLI_OPT("timeout", true,
            "The maximum time in ms to wait for log directory replica assignment to begin."),
    CLI_OPT("additional", false,
            "Execute this reassignment in addition to any other ongoing ones."),
    CLI_OPT("preserve-throttles", false, "Do not modify broker or topic throttles."),
    CLI_END,
};

/* One partition and its replicas (a target from a file, or a current assignment). */
typedef struct rp_part {
    char *topic;
    int32_t partition;
    int32_t n;
    int32_t replicas[RP_MAX_RF];
    const char *msg; /* an error answered for it (rp_alter), or NULL */
} rp_part_t;

typedef struct rp_list {
    rp_part_t *v;
    int n, cap;
} rp_list_t;

static rp_part_t *rp_add(rp_list_t *l, const char *topic, int32_t p)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, (size_t)l->cap * sizeof(*l->v));
        if (!l->v) abort();
    }
    rp_part_t *x = &l->v[l->n++];
    memset(x, 0, sizeof(*x));
    x->topic = strdup(topic);
    if (!x->topic) abort();
    x->partition = p;
    return x;
}

static int rp_cmp(const void *a, const void *b)
{
    const rp_part_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

static rp_part_t *rp_find(const rp_list_t *l, const char *topic, int32_t p)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i].partition == p && strcmp(l->v[i].topic, topic) == 0) return &l->v[i];
    return NULL;
}

/* Kafka's TerseReassignmentFailureException / AdminCommandFailedException: the reason on
 * stdout (as Kafka's tool prints it) and exit 1. */
static void __attribute__((format(printf, 1, 2), noreturn)) rp_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    exit(1);
}

/* ---- JSON in and out ---- */

static json_t *rp_load(const char *path)
{
    json_error_t je;
    json_t *js = json_load_file(path, 0, &je);
    if (!js) rp_fail("Error: %s is not valid JSON: %s (line %d)", path, je.text, je.line);
    json_t *v = json_object_get(js, "version");
    if (v && (!json_is_integer(v) || json_integer_value(v) != 1))
        rp_fail("Error: Not supported version field value %s",
                json_is_integer(v) ? "other than 1" : "(not a number)");
    return js;
}

/* {"version":1,"partitions":[{"topic","partition","replicas","log_dirs"}...]} sorted, compact. */
static void rp_print_json(rp_list_t *l)
{
    qsort(l->v, (size_t)l->n, sizeof(*l->v), rp_cmp);
    json_t *o = json_object();
    json_t *arr = json_array();
    for (int i = 0; i < l->n; i++) {
        json_t *e = json_object();
        json_t *r = json_array(), *d = json_array();
        for (int32_t k = 0; k < l->v[i].n; k++) {
            json_array_append_new(r, json_integer(l->v[i].replicas[k]));
            json_array_append_new(d, json_string("any"));
        }
        json_object_set_new(e, "topic", json_string(l->v[i].topic));
        json_object_set_new(e, "partition", json_integer(l->v[i].partition));
        json_object_set_new(e, "replicas", r);
        json_object_set_new(e, "log_dirs", d);
        json_array_append_new(arr, e);
    }
    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "partitions", arr);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    printf("%s", s);
    free(s);
    json_decref(o);
}

/* Kafka's parseExecuteAssignmentArgs checks, on --reassignment-json-file. */
static void rp_parse_targets(const char *path, rp_list_t *out, bool checks)
{
    json_t *js = rp_load(path);
    json_t *arr = json_object_get(js, "partitions");
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        json_t *t = json_object_get(e, "topic"), *p = json_object_get(e, "partition");
        json_t *r = json_object_get(e, "replicas"), *d = json_object_get(e, "log_dirs");
        if (!json_is_string(t) || !json_is_integer(p) || !json_is_array(r))
            rp_fail("Error: %s: every partition needs \"topic\", \"partition\" and \"replicas\"",
                    path);
        if (json_array_size(r) > RP_MAX_RF) rp_fail("Error: %s: too many replicas", path);
        rp_part_t *x = rp_add(out, json_string_value(t), (int32_t)json_integer_value(p));
        for (size_t k = 0; k < json_array_size(r); k++) {
            json_t *b = json_array_get(r, k);
            if (!json_is_integer(b)) rp_fail("Error: %s: replicas must be broker ids", path);
            x->replicas[x->n++] = (int32_t)json_integer_value(b);
        }
        if (d && (!json_is_array(d) || json_array_size(d) != json_array_size(r)))
            rp_fail("Error: Size of replicas list is different from size of log dirs list for "
                    "partition %s-%d",
                    x->topic, x->partition);
        for (size_t k = 0; d && k < json_array_size(d); k++)
            if (!json_is_string(json_array_get(d, k)) ||
                strcmp(json_string_value(json_array_get(d, k)), "any") != 0)
                rp_fail("Error: log_dirs other than \"any\" move replicas between log directories "
                        "(AlterReplicaLogDirs), which this cluster does not serve");
    }
    json_decref(js);
    if (!checks) return;
    if (out->n == 0) rp_fail("Error: Partition reassignment list cannot be empty");
    for (int a = 0; a < out->n; a++) {
        if (out->v[a].n == 0) rp_fail("Error: Partition replica list cannot be empty");
        for (int b = a + 1; b < out->n; b++)
            if (rp_cmp(&out->v[a], &out->v[b]) == 0)
                rp_fail("Error: Partition reassignment contains duplicate topic partitions: %s-%d",
                        out->v[a].topic, out->v[a].partition);
        for (int32_t k = 0; k < out->v[a].n; k++)
            for (int32_t m = k + 1; m < out->v[a].n; m++)
                if (out->v[a].replicas[k] == out->v[a].replicas[m])
                    rp_fail("Error: Partition replica lists may not contain duplicate entries: "
                            "%s-%d contains multiple entries for %d",
                            out->v[a].topic, out->v[a].partition, out->v[a].replicas[k]);
    }
}

/* ---- the cluster ---- */

typedef struct rp_cluster {
    rd_kafka_t *rk;
    const rd_kafka_metadata_t *md;
} rp_cluster_t;

static void rp_refresh(rp_cluster_t *c)
{
    if (c->md) rd_kafka_metadata_destroy(c->md);
    rd_kafka_resp_err_t e = rd_kafka_metadata(c->rk, 1, NULL, &c->md, CLI_REACH_MS);
    if (e)
        rp_fail("Error: cannot reach the brokers within %d ms: %s", CLI_REACH_MS,
                rd_kafka_err2str(e));
}

static bool rp_broker_known(const rp_cluster_t *c, int32_t id)
{
    for (int i = 0; i < c->md->broker_cnt; i++)
        if (c->md->brokers[i].id == id) return true;
    return false;
}

/* The current replicas of t-p, or NULL (unknown topic or partition). */
static const rd_kafka_metadata_partition_t *rp_current(const rp_cluster_t *c, const char *t,
                                                       int32_t p)
{
    for (int i = 0; i < c->md->topic_cnt; i++) {
        const rd_kafka_metadata_topic_t *mt = &c->md->topics[i];
        if (strcmp(mt->topic, t) != 0 || mt->err) continue;
        for (int j = 0; j < mt->partition_cnt; j++)
            if (mt->partitions[j].id == p) return &mt->partitions[j];
    }
    return NULL;
}

static void rp_current_of(const rp_cluster_t *c, const rp_list_t *targets, rp_list_t *out)
{
    for (int i = 0; i < targets->n; i++) {
        const rp_part_t *t = &targets->v[i];
        const rd_kafka_metadata_partition_t *mp = rp_current(c, t->topic, t->partition);
        if (!mp) rp_fail("Error: Topic-partition %s-%d not found.", t->topic, t->partition);
        rp_part_t *x = rp_add(out, t->topic, t->partition);
        for (int k = 0; k < mp->replica_cnt && k < RP_MAX_RF; k++)
            x->replicas[x->n++] = mp->replicas[k];
    }
}

/* Send one request to the controller, retrying (a controller change answers NOT_CONTROLLER at
 * the top level) until the deadline. The answer body is the caller's (free). */
static uint8_t *rp_call(rp_cluster_t *c, int16_t key, const wbuf_t *req, rbuf_t *rb,
                        int16_t (*top_error)(const uint8_t *, size_t))
{
    int64_t deadline = ktime_mono_ms() + 30000;
    for (;;) {
        int32_t ctl = rd_kafka_controllerid(c->rk, CLI_REACH_MS);
        for (int i = 0; ctl >= 0 && i < c->md->broker_cnt; i++) {
            if (c->md->brokers[i].id != ctl) continue;
            int fd = clireq_open(c->md->brokers[i].host, c->md->brokers[i].port, 30000);
            uint8_t *body = NULL;
            size_t len = 0, hdr = 0;
            bool ok = fd >= 0 && clireq_call(fd, key, 0, true, "reassign-partitions-tool", req,
                                             &body, &len, &hdr);
            if (fd >= 0) close(fd);
            if (ok && top_error(body + hdr, len - hdr) != KERR_NOT_CONTROLLER) {
                rbuf_init(rb, body + hdr, len - hdr);
                return body;
            }
            free(body);
        }
        if (ktime_mono_ms() >= deadline)
            rp_fail("Error: the controller did not answer %s within 30000 ms", kp_api_name(key));
        usleep(200 * 1000); /* a new controller is being elected: ask again shortly */
        rp_refresh(c);
    }
}

/* Both responses start with throttle_time_ms, error_code. */
static int16_t rp_top_error(const uint8_t *p, size_t n)
{
    return n >= 6 ? (int16_t)bytes_get_be16(p + 4) : KERR_NONE;
}

/* The ongoing reassignments (all, or only_in's partitions). */
static void rp_ongoing(rp_cluster_t *c, const rp_list_t *only_in, rp_list_t *out, rp_list_t *adding,
                       rp_list_t *removing)
{
    kp_listreassign_req_t req = {.timeout_ms = 30000, .ntopics = -1};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_listreassign_req_encode(&wb, 0, &req);
    rbuf_t rb;
    uint8_t *body = rp_call(c, KAPI_LIST_PARTITION_REASSIGNMENTS, &wb, &rb, rp_top_error);
    wbuf_free(&wb);
    arena_t a;
    arena_init(&a);
    kp_listreassign_resp_t resp;
    if (kp_listreassign_resp_decode(&rb, 0, &a, &resp) != KERR_NONE)
        rp_fail("Error: malformed ListPartitionReassignments response");
    if (resp.error_code)
        rp_fail("Error: %s", resp.error_message ? resp.error_message : kerr_str(resp.error_code));
    for (int32_t i = 0; i < resp.ntopics; i++) {
        char *name = kstr_dup(resp.topics[i].name);
        for (int32_t j = 0; j < resp.topics[i].nparts; j++) {
            const kp_listreassign_part_t *p = &resp.topics[i].parts[j];
            if (only_in && !rp_find(only_in, name, p->partition)) continue;
            const int32_t *sets[3] = {p->replicas, p->adding, p->removing};
            int32_t ns[3] = {p->nreplicas, p->nadding, p->nremoving};
            rp_list_t *ls[3] = {out, adding, removing};
            for (int s = 0; s < 3; s++) {
                if (!ls[s]) continue;
                rp_part_t *x = rp_add(ls[s], name, p->partition);
                for (int32_t k = 0; k < ns[s] && k < RP_MAX_RF; k++)
                    x->replicas[x->n++] = sets[s][k];
            }
        }
        free(name);
    }
    arena_free(&a);
    free(body);
}

/* AlterPartitionReassignments for parts (n = -1 in an entry: cancel); prints Kafka's error
 * block and exits when a partition failed. */
static void rp_alter(rp_cluster_t *c, const rp_list_t *parts, bool cancel)
{
    kp_reassign_req_t req = {.timeout_ms = 30000, .ntopics = parts->n};
    req.topics = calloc((size_t)parts->n + 1, sizeof(*req.topics));
    kp_reassign_part_t *ps = calloc((size_t)parts->n + 1, sizeof(*ps));
    if (!req.topics || !ps) abort();
    for (int i = 0; i < parts->n; i++) { /* one topic entry per partition: simple and valid */
        ps[i].partition = parts->v[i].partition;
        ps[i].nreplicas = cancel ? -1 : parts->v[i].n;
        ps[i].replicas = parts->v[i].replicas;
        req.topics[i].name = KSTR(parts->v[i].topic);
        req.topics[i].nparts = 1;
        req.topics[i].parts = &ps[i];
    }
    wbuf_t wb;
    wbuf_init(&wb);
    kp_reassign_req_encode(&wb, 0, &req);
    free(req.topics);
    free(ps);
    rbuf_t rb;
    uint8_t *body = rp_call(c, KAPI_ALTER_PARTITION_REASSIGNMENTS, &wb, &rb, rp_top_error);
    wbuf_free(&wb);
    arena_t a;
    arena_init(&a);
    kp_reassign_resp_t resp;
    if (kp_reassign_resp_decode(&rb, 0, &a, &resp) != KERR_NONE)
        rp_fail("Error: malformed AlterPartitionReassignments response");
    if (resp.error_code)
        rp_fail("Error: %s", resp.error_message ? resp.error_message : kerr_str(resp.error_code));
    rp_list_t errs = {0};
    for (int32_t i = 0; i < resp.ntopics; i++)
        for (int32_t j = 0; j < resp.topics[i].nparts; j++) {
            const kp_reassign_part_resp_t *p = &resp.topics[i].parts[j];
            if (!p->error_code) continue;
            char *name = kstr_dup(resp.topics[i].name);
            rp_add(&errs, name, p->partition)->msg =
                p->error_message ? p->error_message : kerr_str(p->error_code);
            free(name);
        }
    if (errs.n) {
        qsort(errs.v, (size_t)errs.n, sizeof(*errs.v), rp_cmp);
        printf("Error %s partition reassignment%s%s\n", cancel ? "cancelling" : "reassigning",
               errs.n == 1 ? "" : "s", cancel ? " for:" : "(s):");
        for (int i = 0; i < errs.n; i++)
            printf("%s-%d: %s\n", errs.v[i].topic, errs.v[i].partition, errs.v[i].msg);
        exit(1);
    }
    arena_free(&a);
    free(body);
}

static void rp_print_tps(const rp_list_t *l)
{
    for (int i = 0; i < l->n; i++)
        printf("%s%s-%d", i ? "," : "", l->v[i].topic, l->v[i].partition);
}

/* ---- throttles (Kafka's modifyReassignmentThrottle / clearAllThrottles) ---- */

static const char *const rp_rate_keys[] = {"leader.replication.throttled.rate",
                                           "follower.replication.throttled.rate"};
static const char *const rp_list_keys[] = {"leader.replication.throttled.replicas",
                                           "follower.replication.throttled.replicas"};

/* IncrementalAlterConfigs v1 of one resource (type, name) with n configs, sent to broker id;
 * exits with the broker's error. */
static void rp_iac(rp_cluster_t *c, int32_t broker, int8_t type, const char *name, int n,
                   const char *const *keys, const char *const *vals, int8_t op)
{
    kp_alterconfigs_config_t cfg[4];
    for (int i = 0; i < n; i++)
        cfg[i] = (kp_alterconfigs_config_t){KSTR(keys[i]), op, vals ? KSTR(vals[i]) : KSTR_NULL};
    kp_alterconfigs_resource_t res = {type, KSTR(name), n, cfg};
    kp_alterconfigs_req_t req = {.nresources = 1, .resources = &res};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_incrementalalterconfigs_req_encode(&wb, 1, &req);
    for (int i = 0; i < c->md->broker_cnt; i++) {
        if (c->md->brokers[i].id != broker) continue;
        int fd = clireq_open(c->md->brokers[i].host, c->md->brokers[i].port, 30000);
        uint8_t *body = NULL;
        size_t len = 0, hdr = 0;
        bool ok = fd >= 0 && clireq_call(fd, KAPI_INCREMENTAL_ALTER_CONFIGS, 1, true,
                                         "reassign-partitions-tool", &wb, &body, &len, &hdr);
        if (fd >= 0) close(fd);
        wbuf_free(&wb);
        if (!ok) rp_fail("Error: broker %d did not answer IncrementalAlterConfigs", broker);
        rbuf_t rb;
        rbuf_init(&rb, body + hdr, len - hdr);
        arena_t a;
        arena_init(&a);
        kp_alterconfigs_resp_t resp;
        if (kp_incrementalalterconfigs_resp_decode(&rb, 1, &a, &resp) != KERR_NONE)
            rp_fail("Error: malformed IncrementalAlterConfigs response");
        for (int32_t k = 0; k < resp.nresponses; k++)
            if (resp.responses[k].error_code)
                rp_fail("Error: %s", resp.responses[k].error_message
                                         ? resp.responses[k].error_message
                                         : kerr_str(resp.responses[k].error_code));
        arena_free(&a);
        free(body);
        return;
    }
    wbuf_free(&wb);
}

/* Append id to ids[*n] (room for max) unless it is there already: the broker sets the tool
 * prints and configures. */
static void rp_ids_add(int32_t *ids, int *n, int max, int32_t id)
{
    for (int j = 0; j < *n; j++)
        if (ids[j] == id) return;
    if (*n < max) ids[(*n)++] = id;
}

static int rp_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int rp_cmp_id(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The sorted "p:b" entries of topic's moves (leader: sources; follower: new destinations), as
 * one comma-joined string (Kafka's TreeSet[String].mkString(",")). */
static char *rp_throttle_list(const rp_list_t *src, const rp_list_t *dst, const char *topic,
                              bool leader)
{
    char **e = calloc((size_t)src->n * RP_MAX_RF + 1, sizeof(char *));
    int n = 0;
    for (int i = 0; i < src->n; i++) {
        const rp_part_t *s = &src->v[i], *d = &dst->v[i];
        if (strcmp(s->topic, topic) != 0) continue;
        const rp_part_t *from = leader ? s : d;
        for (int32_t k = 0; k < from->n; k++) {
            bool is_src = false;
            for (int32_t m = 0; m < s->n; m++)
                is_src = is_src || s->replicas[m] == from->replicas[k];
            if (!leader && is_src) continue;
            char buf[32];
            snprintf(buf, sizeof(buf), "%d:%d", s->partition, from->replicas[k]);
            bool dup = false;
            for (int j = 0; j < n && !dup; j++) dup = strcmp(e[j], buf) == 0;
            if (!dup) e[n++] = strdup(buf);
        }
    }
    qsort(e, (size_t)n, sizeof(char *), rp_cmp_str);
    size_t len = 1;
    for (int i = 0; i < n; i++) len += strlen(e[i]) + 1;
    char *out = calloc(len, 1);
    for (int i = 0; i < n; i++) {
        if (i) strcat(out, ",");
        strcat(out, e[i]);
        free(e[i]);
    }
    free(e);
    return out;
}

/* The sources of each target's move: the replicas it had before any ongoing reassignment
 * (replicas minus adding), or its current replicas. */
static void rp_sources(const rp_list_t *targets, const rp_list_t *cur, const rp_list_t *ongoing,
                       const rp_list_t *adding, rp_list_t *out)
{
    for (int i = 0; i < targets->n; i++) {
        const rp_part_t *t = &targets->v[i];
        const rp_part_t *on = rp_find(ongoing, t->topic, t->partition);
        const rp_part_t *base = on ? on : rp_find(cur, t->topic, t->partition);
        const rp_part_t *add = on ? rp_find(adding, t->topic, t->partition) : NULL;
        rp_part_t *x = rp_add(out, t->topic, t->partition);
        for (int32_t k = 0; base && k < base->n; k++) {
            bool adding_it = false;
            for (int32_t m = 0; add && m < add->n; m++)
                adding_it |= add->replicas[m] == base->replicas[k];
            if (!adding_it) x->replicas[x->n++] = base->replicas[k];
        }
    }
}

static void rp_throttle_set(rp_cluster_t *c, const rp_list_t *targets, const rp_list_t *cur,
                            long long rate)
{
    rp_list_t ongoing = {0}, adding = {0}, src = {0};
    rp_ongoing(c, NULL, &ongoing, &adding, NULL);
    rp_sources(targets, cur, &ongoing, &adding, &src);
    for (int i = 0; i < targets->n; i++) { /* each topic once */
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = !strcmp(targets->v[j].topic, targets->v[i].topic);
        if (seen) continue;
        char *lv = rp_throttle_list(&src, targets, targets->v[i].topic, true);
        char *fv = rp_throttle_list(&src, targets, targets->v[i].topic, false);
        const char *vals[2] = {lv, fv};
        int32_t any = rd_kafka_controllerid(c->rk, CLI_REACH_MS);
        rp_iac(c, any, KP_RESOURCE_TOPIC, targets->v[i].topic, 2, rp_list_keys, vals,
               KP_CONFIG_OP_SET);
        free(lv);
        free(fv);
    }
    int32_t ids[1024];
    int n = 0;
    for (int i = 0; i < targets->n; i++) {
        const rp_part_t *sets[2] = {&src.v[i], &targets->v[i]};
        for (int s = 0; s < 2; s++)
            for (int32_t k = 0; k < sets[s]->n; k++)
                rp_ids_add(ids, &n, 1024, sets[s]->replicas[k]);
    }
    qsort(ids, (size_t)n, sizeof(int32_t), rp_cmp_id);
    char v[32];
    snprintf(v, sizeof(v), "%lld", rate);
    const char *vals[2] = {v, v};
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "%d", ids[i]);
        rp_iac(c, ids[i], KP_RESOURCE_BROKER, name, 2, rp_rate_keys, vals, KP_CONFIG_OP_SET);
    }
}

/* Delete the throttle configs of brokers ids (live ones) and topics. */
static void rp_throttle_clear(rp_cluster_t *c, const int32_t *ids, int n, const char *const *topics,
                              int nt)
{
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "%d", ids[i]);
        if (rp_broker_known(c, ids[i]))
            rp_iac(c, ids[i], KP_RESOURCE_BROKER, name, 2, rp_rate_keys, NULL, KP_CONFIG_OP_DELETE);
    }
    int32_t any = rd_kafka_controllerid(c->rk, CLI_REACH_MS);
    for (int i = 0; i < nt; i++)
        rp_iac(c, any, KP_RESOURCE_TOPIC, topics[i], 2, rp_list_keys, NULL, KP_CONFIG_OP_DELETE);
}

/* ---- actions ---- */

/* The brokers of the list with their racks (Metadata through the broker's own codec: the racks
 * are not in librdkafka 2.0's metadata), sorted by id, as Kafka's getBrokerMetadata gives them:
 * racks dropped with --disable-rack-aware, and a mix of brokers with and without one refused. */
static int rp_rack_brokers(rp_cluster_t *c, const int32_t *ids, int n, assign_broker_t *out)
{
    cli_md_t md;
    bool ok = false;
    for (int i = 0; i < c->md->broker_cnt && !ok; i++)
        ok = cli_metadata_from(c->md->brokers[i].host, c->md->brokers[i].port, 0, NULL, 10000, &md);
    if (!ok) rp_fail("Error: no broker answered Metadata");
    bool racks = !cli_has(opts, "disable-rack-aware");
    for (int i = 0; i < n; i++) {
        out[i].id = ids[i];
        out[i].rack[0] = '\0';
        for (int32_t j = 0; racks && j < md.resp.nbrokers; j++)
            if (md.resp.brokers[j].node_id == ids[i] && md.resp.brokers[j].rack.len > 0)
                snprintf(out[i].rack, sizeof(out[i].rack), "%.*s", md.resp.brokers[j].rack.len,
                         md.resp.brokers[j].rack.p);
    }
    cli_md_free(&md);
    qsort(out, (size_t)n, sizeof(*out), rp_cmp_id); /* by id (the first member) */
    if (assign_racks_mixed(out, n))
        rp_fail("Error: Not all brokers have rack information. Add --disable-rack-aware in "
                "command line to make replica assignment without rack information.");
    return n;
}

static void rp_generate(rp_cluster_t *c)
{
    json_t *js = rp_load(cli_val(opts, "topics-to-move-json-file"));
    int32_t brokers[1024];
    int nb = 0;
    for (const char *p = cli_val(opts, "broker-list"); *p && nb < 1024;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || (*end && *end != ',')) rp_fail("Error: For input string: \"%s\"", p);
        for (int i = 0; i < nb; i++)
            if (brokers[i] == v) rp_fail("Error: Broker list contains duplicate entries: %ld", v);
        if (rp_broker_known(c, (int32_t)v))
            brokers[nb++] = (int32_t)v; /* as Kafka: unknown ones drop */
        p = *end ? end + 1 : end;
    }
    if (nb > ASSIGN_MAX_BROKERS) rp_fail("Error: too many brokers in --broker-list");
    assign_broker_t ab[ASSIGN_MAX_BROKERS];
    rp_rack_brokers(c, brokers, nb, ab);
    rp_list_t cur = {0}, prop = {0};
    json_t *arr = json_object_get(js, "topics");
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        const char *t = json_string_value(json_object_get(e, "topic"));
        if (!t) rp_fail("Error: every entry of \"topics\" needs a \"topic\"");
        const rd_kafka_metadata_partition_t *p0 = rp_current(c, t, 0);
        if (!p0)
            rp_fail("Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: "
                    "Topic %s not found.",
                    t);
        int32_t np = 0;
        while (rp_current(c, t, np)) np++;
        int16_t rf = (int16_t)p0->replica_cnt;
        if (rf > nb)
            rp_fail("Error: Replication factor: %d larger than available brokers: %d.", rf, nb);
        int32_t *out = calloc((size_t)np * (size_t)rf + 1, sizeof(int32_t));
        assign_auto(ab, nb, true, 0, np, rf, rand() % nb, rand() % nb, out);
        for (int32_t p = 0; p < np; p++) {
            const rd_kafka_metadata_partition_t *mp = rp_current(c, t, p);
            rp_part_t *x = rp_add(&cur, t, p);
            for (int k = 0; k < mp->replica_cnt && k < RP_MAX_RF; k++)
                x->replicas[x->n++] = mp->replicas[k];
            rp_part_t *y = rp_add(&prop, t, p);
            y->n = rf;
            memcpy(y->replicas, out + (size_t)p * (size_t)rf, (size_t)rf * sizeof(int32_t));
        }
        free(out);
    }
    json_decref(js);
    printf("Current partition replica assignment\n");
    rp_print_json(&cur);
    printf("\n\nProposed partition reassignment configuration\n");
    rp_print_json(&prop);
    printf("\n");
}

static void rp_execute(rp_cluster_t *c)
{
    rp_list_t targets = {0}, ongoing = {0}, cur = {0};
    rp_parse_targets(cli_val(opts, "reassignment-json-file"), &targets, true);
    rp_ongoing(c, NULL, &ongoing, NULL, NULL);
    if (ongoing.n && !cli_has(opts, "additional"))
        rp_fail("Cannot execute because there is an existing partition assignment.  Use "
                "--additional to override this and create a new partition assignment in addition "
                "to the existing one. The --additional flag can also be used to change the "
                "throttle by resubmitting the current reassignment.");
    for (int i = 0; i < targets.n; i++)
        for (int32_t k = 0; k < targets.v[i].n; k++)
            if (!rp_broker_known(c, targets.v[i].replicas[k]))
                rp_fail("Error: Unknown broker id %d", targets.v[i].replicas[k]);
    rp_current_of(c, &targets, &cur);
    printf("Current partition replica assignment\n\n");
    rp_print_json(&cur);
    printf("\n\nSave this to use as the --reassignment-json-file option during rollback\n");
    long long throttle = cli_ll(TOOL, opts, "throttle", -1, -1, INT64_MAX);
    if (throttle >= 0 || cli_has(opts, "replica-alter-log-dirs-throttle")) {
        printf("Warning: You must run --verify periodically, until the reassignment completes, "
               "to ensure the throttle is removed.\n");
        if (cli_has(opts, "replica-alter-log-dirs-throttle"))
            rp_fail("Error: --replica-alter-log-dirs-throttle needs AlterReplicaLogDirs, which "
                    "this cluster does not serve");
        rp_throttle_set(c, &targets, &cur, throttle);
        printf("The inter-broker throttle limit was set to %lld B/s\n", throttle);
    }
    rp_alter(c, &targets, false);
    qsort(targets.v, (size_t)targets.n, sizeof(*targets.v), rp_cmp);
    printf("Successfully started partition reassignment%s for ", targets.n == 1 ? "" : "s");
    rp_print_tps(&targets);
    printf("\n");
}

/* Clear the throttles Kafka's tool clears once nothing is moving (unless --preserve-throttles). */
static void rp_clear(rp_cluster_t *c, const rp_list_t *targets)
{
    int32_t ids[1024];
    int n = 0;
    for (int i = 0; i < c->md->broker_cnt && n < 1024; i++) ids[n++] = c->md->brokers[i].id;
    for (int i = 0; i < targets->n; i++)
        for (int32_t k = 0; k < targets->v[i].n; k++)
            rp_ids_add(ids, &n, 1024, targets->v[i].replicas[k]);
    printf("Clearing broker-level throttles on broker%s ", n == 1 ? "" : "s");
    for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", ids[i]);
    printf("\n");
    const char *topics[1024];
    int nt = 0;
    for (int i = 0; i < targets->n && nt < 1024; i++) {
        bool seen = false;
        for (int j = 0; j < nt && !seen; j++) seen = strcmp(topics[j], targets->v[i].topic) == 0;
        if (!seen) topics[nt++] = targets->v[i].topic;
    }
    printf("Clearing topic-level throttles on topic%s ", nt == 1 ? "" : "s");
    for (int i = 0; i < nt; i++) printf("%s%s", i ? "," : "", topics[i]);
    printf("\n");
    rp_throttle_clear(c, ids, n, topics, nt);
}

static void rp_verify(rp_cluster_t *c)
{
    rp_list_t targets = {0}, ongoing = {0};
    rp_parse_targets(cli_val(opts, "reassignment-json-file"), &targets, false);
    rp_ongoing(c, NULL, &ongoing, NULL, NULL);
    qsort(targets.v, (size_t)targets.n, sizeof(*targets.v), rp_cmp);
    printf("Status of partition reassignment:\n");
    for (int i = 0; i < targets.n; i++) {
        const rp_part_t *t = &targets.v[i];
        if (rp_find(&ongoing, t->topic, t->partition)) {
            printf("Reassignment of partition %s-%d is still in progress.\n", t->topic,
                   t->partition);
            continue;
        }
        const rd_kafka_metadata_partition_t *mp = rp_current(c, t->topic, t->partition);
        bool same = mp && mp->replica_cnt == t->n;
        for (int32_t k = 0; same && k < t->n; k++) same = mp->replicas[k] == t->replicas[k];
        if (same) {
            printf("Reassignment of partition %s-%d is complete.\n", t->topic, t->partition);
            continue;
        }
        printf("There is no active reassignment of partition %s-%d, but replica set is ", t->topic,
               t->partition);
        for (int k = 0; mp && k < mp->replica_cnt; k++)
            printf("%s%d", k ? "," : "", mp->replicas[k]);
        printf(" rather than ");
        for (int32_t k = 0; k < t->n; k++) printf("%s%d", k ? "," : "", t->replicas[k]);
        printf(".\n");
    }
    if (ongoing.n == 0 && !cli_has(opts, "preserve-throttles")) {
        printf("\n");
        rp_clear(c, &targets);
    }
}

static void rp_cancel(rp_cluster_t *c)
{
    rp_list_t targets = {0}, active = {0}, adding = {0}, removing = {0};
    rp_parse_targets(cli_val(opts, "reassignment-json-file"), &targets, false);
    rp_ongoing(c, &targets, &active, &adding, &removing);
    if (active.n) {
        rp_alter(c, &active, true);
        qsort(active.v, (size_t)active.n, sizeof(*active.v), rp_cmp);
        printf("Successfully cancelled partition reassignment%s for: ", active.n == 1 ? "" : "s");
        rp_print_tps(&active);
        printf("\n");
    } else {
        printf("None of the specified partition reassignments are active.\n");
    }
    printf("None of the specified partition moves are active.\n");
    if (!cli_has(opts, "preserve-throttles")) rp_clear(c, &targets);
}

static void rp_print_ids(const char *label, const rp_part_t *x)
{
    if (!x || x->n == 0) return;
    printf(" %s: ", label);
    for (int32_t k = 0; k < x->n; k++) printf("%s%d", k ? "," : "", x->replicas[k]);
    printf(".");
}

static void rp_list(rp_cluster_t *c)
{
    rp_list_t ongoing = {0}, adding = {0}, removing = {0};
    rp_ongoing(c, NULL, &ongoing, &adding, &removing);
    if (ongoing.n == 0) {
        printf("No partition reassignments found.\n");
        return;
    }
    printf("Current partition reassignments:\n");
    qsort(ongoing.v, (size_t)ongoing.n, sizeof(*ongoing.v), rp_cmp);
    for (int i = 0; i < ongoing.n; i++) {
        const rp_part_t *x = &ongoing.v[i];
        printf("%s-%d: replicas: ", x->topic, x->partition);
        for (int32_t k = 0; k < x->n; k++) printf("%s%d", k ? "," : "", x->replicas[k]);
        printf(".");
        rp_print_ids("adding", rp_find(&adding, x->topic, x->partition));
        rp_print_ids("removing", rp_find(&removing, x->topic, x->partition));
        printf("\n");
    }
}

/* Kafka's validateAndParseArgs: one action, its required options, nothing foreign. */
static const char *rp_action(void)
{
    static const char *const actions[] = {"generate", "execute", "verify", "cancel", "list"};
    const char *act = NULL;
    int n = 0;
    for (size_t i = 0; i < 5; i++)
        if (cli_has(opts, actions[i])) act = actions[i], n++;
    if (n != 1)
        cli_die(TOOL, "Command must include exactly one action: --generate, --execute, --verify, "
                      "--cancel, --list");
    if (!cli_has(opts, "bootstrap-server")) cli_die(TOOL, "Please specify --bootstrap-server");
    static const struct {
        const char *action, *required[2], *permitted;
    } rules[] = {
        {"verify", {"reassignment-json-file"}, ",preserve-throttles,"},
        {"generate", {"topics-to-move-json-file", "broker-list"}, ",disable-rack-aware,"},
        {"execute",
         {"reassignment-json-file"},
         ",additional,throttle,replica-alter-log-dirs-throttle,timeout,"},
        {"cancel", {"reassignment-json-file"}, ",preserve-throttles,timeout,"},
        {"list", {NULL}, ","},
    };
    for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
        if (strcmp(rules[r].action, act) != 0) continue;
        for (int k = 0; k < 2 && rules[r].required[k]; k++)
            if (!cli_has(opts, rules[r].required[k]))
                cli_die(TOOL, "Missing required argument \"[%s]\"", rules[r].required[k]);
        for (cli_opt_t *o = opts; o->name; o++) {
            char key[80];
            snprintf(key, sizeof(key), ",%s,", o->name);
            bool req = (rules[r].required[0] && !strcmp(o->name, rules[r].required[0])) ||
                       (rules[r].required[1] && !strcmp(o->name, rules[r].required[1]));
            if (o->set && strcmp(o->name, act) && !req && strcmp(o->name, "bootstrap-server") &&
                strcmp(o->name, "command-config") && !strstr(rules[r].permitted, key))
                cli_die(TOOL, "Option \"[%s]\" can't be used with action \"[%s]\"", o->name, act);
        }
    }
    return act;
}

int main(int argc, char **argv)
{
    cli_parse_or_usage(TOOL, "This tool helps to move topic partitions between replicas.", opts,
                       argc, argv);
    const char *act = rp_action();
    srand((unsigned)ktime_wall_ms());
    rp_cluster_t c = {.rk = cli_admin_new(TOOL, cli_val(opts, "bootstrap-server"),
                                          cli_val(opts, "command-config"))};
    rp_refresh(&c);
    if (!strcmp(act, "generate")) rp_generate(&c);
    if (!strcmp(act, "execute")) rp_execute(&c);
    if (!strcmp(act, "verify")) rp_verify(&c);
    if (!strcmp(act, "cancel")) rp_cancel(&c);
    if (!strcmp(act, "list")) rp_list(&c);
    rd_kafka_metadata_destroy(c.md);
    rd_kafka_destroy(c.rk);
    return 0;
}
