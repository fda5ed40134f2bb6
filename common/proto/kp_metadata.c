/* kp_metadata.c: Metadata codec. */
#include "kp_metadata.h"

#include <string.h>

bool kp_metadata_flexible(int16_t ver)
{
    return ver >= 9;
}

kerr_t kp_metadata_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_metadata_req_t *out)
{
    bool f = kp_metadata_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->allow_auto_topic_creation = true;
    out->ntopics = rbuf_array_len(rb, f, ver >= 10 ? 17 : 1);
    if (ver == 0 && out->ntopics < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        if (ver >= 10) rbuf_uuid(rb, out->topics[i].topic_id);
        out->topics[i].name = rbuf_str_f(rb, f);
        if (ver < 10 && out->topics[i].name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (f) rbuf_skip_tags(rb);
    }
    if (ver >= 4) out->allow_auto_topic_creation = rbuf_bool(rb);
    if (ver >= 8 && ver <= 10) out->include_cluster_authorized_operations = rbuf_bool(rb);
    if (ver >= 8) out->include_topic_authorized_operations = rbuf_bool(rb);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_metadata_req_encode(wbuf_t *wb, int16_t ver, const kp_metadata_req_t *r)
{
    bool f = kp_metadata_flexible(ver);
    wbuf_array_len(wb, f, ver == 0 && r->ntopics < 0 ? 0 : r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        if (ver >= 10) wbuf_uuid(wb, r->topics[i].topic_id);
        wbuf_kstr_f(wb, f, r->topics[i].name);
        wbuf_tags(wb, f);
    }
    if (ver >= 4) wbuf_bool(wb, r->allow_auto_topic_creation);
    if (ver >= 8 && ver <= 10) wbuf_bool(wb, r->include_cluster_authorized_operations);
    if (ver >= 8) wbuf_bool(wb, r->include_topic_authorized_operations);
    wbuf_tags(wb, f);
}

void kp_metadata_resp_encode(wbuf_t *wb, int16_t ver, const kp_metadata_resp_t *r)
{
    bool f = kp_metadata_flexible(ver);
    if (ver >= 3) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->nbrokers);
    for (int32_t i = 0; i < r->nbrokers; i++) {
        const kp_metadata_broker_t *b = &r->brokers[i];
        wbuf_i32(wb, b->node_id);
        wbuf_kstr_f(wb, f, b->host);
        wbuf_i32(wb, b->port);
        if (ver >= 1) wbuf_kstr_f(wb, f, b->rack);
        wbuf_tags(wb, f);
    }
    if (ver >= 2) wbuf_kstr_f(wb, f, r->cluster_id);
    if (ver >= 1) wbuf_i32(wb, r->controller_id);
    wbuf_array_len(wb, f, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_metadata_topic_resp_t *t = &r->topics[i];
        wbuf_i16(wb, t->error_code);
        wbuf_kstr_f(wb, f, t->name);
        if (ver >= 10) wbuf_uuid(wb, t->topic_id);
        if (ver >= 1) wbuf_bool(wb, t->is_internal);
        wbuf_array_len(wb, f, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_metadata_part_resp_t *p = &t->parts[j];
            wbuf_i16(wb, p->error_code);
            wbuf_i32(wb, p->partition_index);
            wbuf_i32(wb, p->leader_id);
            if (ver >= 7) wbuf_i32(wb, p->leader_epoch);
            kp_i32s_encode(wb, f, p->nreplicas, p->replica_nodes);
            kp_i32s_encode(wb, f, p->nisr, p->isr_nodes);
            if (ver >= 5) kp_i32s_encode(wb, f, p->noffline, p->offline_replicas);
            wbuf_tags(wb, f);
        }
        if (ver >= 8) wbuf_i32(wb, t->topic_authorized_operations);
        wbuf_tags(wb, f);
    }
    if (ver >= 8 && ver <= 10) wbuf_i32(wb, r->cluster_authorized_operations);
    wbuf_tags(wb, f);
}

kerr_t kp_metadata_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_metadata_resp_t *out)
{
    bool f = kp_metadata_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->controller_id = -1;
    out->cluster_id = KSTR_NULL;
    if (ver >= 3) out->throttle_time_ms = rbuf_i32(rb);
    out->brokers = kp_array_alloc(rb, f, 9, a, sizeof(*out->brokers), &out->nbrokers);
    for (int32_t i = 0; i < out->nbrokers && !rbuf_err(rb); i++) {
        kp_metadata_broker_t *b = &out->brokers[i];
        b->node_id = rbuf_i32(rb);
        b->host = rbuf_str_f(rb, f);
        b->port = rbuf_i32(rb);
        b->rack = ver >= 1 ? rbuf_str_f(rb, f) : KSTR_NULL;
        if (f) rbuf_skip_tags(rb);
    }
    if (ver >= 2) out->cluster_id = rbuf_str_f(rb, f);
    if (ver >= 1) out->controller_id = rbuf_i32(rb);
    out->topics = kp_array_alloc(rb, f, 4, a, sizeof(*out->topics), &out->ntopics);
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_metadata_topic_resp_t *t = &out->topics[i];
        t->error_code = rbuf_i16(rb);
        t->name = rbuf_str_f(rb, f);
        if (ver >= 10) rbuf_uuid(rb, t->topic_id);
        if (ver >= 1) t->is_internal = rbuf_bool(rb);
        t->parts = kp_array_alloc(rb, f, 12, a, sizeof(*t->parts), &t->nparts);
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            kp_metadata_part_resp_t *p = &t->parts[j];
            p->error_code = rbuf_i16(rb);
            p->partition_index = rbuf_i32(rb);
            p->leader_id = rbuf_i32(rb);
            p->leader_epoch = ver >= 7 ? rbuf_i32(rb) : -1;
            p->replica_nodes = kp_i32s_decode(rb, f, a, &p->nreplicas);
            p->isr_nodes = kp_i32s_decode(rb, f, a, &p->nisr);
            if (ver >= 5) p->offline_replicas = kp_i32s_decode(rb, f, a, &p->noffline);
            if (f) rbuf_skip_tags(rb);
        }
        if (ver >= 8) t->topic_authorized_operations = rbuf_i32(rb);
        if (f) rbuf_skip_tags(rb);
    }
    if (ver >= 8 && ver <= 10) out->cluster_authorized_operations = rbuf_i32(rb);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
