/* bench.c: the benchmark driver behind `make bench` (tests/bench/run.py runs it once per
 * measurement). One librdkafka workload against either a real cluster (--bootstrap) or
 * librdkafka's in-memory mock cluster (--mock N: N mock brokers started inside this process
 * with rd_kafka_mock_cluster_new), with the same client code and settings for both, so the
 * ratio of the two measures the brokers. Prints one JSON object on stdout.
 *
 *   bench throughput TARGET TOPIC-SHAPE --size S --count N [--warmup W]
 *       creates the topic, produces W messages (warm-up, not timed), then N timed messages,
 *       then consumes the topic from the beginning (all W+N; the rate is timed over the last N).
 *       --reread-tail T then re-reads the last T messages of each partition in passes until N
 *       were read (after one untimed pass): what a consumer of the mock does, which keeps
 *       only that much (see consume_passes), so the two compare like for like.
 *   bench latency TARGET TOPIC-SHAPE --size S --rate R [--seconds T] [--warmup-seconds U]
 *       a consumer thread reads the topic while the producer sends R msgs/s for T seconds with
 *       its send time (CLOCK_MONOTONIC ns) in the first 8 payload bytes; end-to-end latency is
 *       receive time minus send time; messages sent in the first U seconds are not counted.
 *       drain_s: how long after the last send the last message arrived (a consumer that fell
 *       behind shows here).
 *       --phases produce or --phases consume (reads a topic kept with --keep) run one half
 *       alone, for profiling.
 *   TARGET:      --bootstrap HOST:PORT,... | --mock BROKERS
 *   TOPIC-SHAPE: --topic T --partitions P --rf R [--min-isr M] --acks A --compression C
 *
 * Client memory: freed memory stays in the process (mallopt), so the client does not pay
 * first-touch page faults over and over (see main).
 * Client settings (both sides, both modes): linger.ms=5, batch.num.messages=10000,
 * queue.buffering.max.messages=1000000, the given acks and compression.type, idempotence off;
 * consumer: assign() of every partition at the beginning, queued.min.messages=1000000 (see
 * cons_new), fetch settings at librdkafka's
 * defaults. Payloads are slices of a 16 MiB pool of random words from a 256-word vocabulary
 * (compressible like text, so lz4 has something to do); in throughput mode they are sent
 * without copying (RD_KAFKA_MSG_F_FREE is not set and the pool outlives the producer).
 *
 * Real cluster: the topic is created with CreateTopics (min.insync.replicas when given) and
 * awaited in Metadata (every partition has a leader and a full ISR), and deleted at the end
 * unless --keep. Mock cluster: rd_kafka_mock_topic_create; the mock neither replicates nor
 * honours min.insync.replicas, it is an in-memory single-threaded peer. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POOL_BYTES (16u << 20)
#define MIB        (1024.0 * 1024.0)
#define BATCH      4096

typedef struct opts {
    const char *mode;
    const char *bootstrap;
    int mock_brokers;
    const char *topic;
    int partitions, rf, min_isr;
    const char *acks, *compression;
    size_t size;
    long long count, warmup;
    double rate, seconds, warmup_seconds;
    const char *linger, *fetch_wait;
    const char *cpu_pids;
    const char *phases;       /* "produce", "consume" or both (default) */
    const char *client_props; /* settings for every client, "k=v,k=v" (security_bench.py) */
    const char *cprops; /* extra consumer settings: "k=v,k=v" (experiments; not used by run.py) */
    long long reread_tail; /* > 0: also re-read the last N messages per partition in passes */
    bool keep;
    bool idempotent;       /* enable.idempotence=true */
    const char *txn_id;    /* transactional.id: produce in transactions (txn_bench.py) */
    int txn_ms;            /* with txn_id: commit every txn_ms ms */
    int abort_every;       /* with txn_id: abort every Nth transaction instead (0: never) */
    const char *isolation; /* consumer isolation.level (NULL: librdkafka's default) */
} opts_t;

static opts_t o = {.partitions = 6,
                   .rf = 1,
                   .acks = "1",
                   .compression = "none",
                   .size = 100,
                   .count = 1000000,
                   .warmup = -1,
                   .seconds = 5,
                   .warmup_seconds = 1,
                   .linger = "5",
                   .txn_ms = 100,
                   .fetch_wait = "500"};
static char *pool;
static rd_kafka_mock_cluster_t *mock;
static rd_kafka_t *mock_rk;
static char bootstrap[1024];

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Random words from a fixed vocabulary of 256 lower-case words of 2..9 letters. */
static void pool_init(void)
{
    char words[256][10];
    for (int i = 0; i < 256; i++) {
        int n = 2 + (int)(rnd() % 8);
        for (int j = 0; j < n; j++) words[i][j] = (char)('a' + rnd() % 26);
        words[i][n] = '\0';
    }
    pool = malloc(POOL_BYTES);
    if (!pool) die("out of memory");
    size_t at = 0;
    while (at < POOL_BYTES) {
        const char *w = words[rnd() % 256];
        size_t n = strlen(w);
        for (size_t j = 0; j < n && at < POOL_BYTES; j++) pool[at++] = w[j];
        if (at < POOL_BYTES) pool[at++] = ' ';
    }
}

static const char *payload(long long i)
{
    size_t span = POOL_BYTES - o.size;
    return pool + ((size_t)i * 7919u * 64u) % span;
}

static void conf_set(rd_kafka_conf_t *c, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
        die("config %s=%s: %s", k, v, err);
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (level <= 3 || getenv("BENCH_LOG_ALL")) /* BENCH_LOG_ALL=1 with debug=... props */
        fprintf(stderr, "bench: librdkafka %s: %s\n", fac, buf);
}

/* Apply "k=v,k=v" settings (NULL: none); what names the option in errors. */
static void conf_props(rd_kafka_conf_t *c, const char *props, const char *what)
{
    if (!props) return;
    char *dup = strdup(props), *save = NULL;
    for (char *kv = strtok_r(dup, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) die("%s: %s is not key=value", what, kv);
        *eq = '\0';
        conf_set(c, kv, eq + 1);
    }
    free(dup);
}

static rd_kafka_conf_t *base_conf(void)
{
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    conf_set(c, "bootstrap.servers", bootstrap);
    conf_set(c, "log.connection.close", "false");
    rd_kafka_conf_set_log_cb(c, log_cb);
    /* every client of the run (admin, producer, consumer): security.protocol, ssl.*, sasl.* */
    conf_props(c, o.client_props, "--client-props");
    return c;
}

/* ---- broker CPU ---- */

/* utime + stime of /proc/<path>/stat, in seconds; the second field (comm) is returned too. */
static double stat_cpu(const char *path, char *comm, size_t n)
{
    char buf[1024];
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[len] = '\0';
    char *l = strchr(buf, '('), *r = strrchr(buf, ')');
    if (!l || !r) return 0;
    if (comm) snprintf(comm, n, "%.*s", (int)(r - l - 1), l + 1);
    unsigned long long ut = 0, st = 0;
    /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
     */
    if (sscanf(r + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds used so far by the brokers: the mock's thread(s) in this process ("rdk:mock"),
 * or the processes given with --cpu-pids. -1 when not known. */
static double broker_cpu_s(void)
{
    double sum = 0;
    if (mock) {
        DIR *d = opendir("/proc/self/task");
        if (!d) return -1;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char path[300], comm[64] = "";
            snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
            double c = stat_cpu(path, comm, sizeof(comm));
            if (!strcmp(comm, "rdk:mock")) sum += c;
        }
        closedir(d);
        return sum;
    }
    if (!o.cpu_pids) return -1;
    const char *p = o.cpu_pids;
    while (*p) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%ld/stat", strtol(p, NULL, 10));
        sum += stat_cpu(path, NULL, 0);
        p = strchr(p, ',');
        if (!p) break;
        p++;
    }
    return sum;
}

/* ---- producer ---- */

typedef struct prod {
    rd_kafka_t *rk;
    long long acked, errors;
    long long purged; /* failed only because their transaction was aborted (--abort-every) */
    int64_t last_ack_ns;
    int64_t txn_start_ns; /* when the open transaction began (--transactional-id) */
    long long commits, aborts;
    long long timed_txns; /* transactions ended after the warm-up (--abort-every counts these) */
    int64_t commit_ns;    /* time spent inside commit_transaction (flush + EndTxn) */
    bool timed;           /* past the warm-up */
    char first_err[256];
} prod_t;

static void txn_check(rd_kafka_error_t *e, const char *what)
{
    if (!e) return;
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    die("%s: %s", what, msg);
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    prod_t *p = opaque;
    if (o.abort_every > 0 &&
        (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)) {
        p->purged++;
        return;
    }
    if (m->err) {
        if (p->errors++ == 0)
            snprintf(p->first_err, sizeof(p->first_err), "%s", rd_kafka_err2str(m->err));
        return;
    }
    p->acked++;
    p->last_ack_ns = now_ns();
}

static void prod_init(prod_t *p)
{
    memset(p, 0, sizeof(*p));
    rd_kafka_conf_t *c = base_conf();
    conf_set(c, "linger.ms", o.linger);
    conf_set(c, "batch.num.messages", "10000");
    conf_set(c, "queue.buffering.max.messages", "1000000");
    conf_set(c, "acks", o.acks);
    conf_set(c, "compression.type", o.compression);
    conf_set(c, "enable.idempotence", o.idempotent || o.txn_id ? "true" : "false");
    if (o.txn_id) { /* librdkafka wants message.timeout.ms <= transaction.timeout.ms */
        conf_set(c, "transactional.id", o.txn_id);
        conf_set(c, "transaction.timeout.ms", "120000");
    }
    conf_set(c, "message.timeout.ms", "120000");
    rd_kafka_conf_set_dr_msg_cb(c, dr_cb);
    rd_kafka_conf_set_opaque(c, p);
    char err[256];
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
    if (!p->rk) die("producer: %s", err);
    if (o.txn_id) {
        txn_check(rd_kafka_init_transactions(p->rk, 60000), "init_transactions");
        txn_check(rd_kafka_begin_transaction(p->rk), "begin_transaction");
        p->txn_start_ns = now_ns();
    }
}

/* With --transactional-id: commit the open transaction once it is txn_ms old and begin the
 * next; force commits regardless (the end of a phase). A failed commit ends the run, so every
 * message counted as acknowledged is committed. With --abort-every N every Nth transaction is
 * aborted instead (a topic with aborted data for read_committed to skip; its messages acked
 * before the abort count as acked, the rest as purged). */
static void prod_txn_tick(prod_t *p, bool force)
{
    if (!o.txn_id) return;
    int64_t t = now_ns();
    if (!force && t - p->txn_start_ns < (int64_t)o.txn_ms * 1000000LL) return;
    /* Past the warm-up only: its committed transaction registered the topic with the
     * coordinator (right after the topic is created, AddPartitionsToTxn may answer
     * UNKNOWN_TOPIC_OR_PARTITION until every broker has its metadata, and an abort then
     * finds the transaction Empty: INVALID_TXN_STATE, fatal, as with Kafka). The 2nd timed
     * transaction, then every Nth: even a short run aborts one. */
    bool abort = o.abort_every > 0 && p->timed && p->timed_txns % o.abort_every == 1;
    if (p->timed) p->timed_txns++;
    if (abort) {
        txn_check(rd_kafka_abort_transaction(p->rk, 60000), "abort_transaction");
        p->aborts++;
    } else {
        int64_t c0 = now_ns();
        txn_check(rd_kafka_commit_transaction(p->rk, 60000), "commit_transaction");
        p->commit_ns += now_ns() - c0;
        p->commits++;
    }
    p->last_ack_ns = now_ns();
    txn_check(rd_kafka_begin_transaction(p->rk), "begin_transaction");
    p->txn_start_ns = now_ns();
}

static void prod_send(prod_t *p, const void *val, size_t len, int flags)
{
    for (;;) {
        rd_kafka_resp_err_t e =
            rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(o.topic), RD_KAFKA_V_MSGFLAGS(flags),
                              RD_KAFKA_V_VALUE((void *)val, len), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce: %s", rd_kafka_err2str(e));
        rd_kafka_poll(p->rk, 1);
    }
}

static void prod_flush(prod_t *p, long long expect)
{
    int64_t deadline = now_ns() + 180 * 1000000000LL;
    while (p->acked + p->errors + p->purged < expect && now_ns() < deadline)
        rd_kafka_poll(p->rk, 50);
    if (p->acked + p->errors + p->purged < expect)
        die("only %lld of %lld messages acknowledged after 180 s", p->acked + p->errors + p->purged,
            expect);
}

/* ---- topic ---- */

/* Every partition of the topic has a leader and (real cluster) rf in-sync replicas. */
static bool topic_ready(rd_kafka_t *rk)
{
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, o.topic, NULL);
    const struct rd_kafka_metadata *md;
    bool ok = false;
    if (rd_kafka_metadata(rk, 0, t, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (md->topic_cnt == 1 && md->topics[0].err == 0 &&
            md->topics[0].partition_cnt == o.partitions) {
            ok = true;
            for (int i = 0; i < md->topics[0].partition_cnt; i++) {
                const rd_kafka_metadata_partition_t *pm = &md->topics[0].partitions[i];
                if (pm->err || pm->leader < 0 || (!mock && pm->isr_cnt < o.rf)) ok = false;
            }
        }
        rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(t);
    return ok;
}

static void admin_wait(rd_kafka_queue_t *q, rd_kafka_event_type_t type, const char *what)
{
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 60000);
    if (!ev) die("%s: no answer in 60 s", what);
    if (rd_kafka_event_type(ev) != type) die("%s: %s", what, rd_kafka_event_error_string(ev));
    const rd_kafka_topic_result_t **res;
    size_t n = 0;
    if (type == RD_KAFKA_EVENT_CREATETOPICS_RESULT)
        res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    else
        res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    for (size_t i = 0; i < n; i++)
        if (rd_kafka_topic_result_error(res[i]))
            die("%s %s: %s", what, rd_kafka_topic_result_name(res[i]),
                rd_kafka_topic_result_error_string(res[i]));
    rd_kafka_event_destroy(ev);
}

static void topic_create(rd_kafka_t *rk)
{
    if (mock) {
        if (rd_kafka_mock_topic_create(mock, o.topic, o.partitions, o.rf))
            die("mock topic create failed");
    } else {
        char err[256];
        rd_kafka_NewTopic_t *nt =
            rd_kafka_NewTopic_new(o.topic, o.partitions, o.rf, err, sizeof(err));
        if (!nt) die("NewTopic: %s", err);
        if (o.min_isr > 0) {
            char v[16];
            snprintf(v, sizeof(v), "%d", o.min_isr);
            rd_kafka_NewTopic_set_config(nt, "min.insync.replicas", v);
        }
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
        admin_wait(q, RD_KAFKA_EVENT_CREATETOPICS_RESULT, "CreateTopics");
        rd_kafka_queue_destroy(q);
        rd_kafka_NewTopic_destroy(nt);
    }
    int64_t deadline = now_ns() + 60 * 1000000000LL;
    while (!topic_ready(rk)) {
        if (now_ns() > deadline) die("topic %s has no leaders/full ISR after 60 s", o.topic);
        sleep_ns(50000000);
    }
}

static void topic_delete(rd_kafka_t *rk)
{
    if (mock || o.keep) return;
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(o.topic);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteTopics(rk, &dt, 1, NULL, q);
    admin_wait(q, RD_KAFKA_EVENT_DELETETOPICS_RESULT, "DeleteTopics");
    rd_kafka_queue_destroy(q);
    rd_kafka_DeleteTopic_destroy(dt);
}

/* ---- consumer ---- */

static rd_kafka_t *cons_new(void)
{
    rd_kafka_conf_t *c = base_conf();
    char gid[64];
    snprintf(gid, sizeof(gid), "bench-%d", (int)getpid());
    conf_set(c, "group.id", gid);
    conf_set(c, "enable.auto.commit", "false");
    conf_set(c, "enable.auto.offset.store", "false");
    conf_set(c, "fetch.wait.max.ms", o.fetch_wait);
    /* At librdkafka's default (100000) a consumer of 100 B messages has a full queue after
     * ~11 fetches of 1 MiB; librdkafka 2.0 then stops fetching and only looks again on its
     * broker thread's 1 s tick, so reading stalls for up to 1 s at a time against any broker
     * (seen with the mock too). The limit in kbytes (64 MiB) still bounds the queue. */
    conf_set(c, "queued.min.messages", "1000000");
    if (o.isolation) {
        conf_set(c, "isolation.level", o.isolation);
        /* a transactional topic's offsets have gaps (control batches), so the end of a
         * partition is the EOF event, not the offset before the high watermark */
        conf_set(c, "enable.partition.eof", "true");
    }
    conf_props(c, o.cprops, "--consumer-props");
    char err[256];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
    if (!rk) die("consumer: %s", err);
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* Assign every partition at the given offsets (NULL: the beginning). */
static void cons_assign(rd_kafka_t *rk, const int64_t *offsets)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(o.partitions);
    for (int i = 0; i < o.partitions; i++)
        rd_kafka_topic_partition_list_add(l, o.topic, i)->offset =
            offsets ? offsets[i] : RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
    if (e) die("assign: %s", rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(l);
}

static long long retained_msgs;

/* Up to max messages as soon as at least one is there (rd_kafka_consume_batch_queue alone
 * would wait for max messages or the whole timeout). 0 after timeout_ms without one. */
static ssize_t consume_some(rd_kafka_queue_t *q, rd_kafka_message_t **msgs, size_t max,
                            int timeout_ms)
{
    rd_kafka_message_t *m = rd_kafka_consume_queue(q, timeout_ms);
    if (!m) return 0;
    msgs[0] = m;
    ssize_t n = rd_kafka_consume_batch_queue(q, 0, msgs + 1, max - 1);
    return 1 + (n > 0 ? n : 0);
}

/* Read the topic from its low to its high watermarks, in passes: the first `warmup` messages
 * read are not timed, then reading is timed until at least `count` messages were read and the
 * pass is complete. A real cluster holds the whole topic, so one pass does it; librdkafka's
 * mock keeps only the last 5 MiB of each partition (a limit built into it), so it is read over
 * that retained part several times. tail > 0 reads only the last tail messages of each
 * partition, the same way (--reread-tail: a real cluster read like the mock). Only time inside
 * passes counts: from a pass's first message
 * to its last (re-assigning waits out the fetch long-poll of the previous pass, fetch.wait.max.ms,
 * which is the client's idling, not reading). Returns the timed seconds. */
static double consume_passes(rd_kafka_t *c, long long tail, long long warmup, long long count,
                             long long *passes, long long *timed)
{
    int64_t *lo = calloc((size_t)o.partitions, sizeof(int64_t));
    int64_t *hi = calloc((size_t)o.partitions, sizeof(int64_t));
    int64_t *pos = calloc((size_t)o.partitions, sizeof(int64_t));
    if (!lo || !hi || !pos) die("out of memory");
    retained_msgs = 0;
    for (int i = 0; i < o.partitions; i++) {
        rd_kafka_resp_err_t e =
            rd_kafka_query_watermark_offsets(c, o.topic, i, &lo[i], &hi[i], 10000);
        if (e) die("watermarks of %s-%d: %s", o.topic, i, rd_kafka_err2str(e));
        if (tail > 0 && hi[i] - tail > lo[i]) lo[i] = hi[i] - tail;
        retained_msgs += hi[i] - lo[i];
    }
    if (retained_msgs <= 0) die("nothing to consume");
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(c);
    rd_kafka_message_t *msgs[BATCH];
    long long read = 0;
    int64_t busy = 0; /* timed ns: within passes, from the warm-up boundary */
    *passes = 0;
    *timed = 0;
    while (*timed < count) {
        memcpy(pos, lo, (size_t)o.partitions * sizeof(int64_t));
        cons_assign(c, lo);
        int left = o.partitions;
        for (int i = 0; i < o.partitions; i++)
            if (pos[i] >= hi[i]) left--;
        int64_t last = now_ns(), from = 0, to = 0;
        long long read_before = read;
        if (read > warmup) from = -1; /* from this pass's first message */
        while (left > 0) {
            ssize_t n = consume_some(q, msgs, BATCH, 100);
            int64_t t = now_ns();
            if (n <= 0) {
                if (t - last > 30 * 1000000000LL) die("consumer: nothing for 30 s");
                continue;
            }
            last = t;
            if (from < 0) from = t;
            for (ssize_t k = 0; k < n; k++) {
                rd_kafka_message_t *m = msgs[k];
                int32_t pi = m->partition;
                bool in = pi >= 0 && pi < o.partitions;
                /* offsets >= pos: a transactional topic skips the control records' offsets */
                if (!m->err && in && m->offset >= pos[pi] && pos[pi] < hi[pi]) {
                    pos[pi] = m->offset + 1;
                    if (pos[pi] >= hi[pi]) left--;
                    if (read++ == warmup) from = t;
                    if (read > warmup) (*timed)++;
                } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && in && pos[pi] < hi[pi] &&
                           m->offset >= hi[pi]) {
                    pos[pi] = hi[pi]; /* only control records were left */
                    left--;
                } else if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                    fprintf(stderr, "bench: consume: %s\n", rd_kafka_message_errstr(m));
                }
                rd_kafka_message_destroy(m);
            }
            to = t;
        }
        if (from > 0) busy += to - from;
        (*passes)++;
        rd_kafka_assign(c, NULL);
        if (read == read_before) break; /* a pass delivered nothing (all aborted data) */
    }
    rd_kafka_queue_destroy(q);
    free(lo);
    free(hi);
    free(pos);
    return (double)busy / 1e9;
}

static void cons_close(rd_kafka_t *rk)
{
    rd_kafka_assign(rk, NULL);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

/* ---- throughput ---- */

/* A phase not run (--phases) has secs 0: its rates print as 0, which is JSON (nan is not). */
static void json_rate(const char *name, long long n, double secs, double cpu, bool comma)
{
    printf("\"%s\":{\"msgs\":%lld,\"secs\":%.4f,\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f,"
           "\"broker_cpu_s\":%.2f}%s",
           name, n, secs, secs > 0 ? (double)n / secs : 0,
           secs > 0 ? (double)n * (double)o.size / secs / MIB : 0, cpu, comma ? "," : "");
}

static void run_throughput(void)
{
    if (o.warmup < 0) o.warmup = o.count / 5;
    bool produce = !o.phases || strstr(o.phases, "produce");
    bool consume = !o.phases || strstr(o.phases, "consume");
    prod_t p;
    prod_init(&p);
    double psecs = 0, pcpu = 0, csecs = 0, ccpu = 0, cpu0 = 0, rsecs = 0, rcpu = 0;
    long long passes = 0, timed = 0, rpasses = 0, rtimed = 0, retained = 0;
    if (!produce) goto consume;
    topic_create(p.rk);
    /* warm-up: connections, client and broker buffers, first-touch memory */
    for (long long i = 0; i < o.warmup; i++) {
        prod_send(&p, payload(i), o.size, 0);
        if ((i & 1023) == 0) rd_kafka_poll(p.rk, 0);
        if ((i & 255) == 0) prod_txn_tick(&p, false);
    }
    prod_txn_tick(&p, true);
    prod_flush(&p, o.warmup);
    long long base = p.acked + p.errors + p.purged;
    p.timed = true;
    cpu0 = broker_cpu_s();
    int64_t t0 = now_ns();
    for (long long i = 0; i < o.count; i++) {
        prod_send(&p, payload(o.warmup + i), o.size, 0);
        if ((i & 1023) == 0) rd_kafka_poll(p.rk, 0);
        if ((i & 255) == 0) prod_txn_tick(&p, false);
    }
    prod_txn_tick(&p, true);
    prod_flush(&p, base + o.count);
    psecs = (double)(p.last_ack_ns - t0) / 1e9;
    pcpu = broker_cpu_s() - cpu0;
    if (p.errors) die("%lld delivery errors, first: %s", p.errors, p.first_err);

consume:
    if (consume) { /* from the beginning (see consume_passes) */
        rd_kafka_t *c = cons_new();
        cpu0 = broker_cpu_s();
        csecs = consume_passes(c, 0, o.warmup, o.count, &passes, &timed);
        ccpu = broker_cpu_s() - cpu0;
        retained = retained_msgs;
        if (o.reread_tail > 0) { /* the first pass warms up */
            cpu0 = broker_cpu_s();
            rsecs = consume_passes(c, o.reread_tail, o.reread_tail * o.partitions, o.count,
                                   &rpasses, &rtimed);
            rcpu = broker_cpu_s() - cpu0;
        }
        cons_close(c);
    }
    if (produce) topic_delete(p.rk); /* unless --keep */
    rd_kafka_destroy(p.rk);
    printf("{\"mode\":\"throughput\",\"target\":\"%s\",\"size\":%zu,\"acks\":\"%s\","
           "\"compression\":\"%s\",\"partitions\":%d,\"rf\":%d,\"warmup\":%lld,",
           mock ? "mock" : "cluster", o.size, o.acks, o.compression, o.partitions, o.rf, o.warmup);
    json_rate("produce", o.count, psecs, cpu0 < 0 ? -1 : pcpu, true);
    json_rate("consume", timed, csecs, cpu0 < 0 ? -1 : ccpu, true);
    if (rtimed) {
        json_rate("reread", rtimed, rsecs, cpu0 < 0 ? -1 : rcpu, true);
        printf("\"reread_passes\":%lld,\"reread_tail\":%lld,", rpasses, o.reread_tail);
    }
    if (o.txn_id)
        printf("\"txn_commits\":%lld,\"txn_aborts\":%lld,\"purged\":%lld,\"txn_ms\":%d,"
               "\"commit_ms_avg\":%.2f,",
               p.commits, p.aborts, p.purged, o.txn_ms,
               p.commits ? (double)p.commit_ns / 1e6 / (double)p.commits : 0);
    printf("\"consume_passes\":%lld,\"consume_retained\":%lld}\n", passes, retained);
}

/* ---- latency ---- */

typedef struct lat {
    rd_kafka_t *rk;
    int64_t count_from_ns; /* only messages sent at or after this */
    atomic_llong expect;   /* -1 until the producer is done */
    atomic_llong seen;
    int64_t last_ns; /* when the last message arrived */
    int32_t *us;
    size_t n, cap;
    atomic_bool stop, done;
} lat_t;

static void *lat_consumer(void *arg)
{
    lat_t *L = arg;
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(L->rk);
    rd_kafka_message_t *msgs[BATCH];
    while (!atomic_load(&L->stop)) {
        long long want = atomic_load(&L->expect);
        if (want >= 0 && atomic_load(&L->seen) >= want) break;
        ssize_t n = consume_some(q, msgs, BATCH, 100);
        int64_t t = now_ns();
        if (n > 0) L->last_ns = t;
        for (ssize_t i = 0; i < n; i++) {
            rd_kafka_message_t *m = msgs[i];
            if (!m->err && m->len >= 8) {
                int64_t sent;
                memcpy(&sent, m->payload, 8);
                atomic_fetch_add(&L->seen, 1);
                if (sent >= L->count_from_ns) {
                    if (L->n == L->cap) {
                        L->cap = L->cap ? L->cap * 2 : 1 << 20;
                        L->us = realloc(L->us, L->cap * sizeof(*L->us));
                        if (!L->us) die("out of memory");
                    }
                    int64_t d = (t - sent) / 1000;
                    L->us[L->n++] = d > INT32_MAX ? INT32_MAX : (int32_t)d;
                }
            }
            rd_kafka_message_destroy(m);
        }
    }
    rd_kafka_queue_destroy(q);
    atomic_store(&L->done, true);
    return NULL;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void run_latency(void)
{
    if (o.rate <= 0) die("latency needs --rate > 0");
    if (o.size < 8) die("latency needs --size >= 8");
    prod_t p;
    prod_init(&p);
    topic_create(p.rk);
    lat_t L = {0};
    atomic_init(&L.expect, -1);
    atomic_init(&L.stop, false);
    atomic_init(&L.done, false);
    atomic_init(&L.seen, 0);
    L.rk = cons_new();
    cons_assign(L.rk, NULL);
    int64_t start = now_ns();
    L.count_from_ns = start + (int64_t)(o.warmup_seconds * 1e9);
    pthread_t th;
    if (pthread_create(&th, NULL, lat_consumer, &L)) die("pthread_create failed");
    char *buf = malloc(o.size);
    if (!buf) die("out of memory");
    int64_t end = start + (int64_t)(o.seconds * 1e9);
    long long sent = 0;
    for (int64_t t = now_ns(); t < end; t = now_ns()) {
        long long due = (long long)((double)(t - start) * o.rate / 1e9);
        while (sent < due) {
            memcpy(buf, payload(sent), o.size);
            int64_t ts = now_ns();
            memcpy(buf, &ts, 8);
            prod_send(&p, buf, o.size, RD_KAFKA_MSG_F_COPY);
            sent++;
        }
        rd_kafka_poll(p.rk, 0);
        sleep_ns(200000);
    }
    int64_t sent_end = now_ns();
    double secs = (double)(sent_end - start) / 1e9;
    prod_flush(&p, sent);
    atomic_store(&L.expect, p.acked);
    /* let the consumer catch up; give up after 3 s without progress (the mock drops what a
     * lagging consumer has not read yet: it keeps only 5 MiB per partition) */
    long long seen = -1;
    int64_t progress = now_ns();
    while (!atomic_load(&L.done) && now_ns() - progress < 3000000000LL) {
        sleep_ns(20000000);
        long long s = atomic_load(&L.seen);
        if (s != seen) {
            seen = s;
            progress = now_ns();
        }
    }
    atomic_store(&L.stop, true);
    pthread_join(th, NULL);
    if (p.errors) die("%lld delivery errors, first: %s", p.errors, p.first_err);
    cons_close(L.rk);
    topic_delete(p.rk);
    rd_kafka_destroy(p.rk);
    /* No sample at all is a result, not a failure: the consumer fell so far behind that the
     * mock dropped everything it had not read (percentiles then print as -1). */
    if (L.n > 0) qsort(L.us, L.n, sizeof(*L.us), cmp_i32);
#define PCT(q) (L.n ? (double)L.us[(size_t)((q) * (double)(L.n - 1))] / 1000.0 : -1.0)
    printf("{\"mode\":\"latency\",\"target\":\"%s\",\"size\":%zu,\"acks\":\"%s\","
           "\"compression\":\"%s\",\"partitions\":%d,\"rf\":%d,\"rate_target\":%.0f,"
           "\"rate_achieved\":%.0f,\"sent\":%lld,\"seen\":%lld,\"samples\":%zu,"
           "\"warmup_seconds\":%.1f,\"drain_s\":%.3f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
           "\"p999_ms\":%.3f,\"max_ms\":%.3f}\n",
           mock ? "mock" : "cluster", o.size, o.acks, o.compression, o.partitions, o.rf, o.rate,
           (double)sent / secs, sent, (long long)atomic_load(&L.seen), L.n, o.warmup_seconds,
           (double)(L.last_ns - sent_end) / 1e9, PCT(0.5), PCT(0.99), PCT(0.999), PCT(1.0));
    free(L.us);
    free(buf);
}

/* ---- main ---- */

static void usage(void)
{
    fprintf(
        stderr,
        "usage: bench throughput|latency (--bootstrap B [--cpu-pids P,P..] | --mock N) --topic T\n"
        "       [--partitions P] [--rf R] [--min-isr M] [--acks A] [--compression C] [--size S]\n"
        "       [--linger-ms L] [--fetch-wait-ms F] [--consumer-props k=v,k=v]\n"
        "       [--client-props k=v,k=v]\n"
        "       [--idempotent] [--transactional-id ID [--txn-ms N] [--abort-every N]]\n"
        "       [--isolation read_committed|read_uncommitted]\n"
        "       throughput: [--count N] [--warmup W] [--phases produce|consume] [--keep]\n"
        "                   [--reread-tail N]\n"
        "       latency:    --rate R [--seconds T] [--warmup-seconds U]\n");
    exit(2);
}

/* Command-line options: name, kind (s string, i int, l long long, z size_t, d double, b flag),
 * destination. */
static const struct optdef {
    const char *name;
    char kind;
    void *dst;
} optdefs[] = {
    {"--bootstrap", 's', &o.bootstrap},
    {"--mock", 'i', &o.mock_brokers},
    {"--topic", 's', &o.topic},
    {"--partitions", 'i', &o.partitions},
    {"--rf", 'i', &o.rf},
    {"--min-isr", 'i', &o.min_isr},
    {"--acks", 's', &o.acks},
    {"--compression", 's', &o.compression},
    {"--size", 'z', &o.size},
    {"--count", 'l', &o.count},
    {"--warmup", 'l', &o.warmup},
    {"--rate", 'd', &o.rate},
    {"--seconds", 'd', &o.seconds},
    {"--warmup-seconds", 'd', &o.warmup_seconds},
    {"--linger-ms", 's', &o.linger},
    {"--fetch-wait-ms", 's', &o.fetch_wait},
    {"--cpu-pids", 's', &o.cpu_pids},
    {"--phases", 's', &o.phases},
    {"--consumer-props", 's', &o.cprops},
    {"--client-props", 's', &o.client_props},
    {"--reread-tail", 'l', &o.reread_tail},
    {"--keep", 'b', &o.keep},
    {"--idempotent", 'b', &o.idempotent},
    {"--transactional-id", 's', &o.txn_id},
    {"--txn-ms", 'i', &o.txn_ms},
    {"--abort-every", 'i', &o.abort_every},
    {"--isolation", 's', &o.isolation},
};

static void parse_opts(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        const struct optdef *d = NULL;
        for (size_t k = 0; k < sizeof(optdefs) / sizeof(optdefs[0]) && !d; k++)
            if (!strcmp(argv[i], optdefs[k].name)) d = &optdefs[k];
        if (!d) usage();
        if (d->kind == 'b') {
            *(bool *)d->dst = true;
            continue;
        }
        if (i + 1 >= argc) usage();
        const char *v = argv[++i];
        switch (d->kind) {
        case 's':
            *(const char **)d->dst = v;
            break;
        case 'i':
            *(int *)d->dst = atoi(v);
            break;
        case 'l':
            *(long long *)d->dst = atoll(v);
            break;
        case 'z':
            *(size_t *)d->dst = (size_t)atol(v);
            break;
        default:
            *(double *)d->dst = atof(v);
            break;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) usage();
    o.mode = argv[1];
    parse_opts(argc, argv);
    /* The client keeps the memory it frees (no trimming, no mmap per large buffer such as a
     * fetch response): on this VM a page touched for the first time costs ~8 us, which would
     * otherwise be paid again and again by the client, against either side. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    if (!o.topic || (!o.bootstrap == !o.mock_brokers) || o.size == 0 || o.size > POOL_BYTES / 2)
        usage();
    pool_init();
    if (o.mock_brokers) {
        char err[256];
        rd_kafka_conf_t *c = rd_kafka_conf_new();
        rd_kafka_conf_set_log_cb(c, log_cb);
        mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
        if (!mock_rk) die("mock handle: %s", err);
        mock = rd_kafka_mock_cluster_new(mock_rk, o.mock_brokers);
        if (!mock) die("rd_kafka_mock_cluster_new failed");
        snprintf(bootstrap, sizeof(bootstrap), "%s", rd_kafka_mock_cluster_bootstraps(mock));
    } else {
        snprintf(bootstrap, sizeof(bootstrap), "%s", o.bootstrap);
    }
    if (!strcmp(o.mode, "throughput"))
        run_throughput();
    else if (!strcmp(o.mode, "latency"))
        run_latency();
    else
        usage();
    fflush(stdout);
    if (mock) {
        rd_kafka_mock_cluster_destroy(mock);
        rd_kafka_destroy(mock_rk);
    }
    free(pool);
    return 0;
}
