/* kafka_log_dirs.c: kafka-log-dirs, as Kafka's LogDirsCommand:
 *   --bootstrap-server B --describe [--broker-list 1,2] [--topic-list t1,t2] [--command-config P]
 * prints
 *   Querying brokers for log directories information
 *   Received log directory information from brokers 1,2,3
 *   {"version":1,"brokers":[{"broker":1,"logDirs":[{"logDir":"/data/a","error":null,
 *    "partitions":[{"partition":"t-0","size":123,"offsetLag":0,"isFuture":false}]}]}]}
 * librdkafka 2.0 has no DescribeLogDirs call, so the tool sends DescribeLogDirs v2 to each
 * broker itself (clireq.h, the broker's own codec). Brokers, log dirs and partitions come in
 * the order Kafka's tool prints them for the same answers (its Scala and Java hash maps,
 * jhash.h); the JSON is compact, as Jackson writes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clireq.h"
#include "jhash.h"
#include "proto/kp_describelogdirs.h"

#define TOOL       "kafka-log-dirs"
#define TIMEOUT_MS 30000
#define DLD_VER    2

static cli_opt_t opts[] = {
    CLI_OPT("bootstrap-server", true, "REQUIRED: the server(s) to use for bootstrapping"),
    CLI_OPT("command-config", true,
            "Property file containing configs to be passed to Admin Client."),
    CLI_OPT("describe", false, "Describe the specified log directories on the specified brokers."),
    CLI_OPT("topic-list", true,
            "The list of topics to be queried in the form \"topic1,topic2,topic3\". All topics "
            "will be queried if no topic list is specified"),
    CLI_OPT("broker-list", true,
            "The list of brokers to be queried in the form \"0,1,2\". All brokers in the cluster "
            "will be queried if no broker list is specified"),
    CLI_END,
};

/* One broker's answer. */
typedef struct ld_broker {
    int32_t id;
    kp_describelogdirs_resp_t resp;
    uint8_t *body;
    arena_t arena;
} ld_broker_t;

/* Kafka's exception class for a log dir's error code. */
static const char *ld_error_class(int16_t code)
{
    switch (code) {
    case 0:
        return NULL;
    case KERR_KAFKA_STORAGE_ERROR:
        return "org.apache.kafka.common.errors.KafkaStorageException";
    default:
        return "org.apache.kafka.common.errors.UnknownServerException";
    }
}

static bool ld_topic_wanted(const char *list, kstr_t topic)
{
    if (!list || !*list) return true;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n > 0 && (int32_t)n == topic.len && memcmp(p, topic.p, n) == 0) return true;
        p += n;
        if (*p) p++;
    }
    return false;
}

static void ld_json_str(const char *p, int32_t len)
{
    putchar('"');
    for (int32_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* One log dir's partitions (those of the listed topics), in Scala mutable.HashMap order. */
static void ld_print_partitions(const kp_logdir_result_t *d, const char *topics)
{
    int n = 0;
    for (int32_t t = 0; t < d->ntopics; t++)
        if (ld_topic_wanted(topics, d->topics[t].name)) n += d->topics[t].nparts;
    const kp_logdir_part_t **ps = calloc((size_t)n + 1, sizeof(*ps));
    const kp_logdir_topic_t **ts = calloc((size_t)n + 1, sizeof(*ts));
    int32_t *h = calloc((size_t)n + 1, sizeof(*h));
    int *order = calloc((size_t)n + 1, sizeof(*order));
    int k = 0;
    for (int32_t t = 0; t < d->ntopics; t++) {
        if (!ld_topic_wanted(topics, d->topics[t].name)) continue;
        char *name = kstr_dup(d->topics[t].name);
        for (int32_t j = 0; j < d->topics[t].nparts; j++, k++) {
            ts[k] = &d->topics[t];
            ps[k] = &d->topics[t].parts[j];
            h[k] = jhash_tp(name, ps[k]->partition_index);
        }
        free(name);
    }
    jhash_scala_order(h, n, order);
    for (int i = 0; i < n; i++) {
        const kp_logdir_topic_t *t = ts[order[i]];
        const kp_logdir_part_t *p = ps[order[i]];
        printf("%s{\"partition\":", i ? "," : "");
        char tp[512];
        int l =
            snprintf(tp, sizeof(tp), "%.*s-%d", (int)t->name.len, t->name.p, p->partition_index);
        ld_json_str(tp, l < (int)sizeof(tp) ? l : (int)sizeof(tp) - 1);
        printf(",\"size\":%lld,\"offsetLag\":%lld,\"isFuture\":%s}", (long long)p->partition_size,
               (long long)p->offset_lag, p->is_future_key ? "true" : "false");
    }
    free(ps);
    free(ts);
    free(h);
    free(order);
}

/* One broker's log dirs, in java.util.HashMap<String, ...>(number of dirs) order. */
static void ld_print_broker(const ld_broker_t *b, const char *topics)
{
    const kp_describelogdirs_resp_t *r = &b->resp;
    int n = r->nresults;
    int32_t *h = calloc((size_t)n + 1, sizeof(*h));
    int *order = calloc((size_t)n + 1, sizeof(*order));
    for (int i = 0; i < n; i++) {
        char *dir = kstr_dup(r->results[i].log_dir);
        h[i] = jhash_string(dir);
        free(dir);
    }
    jhash_java_order(h, n, jhash_java_capacity(n, n), order);
    printf("{\"broker\":%d,\"logDirs\":[", b->id);
    for (int i = 0; i < n; i++) {
        const kp_logdir_result_t *d = &r->results[order[i]];
        printf("%s{\"logDir\":", i ? "," : "");
        ld_json_str(d->log_dir.p, d->log_dir.len);
        const char *err = ld_error_class(d->error_code);
        if (err)
            printf(",\"error\":\"%s\",\"partitions\":[", err);
        else
            printf(",\"error\":null,\"partitions\":[");
        ld_print_partitions(d, topics);
        printf("]}");
    }
    printf("]}");
    free(h);
    free(order);
}

/* Ask broker id at host:port; exits naming it when it does not answer. */
static void ld_query(ld_broker_t *b, const char *host, int port)
{
    wbuf_t wb;
    wbuf_init(&wb);
    kp_describelogdirs_req_t req = {.ntopics = -1};
    kp_describelogdirs_req_encode(&wb, DLD_VER, &req);
    arena_init(&b->arena);
    int fd = clireq_open(host, port, TIMEOUT_MS);
    size_t len, hdr;
    bool ok = fd >= 0 && clireq_call(fd, KAPI_DESCRIBE_LOG_DIRS, DLD_VER, true, "log-dirs-tool",
                                     &wb, &b->body, &len, &hdr);
    if (fd >= 0) close(fd);
    wbuf_free(&wb);
    if (!ok)
        cli_die(TOOL, "broker %d at %s:%d did not answer DescribeLogDirs within %d ms", b->id, host,
                port, TIMEOUT_MS);
    rbuf_t rb;
    rbuf_init(&rb, b->body + hdr, len - hdr);
    if (kp_describelogdirs_resp_decode(&rb, DLD_VER, &b->arena, &b->resp) != KERR_NONE)
        cli_die(TOOL, "broker %d sent a malformed DescribeLogDirs response", b->id);
}

/* The brokers to ask: --broker-list (every id must exist) or every broker of the cluster. */
static int ld_brokers(const rd_kafka_metadata_t *md, int32_t **ids_out)
{
    const char *list = cli_val(opts, "broker-list");
    int32_t *ids = calloc((size_t)md->broker_cnt + 64, sizeof(*ids));
    int n = 0;
    if (!list) {
        for (int i = 0; i < md->broker_cnt; i++) ids[n++] = md->brokers[i].id;
        *ids_out = ids;
        return n;
    }
    char missing[512] = "", existing[512] = "";
    size_t mo = 0, eo = 0;
    for (const char *p = list; *p && n < md->broker_cnt + 63;) {
        size_t l = strcspn(p, ",");
        if (l > 0) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end != p + l) cli_fail("For input string: \"%.*s\"", (int)l, p);
            bool known = false;
            for (int i = 0; i < md->broker_cnt; i++) known = known || md->brokers[i].id == v;
            if (!known)
                mo +=
                    (size_t)snprintf(missing + mo, sizeof(missing) - mo, "%s%ld", mo ? "," : "", v);
            ids[n++] = (int32_t)v;
        }
        p += l;
        if (*p) p++;
    }
    if (mo) {
        for (int i = 0; i < md->broker_cnt; i++)
            eo += (size_t)snprintf(existing + eo, sizeof(existing) - eo, "%s%d", eo ? "," : "",
                                   md->brokers[i].id);
        cli_fail("ERROR: The given brokers do not exist from --broker-list: %s. Current existent "
                 "brokers: %s",
                 missing, existing);
    }
    *ids_out = ids;
    return n;
}

int main(int argc, char **argv)
{
    cli_parse_or_usage(TOOL,
                       "This tool helps to query log directory usage on the specified brokers.",
                       opts, argc, argv);
    const char *bs = cli_val(opts, "bootstrap-server");
    if (!bs) cli_die(TOOL, "Missing required argument \"[bootstrap-server]\"");
    if (!cli_has(opts, "describe")) cli_die(TOOL, "Missing required argument \"[describe]\"");
    rd_kafka_t *rk = cli_admin_new(TOOL, bs, cli_val(opts, "command-config"));
    const rd_kafka_metadata_t *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, NULL, &md, CLI_REACH_MS);
    if (e)
        cli_die(TOOL, "cannot reach the brokers at %s within %d ms: %s", bs, CLI_REACH_MS,
                rd_kafka_err2str(e));
    int32_t *ids;
    int n = ld_brokers(md, &ids);
    printf("Querying brokers for log directories information\n");
    fflush(stdout);
    ld_broker_t *bs_ = calloc((size_t)n + 1, sizeof(*bs_));
    for (int i = 0; i < n; i++) {
        bs_[i].id = ids[i];
        for (int j = 0; j < md->broker_cnt; j++)
            if (md->brokers[j].id == ids[i])
                ld_query(&bs_[i], md->brokers[j].host, md->brokers[j].port);
    }
    printf("Received log directory information from brokers ");
    for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", ids[i]);
    printf("\n");
    /* the brokers as Scala's mutable.HashMap[Integer, ...] iterates them */
    int32_t *h = calloc((size_t)n + 1, sizeof(*h));
    int *order = calloc((size_t)n + 1, sizeof(*order));
    for (int i = 0; i < n; i++) h[i] = ids[i];
    jhash_scala_order(h, n, order);
    printf("{\"version\":1,\"brokers\":[");
    for (int i = 0; i < n; i++) {
        if (i) putchar(',');
        ld_print_broker(&bs_[order[i]], cli_val(opts, "topic-list"));
    }
    printf("]}\n");
    for (int i = 0; i < n; i++) {
        free(bs_[i].body);
        arena_free(&bs_[i].arena);
    }
    free(bs_);
    free(h);
    free(order);
    free(ids);
    rd_kafka_metadata_destroy(md);
    rd_kafka_destroy(rk);
    return 0;
}
