/* kp_initproducerid.h: InitProducerId (key 22) v0-4; flexible from v2. */
#ifndef KP_INITPRODUCERID_H
#define KP_INITPRODUCERID_H

#include "kp.h"

typedef struct kp_initpid_req {
    kstr_t transactional_id; /* null for idempotent (non-transactional) producers */
    int32_t transaction_timeout_ms;
    int64_t producer_id;    /* v3+, default -1 */
    int16_t producer_epoch; /* v3+, default -1 */
} kp_initpid_req_t;

typedef struct kp_initpid_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    int64_t producer_id;
    int16_t producer_epoch;
} kp_initpid_resp_t;

bool kp_initpid_flexible(int16_t ver);
kerr_t kp_initpid_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_initpid_req_t *out);
void kp_initpid_resp_encode(wbuf_t *wb, int16_t ver, const kp_initpid_resp_t *r);

#endif
