/* kp_offsetcommit.c: OffsetCommit codec. */
#include "kp_offsetcommit.h"

#include <string.h>

bool kp_offsetcommit_flexible(int16_t ver)
{
    return ver >= 8;
}

static void kp_offsetcommit_part_decode(rbuf_t *rb, unsigned fields, bool f,
                                        kp_offsetcommit_part_t *p)
{
    p->partition_index = rbuf_i32(rb);
    p->committed_offset = rbuf_i64(rb);
    p->committed_leader_epoch = (fields & KP_OC_EPOCH) ? rbuf_i32(rb) : -1;
    p->commit_timestamp = (fields & KP_OC_TIMESTAMP) ? rbuf_i64(rb) : -1;
    p->committed_metadata = rbuf_str_f(rb, f);
    if (f) rbuf_skip_tags(rb);
}

void kp_offsetcommit_topics_decode(rbuf_t *rb, bool f, unsigned fields, arena_t *a,
                                   kp_offsetcommit_req_t *out)
{
    out->topics = kp_array_alloc(rb, f, 2, a, sizeof(*out->topics), &out->ntopics);
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_offsetcommit_topic_t *t = &out->topics[i];
        t->name = rbuf_str_f(rb, f);
        if (t->name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        t->parts = kp_array_alloc(rb, f, 13, a, sizeof(*t->parts), &t->nparts);
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++)
            kp_offsetcommit_part_decode(rb, fields, f, &t->parts[j]);
        if (f) rbuf_skip_tags(rb);
    }
}

kerr_t kp_offsetcommit_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_offsetcommit_req_t *out)
{
    bool f = kp_offsetcommit_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->group_id = rbuf_str_f(rb, f);
    out->generation_id = ver >= 1 ? rbuf_i32(rb) : -1;
    out->member_id = ver >= 1 ? rbuf_str_f(rb, f) : KSTR("");
    out->group_instance_id = ver >= 7 ? rbuf_str_f(rb, f) : KSTR_NULL;
    out->retention_time_ms = ver >= 2 && ver <= 4 ? rbuf_i64(rb) : -1;
    if (out->group_id.len < 0 || out->member_id.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    unsigned fields = (ver >= 6 ? KP_OC_EPOCH : 0) | (ver == 1 ? KP_OC_TIMESTAMP : 0);
    kp_offsetcommit_topics_decode(rb, f, fields, a, out);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_offsetcommit_req_encode(wbuf_t *wb, int16_t ver, const kp_offsetcommit_req_t *r)
{
    bool f = kp_offsetcommit_flexible(ver);
    wbuf_kstr_f(wb, f, r->group_id);
    if (ver >= 1) {
        wbuf_i32(wb, r->generation_id);
        wbuf_kstr_f(wb, f, r->member_id);
    }
    if (ver >= 7) wbuf_kstr_f(wb, f, r->group_instance_id);
    if (ver >= 2 && ver <= 4) wbuf_i64(wb, r->retention_time_ms);
    unsigned fields = (ver >= 6 ? KP_OC_EPOCH : 0) | (ver == 1 ? KP_OC_TIMESTAMP : 0);
    kp_offsetcommit_topics_encode(wb, f, fields, r);
    wbuf_tags(wb, f);
}

void kp_offsetcommit_topics_encode(wbuf_t *wb, bool f, unsigned fields,
                                   const kp_offsetcommit_req_t *r)
{
    wbuf_array_len(wb, f, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_offsetcommit_topic_t *t = &r->topics[i];
        wbuf_kstr_f(wb, f, t->name);
        wbuf_array_len(wb, f, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_offsetcommit_part_t *p = &t->parts[j];
            wbuf_i32(wb, p->partition_index);
            wbuf_i64(wb, p->committed_offset);
            if (fields & KP_OC_EPOCH) wbuf_i32(wb, p->committed_leader_epoch);
            if (fields & KP_OC_TIMESTAMP) wbuf_i64(wb, p->commit_timestamp);
            wbuf_kstr_f(wb, f, p->committed_metadata);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
}

void kp_offsetcommit_resp_encode(wbuf_t *wb, int16_t ver, const kp_offsetcommit_resp_t *r)
{
    bool f = kp_offsetcommit_flexible(ver);
    if (ver >= 3) wbuf_i32(wb, r->throttle_time_ms);
    kp_topic_errs_encode(wb, f, r->ntopics, r->topics);
    wbuf_tags(wb, f);
}
