/* kp_produce.c: Produce codec. */
#include "kp_produce.h"

#include <string.h>

bool kp_produce_flexible(int16_t ver)
{
    return ver >= 9;
}

kerr_t kp_produce_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_produce_req_t *out)
{
    bool f = kp_produce_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->transactional_id = ver >= 3 ? rbuf_str_f(rb, f) : KSTR_NULL;
    out->acks = rbuf_i16(rb);
    out->timeout_ms = rbuf_i32(rb);
    out->ntopics = rbuf_array_len(rb, f, 2);
    if (out->ntopics < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_produce_topic_t *t = &out->topics[i];
        t->name = rbuf_str_f(rb, f);
        t->nparts = rbuf_array_len(rb, f, 5);
        if (t->nparts < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (t->nparts > 0) t->parts = arena_calloc(a, (size_t)t->nparts, sizeof(*t->parts));
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            t->parts[j].index = rbuf_i32(rb);
            t->parts[j].records = rbuf_bytes_f(rb, f);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_produce_resp_encode(wbuf_t *wb, int16_t ver, const kp_produce_resp_t *r)
{
    bool f = kp_produce_flexible(ver);
    wbuf_array_len(wb, f, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_produce_topic_resp_t *t = &r->topics[i];
        wbuf_kstr_f(wb, f, t->name);
        wbuf_array_len(wb, f, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_produce_part_resp_t *p = &t->parts[j];
            wbuf_i32(wb, p->index);
            wbuf_i16(wb, p->error_code);
            wbuf_i64(wb, p->base_offset);
            if (ver >= 2) wbuf_i64(wb, p->log_append_time_ms);
            if (ver >= 5) wbuf_i64(wb, p->log_start_offset);
            if (ver >= 8) {
                wbuf_array_len(wb, f, 0); /* record_errors */
                wbuf_str_f(wb, f, p->error_message.p,
                           p->error_message.p ? p->error_message.len : -1);
            }
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    if (ver >= 1) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_tags(wb, f);
}
