/* kp_txnoffsetcommit.c: TxnOffsetCommit codec. */
#include "kp_txnoffsetcommit.h"

#include <string.h>

bool kp_txnoffsetcommit_flexible(int16_t ver)
{
    return ver >= 3;
}

static void toc_part_decode(rbuf_t *rb, int16_t ver, bool f, kp_offsetcommit_part_t *p)
{
    p->partition_index = rbuf_i32(rb);
    p->committed_offset = rbuf_i64(rb);
    p->committed_leader_epoch = ver >= 2 ? rbuf_i32(rb) : -1;
    p->commit_timestamp = -1;
    p->committed_metadata = rbuf_str_f(rb, f);
    if (f) rbuf_skip_tags(rb);
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
    c->topics = kp_array_alloc(rb, f, 2, a, sizeof(*c->topics), &c->ntopics);
    for (int32_t i = 0; i < c->ntopics && !rbuf_err(rb); i++) {
        kp_offsetcommit_topic_t *t = &c->topics[i];
        t->name = rbuf_str_f(rb, f);
        if (t->name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        t->parts = kp_array_alloc(rb, f, 13, a, sizeof(*t->parts), &t->nparts);
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++)
            toc_part_decode(rb, ver, f, &t->parts[j]);
        if (f) rbuf_skip_tags(rb);
    }
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
    wbuf_array_len(wb, f, c->ntopics);
    for (int32_t i = 0; i < c->ntopics; i++) {
        const kp_offsetcommit_topic_t *t = &c->topics[i];
        wbuf_kstr_f(wb, f, t->name);
        wbuf_array_len(wb, f, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_offsetcommit_part_t *p = &t->parts[j];
            wbuf_i32(wb, p->partition_index);
            wbuf_i64(wb, p->committed_offset);
            if (ver >= 2) wbuf_i32(wb, p->committed_leader_epoch);
            wbuf_kstr_f(wb, f, p->committed_metadata);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

void kp_txnoffsetcommit_resp_encode(wbuf_t *wb, int16_t ver, const kp_offsetcommit_resp_t *r)
{
    bool f = kp_txnoffsetcommit_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    kp_topic_errs_encode(wb, f, r->ntopics, r->topics);
    wbuf_tags(wb, f);
}
