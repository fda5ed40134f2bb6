/* drill_clients.c: kafka-drill's producer thread (idempotent or transactional, at a fixed rate),
 * its consumer threads (the live one and the final pass), and the topic's metadata as each
 * broker sees it. They share the verifier (drill_verify.h) under dr_sh.mu. See drill.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "drill.h"

/* ---- producer and consumer threads ---- */
dr_shared_t dr_sh = {.mu = PTHREAD_MUTEX_INITIALIZER};

char dr_run_id[32];
char dr_topic[256];
int dr_nparts = 1;
int dr_rate = 200;
bool dr_transactional;
int dr_commit_interval_ms = 100;

/* --transactional: deliveries of the open transaction, acknowledged when it commits (under
 * sh.mu). */
static struct {
    int64_t *seq, *offset;
    int32_t *partition;
    int n, cap;
} txp;

static void txp_add(int64_t seq, int32_t partition, int64_t offset)
{
    if (txp.n == txp.cap) {
        txp.cap = txp.cap ? txp.cap * 2 : 256;
        txp.seq = realloc(txp.seq, (size_t)txp.cap * sizeof(int64_t));
        txp.offset = realloc(txp.offset, (size_t)txp.cap * sizeof(int64_t));
        txp.partition = realloc(txp.partition, (size_t)txp.cap * sizeof(int32_t));
        if (!txp.seq || !txp.offset || !txp.partition) abort();
    }
    txp.seq[txp.n] = seq;
    txp.offset[txp.n] = offset;
    txp.partition[txp.n++] = partition;
}

/* The open transaction ended: its deliveries are acknowledged (committed) or failed. */
static void txp_settle(bool committed)
{
    int64_t t = dr_now_us();
    pthread_mutex_lock(&dr_sh.mu);
    for (int i = 0; i < txp.n; i++) {
        if (committed)
            dv_acked(dr_sh.dv, txp.seq[i], txp.partition[i], txp.offset[i], t);
        else
            dv_failed(dr_sh.dv, txp.seq[i]);
    }
    txp.n = 0;
    pthread_mutex_unlock(&dr_sh.mu);
}

static void note_error(const char *what, const char *reason)
{
    pthread_mutex_lock(&dr_sh.mu);
    if (dr_sh.errors++ < 20)
        fprintf(stderr, "[%8.3fs] %s: %s\n", dr_rel(dr_now_us()), what, reason);
    snprintf(dr_sh.last_error, sizeof(dr_sh.last_error), "%s: %s", what, reason);
    pthread_mutex_unlock(&dr_sh.mu);
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk, (void)opaque;
    int64_t seq = (int64_t)(intptr_t)m->_private;
    int64_t t = dr_now_us();
    pthread_mutex_lock(&dr_sh.mu);
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && dr_transactional)
        txp_add(seq, m->partition, m->offset); /* acknowledged by the commit */
    else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
        dv_acked(dr_sh.dv, seq, m->partition, m->offset, t);
    else
        dv_failed(dr_sh.dv, seq);
    pthread_mutex_unlock(&dr_sh.mu);
    if (m->err) note_error("delivery failed", rd_kafka_err2str(m->err));
}

static void dr_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk, (void)err, (void)opaque;
    note_error("client", reason);
}

/* Send message seq (round-robin partition). false when the producer failed fatally. */
static bool produce_one(rd_kafka_t *rk, int64_t seq)
{
    char val[96];
    int vl = snprintf(val, sizeof(val), "kafka-drill %s %" PRId64, dr_run_id, seq);
    pthread_mutex_lock(&dr_sh.mu);
    dv_sent(dr_sh.dv, seq, dr_now_us());
    pthread_mutex_unlock(&dr_sh.mu);
    rd_kafka_resp_err_t e;
    while ((e = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(dr_topic), RD_KAFKA_V_PARTITION((int32_t)(seq % dr_nparts)),
                RD_KAFKA_V_VALUE(val, (size_t)vl), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_OPAQUE((void *)(intptr_t)seq), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL &&
           !dr_sh.stop_producing)
        rd_kafka_poll(rk, 10);
    if (e) {
        note_error("produce", rd_kafka_err2str(e));
        pthread_mutex_lock(&dr_sh.mu);
        dv_failed(dr_sh.dv, seq);
        pthread_mutex_unlock(&dr_sh.mu);
    }
    pthread_mutex_lock(&dr_sh.mu);
    dr_sh.sent = seq + 1;
    pthread_mutex_unlock(&dr_sh.mu);
    return e != RD_KAFKA_RESP_ERR__FATAL;
}

/* Produce at the rate until stop or until_us (0: no end). false after a fatal error. */
static bool produce_until(rd_kafka_t *rk, int64_t *seq, int64_t *next, int64_t until_us)
{
    int64_t interval = 1000000 / (dr_rate > 0 ? dr_rate : 1);
    while (!dr_sh.stop_producing && (until_us == 0 || dr_now_us() < until_us)) {
        int64_t t = dr_now_us();
        if (t < *next) {
            rd_kafka_poll(rk, (int)((*next - t) / 1000 > 50 ? 50 : (*next - t + 999) / 1000));
            continue;
        }
        if (t - *next > 1000000) *next = t; /* fell behind (an outage): do not burst */
        if (!produce_one(rk, (*seq)++)) return false;
        *next += interval;
        rd_kafka_poll(rk, 0);
    }
    return true;
}

static bool txn_error(const char *what, rd_kafka_error_t *e, bool *retriable, bool *abortable)
{
    if (!e) return false;
    note_error(what, rd_kafka_error_string(e));
    *retriable = rd_kafka_error_is_retriable(e);
    *abortable = rd_kafka_error_txn_requires_abort(e);
    rd_kafka_error_destroy(e);
    return true;
}

/* Commit the open transaction (retrying what is retriable; aborting when it must). false
 * when the producer failed fatally. */
static bool txn_finish(rd_kafka_t *rk)
{
    bool retriable = false, abortable = false;
    while (txn_error("commit_transaction", rd_kafka_commit_transaction(rk, 60000), &retriable,
                     &abortable)) {
        if (retriable && !dr_sh.stop_producing) continue;
        if (!abortable) {
            txp_settle(false);
            return false;
        }
        while (txn_error("abort_transaction", rd_kafka_abort_transaction(rk, 60000), &retriable,
                         &abortable))
            if (!retriable || dr_sh.stop_producing) {
                txp_settle(false);
                return false;
            }
        txp_settle(false);
        return true;
    }
    txp_settle(true);
    return true;
}

void *dr_producer_main(void *arg)
{
    rd_kafka_t *rk = arg;
    int64_t next = dr_now_us(), seq = 0;
    if (!dr_transactional) {
        produce_until(rk, &seq, &next, 0);
        return NULL;
    }
    bool retriable, abortable;
    while (!dr_sh.stop_producing) {
        if (txn_error("begin_transaction", rd_kafka_begin_transaction(rk), &retriable, &abortable))
            break;
        bool ok = produce_until(rk, &seq, &next, dr_now_us() + dr_commit_interval_ms * 1000);
        if (!txn_finish(rk) || !ok) break;
    }
    return NULL;
}

/* Parse "kafka-drill <run id> <seq>"; -1 when it is another run's. */
static int64_t msg_seq(const rd_kafka_message_t *m)
{
    char buf[96], id[32];
    if (!m->payload || m->len >= sizeof(buf)) return -1;
    memcpy(buf, m->payload, m->len);
    buf[m->len] = '\0';
    long long seq;
    if (sscanf(buf, "kafka-drill %31s %lld", id, &seq) != 2 || strcmp(id, dr_run_id) != 0)
        return -1;
    return seq;
}

rd_kafka_conf_t *dr_conf(const char *bootstrap)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    cli_conf_set(TOOL, conf, "bootstrap.servers", bootstrap);
    cli_conf_set(TOOL, conf, "log_level", "3");
    const char *cc = cli_val(dr_opts, "command-config");
    if (cc) cli_conf_file(TOOL, conf, cc);
    return conf;
}

/* The drill's producer (acks=all, idempotent unless idem is false, transactional with
 * --transactional, plus the --producer-property settings), its callbacks set. */
rd_kafka_t *dr_producer_new(const char *bootstrap, bool idem)
{
    char err[512];
    rd_kafka_conf_t *pconf = dr_conf(bootstrap);
    cli_conf_set(TOOL, pconf, "acks", "all");
    cli_conf_set(TOOL, pconf, "enable.idempotence", idem ? "true" : "false");
    cli_conf_set(TOOL, pconf, "linger.ms", "5");
    cli_conf_set(TOOL, pconf, "message.timeout.ms", "300000");
    cli_conf_set(TOOL, pconf, "retry.backoff.ms", "100");
    /* Java clients' 1 s, not librdkafka's 10 s: while a broker is down the backoff grows, and
     * when it returns as a new leader a producer could sit out the rest of it (6 s seen). */
    cli_conf_set(TOOL, pconf, "reconnect.backoff.max.ms", "1000");
    cli_opt_t *pp = cli_opt(dr_opts, "producer-property");
    for (int i = 0; i < pp->nvals; i++) cli_conf_kv(TOOL, pconf, pp->vals[i]);
    rd_kafka_conf_set_dr_msg_cb(pconf, dr_cb);
    rd_kafka_conf_set_error_cb(pconf, dr_error_cb);
    char tid[64];
    snprintf(tid, sizeof(tid), "kafka-drill-%s", dr_run_id);
    if (dr_transactional) {
        cli_conf_set(TOOL, pconf, "transactional.id", tid);
        /* librdkafka wants message.timeout.ms <= transaction.timeout.ms */
        cli_conf_set(TOOL, pconf, "transaction.timeout.ms", "300000");
    }
    rd_kafka_t *prod = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof(err));
    if (!prod) cli_die(TOOL, "%s", err);
    if (dr_transactional) {
        rd_kafka_error_t *te = rd_kafka_init_transactions(prod, 60000);
        if (te) cli_die(TOOL, "init_transactions: %s", rd_kafka_error_string(te));
    }
    return prod;
}

rd_kafka_t *dr_consumer_new(const char *bootstrap)
{
    rd_kafka_conf_t *conf = dr_conf(bootstrap);
    char gid[64];
    snprintf(gid, sizeof(gid), "kafka-drill-%s", dr_run_id);
    cli_conf_set(TOOL, conf, "group.id", gid); /* required by librdkafka; never joined */
    cli_conf_set(TOOL, conf, "enable.auto.commit", "false");
    cli_conf_set(TOOL, conf, "enable.partition.eof", "true");
    cli_conf_set(TOOL, conf, "auto.offset.reset", "earliest");
    cli_conf_set(TOOL, conf, "fetch.wait.max.ms", "100");
    cli_conf_set(TOOL, conf, "reconnect.backoff.max.ms", "1000"); /* as the producer's */
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!rk) cli_die(TOOL, "%s", err);
    rd_kafka_topic_partition_list_t *tl = rd_kafka_topic_partition_list_new(dr_nparts);
    for (int p = 0; p < dr_nparts; p++)
        rd_kafka_topic_partition_list_add(tl, dr_topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, tl);
    rd_kafka_topic_partition_list_destroy(tl);
    return rk;
}

bool dr_consumer_at_end(void)
{
    for (int p = 0; p < dr_nparts; p++)
        if (dr_sh.end_offsets[p] < 0 || dr_sh.next_offsets[p] < dr_sh.end_offsets[p]) return false;
    return true;
}

void *dr_consumer_main(void *arg)
{
    dr_consumer_t *cs = arg;
    while (!dr_sh.stop_consuming) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(cs->rk, 100);
        if (!m) {
            pthread_mutex_lock(&dr_sh.mu);
            bool done = dr_consumer_at_end();
            pthread_mutex_unlock(&dr_sh.mu);
            if (done) break;
            continue;
        }
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                note_error(cs->live ? "consumer" : "final read", rd_kafka_message_errstr(m));
            else if (m->partition >= 0 && m->partition < dr_nparts) {
                pthread_mutex_lock(&dr_sh.mu);
                if (m->offset > dr_sh.next_offsets[m->partition])
                    dr_sh.next_offsets[m->partition] = m->offset;
                pthread_mutex_unlock(&dr_sh.mu);
            }
            rd_kafka_message_destroy(m);
            continue;
        }
        int64_t seq = msg_seq(m);
        pthread_mutex_lock(&dr_sh.mu);
        if (seq >= 0) {
            if (cs->live)
                dv_read_live(dr_sh.dv, m->partition, m->offset, seq);
            else
                dv_read(dr_sh.dv, m->partition, m->offset, seq);
        }
        if (m->partition >= 0 && m->partition < dr_nparts &&
            m->offset + 1 > dr_sh.next_offsets[m->partition])
            dr_sh.next_offsets[m->partition] = m->offset + 1;
        pthread_mutex_unlock(&dr_sh.mu);
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

/* ---- metadata ---- */

/* The brokers' addresses (learn_brokers), so that each can be asked on its own. */
static struct {
    int32_t id;
    char host[256];
    int port;
} baddr[MAX_NODES];
static int nbaddr;

void dr_learn_brokers(rd_kafka_t *rk)
{
    int64_t deadline = dr_now_us() + 60000000;
    while (nbaddr == 0 && dr_now_us() < deadline) {
        const rd_kafka_metadata_t *md;
        if (rd_kafka_metadata(rk, 0, NULL, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            for (int i = 0; i < md->broker_cnt && nbaddr < MAX_NODES; i++) {
                baddr[nbaddr].id = md->brokers[i].id;
                snprintf(baddr[nbaddr].host, sizeof(baddr[nbaddr].host), "%s", md->brokers[i].host);
                baddr[nbaddr++].port = md->brokers[i].port;
            }
            rd_kafka_metadata_destroy(md);
        }
        if (nbaddr == 0) dr_sleep_ms(250);
    }
    if (nbaddr == 0) cli_die(TOOL, "no broker answered Metadata within 60 s");
}

/* The topic as the first broker other than `avoid` (-1: any) that answers sees it, asked with
 * a Metadata request of our own: librdkafka picks the broker itself, and a broker just woken
 * from SIGSTOP or healed from a network cut answers from its stale cache (the old leader, a
 * full ISR) until the controller's UpdateMetadata reaches it (a lone broker is asked anyway).
 * 0, or -1 when none answered. */
int dr_topic_state(int avoid, dr_tstate_t *ts, int timeout_ms)
{
    if (nbaddr == 1) avoid = -1; /* a lone broker is the only one to ask */
    for (int b = 0; b < nbaddr; b++) {
        if (baddr[b].id == avoid) continue;
        cli_md_t m;
        const char *t1 = dr_topic;
        if (!cli_metadata_from(baddr[b].host, baddr[b].port, 1, &t1, timeout_ms, &m)) continue;
        const kp_metadata_resp_t *r = &m.resp;
        int rc = -1;
        if (r->ntopics == 1 && r->topics[0].error_code == 0) {
            const kp_metadata_topic_resp_t *t = &r->topics[0];
            memset(ts, 0, sizeof(*ts));
            ts->controller = r->controller_id;
            ts->nparts = t->nparts < MAX_PARTS ? t->nparts : MAX_PARTS;
            for (int32_t i = 0; i < t->nparts; i++) {
                int32_t p = t->parts[i].partition_index;
                if (p < 0 || p >= MAX_PARTS) continue;
                ts->leader[p] = t->parts[i].error_code ? -1 : t->parts[i].leader_id;
                ts->nreplicas[p] = t->parts[i].nreplicas;
                ts->nisr[p] = t->parts[i].nisr;
            }
            rc = 0;
        }
        cli_md_free(&m);
        if (rc == 0) return 0;
    }
    return -1;
}

static bool isr_full(int avoid)
{
    dr_tstate_t ts;
    if (dr_topic_state(avoid, &ts, 2000) != 0 || ts.nparts < dr_nparts) return false;
    for (int p = 0; p < dr_nparts; p++)
        if (ts.leader[p] < 0 || ts.nisr[p] < ts.nreplicas[p]) return false;
    return true;
}

/* Time the ISR was first seen full again by a broker other than avoid (polling every 250 ms),
 * or -1 after timeout_s. */
int64_t dr_wait_isr_full(int avoid, int timeout_s)
{
    int64_t deadline = dr_now_us() + (int64_t)timeout_s * 1000000;
    while (dr_now_us() < deadline) {
        int64_t t = dr_now_us();
        if (isr_full(avoid)) return t;
        dr_sleep_ms(250);
    }
    return -1;
}

int dr_leader_of(int partition)
{
    dr_tstate_t ts;
    for (int i = 0; i < 40; i++) {
        if (dr_topic_state(-1, &ts, 5000) == 0 && partition < ts.nparts &&
            ts.leader[partition] >= 0)
            return ts.leader[partition];
        dr_sleep_ms(250);
    }
    return -1;
}

int dr_create_topic(rd_kafka_t *rk, int partitions, int rf, int min_isr)
{
    rd_kafka_NewTopic_t *nt;
    char err[512], mis[16];
    nt = rd_kafka_NewTopic_new(dr_topic, partitions, rf, err, sizeof(err));
    if (!nt) cli_die(TOOL, "topic %s: %s", dr_topic, err);
    snprintf(mis, sizeof(mis), "%d", min_isr);
    rd_kafka_NewTopic_set_config(nt, "min.insync.replicas", mis);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    int rc = -1;
    if (ev && rd_kafka_event_error(ev) == 0) {
        size_t n;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        rd_kafka_resp_err_t e = n ? rd_kafka_topic_result_error(res[0]) : RD_KAFKA_RESP_ERR__FAIL;
        if (e == 0 || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            rc = 0;
        else
            fprintf(stderr, "%s: create topic %s: %s\n", TOOL, dr_topic,
                    rd_kafka_topic_result_error_string(res[0]) ?: rd_kafka_err2str(e));
    } else {
        fprintf(stderr, "%s: create topic %s: %s\n", TOOL, dr_topic,
                ev ? rd_kafka_event_error_string(ev) : "timed out");
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}
