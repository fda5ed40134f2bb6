/* kp_addpartitionstotxn.c: AddPartitionsToTxn codec (v0-3). */
#include "kp_addpartitionstotxn.h"

#include <string.h>

bool kp_addparts_flexible(int16_t ver)
{
    return ver >= 3;
}

kerr_t kp_addparts_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_addparts_req_t *out)
{
    bool f = kp_addparts_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->transactional_id = rbuf_str_f(rb, f);
    out->producer_id = rbuf_i64(rb);
    out->producer_epoch = rbuf_i16(rb);
    if (out->transactional_id.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    out->topics = kp_array_alloc(rb, f, 2, a, sizeof(*out->topics), &out->ntopics);
    kp_topic_parts_decode(rb, f, a, true, out->topics, out->ntopics);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_addparts_req_encode(wbuf_t *wb, int16_t ver, const kp_addparts_req_t *r)
{
    bool f = kp_addparts_flexible(ver);
    wbuf_kstr_f(wb, f, r->transactional_id);
    wbuf_i64(wb, r->producer_id);
    wbuf_i16(wb, r->producer_epoch);
    kp_topic_parts_encode(wb, f, r->ntopics, r->topics);
    wbuf_tags(wb, f);
}

void kp_addparts_resp_encode(wbuf_t *wb, int16_t ver, const kp_addparts_resp_t *r)
{
    bool f = kp_addparts_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    kp_topic_errs_encode(wb, f, r->ntopics, r->topics);
    wbuf_tags(wb, f);
}
