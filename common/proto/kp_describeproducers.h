/* kp_describeproducers.h: DescribeProducers (key 61) v0, flexible (KIP-664). A partition
 * leader lists the producers its producer state knows: id, epoch, last sequence and
 * timestamp, coordinator epoch of the last marker, and the first offset of the open
 * transaction (-1 none). kafka-transactions describe-producers and find-hanging use it.
 * Any thread. */
#ifndef KP_DESCRIBEPRODUCERS_H
#define KP_DESCRIBEPRODUCERS_H

#include "kp.h"

typedef struct kp_dp_topic {
    kstr_t name;
    int32_t nparts;
    int32_t *parts;
} kp_dp_topic_t;

typedef struct kp_dp_req {
    int32_t ntopics;
    kp_dp_topic_t *topics;
} kp_dp_req_t;

typedef struct kp_dp_producer {
    int64_t producer_id;
    int32_t producer_epoch;
    int32_t last_sequence;
    int64_t last_timestamp;
    int32_t coordinator_epoch;
    int64_t current_txn_start_offset;
} kp_dp_producer_t;

typedef struct kp_dp_part_resp {
    int32_t index;
    int16_t error_code;
    kstr_t error_message; /* nullable */
    int32_t nproducers;
    kp_dp_producer_t *producers;
} kp_dp_part_resp_t;

typedef struct kp_dp_topic_resp {
    kstr_t name;
    int32_t nparts;
    kp_dp_part_resp_t *parts;
} kp_dp_topic_resp_t;

typedef struct kp_dp_resp {
    int32_t throttle_time_ms;
    int32_t ntopics;
    kp_dp_topic_resp_t *topics;
} kp_dp_resp_t;

kerr_t kp_dp_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_dp_req_t *out);
void kp_dp_req_encode(wbuf_t *wb, int16_t ver, const kp_dp_req_t *r);
void kp_dp_resp_encode(wbuf_t *wb, int16_t ver, const kp_dp_resp_t *r);
kerr_t kp_dp_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_dp_resp_t *out);

#endif
