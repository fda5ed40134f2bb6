/* kp_createpartitions.c: CreatePartitions codec. */
#include "kp_createpartitions.h"

#include <string.h>

bool kp_createpartitions_flexible(int16_t ver)
{
    return ver >= 2;
}

kerr_t kp_createpartitions_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                      kp_createpartitions_req_t *out)
{
    bool f = kp_createpartitions_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->topics = kp_array_alloc(rb, f, 6, a, sizeof(*out->topics), &out->ntopics);
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_createpartitions_topic_t *t = &out->topics[i];
        t->name = rbuf_str_f(rb, f);
        t->count = rbuf_i32(rb);
        t->nassignments = rbuf_array_len(rb, f, 1);
        if (t->nassignments > 0)
            t->assignments = arena_calloc(a, (size_t)t->nassignments, sizeof(*t->assignments));
        for (int32_t j = 0; j < t->nassignments && !rbuf_err(rb); j++) {
            kp_createpartitions_assignment_t *as = &t->assignments[j];
            as->broker_ids = kp_i32s_decode(rb, f, a, &as->nbroker_ids);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    out->timeout_ms = rbuf_i32(rb);
    out->validate_only = rbuf_bool(rb);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_createpartitions_resp_encode(wbuf_t *wb, int16_t ver, const kp_createpartitions_resp_t *r)
{
    bool f = kp_createpartitions_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->nresults);
    for (int32_t i = 0; i < r->nresults; i++) {
        const kp_createpartitions_result_t *t = &r->results[i];
        wbuf_kstr_f(wb, f, t->name);
        wbuf_i16(wb, t->error_code);
        wbuf_str_f(wb, f, t->error_message.p, t->error_message.p ? t->error_message.len : -1);
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}
