/* kp_describelogdirs.c: DescribeLogDirs codec (both directions: the broker answers it,
 * kafka-log-dirs asks it, as librdkafka 2.0 has no call for it). */
#include "kp_describelogdirs.h"

#include <string.h>

static bool dld_flexible(int16_t ver)
{
    return ver >= 2;
}

kerr_t kp_describelogdirs_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                     kp_describelogdirs_req_t *out)
{
    bool f = dld_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->ntopics = rbuf_array_len(rb, f, 3);
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    kp_topic_parts_decode(rb, f, a, true, out->topics, out->ntopics);
    if (f) rbuf_skip_tags(rb);
    if (rbuf_err(rb)) out->ntopics = 0;
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_describelogdirs_req_encode(wbuf_t *wb, int16_t ver, const kp_describelogdirs_req_t *r)
{
    bool f = dld_flexible(ver);
    kp_topic_parts_encode(wb, f, r->ntopics, r->topics);
    wbuf_tags(wb, f);
}

void kp_describelogdirs_resp_encode(wbuf_t *wb, int16_t ver, const kp_describelogdirs_resp_t *r)
{
    bool f = dld_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    if (ver >= 3) wbuf_i16(wb, r->error_code);
    wbuf_array_len(wb, f, r->nresults);
    for (int32_t i = 0; i < r->nresults; i++) {
        const kp_logdir_result_t *d = &r->results[i];
        wbuf_i16(wb, d->error_code);
        wbuf_kstr_f(wb, f, d->log_dir);
        wbuf_array_len(wb, f, d->ntopics);
        for (int32_t j = 0; j < d->ntopics; j++) {
            const kp_logdir_topic_t *t = &d->topics[j];
            wbuf_kstr_f(wb, f, t->name);
            wbuf_array_len(wb, f, t->nparts);
            for (int32_t k = 0; k < t->nparts; k++) {
                wbuf_i32(wb, t->parts[k].partition_index);
                wbuf_i64(wb, t->parts[k].partition_size);
                wbuf_i64(wb, t->parts[k].offset_lag);
                wbuf_bool(wb, t->parts[k].is_future_key);
                wbuf_tags(wb, f);
            }
            wbuf_tags(wb, f);
        }
        if (ver >= 4) {
            wbuf_i64(wb, d->total_bytes);
            wbuf_i64(wb, d->usable_bytes);
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

static void dld_topic_decode(rbuf_t *rb, bool f, arena_t *a, kp_logdir_topic_t *t)
{
    t->name = rbuf_str_f(rb, f);
    if (t->name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    t->parts = kp_array_alloc(rb, f, 21, a, sizeof(*t->parts), &t->nparts);
    for (int32_t k = 0; k < t->nparts && !rbuf_err(rb); k++) {
        t->parts[k].partition_index = rbuf_i32(rb);
        t->parts[k].partition_size = rbuf_i64(rb);
        t->parts[k].offset_lag = rbuf_i64(rb);
        t->parts[k].is_future_key = rbuf_bool(rb);
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
}

kerr_t kp_describelogdirs_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                      kp_describelogdirs_resp_t *out)
{
    bool f = dld_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    if (ver >= 3) out->error_code = rbuf_i16(rb);
    out->results = kp_array_alloc(rb, f, 5, a, sizeof(*out->results), &out->nresults);
    for (int32_t i = 0; i < out->nresults && !rbuf_err(rb); i++) {
        kp_logdir_result_t *d = &out->results[i];
        d->error_code = rbuf_i16(rb);
        d->log_dir = rbuf_str_f(rb, f);
        if (d->log_dir.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        d->topics = kp_array_alloc(rb, f, 3, a, sizeof(*d->topics), &d->ntopics);
        for (int32_t j = 0; j < d->ntopics && !rbuf_err(rb); j++)
            dld_topic_decode(rb, f, a, &d->topics[j]);
        d->total_bytes = d->usable_bytes = -1;
        if (ver >= 4) {
            d->total_bytes = rbuf_i64(rb);
            d->usable_bytes = rbuf_i64(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
