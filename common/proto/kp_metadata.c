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

static void kp_int32_array(wbuf_t *wb, bool f, int32_t n, const int32_t *v)
{
    wbuf_array_len(wb, f, n);
    for (int32_t i = 0; i < n; i++) wbuf_i32(wb, v[i]);
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
            kp_int32_array(wb, f, p->nreplicas, p->replica_nodes);
            kp_int32_array(wb, f, p->nisr, p->isr_nodes);
            if (ver >= 5) kp_int32_array(wb, f, p->noffline, p->offline_replicas);
            wbuf_tags(wb, f);
        }
        if (ver >= 8) wbuf_i32(wb, t->topic_authorized_operations);
        wbuf_tags(wb, f);
    }
    if (ver >= 8 && ver <= 10) wbuf_i32(wb, r->cluster_authorized_operations);
    wbuf_tags(wb, f);
}
