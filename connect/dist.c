/* dist.c: distributed mode's backing store on the config, offsets and status topics, and the
 * reader thread that applies them to the herder (dist.h). */
#include "dist.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

enum { T_CONFIG, T_OFFSETS, T_STATUS, NTOPICS };

struct dist {
    kc_herder_t *h;
    rd_kafka_t *prod;
    rd_kafka_t *reader;
    pthread_t reader_thread, group_thread;
    bool group_started;
    atomic_bool stop;
    char topic[NTOPICS][256];
    int parts[NTOPICS];
    int64_t *pos[NTOPICS]; /* next offset the reader will see, per partition (h->lock) */
    pthread_mutex_t olock;
    json_t *offsets;       /* offset key text -> offset (olock) */
    json_t *pending_tasks; /* name -> object "n" -> properties, until commit-<name> */
    json_t *task_counts;   /* KIP-618 tasks-fencing-<name> records: name -> task-count (h->lock) */
    bool rejoin;
};

kc_herder_t *dist_herder(dist_t *d)
{
    return d->h;
}

bool dist_stopping(dist_t *d)
{
    return atomic_load(&d->stop);
}

bool dist_take_rejoin(dist_t *d)
{
    bool r = d->rejoin;
    d->rejoin = false;
    return r;
}

void dist_want_rejoin(dist_t *d)
{
    d->rejoin = true;
    pthread_cond_broadcast(&d->h->changed);
}

int64_t dist_config_offset(const dist_t *d)
{
    return d->pos[T_CONFIG][0];
}

/* --- producing --- */

typedef struct dr {
    atomic_int done; /* 0 pending, 1 ok, -1 failed */
    int64_t offset;
} dr_t;

static void on_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk, (void)opaque;
    dr_t *r = m->_private;
    if (!r) return;
    r->offset = m->offset;
    atomic_store(&r->done, m->err ? -1 : 1);
}

/* Produce key -> value (NULL: tombstone) and wait for its delivery. The offset or -1. */
static int64_t produce_sync(dist_t *d, int t, const char *key, const json_t *value)
{
    char *v = value ? json_dumps(value, JSON_COMPACT) : NULL;
    dr_t r = {0};
    rd_kafka_resp_err_t e = rd_kafka_producev(
        d->prod, RD_KAFKA_V_TOPIC(d->topic[t]),
        RD_KAFKA_V_PARTITION(t == T_CONFIG ? 0 : RD_KAFKA_PARTITION_UA),
        RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(v, v ? strlen(v) : 0),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&r), RD_KAFKA_V_END);
    free(v);
    if (e) {
        log_error("connect", "cannot write %s to %s: %s", key, d->topic[t], rd_kafka_err2str(e));
        return -1;
    }
    int64_t deadline = kc_now_ms() + 30000;
    while (atomic_load(&r.done) == 0 && kc_now_ms() < deadline) rd_kafka_poll(d->prod, 20);
    if (atomic_load(&r.done) != 1) {
        log_error("connect", "writing %s to %s failed or timed out", key, d->topic[t]);
        return -1;
    }
    return r.offset;
}

/* Wait (lock held) until the reader applied the config record at offset. */
static int wait_config(dist_t *d, int64_t offset)
{
    kc_herder_t *h = d->h;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 30;
    while (d->pos[T_CONFIG][0] <= offset)
        if (pthread_cond_timedwait(&h->changed, &h->lock, &dl) != 0) return -1;
    return 0;
}

static int d_put_config(kc_herder_t *h, const char *name, const json_t *config)
{
    dist_t *d = h->dist;
    char key[600];
    snprintf(key, sizeof key, "connector-%s", name);
    json_t *v = config ? json_pack("{sO}", "properties", config) : NULL;
    int64_t off = produce_sync(d, T_CONFIG, key, v);
    json_decref(v);
    if (off >= 0 && !config) {
        snprintf(key, sizeof key, "target-state-%s", name);
        off = produce_sync(d, T_CONFIG, key, NULL);
    }
    return off < 0 ? -1 : wait_config(d, off);
}

static int d_put_target(kc_herder_t *h, const char *name, kc_target_t t)
{
    dist_t *d = h->dist;
    char key[600];
    snprintf(key, sizeof key, "target-state-%s", name);
    /* Kafka 3.5+: "state" stays readable by older workers (STOPPED shows as PAUSED there) */
    json_t *v = json_pack("{ssss}", "state", t == KC_TARGET_STARTED ? "STARTED" : "PAUSED",
                          "state.v2", kc_target_name(t));
    int64_t off = produce_sync(d, T_CONFIG, key, v);
    json_decref(v);
    return off < 0 ? -1 : wait_config(d, off);
}

/* KIP-618 zombie fencing for a new task generation of a source connector: the transactional
 * ids of the previous generation's tasks that the new one does not have (ids from the new task
 * count up to the previous one; the new tasks fence their own ids when they initialize their
 * producers) are fenced with InitProducerId, which aborts what they left open and bumps the
 * epoch; then the new generation's size is recorded as Kafka's tasks-fencing-<name> ->
 * {"task-count":N}. Sink connectors are never fenced. The offset, or -1. Lock held. */
static int64_t fence_generation(dist_t *d, const char *name, size_t count)
{
    kc_herder_t *h = d->h;
    const char *cls =
        json_string_value(json_object_get(json_object_get(h->configs, name), "connector.class"));
    if (!kc_plugin_find(KC_PLUGIN_SOURCE, cls)) return 0;
    json_int_t prev = json_integer_value(json_object_get(d->task_counts, name));
    for (json_int_t id = (json_int_t)count; id < prev; id++) {
        char err[512];
        if (kc_eos_fence(h->wcfg, name, (int)id, err, sizeof err) != 0) {
            log_error("connect", "zombie fencing of %s-%d failed: %s", name, (int)id, err);
            return -1;
        }
    }
    char key[600];
    snprintf(key, sizeof key, "tasks-fencing-%s", name);
    json_t *v = json_pack("{si}", "task-count", (int)count);
    int64_t off = produce_sync(d, T_CONFIG, key, v);
    json_decref(v);
    /* fenced now: this worker's tasks of the generation may start before the record is read */
    if (off >= 0) json_object_set_new(d->task_counts, name, json_integer((json_int_t)count));
    return off;
}

/* Not waited for: the reader thread itself may be the caller (reconcile after a read). */
static int d_put_tasks(kc_herder_t *h, const char *name, const json_t *tasks)
{
    dist_t *d = h->dist;
    char key[600];
    size_t i;
    json_t *tc;
    json_array_foreach(tasks, i, tc)
    {
        snprintf(key, sizeof key, "task-%s-%zu", name, i);
        json_t *v = json_pack("{sO}", "properties", tc);
        int64_t off = produce_sync(d, T_CONFIG, key, v);
        json_decref(v);
        if (off < 0) return -1;
    }
    snprintf(key, sizeof key, "commit-%s", name);
    json_t *v = json_pack("{si}", "tasks", (int)json_array_size(tasks));
    int64_t off = produce_sync(d, T_CONFIG, key, v);
    json_decref(v);
    if (off >= 0 && kc_wcfg_eos(h->wcfg)) off = fence_generation(d, name, json_array_size(tasks));
    return off < 0 ? -1 : 0;
}

static int d_put_restart(kc_herder_t *h, const char *name, bool include_tasks, bool only_failed)
{
    char key[600];
    snprintf(key, sizeof key, "restart-connector-%s", name);
    json_t *v = json_pack("{sbsb}", "include-tasks", include_tasks, "only-failed", only_failed);
    int64_t off = produce_sync(h->dist, T_CONFIG, key, v);
    json_decref(v);
    return off < 0 ? -1 : 0;
}

static void d_put_status(kc_herder_t *h, const char *key, const json_t *status)
{
    dist_t *d = h->dist;
    char *v = status ? json_dumps(status, JSON_COMPACT) : NULL; /* NULL: a tombstone */
    rd_kafka_producev(d->prod, RD_KAFKA_V_TOPIC(d->topic[T_STATUS]),
                      RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(v, v ? strlen(v) : 0),
                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    free(v);
    rd_kafka_poll(d->prod, 0);
}

static json_t *d_offset_get(kc_herder_t *h, const char *connector, const json_t *partition)
{
    dist_t *d = h->dist;
    char *key = kc_offset_key(connector, partition);
    pthread_mutex_lock(&d->olock);
    json_t *v = json_object_get(d->offsets, key);
    json_t *out = json_is_object(v) ? json_deep_copy(v) : NULL;
    pthread_mutex_unlock(&d->olock);
    free(key);
    return out;
}

static int d_offsets_put(kc_herder_t *h, const json_t *entries)
{
    dist_t *d = h->dist;
    const char *k;
    json_t *v;
    int rc = 0;
    json_object_foreach((json_t *)entries, k, v)
    {
        if (produce_sync(d, T_OFFSETS, k, json_is_null(v) ? NULL : v) < 0) rc = -1;
        pthread_mutex_lock(&d->olock);
        json_object_set(d->offsets, k, v);
        pthread_mutex_unlock(&d->olock);
    }
    return rc;
}

static json_t *d_offsets_of(kc_herder_t *h, const char *connector)
{
    dist_t *d = h->dist;
    pthread_mutex_lock(&d->olock);
    json_t *out = kc_offsets_filter(d->offsets, connector);
    pthread_mutex_unlock(&d->olock);
    return out;
}

static bool sync_topics(dist_t *d, int first, int last, int timeout_ms);

static int d_fence(kc_herder_t *h, const char *name)
{
    dist_t *d = h->dist;
    size_t count = json_array_size(json_object_get(h->task_configs, name));
    json_t *rec = json_object_get(d->task_counts, name);
    if (rec && (size_t)json_integer_value(rec) == count) return 0; /* already fenced */
    return fence_generation(d, name, count) < 0 ? -1 : 0;
}

static bool d_offsets_sync(kc_herder_t *h, int timeout_ms)
{
    return sync_topics(h->dist, T_OFFSETS, T_OFFSETS, timeout_ms);
}

static const kc_backing_t dist_backing = {
    .put_config = d_put_config,
    .put_target = d_put_target,
    .put_task_configs = d_put_tasks,
    .put_restart = d_put_restart,
    .put_status = d_put_status,
    .offset_get = d_offset_get,
    .offsets_put = d_offsets_put,
    .offsets_of = d_offsets_of,
    .offsets_sync = d_offsets_sync,
    .fence = d_fence,
};

/* --- reading --- */

/* "task-<name>-<n>": name and n (false when malformed). */
static bool split_task_key(const char *rest, char *name, size_t n, int *id)
{
    const char *dash = strrchr(rest, '-');
    if (!dash || dash == rest || (size_t)(dash - rest) >= n) return false;
    memcpy(name, rest, (size_t)(dash - rest));
    name[dash - rest] = '\0';
    char *end;
    long v = strtol(dash + 1, &end, 10);
    *id = (int)v;
    return *end == '\0' && v >= 0;
}

static void apply_commit(dist_t *d, const char *name, const json_t *value)
{
    kc_herder_t *h = d->h;
    int n = (int)json_integer_value(json_object_get(value, "tasks"));
    json_t *pend = json_object_get(d->pending_tasks, name);
    json_t *tasks = json_array();
    for (int i = 0; i < n; i++) {
        char idx[16];
        snprintf(idx, sizeof idx, "%d", i);
        json_t *tc = json_object_get(pend, idx);
        if (!tc) { /* an incomplete set: Kafka ignores it too */
            json_decref(tasks);
            return;
        }
        json_array_append(tasks, tc);
    }
    size_t before = json_array_size(json_object_get(h->task_configs, name));
    kc_herder_apply_tasks(h, name, tasks);
    json_decref(tasks);
    json_object_del(d->pending_tasks, name);
    if (before != (size_t)n) dist_want_rejoin(d);
}

/* One config record. Lock held. */
static void apply_config_record(dist_t *d, const char *key, const json_t *value)
{
    kc_herder_t *h = d->h;
    char name[512];
    int id;
    if (strncmp(key, "connector-", 10) == 0) {
        bool existed = json_object_get(h->configs, key + 10) != NULL;
        const json_t *props = json_object_get(value, "properties");
        kc_herder_apply_config(h, key + 10, props);
        if (existed != (props != NULL)) dist_want_rejoin(d);
    } else if (strncmp(key, "task-", 5) == 0 && split_task_key(key + 5, name, sizeof name, &id)) {
        json_t *pend = json_object_get(d->pending_tasks, name);
        if (!pend) json_object_set_new(d->pending_tasks, name, pend = json_object());
        char idx[16];
        snprintf(idx, sizeof idx, "%d", id);
        json_object_set(pend, idx, json_object_get(value, "properties"));
    } else if (strncmp(key, "tasks-fencing-", 14) == 0) {
        json_t *n = json_object_get(value, "task-count");
        if (json_is_integer(n))
            json_object_set(d->task_counts, key + 14, n);
        else
            json_object_del(d->task_counts, key + 14);
    } else if (strncmp(key, "commit-", 7) == 0 && value) {
        apply_commit(d, key + 7, value);
    } else if (strncmp(key, "restart-connector-", 18) == 0 && value && !h->rebalancing) {
        kc_herder_restart(h, key + 18, json_is_true(json_object_get(value, "include-tasks")),
                          json_is_true(json_object_get(value, "only-failed")));
    } else if (strncmp(key, "target-state-", 13) == 0 && value) {
        const char *s = json_string_value(json_object_get(value, "state.v2"));
        if (!s) s = json_string_value(json_object_get(value, "state"));
        kc_herder_apply_target(h, key + 13,
                               s && strcmp(s, "PAUSED") == 0    ? KC_TARGET_PAUSED
                               : s && strcmp(s, "STOPPED") == 0 ? KC_TARGET_STOPPED
                                                                : KC_TARGET_STARTED);
    }
}

static void apply_message(dist_t *d, const rd_kafka_message_t *m)
{
    const char *tname = rd_kafka_topic_name(m->rkt);
    int t = strcmp(tname, d->topic[T_CONFIG]) == 0    ? T_CONFIG
            : strcmp(tname, d->topic[T_OFFSETS]) == 0 ? T_OFFSETS
                                                      : T_STATUS;
    char key[1024];
    size_t kl = m->key_len < sizeof key - 1 ? m->key_len : sizeof key - 1;
    memcpy(key, m->key ? m->key : "", m->key ? kl : 0);
    key[m->key ? kl : 0] = '\0';
    json_t *value = m->payload ? json_loadb(m->payload, m->len, 0, NULL) : NULL;
    kc_herder_t *h = d->h;
    if (t == T_OFFSETS) {
        pthread_mutex_lock(&d->olock);
        if (value)
            json_object_set(d->offsets, key, value);
        else
            json_object_del(d->offsets, key);
        pthread_mutex_unlock(&d->olock);
    }
    pthread_mutex_lock(&h->lock);
    if (t == T_CONFIG)
        apply_config_record(d, key, value);
    else if (t == T_STATUS && value)
        json_object_set(h->status, key, value);
    else if (t == T_STATUS)
        json_object_del(h->status, key);
    if (m->partition < d->parts[t]) d->pos[t][m->partition] = m->offset + 1;
    if (t == T_CONFIG && !h->rebalancing) kc_herder_reconcile(h);
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
    json_decref(value);
}

/* The end of a partition: under read_committed the records before it may end in transaction
 * markers, which are never delivered, so the position is the EOF's offset, not the last
 * record's + 1 (dist_sync compares it with the high watermark). */
static void apply_eof(dist_t *d, const rd_kafka_message_t *m)
{
    const char *tname = rd_kafka_topic_name(m->rkt);
    kc_herder_t *h = d->h;
    pthread_mutex_lock(&h->lock);
    for (int t = 0; t < NTOPICS; t++)
        if (strcmp(tname, d->topic[t]) == 0 && m->partition < d->parts[t] &&
            d->pos[t][m->partition] < m->offset) {
            d->pos[t][m->partition] = m->offset;
            pthread_cond_broadcast(&h->changed);
        }
    pthread_mutex_unlock(&h->lock);
}

static void *reader_main(void *arg)
{
    dist_t *d = arg;
    while (!atomic_load(&d->stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(d->reader, 200);
        if (!m) continue;
        if (!m->err)
            apply_message(d, m);
        else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            apply_eof(d, m);
        else
            log_warn("connect", "internal topics reader: %s", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

/* Wait until the reader is at the high watermarks (queried now) of topics first..last. */
static bool sync_topics(dist_t *d, int first, int last, int timeout_ms)
{
    int64_t *hw[NTOPICS] = {0};
    for (int t = first; t <= last; t++) {
        hw[t] = calloc((size_t)d->parts[t], sizeof(int64_t));
        for (int p = 0; p < d->parts[t]; p++) {
            int64_t lo = 0, hi = 0;
            if (rd_kafka_query_watermark_offsets(d->reader, d->topic[t], p, &lo, &hi, 5000) == 0)
                hw[t][p] = hi;
        }
    }
    int64_t deadline = kc_now_ms() + timeout_ms;
    bool ok = false;
    pthread_mutex_lock(&d->h->lock);
    while (!ok && kc_now_ms() < deadline) {
        ok = true;
        for (int t = first; t <= last && ok; t++)
            for (int p = 0; p < d->parts[t] && ok; p++) ok = d->pos[t][p] >= hw[t][p];
        if (!ok) {
            struct timespec dl;
            clock_gettime(CLOCK_REALTIME, &dl);
            dl.tv_nsec += 50 * 1000000;
            if (dl.tv_nsec >= 1000000000) {
                dl.tv_sec++;
                dl.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&d->h->changed, &d->h->lock, &dl);
        }
    }
    pthread_mutex_unlock(&d->h->lock);
    for (int t = first; t <= last; t++) free(hw[t]);
    return ok;
}

bool dist_sync(dist_t *d, int timeout_ms)
{
    return sync_topics(d, 0, NTOPICS - 1, timeout_ms);
}

/* --- start-up --- */

/* Create the internal topics (compacted) when missing. */
static bool create_topics(dist_t *d, char *err, size_t errlen)
{
    static const char *const keys[NTOPICS][2] = {
        {"config.storage.replication.factor", NULL},
        {"offset.storage.replication.factor", "offset.storage.partitions"},
        {"status.storage.replication.factor", "status.storage.partitions"},
    };
    rd_kafka_NewTopic_t *nt[NTOPICS];
    for (int t = 0; t < NTOPICS; t++) {
        int rf = (int)kc_wcfg_int(d->h->wcfg, keys[t][0]);
        int np = keys[t][1] ? (int)kc_wcfg_int(d->h->wcfg, keys[t][1]) : 1;
        char e[256];
        nt[t] = rd_kafka_NewTopic_new(d->topic[t], np, rf, e, sizeof e);
        if (!nt[t]) {
            snprintf(err, errlen, "topic %s: %s", d->topic[t], e);
            return false;
        }
        rd_kafka_NewTopic_set_config(nt[t], "cleanup.policy", "compact");
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(d->prod);
    rd_kafka_CreateTopics(d->prod, nt, NTOPICS, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    bool ok = ev != NULL;
    if (!ev) snprintf(err, errlen, "creating the internal topics timed out");
    const rd_kafka_CreateTopics_result_t *res = ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
    size_t n = 0;
    const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
    for (size_t i = 0; ok && i < n; i++) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[i]);
        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            snprintf(err, errlen, "cannot create topic %s: %s", rd_kafka_topic_result_name(tr[i]),
                     rd_kafka_topic_result_error_string(tr[i]));
            ok = false;
        }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    for (int t = 0; t < NTOPICS; t++) rd_kafka_NewTopic_destroy(nt[t]);
    return ok;
}

/* create_topics until it succeeds or 60 s pass: a worker started with (or just before) its
 * brokers sees errors that go away once they have their ZooKeeper sessions and their peers
 * (not enough live brokers for the replication factor, no controller yet), and under
 * `docker-compose restart` nothing orders the services. The last error is kept. */
static bool create_topics_retrying(dist_t *d, char *err, size_t errlen)
{
    int64_t deadline = kc_now_ms() + 60000;
    for (;;) {
        if (create_topics(d, err, errlen)) return true;
        if (kc_now_ms() >= deadline) return false;
        log_warn("connect", "%s; retrying", err);
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
}

/* Partition counts from metadata (the topics may have existed with other counts). */
static bool learn_partitions(dist_t *d, char *err, size_t errlen)
{
    for (int t = 0; t < NTOPICS; t++) {
        int64_t deadline = kc_now_ms() + 30000;
        d->parts[t] = 0;
        while (d->parts[t] == 0 && kc_now_ms() < deadline) {
            rd_kafka_topic_t *rkt = rd_kafka_topic_new(d->prod, d->topic[t], NULL);
            const struct rd_kafka_metadata *md = NULL;
            if (rd_kafka_metadata(d->prod, 0, rkt, &md, 5000) == 0 && md->topic_cnt == 1 &&
                !md->topics[0].err)
                d->parts[t] = md->topics[0].partition_cnt;
            if (md) rd_kafka_metadata_destroy(md);
            rd_kafka_topic_destroy(rkt);
        }
        if (d->parts[t] == 0) {
            snprintf(err, errlen, "no metadata for topic %s", d->topic[t]);
            return false;
        }
        d->pos[t] = calloc((size_t)d->parts[t], sizeof(int64_t));
    }
    return true;
}

static bool reader_new(dist_t *d, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = kc_rdk_conf(d->h->wcfg, "consumer", NULL, err, errlen);
    if (!conf) return false;
    char e[256], gid[300];
    snprintf(gid, sizeof gid, "%s-internal-reader", kc_wcfg_str(d->h->wcfg, "group.id"));
    rd_kafka_conf_set(conf, "group.id", gid, e, sizeof e); /* never joined: assign() only */
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", e, sizeof e);
    rd_kafka_conf_set(conf, "fetch.wait.max.ms", "50", e, sizeof e);
    rd_kafka_conf_set(conf, "enable.partition.eof", "true", e, sizeof e);
    /* KIP-618: source offsets are written in the tasks' transactions; only committed ones
     * count (Kafka's KafkaOffsetBackingStore and KafkaConfigBackingStore read so too) */
    if (kc_wcfg_eos(d->h->wcfg))
        rd_kafka_conf_set(conf, "isolation.level", "read_committed", e, sizeof e);
    d->reader = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
    if (!d->reader) return false;
    rd_kafka_poll_set_consumer(d->reader);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(64);
    for (int t = 0; t < NTOPICS; t++)
        for (int p = 0; p < d->parts[t]; p++)
            rd_kafka_topic_partition_list_add(l, d->topic[t], p)->offset =
                RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t ae = rd_kafka_assign(d->reader, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (ae) {
        snprintf(err, errlen, "assign: %s", rd_kafka_err2str(ae));
        return false;
    }
    return pthread_create(&d->reader_thread, NULL, reader_main, d) == 0;
}

dist_t *dist_start(kc_herder_t *h, char *err, size_t errlen)
{
    dist_t *d = calloc(1, sizeof *d);
    d->h = h;
    h->dist = d;
    h->backing = &dist_backing;
    pthread_mutex_init(&d->olock, NULL);
    d->offsets = json_object();
    d->pending_tasks = json_object();
    d->task_counts = json_object();
    snprintf(d->topic[T_CONFIG], 256, "%s", kc_wcfg_str(h->wcfg, "config.storage.topic"));
    snprintf(d->topic[T_OFFSETS], 256, "%s", kc_wcfg_str(h->wcfg, "offset.storage.topic"));
    snprintf(d->topic[T_STATUS], 256, "%s", kc_wcfg_str(h->wcfg, "status.storage.topic"));
    rd_kafka_conf_t *conf = kc_rdk_conf(h->wcfg, "producer", NULL, err, errlen);
    if (!conf) return NULL;
    char e[256];
    rd_kafka_conf_set(conf, "enable.idempotence", "true", e, sizeof e);
    rd_kafka_conf_set(conf, "linger.ms", "0", e, sizeof e);
    rd_kafka_conf_set_dr_msg_cb(conf, on_dr);
    d->prod = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen);
    if (!d->prod || !create_topics_retrying(d, err, errlen) || !learn_partitions(d, err, errlen) ||
        !reader_new(d, err, errlen))
        return NULL;
    if (!dist_sync(d, 60000)) {
        snprintf(err, errlen, "could not read the internal topics to their end in 60 s");
        return NULL;
    }
    return d;
}

void dist_stop(dist_t *d)
{
    if (!d) return;
    atomic_store(&d->stop, true);
    pthread_cond_broadcast(&d->h->changed);
    if (d->group_started) pthread_join(d->group_thread, NULL);
    pthread_mutex_lock(&d->h->lock);
    kc_herder_stop_all(d->h);
    pthread_mutex_unlock(&d->h->lock);
    pthread_join(d->reader_thread, NULL);
    rd_kafka_consumer_close(d->reader);
    rd_kafka_destroy(d->reader);
    rd_kafka_flush(d->prod, 5000);
    rd_kafka_destroy(d->prod);
}

/* dist_group.c owns the thread body. */
void *dist_group_main(void *arg);

int dist_group_start(dist_t *d, char *err, size_t errlen)
{
    if (pthread_create(&d->group_thread, NULL, dist_group_main, d) != 0) {
        snprintf(err, errlen, "cannot start the group thread");
        return -1;
    }
    d->group_started = true;
    return 0;
}
