/* kp_describeproducers.c: DescribeProducers codec (v0, flexible). */
#include "kp_describeproducers.h"

#include <string.h>

kerr_t kp_dprod_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_dprod_req_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    out->topics = kp_array_alloc(rb, true, 2, a, sizeof(*out->topics), &out->ntopics);
    kp_topic_parts_decode(rb, true, a, true, out->topics, out->ntopics);
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_dprod_req_encode(wbuf_t *wb, int16_t ver, const kp_dprod_req_t *r)
{
    (void)ver;
    kp_topic_parts_encode(wb, true, r->ntopics, r->topics);
    wbuf_tags(wb, true);
}

static void kp_dprod_part_encode(wbuf_t *wb, const kp_dprod_part_t *p)
{
    wbuf_i32(wb, p->partition_index);
    wbuf_i16(wb, p->error_code);
    wbuf_kstr_f(wb, true, p->error_message);
    wbuf_array_len(wb, true, p->nproducers);
    for (int32_t k = 0; k < p->nproducers; k++) {
        const kp_dprod_producer_t *x = &p->producers[k];
        wbuf_i64(wb, x->producer_id);
        wbuf_i32(wb, x->producer_epoch);
        wbuf_i32(wb, x->last_sequence);
        wbuf_i64(wb, x->last_timestamp);
        wbuf_i32(wb, x->coordinator_epoch);
        wbuf_i64(wb, x->current_txn_start_offset);
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

void kp_dprod_resp_encode(wbuf_t *wb, int16_t ver, const kp_dprod_resp_t *r)
{
    (void)ver;
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, true, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        wbuf_kstr_f(wb, true, r->topics[i].name);
        wbuf_array_len(wb, true, r->topics[i].nparts);
        for (int32_t j = 0; j < r->topics[i].nparts; j++)
            kp_dprod_part_encode(wb, &r->topics[i].parts[j]);
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

static void kp_dprod_part_decode(rbuf_t *rb, arena_t *a, kp_dprod_part_t *p)
{
    p->partition_index = rbuf_i32(rb);
    p->error_code = rbuf_i16(rb);
    p->error_message = rbuf_compact_str(rb);
    p->producers = kp_array_alloc(rb, true, 37, a, sizeof(*p->producers), &p->nproducers);
    for (int32_t k = 0; k < p->nproducers && !rbuf_err(rb); k++) {
        kp_dprod_producer_t *x = &p->producers[k];
        x->producer_id = rbuf_i64(rb);
        x->producer_epoch = rbuf_i32(rb);
        x->last_sequence = rbuf_i32(rb);
        x->last_timestamp = rbuf_i64(rb);
        x->coordinator_epoch = rbuf_i32(rb);
        x->current_txn_start_offset = rbuf_i64(rb);
        rbuf_skip_tags(rb);
    }
    rbuf_skip_tags(rb);
}

kerr_t kp_dprod_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_dprod_resp_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    out->topics = kp_array_alloc(rb, true, 3, a, sizeof(*out->topics), &out->ntopics);
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_dprod_topic_t *t = &out->topics[i];
        t->name = rbuf_compact_str(rb);
        t->parts = kp_array_alloc(rb, true, 9, a, sizeof(*t->parts), &t->nparts);
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++)
            kp_dprod_part_decode(rb, a, &t->parts[j]);
        rbuf_skip_tags(rb);
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
