/* kp_leavegroup.c: LeaveGroup codec. */
#include "kp_leavegroup.h"

#include <string.h>

bool kp_leavegroup_flexible(int16_t ver)
{
    return ver >= 4;
}

kerr_t kp_leavegroup_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_leavegroup_req_t *out)
{
    bool f = kp_leavegroup_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->group_id = rbuf_str_f(rb, f);
    if (out->group_id.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (ver < 3) {
        out->nmembers = 1;
        out->members = arena_calloc(a, 1, sizeof(*out->members));
        out->members[0].member_id = rbuf_str_f(rb, f);
        out->members[0].group_instance_id = KSTR_NULL;
        if (out->members[0].member_id.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    } else {
        out->members = kp_array_alloc(rb, f, 2, a, sizeof(*out->members), &out->nmembers);
        for (int32_t i = 0; i < out->nmembers && !rbuf_err(rb); i++) {
            out->members[i].member_id = rbuf_str_f(rb, f);
            out->members[i].group_instance_id = rbuf_str_f(rb, f);
            if (out->members[i].member_id.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
            if (f) rbuf_skip_tags(rb);
        }
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_leavegroup_req_encode(wbuf_t *wb, int16_t ver, const kp_leavegroup_req_t *r)
{
    bool f = kp_leavegroup_flexible(ver);
    wbuf_kstr_f(wb, f, r->group_id);
    if (ver < 3) {
        wbuf_kstr_f(wb, f, r->nmembers > 0 ? r->members[0].member_id : KSTR(""));
    } else {
        wbuf_array_len(wb, f, r->nmembers);
        for (int32_t i = 0; i < r->nmembers; i++) {
            wbuf_kstr_f(wb, f, r->members[i].member_id);
            wbuf_kstr_f(wb, f, r->members[i].group_instance_id);
            wbuf_tags(wb, f);
        }
    }
    wbuf_tags(wb, f);
}

void kp_leavegroup_resp_encode(wbuf_t *wb, int16_t ver, const kp_leavegroup_resp_t *r)
{
    bool f = kp_leavegroup_flexible(ver);
    if (ver >= 1) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_i16(wb, r->error_code);
    if (ver >= 3) {
        wbuf_array_len(wb, f, r->nmembers);
        for (int32_t i = 0; i < r->nmembers; i++) {
            wbuf_kstr_f(wb, f, r->members[i].member_id);
            wbuf_kstr_f(wb, f, r->members[i].group_instance_id);
            wbuf_i16(wb, r->members[i].error_code);
            wbuf_tags(wb, f);
        }
    }
    wbuf_tags(wb, f);
}
