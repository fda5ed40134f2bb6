/* kp_txnoffsetcommit.c: TxnOffsetCommit codec. */
#include "kp_txnoffsetcommit.h"

#include <string.h>

bool kp_txnoffsetcommit_flexible(int16_t ver)
{
    return ver >= 3;
}

kerr_t kp_txnoffsetcommit_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                     kp_txnoffsetcommit_req_t *out)
{
    bool f = kp_txnoffsetcommit_flexible(ver);
    memset(out, 0, sizeof(*out));
    kp_offsetcommit_req_t *c = &out->c;
    out->transactional_id = rbuf_str_f(rb, f);
    c->group_id = rbuf_str_f(rb, f);
    out->producer_id = rbuf_i64(rb);
    out->producer_epoch = rbuf_i16(rb);
    c->generation_id = ver >= 3 ? rbuf_i32(rb) : -1;
    c->member_id = ver >= 3 ? rbuf_str_f(rb, f) : KSTR("");
    c->group_instance_id = ver >= 3 ? rbuf_str_f(rb, f) : KSTR_NULL;
    c->retention_time_ms = -1;
    if (out->transactional_id.len < 0 || c->group_id.len < 0 || c->member_id.len < 0)
        rbuf_fail(rb, KERR__BAD_MSG);
    kp_offsetcommit_topics_decode(rb, f, ver >= 2 ? KP_OC_EPOCH : 0, a, c);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_txnoffsetcommit_req_encode(wbuf_t *wb, int16_t ver, const kp_txnoffsetcommit_req_t *r)
{
    bool f = kp_txnoffsetcommit_flexible(ver);
    const kp_offsetcommit_req_t *c = &r->c;
    wbuf_kstr_f(wb, f, r->transactional_id);
    wbuf_kstr_f(wb, f, c->group_id);
    wbuf_i64(wb, r->producer_id);
    wbuf_i16(wb, r->producer_epoch);
    if (ver >= 3) {
        wbuf_i32(wb, c->generation_id);
        wbuf_kstr_f(wb, f, c->member_id);
        wbuf_kstr_f(wb, f, c->group_instance_id);
    }
    kp_offsetcommit_topics_encode(wb, f, ver >= 2 ? KP_OC_EPOCH : 0, c);
    wbuf_tags(wb, f);
}

void kp_txnoffsetcommit_resp_encode(wbuf_t *wb, int16_t ver, const kp_offsetcommit_resp_t *r)
{
    bool f = kp_txnoffsetcommit_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    kp_topic_errs_encode(wb, f, r->ntopics, r->topics);
    wbuf_tags(wb, f);
}
