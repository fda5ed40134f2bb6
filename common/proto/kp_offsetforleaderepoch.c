/* kp_offsetforleaderepoch.c: OffsetForLeaderEpoch codec, both directions. */
#include "kp_offsetforleaderepoch.h"

#include <string.h>

bool kp_ofle_flexible(int16_t ver)
{
    return ver >= 4;
}

kerr_t kp_ofle_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_ofle_req_t *out)
{
    bool f = kp_ofle_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->replica_id = ver >= 3 ? rbuf_i32(rb) : -2;
    out->ntopics = rbuf_array_len(rb, f, 2);
    if (out->ntopics < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_ofle_topic_t *t = &out->topics[i];
        t->topic = rbuf_str_f(rb, f);
        t->nparts = rbuf_array_len(rb, f, 8);
        if (t->nparts < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (t->nparts > 0) t->parts = arena_calloc(a, (size_t)t->nparts, sizeof(*t->parts));
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            kp_ofle_part_t *p = &t->parts[j];
            p->partition = rbuf_i32(rb);
            p->current_leader_epoch = ver >= 2 ? rbuf_i32(rb) : -1;
            p->leader_epoch = rbuf_i32(rb);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_ofle_req_encode(wbuf_t *wb, int16_t ver, const kp_ofle_req_t *r)
{
    bool f = kp_ofle_flexible(ver);
    if (ver >= 3) wbuf_i32(wb, r->replica_id);
    wbuf_array_len(wb, f, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_ofle_topic_t *t = &r->topics[i];
        wbuf_kstr_f(wb, f, t->topic);
        wbuf_array_len(wb, f, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_ofle_part_t *p = &t->parts[j];
            wbuf_i32(wb, p->partition);
            if (ver >= 2) wbuf_i32(wb, p->current_leader_epoch);
            wbuf_i32(wb, p->leader_epoch);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

void kp_ofle_resp_encode(wbuf_t *wb, int16_t ver, const kp_ofle_resp_t *r)
{
    bool f = kp_ofle_flexible(ver);
    if (ver >= 2) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_ofle_topic_resp_t *t = &r->topics[i];
        wbuf_kstr_f(wb, f, t->topic);
        wbuf_array_len(wb, f, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_ofle_part_resp_t *p = &t->parts[j];
            wbuf_i16(wb, p->error_code);
            wbuf_i32(wb, p->partition);
            if (ver >= 1) wbuf_i32(wb, p->leader_epoch);
            wbuf_i64(wb, p->end_offset);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

kerr_t kp_ofle_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_ofle_resp_t *out)
{
    bool f = kp_ofle_flexible(ver);
    memset(out, 0, sizeof(*out));
    if (ver >= 2) out->throttle_time_ms = rbuf_i32(rb);
    out->ntopics = rbuf_array_len(rb, f, 2);
    if (out->ntopics < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_ofle_topic_resp_t *t = &out->topics[i];
        t->topic = rbuf_str_f(rb, f);
        t->nparts = rbuf_array_len(rb, f, 14);
        if (t->nparts < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (t->nparts > 0) t->parts = arena_calloc(a, (size_t)t->nparts, sizeof(*t->parts));
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            kp_ofle_part_resp_t *p = &t->parts[j];
            p->error_code = rbuf_i16(rb);
            p->partition = rbuf_i32(rb);
            p->leader_epoch = ver >= 1 ? rbuf_i32(rb) : -1;
            p->end_offset = rbuf_i64(rb);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
