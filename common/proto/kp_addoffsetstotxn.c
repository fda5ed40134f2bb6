/* kp_addoffsetstotxn.c: AddOffsetsToTxn codec (v0-3). */
#include "kp_addoffsetstotxn.h"

#include <string.h>

bool kp_addoffsets_flexible(int16_t ver)
{
    return ver >= 3;
}

kerr_t kp_addoffsets_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_addoffsets_req_t *out)
{
    (void)a;
    bool f = kp_addoffsets_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->transactional_id = rbuf_str_f(rb, f);
    out->producer_id = rbuf_i64(rb);
    out->producer_epoch = rbuf_i16(rb);
    out->group_id = rbuf_str_f(rb, f);
    if (out->transactional_id.len < 0 || out->group_id.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_addoffsets_req_encode(wbuf_t *wb, int16_t ver, const kp_addoffsets_req_t *r)
{
    bool f = kp_addoffsets_flexible(ver);
    wbuf_kstr_f(wb, f, r->transactional_id);
    wbuf_i64(wb, r->producer_id);
    wbuf_i16(wb, r->producer_epoch);
    wbuf_kstr_f(wb, f, r->group_id);
    wbuf_tags(wb, f);
}

void kp_addoffsets_resp_encode(wbuf_t *wb, int16_t ver, int32_t throttle_ms, int16_t err)
{
    bool f = kp_addoffsets_flexible(ver);
    wbuf_i32(wb, throttle_ms);
    wbuf_i16(wb, err);
    wbuf_tags(wb, f);
}
