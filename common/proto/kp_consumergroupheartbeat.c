/* kp_consumergroupheartbeat.c: ConsumerGroupHeartbeat codec (KIP-848). */
#include "kp_consumergroupheartbeat.h"

#include <string.h>

/* A nullable array of topics: uuid + int32 array + tags each (at least 18 bytes). */
static kp_cgh_topic_t *kp_cgh_topics_decode(rbuf_t *rb, arena_t *a, int32_t *n)
{
    int32_t len = rbuf_array_len(rb, true, 18);
    *n = rbuf_err(rb) ? 0 : len;
    if (*n <= 0) return NULL;
    kp_cgh_topic_t *t = arena_calloc(a, (size_t)*n, sizeof(*t));
    for (int32_t i = 0; i < *n && !rbuf_err(rb); i++) {
        rbuf_uuid(rb, t[i].topic_id);
        t[i].parts = kp_i32s_decode(rb, true, a, &t[i].nparts);
        rbuf_skip_tags(rb);
    }
    return t;
}

static void kp_cgh_topics_encode(wbuf_t *wb, int32_t n, const kp_cgh_topic_t *t)
{
    wbuf_array_len(wb, true, n);
    for (int32_t i = 0; i < n; i++) {
        wbuf_uuid(wb, t[i].topic_id);
        kp_i32s_encode(wb, true, t[i].nparts, t[i].parts);
        wbuf_tags(wb, true);
    }
}

kerr_t kp_cgh_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_cgh_req_t *out)
{
    memset(out, 0, sizeof(*out));
    out->group_id = rbuf_compact_str(rb);
    out->member_id = rbuf_compact_str(rb);
    out->member_epoch = rbuf_i32(rb);
    out->instance_id = rbuf_compact_str(rb);
    out->rack_id = rbuf_compact_str(rb);
    out->rebalance_timeout_ms = rbuf_i32(rb);
    out->nsubscribed = rbuf_array_len(rb, true, 1);
    if (out->nsubscribed > 0) {
        out->subscribed = arena_calloc(a, (size_t)out->nsubscribed, sizeof(kstr_t));
        for (int32_t i = 0; i < out->nsubscribed && !rbuf_err(rb); i++) {
            out->subscribed[i] = rbuf_compact_str(rb);
            if (out->subscribed[i].len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        }
    }
    out->subscribed_regex = ver >= 1 ? rbuf_compact_str(rb) : KSTR_NULL;
    out->server_assignor = rbuf_compact_str(rb);
    out->owned = kp_cgh_topics_decode(rb, a, &out->nowned);
    if (out->group_id.len < 0 || out->member_id.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    rbuf_skip_tags(rb);
    if (rbuf_err(rb)) {
        out->nsubscribed = out->nowned = 0;
        return KERR__BAD_MSG;
    }
    return KERR_NONE;
}

void kp_cgh_req_encode(wbuf_t *wb, int16_t ver, const kp_cgh_req_t *r)
{
    wbuf_kstr_f(wb, true, r->group_id);
    wbuf_kstr_f(wb, true, r->member_id);
    wbuf_i32(wb, r->member_epoch);
    wbuf_kstr_f(wb, true, r->instance_id);
    wbuf_kstr_f(wb, true, r->rack_id);
    wbuf_i32(wb, r->rebalance_timeout_ms);
    wbuf_array_len(wb, true, r->nsubscribed);
    for (int32_t i = 0; i < r->nsubscribed; i++) wbuf_kstr_f(wb, true, r->subscribed[i]);
    if (ver >= 1) wbuf_kstr_f(wb, true, r->subscribed_regex);
    wbuf_kstr_f(wb, true, r->server_assignor);
    if (r->nowned < 0)
        wbuf_array_len(wb, true, -1);
    else
        kp_cgh_topics_encode(wb, r->nowned, r->owned);
    wbuf_tags(wb, true);
}

void kp_cgh_resp_encode(wbuf_t *wb, int16_t ver, const kp_cgh_resp_t *r)
{
    (void)ver;
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_i16(wb, r->error_code);
    wbuf_kstr_f(wb, true, r->error_message);
    wbuf_kstr_f(wb, true, r->member_id);
    wbuf_i32(wb, r->member_epoch);
    wbuf_i32(wb, r->heartbeat_interval_ms);
    if (!r->has_assignment) {
        wbuf_i8(wb, -1); /* a null struct */
    } else {
        wbuf_i8(wb, 1);
        kp_cgh_topics_encode(wb, r->nassigned, r->assigned);
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

kerr_t kp_cgh_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_cgh_resp_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    out->error_code = rbuf_i16(rb);
    out->error_message = rbuf_compact_str(rb);
    out->member_id = rbuf_compact_str(rb);
    out->member_epoch = rbuf_i32(rb);
    out->heartbeat_interval_ms = rbuf_i32(rb);
    int8_t present = rbuf_i8(rb);
    if (present == 1) {
        out->has_assignment = true;
        out->assigned = kp_cgh_topics_decode(rb, a, &out->nassigned);
        if (out->nassigned < 0) rbuf_fail(rb, KERR__BAD_MSG);
        rbuf_skip_tags(rb);
    } else if (present != -1) {
        rbuf_fail(rb, KERR__BAD_MSG);
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
