/* kafka_producer_perf_test.c: kafka-producer-perf-test, as Kafka's ProducerPerformance: sends
 * --num-records records of --record-size bytes (or payloads from --payload-file, or
 * --payload-monotonic numbers) to --topic at most --throughput records/sec (-1 = unthrottled),
 * prints a progress line every 5 s and Kafka's summary line (records/sec, MB/sec, average and
 * maximum latency, 50th/95th/99th/99.9th percentiles). Latency is measured from the send call
 * to the delivery report, in ms, sampling at most 500,000 values as Kafka does.
 *
 * Hot loop: no allocation. Payloads are views into one pre-generated 16 MiB pool of random
 * capital letters (each record a different slice, so batches do not compress better than
 * Kafka's random payloads would) and are sent without copying; the send time travels as the
 * message opaque. librdkafka's batching is set through --producer-props / --producer.config
 * (linger.ms, batch.size, batch.num.messages, compression.type, acks...). */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define TOOL             "kafka-producer-perf-test"
#define POOL_BYTES       (16 << 20)
#define MAX_SAMPLES      500000
#define REPORT_NS        5000000000LL
#define MIN_SLEEP_NS     2000000LL
#define DEFAULT_CLIENTID "perf-producer-client"

static cli_opt_t opts[] = {
    CLI_OPT("topic", true, "REQUIRED: produce messages to this topic"),
    CLI_OPT("num-records", true, "REQUIRED: number of messages to produce"),
    CLI_OPT("record-size", true,
            "message size in bytes. Note that you must provide exactly one of --record-size or "
            "--payload-file or --payload-monotonic."),
    CLI_OPT("payload-file", true,
            "file to read the message payloads from (UTF-8 text); a payload is picked at random "
            "for each message"),
    CLI_OPT("payload-delimiter", true,
            "delimiter of the payloads in --payload-file (default: new line)"),
    CLI_OPT("payload-monotonic", false, "payload is a monotonically increasing integer"),
    CLI_OPT("throughput", true,
            "REQUIRED: throttle maximum message throughput to *approximately* THROUGHPUT "
            "messages/sec. Set this to -1 to disable throttling."),
    CLI_OPT_MULTI("producer-props",
                  "kafka producer related configuration properties like bootstrap.servers, "
                  "client.id etc. These configs take precedence over those passed via "
                  "--producer.config."),
    CLI_OPT("producer.config", true, "producer config properties file."),
    CLI_OPT("print-metrics", false, "print out metrics at the end of the test."),
    CLI_OPT("transactional-id", true,
            "The transactional id to use (enables transactions; default performance-producer- "
            "followed by a random id when only --transaction-duration-ms is given)"),
    CLI_OPT("transaction-duration-ms", true,
            "The max age of each transaction; commitTransaction is called after this time "
            "(default 3000 when transactions are enabled)"),
    CLI_END,
};

/* Kafka's ProducerPerformance.Stats: totals, a 5 s window, sampled latencies. */
typedef struct perf_stats {
    int64_t start_ns, window_start_ns;
    int *latencies;
    long long sampling, nsamples, index, iteration;
    long long count, bytes, total_latency;
    int max_latency;
    long long wcount, wbytes, wtotal_latency;
    int wmax_latency;
    long long errors;
} perf_stats_t;

static perf_stats_t stats;

static void stats_init(perf_stats_t *s, long long num_records)
{
    memset(s, 0, sizeof(*s));
    s->start_ns = s->window_start_ns = cli_mono_ns();
    s->sampling = num_records / (num_records < MAX_SAMPLES ? num_records : MAX_SAMPLES);
    s->nsamples = num_records / s->sampling + 1;
    s->latencies = calloc((size_t)s->nsamples, sizeof(int));
    if (!s->latencies) abort();
}

static void stats_print_window(perf_stats_t *s, int64_t now)
{
    double elapsed_ms = (double)(now - s->window_start_ns) / 1e6;
    printf("%lld records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max "
           "latency.\n",
           s->wcount, 1000.0 * (double)s->wcount / elapsed_ms,
           1000.0 * (double)s->wbytes / elapsed_ms / (1024.0 * 1024.0),
           (double)s->wtotal_latency / (double)s->wcount, (double)s->wmax_latency);
    fflush(stdout);
    s->window_start_ns = now;
    s->wcount = s->wbytes = s->wtotal_latency = 0;
    s->wmax_latency = 0;
}

static void stats_record(perf_stats_t *s, int latency, size_t bytes, int64_t now)
{
    s->count++;
    s->bytes += (long long)bytes;
    s->total_latency += latency;
    if (latency > s->max_latency) s->max_latency = latency;
    s->wcount++;
    s->wbytes += (long long)bytes;
    s->wtotal_latency += latency;
    if (latency > s->wmax_latency) s->wmax_latency = latency;
    if (s->iteration % s->sampling == 0 && s->index < s->nsamples)
        s->latencies[s->index++] = latency;
    if (now - s->window_start_ns >= REPORT_NS) stats_print_window(s, now);
    s->iteration++;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void stats_print_total(perf_stats_t *s)
{
    double elapsed_ms = (double)(cli_mono_ns() - s->start_ns) / 1e6;
    size_t n = (size_t)s->index;
    qsort(s->latencies, n, sizeof(int), cmp_int);
    const double pct[4] = {0.5, 0.95, 0.99, 0.999};
    int pv[4];
    for (int i = 0; i < 4; i++) pv[i] = s->latencies[(size_t)(pct[i] * (double)n)];
    char avg[32];
    if (s->count)
        snprintf(avg, sizeof(avg), "%.2f", (double)s->total_latency / (double)s->count);
    else
        snprintf(avg, sizeof(avg), "NaN"); /* Java's 0.0/0 */
    printf("%lld records sent, %f records/sec (%.2f MB/sec), %s ms avg latency, %.2f ms max "
           "latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.\n",
           s->count, 1000.0 * (double)s->count / elapsed_ms,
           1000.0 * (double)s->bytes / elapsed_ms / (1024.0 * 1024.0), avg, (double)s->max_latency,
           pv[0], pv[1], pv[2], pv[3]);
    fflush(stdout);
}

/* Delivery report: the opaque carries the send time (monotonic us). */
static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err) {
        if (stats.errors++ < 5)
            fprintf(stderr, "ERROR Error when sending message to topic %s: %s\n",
                    rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
        return;
    }
    int64_t now = cli_mono_ns();
    int64_t sent_us = (int64_t)(intptr_t)m->_private;
    stats_record(&stats, (int)((now / 1000 - sent_us) / 1000), m->len, now);
}

/* Kafka's ThroughputThrottler: sleep off a deficit of 1/throughput per record once ahead. */
typedef struct throttler {
    double target;
    int64_t start_ns, sleep_ns, deficit_ns;
} throttler_t;

static bool throttle_needed(const throttler_t *t, long long sent, int64_t now)
{
    if (t->target < 0) return false;
    double elapsed_s = (double)(now - t->start_ns) / 1e9;
    return elapsed_s > 0 && (double)sent / elapsed_s > t->target;
}

/* Wait until deadline while serving delivery reports (so latencies stay exact). */
static void serve_until(rd_kafka_t *rk, int64_t deadline_ns)
{
    for (;;) {
        int64_t left = deadline_ns - cli_mono_ns();
        if (left <= 0) return;
        if (left >= 1000000) {
            rd_kafka_poll(rk, (int)(left / 1000000));
        } else {
            struct timespec ts = {0, (long)left};
            nanosleep(&ts, NULL);
        }
    }
}

static void throttle(throttler_t *t, rd_kafka_t *rk)
{
    if (t->target == 0) {
        for (;;) rd_kafka_poll(rk, 1000); /* Kafka's tool waits forever at 0 */
    }
    t->deficit_ns += t->sleep_ns;
    if (t->deficit_ns >= MIN_SLEEP_NS) {
        serve_until(rk, cli_mono_ns() + t->deficit_ns);
        t->deficit_ns = 0;
    }
}

/* Payload sources */
typedef struct payloads {
    char *pool; /* record-size: random capital letters, POOL_BYTES + record size */
    size_t record_size;
    char **list; /* payload-file */
    size_t *lens;
    size_t nlist;
    char mono[32]; /* payload-monotonic (copied by librdkafka) */
} payloads_t;

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng_next(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static void payloads_pool(payloads_t *p, size_t record_size)
{
    p->record_size = record_size;
    size_t n = POOL_BYTES + record_size;
    p->pool = malloc(n);
    if (!p->pool) cli_die(TOOL, "cannot allocate %zu bytes of payload", n);
    for (size_t i = 0; i < n; i++) p->pool[i] = (char)('A' + rng_next() % 26);
}

static void payloads_file(payloads_t *p, const char *path, const char *delim)
{
    FILE *f = fopen(path, "rb");
    if (!f) cli_die(TOOL, "File does not exist or empty file provided.");
    char *data = NULL;
    size_t len = 0, cap = 0, r;
    char buf[65536];
    while ((r = fread(buf, 1, sizeof(buf), f)) > 0) {
        if (len + r + 1 > cap) {
            cap = (len + r + 1) * 2;
            data = realloc(data, cap);
            if (!data) abort();
        }
        memcpy(data + len, buf, r);
        len += r;
    }
    fclose(f);
    if (len == 0) cli_die(TOOL, "File does not exist or empty file provided.");
    data[len] = '\0';
    printf("Reading payloads from: %s\n", path);
    size_t dl = strlen(delim);
    for (char *s = data; s < data + len;) {
        char *e = dl ? strstr(s, delim) : NULL;
        if (!e) e = data + len;
        if (e > s) {
            p->list = realloc(p->list, (p->nlist + 1) * sizeof(char *));
            p->lens = realloc(p->lens, (p->nlist + 1) * sizeof(size_t));
            if (!p->list || !p->lens) abort();
            p->list[p->nlist] = s;
            p->lens[p->nlist++] = (size_t)(e - s);
        }
        s = e + dl;
        if (!dl) break;
    }
    printf("Number of messages read: %zu\n", p->nlist);
    if (p->nlist == 0) cli_die(TOOL, "File does not exist or empty file provided.");
}

static const cli_metric_t producer_metrics[] = {
    {"producer-metrics", "batch-size-avg", CLI_M_TOPIC_AVG, "batchsize", 1},
    {"producer-metrics", "outgoing-byte-total", CLI_M_TOP, "tx_bytes", 1},
    {"producer-metrics", "record-error-total", CLI_M_VALUE, NULL, 1},
    {"producer-metrics", "record-send-rate", CLI_M_RATE, "txmsgs", 1},
    {"producer-metrics", "record-send-total", CLI_M_TOP, "txmsgs", 1},
    {"producer-metrics", "records-per-request-avg", CLI_M_TOPIC_AVG, "batchcnt", 1},
    {"producer-metrics", "request-latency-avg", CLI_M_BROKERS_AVG, "rtt", 0.001},
    {"producer-metrics", "request-total", CLI_M_TOP, "tx", 1},
    {"producer-metrics", "response-total", CLI_M_TOP, "rx", 1},
};

static void txn_check(rd_kafka_error_t *e, const char *what)
{
    if (!e) return;
    cli_die(TOOL, "%s failed: %s", what, rd_kafka_error_string(e));
}

int main(int argc, char **argv)
{
    cli_parse_or_usage(
        TOOL,
        "This tool is used to verify the producer performance. To enable transactions, set "
        "--transactional-id or --transaction-duration-ms.",
        opts, argc, argv);
    const char *topic = cli_val(opts, "topic");
    if (!topic) cli_die(TOOL, "argument --topic is required");
    if (!cli_has(opts, "num-records")) cli_die(TOOL, "argument --num-records is required");
    if (!cli_has(opts, "throughput")) cli_die(TOOL, "argument --throughput is required");
    long long num = cli_ll(TOOL, opts, "num-records", 0, INT64_MIN, INT64_MAX);
    if (num <= 0) cli_die(TOOL, "--num-records should be greater than zero");
    double throughput = cli_double(TOOL, opts, "throughput", -1);
    int sources = cli_has(opts, "record-size") + cli_has(opts, "payload-file") +
                  cli_has(opts, "payload-monotonic");
    if (sources != 1)
        cli_die(TOOL, "exactly one of --record-size, --payload-file or --payload-monotonic is "
                      "required");
    long long record_size = cli_ll(TOOL, opts, "record-size", 0, INT32_MIN, INT32_MAX);
    if (cli_has(opts, "record-size") && record_size <= 0)
        cli_die(TOOL, "--record-size should be greater than zero");
    if (!cli_has(opts, "producer-props") && !cli_has(opts, "producer.config"))
        cli_die(TOOL, "Either --producer-props or --producer.config must be specified.");
    long long txn_ms = cli_ll(TOOL, opts, "transaction-duration-ms", 0, INT64_MIN, INT64_MAX);
    if (cli_has(opts, "transaction-duration-ms") && txn_ms <= 0)
        cli_die(TOOL, "--transaction-duration-ms should be greater than zero");

    rd_kafka_conf_t *conf = cli_conf_new(TOOL, NULL, DEFAULT_CLIENTID);
    /* Java's buffer.memory default (32 MiB): send() blocks beyond it, so latencies measure
     * the broker rather than a queue of the whole run (librdkafka would queue 1 GiB) */
    cli_conf_set(TOOL, conf, "queue.buffering.max.kbytes", "32768");
    if (cli_val(opts, "producer.config"))
        cli_conf_file(TOOL, conf, cli_val(opts, "producer.config"));
    cli_opt_t *pp = cli_opt(opts, "producer-props");
    for (int i = 0; i < pp->nvals; i++) cli_conf_kv_lenient(TOOL, conf, pp->vals[i]);
    char bs[1024], tid[256], cid[256];
    size_t sz = sizeof(bs);
    if (rd_kafka_conf_get(conf, "bootstrap.servers", bs, &sz) != RD_KAFKA_CONF_OK || !bs[0])
        cli_die(TOOL, "Missing required configuration \"bootstrap.servers\" which has no default "
                      "value.");
    sz = sizeof(tid);
    if (rd_kafka_conf_get(conf, "transactional.id", tid, &sz) != RD_KAFKA_CONF_OK) tid[0] = '\0';
    if (cli_val(opts, "transactional-id"))
        snprintf(tid, sizeof(tid), "%s", cli_val(opts, "transactional-id"));
    bool txn = tid[0] || cli_has(opts, "transaction-duration-ms");
    if (txn && !tid[0])
        snprintf(tid, sizeof(tid), "performance-producer-%08x%08x", (unsigned)rng_next(),
                 (unsigned)time(NULL));
    if (txn) cli_conf_set(TOOL, conf, "transactional.id", tid);
    if (txn && !cli_has(opts, "transaction-duration-ms")) txn_ms = 3000;
    sz = sizeof(cid);
    if (rd_kafka_conf_get(conf, "client.id", cid, &sz) != RD_KAFKA_CONF_OK)
        snprintf(cid, sizeof(cid), "%s", DEFAULT_CLIENTID);
    bool print_metrics = cli_has(opts, "print-metrics");
    if (print_metrics) cli_stats_enable(TOOL, conf);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);

    payloads_t pl = {0};
    if (cli_has(opts, "record-size")) payloads_pool(&pl, (size_t)record_size);
    if (cli_has(opts, "payload-file")) {
        const char *d = cli_val(opts, "payload-delimiter");
        payloads_file(&pl, cli_val(opts, "payload-file"), !d || strcmp(d, "\\n") == 0 ? "\n" : d);
    }

    rd_kafka_t *rk = cli_rk_new(TOOL, RD_KAFKA_PRODUCER, conf);
    cli_topic_partitions(TOOL, rk, topic, 30000); /* also waits for auto-creation */
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (txn) txn_check(rd_kafka_init_transactions(rk, 30000), "initTransactions");

    stats_init(&stats, num);
    throttler_t th = {.target = throughput, .start_ns = stats.start_ns};
    th.sleep_ns = throughput > 0 ? (int64_t)(1e9 / throughput) : 0;
    bool in_txn = false;
    int64_t txn_start = 0;
    for (long long i = 0; i < num; i++) {
        const char *payload;
        size_t len;
        int flags = 0; /* no copy: payloads outlive the producer's queues */
        if (pl.pool) {
            payload = pl.pool + (size_t)i * pl.record_size % POOL_BYTES;
            len = pl.record_size;
        } else if (pl.nlist) {
            size_t k = (size_t)(rng_next() % pl.nlist);
            payload = pl.list[k];
            len = pl.lens[k];
        } else {
            len = (size_t)snprintf(pl.mono, sizeof(pl.mono), "%lld", i);
            payload = pl.mono;
            flags = RD_KAFKA_MSG_F_COPY;
        }
        int64_t now = cli_mono_ns();
        if (txn && !in_txn) {
            txn_check(rd_kafka_begin_transaction(rk), "beginTransaction");
            in_txn = true;
            txn_start = now;
        }
        while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, flags, (void *)payload, len, NULL, 0,
                                (void *)(intptr_t)(now / 1000)) == -1) {
            rd_kafka_resp_err_t e = rd_kafka_last_error();
            if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                cli_die(TOOL, "cannot produce to %s: %s", topic, rd_kafka_err2str(e));
            rd_kafka_poll(rk, 10); /* queue full: wait for deliveries, as send() blocks */
        }
        rd_kafka_poll(rk, 0);
        if (in_txn && (now - txn_start) / 1000000 >= txn_ms) {
            txn_check(rd_kafka_commit_transaction(rk, 60000), "commitTransaction");
            in_txn = false;
        }
        if (throttle_needed(&th, i, now)) throttle(&th, rk);
    }
    if (in_txn) txn_check(rd_kafka_commit_transaction(rk, 60000), "commitTransaction");
    /* bounded by message.timeout.ms: undelivered messages come back as errors */
    while (rd_kafka_outq_len(rk) > 0) rd_kafka_poll(rk, 100);
    stats_print_total(&stats);
    if (print_metrics) {
        double extra[sizeof(producer_metrics) / sizeof(producer_metrics[0])] = {0};
        extra[2] = (double)stats.errors;
        cli_metrics_print(rk, producer_metrics,
                          (int)(sizeof(producer_metrics) / sizeof(producer_metrics[0])), cid, topic,
                          (double)(cli_mono_ns() - stats.start_ns) / 1e9, extra);
    }
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    if (stats.errors)
        fprintf(stderr, "%s: %lld of %lld records were not delivered\n", TOOL, stats.errors, num);
    return stats.errors ? 1 : 0;
}
