/* task_source.c: a source task's thread (WorkerSourceTask): poll the plugin, transform,
 * convert, produce with an idempotent acks=all producer; every offset.flush.interval.ms (and
 * at stop) wait for every produced record's delivery, then store the newest source offset of
 * each source partition and call the task's commit(). At-least-once: after a crash the task
 * resumes from the last stored offsets, so what was produced after them is produced again.
 *
 * Exactly once (KIP-618's ExactlyOnceWorkerSourceTask, a distributed worker with
 * exactly.once.source.support=enabled): the producer is transactional with Kafka's
 * transactional.id (eos.c); initializing it fences a zombie of the same task, then the task
 * reads the offsets topic to its end before it starts. Records and the source offsets of
 * what they came from are written in one transaction (the offsets to the worker's offsets
 * topic by the same producer), committed per transaction.boundary: after every non-empty
 * poll, or every transaction.boundary.interval.ms. A task that dies leaves an open
 * transaction its successor's fencing aborts, so read_committed readers see each record once
 * and the successor resumes exactly after the last committed batch. */
#include "worker.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

typedef struct src_run {
    kc_task_t *t;
    const kc_plugin_t *plugin;
    void *inst;
    kc_source_ctx_t ctx;
    kc_pipe_t pipe;
    rd_kafka_t *rk;
    json_t *pending; /* offset key text -> newest offset, polled since the last flush */
    char delivery_err[512];
    char *last_topic; /* the topic last reported to kc_task_topic */
    bool failed;
    bool eos;             /* transactional (KIP-618) */
    bool in_txn;          /* a transaction is open */
    int64_t txn_interval; /* > 0: transaction.boundary=interval, else one per poll */
} src_run_t;

static json_t *ctx_offset(kc_source_ctx_t *ctx, const json_t *partition)
{
    src_run_t *r = ctx->rt;
    kc_herder_t *h = r->t->h;
    return h->backing->offset_get(h, r->t->cname, partition);
}

static bool ctx_stopping(kc_source_ctx_t *ctx)
{
    src_run_t *r = ctx->rt;
    return atomic_load(&r->t->stop) || atomic_load(&r->t->paused);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    src_run_t *r = opaque;
    cd_record_t *rec = m->_private;
    if (m->err && !r->delivery_err[0])
        snprintf(r->delivery_err, sizeof r->delivery_err,
                 "Unrecoverable exception from "
                 "producer send callback: %s",
                 rd_kafka_err2str(m->err));
    if (rec) {
        if (!m->err)
            r->plugin->ops.source.task.commit_record(r->inst, rec, m->partition, m->offset);
        cd_record_free(rec);
    }
}

/* false with the reason of a transactional call's error (destroyed). */
static bool txn_ok(rd_kafka_error_t *e, const char *what, char *err, size_t errlen)
{
    if (!e) return true;
    snprintf(err, errlen, "%s: %s", what, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    return false;
}

/* Fence the previous instance of this task (InitProducerId aborts what it left open), then
 * read the offsets topic to its end so the task starts from the last committed batch. */
static bool eos_init(src_run_t *r, char *err, size_t errlen)
{
    if (!txn_ok(rd_kafka_init_transactions(r->rk, 60000), "initializing the transactional producer",
                err, errlen))
        return false;
    kc_herder_t *h = r->t->h;
    if (h->backing->offsets_sync && !h->backing->offsets_sync(h, 60000)) {
        snprintf(err, errlen, "could not read the offsets topic to its end");
        return false;
    }
    return true;
}

static bool eos_begin(src_run_t *r, char *err, size_t errlen)
{
    if (r->in_txn) return true;
    r->in_txn = txn_ok(rd_kafka_begin_transaction(r->rk), "beginning a transaction", err, errlen);
    return r->in_txn;
}

/* Write the pending source offsets into the open transaction and commit it. false: the task
 * fails (the transaction is aborted; nothing of it is visible to read_committed readers). */
static bool eos_commit(src_run_t *r, char *err, size_t errlen)
{
    if (!r->in_txn) return true;
    const char *topic = kc_wcfg_str(r->t->h->wcfg, "offset.storage.topic");
    const char *k;
    json_t *v;
    rd_kafka_resp_err_t perr = 0;
    json_object_foreach(r->pending, k, v)
    {
        char *text = json_is_null(v) ? NULL : json_dumps(v, JSON_COMPACT);
        perr = rd_kafka_producev(r->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(k, strlen(k)),
                                 RD_KAFKA_V_VALUE(text, text ? strlen(text) : 0),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        free(text);
        if (perr) break;
    }
    int64_t timeout = kc_wcfg_int(r->t->h->wcfg, "offset.flush.timeout.ms");
    bool ok = perr == 0;
    if (!ok)
        snprintf(err, errlen, "writing source offsets: %s", rd_kafka_err2str(perr));
    else
        ok = txn_ok(rd_kafka_commit_transaction(r->rk, (int)(timeout > 0 ? timeout : 5000) + 25000),
                    "committing the transaction", err, errlen);
    if (!ok) rd_kafka_error_destroy(rd_kafka_abort_transaction(r->rk, 30000));
    r->in_txn = false;
    if (!ok) return false;
    json_object_clear(r->pending);
    if (r->plugin->ops.source.task.commit) r->plugin->ops.source.task.commit(r->inst);
    return true;
}

static bool producer_new(src_run_t *r, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = kc_rdk_conf(r->t->h->wcfg, "producer", r->t->cconfig, err, errlen);
    if (!conf) return false;
    char cid[400], e[256];
    snprintf(cid, sizeof cid, "connector-producer-%s-%d", r->t->cname, r->t->id);
    rd_kafka_conf_set(conf, "client.id", cid, e, sizeof e);
    rd_kafka_conf_set(conf, "enable.idempotence", "true", e, sizeof e);
    rd_kafka_conf_set(conf, "acks", "all", e, sizeof e);
    if (r->eos) {
        char tid[600];
        kc_eos_txn_id(r->t->h->wcfg, r->t->cname, r->t->id, tid, sizeof tid);
        rd_kafka_conf_set(conf, "transactional.id", tid, e, sizeof e);
    }
    rd_kafka_conf_set_opaque(conf, r);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    r->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen);
    return r->rk != NULL && (!r->eos || eos_init(r, err, errlen));
}

/* Converted headers: strings as they are, other values as StringConverter's text. */
static rd_kafka_headers_t *headers_of(const cd_record_t *rec)
{
    if (!rec->nheaders) return NULL;
    extern const kc_plugin_t kc_string_converter_plugin;
    rd_kafka_headers_t *hs = rd_kafka_headers_new(rec->nheaders);
    for (size_t i = 0; i < rec->nheaders; i++) {
        const cd_header_t *hd = &rec->headers[i];
        uint8_t *out = NULL;
        size_t len = 0;
        char e[64];
        if (hd->value)
            kc_string_converter_plugin.ops.converter.from_connect(NULL, NULL, hd->schema, hd->value,
                                                                  &out, &len, e, sizeof e);
        rd_kafka_header_add(hs, hd->key, -1, out, out ? (ssize_t)len : 0);
        free(out);
    }
    return hs;
}

/* Remember the record's source offset for the next flush. */
static void note_offset(src_run_t *r, const cd_record_t *rec)
{
    if (!rec->source_partition) return;
    char *text = kc_offset_key(r->t->cname, rec->source_partition);
    json_object_set(r->pending, text, rec->source_offset ? rec->source_offset : json_null());
    free(text);
}

/* Transform, convert and produce one polled record (taking it). false: the task fails. */
static bool send_one(src_run_t *r, cd_record_t *rec, char *err, size_t errlen)
{
    note_offset(r, rec); /* skipped or not, the source has moved past it */
    char e[1024] = "";
    if (kc_pipe_transform(&r->pipe, &rec, e, sizeof e) != KC_OK) {
        bool ok = kc_pipe_tolerate(&r->pipe, "TRANSFORMATION", rec->topic, -1, -1, e);
        if (!ok) snprintf(err, errlen, "Tolerance exceeded in error handler: %s", e);
        cd_record_free(rec);
        return ok;
    }
    if (!rec) return true; /* dropped by a transform */
    uint8_t *k = NULL, *v = NULL;
    size_t klen = 0, vlen = 0;
    const char *stage = "KEY_CONVERTER";
    int rc = r->pipe.kconv_p->ops.converter.from_connect(r->pipe.kconv, rec->topic, rec->key_schema,
                                                         rec->key, &k, &klen, e, sizeof e);
    if (rc == KC_OK) {
        stage = "VALUE_CONVERTER";
        rc = r->pipe.vconv_p->ops.converter.from_connect(
            r->pipe.vconv, rec->topic, rec->value_schema, rec->value, &v, &vlen, e, sizeof e);
    }
    if (rc != KC_OK) {
        bool ok = kc_pipe_tolerate(&r->pipe, stage, rec->topic, -1, -1, e);
        if (!ok) snprintf(err, errlen, "Tolerance exceeded in error handler: %s", e);
        free(k);
        free(v);
        cd_record_free(rec);
        return ok;
    }
    if (!r->last_topic || strcmp(r->last_topic, rec->topic) != 0) { /* KIP-558 */
        kc_task_topic(r->t, rec->topic);
        free(r->last_topic);
        r->last_topic = strdup(rec->topic);
    }
    bool keep = r->plugin->ops.source.task.commit_record != NULL;
    rd_kafka_resp_err_t perr;
    for (;;) {
        perr = rd_kafka_producev(
            r->rk, RD_KAFKA_V_TOPIC(rec->topic),
            RD_KAFKA_V_PARTITION(rec->partition >= 0 ? rec->partition : RD_KAFKA_PARTITION_UA),
            RD_KAFKA_V_KEY(k, klen), RD_KAFKA_V_VALUE(v, vlen),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
            RD_KAFKA_V_TIMESTAMP(rec->timestamp >= 0 ? rec->timestamp : 0),
            RD_KAFKA_V_HEADERS(headers_of(rec)), RD_KAFKA_V_OPAQUE(keep ? rec : NULL),
            RD_KAFKA_V_END);
        if (perr != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
        rd_kafka_poll(r->rk, 100); /* back-pressure: wait for deliveries */
    }
    free(k);
    if (perr) {
        free(v);
        snprintf(err, errlen, "producer: %s", rd_kafka_err2str(perr));
        if (keep) cd_record_free(rec);
    }
    if (!keep) cd_record_free(rec);
    return perr == 0;
}

/* Wait for every delivery, store the offsets, tell the task. false: the task fails. */
static bool flush_offsets(src_run_t *r, char *err, size_t errlen)
{
    int64_t timeout = kc_wcfg_int(r->t->h->wcfg, "offset.flush.timeout.ms");
    rd_kafka_resp_err_t fe = rd_kafka_flush(r->rk, (int)(timeout > 0 ? timeout : 5000));
    if (r->delivery_err[0]) {
        snprintf(err, errlen, "%s", r->delivery_err);
        return false;
    }
    if (fe) {
        log_warn("connect", "task %s-%d: offset flush timed out after %lld ms; will retry",
                 r->t->cname, r->t->id, (long long)timeout);
        return true; /* the offsets stay pending */
    }
    if (json_object_size(r->pending)) {
        kc_herder_t *h = r->t->h;
        if (h->backing->offsets_put(h, r->pending) != 0) {
            log_warn("connect", "task %s-%d: failed to flush offsets; will retry", r->t->cname,
                     r->t->id);
            return true;
        }
        json_object_clear(r->pending);
    }
    if (r->plugin->ops.source.task.commit) r->plugin->ops.source.task.commit(r->inst);
    return true;
}

static bool src_setup(src_run_t *r, char *err, size_t errlen)
{
    const char *cls = json_string_value(json_object_get(r->t->cconfig, "connector.class"));
    r->plugin = kc_plugin_find(KC_PLUGIN_SOURCE, cls);
    r->pending = json_object();
    kc_herder_t *h = r->t->h;
    r->eos = h->distributed && kc_wcfg_eos(h->wcfg);
    const json_t *cc = r->t->cconfig;
    const char *tb = kc_cfg_str(kc_source_defs, kc_nsource_defs, cc, "transaction.boundary");
    if (tb && strcasecmp(tb, "interval") == 0) {
        r->txn_interval = json_object_get(cc, "transaction.boundary.interval.ms")
                              ? kc_cfg_int(kc_source_defs, kc_nsource_defs, cc,
                                           "transaction.boundary.interval.ms")
                              : kc_wcfg_int(h->wcfg, "offset.flush.interval.ms");
        if (r->txn_interval <= 0) r->txn_interval = 1;
    }
    if (!r->plugin) {
        snprintf(err, errlen, "no source connector %s", cls ? cls : "null");
        return false;
    }
    if (kc_pipe_init(&r->pipe, r->t, err, errlen) != KC_OK || !producer_new(r, err, errlen))
        return false;
    r->ctx = (kc_source_ctx_t){r, r->t->cname, r->t->id, ctx_offset, ctx_stopping};
    r->inst = r->plugin->ops.source.task.start(r->t->config, &r->ctx, err, errlen);
    return r->inst != NULL;
}

/* Poll and send until stop; false with a reason when the task fails. */
static bool src_loop(src_run_t *r, char *err, size_t errlen)
{
    int64_t interval = kc_wcfg_int(r->t->h->wcfg, "offset.flush.interval.ms");
    int64_t next_flush = kc_now_ms() + interval;
    bool paused = false;
    kc_batch_t b = {0};
    bool ok = true;
    while (ok && !atomic_load(&r->t->stop)) {
        if (atomic_load(&r->t->paused) != paused) {
            paused = !paused;
            kc_task_report(r->t, paused ? KC_ST_PAUSED : KC_ST_RUNNING, NULL);
        }
        if (paused) {
            if (r->eos) ok = eos_commit(r, err, errlen);
            rd_kafka_poll(r->rk, 100);
            continue;
        }
        char e[1024] = "";
        int rc = r->plugin->ops.source.task.poll(r->inst, &b, e, sizeof e);
        if (r->eos && b.n) ok = eos_begin(r, err, errlen);
        size_t i = 0;
        for (; ok && i < b.n; i++) ok = send_one(r, b.recs[i], err, errlen);
        for (; i < b.n; i++) cd_record_free(b.recs[i]);
        b.n = 0;
        if (rc == KC_ERR) {
            snprintf(err, errlen, "task poll failed: %s", e[0] ? e : "(no reason)");
            ok = false;
        }
        rd_kafka_poll(r->rk, 0);
        if (ok && r->eos && (r->txn_interval <= 0 || kc_now_ms() >= next_flush)) {
            ok = eos_commit(r, err, errlen); /* transaction.boundary: poll or interval */
            next_flush = kc_now_ms() + r->txn_interval;
        } else if (ok && !r->eos && kc_now_ms() >= next_flush) {
            ok = flush_offsets(r, err, errlen);
            next_flush = kc_now_ms() + interval;
        }
    }
    free(b.recs);
    if (r->eos) return ok && eos_commit(r, err, errlen);
    return ok && flush_offsets(r, err, errlen);
}

static void source_body(void *arg)
{
    src_run_t r = {.t = arg};
    char err[2048] = "";
    bool ok = src_setup(&r, err, sizeof err);
    if (ok) {
        kc_task_report(r.t, KC_ST_RUNNING, NULL);
        ok = src_loop(&r, err, sizeof err);
    }
    if (!ok) {
        char *trace = kc_trace("org.apache.kafka.connect.errors.ConnectException", err, NULL);
        kc_task_report(r.t, KC_ST_FAILED, trace);
        free(trace);
    }
    if (r.inst) r.plugin->ops.source.task.stop(r.inst);
    if (r.rk && r.in_txn) rd_kafka_error_destroy(rd_kafka_abort_transaction(r.rk, 10000));
    if (r.rk) {
        rd_kafka_flush(r.rk, 2000);
        rd_kafka_destroy(r.rk);
    }
    kc_pipe_close(&r.pipe);
    json_decref(r.pending);
    free(r.last_topic);
    if (ok) kc_task_report(r.t, KC_ST_UNASSIGNED, NULL);
    atomic_store(&r.t->done, true);
}

void *kc_source_task_main(void *arg)
{
    return kc_task_thread(arg, source_body);
}
