/* kp_heartbeat.c: Heartbeat codec. */
#include "kp_heartbeat.h"

#include <string.h>

bool kp_heartbeat_flexible(int16_t ver)
{
    return ver >= 4;
}

kerr_t kp_heartbeat_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_heartbeat_req_t *out)
{
    (void)a;
    bool f = kp_heartbeat_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->group_id = rbuf_str_f(rb, f);
    out->generation_id = rbuf_i32(rb);
    out->member_id = rbuf_str_f(rb, f);
    out->group_instance_id = ver >= 3 ? rbuf_str_f(rb, f) : KSTR_NULL;
    if (out->group_id.len < 0 || out->member_id.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_heartbeat_req_encode(wbuf_t *wb, int16_t ver, const kp_heartbeat_req_t *r)
{
    bool f = kp_heartbeat_flexible(ver);
    wbuf_kstr_f(wb, f, r->group_id);
    wbuf_i32(wb, r->generation_id);
    wbuf_kstr_f(wb, f, r->member_id);
    if (ver >= 3) wbuf_kstr_f(wb, f, r->group_instance_id);
    wbuf_tags(wb, f);
}

void kp_heartbeat_resp_encode(wbuf_t *wb, int16_t ver, const kp_heartbeat_resp_t *r)
{
    bool f = kp_heartbeat_flexible(ver);
    if (ver >= 1) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_i16(wb, r->error_code);
    wbuf_tags(wb, f);
}
