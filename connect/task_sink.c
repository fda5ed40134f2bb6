/* task_sink.c: a sink task's thread (WorkerSinkTask): a librdkafka consumer in group
 * connect-<name> (auto commit off, earliest), records converted and transformed, handed to
 * put() in batches; every offset.flush.interval.ms, at a revocation and at stop the task
 * flushes (or pre_commit) and the consumed positions are committed synchronously.
 * Records the converters or transforms reject follow errors.tolerance: the task fails, or the
 * record is skipped, logged, and written raw to errors.deadletterqueue.topic.name (with the
 * __connect.errors.* headers when errors.deadletterqueue.context.headers.enable). */
#include "worker.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

/* Records per put(): large enough that the per-call costs (queue lock, put, the plugin's
 * write) are spread thin, small enough that a batch of 100 B records stays ~1 MB. */
#define SINK_BATCH 5000
/* At most this often, the fetcher is nudged when the local queue ran dry (fetch_wake). */
#define WAKE_MIN_MS 100

typedef struct tp_pos {
    char *topic;
    int32_t partition;
    int64_t next; /* offset of the next record to consume */
} tp_pos_t;

typedef struct sink_run {
    kc_task_t *t;
    const kc_plugin_t *plugin;
    void *inst;
    kc_sink_ctx_t ctx;
    kc_pipe_t pipe;
    rd_kafka_t *rk;
    rd_kafka_t *dlq; /* producer for the dead letter queue, or NULL */
    const char *dlq_topic;
    bool dlq_headers;
    tp_pos_t *pos;
    size_t npos;
    size_t last_pos; /* index in pos of the last record's partition (the usual next hit) */
    rd_kafka_message_t **msgs; /* SINK_BATCH each, reused by every poll cycle */
    cd_record_t **recs;
    bool draining;    /* the last poll filled a whole batch: a backlog is being read */
    int64_t woken_ms; /* when fetch_wake last ran */
    bool commit_requested;
    int64_t retry_wait_ms;
    char fail[2048];  /* set when a callback (rebalance) failed the task */
    char *last_topic; /* the topic last reported to kc_task_topic */
} sink_run_t;

static void ctx_request_commit(kc_sink_ctx_t *ctx)
{
    ((sink_run_t *)ctx->rt)->commit_requested = true;
}

static void ctx_timeout(kc_sink_ctx_t *ctx, int64_t ms)
{
    ((sink_run_t *)ctx->rt)->retry_wait_ms = ms;
}

static bool ctx_stopping(kc_sink_ctx_t *ctx)
{
    return atomic_load(&((sink_run_t *)ctx->rt)->t->stop);
}

static bool pos_is(const tp_pos_t *p, const char *topic, int32_t partition)
{
    return p->partition == partition && strcmp(p->topic, topic) == 0;
}

static void pos_set(sink_run_t *r, const char *topic, int32_t partition, int64_t next)
{
    if (r->last_pos < r->npos && pos_is(&r->pos[r->last_pos], topic, partition)) {
        r->pos[r->last_pos].next = next; /* runs of one partition: no search */
        return;
    }
    for (size_t i = 0; i < r->npos; i++)
        if (pos_is(&r->pos[i], topic, partition)) {
            r->pos[i].next = next;
            r->last_pos = i;
            return;
        }
    r->pos = realloc(r->pos, (r->npos + 1) * sizeof *r->pos);
    r->pos[r->npos] = (tp_pos_t){strdup(topic), partition, next};
    r->last_pos = r->npos++;
}

static void pos_clear(sink_run_t *r)
{
    for (size_t i = 0; i < r->npos; i++) free(r->pos[i].topic);
    r->npos = 0;
}

/* flush / pre_commit, then commit what the task says is durable. false: the task fails. */
static bool commit_offsets(sink_run_t *r)
{
    if (!r->npos || r->fail[0]) return !r->fail[0];
    kc_tp_offset_t *offs = calloc(r->npos, sizeof *offs);
    for (size_t i = 0; i < r->npos; i++)
        offs[i] = (kc_tp_offset_t){r->pos[i].topic, r->pos[i].partition, r->pos[i].next};
    const kc_sink_task_ops_t *ops = &r->plugin->ops.sink.task;
    char e[1024] = "";
    int rc = ops->pre_commit ? ops->pre_commit(r->inst, offs, r->npos, e, sizeof e)
             : ops->flush    ? ops->flush(r->inst, offs, r->npos, e, sizeof e)
                             : KC_OK;
    if (rc != KC_OK) {
        snprintf(r->fail, sizeof r->fail, "Commit of offsets threw an unexpected exception: %s", e);
        free(offs);
        return false;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)r->npos);
    for (size_t i = 0; i < r->npos; i++)
        rd_kafka_topic_partition_list_add(l, offs[i].topic, offs[i].partition)->offset =
            offs[i].offset;
    rd_kafka_resp_err_t ce = rd_kafka_commit(r->rk, l, 0);
    if (ce && ce != RD_KAFKA_RESP_ERR__NO_OFFSET)
        log_warn("connect", "task %s-%d: offset commit failed: %s (will retry)", r->t->cname,
                 r->t->id, rd_kafka_err2str(ce));
    rd_kafka_topic_partition_list_destroy(l);
    free(offs);
    return true;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    sink_run_t *r = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, parts);
        return;
    }
    commit_offsets(r); /* before the partitions go to another task */
    pos_clear(r);
    rd_kafka_assign(rk, NULL);
}

static bool consumer_new(sink_run_t *r, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = kc_rdk_conf(r->t->h->wcfg, "consumer", r->t->cconfig, err, errlen);
    if (!conf) return false;
    char gid[400], cid[400], e[256];
    snprintf(gid, sizeof gid, "connect-%s", r->t->cname);
    snprintf(cid, sizeof cid, "connector-consumer-%s-%d", r->t->cname, r->t->id);
    rd_kafka_conf_set(conf, "group.id", gid, e, sizeof e);
    rd_kafka_conf_set(conf, "client.id", cid, e, sizeof e);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", e, sizeof e);
    rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", e, sizeof e);
    rd_kafka_conf_set_opaque(conf, r);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
    if (!r->rk) return false;
    rd_kafka_poll_set_consumer(r->rk);
    const json_t *c = r->t->cconfig;
    json_t *topics = kc_cfg_list(kc_sink_defs, kc_nsink_defs, c, "topics");
    const char *regex = kc_cfg_str(kc_sink_defs, kc_nsink_defs, c, "topics.regex");
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    size_t i;
    json_t *tp;
    json_array_foreach(topics, i, tp)
        rd_kafka_topic_partition_list_add(sub, json_string_value(tp), RD_KAFKA_PARTITION_UA);
    if (regex && *regex) {
        char re[1024];
        snprintf(re, sizeof re, "%s%s", regex[0] == '^' ? "" : "^", regex);
        rd_kafka_topic_partition_list_add(sub, re, RD_KAFKA_PARTITION_UA);
    }
    json_decref(topics);
    rd_kafka_resp_err_t se = rd_kafka_subscribe(r->rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (se) {
        snprintf(err, errlen, "subscribe: %s", rd_kafka_err2str(se));
        return false;
    }
    return true;
}

static bool dlq_new(sink_run_t *r, char *err, size_t errlen)
{
    const json_t *c = r->t->cconfig;
    r->dlq_topic = kc_cfg_str(kc_sink_defs, kc_nsink_defs, c, "errors.deadletterqueue.topic.name");
    r->dlq_headers = kc_cfg_bool(kc_sink_defs, kc_nsink_defs, c,
                                 "errors.deadletterqueue.context.headers.enable");
    if (!r->dlq_topic || !*r->dlq_topic) return true;
    rd_kafka_conf_t *conf = kc_rdk_conf(r->t->h->wcfg, "producer", c, err, errlen);
    if (!conf) return false;
    r->dlq = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen);
    return r->dlq != NULL;
}

/* The raw record to the DLQ, with the error context headers when asked for. */
static void dlq_send(sink_run_t *r, const rd_kafka_message_t *m, const char *stage, const char *msg)
{
    if (!r->dlq) return;
    rd_kafka_headers_t *hs = NULL;
    const rd_kafka_headers_t *orig = NULL;
    if (rd_kafka_message_headers(m, (rd_kafka_headers_t **)&orig) == 0 && orig)
        hs = rd_kafka_headers_copy(orig);
    if (r->dlq_headers) {
        if (!hs) hs = rd_kafka_headers_new(10);
        char num[32], tid[16];
        const char *cls = strcmp(stage, "KEY_CONVERTER") == 0     ? r->pipe.kconv_p->class_name
                          : strcmp(stage, "VALUE_CONVERTER") == 0 ? r->pipe.vconv_p->class_name
                                                                  : "transformation";
        rd_kafka_header_add(hs, "__connect.errors.topic", -1, rd_kafka_topic_name(m->rkt), -1);
        snprintf(num, sizeof num, "%d", m->partition);
        rd_kafka_header_add(hs, "__connect.errors.partition", -1, num, -1);
        snprintf(num, sizeof num, "%lld", (long long)m->offset);
        rd_kafka_header_add(hs, "__connect.errors.offset", -1, num, -1);
        rd_kafka_header_add(hs, "__connect.errors.connector.name", -1, r->t->cname, -1);
        snprintf(tid, sizeof tid, "%d", r->t->id);
        rd_kafka_header_add(hs, "__connect.errors.task.id", -1, tid, -1);
        rd_kafka_header_add(hs, "__connect.errors.stage", -1, stage, -1);
        rd_kafka_header_add(hs, "__connect.errors.class.name", -1, cls, -1);
        rd_kafka_header_add(hs, "__connect.errors.exception.class.name", -1,
                            "org.apache.kafka.connect.errors.DataException", -1);
        rd_kafka_header_add(hs, "__connect.errors.exception.message", -1, msg, -1);
        rd_kafka_header_add(hs, "__connect.errors.exception.stacktrace", -1, msg, -1);
    }
    rd_kafka_resp_err_t e = rd_kafka_producev(
        r->dlq, RD_KAFKA_V_TOPIC(r->dlq_topic), RD_KAFKA_V_KEY(m->key, m->key_len),
        RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADERS(hs), RD_KAFKA_V_END);
    if (e) {
        log_warn("connect", "task %s-%d: DLQ %s: %s", r->t->cname, r->t->id, r->dlq_topic,
                 rd_kafka_err2str(e));
        rd_kafka_headers_destroy(hs);
    }
    rd_kafka_poll(r->dlq, 0);
}

static void add_headers(cd_record_t *rec, const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *hs = NULL;
    if (rd_kafka_message_headers(m, &hs) != 0 || !hs) return;
    const char *name;
    const void *val;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hs, i, &name, &val, &size) == 0; i++)
        cd_record_add_header(rec, name, cd_schema_prim(CD_BYTES, true),
                             val ? cd_bytes(val, size) : NULL);
}

/* A consumed message as a record (NULL: skipped under tolerance, or *fatal set). */
static cd_record_t *to_record(sink_run_t *r, const rd_kafka_message_t *m, bool *fatal)
{
    const char *topic = rd_kafka_topic_name(m->rkt);
    cd_schema_t *ks = NULL, *vs = NULL;
    cd_value_t *kv = NULL, *vv = NULL;
    char e[1024] = "";
    const char *stage = "KEY_CONVERTER";
    int rc = r->pipe.kconv_p->ops.converter.to_connect(r->pipe.kconv, topic, m->key, m->key_len,
                                                       &ks, &kv, e, sizeof e);
    if (rc == KC_OK) {
        stage = "VALUE_CONVERTER";
        rc = r->pipe.vconv_p->ops.converter.to_connect(r->pipe.vconv, topic, m->payload, m->len,
                                                       &vs, &vv, e, sizeof e);
    }
    cd_record_t *rec = cd_record_new(topic);
    rec->partition = m->partition;
    rec->offset = m->offset;
    rd_kafka_timestamp_type_t tt;
    rec->timestamp = rd_kafka_message_timestamp(m, &tt);
    cd_record_set_key(rec, ks, kv);
    cd_record_set_value(rec, vs, vv);
    if (rc == KC_OK) {
        add_headers(rec, m);
        stage = "TRANSFORMATION";
        rc = kc_pipe_transform(&r->pipe, &rec, e, sizeof e);
        if (rc == KC_OK) return rec; /* may be NULL: dropped */
    }
    cd_record_free(rec);
    if (kc_pipe_tolerate(&r->pipe, stage, topic, m->partition, m->offset, e)) {
        dlq_send(r, m, stage, e);
        return NULL;
    }
    snprintf(r->fail, sizeof r->fail, "Tolerance exceeded in error handler: %s: %s", stage, e);
    *fatal = true;
    return NULL;
}

/* put() with KC_RETRY handling. false: the task fails (reason in r->fail). */
static bool put_batch(sink_run_t *r, cd_record_t **recs, size_t n)
{
    for (;;) {
        char e[1024] = "";
        int rc = r->plugin->ops.sink.task.put(r->inst, recs, n, e, sizeof e);
        if (rc == KC_OK) return true;
        if (rc == KC_ERR) {
            snprintf(r->fail, sizeof r->fail,
                     "WorkerSinkTask{id=%s-%d} threw an uncaught and "
                     "unrecoverable exception. Task is being killed and will not recover until "
                     "manually restarted. Error: %s",
                     r->t->cname, r->t->id, e);
            return false;
        }
        int64_t until = kc_now_ms() + (r->retry_wait_ms > 0 ? r->retry_wait_ms : 100);
        while (kc_now_ms() < until && !atomic_load(&r->t->stop))
            rd_kafka_consumer_poll(r->rk, 50) ? (void)0 : (void)0;
        if (atomic_load(&r->t->stop)) return true;
    }
}

/* The local queue is running dry while a backlog is read. librdkafka 2.0 (Debian's) stops
 * fetching a partition whose queue holds queued.min.messages and looks again only when its
 * broker thread next wakes, up to 1 s later (librdkafka#2879; later releases made that wait
 * fetch.queue.backoff.ms): a sink faster than the fetcher sat idle for a third of each
 * second. A request to the partition's leader (a ListOffsets for the high watermark) wakes
 * that thread, which then fetches again while the last batches here are still being
 * written. Best effort: a partition whose leader is not among the first few asked waits as
 * before. */
static void fetch_wake(sink_run_t *r)
{
    int64_t now = kc_now_ms();
    if (now - r->woken_ms < WAKE_MIN_MS) return;
    r->woken_ms = now;
    int64_t lo, hi;
    for (size_t i = 0; i < r->npos && i < 4; i++) /* one per leader is enough; no leader map */
        rd_kafka_query_watermark_offsets(r->rk, r->pos[i].topic, r->pos[i].partition, &lo, &hi,
                                         200);
}

/* One poll cycle. false: the task fails. */
static bool sink_cycle(sink_run_t *r, rd_kafka_queue_t *q)
{
    rd_kafka_message_t **msgs = r->msgs;
    cd_record_t **recs = r->recs;
    ssize_t n = rd_kafka_consume_batch_queue(q, 200, msgs, SINK_BATCH);
    bool backlog = n == SINK_BATCH;
    if ((backlog || r->draining) && rd_kafka_queue_length(q) < SINK_BATCH) fetch_wake(r);
    r->draining = backlog;
    size_t nrec = 0;
    bool fatal = false;
    for (ssize_t i = 0; i < n; i++) {
        rd_kafka_message_t *m = msgs[i];
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                log_warn("connect", "task %s-%d: consumer: %s", r->t->cname, r->t->id,
                         rd_kafka_message_errstr(m));
        } else if (!fatal) {
            const char *tn = rd_kafka_topic_name(m->rkt);
            if (!r->last_topic || strcmp(r->last_topic, tn) != 0) { /* KIP-558 */
                kc_task_topic(r->t, tn);
                free(r->last_topic);
                r->last_topic = strdup(tn);
            }
            cd_record_t *rec = to_record(r, m, &fatal);
            if (rec) recs[nrec++] = rec;
            if (!fatal) pos_set(r, tn, m->partition, m->offset + 1);
        }
        rd_kafka_message_destroy(m);
    }
    bool ok = !fatal && (n <= 0 && nrec == 0 ? true : put_batch(r, recs, nrec));
    for (size_t i = 0; i < nrec; i++) cd_record_free(recs[i]);
    return ok && !r->fail[0];
}

static bool sink_loop(sink_run_t *r)
{
    int64_t interval = kc_wcfg_int(r->t->h->wcfg, "offset.flush.interval.ms");
    int64_t next = kc_now_ms() + interval;
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(r->rk);
    bool paused = false, ok = true;
    while (ok && !atomic_load(&r->t->stop)) {
        if (atomic_load(&r->t->paused) != paused) {
            paused = !paused;
            rd_kafka_topic_partition_list_t *a = NULL;
            if (rd_kafka_assignment(r->rk, &a) == 0 && a) {
                paused ? rd_kafka_pause_partitions(r->rk, a) : rd_kafka_resume_partitions(r->rk, a);
                rd_kafka_topic_partition_list_destroy(a);
            }
            kc_task_report(r->t, paused ? KC_ST_PAUSED : KC_ST_RUNNING, NULL);
        }
        ok = sink_cycle(r, q);
        if (ok && (kc_now_ms() >= next || r->commit_requested)) {
            r->commit_requested = false;
            ok = commit_offsets(r);
            next = kc_now_ms() + interval;
        }
    }
    rd_kafka_queue_destroy(q);
    return ok && commit_offsets(r);
}

static bool sink_setup(sink_run_t *r, char *err, size_t errlen)
{
    const char *cls = json_string_value(json_object_get(r->t->cconfig, "connector.class"));
    r->plugin = kc_plugin_find(KC_PLUGIN_SINK, cls);
    if (!r->plugin) {
        snprintf(err, errlen, "no sink connector %s", cls ? cls : "null");
        return false;
    }
    r->msgs = malloc(SINK_BATCH * sizeof *r->msgs);
    r->recs = malloc(SINK_BATCH * sizeof *r->recs);
    if (!r->msgs || !r->recs) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    if (kc_pipe_init(&r->pipe, r->t, err, errlen) != KC_OK || !dlq_new(r, err, errlen))
        return false;
    r->ctx =
        (kc_sink_ctx_t){r, r->t->cname, r->t->id, ctx_request_commit, ctx_timeout, ctx_stopping};
    r->inst = r->plugin->ops.sink.task.start(r->t->config, &r->ctx, err, errlen);
    return r->inst && consumer_new(r, err, errlen);
}

static void sink_body(void *arg)
{
    sink_run_t r = {.t = arg};
    char err[2048] = "";
    bool ok = sink_setup(&r, err, sizeof err);
    if (ok) {
        kc_task_report(r.t, KC_ST_RUNNING, NULL);
        ok = sink_loop(&r);
        if (!ok) snprintf(err, sizeof err, "%s", r.fail);
    }
    if (!ok) {
        char *trace = kc_trace("org.apache.kafka.connect.errors.ConnectException", err, NULL);
        kc_task_report(r.t, KC_ST_FAILED, trace);
        free(trace);
    }
    if (r.rk) {
        rd_kafka_consumer_close(r.rk);
        rd_kafka_destroy(r.rk);
    }
    if (r.inst) r.plugin->ops.sink.task.stop(r.inst);
    if (r.dlq) {
        rd_kafka_flush(r.dlq, 5000);
        rd_kafka_destroy(r.dlq);
    }
    kc_pipe_close(&r.pipe);
    pos_clear(&r);
    free(r.pos);
    free(r.last_topic);
    free(r.msgs);
    free(r.recs);
    atomic_store(&r.t->done, true);
}

void *kc_sink_task_main(void *arg)
{
    return kc_task_thread(arg, sink_body);
}
