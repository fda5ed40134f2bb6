/* kp_deleterecords.c: DeleteRecords codec (request and response, both ways, so tests and
 * tools can speak it too). */
#include "kp_deleterecords.h"

#include <string.h>

static bool dr_flexible(int16_t ver)
{
    return ver >= 2;
}

kerr_t kp_deleterecords_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_deleterecords_req_t *out)
{
    bool f = dr_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->topics = kp_array_alloc(rb, f, 3, a, sizeof(*out->topics), &out->ntopics);
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_deleterecords_topic_t *t = &out->topics[i];
        t->name = rbuf_str_f(rb, f);
        if (t->name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        t->parts = kp_array_alloc(rb, f, 12, a, sizeof(*t->parts), &t->nparts);
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            t->parts[j].partition_index = rbuf_i32(rb);
            t->parts[j].offset = rbuf_i64(rb);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    out->timeout_ms = rbuf_i32(rb);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_deleterecords_req_encode(wbuf_t *wb, int16_t ver, const kp_deleterecords_req_t *r)
{
    bool f = dr_flexible(ver);
    wbuf_array_len(wb, f, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_deleterecords_topic_t *t = &r->topics[i];
        wbuf_kstr_f(wb, f, t->name);
        wbuf_array_len(wb, f, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            wbuf_i32(wb, t->parts[j].partition_index);
            wbuf_i64(wb, t->parts[j].offset);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_i32(wb, r->timeout_ms);
    wbuf_tags(wb, f);
}

void kp_deleterecords_resp_encode(wbuf_t *wb, int16_t ver, const kp_deleterecords_resp_t *r)
{
    bool f = dr_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_deleterecords_topic_resp_t *t = &r->topics[i];
        wbuf_kstr_f(wb, f, t->name);
        wbuf_array_len(wb, f, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            wbuf_i32(wb, t->parts[j].partition_index);
            wbuf_i64(wb, t->parts[j].low_watermark);
            wbuf_i16(wb, t->parts[j].error_code);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

kerr_t kp_deleterecords_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                    kp_deleterecords_resp_t *out)
{
    bool f = dr_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    out->topics = kp_array_alloc(rb, f, 3, a, sizeof(*out->topics), &out->ntopics);
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_deleterecords_topic_resp_t *t = &out->topics[i];
        t->name = rbuf_str_f(rb, f);
        if (t->name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        t->parts = kp_array_alloc(rb, f, 14, a, sizeof(*t->parts), &t->nparts);
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            t->parts[j].partition_index = rbuf_i32(rb);
            t->parts[j].low_watermark = rbuf_i64(rb);
            t->parts[j].error_code = rbuf_i16(rb);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
