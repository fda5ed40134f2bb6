/* kp_initproducerid.c: InitProducerId codec. */
#include "kp_initproducerid.h"

#include <string.h>

bool kp_initpid_flexible(int16_t ver)
{
    return ver >= 2;
}

kerr_t kp_initpid_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_initpid_req_t *out)
{
    (void)a;
    bool f = kp_initpid_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->transactional_id = rbuf_str_f(rb, f);
    out->transaction_timeout_ms = rbuf_i32(rb);
    out->producer_id = ver >= 3 ? rbuf_i64(rb) : -1;
    out->producer_epoch = ver >= 3 ? rbuf_i16(rb) : -1;
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_initpid_resp_encode(wbuf_t *wb, int16_t ver, const kp_initpid_resp_t *r)
{
    bool f = kp_initpid_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_i16(wb, r->error_code);
    wbuf_i64(wb, r->producer_id);
    wbuf_i16(wb, r->producer_epoch);
    wbuf_tags(wb, f);
}
