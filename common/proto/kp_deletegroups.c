/* kp_deletegroups.c: DeleteGroups codec. */
#include "kp_deletegroups.h"

#include <string.h>

bool kp_deletegroups_flexible(int16_t ver)
{
    return ver >= 2;
}

kerr_t kp_deletegroups_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_deletegroups_req_t *out)
{
    bool f = kp_deletegroups_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->groups_names = kp_strs_decode(rb, f, a, &out->ngroups);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_deletegroups_req_encode(wbuf_t *wb, int16_t ver, const kp_deletegroups_req_t *r)
{
    bool f = kp_deletegroups_flexible(ver);
    kp_strs_encode(wb, f, r->ngroups, r->groups_names);
    wbuf_tags(wb, f);
}

void kp_deletegroups_resp_encode(wbuf_t *wb, int16_t ver, const kp_deletegroups_resp_t *r)
{
    bool f = kp_deletegroups_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->nresults);
    for (int32_t i = 0; i < r->nresults; i++) {
        wbuf_kstr_f(wb, f, r->results[i].group_id);
        wbuf_i16(wb, r->results[i].error_code);
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}
