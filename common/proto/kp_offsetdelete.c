/* kp_offsetdelete.c: OffsetDelete codec. v0's Partitions (a struct of one int32) has the wire
 * layout of an int32 array. */
#include "kp_offsetdelete.h"

#include <string.h>

kerr_t kp_offsetdelete_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_offsetdelete_req_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    out->group_id = rbuf_str(rb);
    if (out->group_id.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    out->topics = kp_array_alloc(rb, false, 6, a, sizeof(*out->topics), &out->ntopics);
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        out->topics[i].name = rbuf_str(rb);
        if (out->topics[i].name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        out->topics[i].parts = kp_i32s_decode(rb, false, a, &out->topics[i].nparts);
    }
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_offsetdelete_req_encode(wbuf_t *wb, int16_t ver, const kp_offsetdelete_req_t *r)
{
    (void)ver;
    wbuf_kstr_f(wb, false, r->group_id);
    wbuf_array_len(wb, false, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        wbuf_kstr_f(wb, false, r->topics[i].name);
        kp_i32s_encode(wb, false, r->topics[i].nparts, r->topics[i].parts);
    }
}

void kp_offsetdelete_resp_encode(wbuf_t *wb, int16_t ver, const kp_offsetdelete_resp_t *r)
{
    (void)ver;
    wbuf_i16(wb, r->error_code);
    wbuf_i32(wb, r->throttle_time_ms);
    kp_topic_errs_encode(wb, false, r->ntopics, r->topics);
}
