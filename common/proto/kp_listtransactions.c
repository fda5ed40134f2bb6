/* kp_listtransactions.c: ListTransactions codec (v0-1, flexible). */
#include "kp_listtransactions.h"

#include <string.h>

kerr_t kp_ltxn_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_ltxn_req_t *out)
{
    memset(out, 0, sizeof(*out));
    out->state_filters = kp_strs_decode(rb, true, a, &out->nstates);
    out->producer_id_filters = kp_array_alloc(rb, true, 8, a, sizeof(int64_t), &out->npids);
    for (int32_t i = 0; i < out->npids && !rbuf_err(rb); i++)
        out->producer_id_filters[i] = rbuf_i64(rb);
    out->duration_filter = ver >= 1 ? rbuf_i64(rb) : -1;
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_ltxn_req_encode(wbuf_t *wb, int16_t ver, const kp_ltxn_req_t *r)
{
    kp_strs_encode(wb, true, r->nstates, r->state_filters);
    wbuf_array_len(wb, true, r->npids);
    for (int32_t i = 0; i < r->npids; i++) wbuf_i64(wb, r->producer_id_filters[i]);
    if (ver >= 1) wbuf_i64(wb, r->duration_filter);
    wbuf_tags(wb, true);
}

void kp_ltxn_resp_encode(wbuf_t *wb, int16_t ver, const kp_ltxn_resp_t *r)
{
    (void)ver;
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_i16(wb, r->error_code);
    kp_strs_encode(wb, true, r->nunknown, r->unknown_state_filters);
    wbuf_array_len(wb, true, r->ntxns);
    for (int32_t i = 0; i < r->ntxns; i++) {
        wbuf_kstr_f(wb, true, r->txns[i].transactional_id);
        wbuf_i64(wb, r->txns[i].producer_id);
        wbuf_kstr_f(wb, true, r->txns[i].transaction_state);
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

kerr_t kp_ltxn_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_ltxn_resp_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    out->error_code = rbuf_i16(rb);
    out->unknown_state_filters = kp_strs_decode(rb, true, a, &out->nunknown);
    out->txns = kp_array_alloc(rb, true, 11, a, sizeof(*out->txns), &out->ntxns);
    for (int32_t i = 0; i < out->ntxns && !rbuf_err(rb); i++) {
        out->txns[i].transactional_id = rbuf_compact_str(rb);
        out->txns[i].producer_id = rbuf_i64(rb);
        out->txns[i].transaction_state = rbuf_compact_str(rb);
        rbuf_skip_tags(rb);
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
