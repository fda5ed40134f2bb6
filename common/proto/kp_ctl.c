/* kp_ctl.c: LeaderAndIsr v5, UpdateMetadata v7, StopReplica v3 codecs (flexible). */
#include "kp_ctl.h"

#include <string.h>

static void enc_ids(wbuf_t *wb, int32_t n, const int32_t *ids)
{
    wbuf_array_len(wb, true, n);
    for (int32_t i = 0; i < n; i++) wbuf_i32(wb, ids[i]);
}

static int32_t *dec_ids(rbuf_t *rb, arena_t *a, int32_t *n)
{
    *n = rbuf_array_len(rb, true, 4);
    if (*n < 0) {
        *n = 0;
        return NULL;
    }
    int32_t *ids = arena_calloc(a, (size_t)*n, sizeof(int32_t));
    for (int32_t i = 0; i < *n && !rbuf_err(rb); i++) ids[i] = rbuf_i32(rb);
    return ids;
}

/* Partition states are the same shape in both requests except for the trailing fields:
 * LeaderAndIsr: ..., replicas, adding_replicas, removing_replicas, is_new
 * UpdateMetadata: ..., replicas, offline_replicas */
static void enc_pstate(wbuf_t *wb, const kp_ctl_pstate_t *p, bool lai)
{
    wbuf_i32(wb, p->partition_index);
    wbuf_i32(wb, p->controller_epoch);
    wbuf_i32(wb, p->leader);
    wbuf_i32(wb, p->leader_epoch);
    enc_ids(wb, p->nisr, p->isr);
    wbuf_i32(wb, p->zk_version);
    enc_ids(wb, p->nreplicas, p->replicas);
    if (lai) {
        enc_ids(wb, 0, NULL); /* adding_replicas */
        enc_ids(wb, 0, NULL); /* removing_replicas */
        wbuf_bool(wb, p->is_new);
    } else {
        enc_ids(wb, p->noffline, p->offline);
    }
    wbuf_tags(wb, true);
}

static void dec_pstate(rbuf_t *rb, arena_t *a, kp_ctl_pstate_t *p, bool lai)
{
    p->partition_index = rbuf_i32(rb);
    p->controller_epoch = rbuf_i32(rb);
    p->leader = rbuf_i32(rb);
    p->leader_epoch = rbuf_i32(rb);
    p->isr = dec_ids(rb, a, &p->nisr);
    p->zk_version = rbuf_i32(rb);
    p->replicas = dec_ids(rb, a, &p->nreplicas);
    if (lai) {
        int32_t n;
        dec_ids(rb, a, &n);
        dec_ids(rb, a, &n);
        p->is_new = rbuf_bool(rb);
    } else {
        p->offline = dec_ids(rb, a, &p->noffline);
    }
    rbuf_skip_tags(rb);
}

static void enc_topics(wbuf_t *wb, const kp_ctl_req_t *r, bool lai)
{
    wbuf_array_len(wb, true, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_ctl_topic_t *t = &r->topics[i];
        wbuf_compact_str(wb, t->name.p, t->name.len);
        wbuf_uuid(wb, t->topic_id);
        wbuf_array_len(wb, true, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) enc_pstate(wb, &t->parts[j], lai);
        wbuf_tags(wb, true);
    }
}

static void dec_topics(rbuf_t *rb, arena_t *a, kp_ctl_req_t *out, bool lai)
{
    out->ntopics = rbuf_array_len(rb, true, 19);
    if (out->ntopics < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_ctl_topic_t *t = &out->topics[i];
        t->name = rbuf_compact_str(rb);
        if (t->name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        rbuf_uuid(rb, t->topic_id);
        t->nparts = rbuf_array_len(rb, true, 24);
        if (t->nparts < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (t->nparts > 0) t->parts = arena_calloc(a, (size_t)t->nparts, sizeof(*t->parts));
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++)
            dec_pstate(rb, a, &t->parts[j], lai);
        rbuf_skip_tags(rb);
    }
}

void kp_leaderandisr_req_encode(wbuf_t *wb, const kp_ctl_req_t *r)
{
    wbuf_i32(wb, r->controller_id);
    wbuf_i32(wb, r->controller_epoch);
    wbuf_i64(wb, r->broker_epoch);
    wbuf_i8(wb, r->type);
    enc_topics(wb, r, true);
    wbuf_array_len(wb, true, r->nbrokers); /* live_leaders */
    for (int32_t i = 0; i < r->nbrokers; i++) {
        wbuf_i32(wb, r->brokers[i].id);
        wbuf_compact_str(wb, r->brokers[i].host.p, r->brokers[i].host.len);
        wbuf_i32(wb, r->brokers[i].port);
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

kerr_t kp_leaderandisr_req_decode(rbuf_t *rb, arena_t *a, kp_ctl_req_t *out)
{
    memset(out, 0, sizeof(*out));
    out->controller_id = rbuf_i32(rb);
    out->controller_epoch = rbuf_i32(rb);
    out->broker_epoch = rbuf_i64(rb);
    out->type = rbuf_i8(rb);
    dec_topics(rb, a, out, true);
    out->nbrokers = rbuf_array_len(rb, true, 10);
    if (out->nbrokers < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->nbrokers > 0)
        out->brokers = arena_calloc(a, (size_t)out->nbrokers, sizeof(*out->brokers));
    for (int32_t i = 0; i < out->nbrokers && !rbuf_err(rb); i++) {
        out->brokers[i].id = rbuf_i32(rb);
        out->brokers[i].host = rbuf_compact_str(rb);
        out->brokers[i].port = rbuf_i32(rb);
        rbuf_skip_tags(rb);
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_updatemetadata_req_encode(wbuf_t *wb, const kp_ctl_req_t *r)
{
    wbuf_i32(wb, r->controller_id);
    wbuf_i32(wb, r->controller_epoch);
    wbuf_i64(wb, r->broker_epoch);
    enc_topics(wb, r, false);
    wbuf_array_len(wb, true, r->nbrokers);
    for (int32_t i = 0; i < r->nbrokers; i++) {
        const kp_ctl_broker_t *b = &r->brokers[i];
        wbuf_i32(wb, b->id);
        wbuf_array_len(wb, true, b->nendpoints);
        for (int32_t j = 0; j < b->nendpoints; j++) {
            const kp_ctl_endpoint_t *e = &b->endpoints[j];
            wbuf_i32(wb, e->port);
            wbuf_compact_str(wb, e->host.p, e->host.len);
            wbuf_compact_str(wb, e->listener.p, e->listener.len);
            wbuf_i16(wb, e->security_protocol);
            wbuf_tags(wb, true);
        }
        wbuf_compact_str(wb, b->rack.p, b->rack.len);
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

kerr_t kp_updatemetadata_req_decode(rbuf_t *rb, arena_t *a, kp_ctl_req_t *out)
{
    memset(out, 0, sizeof(*out));
    out->controller_id = rbuf_i32(rb);
    out->controller_epoch = rbuf_i32(rb);
    out->broker_epoch = rbuf_i64(rb);
    dec_topics(rb, a, out, false);
    out->nbrokers = rbuf_array_len(rb, true, 7);
    if (out->nbrokers < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->nbrokers > 0)
        out->brokers = arena_calloc(a, (size_t)out->nbrokers, sizeof(*out->brokers));
    for (int32_t i = 0; i < out->nbrokers && !rbuf_err(rb); i++) {
        kp_ctl_broker_t *b = &out->brokers[i];
        b->id = rbuf_i32(rb);
        b->nendpoints = rbuf_array_len(rb, true, 9);
        if (b->nendpoints < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (b->nendpoints > 0)
            b->endpoints = arena_calloc(a, (size_t)b->nendpoints, sizeof(*b->endpoints));
        for (int32_t j = 0; j < b->nendpoints && !rbuf_err(rb); j++) {
            kp_ctl_endpoint_t *e = &b->endpoints[j];
            e->port = rbuf_i32(rb);
            e->host = rbuf_compact_str(rb);
            e->listener = rbuf_compact_str(rb);
            e->security_protocol = rbuf_i16(rb);
            rbuf_skip_tags(rb);
        }
        b->rack = rbuf_compact_str(rb);
        rbuf_skip_tags(rb);
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_stopreplica_req_encode(wbuf_t *wb, const kp_stopreplica_req_t *r)
{
    wbuf_i32(wb, r->controller_id);
    wbuf_i32(wb, r->controller_epoch);
    wbuf_i64(wb, r->broker_epoch);
    wbuf_array_len(wb, true, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_stopreplica_topic_t *t = &r->topics[i];
        wbuf_compact_str(wb, t->name.p, t->name.len);
        wbuf_array_len(wb, true, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            wbuf_i32(wb, t->parts[j].partition_index);
            wbuf_i32(wb, t->parts[j].leader_epoch);
            wbuf_bool(wb, t->parts[j].delete_partition);
            wbuf_tags(wb, true);
        }
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

kerr_t kp_stopreplica_req_decode(rbuf_t *rb, arena_t *a, kp_stopreplica_req_t *out)
{
    memset(out, 0, sizeof(*out));
    out->controller_id = rbuf_i32(rb);
    out->controller_epoch = rbuf_i32(rb);
    out->broker_epoch = rbuf_i64(rb);
    out->ntopics = rbuf_array_len(rb, true, 3);
    if (out->ntopics < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_stopreplica_topic_t *t = &out->topics[i];
        t->name = rbuf_compact_str(rb);
        if (t->name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        t->nparts = rbuf_array_len(rb, true, 10);
        if (t->nparts < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (t->nparts > 0) t->parts = arena_calloc(a, (size_t)t->nparts, sizeof(*t->parts));
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            t->parts[j].partition_index = rbuf_i32(rb);
            t->parts[j].leader_epoch = rbuf_i32(rb);
            t->parts[j].delete_partition = rbuf_bool(rb);
            rbuf_skip_tags(rb);
        }
        rbuf_skip_tags(rb);
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_ctl_resp_encode(wbuf_t *wb, int16_t api_key, int16_t error_code)
{
    wbuf_i16(wb, error_code);
    if (api_key == KAPI_LEADER_AND_ISR || api_key == KAPI_STOP_REPLICA)
        wbuf_array_len(wb, true, 0); /* topics (LeaderAndIsr v5) / partition_errors */
    wbuf_tags(wb, true);
}

kerr_t kp_ctl_resp_decode(rbuf_t *rb, int16_t api_key, int16_t *error_code)
{
    *error_code = rbuf_i16(rb);
    (void)api_key; /* the rest (per-partition errors) is not needed by the controller */
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
