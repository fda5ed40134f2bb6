/* kafka_consumer_perf_test.c: kafka-consumer-perf-test, as Kafka's ConsumerPerformance: reads
 * --messages messages of --topic (or of every topic matching --include) as fast as it can and
 * prints Kafka's header and summary line (start.time, end.time, data.consumed.in.MB, MB.sec,
 * data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec,
 * fetch.nMsg.sec), or with --show-detailed-stats one line per --reporting-interval. It stops
 * after --timeout ms without a message, with Kafka's WARNING.
 *
 * Like Kafka's tool it joins a consumer group (--group, default perf-consumer-NNNNN) and
 * measures the rebalance time. When the cluster serves no consumer groups it reads every
 * partition by assignment instead (rebalance.time.ms is then 0) and says so on stderr if a
 * --group was given.
 *
 * Hot loop: messages come in batches (rd_kafka_consume_batch_queue into one fixed array); we
 * only count them. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ktime.h"

#define TOOL             "kafka-consumer-perf-test"
#define BATCH            4096
#define DEFAULT_CLIENTID "perf-consumer-client"

static cli_opt_t opts[] = {
    CLI_OPT("bootstrap-server", true, "REQUIRED unless --broker-list(deprecated) is specified."),
    CLI_OPT("broker-list", true, "DEPRECATED, use --bootstrap-server instead."),
    CLI_OPT("topic", true, "The topic to consume from."),
    CLI_OPT("include", true, "Regular expression specifying list of topics to include."),
    CLI_OPT("group", true, "The group id to consume on. (default: perf-consumer-NNNNN)"),
    CLI_OPT("fetch-size", true,
            "The amount of data to fetch in a single request. (default: "
            "1048576)"),
    CLI_OPT("from-latest", false,
            "If the consumer does not already have an established offset to consume from, start "
            "with the latest message present in the log rather than the earliest message."),
    CLI_OPT("socket-buffer-size", true, "The size of the tcp RECV size. (default: 2097152)"),
    CLI_OPT("consumer.config", true, "Consumer config properties file."),
    CLI_OPT("print-metrics", false, "Print out the metrics."),
    CLI_OPT("show-detailed-stats", false,
            "If set, stats are reported for each reporting interval as configured by "
            "reporting-interval"),
    CLI_OPT("timeout", true,
            "The maximum allowed time in milliseconds between returned records. (default: 10000)"),
    CLI_OPT("messages", true, "REQUIRED: The number of messages to consume."),
    CLI_OPT("reporting-interval", true,
            "Interval in milliseconds at which to print progress info. (default: 5000)"),
    CLI_OPT("date-format", true,
            "The date format to use for formatting the time field. See java.text.SimpleDateFormat "
            "for options. (default: yyyy-MM-dd HH:mm:ss:SSS)"),
    CLI_OPT("hide-header", false, "If set, skips printing the header for the stats"),
    CLI_OPT("threads", true, "DEPRECATED and ignored: number of processing threads."),
    CLI_OPT("num-fetch-threads", true, "DEPRECATED and ignored: number of fetcher threads."),
    CLI_END,
};

/* Kafka's ConsumerPerfRebListener: time from (re)join start to the first assignment. */
typedef struct join_clock {
    int64_t join_start_ms;
    int64_t join_ms, join_ms_round;
    int assigned;
} join_clock_t;

static join_clock_t jc;

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    (void)opaque;
    bool cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (jc.assigned == 0) {
            int64_t elapsed = ktime_wall_ms() - jc.join_start_ms;
            jc.join_ms += elapsed;
            jc.join_ms_round += elapsed;
        }
        jc.assigned += parts->cnt;
        if (cooperative)
            rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, parts));
        else
            rd_kafka_assign(rk, parts);
    } else {
        jc.assigned = cooperative ? jc.assigned - parts->cnt : 0;
        if (jc.assigned <= 0) {
            jc.assigned = 0;
            jc.join_start_ms = ktime_wall_ms();
        }
        if (cooperative)
            rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, parts));
        else
            rd_kafka_assign(rk, NULL);
    }
}

static const char *date_format = "yyyy-MM-dd HH:mm:ss:SSS";

static void print_progress(long long bytes, long long last_bytes, long long msgs,
                           long long last_msgs, int64_t start_ms, int64_t end_ms, int64_t join_ms)
{
    char when[64];
    cli_fmt_date(date_format, end_ms, when, sizeof(when));
    double elapsed = (double)(end_ms - start_ms);
    double mb = (double)bytes / (1024 * 1024), imb = (double)(bytes - last_bytes) / (1024 * 1024);
    long long fetch_ms = end_ms - start_ms - join_ms;
    printf("%s, %d, %.4f, %.4f, %lld, %.4f, %lld, %lld, %.4f, %.4f\n", when, 0, mb,
           1000.0 * imb / elapsed, msgs, (double)(msgs - last_msgs) / elapsed * 1000.0,
           (long long)join_ms, fetch_ms, fetch_ms <= 0 ? 0.0 : 1000.0 * imb / (double)fetch_ms,
           fetch_ms <= 0 ? 0.0 : 1000.0 * (double)(msgs - last_msgs) / (double)fetch_ms);
    fflush(stdout);
}

/* Topics of the cluster matching --include (POSIX extended regex, whole name). */
static rd_kafka_topic_partition_list_t *matching_topics(rd_kafka_t *rk, const char *re_src,
                                                        bool from_latest)
{
    regex_t re;
    char anchored[1024];
    snprintf(anchored, sizeof(anchored), "^(%s)$", re_src);
    if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) != 0)
        cli_die(TOOL, "--include '%s' is not a valid regular expression", re_src);
    const rd_kafka_metadata_t *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, CLI_REACH_MS);
    if (e) cli_die(TOOL, "cannot reach the brokers: %s", rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_t *tl = rd_kafka_topic_partition_list_new(16);
    for (int i = 0; i < md->topic_cnt; i++) {
        const rd_kafka_metadata_topic_t *t = &md->topics[i];
        if (t->err || regexec(&re, t->topic, 0, NULL, 0) != 0) continue;
        for (int p = 0; p < t->partition_cnt; p++)
            rd_kafka_topic_partition_list_add(tl, t->topic, t->partitions[p].id)->offset =
                from_latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_metadata_destroy(md);
    regfree(&re);
    return tl;
}

/* consumed = returned to the tool (librdkafka's rxmsgs also counts what it prefetched) */
static const cli_metric_t consumer_metrics[] = {
    {"consumer-fetch-manager-metrics", "bytes-consumed-total", CLI_M_VALUE, NULL, 1},
    {"consumer-fetch-manager-metrics", "fetch-latency-avg", CLI_M_BROKERS_AVG, "rtt", 0.001},
    {"consumer-fetch-manager-metrics", "fetch-total", CLI_M_TOP, "rx", 1},
    {"consumer-fetch-manager-metrics", "records-consumed-rate", CLI_M_VALUE, NULL, 1},
    {"consumer-fetch-manager-metrics", "records-consumed-total", CLI_M_VALUE, NULL, 1},
    {"consumer-metrics", "incoming-byte-total", CLI_M_TOP, "rx_bytes", 1},
    {"consumer-metrics", "outgoing-byte-total", CLI_M_TOP, "tx_bytes", 1},
};

int main(int argc, char **argv)
{
    cli_parse(TOOL, "This tool is used to verify the consumer performance.", opts, argc, argv);
    const char *bootstrap = cli_val(opts, "bootstrap-server");
    if (!bootstrap) bootstrap = cli_val(opts, "broker-list");
    if (!bootstrap) cli_die(TOOL, "Missing required argument \"[bootstrap-server]\"");
    if (!cli_has(opts, "messages")) cli_die(TOOL, "Missing required argument \"[messages]\"");
    const char *topic = cli_val(opts, "topic"), *include = cli_val(opts, "include");
    if (!topic == !include) cli_die(TOOL, "Exactly one of [topic] or [include] must be specified");
    long long num = cli_ll(TOOL, opts, "messages", 0, 0, INT64_MAX);
    long long timeout_ms = cli_ll(TOOL, opts, "timeout", 10000, 0, INT64_MAX);
    long long interval_ms = cli_ll(TOOL, opts, "reporting-interval", 5000, 1, INT64_MAX);
    long long fetch_size = cli_ll(TOOL, opts, "fetch-size", 1024 * 1024, 1, INT32_MAX);
    long long sockbuf = cli_ll(TOOL, opts, "socket-buffer-size", 2 * 1024 * 1024, 0, INT32_MAX);
    bool detailed = cli_has(opts, "show-detailed-stats");
    bool from_latest = cli_has(opts, "from-latest");
    if (cli_val(opts, "date-format")) date_format = cli_val(opts, "date-format");

    char group[64], num_buf[32], cid[256];
    srand((unsigned)(time(NULL) ^ (unsigned)ktime_mono_us()));
    snprintf(group, sizeof(group), "perf-consumer-%d", rand() % 100000);
    rd_kafka_conf_t *conf = cli_conf_new(TOOL, NULL, DEFAULT_CLIENTID);
    if (cli_val(opts, "consumer.config"))
        cli_conf_file(TOOL, conf, cli_val(opts, "consumer.config"));
    cli_conf_set(TOOL, conf, "bootstrap.servers", bootstrap);
    cli_conf_set(TOOL, conf, "group.id", cli_val(opts, "group") ? cli_val(opts, "group") : group);
    snprintf(num_buf, sizeof(num_buf), "%lld", sockbuf);
    cli_conf_set(TOOL, conf, "socket.receive.buffer.bytes", num_buf);
    snprintf(num_buf, sizeof(num_buf), "%lld", fetch_size);
    cli_conf_set(TOOL, conf, "max.partition.fetch.bytes", num_buf);
    cli_conf_set(TOOL, conf, "auto.offset.reset", from_latest ? "latest" : "earliest");
    cli_conf_set(TOOL, conf, "check.crcs", "false");
    size_t sz = sizeof(cid);
    if (rd_kafka_conf_get(conf, "client.id", cid, &sz) != RD_KAFKA_CONF_OK)
        snprintf(cid, sizeof(cid), "%s", DEFAULT_CLIENTID);
    bool print_metrics = cli_has(opts, "print-metrics");
    if (print_metrics) cli_stats_enable(TOOL, conf);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);

    if (!cli_has(opts, "hide-header"))
        printf("%s, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
               "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n",
               detailed ? "time, threadId" : "start.time, end.time");
    fflush(stdout);

    rd_kafka_t *rk = cli_rk_new(TOOL, RD_KAFKA_CONSUMER, conf);
    rd_kafka_poll_set_consumer(rk);
    int nparts = topic ? cli_topic_partitions(TOOL, rk, topic, 15000) : 0;
    bool groups = cli_groups_supported(TOOL, rk, CLI_REACH_MS);
    int64_t start_ms = ktime_wall_ms();
    jc.join_start_ms = start_ms;
    if (groups) {
        rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
        char pattern[1024];
        snprintf(pattern, sizeof(pattern), "^%s", include ? include : "");
        rd_kafka_topic_partition_list_add(sub, topic ? topic : pattern, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, sub);
        if (e) cli_die(TOOL, "subscribe failed: %s", rd_kafka_err2str(e));
        rd_kafka_topic_partition_list_destroy(sub);
    } else {
        if (cli_has(opts, "group"))
            fprintf(stderr,
                    "WARN the cluster serves no consumer groups: reading every partition "
                    "by assignment, group %s is not joined\n",
                    cli_val(opts, "group"));
        rd_kafka_topic_partition_list_t *tl;
        if (topic) {
            tl = rd_kafka_topic_partition_list_new(nparts);
            for (int p = 0; p < nparts; p++)
                rd_kafka_topic_partition_list_add(tl, topic, p)->offset =
                    from_latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
        } else {
            tl = matching_topics(rk, include, from_latest);
        }
        rd_kafka_assign(rk, tl);
        rd_kafka_topic_partition_list_destroy(tl);
    }

    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    static rd_kafka_message_t *msgs[BATCH];
    long long nmsgs = 0, bytes = 0, last_msgs = 0, last_bytes = 0;
    int64_t now = ktime_wall_ms(), last_report = now, last_consumed = now;
    int rc = 0;
    while (nmsgs < num && now - last_consumed <= timeout_ms) {
        long long want = num - nmsgs < BATCH ? num - nmsgs : BATCH;
        ssize_t n = rd_kafka_consume_batch_queue(q, 100, msgs, (size_t)want);
        now = ktime_wall_ms();
        if (n < 0) cli_die(TOOL, "consume failed: %s", rd_kafka_err2str(rd_kafka_last_error()));
        bool got = false;
        for (ssize_t i = 0; i < n; i++) {
            rd_kafka_message_t *m = msgs[i];
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                    fprintf(stderr, "ERROR %s\n", rd_kafka_message_errstr(m));
                    if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                        m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
                        m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
                        m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED)
                        rc = 1;
                }
                rd_kafka_message_destroy(m);
                continue;
            }
            got = true;
            nmsgs++;
            bytes += (long long)(m->key_len + m->len);
            rd_kafka_message_destroy(m);
            if (now - last_report >= interval_ms) {
                if (detailed)
                    print_progress(bytes, last_bytes, nmsgs, last_msgs, last_report, now,
                                   jc.join_ms_round);
                jc.join_ms_round = 0;
                last_report = now;
                last_msgs = nmsgs;
                last_bytes = bytes;
            }
        }
        if (got) last_consumed = now;
        if (rc) break;
    }
    if (nmsgs < num)
        printf("WARNING: Exiting before consuming the expected number of messages: timeout (%lld "
               "ms) exceeded. You can use the --timeout option to increase the timeout.\n",
               timeout_ms);
    int64_t end_ms = ktime_wall_ms();
    double elapsed_s = (double)(end_ms - start_ms) / 1000.0;
    long long fetch_ms = end_ms - start_ms - jc.join_ms;
    if (!detailed) {
        char s1[64], s2[64];
        cli_fmt_date(date_format, start_ms, s1, sizeof(s1));
        cli_fmt_date(date_format, end_ms, s2, sizeof(s2));
        double mb = (double)bytes / (1024 * 1024);
        printf("%s, %s, %.4f, %.4f, %lld, %.4f, %lld, %lld, %.4f, %.4f\n", s1, s2, mb,
               mb / elapsed_s, nmsgs, (double)nmsgs / elapsed_s, (long long)jc.join_ms, fetch_ms,
               mb / ((double)fetch_ms / 1000.0), (double)nmsgs / ((double)fetch_ms / 1000.0));
    }
    if (print_metrics) {
        double extra[sizeof(consumer_metrics) / sizeof(consumer_metrics[0])] = {0};
        extra[0] = (double)bytes;
        extra[3] = elapsed_s > 0 ? (double)nmsgs / elapsed_s : 0;
        extra[4] = (double)nmsgs;
        cli_metrics_print(rk, consumer_metrics,
                          (int)(sizeof(consumer_metrics) / sizeof(consumer_metrics[0])), cid,
                          topic ? topic : "", elapsed_s, extra);
    }
    fflush(stdout);
    rd_kafka_queue_destroy(q);
    if (groups) {
        rd_kafka_consumer_close(rk); /* commits (auto commit) and leaves the group */
        rd_kafka_destroy(rk);
    } else {
        /* no coordinator: a close would wait for one to commit the auto-committed offsets */
        rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
    return rc;
}
