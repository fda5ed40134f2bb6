/* kp_joingroup.c: JoinGroup codec. */
#include "kp_joingroup.h"

#include <string.h>

bool kp_joingroup_flexible(int16_t ver)
{
    return ver >= 6;
}

kerr_t kp_joingroup_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_joingroup_req_t *out)
{
    bool f = kp_joingroup_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->group_id = rbuf_str_f(rb, f);
    out->session_timeout_ms = rbuf_i32(rb);
    out->rebalance_timeout_ms = ver >= 1 ? rbuf_i32(rb) : out->session_timeout_ms;
    out->member_id = rbuf_str_f(rb, f);
    out->group_instance_id = ver >= 5 ? rbuf_str_f(rb, f) : KSTR_NULL;
    out->protocol_type = rbuf_str_f(rb, f);
    if (out->group_id.len < 0 || out->member_id.len < 0 || out->protocol_type.len < 0)
        rbuf_fail(rb, KERR__BAD_MSG);
    out->protocols = kp_array_alloc(rb, f, 2, a, sizeof(*out->protocols), &out->nprotocols);
    for (int32_t i = 0; i < out->nprotocols && !rbuf_err(rb); i++) {
        out->protocols[i].name = rbuf_str_f(rb, f);
        out->protocols[i].metadata = rbuf_bytes_f(rb, f);
        if (out->protocols[i].name.len < 0 || out->protocols[i].metadata.len < 0)
            rbuf_fail(rb, KERR__BAD_MSG);
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_joingroup_req_encode(wbuf_t *wb, int16_t ver, const kp_joingroup_req_t *r)
{
    bool f = kp_joingroup_flexible(ver);
    wbuf_kstr_f(wb, f, r->group_id);
    wbuf_i32(wb, r->session_timeout_ms);
    if (ver >= 1) wbuf_i32(wb, r->rebalance_timeout_ms);
    wbuf_kstr_f(wb, f, r->member_id);
    if (ver >= 5) wbuf_kstr_f(wb, f, r->group_instance_id);
    wbuf_kstr_f(wb, f, r->protocol_type);
    wbuf_array_len(wb, f, r->nprotocols);
    for (int32_t i = 0; i < r->nprotocols; i++) {
        wbuf_kstr_f(wb, f, r->protocols[i].name);
        wbuf_bytes_f(wb, f, r->protocols[i].metadata.p, r->protocols[i].metadata.len);
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

void kp_joingroup_resp_encode(wbuf_t *wb, int16_t ver, const kp_joingroup_resp_t *r)
{
    bool f = kp_joingroup_flexible(ver);
    if (ver >= 2) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_i16(wb, r->error_code);
    wbuf_i32(wb, r->generation_id);
    if (ver >= 7) wbuf_kstr_f(wb, f, r->protocol_type);
    wbuf_kstr_f(wb, f, ver < 7 && r->protocol_name.len < 0 ? KSTR("") : r->protocol_name);
    wbuf_kstr_f(wb, f, r->leader);
    wbuf_kstr_f(wb, f, r->member_id);
    wbuf_array_len(wb, f, r->nmembers);
    for (int32_t i = 0; i < r->nmembers; i++) {
        const kp_joingroup_member_t *m = &r->members[i];
        wbuf_kstr_f(wb, f, m->member_id);
        if (ver >= 5) wbuf_kstr_f(wb, f, m->group_instance_id);
        wbuf_bytes_f(wb, f, m->metadata.p, m->metadata.len);
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}
