/* kp_describeproducers.h: DescribeProducers (key 61) v0, flexible (KIP-664): the active
 * producers of partitions, asked of their leader. Any thread. */
#ifndef KP_DESCRIBEPRODUCERS_H
#define KP_DESCRIBEPRODUCERS_H

#include "kp.h"

/* The request is kp_topic_parts_t topics (name + partition indexes). */
typedef struct kp_dprod_req {
    int32_t ntopics;
    kp_topic_parts_t *topics;
} kp_dprod_req_t;

typedef struct kp_dprod_producer {
    int64_t producer_id;
    int32_t producer_epoch; /* int32 on the wire */
    int32_t last_sequence;
    int64_t last_timestamp;
    int32_t coordinator_epoch;
    int64_t current_txn_start_offset;
} kp_dprod_producer_t;

typedef struct kp_dprod_part {
    int32_t partition_index;
    int16_t error_code;
    kstr_t error_message; /* nullable */
    int32_t nproducers;
    kp_dprod_producer_t *producers;
} kp_dprod_part_t;

typedef struct kp_dprod_topic {
    kstr_t name;
    int32_t nparts;
    kp_dprod_part_t *parts;
} kp_dprod_topic_t;

typedef struct kp_dprod_resp {
    int32_t throttle_time_ms;
    int32_t ntopics;
    kp_dprod_topic_t *topics;
} kp_dprod_resp_t;

kerr_t kp_dprod_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_dprod_req_t *out);
void kp_dprod_req_encode(wbuf_t *wb, int16_t ver, const kp_dprod_req_t *r);
void kp_dprod_resp_encode(wbuf_t *wb, int16_t ver, const kp_dprod_resp_t *r);
kerr_t kp_dprod_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_dprod_resp_t *out);

#endif
