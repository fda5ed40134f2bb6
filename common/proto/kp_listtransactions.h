/* kp_listtransactions.h: ListTransactions (key 66) v0-1, flexible (KIP-664; v1 adds
 * duration_filter, KIP-994). Any thread. */
#ifndef KP_LISTTRANSACTIONS_H
#define KP_LISTTRANSACTIONS_H

#include "kp.h"

typedef struct kp_ltxn_req {
    int32_t nstates;
    kstr_t *state_filters;
    int32_t npids;
    int64_t *producer_id_filters;
    int64_t duration_filter; /* v1+, default -1: all */
} kp_ltxn_req_t;

typedef struct kp_ltxn_txn {
    kstr_t transactional_id;
    int64_t producer_id;
    kstr_t transaction_state;
} kp_ltxn_txn_t;

typedef struct kp_ltxn_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    int32_t nunknown;
    kstr_t *unknown_state_filters;
    int32_t ntxns;
    kp_ltxn_txn_t *txns;
} kp_ltxn_resp_t;

kerr_t kp_ltxn_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_ltxn_req_t *out);
void kp_ltxn_req_encode(wbuf_t *wb, int16_t ver, const kp_ltxn_req_t *r);
void kp_ltxn_resp_encode(wbuf_t *wb, int16_t ver, const kp_ltxn_resp_t *r);
kerr_t kp_ltxn_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_ltxn_resp_t *out);

#endif
