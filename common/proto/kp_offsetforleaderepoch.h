/* kp_offsetforleaderepoch.h: OffsetForLeaderEpoch (key 23) v0-4; flexible from v4.
 * Served to consumers (KIP-320 offset validation) and to followers (KIP-101/279 truncation);
 * the follower side also encodes requests and decodes responses. */
#ifndef KP_OFFSETFORLEADEREPOCH_H
#define KP_OFFSETFORLEADEREPOCH_H

#include "kp.h"

typedef struct kp_ofle_part {
    int32_t partition;
    int32_t current_leader_epoch; /* v2+, default -1 */
    int32_t leader_epoch;
} kp_ofle_part_t;

typedef struct kp_ofle_topic {
    kstr_t topic;
    int32_t nparts;
    kp_ofle_part_t *parts;
} kp_ofle_topic_t;

typedef struct kp_ofle_req {
    int32_t replica_id; /* v3+, default -2 (debug consumer) */
    int32_t ntopics;
    kp_ofle_topic_t *topics;
} kp_ofle_req_t;

typedef struct kp_ofle_part_resp {
    int16_t error_code;
    int32_t partition;
    int32_t leader_epoch; /* v1+, -1 = undefined */
    int64_t end_offset;   /* -1 = undefined */
} kp_ofle_part_resp_t;

typedef struct kp_ofle_topic_resp {
    kstr_t topic;
    int32_t nparts;
    kp_ofle_part_resp_t *parts;
} kp_ofle_topic_resp_t;

typedef struct kp_ofle_resp {
    int32_t throttle_time_ms; /* v2+ */
    int32_t ntopics;
    kp_ofle_topic_resp_t *topics;
} kp_ofle_resp_t;

bool kp_ofle_flexible(int16_t ver);
kerr_t kp_ofle_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_ofle_req_t *out);
void kp_ofle_req_encode(wbuf_t *wb, int16_t ver, const kp_ofle_req_t *r);
void kp_ofle_resp_encode(wbuf_t *wb, int16_t ver, const kp_ofle_resp_t *r);
kerr_t kp_ofle_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_ofle_resp_t *out);

#endif
