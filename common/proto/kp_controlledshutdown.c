/* kp_controlledshutdown.c: ControlledShutdown v3 codec. */
#include "kp_controlledshutdown.h"

#include <string.h>

void kp_cshut_req_encode(wbuf_t *wb, const kp_cshut_req_t *r)
{
    wbuf_i32(wb, r->broker_id);
    wbuf_i64(wb, r->broker_epoch);
    wbuf_tags(wb, true);
}

kerr_t kp_cshut_req_decode(rbuf_t *rb, kp_cshut_req_t *out)
{
    out->broker_id = rbuf_i32(rb);
    out->broker_epoch = rbuf_i64(rb);
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_cshut_resp_encode(wbuf_t *wb, const kp_cshut_resp_t *r)
{
    wbuf_i16(wb, r->error_code);
    wbuf_array_len(wb, true, r->nremaining);
    for (int32_t i = 0; i < r->nremaining; i++) {
        wbuf_compact_str(wb, r->remaining[i].topic.p, r->remaining[i].topic.len);
        wbuf_i32(wb, r->remaining[i].partition);
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

kerr_t kp_cshut_resp_decode(rbuf_t *rb, arena_t *a, kp_cshut_resp_t *out)
{
    memset(out, 0, sizeof(*out));
    out->error_code = rbuf_i16(rb);
    out->nremaining = rbuf_array_len(rb, true, 6);
    if (out->nremaining < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->nremaining > 0)
        out->remaining = arena_calloc(a, (size_t)out->nremaining, sizeof(*out->remaining));
    for (int32_t i = 0; i < out->nremaining && !rbuf_err(rb); i++) {
        out->remaining[i].topic = rbuf_compact_str(rb);
        out->remaining[i].partition = rbuf_i32(rb);
        rbuf_skip_tags(rb);
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
