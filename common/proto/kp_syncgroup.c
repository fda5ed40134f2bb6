/* kp_syncgroup.c: SyncGroup codec. */
#include "kp_syncgroup.h"

#include <string.h>

bool kp_syncgroup_flexible(int16_t ver)
{
    return ver >= 4;
}

kerr_t kp_syncgroup_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_syncgroup_req_t *out)
{
    bool f = kp_syncgroup_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->group_id = rbuf_str_f(rb, f);
    out->generation_id = rbuf_i32(rb);
    out->member_id = rbuf_str_f(rb, f);
    out->group_instance_id = ver >= 3 ? rbuf_str_f(rb, f) : KSTR_NULL;
    out->protocol_type = ver >= 5 ? rbuf_str_f(rb, f) : KSTR_NULL;
    out->protocol_name = ver >= 5 ? rbuf_str_f(rb, f) : KSTR_NULL;
    if (out->group_id.len < 0 || out->member_id.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    out->assignments = kp_array_alloc(rb, f, 2, a, sizeof(*out->assignments), &out->nassignments);
    for (int32_t i = 0; i < out->nassignments && !rbuf_err(rb); i++) {
        out->assignments[i].member_id = rbuf_str_f(rb, f);
        out->assignments[i].assignment = rbuf_bytes_f(rb, f);
        if (out->assignments[i].member_id.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_syncgroup_req_encode(wbuf_t *wb, int16_t ver, const kp_syncgroup_req_t *r)
{
    bool f = kp_syncgroup_flexible(ver);
    wbuf_kstr_f(wb, f, r->group_id);
    wbuf_i32(wb, r->generation_id);
    wbuf_kstr_f(wb, f, r->member_id);
    if (ver >= 3) wbuf_kstr_f(wb, f, r->group_instance_id);
    if (ver >= 5) {
        wbuf_kstr_f(wb, f, r->protocol_type);
        wbuf_kstr_f(wb, f, r->protocol_name);
    }
    wbuf_array_len(wb, f, r->nassignments);
    for (int32_t i = 0; i < r->nassignments; i++) {
        wbuf_kstr_f(wb, f, r->assignments[i].member_id);
        wbuf_bytes_f(wb, f, r->assignments[i].assignment.p, r->assignments[i].assignment.len);
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

void kp_syncgroup_resp_encode(wbuf_t *wb, int16_t ver, const kp_syncgroup_resp_t *r)
{
    bool f = kp_syncgroup_flexible(ver);
    if (ver >= 1) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_i16(wb, r->error_code);
    if (ver >= 5) {
        wbuf_kstr_f(wb, f, r->protocol_type);
        wbuf_kstr_f(wb, f, r->protocol_name);
    }
    /* Assignment is not nullable: an absent one is empty. */
    kbytes_t as = r->assignment;
    wbuf_bytes_f(wb, f, as.len > 0 ? (const void *)as.p : "", as.len > 0 ? as.len : 0);
    wbuf_tags(wb, f);
}
