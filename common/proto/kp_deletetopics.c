/* kp_deletetopics.c: DeleteTopics codec. */
#include "kp_deletetopics.h"

#include <string.h>

bool kp_deletetopics_flexible(int16_t ver)
{
    return ver >= 4;
}

kerr_t kp_deletetopics_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_deletetopics_req_t *out)
{
    bool f = kp_deletetopics_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->ntopics = rbuf_array_len(rb, f, ver >= 6 ? 17 : 1);
    if (out->ntopics < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        out->topics[i].name = rbuf_str_f(rb, f);
        if (ver >= 6) {
            rbuf_uuid(rb, out->topics[i].topic_id);
            if (f) rbuf_skip_tags(rb);
        } else if (out->topics[i].name.len < 0) {
            rbuf_fail(rb, KERR__BAD_MSG);
        }
    }
    out->timeout_ms = rbuf_i32(rb);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_deletetopics_resp_encode(wbuf_t *wb, int16_t ver, const kp_deletetopics_resp_t *r)
{
    bool f = kp_deletetopics_flexible(ver);
    if (ver >= 1) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->nresponses);
    for (int32_t i = 0; i < r->nresponses; i++) {
        const kp_deletetopics_topic_resp_t *t = &r->responses[i];
        wbuf_kstr_f(wb, f, t->name);
        if (ver >= 6) wbuf_uuid(wb, t->topic_id);
        wbuf_i16(wb, t->error_code);
        if (ver >= 5)
            wbuf_str_f(wb, f, t->error_message.p, t->error_message.p ? t->error_message.len : -1);
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}
