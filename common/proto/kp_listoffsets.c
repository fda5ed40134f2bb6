/* kp_listoffsets.c: ListOffsets codec (v1+: one timestamp/offset pair per partition). */
#include "kp_listoffsets.h"

#include <string.h>

bool kp_listoffsets_flexible(int16_t ver)
{
    return ver >= 6;
}

kerr_t kp_listoffsets_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_listoffsets_req_t *out)
{
    bool f = kp_listoffsets_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->replica_id = rbuf_i32(rb);
    if (ver >= 2) out->isolation_level = rbuf_i8(rb);
    out->ntopics = rbuf_array_len(rb, f, 2);
    if (out->ntopics < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_listoffsets_topic_t *t = &out->topics[i];
        t->name = rbuf_str_f(rb, f);
        t->nparts = rbuf_array_len(rb, f, 12);
        if (t->nparts < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (t->nparts > 0) t->parts = arena_calloc(a, (size_t)t->nparts, sizeof(*t->parts));
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            kp_listoffsets_part_t *p = &t->parts[j];
            p->partition_index = rbuf_i32(rb);
            p->current_leader_epoch = ver >= 4 ? rbuf_i32(rb) : -1;
            p->timestamp = rbuf_i64(rb);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_listoffsets_resp_encode(wbuf_t *wb, int16_t ver, const kp_listoffsets_resp_t *r)
{
    bool f = kp_listoffsets_flexible(ver);
    if (ver >= 2) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_listoffsets_topic_resp_t *t = &r->topics[i];
        wbuf_kstr_f(wb, f, t->name);
        wbuf_array_len(wb, f, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_listoffsets_part_resp_t *p = &t->parts[j];
            wbuf_i32(wb, p->partition_index);
            wbuf_i16(wb, p->error_code);
            wbuf_i64(wb, p->timestamp);
            wbuf_i64(wb, p->offset);
            if (ver >= 4) wbuf_i32(wb, p->leader_epoch);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}
