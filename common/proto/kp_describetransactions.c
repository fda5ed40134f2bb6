/* kp_describetransactions.c: DescribeTransactions codec (v0, flexible). */
#include "kp_describetransactions.h"

#include <string.h>

kerr_t kp_dtxn_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_dtxn_req_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    out->transactional_ids = kp_strs_decode(rb, true, a, &out->nids);
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_dtxn_req_encode(wbuf_t *wb, int16_t ver, const kp_dtxn_req_t *r)
{
    (void)ver;
    kp_strs_encode(wb, true, r->nids, r->transactional_ids);
    wbuf_tags(wb, true);
}

void kp_dtxn_resp_encode(wbuf_t *wb, int16_t ver, const kp_dtxn_resp_t *r)
{
    (void)ver;
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, true, r->nstates);
    for (int32_t i = 0; i < r->nstates; i++) {
        const kp_dtxn_state_t *s = &r->states[i];
        wbuf_i16(wb, s->error_code);
        wbuf_kstr_f(wb, true, s->transactional_id);
        wbuf_kstr_f(wb, true, s->transaction_state);
        wbuf_i32(wb, s->transaction_timeout_ms);
        wbuf_i64(wb, s->transaction_start_time_ms);
        wbuf_i64(wb, s->producer_id);
        wbuf_i32(wb, s->producer_epoch);
        wbuf_array_len(wb, true, s->ntopics);
        for (int32_t j = 0; j < s->ntopics; j++) {
            wbuf_kstr_f(wb, true, s->topics[j].name);
            kp_i32s_encode(wb, true, s->topics[j].nparts, s->topics[j].parts);
            wbuf_tags(wb, true);
        }
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

kerr_t kp_dtxn_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_dtxn_resp_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    out->states = kp_array_alloc(rb, true, 27, a, sizeof(*out->states), &out->nstates);
    for (int32_t i = 0; i < out->nstates && !rbuf_err(rb); i++) {
        kp_dtxn_state_t *s = &out->states[i];
        s->error_code = rbuf_i16(rb);
        s->transactional_id = rbuf_compact_str(rb);
        s->transaction_state = rbuf_compact_str(rb);
        s->transaction_timeout_ms = rbuf_i32(rb);
        s->transaction_start_time_ms = rbuf_i64(rb);
        s->producer_id = rbuf_i64(rb);
        s->producer_epoch = rbuf_i32(rb);
        s->topics = kp_array_alloc(rb, true, 2, a, sizeof(*s->topics), &s->ntopics);
        for (int32_t j = 0; j < s->ntopics && !rbuf_err(rb); j++) {
            s->topics[j].name = rbuf_compact_str(rb);
            s->topics[j].parts = kp_i32s_decode(rb, true, a, &s->topics[j].nparts);
            rbuf_skip_tags(rb);
        }
        rbuf_skip_tags(rb);
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
