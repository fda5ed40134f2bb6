/* ctl_send.c: the controller's requests to brokers (Kafka's ControllerBrokerRequestBatch).
 *
 * An event collects what it decided in a ctl_batch_t; ctl_batch_send() turns it into
 * LeaderAndIsr (per broker: the partitions it hosts, with their current state and the
 * endpoints of their leaders), one full UpdateMetadata snapshot for every live broker, and
 * StopReplica (per broker). This broker's own share is delivered as ctl_msg_t on the reactor;
 * the others are encoded (common/proto/kp_ctl.h) and handed to the controller channels
 * (chan.h). Both paths carry the controller epoch and the target's broker epoch, so a broker
 * applies the same checks to either. ctl thread only. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "chan.h"
#include "ctl_int.h"
#include "log.h"
#include "proto/kp_ctl.h"

void ctl_batch_init(ctl_batch_t *b)
{
    memset(b, 0, sizeof(*b));
}

void ctl_batch_clear(ctl_batch_t *b)
{
    for (int i = 0; i < b->ndests; i++) {
        for (int j = 0; j < b->dests[i].nstop; j++) free(b->dests[i].stop[j].topic);
        free(b->dests[i].lai);
        free(b->dests[i].stop);
    }
    free(b->dests);
    ctl_batch_init(b);
}

static ctl_batch_dest_t *ctl_batch_dest(ctl_batch_t *b, int32_t broker)
{
    for (int i = 0; i < b->ndests; i++)
        if (b->dests[i].broker == broker) return &b->dests[i];
    if (b->ndests == b->capdests) {
        b->capdests = b->capdests ? b->capdests * 2 : 4;
        b->dests = realloc(b->dests, (size_t)b->capdests * sizeof(*b->dests));
        if (!b->dests) abort();
    }
    ctl_batch_dest_t *d = &b->dests[b->ndests++];
    memset(d, 0, sizeof(*d));
    d->broker = broker;
    return d;
}

static ctl_batch_tp_t *ctl_batch_push(ctl_batch_tp_t **arr, int *n, int *cap)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *arr = realloc(*arr, (size_t)*cap * sizeof(**arr));
        if (!*arr) abort();
    }
    ctl_batch_tp_t *e = &(*arr)[(*n)++];
    memset(e, 0, sizeof(*e));
    return e;
}

/* Duplicates are dropped when the batch is sent (ctl_batch_dedupe): a check here would be
 * quadratic in a controller start's 10,000 partitions per broker. */
void ctl_batch_lai(ctl_batch_t *b, int32_t broker, ctl_topic_t *t, int32_t p)
{
    ctl_batch_dest_t *d = ctl_batch_dest(b, broker);
    ctl_batch_tp_t *e = ctl_batch_push(&d->lai, &d->nlai, &d->caplai);
    e->t = t;
    e->partition = p;
}

void ctl_batch_lai_replicas(ctl_t *c, ctl_batch_t *b, ctl_topic_t *t, int32_t p)
{
    const ctl_part_t *cp = &t->parts[p];
    for (int32_t i = 0; i < cp->nreplicas; i++)
        if (ctl_broker_live(c, cp->replicas[i])) ctl_batch_lai(b, cp->replicas[i], t, p);
}

void ctl_batch_stop(ctl_batch_t *b, int32_t broker, const char *topic, int32_t p, bool del)
{
    ctl_batch_dest_t *d = ctl_batch_dest(b, broker);
    ctl_batch_tp_t *e = ctl_batch_push(&d->stop, &d->nstop, &d->capstop);
    e->topic = strdup(topic);
    if (!e->topic) abort();
    e->partition = p;
    e->del = del;
}

void ctl_batch_full(ctl_batch_t *b, int32_t broker)
{
    ctl_batch_dest(b, broker)->full = true;
}

/* ---------------------------------------------------------------- helpers */

/* Group m's partitions by topic for a request encoder: (*slot)[i] (allocated in a) gets the
 * index of m->parts[i]'s topic, topics numbered in order of first appearance, and (*count)[j]
 * the number of topic j's partitions. Linear when the partitions come grouped by topic.
 * Returns the number of topics. */
static int32_t ctl_group_topics(arena_t *a, const ctl_msg_t *m, int32_t **slot, int32_t **count)
{
    kstr_t *names = arena_calloc(a, (size_t)m->nparts + 1, sizeof(kstr_t));
    *slot = arena_calloc(a, (size_t)m->nparts + 1, sizeof(int32_t));
    *count = arena_calloc(a, (size_t)m->nparts + 1, sizeof(int32_t));
    int32_t n = 0;
    for (int i = 0; i < m->nparts; i++) {
        int32_t j = n - 1;
        if (j < 0 || !kstr_eq(names[j], m->parts[i].topic))
            for (j = 0; j < n && !kstr_eq(names[j], m->parts[i].topic); j++) {
            }
        if (j == n) names[n++] = KSTR(m->parts[i].topic);
        (*slot)[i] = j;
        (*count)[j]++;
    }
    return n;
}

static const md_endpoint_t *ctl_endpoint(const ctl_t *c, const md_broker_t *b)
{
    const md_endpoint_t *e = md_broker_endpoint(b, c->conf.inter_broker_listener);
    return e ? e : (b->nendpoints > 0 ? &b->ep[0] : NULL);
}

static int32_t *ctl_dup_ids(const int32_t *ids, int32_t n)
{
    int32_t *d = malloc((size_t)(n > 0 ? n : 1) * sizeof(int32_t));
    if (!d) abort();
    if (n > 0) memcpy(d, ids, (size_t)n * sizeof(int32_t));
    return d;
}

/* The controller's header fields of a request to m's target (LeaderAndIsr and StopReplica
 * have the same three, in request structs of their own). */
static void ctl_req_hdr(const ctl_msg_t *m, int32_t *controller_id, int32_t *controller_epoch,
                        int64_t *broker_epoch)
{
    *controller_id = m->controller_id;
    *controller_epoch = m->controller_epoch;
    *broker_epoch = m->broker_epoch;
}

static ctl_msg_t *ctl_msg_new(const ctl_t *c, ctl_msg_type_t type, int32_t target)
{
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->type = type;
    m->controller_id = c->conf.broker_id;
    m->controller_epoch = c->ctrl.epoch;
    const ctl_broker_t *b = ctl_broker(c, target);
    m->broker_epoch = b ? b->epoch : -1;
    return m;
}

/* ---------------------------------------------------------------- LeaderAndIsr */

static ctl_msg_t *ctl_build_lai(ctl_t *c, const ctl_batch_dest_t *d)
{
    ctl_msg_t *m = ctl_msg_new(c, CTL_MSG_LEADER_AND_ISR, d->broker);
    m->full = d->full;
    m->parts = calloc((size_t)d->nlai + 1, sizeof(ctl_pinfo_t));
    m->brokers = calloc((size_t)d->nlai + 1, sizeof(md_broker_t));
    if (!m->parts || !m->brokers) abort();
    for (int i = 0; i < d->nlai; i++) {
        const ctl_topic_t *t = d->lai[i].t;
        const ctl_part_t *cp = &t->parts[d->lai[i].partition];
        if (!cp->has_state) continue;
        ctl_pinfo_t *pi = &m->parts[m->nparts++];
        pi->topic = strdup(t->name);
        if (!pi->topic) abort();
        memcpy(pi->topic_id, t->id, 16);
        pi->partition = d->lai[i].partition;
        pi->leader = cp->leader;
        pi->leader_epoch = cp->leader_epoch;
        pi->partition_epoch = cp->zkver;
        pi->nreplicas = cp->nreplicas;
        memcpy(pi->replicas, cp->replicas, sizeof(cp->replicas));
        pi->nisr = cp->nisr;
        memcpy(pi->isr, cp->isr, sizeof(cp->isr));
        pi->is_new = t->is_new;
        /* the leader's inter-broker endpoint, once per leader */
        const ctl_broker_t *lb = ctl_broker(c, cp->leader);
        bool have = false;
        for (int j = 0; j < m->nbrokers && !have; j++) have = m->brokers[j].id == cp->leader;
        if (lb && !have) {
            const md_endpoint_t *e = ctl_endpoint(c, &lb->info);
            md_broker_t *o = &m->brokers[m->nbrokers++];
            memset(o, 0, sizeof(*o));
            o->id = cp->leader;
            if (e) {
                o->ep[0] = *e;
                o->nendpoints = 1;
            }
        }
    }
    return m;
}

static void ctl_encode_lai(const ctl_msg_t *m, wbuf_t *wb)
{
    arena_t a;
    arena_init(&a);
    kp_ctl_req_t r;
    memset(&r, 0, sizeof(r));
    ctl_req_hdr(m, &r.controller_id, &r.controller_epoch, &r.broker_epoch);
    r.type = m->full ? 1 : 0;
    int32_t *slot, *count;
    r.ntopics = ctl_group_topics(&a, m, &slot, &count);
    r.topics = arena_calloc(&a, (size_t)r.ntopics + 1, sizeof(kp_ctl_topic_t));
    for (int i = 0; i < m->nparts; i++) {
        const ctl_pinfo_t *pi = &m->parts[i];
        kp_ctl_topic_t *t = &r.topics[slot[i]];
        if (!t->parts) { /* the topic's first partition */
            t->name = KSTR(pi->topic);
            memcpy(t->topic_id, pi->topic_id, 16);
            t->parts = arena_calloc(&a, (size_t)count[slot[i]], sizeof(kp_ctl_pstate_t));
        }
        kp_ctl_pstate_t *s = &t->parts[t->nparts++];
        s->partition_index = pi->partition;
        s->controller_epoch = m->controller_epoch;
        s->leader = pi->leader;
        s->leader_epoch = pi->leader_epoch;
        s->nisr = pi->nisr;
        s->isr = (int32_t *)pi->isr;
        s->zk_version = pi->partition_epoch;
        s->nreplicas = pi->nreplicas;
        s->replicas = (int32_t *)pi->replicas;
        s->is_new = pi->is_new;
    }
    r.nbrokers = m->nbrokers;
    r.brokers = arena_calloc(&a, (size_t)m->nbrokers + 1, sizeof(kp_ctl_broker_t));
    for (int i = 0; i < m->nbrokers; i++) {
        r.brokers[i].id = m->brokers[i].id;
        r.brokers[i].host = KSTR(m->brokers[i].nendpoints ? m->brokers[i].ep[0].host : "");
        r.brokers[i].port = m->brokers[i].nendpoints ? m->brokers[i].ep[0].port : -1;
    }
    kp_leaderandisr_req_encode(wb, &r);
    arena_free(&a);
}

/* ---------------------------------------------------------------- UpdateMetadata */

static ctl_msg_t *ctl_build_metadata(ctl_t *c, int32_t target)
{
    ctl_msg_t *m = ctl_msg_new(c, CTL_MSG_METADATA, target);
    m->nbrokers = c->ctrl.nlive;
    m->brokers = calloc((size_t)c->ctrl.nlive + 1, sizeof(md_broker_t));
    if (!m->brokers) abort();
    for (int i = 0; i < c->ctrl.nlive; i++) m->brokers[i] = c->ctrl.live[i].info;
    m->topics = calloc(dict_size(c->ctrl.topics) + 1, sizeof(md_topic_t));
    if (!m->topics) abort();
    size_t it = 0;
    void *v;
    while (dict_next(c->ctrl.topics, &it, NULL, &v)) {
        ctl_topic_t *t = v;
        if (t->deleting) continue;
        md_topic_t *mt = &m->topics[m->ntopics++];
        mt->name = strdup(t->name);
        memcpy(mt->id, t->id, 16);
        mt->internal = strcmp(t->name, "__consumer_offsets") == 0 ||
                       strcmp(t->name, "__transaction_state") == 0;
        mt->nparts = t->nparts;
        mt->parts = calloc((size_t)(t->nparts ? t->nparts : 1), sizeof(md_part_t));
        if (!mt->name || !mt->parts) abort();
        for (int32_t p = 0; p < t->nparts; p++) {
            const ctl_part_t *cp = &t->parts[p];
            md_part_t *mp = &mt->parts[p];
            mp->leader = cp->has_state ? cp->leader : -1;
            mp->leader_epoch = cp->has_state ? cp->leader_epoch : -1;
            mp->nreplicas = cp->nreplicas;
            mp->replicas = ctl_dup_ids(cp->replicas, cp->nreplicas);
            mp->nisr = cp->has_state ? cp->nisr : 0;
            mp->isr = ctl_dup_ids(cp->isr, mp->nisr);
            int32_t off[CTL_MAX_RF], noff = 0;
            for (int32_t i = 0; i < cp->nreplicas; i++)
                if (!ctl_replica_online(c, cp->replicas[i], t->name, p))
                    off[noff++] = cp->replicas[i];
            mp->noffline = noff;
            mp->offline = ctl_dup_ids(off, noff);
        }
    }
    return m;
}

static void ctl_encode_metadata(const ctl_msg_t *m, wbuf_t *wb)
{
    arena_t a;
    arena_init(&a);
    kp_ctl_req_t r;
    memset(&r, 0, sizeof(r));
    r.controller_id = m->controller_id;
    r.controller_epoch = m->controller_epoch;
    r.broker_epoch = -1; /* one encoding for every target */
    r.ntopics = m->ntopics;
    r.topics = arena_calloc(&a, (size_t)m->ntopics + 1, sizeof(kp_ctl_topic_t));
    for (int i = 0; i < m->ntopics; i++) {
        const md_topic_t *mt = &m->topics[i];
        kp_ctl_topic_t *t = &r.topics[i];
        t->name = KSTR(mt->name);
        memcpy(t->topic_id, mt->id, 16);
        t->nparts = mt->nparts;
        t->parts = arena_calloc(&a, (size_t)mt->nparts + 1, sizeof(kp_ctl_pstate_t));
        for (int32_t p = 0; p < mt->nparts; p++) {
            const md_part_t *mp = &mt->parts[p];
            kp_ctl_pstate_t *s = &t->parts[p];
            s->partition_index = p;
            s->controller_epoch = m->controller_epoch;
            s->leader = mp->leader;
            s->leader_epoch = mp->leader_epoch;
            s->nisr = mp->nisr;
            s->isr = mp->isr;
            s->nreplicas = mp->nreplicas;
            s->replicas = mp->replicas;
            s->noffline = mp->noffline;
            s->offline = mp->offline;
        }
    }
    r.nbrokers = m->nbrokers;
    r.brokers = arena_calloc(&a, (size_t)m->nbrokers + 1, sizeof(kp_ctl_broker_t));
    for (int i = 0; i < m->nbrokers; i++) {
        const md_broker_t *b = &m->brokers[i];
        kp_ctl_broker_t *o = &r.brokers[i];
        o->id = b->id;
        o->rack = b->rack[0] ? KSTR(b->rack) : KSTR_NULL;
        o->nendpoints = b->nendpoints;
        o->endpoints = arena_calloc(&a, (size_t)b->nendpoints + 1, sizeof(kp_ctl_endpoint_t));
        for (int j = 0; j < b->nendpoints; j++) {
            o->endpoints[j].port = b->ep[j].port;
            o->endpoints[j].host = KSTR(b->ep[j].host);
            o->endpoints[j].listener = KSTR(b->ep[j].listener);
            o->endpoints[j].security_protocol = 0; /* PLAINTEXT */
        }
    }
    kp_updatemetadata_req_encode(wb, &r);
    arena_free(&a);
}

/* ---------------------------------------------------------------- StopReplica */

static ctl_msg_t *ctl_build_stop(ctl_t *c, const ctl_batch_dest_t *d)
{
    ctl_msg_t *m = ctl_msg_new(c, CTL_MSG_STOP_REPLICA, d->broker);
    m->parts = calloc((size_t)d->nstop + 1, sizeof(ctl_pinfo_t));
    if (!m->parts) abort();
    for (int i = 0; i < d->nstop; i++) {
        ctl_pinfo_t *pi = &m->parts[m->nparts++];
        pi->topic = strdup(d->stop[i].topic);
        if (!pi->topic) abort();
        pi->partition = d->stop[i].partition;
        pi->leader_epoch = -2; /* Kafka's "no epoch": delete regardless */
        pi->del = d->stop[i].del;
    }
    return m;
}

static void ctl_encode_stop(const ctl_msg_t *m, wbuf_t *wb)
{
    arena_t a;
    arena_init(&a);
    kp_stopreplica_req_t r;
    memset(&r, 0, sizeof(r));
    ctl_req_hdr(m, &r.controller_id, &r.controller_epoch, &r.broker_epoch);
    int32_t *slot, *count;
    r.ntopics = ctl_group_topics(&a, m, &slot, &count);
    r.topics = arena_calloc(&a, (size_t)r.ntopics + 1, sizeof(kp_stopreplica_topic_t));
    for (int i = 0; i < m->nparts; i++) {
        const ctl_pinfo_t *pi = &m->parts[i];
        kp_stopreplica_topic_t *t = &r.topics[slot[i]];
        if (!t->parts) { /* the topic's first partition */
            t->name = KSTR(pi->topic);
            t->parts = arena_calloc(&a, (size_t)count[slot[i]], sizeof(kp_stopreplica_part_t));
        }
        kp_stopreplica_part_t *sp = &t->parts[t->nparts++];
        sp->partition_index = pi->partition;
        sp->leader_epoch = pi->leader_epoch;
        sp->delete_partition = pi->del;
    }
    kp_stopreplica_req_encode(wb, &r);
    arena_free(&a);
}

/* ---------------------------------------------------------------- sending */

/* Deliver m to broker: directly when it is this broker, else encoded over its channel. */
static void ctl_deliver_to(ctl_t *c, int32_t broker, ctl_msg_t *m, int16_t api_key,
                           int16_t api_version, void (*encode)(const ctl_msg_t *, wbuf_t *))
{
    if (broker == c->conf.broker_id) {
        ctl_send(c, m);
        return;
    }
    const ctl_broker_t *b = ctl_broker(c, broker);
    const md_endpoint_t *e = b ? ctl_endpoint(c, &b->info) : NULL;
    if (e && c->conf.chan) {
        wbuf_t wb;
        wbuf_init(&wb);
        encode(m, &wb);
        chan_post_request(c->conf.chan, broker, e->host, e->port, api_key, api_version, &wb);
        wbuf_free(&wb);
    } else {
        log_warn("ctl", "no %s endpoint for broker %d: request (api %d) not sent",
                 c->conf.inter_broker_listener, broker, api_key);
    }
    ctl_msg_free(m);
}

static int ctl_batch_tp_cmp(const void *x, const void *y)
{
    const ctl_batch_tp_t *a = x, *b = y;
    if (a->t != b->t) return (uintptr_t)a->t < (uintptr_t)b->t ? -1 : 1;
    return (a->partition > b->partition) - (a->partition < b->partition);
}

/* Sort d's LeaderAndIsr partitions (grouping them by topic) and drop the duplicates. */
static void ctl_batch_dedupe(ctl_batch_dest_t *d)
{
    if (d->nlai < 2) return;
    qsort(d->lai, (size_t)d->nlai, sizeof(*d->lai), ctl_batch_tp_cmp);
    int k = 1;
    for (int i = 1; i < d->nlai; i++)
        if (ctl_batch_tp_cmp(&d->lai[i], &d->lai[k - 1]) != 0) d->lai[k++] = d->lai[i];
    d->nlai = k;
}

/* b's LeaderAndIsr, UpdateMetadata and StopReplica, in that order, to this broker (self) or to
 * every other live broker. */
static void ctl_batch_send_to(ctl_t *c, ctl_batch_t *b, bool self)
{
    for (int i = 0; i < b->ndests; i++) {
        ctl_batch_dest_t *d = &b->dests[i];
        if ((d->broker == c->conf.broker_id) != self) continue;
        if ((d->nlai == 0 && !d->full) || !ctl_broker_live(c, d->broker)) continue;
        ctl_deliver_to(c, d->broker, ctl_build_lai(c, d), KAPI_LEADER_AND_ISR,
                       KP_LEADER_AND_ISR_VERSION, ctl_encode_lai);
    }
    if (b->metadata && self && ctl_broker_live(c, c->conf.broker_id)) {
        ctl_send(c, ctl_build_metadata(c, c->conf.broker_id));
    } else if (b->metadata && !self) {
        /* one snapshot; the wire form is encoded once and posted to every other broker */
        ctl_msg_t *snap = ctl_build_metadata(c, -1);
        wbuf_t wb;
        wbuf_init(&wb);
        ctl_encode_metadata(snap, &wb);
        for (int i = 0; i < c->ctrl.nlive; i++) {
            int32_t id = c->ctrl.live[i].info.id;
            const md_endpoint_t *e = ctl_endpoint(c, &c->ctrl.live[i].info);
            if (id != c->conf.broker_id && e && c->conf.chan)
                chan_post_request(c->conf.chan, id, e->host, e->port, KAPI_UPDATE_METADATA,
                                  KP_UPDATE_METADATA_VERSION, &wb);
        }
        wbuf_free(&wb);
        ctl_msg_free(snap);
    }
    for (int i = 0; i < b->ndests; i++) {
        ctl_batch_dest_t *d = &b->dests[i];
        if ((d->broker == c->conf.broker_id) != self) continue;
        if (d->nstop == 0 || !ctl_broker_live(c, d->broker)) continue;
        ctl_deliver_to(c, d->broker, ctl_build_stop(c, d), KAPI_STOP_REPLICA,
                       KP_STOP_REPLICA_VERSION, ctl_encode_stop);
    }
}

/* The other brokers' requests are posted first: applying this broker's own share (10,000
 * partitions' roles) occupies the reactor, which would otherwise hold theirs back. */
void ctl_batch_send(ctl_t *c, ctl_batch_t *b)
{
    if (!c->ctrl.active) {
        ctl_batch_clear(b);
        return;
    }
    for (int i = 0; i < b->ndests; i++) ctl_batch_dedupe(&b->dests[i]);
    ctl_batch_send_to(c, b, false);
    ctl_batch_send_to(c, b, true);
    /* partitions announced as new have been told once */
    for (int i = 0; i < b->ndests; i++)
        for (int j = 0; j < b->dests[i].nlai; j++) b->dests[i].lai[j].t->is_new = false;
    ctl_batch_clear(b);
}
