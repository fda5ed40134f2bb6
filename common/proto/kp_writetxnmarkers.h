/* kp_writetxnmarkers.h: WriteTxnMarkers (key 27) v0-1; flexible from v1. The transaction
 * coordinator asks partition leaders to append a COMMIT or ABORT control batch for a producer
 * id on each partition named; the answer is an error code per partition. Both directions are
 * coded so the coordinator (and tests) can send it. Any thread. */
#ifndef KP_WRITETXNMARKERS_H
#define KP_WRITETXNMARKERS_H

#include "kp.h"

typedef struct kp_wtm_topic {
    kstr_t name;
    int32_t nparts;
    int32_t *parts;
} kp_wtm_topic_t;

typedef struct kp_wtm_marker {
    int64_t producer_id;
    int16_t producer_epoch;
    bool commit; /* TransactionResult: true = COMMIT, false = ABORT */
    int32_t ntopics;
    kp_wtm_topic_t *topics;
    int32_t coordinator_epoch;
} kp_wtm_marker_t;

typedef struct kp_wtm_req {
    int32_t nmarkers;
    kp_wtm_marker_t *markers;
} kp_wtm_req_t;

typedef struct kp_wtm_part_resp {
    int32_t index;
    int16_t error_code;
} kp_wtm_part_resp_t;

typedef struct kp_wtm_topic_resp {
    kstr_t name;
    int32_t nparts;
    kp_wtm_part_resp_t *parts;
} kp_wtm_topic_resp_t;

typedef struct kp_wtm_marker_resp {
    int64_t producer_id;
    int32_t ntopics;
    kp_wtm_topic_resp_t *topics;
} kp_wtm_marker_resp_t;

typedef struct kp_wtm_resp {
    int32_t nmarkers;
    kp_wtm_marker_resp_t *markers;
} kp_wtm_resp_t;

kerr_t kp_wtm_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_wtm_req_t *out);
void kp_wtm_req_encode(wbuf_t *wb, int16_t ver, const kp_wtm_req_t *r);
void kp_wtm_resp_encode(wbuf_t *wb, int16_t ver, const kp_wtm_resp_t *r);
kerr_t kp_wtm_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_wtm_resp_t *out);

#endif
