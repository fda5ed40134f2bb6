/* kp_describegroups.c: DescribeGroups codec. */
#include "kp_describegroups.h"

#include <string.h>

bool kp_describegroups_flexible(int16_t ver)
{
    return ver >= 5;
}

kerr_t kp_describegroups_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                    kp_describegroups_req_t *out)
{
    bool f = kp_describegroups_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->groups = kp_strs_decode(rb, f, a, &out->ngroups);
    if (ver >= 3) out->include_authorized_operations = rbuf_bool(rb);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_describegroups_req_encode(wbuf_t *wb, int16_t ver, const kp_describegroups_req_t *r)
{
    bool f = kp_describegroups_flexible(ver);
    kp_strs_encode(wb, f, r->ngroups, r->groups);
    if (ver >= 3) wbuf_bool(wb, r->include_authorized_operations);
    wbuf_tags(wb, f);
}

/* Non-nullable bytes: empty when absent. */
static void kp_describegroups_bytes(wbuf_t *wb, bool f, kbytes_t b)
{
    wbuf_bytes_f(wb, f, b.len > 0 ? (const void *)b.p : "", b.len > 0 ? b.len : 0);
}

void kp_describegroups_resp_encode(wbuf_t *wb, int16_t ver, const kp_describegroups_resp_t *r)
{
    bool f = kp_describegroups_flexible(ver);
    if (ver >= 1) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->ngroups);
    for (int32_t i = 0; i < r->ngroups; i++) {
        const kp_describegroups_group_t *g = &r->groups[i];
        wbuf_i16(wb, g->error_code);
        wbuf_kstr_f(wb, f, g->group_id);
        wbuf_kstr_f(wb, f, g->group_state);
        wbuf_kstr_f(wb, f, g->protocol_type);
        wbuf_kstr_f(wb, f, g->protocol_data);
        wbuf_array_len(wb, f, g->nmembers);
        for (int32_t j = 0; j < g->nmembers; j++) {
            const kp_describegroups_member_t *m = &g->members[j];
            wbuf_kstr_f(wb, f, m->member_id);
            if (ver >= 4) wbuf_kstr_f(wb, f, m->group_instance_id);
            wbuf_kstr_f(wb, f, m->client_id);
            wbuf_kstr_f(wb, f, m->client_host);
            kp_describegroups_bytes(wb, f, m->member_metadata);
            kp_describegroups_bytes(wb, f, m->member_assignment);
            wbuf_tags(wb, f);
        }
        if (ver >= 3) wbuf_i32(wb, g->authorized_operations);
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}
