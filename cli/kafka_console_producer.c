/* kafka_console_producer.c: kafka-console-producer, as Kafka's tool: one message per stdin line,
 * optional keys (--property parse.key=true, key.separator), Java's murmur2 partitioner so keys
 * land where Java clients put them, acks and compression options, and Kafka's WARN when the
 * topic does not exist yet and is being auto-created. Exits non-zero if any send failed. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define TOOL "kafka-console-producer"

static cli_opt_t opts[] = {
    CLI_OPT("bootstrap-server", true, "The server(s) to connect to"),
    CLI_OPT("broker-list", true, "The broker list (older name of --bootstrap-server)"),
    CLI_OPT("topic", true, "The topic to produce messages to"),
    CLI_OPT("producer-property", true, "A producer config key=value (repeatable)"),
    CLI_OPT("producer.config", true, "Producer config properties file"),
    CLI_OPT("property", true, "Reader properties: parse.key, key.separator, ignore.error"),
    CLI_OPT("request-required-acks", true, "The required acks of the producer (default 1)"),
    CLI_OPT("compression-codec", true, "none, gzip, snappy, lz4 or zstd"),
    CLI_OPT("sync", false, "Send each message synchronously"),
    CLI_OPT("timeout", true, "linger.ms: how long to wait to batch messages (default 1000)"),
    CLI_OPT("batch-size", true, "Number of messages to send in a single batch"),
    CLI_OPT("message-send-max-retries", true, "Retries before giving up on a message"),
    CLI_OPT("request-timeout-ms", true, "The ack timeout of the producer requests"),
    CLI_END,
};

static int failed;

static void log_line(const char *level, const char *msg)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char ts[64];
    strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(stderr, "[%s,%03d] %s %s\n", ts, (int)(tv.tv_usec / 1000), level, msg);
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (!m->err) return;
    failed++;
    char msg[1024];
    snprintf(msg, sizeof(msg),
             "Error when sending message to topic %s with key: %s, value: %zu bytes with error: "
             "%s (org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)",
             rd_kafka_topic_name(m->rkt), m->key ? "<key>" : "null", m->len,
             rd_kafka_err2str(m->err));
    log_line("ERROR", msg);
}

/* Kafka's producer logs a WARN while the topic's leader is not known yet (auto-creation). */
static void check_topic(rd_kafka_t *rk, const char *topic)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    for (int attempt = 1; attempt <= 60; attempt++) {
        const rd_kafka_metadata_t *md;
        rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
        if (e) cli_die(TOOL, "cannot reach the brokers: %s", rd_kafka_err2str(e));
        rd_kafka_resp_err_t terr = md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_metadata_destroy(md);
        if (!terr) break;
        if (terr != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE &&
            terr != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            cli_die(TOOL, "topic %s: %s", topic, rd_kafka_err2str(terr));
        char msg[512];
        snprintf(msg, sizeof(msg),
                 "[Producer clientId=console-producer] Error while fetching metadata with "
                 "correlation id %d : {%s=%s} (org.apache.kafka.clients.NetworkClient)",
                 attempt + 2, topic, rd_kafka_err2name(terr));
        log_line("WARN", msg);
        if (terr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && attempt > 3) break;
        usleep(100000 * (attempt < 5 ? attempt : 5));
    }
    rd_kafka_topic_destroy(rkt);
}

int main(int argc, char **argv)
{
    cli_parse(TOOL, "Read data from standard input and publish it to Kafka.", opts, argc, argv);
    const char *bootstrap = cli_val(opts, "bootstrap-server");
    if (!bootstrap) bootstrap = cli_val(opts, "broker-list");
    if (!bootstrap) cli_die(TOOL, "missing required argument \"[bootstrap-server]\"");
    const char *topic = cli_val(opts, "topic");
    if (!topic) cli_die(TOOL, "missing required argument \"[topic]\"");

    bool parse_key = false, ignore_error = false;
    const char *key_sep = "\t";
    cli_opt_t *props = cli_opt(opts, "property");
    for (int i = 0; i < props->nvals; i++) {
        const char *kv = props->vals[i];
        if (strcmp(kv, "parse.key=true") == 0)
            parse_key = true;
        else if (strcmp(kv, "parse.key=false") == 0)
            parse_key = false;
        else if (strncmp(kv, "key.separator=", 14) == 0)
            key_sep = kv + 14;
        else if (strcmp(kv, "ignore.error=true") == 0)
            ignore_error = true;
        else if (strchr(kv, '=') == NULL)
            cli_die(TOOL, "property '%s' is not of the form key=value", kv);
    }
    if (!*key_sep) cli_die(TOOL, "key.separator must not be empty");

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    cli_conf_set(TOOL, conf, "bootstrap.servers", bootstrap);
    cli_conf_set(TOOL, conf, "client.id", "console-producer");
    cli_conf_set(TOOL, conf, "partitioner", "murmur2_random"); /* Java's default partitioner */
    cli_conf_set(TOOL, conf, "acks", "1");
    cli_conf_set(TOOL, conf, "linger.ms", "1000");
    cli_conf_set(TOOL, conf, "log_level", "3");
    if (cli_val(opts, "producer.config"))
        cli_conf_file(TOOL, conf, cli_val(opts, "producer.config"));
    cli_opt_t *pp = cli_opt(opts, "producer-property");
    for (int i = 0; i < pp->nvals; i++) cli_conf_kv(TOOL, conf, pp->vals[i]);
    if (cli_val(opts, "request-required-acks"))
        cli_conf_set(TOOL, conf, "acks", cli_val(opts, "request-required-acks"));
    if (cli_val(opts, "compression-codec"))
        cli_conf_set(TOOL, conf, "compression.codec", cli_val(opts, "compression-codec"));
    if (cli_val(opts, "timeout")) cli_conf_set(TOOL, conf, "linger.ms", cli_val(opts, "timeout"));
    if (cli_val(opts, "batch-size"))
        cli_conf_set(TOOL, conf, "batch.num.messages", cli_val(opts, "batch-size"));
    if (cli_val(opts, "message-send-max-retries"))
        cli_conf_set(TOOL, conf, "retries", cli_val(opts, "message-send-max-retries"));
    if (cli_val(opts, "request-timeout-ms"))
        cli_conf_set(TOOL, conf, "request.timeout.ms", cli_val(opts, "request-timeout-ms"));
    if (cli_has(opts, "sync")) cli_conf_set(TOOL, conf, "linger.ms", "0");
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) cli_die(TOOL, "%s", err);
    check_topic(rk, topic);

    bool tty = isatty(STDIN_FILENO);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    if (tty) fputs(">", stdout), fflush(stdout);
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
        const char *key = NULL, *val = line;
        size_t klen = 0, vlen = (size_t)n;
        if (parse_key) {
            char *sep = strstr(line, key_sep);
            if (!sep) {
                if (ignore_error) {
                    continue;
                }
                fprintf(stderr, "%s: No key separator found on line number %ld: '%s'\n", TOOL,
                        lineno, line);
                rd_kafka_flush(rk, 30000);
                rd_kafka_destroy(rk);
                return 1;
            }
            key = line;
            klen = (size_t)(sep - line);
            val = sep + strlen(key_sep);
            vlen = (size_t)n - klen - strlen(key_sep);
        }
        for (;;) {
            rd_kafka_resp_err_t e =
                rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, klen),
                                  RD_KAFKA_V_VALUE((void *)val, vlen),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                rd_kafka_poll(rk, 100);
                continue;
            }
            if (e) cli_die(TOOL, "cannot produce to %s: %s", topic, rd_kafka_err2str(e));
            break;
        }
        if (cli_has(opts, "sync")) rd_kafka_flush(rk, 60000);
        rd_kafka_poll(rk, 0);
        if (tty) fputs(">", stdout), fflush(stdout);
    }
    free(line);
    if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "%s: %d messages were not delivered before the timeout\n", TOOL,
                rd_kafka_outq_len(rk));
        failed++;
    }
    rd_kafka_destroy(rk);
    return failed ? 1 : 0;
}
