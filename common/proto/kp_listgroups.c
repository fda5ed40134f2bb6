/* kp_listgroups.c: ListGroups codec. */
#include "kp_listgroups.h"

#include <string.h>

bool kp_listgroups_flexible(int16_t ver)
{
    return ver >= 3;
}

kerr_t kp_listgroups_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_listgroups_req_t *out)
{
    bool f = kp_listgroups_flexible(ver);
    memset(out, 0, sizeof(*out));
    if (ver >= 4) out->states_filter = kp_strs_decode(rb, f, a, &out->nstates);
    if (ver >= 5) out->types_filter = kp_strs_decode(rb, f, a, &out->ntypes);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_listgroups_req_encode(wbuf_t *wb, int16_t ver, const kp_listgroups_req_t *r)
{
    bool f = kp_listgroups_flexible(ver);
    if (ver >= 4) kp_strs_encode(wb, f, r->nstates, r->states_filter);
    if (ver >= 5) kp_strs_encode(wb, f, r->ntypes, r->types_filter);
    wbuf_tags(wb, f);
}

void kp_listgroups_resp_encode(wbuf_t *wb, int16_t ver, const kp_listgroups_resp_t *r)
{
    bool f = kp_listgroups_flexible(ver);
    if (ver >= 1) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_i16(wb, r->error_code);
    wbuf_array_len(wb, f, r->ngroups);
    for (int32_t i = 0; i < r->ngroups; i++) {
        wbuf_kstr_f(wb, f, r->groups[i].group_id);
        wbuf_kstr_f(wb, f, r->groups[i].protocol_type);
        if (ver >= 4) wbuf_kstr_f(wb, f, r->groups[i].group_state);
        if (ver >= 5) wbuf_kstr_f(wb, f, r->groups[i].group_type);
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}
