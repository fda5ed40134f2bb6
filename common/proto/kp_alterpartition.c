/* kp_alterpartition.c: AlterPartition v1 codec. Request and response share one shape: the
 * request carries broker id/epoch and per partition (index, leader epoch, new ISR, recovery
 * state, partition epoch); the response a top-level error and per partition (index, error,
 * leader, leader epoch, ISR, recovery state, partition epoch). */
#include "kp_alterpartition.h"

#include <string.h>

static void altpart_encode(wbuf_t *wb, const kp_altpart_t *r, bool resp)
{
    if (resp) {
        wbuf_i32(wb, 0); /* throttle_time_ms */
        wbuf_i16(wb, r->error_code);
    } else {
        wbuf_i32(wb, r->broker_id);
        wbuf_i64(wb, r->broker_epoch);
    }
    wbuf_array_len(wb, true, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_altpart_topic_t *t = &r->topics[i];
        wbuf_compact_str(wb, t->name.p, t->name.len);
        wbuf_array_len(wb, true, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_altpart_part_t *p = &t->parts[j];
            wbuf_i32(wb, p->partition);
            if (resp) {
                wbuf_i16(wb, p->error_code);
                wbuf_i32(wb, p->leader_id);
            }
            wbuf_i32(wb, p->leader_epoch);
            wbuf_array_len(wb, true, p->nisr);
            for (int32_t k = 0; k < p->nisr; k++) wbuf_i32(wb, p->isr[k]);
            wbuf_i8(wb, p->leader_recovery_state);
            wbuf_i32(wb, p->partition_epoch);
            wbuf_tags(wb, true);
        }
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

static kerr_t altpart_decode(rbuf_t *rb, arena_t *a, kp_altpart_t *out, bool resp)
{
    memset(out, 0, sizeof(*out));
    if (resp) {
        rbuf_i32(rb); /* throttle_time_ms */
        out->error_code = rbuf_i16(rb);
    } else {
        out->broker_id = rbuf_i32(rb);
        out->broker_epoch = rbuf_i64(rb);
    }
    out->ntopics = rbuf_array_len(rb, true, 3);
    if (out->ntopics < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_altpart_topic_t *t = &out->topics[i];
        t->name = rbuf_compact_str(rb);
        if (t->name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        t->nparts = rbuf_array_len(rb, true, 15);
        if (t->nparts < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (t->nparts > 0) t->parts = arena_calloc(a, (size_t)t->nparts, sizeof(*t->parts));
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            kp_altpart_part_t *p = &t->parts[j];
            p->partition = rbuf_i32(rb);
            if (resp) {
                p->error_code = rbuf_i16(rb);
                p->leader_id = rbuf_i32(rb);
            }
            p->leader_epoch = rbuf_i32(rb);
            p->nisr = rbuf_array_len(rb, true, 4);
            if (p->nisr < 0) rbuf_fail(rb, KERR__BAD_MSG);
            if (p->nisr > 0) p->isr = arena_calloc(a, (size_t)p->nisr, sizeof(int32_t));
            for (int32_t k = 0; k < p->nisr && !rbuf_err(rb); k++) p->isr[k] = rbuf_i32(rb);
            p->leader_recovery_state = rbuf_i8(rb);
            p->partition_epoch = rbuf_i32(rb);
            rbuf_skip_tags(rb);
        }
        rbuf_skip_tags(rb);
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_altpart_req_encode(wbuf_t *wb, const kp_altpart_t *r)
{
    altpart_encode(wb, r, false);
}

kerr_t kp_altpart_req_decode(rbuf_t *rb, arena_t *a, kp_altpart_t *out)
{
    return altpart_decode(rb, a, out, false);
}

void kp_altpart_resp_encode(wbuf_t *wb, const kp_altpart_t *r)
{
    altpart_encode(wb, r, true);
}

kerr_t kp_altpart_resp_decode(rbuf_t *rb, arena_t *a, kp_altpart_t *out)
{
    return altpart_decode(rb, a, out, true);
}
