/* kafka_console_consumer.c: kafka-console-consumer, as Kafka's tool: prints messages of a topic
 * with Kafka's DefaultMessageFormatter properties (print.key, key.separator, print.timestamp,
 * print.partition, print.offset, print.value), --from-beginning, --partition/--offset,
 * --max-messages, --timeout-ms, and "Processed a total of N messages" at the end (also on
 * Ctrl-C).
 * --group G joins the consumer group (subscribe, auto commit, a final commit on exit).
 * Without --group it joins a random console-consumer-NNNNN group that commits nothing, as
 * Kafka's tool does (the group shows in kafka-consumer-groups --list while it runs); with
 * --partition it reads that partition by assignment. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define TOOL "kafka-console-consumer"

static cli_opt_t opts[] = {
    CLI_OPT("bootstrap-server", true, "The server(s) to connect to"),
    CLI_OPT("topic", true, "The topic to consume on"),
    CLI_OPT("from-beginning", false, "Start with the earliest message present in the log"),
    CLI_OPT("group", true, "The consumer group id of the consumer"),
    CLI_OPT("partition", true, "The partition to consume from (all by default)"),
    CLI_OPT("offset", true, "earliest, latest or an offset (needs --partition)"),
    CLI_OPT("max-messages", true, "The maximum number of messages to consume before exiting"),
    CLI_OPT("timeout-ms", true, "Exit if no message is available for this long"),
    CLI_OPT("property", true,
            "Formatter properties: print.key, key.separator, print.timestamp, ..."),
    CLI_OPT("consumer-property", true, "A consumer config key=value (repeatable)"),
    CLI_OPT("consumer.config", true, "Consumer config properties file"),
    CLI_OPT("isolation-level", true, "read_committed or read_uncommitted (default)"),
    CLI_OPT("skip-message-on-error", false, "Skip messages that cannot be processed"),
    CLI_END,
};

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

typedef struct fmt {
    bool key, ts, partition, offset, value;
    const char *sep, *line_sep;
} fmt_t;

static void print_msg(const fmt_t *f, const rd_kafka_message_t *m)
{
    int remaining = f->ts + f->partition + f->offset + f->key + f->value;
#define SEP() (--remaining > 0 ? fputs(f->sep, stdout) : 0)
    if (f->ts) {
        rd_kafka_timestamp_type_t tt;
        int64_t ts = rd_kafka_message_timestamp(m, &tt);
        if (tt == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE)
            fputs("NO_TIMESTAMP", stdout);
        else
            printf("%s:%lld",
                   tt == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? "LogAppendTime" : "CreateTime",
                   (long long)ts);
        SEP();
    }
    if (f->partition) {
        printf("Partition:%d", m->partition);
        SEP();
    }
    if (f->offset) {
        printf("Offset:%lld", (long long)m->offset);
        SEP();
    }
    if (f->key) {
        if (m->key)
            fwrite(m->key, 1, m->key_len, stdout);
        else
            fputs("null", stdout);
        SEP();
    }
    if (f->value) {
        if (m->payload)
            fwrite(m->payload, 1, m->len, stdout);
        else
            fputs("null", stdout);
    }
#undef SEP
    fputs(f->line_sep, stdout);
}

static bool prop_true(const char *v)
{
    return strcmp(v, "true") == 0;
}

/* Kafka's consumer commits the position of every assigned partition, read from or not (a new
 * group started at the log end shows all its partitions with lag 0 in kafka-consumer-groups);
 * librdkafka commits only the partitions a message was read from. Before closing, commit the
 * others at the position their reset chose (log start or end) unless they have a commit. */
static void commit_untouched_positions(rd_kafka_t *rk, bool earliest)
{
    rd_kafka_topic_partition_list_t *asg = NULL;
    if (rd_kafka_assignment(rk, &asg) || !asg) return;
    rd_kafka_position(rk, asg);
    rd_kafka_topic_partition_list_t *untouched = rd_kafka_topic_partition_list_new(asg->cnt);
    for (int i = 0; i < asg->cnt; i++)
        if (asg->elems[i].offset < 0)
            rd_kafka_topic_partition_list_add(untouched, asg->elems[i].topic,
                                              asg->elems[i].partition);
    if (untouched->cnt && rd_kafka_committed(rk, untouched, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_topic_partition_list_t *commit = rd_kafka_topic_partition_list_new(untouched->cnt);
        for (int i = 0; i < untouched->cnt; i++) {
            rd_kafka_topic_partition_t *p = &untouched->elems[i];
            int64_t lo, hi;
            if (p->offset >= 0 ||
                rd_kafka_query_watermark_offsets(rk, p->topic, p->partition, &lo, &hi, 5000))
                continue;
            rd_kafka_topic_partition_list_add(commit, p->topic, p->partition)->offset =
                earliest ? lo : hi;
        }
        if (commit->cnt) rd_kafka_commit(rk, commit, 0);
        rd_kafka_topic_partition_list_destroy(commit);
    }
    rd_kafka_topic_partition_list_destroy(untouched);
    rd_kafka_topic_partition_list_destroy(asg);
}

int main(int argc, char **argv)
{
    cli_parse(TOOL, "Read data from a Kafka topic and write it to standard output.", opts, argc,
              argv);
    const char *bootstrap = cli_val(opts, "bootstrap-server");
    if (!bootstrap) cli_die(TOOL, "missing required argument \"[bootstrap-server]\"");
    const char *topic = cli_val(opts, "topic");
    if (!topic) cli_die(TOOL, "exactly one of --topic is required");
    if (cli_has(opts, "offset") && !cli_has(opts, "partition"))
        cli_die(TOOL, "the partition is required when offset is specified");
    if (cli_has(opts, "offset") && cli_has(opts, "from-beginning"))
        cli_die(TOOL, "options [from-beginning] and [offset] cannot be used together");
    const char *iso = cli_val(opts, "isolation-level");
    if (iso && strcmp(iso, "read_committed") != 0 && strcmp(iso, "read_uncommitted") != 0)
        cli_die(TOOL,
                "Invalid value %s for configuration isolation.level: String must be one of: "
                "read_committed, read_uncommitted",
                iso);
    long max_messages = cli_val(opts, "max-messages") ? atol(cli_val(opts, "max-messages")) : -1;
    long timeout_ms = cli_val(opts, "timeout-ms") ? atol(cli_val(opts, "timeout-ms")) : -1;

    fmt_t f = {.value = true, .sep = "\t", .line_sep = "\n"};
    cli_opt_t *props = cli_opt(opts, "property");
    for (int i = 0; i < props->nvals; i++) {
        const char *kv = props->vals[i], *eq = strchr(kv, '=');
        if (!eq) cli_die(TOOL, "property '%s' is not of the form key=value", kv);
        size_t kl = (size_t)(eq - kv);
        const char *v = eq + 1;
#define IS(name) (kl == strlen(name) && strncmp(kv, name, kl) == 0)
        if (IS("print.key"))
            f.key = prop_true(v);
        else if (IS("print.timestamp"))
            f.ts = prop_true(v);
        else if (IS("print.partition"))
            f.partition = prop_true(v);
        else if (IS("print.offset"))
            f.offset = prop_true(v);
        else if (IS("print.value"))
            f.value = prop_true(v);
        else if (IS("key.separator"))
            f.sep = v;
        else if (IS("line.separator"))
            f.line_sep = v;
#undef IS
    }

    /* --group joins that group and commits as Kafka's consumer does (auto commit, and on
     * exit); without it a random group that commits nothing; --partition reads by
     * assignment. */
    const char *group = cli_val(opts, "group");
    bool subscribe = !cli_has(opts, "partition");
    bool commit = group && subscribe;
    rd_kafka_conf_t *conf = cli_conf_new(TOOL, bootstrap, NULL);
    char gid[64];
    srand((unsigned)(time(NULL) ^ (getpid() << 8)));
    snprintf(gid, sizeof(gid), "console-consumer-%d", rand() % 100000);
    cli_conf_set(TOOL, conf, "group.id", group ? group : gid); /* librdkafka needs one */
    cli_conf_set(TOOL, conf, "enable.auto.commit", commit ? "true" : "false");
    cli_conf_set(TOOL, conf, "auto.offset.reset",
                 cli_has(opts, "from-beginning") ? "earliest" : "latest");
    if (cli_val(opts, "consumer.config"))
        cli_conf_file(TOOL, conf, cli_val(opts, "consumer.config"));
    cli_opt_t *cp = cli_opt(opts, "consumer-property");
    for (int i = 0; i < cp->nvals; i++) cli_conf_kv(TOOL, conf, cp->vals[i]);
    if (cli_val(opts, "isolation-level"))
        cli_conf_set(TOOL, conf, "isolation.level", cli_val(opts, "isolation-level"));
    rd_kafka_t *rk = cli_rk_new(TOOL, RD_KAFKA_CONSUMER, conf);

    /* partitions of the topic (bounded wait: an unreachable cluster is an error, not a hang) */
    int nparts = cli_topic_partitions(TOOL, rk, topic, 15000);

    int64_t start =
        cli_has(opts, "from-beginning") ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
    const char *off = cli_val(opts, "offset");
    if (off) {
        if (strcmp(off, "earliest") == 0)
            start = RD_KAFKA_OFFSET_BEGINNING;
        else if (strcmp(off, "latest") == 0)
            start = RD_KAFKA_OFFSET_END;
        else {
            char *end;
            start = strtoll(off, &end, 10);
            if (*end || start < 0)
                cli_die(TOOL, "the offset '%s' is not earliest, latest or a number", off);
        }
    }
    rd_kafka_topic_partition_list_t *tl = rd_kafka_topic_partition_list_new(nparts);
    if (subscribe) {
        rd_kafka_topic_partition_list_add(tl, topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, tl);
        if (e) cli_die(TOOL, "subscribe to %s failed: %s", topic, rd_kafka_err2str(e));
    } else {
        if (cli_val(opts, "partition")) {
            int p = atoi(cli_val(opts, "partition"));
            if (p < 0 || p >= nparts)
                cli_die(TOOL, "partition %d does not exist in %s (it has %d)", p, topic, nparts);
            rd_kafka_topic_partition_list_add(tl, topic, p)->offset = start;
        } else {
            for (int p = 0; p < nparts; p++)
                rd_kafka_topic_partition_list_add(tl, topic, p)->offset = start;
        }
        rd_kafka_assign(rk, tl);
    }
    rd_kafka_topic_partition_list_destroy(tl);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    long count = 0;
    struct timespec last;
    clock_gettime(CLOCK_MONOTONIC, &last);
    int rc = 0;
    while (!stop && (max_messages < 0 || count < max_messages)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!m) {
            fflush(stdout); /* idle: what was printed reaches a pipe or file now, not at exit */
            long idle = (now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000;
            if (timeout_ms >= 0 && idle >= timeout_ms) {
                fprintf(stderr, "ERROR Error processing message, terminating consumer process:  "
                                "(kafka.tools.ConsoleConsumer$)\n"
                                "org.apache.kafka.common.errors.TimeoutException\n");
                break;
            }
            continue;
        }
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                fprintf(stderr, "ERROR %s\n", rd_kafka_message_errstr(m));
                if (!cli_has(opts, "skip-message-on-error") &&
                    m->err != RD_KAFKA_RESP_ERR__TRANSPORT) {
                    rd_kafka_message_destroy(m);
                    rc = 1;
                    break;
                }
            }
            rd_kafka_message_destroy(m);
            continue;
        }
        last = now;
        print_msg(&f, m);
        count++;
        rd_kafka_message_destroy(m);
    }
    fflush(stdout);
    fprintf(stderr, "Processed a total of %ld messages\n", count);
    if (subscribe) {
        if (commit) commit_untouched_positions(rk, cli_has(opts, "from-beginning"));
        rd_kafka_consumer_close(rk); /* commits (with --group) and leaves the group */
        rd_kafka_destroy(rk);
    } else {
        rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
    return rc;
}
