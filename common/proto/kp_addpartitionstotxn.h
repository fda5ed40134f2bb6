/* kp_addpartitionstotxn.h: AddPartitionsToTxn (key 24) v0-3; flexible from v3. The client
 * form only (v4's batched broker form is not served). Any thread. */
#ifndef KP_ADDPARTITIONSTOTXN_H
#define KP_ADDPARTITIONSTOTXN_H

#include "kp.h"

typedef struct kp_addparts_req {
    kstr_t transactional_id;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t ntopics;
    kp_topic_parts_t *topics;
} kp_addparts_req_t;

/* The response reuses kp_topic_errs_t (topic name, partition index + error code). */
typedef struct kp_addparts_resp {
    int32_t throttle_time_ms;
    int32_t ntopics;
    kp_topic_errs_t *topics;
} kp_addparts_resp_t;

bool kp_addparts_flexible(int16_t ver);
kerr_t kp_addparts_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_addparts_req_t *out);
void kp_addparts_req_encode(wbuf_t *wb, int16_t ver, const kp_addparts_req_t *r);
void kp_addparts_resp_encode(wbuf_t *wb, int16_t ver, const kp_addparts_resp_t *r);

#endif
