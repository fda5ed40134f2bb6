/* kp_alterpartition.h: AlterPartition (key 56) v1, leader -> controller (KIP-497/704): a
 * partition leader proposes a new ISR; the controller writes it to ZooKeeper (checking the
 * leader epoch and the partition epoch = state znode version) and answers with the state it
 * now holds. Flexible (request header v2, response header v1). Both directions here. */
#ifndef KP_ALTERPARTITION_H
#define KP_ALTERPARTITION_H

#include "kp.h"

#define KP_ALTER_PARTITION_VERSION 1

/* One partition, in the request (new_isr proposed) and in the response (isr held). */
typedef struct kp_altpart_part {
    int32_t partition;
    int16_t error_code; /* response */
    int32_t leader_id;  /* response */
    int32_t leader_epoch;
    int32_t nisr;
    int32_t *isr;
    int8_t leader_recovery_state;
    int32_t partition_epoch;
} kp_altpart_part_t;

typedef struct kp_altpart_topic {
    kstr_t name;
    int32_t nparts;
    kp_altpart_part_t *parts;
} kp_altpart_topic_t;

typedef struct kp_altpart {
    int32_t broker_id;    /* request */
    int64_t broker_epoch; /* request */
    int16_t error_code;   /* response */
    int32_t ntopics;
    kp_altpart_topic_t *topics;
} kp_altpart_t;

void kp_altpart_req_encode(wbuf_t *wb, const kp_altpart_t *r);
kerr_t kp_altpart_req_decode(rbuf_t *rb, arena_t *a, kp_altpart_t *out);
void kp_altpart_resp_encode(wbuf_t *wb, const kp_altpart_t *r);
kerr_t kp_altpart_resp_decode(rbuf_t *rb, arena_t *a, kp_altpart_t *out);

#endif
