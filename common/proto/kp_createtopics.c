/* kp_createtopics.c: CreateTopics codec. */
#include "kp_createtopics.h"

#include <string.h>

bool kp_createtopics_flexible(int16_t ver)
{
    return ver >= 5;
}

kerr_t kp_createtopics_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_createtopics_req_t *out)
{
    bool f = kp_createtopics_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->topics = kp_array_alloc(rb, f, 8, a, sizeof(*out->topics), &out->ntopics);
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_createtopics_topic_t *t = &out->topics[i];
        t->name = rbuf_str_f(rb, f);
        t->num_partitions = rbuf_i32(rb);
        t->replication_factor = rbuf_i16(rb);
        t->nassignments = rbuf_array_len(rb, f, 5);
        if (t->nassignments < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (t->nassignments > 0)
            t->assignments = arena_calloc(a, (size_t)t->nassignments, sizeof(*t->assignments));
        for (int32_t j = 0; j < t->nassignments && !rbuf_err(rb); j++) {
            kp_createtopics_assignment_t *as = &t->assignments[j];
            as->partition_index = rbuf_i32(rb);
            as->broker_ids = kp_i32s_decode(rb, f, a, &as->nbroker_ids);
            if (f) rbuf_skip_tags(rb);
        }
        t->nconfigs = rbuf_array_len(rb, f, 3);
        if (t->nconfigs < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (t->nconfigs > 0) t->configs = arena_calloc(a, (size_t)t->nconfigs, sizeof(*t->configs));
        for (int32_t j = 0; j < t->nconfigs && !rbuf_err(rb); j++) {
            t->configs[j].name = rbuf_str_f(rb, f);
            t->configs[j].value = rbuf_str_f(rb, f);
            if (t->configs[j].name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    out->timeout_ms = rbuf_i32(rb);
    if (ver >= 1) out->validate_only = rbuf_bool(rb);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_createtopics_resp_encode(wbuf_t *wb, int16_t ver, const kp_createtopics_resp_t *r)
{
    bool f = kp_createtopics_flexible(ver);
    if (ver >= 2) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_createtopics_topic_resp_t *t = &r->topics[i];
        wbuf_kstr_f(wb, f, t->name);
        if (ver >= 7) wbuf_uuid(wb, t->topic_id);
        wbuf_i16(wb, t->error_code);
        if (ver >= 1)
            wbuf_str_f(wb, f, t->error_message.p, t->error_message.p ? t->error_message.len : -1);
        if (ver >= 5) {
            wbuf_i32(wb, t->num_partitions);
            wbuf_i16(wb, t->replication_factor);
            wbuf_array_len(wb, f, -1); /* configs: null */
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}
