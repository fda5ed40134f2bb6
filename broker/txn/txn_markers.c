/* txn_markers.c: the transaction marker channel (Kafka's TransactionMarkerChannelManager).
 * Once PrepareCommit/PrepareAbort is durable, every partition of the transaction gets a
 * COMMIT/ABORT marker: one WriteTxnMarkers (v1, flexible; kp_writetxnmarkers.h) per leader, over
 * one connection per broker (its inter-broker listener, this broker included). Partitions that
 * answer NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, a timeout or a transport error are
 * retried against the leader the metadata cache names then; a deleted topic, or a partition
 * that does not support the format, counts as done (Kafka: its producer could not have
 * written there). When all are done the Complete* state is written (txn_complete).
 * A marker send belongs to its transaction; in-flight requests find it again by id and serial,
 * so a send stopped (unload, shutdown) meanwhile is simply not resumed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "log.h"
#include "mdcache.h"
#include "peer.h"
#include "proto/kp.h"
#include "proto/kp_writetxnmarkers.h"
#include "txn_int.h"

#define TXN_MARKER_VERSION  1
#define TXN_MARKER_RETRY_MS 100

struct txn_mk {
    uint64_t serial;
    int64_t pid;
    int16_t epoch;
    bool commit;
    int32_t coord_epoch;
    int ntps;
    txn_tp_t *tps; /* a copy of the transaction's partitions */
    bool *done;
    int inflight; /* requests out */
    ev_timer_id_t retry;
};

/* One request to one broker: which of the send's partitions it carries. */
typedef struct txn_mk_req {
    txn_coord_t *tc;
    char *id;
    uint64_t serial;
    int32_t broker;
    int n;
    int *idx;
} txn_mk_req_t;

static uint64_t txn_mk_serial;

static void txn_mk_free(txn_coord_t *tc, txn_mk_t *mk)
{
    if (mk->retry) ev_timer_cancel(tc->loop, mk->retry);
    for (int i = 0; i < mk->ntps; i++) free(mk->tps[i].topic);
    free(mk->tps);
    free(mk->done);
    free(mk);
}

void txn_markers_stop(txn_t *t)
{
    if (!t->markers) return;
    txn_mk_free(t->tc, t->markers);
    t->markers = NULL;
}

bool txn_markers_done(const txn_t *t, int i)
{
    const txn_mk_t *mk = t->markers;
    return mk && i >= 0 && i < mk->ntps && mk->done[i];
}

void txn_markers_close(txn_coord_t *tc)
{
    size_t it = 0;
    void *v;
    while (dict_next(tc->peers, &it, NULL, &v)) peer_free(v);
    dict_free(tc->peers, NULL);
    tc->peers = dict_new();
}

/* The connection to broker id, at its inter-broker endpoint; NULL when unknown. */
static peer_t *txn_peer(txn_coord_t *tc, int32_t id)
{
    const md_broker_t *b = mdcache_broker(tc->d.md, id);
    const md_endpoint_t *e = b ? md_broker_endpoint(b, tc->d.inter_broker_listener) : NULL;
    if (!e && b && b->nendpoints > 0) e = &b->ep[0];
    if (!e) return NULL;
    char key[16];
    snprintf(key, sizeof(key), "%d", id);
    peer_t *p = dict_get(tc->peers, key);
    if (p) {
        if (!peer_addr_is(p, e->host, e->port)) peer_set_addr(p, e->host, e->port);
        return p;
    }
    char name[32], cid[48];
    snprintf(name, sizeof(name), "broker %d", id);
    snprintf(cid, sizeof(cid), "broker-%d-txn-markers", tc->d.broker_id);
    p = peer_new(tc->loop, name, cid, e->host, e->port, 16u << 20);
    dict_set(tc->peers, key, p);
    return p;
}

/* WriteTxnMarkers v1 body for the partitions idx[0..n) of mk (one marker, topics grouped). */
static void txn_mk_encode(const txn_mk_t *mk, const int *idx, int n, wbuf_t *wb)
{
    arena_t a;
    arena_init(&a);
    kp_wtm_marker_t m = {.producer_id = mk->pid,
                         .producer_epoch = mk->epoch,
                         .commit = mk->commit,
                         .coordinator_epoch = mk->coord_epoch};
    m.topics = arena_calloc(&a, (size_t)n, sizeof(*m.topics));
    for (int i = 0; i < n; i++) {
        const txn_tp_t *tp = &mk->tps[idx[i]];
        kp_wtm_topic_t *t = NULL;
        for (int32_t j = 0; j < m.ntopics && !t; j++)
            if (kstr_eq(m.topics[j].name, tp->topic)) t = &m.topics[j];
        if (!t) {
            t = &m.topics[m.ntopics++];
            t->name = KSTR(tp->topic);
            t->parts = arena_calloc(&a, (size_t)n, sizeof(int32_t));
        }
        t->parts[t->nparts++] = tp->partition;
    }
    kp_wtm_req_t req = {.nmarkers = 1, .markers = &m};
    kp_wtm_req_encode(wb, TXN_MARKER_VERSION, &req);
    arena_free(&a);
}

static void txn_mk_round(txn_t *t);

static void txn_mk_retry_cb(ev_loop_t *loop, void *arg)
{
    (void)loop;
    txn_t *t = arg; /* the timer is cancelled when the send stops, so t is alive */
    t->markers->retry = 0;
    txn_mk_round(t);
}

/* A request finished: when none is out, retry what is left or complete the transaction. */
static void txn_mk_settle(txn_t *t)
{
    txn_mk_t *mk = t->markers;
    if (mk->inflight > 0) return;
    for (int i = 0; i < mk->ntps; i++)
        if (!mk->done[i]) {
            if (!mk->retry)
                mk->retry = ev_timer_add(t->tc->loop, TXN_MARKER_RETRY_MS, txn_mk_retry_cb, t);
            return;
        }
    log_info("txn", "markers %s written for %s (producer id %lld epoch %d, %d partitions)",
             mk->commit ? "COMMIT" : "ABORT", t->id, (long long)mk->pid, mk->epoch, mk->ntps);
    txn_complete(t);
}

/* One partition's answer. Returns false when the whole send must stop (fenced). */
static bool txn_mk_part_result(txn_t *t, int i, kerr_t err)
{
    txn_mk_t *mk = t->markers;
    const char *topic = mk->tps[i].topic;
    switch (err) {
    case KERR_NONE:
    case KERR_UNSUPPORTED_FOR_MESSAGE_FORMAT:
    case KERR_UNSUPPORTED_VERSION:
        mk->done[i] = true;
        return true;
    case KERR_UNKNOWN_TOPIC_OR_PARTITION:
        if (!mdcache_topic(t->tc->d.md, topic)) mk->done[i] = true; /* deleted */
        return true;
    case KERR_INVALID_PRODUCER_EPOCH:
    case KERR_PRODUCER_FENCED:
    case KERR_TRANSACTION_COORDINATOR_FENCED:
        log_warn("txn", "markers for %s stopped: %s-%d answered %s", t->id, topic,
                 mk->tps[i].partition, kerr_name(err));
        return false;
    default:
        log_debug("txn", "marker for %s on %s-%d: %s, retrying", t->id, topic, mk->tps[i].partition,
                  kerr_name(err));
        return true;
    }
}

/* Apply a WriteTxnMarkers v1 response body; false when the send must stop. */
static bool txn_mk_decode(txn_t *t, txn_mk_req_t *rq, rbuf_t *body)
{
    arena_t a;
    arena_init(&a);
    kp_wtm_resp_t resp;
    bool go_on = true;
    if (kp_wtm_resp_decode(body, TXN_MARKER_VERSION, &a, &resp) != KERR_NONE) {
        log_warn("txn", "malformed WriteTxnMarkers response from broker %d", rq->broker);
        arena_free(&a);
        return true; /* retried */
    }
    for (int32_t m = 0; m < resp.nmarkers; m++)
        for (int32_t k = 0; k < resp.markers[m].ntopics; k++) {
            const kp_wtm_topic_resp_t *rt = &resp.markers[m].topics[k];
            for (int32_t j = 0; j < rt->nparts; j++)
                for (int x = 0; x < rq->n; x++) {
                    txn_tp_t *tp = &t->markers->tps[rq->idx[x]];
                    if (tp->partition == rt->parts[j].index && kstr_eq(rt->name, tp->topic) &&
                        !txn_mk_part_result(t, rq->idx[x], (kerr_t)rt->parts[j].error_code))
                        go_on = false;
                }
        }
    arena_free(&a);
    return go_on;
}

static void txn_mk_answered(void *arg, kerr_t err, rbuf_t *body)
{
    txn_mk_req_t *rq = arg;
    txn_t *t = txn_get(rq->tc, rq->id);
    if (t && t->markers && t->markers->serial == rq->serial) {
        t->markers->inflight--;
        bool go_on = true;
        if (!err)
            go_on = txn_mk_decode(t, rq, body);
        else
            log_debug("txn", "WriteTxnMarkers to broker %d for %s: %s", rq->broker, t->id,
                      kerr_name(err));
        if (go_on)
            txn_mk_settle(t);
        else
            txn_markers_stop(t);
    }
    free(rq->id);
    free(rq->idx);
    free(rq);
}

/* Send one request to broker for the partitions idx[0..n) of t's send. */
static void txn_mk_send(txn_t *t, int32_t broker, int *idx, int n)
{
    txn_mk_t *mk = t->markers;
    peer_t *p = txn_peer(t->tc, broker);
    if (!p) {
        free(idx);
        return;
    }
    txn_mk_req_t *rq = calloc(1, sizeof(*rq));
    if (!rq) abort();
    rq->tc = t->tc;
    rq->id = strdup(t->id);
    if (!rq->id) abort();
    rq->serial = mk->serial;
    rq->broker = broker;
    rq->n = n;
    rq->idx = idx;
    wbuf_t wb;
    wbuf_init(&wb);
    txn_mk_encode(mk, idx, n, &wb);
    mk->inflight++;
    peer_request(p, KAPI_WRITE_TXN_MARKERS, TXN_MARKER_VERSION, true, &wb, t->tc->append_timeout_ms,
                 txn_mk_answered, rq);
    wbuf_free(&wb);
}

/* One round: the partitions still without a marker, grouped by their current leader. */
static void txn_mk_round(txn_t *t)
{
    txn_mk_t *mk = t->markers;
    const mdcache_t *md = t->tc->d.md;
    int32_t *leader = calloc((size_t)mk->ntps + 1, sizeof(*leader));
    if (!leader) abort();
    for (int i = 0; i < mk->ntps; i++) {
        leader[i] = -1;
        if (mk->done[i]) continue;
        const md_part_t *mp = mdcache_part(md, mk->tps[i].topic, mk->tps[i].partition);
        if (mp)
            leader[i] = mp->leader;
        else if (!mdcache_topic(md, mk->tps[i].topic))
            mk->done[i] = true; /* deleted */
    }
    mk->inflight++; /* hold the settle until every request is queued */
    for (int i = 0; i < mk->ntps; i++) {
        if (mk->done[i] || leader[i] < 0) continue;
        int32_t b = leader[i];
        int *idx = calloc((size_t)mk->ntps, sizeof(int));
        if (!idx) abort();
        int n = 0;
        for (int j = i; j < mk->ntps; j++)
            if (!mk->done[j] && leader[j] == b) {
                idx[n++] = j;
                leader[j] = -1;
            }
        txn_mk_send(t, b, idx, n);
    }
    free(leader);
    mk->inflight--;
    txn_mk_settle(t);
}

void txn_markers_start(txn_t *t)
{
    txn_markers_stop(t);
    txn_mk_t *mk = calloc(1, sizeof(*mk));
    if (!mk) abort();
    mk->serial = ++txn_mk_serial;
    mk->pid = t->m.producer_id;
    mk->epoch = t->m.producer_epoch;
    mk->commit = t->m.state == TXN_PREPARE_COMMIT;
    mk->coord_epoch = txn_coord_epoch(t);
    mk->ntps = t->m.ntps;
    mk->tps = calloc((size_t)mk->ntps + 1, sizeof(*mk->tps));
    mk->done = calloc((size_t)mk->ntps + 1, sizeof(*mk->done));
    if (!mk->tps || !mk->done) abort();
    for (int i = 0; i < mk->ntps; i++) {
        mk->tps[i].topic = strdup(t->m.tps[i].topic);
        if (!mk->tps[i].topic) abort();
        mk->tps[i].partition = t->m.tps[i].partition;
    }
    t->markers = mk;
    txn_mk_round(t);
}
