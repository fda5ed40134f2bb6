/* kp_offsetfetch.c: OffsetFetch codec. */
#include "kp_offsetfetch.h"

#include <string.h>

bool kp_offsetfetch_flexible(int16_t ver)
{
    return ver >= 6;
}

kerr_t kp_offsetfetch_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_offsetfetch_req_t *out)
{
    bool f = kp_offsetfetch_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->group_id = rbuf_str_f(rb, f);
    if (out->group_id.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    out->ntopics = rbuf_array_len(rb, f, 2);
    if (out->ntopics < 0 && ver < 2) rbuf_fail(rb, KERR__BAD_MSG);
    if (rbuf_err(rb)) out->ntopics = 0;
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    kp_topic_parts_decode(rb, f, a, true, out->topics, out->ntopics);
    if (ver >= 7) out->require_stable = rbuf_bool(rb);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_offsetfetch_req_encode(wbuf_t *wb, int16_t ver, const kp_offsetfetch_req_t *r)
{
    bool f = kp_offsetfetch_flexible(ver);
    wbuf_kstr_f(wb, f, r->group_id);
    kp_topic_parts_encode(wb, f, r->ntopics, r->topics);
    if (ver >= 7) wbuf_bool(wb, r->require_stable);
    wbuf_tags(wb, f);
}

void kp_offsetfetch_resp_encode(wbuf_t *wb, int16_t ver, const kp_offsetfetch_resp_t *r)
{
    bool f = kp_offsetfetch_flexible(ver);
    if (ver >= 3) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_offsetfetch_topic_t *t = &r->topics[i];
        wbuf_kstr_f(wb, f, t->name);
        wbuf_array_len(wb, f, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_offsetfetch_part_t *p = &t->parts[j];
            wbuf_i32(wb, p->partition_index);
            wbuf_i64(wb, p->committed_offset);
            if (ver >= 5) wbuf_i32(wb, p->committed_leader_epoch);
            wbuf_kstr_f(wb, f, p->metadata);
            wbuf_i16(wb, p->error_code);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    if (ver >= 2) wbuf_i16(wb, r->error_code);
    wbuf_tags(wb, f);
}
