/* kp_consumergroupdescribe.c: ConsumerGroupDescribe codec (KIP-848). */
#include "kp_consumergroupdescribe.h"

#include <string.h>

kerr_t kp_cgd_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_cgd_req_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    out->groups = kp_strs_decode(rb, true, a, &out->ngroups);
    out->include_authorized_operations = rbuf_bool(rb);
    rbuf_skip_tags(rb);
    if (rbuf_err(rb)) {
        out->ngroups = 0;
        return KERR__BAD_MSG;
    }
    return KERR_NONE;
}

void kp_cgd_req_encode(wbuf_t *wb, int16_t ver, const kp_cgd_req_t *r)
{
    (void)ver;
    kp_strs_encode(wb, true, r->ngroups, r->groups);
    wbuf_bool(wb, r->include_authorized_operations);
    wbuf_tags(wb, true);
}

static void kp_cgd_assignment_encode(wbuf_t *wb, const kp_cgd_assignment_t *as)
{
    wbuf_array_len(wb, true, as->ntopics);
    for (int32_t i = 0; i < as->ntopics; i++) {
        const kp_cgd_topic_t *t = &as->topics[i];
        wbuf_uuid(wb, t->topic_id);
        wbuf_kstr_f(wb, true, t->name);
        kp_i32s_encode(wb, true, t->nparts, t->parts);
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

static void kp_cgd_member_encode(wbuf_t *wb, int16_t ver, const kp_cgd_member_t *m)
{
    wbuf_kstr_f(wb, true, m->member_id);
    wbuf_kstr_f(wb, true, m->instance_id);
    wbuf_kstr_f(wb, true, m->rack_id);
    wbuf_i32(wb, m->member_epoch);
    wbuf_kstr_f(wb, true, m->client_id);
    wbuf_kstr_f(wb, true, m->client_host);
    kp_strs_encode(wb, true, m->nsubscribed, m->subscribed);
    wbuf_kstr_f(wb, true, m->subscribed_regex);
    kp_cgd_assignment_encode(wb, &m->assignment);
    kp_cgd_assignment_encode(wb, &m->target);
    if (ver >= 1) wbuf_i8(wb, m->member_type);
    wbuf_tags(wb, true);
}

void kp_cgd_resp_encode(wbuf_t *wb, int16_t ver, const kp_cgd_resp_t *r)
{
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, true, r->ngroups);
    for (int32_t i = 0; i < r->ngroups; i++) {
        const kp_cgd_group_t *g = &r->groups[i];
        wbuf_i16(wb, g->error_code);
        wbuf_kstr_f(wb, true, g->error_message);
        wbuf_kstr_f(wb, true, g->group_id);
        wbuf_kstr_f(wb, true, g->group_state);
        wbuf_i32(wb, g->group_epoch);
        wbuf_i32(wb, g->assignment_epoch);
        wbuf_kstr_f(wb, true, g->assignor_name);
        wbuf_array_len(wb, true, g->nmembers);
        for (int32_t j = 0; j < g->nmembers; j++) kp_cgd_member_encode(wb, ver, &g->members[j]);
        wbuf_i32(wb, g->authorized_operations);
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}
