/* kp_describetransactions.h: DescribeTransactions (key 65) v0, flexible (KIP-664). Any thread. */
#ifndef KP_DESCRIBETRANSACTIONS_H
#define KP_DESCRIBETRANSACTIONS_H

#include "kp.h"

typedef struct kp_dtxn_req {
    int32_t nids;
    kstr_t *transactional_ids;
} kp_dtxn_req_t;

typedef struct kp_dtxn_state {
    int16_t error_code;
    kstr_t transactional_id;
    kstr_t transaction_state;
    int32_t transaction_timeout_ms;
    int64_t transaction_start_time_ms;
    int64_t producer_id;
    int32_t producer_epoch; /* int32 on the wire */
    int32_t ntopics;
    kp_topic_parts_t *topics;
} kp_dtxn_state_t;

typedef struct kp_dtxn_resp {
    int32_t throttle_time_ms;
    int32_t nstates;
    kp_dtxn_state_t *states;
} kp_dtxn_resp_t;

kerr_t kp_dtxn_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_dtxn_req_t *out);
void kp_dtxn_req_encode(wbuf_t *wb, int16_t ver, const kp_dtxn_req_t *r);
void kp_dtxn_resp_encode(wbuf_t *wb, int16_t ver, const kp_dtxn_resp_t *r);
kerr_t kp_dtxn_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_dtxn_resp_t *out);

#endif
