/* kp_endtxn.h: EndTxn (key 26) v0-3; flexible from v3. Any thread. */
#ifndef KP_ENDTXN_H
#define KP_ENDTXN_H

#include "kp.h"

typedef struct kp_endtxn_req {
    kstr_t transactional_id;
    int64_t producer_id;
    int16_t producer_epoch;
    bool committed; /* true: commit, false: abort */
} kp_endtxn_req_t;

bool kp_endtxn_flexible(int16_t ver);
kerr_t kp_endtxn_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_endtxn_req_t *out);
void kp_endtxn_req_encode(wbuf_t *wb, int16_t ver, const kp_endtxn_req_t *r);
void kp_endtxn_resp_encode(wbuf_t *wb, int16_t ver, int32_t throttle_ms, int16_t err);

#endif
