/* rdk_load.c: a librdkafka load-and-verify program for the integration tests and benchmarks.
 *
 *   rdk_load -b BOOTSTRAP -t TOPIC -n COUNT [-z codec] [-s MIN] [-S MAX] [-a acks] [-o first_seq]
 *   rdk_load -b BOOTSTRAP -t TOPIC --too-large N   (values above message.max.bytes)
 *
 * Produces COUNT keyed messages whose key and value are a pure function of a sequence number
 * (value sizes mostly MIN..1000 B, some up to MAX), then consumes the topic from the beginning
 * with assign() and checks every message byte for byte, exactly once, offsets dense and keys'
 * sequence numbers increasing per partition (order). Prints throughput lines; exits 1 on any
 * mismatch. --too-large sends N values of 1.5 MB next to small ones and checks the large ones
 * fail with MSG_SIZE_TOO_LARGE from the broker while the small ones succeed. */
#include <inttypes.h>
#include <stdbool.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static size_t g_min = 100, g_max = 100000;

static size_t value_size(uint64_t seq)
{
    uint64_t r = mix(seq * 7 + 1);
    unsigned bucket = (unsigned)(r % 1000);
    size_t lo = g_min, hi;
    if (bucket < 900)
        hi = g_min + 900 < g_max ? g_min + 900 : g_max; /* 90%: small */
    else if (bucket < 998)
        hi = 10000 < g_max ? 10000 : g_max; /* ~10%: up to 10 KB */
    else
        hi = g_max; /* 0.2%: up to MAX */
    if (hi <= lo) return lo;
    return lo + (size_t)((r >> 20) % (hi - lo + 1));
}

/* value = 8-byte big-endian seq, then deterministic bytes */
static void make_value(uint64_t seq, char *buf, size_t n)
{
    for (int i = 0; i < 8; i++) buf[i] = (char)(seq >> (56 - 8 * i));
    uint64_t s = mix(seq + 12345);
    for (size_t i = 8; i < n; i++) {
        if ((i & 7) == 0) s = mix(s);
        buf[i] = (char)(s >> ((i & 7) * 8));
    }
}

static int make_key(uint64_t seq, char *buf)
{
    return sprintf(buf, "key-%" PRIu64, seq % 1000);
}

static long g_acked, g_failed, g_too_large;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        g_acked++;
    } else if (m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
        g_too_large++;
    } else {
        g_failed++;
        if (g_failed < 5) fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(m->err));
    }
}

static bool g_big_batches; /* --too-large: let the client send batches over the broker limit */

static rd_kafka_t *new_client(rd_kafka_type_t type, const char *bootstrap, const char *codec,
                              const char *acks)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
#define SET(k, v)                                                                                  \
    if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {                     \
        fprintf(stderr, "%s: %s\n", k, err);                                                       \
        exit(2);                                                                                   \
    }
    SET("bootstrap.servers", bootstrap);
    if (getenv("RDK_DEBUG")) SET("debug", getenv("RDK_DEBUG"));
    if (type == RD_KAFKA_PRODUCER) {
        SET("compression.codec", codec);
        SET("acks", acks);
        SET("linger.ms", "5");
        SET("batch.num.messages", "10000");
        SET("queue.buffering.max.kbytes", "1048576");
        if (g_big_batches) {
            SET("message.max.bytes", "10000000");
            SET("batch.size", "10000000");
        }
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    } else {
        SET("group.id", "rdk_load_verify");
        SET("enable.auto.commit", "false");
        SET("enable.partition.eof", "true");
        SET("fetch.message.max.bytes", "10485760");
    }
#undef SET
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "rd_kafka_new: %s\n", err);
        exit(2);
    }
    return rk;
}

static void produce_one(rd_kafka_t *rk, const char *topic, const char *key, size_t klen,
                        const char *val, size_t vlen)
{
    for (;;) {
        rd_kafka_resp_err_t e =
            rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, klen),
                              RD_KAFKA_V_VALUE((void *)val, vlen),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(rk, 10);
            continue;
        }
        if (e) {
            fprintf(stderr, "produce: %s\n", rd_kafka_err2str(e));
            exit(1);
        }
        return;
    }
}

static int too_large(const char *bootstrap, const char *topic, int n)
{
    g_big_batches = true;
    rd_kafka_t *rk = new_client(RD_KAFKA_PRODUCER, bootstrap, "none", "1");
    size_t big = 1500 * 1000;
    char *buf = malloc(big);
    memset(buf, 'x', big);
    for (int i = 0; i < n; i++) {
        /* one per request so each is judged on its own */
        produce_one(rk, topic, "big", 3, buf, big);
        rd_kafka_flush(rk, 30000);
        produce_one(rk, topic, "small", 5, buf, 100);
        rd_kafka_flush(rk, 30000);
    }
    rd_kafka_flush(rk, 30000);
    rd_kafka_destroy(rk);
    free(buf);
    printf("too-large: %ld rejected with MSG_SIZE_TOO_LARGE, %ld small acked, %ld other errors\n",
           g_too_large, g_acked, g_failed);
    return (g_too_large == n && g_acked == n && g_failed == 0) ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *bootstrap = NULL, *topic = NULL, *codec = "none", *acks = "1";
    long n = 100000, large = 0;
    uint64_t first = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "%s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "-b"))
            bootstrap = v;
        else if (!strcmp(a, "-t"))
            topic = v;
        else if (!strcmp(a, "-n"))
            n = atol(v);
        else if (!strcmp(a, "-z"))
            codec = v;
        else if (!strcmp(a, "-s"))
            g_min = (size_t)atol(v);
        else if (!strcmp(a, "-S"))
            g_max = (size_t)atol(v);
        else if (!strcmp(a, "-a"))
            acks = v;
        else if (!strcmp(a, "-o"))
            first = (uint64_t)atoll(v);
        else if (!strcmp(a, "--too-large"))
            large = atol(v);
        else {
            fprintf(stderr, "unknown option %s\n", a);
            return 2;
        }
        i++;
    }
    if (!bootstrap || !topic) {
        fprintf(stderr, "usage: %s -b BOOTSTRAP -t TOPIC [-n N] [-z codec] [-s MIN] [-S MAX]\n",
                argv[0]);
        return 2;
    }
    if (g_min < 8) g_min = 8;
    if (large) return too_large(bootstrap, topic, (int)large);

    /* ---- produce ---- */
    rd_kafka_t *p = new_client(RD_KAFKA_PRODUCER, bootstrap, codec, acks);
    char *val = malloc(g_max + 8);
    char key[32];
    double t0 = now_s();
    uint64_t bytes = 0;
    for (uint64_t s = first; s < first + (uint64_t)n; s++) {
        size_t vl = value_size(s);
        make_value(s, val, vl);
        int kl = make_key(s, key);
        produce_one(p, topic, key, (size_t)kl, val, vl);
        bytes += vl;
        if ((s & 1023) == 0) rd_kafka_poll(p, 0);
    }
    rd_kafka_resp_err_t ferr = rd_kafka_flush(p, 120000);
    double t1 = now_s();
    if (ferr)
        fprintf(stderr, "flush: %s, %d still queued\n", rd_kafka_err2str(ferr),
                rd_kafka_outq_len(p));
    rd_kafka_destroy(p);
    if (g_too_large) fprintf(stderr, "%ld messages refused as too large\n", g_too_large);
    printf("produce: %ld msgs (%s) in %.2f s: %.0f msgs/s, %.1f MB/s; acked %ld failed %ld\n", n,
           codec, t1 - t0, n / (t1 - t0), bytes / (t1 - t0) / 1e6, g_acked, g_failed);
    if (g_acked != n || g_failed || g_too_large) return 1;

    /* ---- consume and verify ---- */
    rd_kafka_t *c = new_client(RD_KAFKA_CONSUMER, bootstrap, codec, acks);
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(c, topic, NULL);
    if (rd_kafka_metadata(c, 0, rkt, &md, 10000) || md->topic_cnt != 1) {
        fprintf(stderr, "metadata for %s failed\n", topic);
        return 1;
    }
    int np = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_topic_partition_list_t *tl = rd_kafka_topic_partition_list_new(np);
    for (int i = 0; i < np; i++)
        rd_kafka_topic_partition_list_add(tl, topic, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(c, tl);
    rd_kafka_topic_partition_list_destroy(tl);
    int64_t *next_off = calloc((size_t)np, sizeof(int64_t));
    int64_t *last_seq_per_key = malloc(1000 * sizeof(int64_t));
    for (int i = 0; i < 1000; i++) last_seq_per_key[i] = -1;
    unsigned char *seen = calloc((size_t)n, 1);
    int eof = 0;
    long got = 0, bad = 0;
    double t2 = now_s();
    uint64_t cbytes = 0;
    while (eof < np || got < n) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 1000);
        if (!m) {
            if (now_s() - t2 > 300) break;
            continue;
        }
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eof++;
        } else if (m->err) {
            fprintf(stderr, "consume: %s\n", rd_kafka_message_errstr(m));
        } else {
            got++;
            cbytes += m->len;
            uint64_t seq = 0;
            for (int i = 0; i < 8 && m->len >= 8; i++)
                seq = (seq << 8) | ((unsigned char *)m->payload)[i];
            int p = m->partition;
            bool ok = m->len >= 8 && seq >= first && seq < first + (uint64_t)n;
            if (ok) {
                size_t vl = value_size(seq);
                make_value(seq, val, vl);
                int kl = make_key(seq, key);
                ok = m->len == vl && !memcmp(m->payload, val, vl) && m->key_len == (size_t)kl &&
                     !memcmp(m->key, key, (size_t)kl);
                ok = ok && !seen[seq - first];
                if (ok) seen[seq - first] = 1;
                int k = (int)(seq % 1000);
                if (ok && (int64_t)seq <= last_seq_per_key[k]) ok = false; /* order per key */
                if (ok) last_seq_per_key[k] = (int64_t)seq;
            }
            if (m->offset != next_off[p]) {
                if (bad < 5)
                    fprintf(stderr, "partition %d: offset %" PRId64 ", expected %" PRId64 "\n", p,
                            m->offset, next_off[p]);
                ok = false;
            }
            next_off[p] = m->offset + 1;
            if (!ok && ++bad < 5)
                fprintf(stderr, "mismatch at partition %d offset %" PRId64 "\n", p, m->offset);
        }
        rd_kafka_message_destroy(m);
    }
    double t3 = now_s();
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    printf("consume: %ld msgs in %.2f s: %.0f msgs/s, %.1f MB/s; mismatches %ld\n", got, t3 - t2,
           got / (t3 - t2), cbytes / (t3 - t2) / 1e6, bad);
    free(val);
    free(seen);
    free(next_off);
    free(last_seq_per_key);
    return (got == n && bad == 0) ? 0 : 1;
}
