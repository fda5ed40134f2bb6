/* kp_addoffsetstotxn.h: AddOffsetsToTxn (key 25) v0-3; flexible from v3. Any thread. */
#ifndef KP_ADDOFFSETSTOTXN_H
#define KP_ADDOFFSETSTOTXN_H

#include "kp.h"

typedef struct kp_addoffsets_req {
    kstr_t transactional_id;
    int64_t producer_id;
    int16_t producer_epoch;
    kstr_t group_id;
} kp_addoffsets_req_t;

/* The response is throttle_time_ms + error_code. */
bool kp_addoffsets_flexible(int16_t ver);
kerr_t kp_addoffsets_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_addoffsets_req_t *out);
void kp_addoffsets_req_encode(wbuf_t *wb, int16_t ver, const kp_addoffsets_req_t *r);
void kp_addoffsets_resp_encode(wbuf_t *wb, int16_t ver, int32_t throttle_ms, int16_t err);

#endif
