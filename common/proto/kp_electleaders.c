/* kp_electleaders.c: ElectLeaders codec. */
#include "kp_electleaders.h"

#include <string.h>

bool kp_elect_flexible(int16_t ver)
{
    return ver >= 2;
}

kerr_t kp_elect_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_elect_req_t *out)
{
    bool f = kp_elect_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->election_type = ver >= 1 ? rbuf_i8(rb) : 0;
    out->ntopics = rbuf_array_len(rb, f, 2);
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_elect_topic_t *t = &out->topics[i];
        t->topic = rbuf_str_f(rb, f);
        t->nparts = rbuf_array_len(rb, f, 4);
        if (t->nparts < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (t->nparts > 0) t->parts = arena_calloc(a, (size_t)t->nparts, sizeof(int32_t));
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) t->parts[j] = rbuf_i32(rb);
        if (f) rbuf_skip_tags(rb);
    }
    out->timeout_ms = rbuf_i32(rb);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_elect_resp_encode(wbuf_t *wb, int16_t ver, const kp_elect_resp_t *r)
{
    bool f = kp_elect_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    if (ver >= 1) wbuf_i16(wb, r->error_code);
    wbuf_array_len(wb, f, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_elect_topic_resp_t *t = &r->topics[i];
        wbuf_kstr_f(wb, f, t->topic);
        wbuf_array_len(wb, f, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            wbuf_i32(wb, t->parts[j].partition);
            wbuf_i16(wb, t->parts[j].error_code);
            wbuf_cstr_f(wb, f, t->parts[j].error_message);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}
