/* kp_metadata.h: Metadata (key 3) v0-12; flexible from v9. */
#ifndef KP_METADATA_H
#define KP_METADATA_H

#include "kp.h"

typedef struct kp_metadata_req_topic {
    uint8_t topic_id[16]; /* v10+ */
    kstr_t name;          /* nullable v10+ */
} kp_metadata_req_topic_t;

typedef struct kp_metadata_req {
    int32_t ntopics; /* -1 = null = all topics (v1+) */
    kp_metadata_req_topic_t *topics;
    bool allow_auto_topic_creation;             /* v4+, default true */
    bool include_cluster_authorized_operations; /* v8-10 */
    bool include_topic_authorized_operations;   /* v8+ */
} kp_metadata_req_t;

typedef struct kp_metadata_broker {
    int32_t node_id;
    kstr_t host;
    int32_t port;
    kstr_t rack; /* v1+ */
} kp_metadata_broker_t;

typedef struct kp_metadata_part_resp {
    int16_t error_code;
    int32_t partition_index, leader_id, leader_epoch;
    int32_t nreplicas, nisr, noffline;
    const int32_t *replica_nodes, *isr_nodes, *offline_replicas;
} kp_metadata_part_resp_t;

typedef struct kp_metadata_topic_resp {
    int16_t error_code;
    kstr_t name;
    uint8_t topic_id[16];
    bool is_internal;
    int32_t nparts;
    kp_metadata_part_resp_t *parts;
    int32_t topic_authorized_operations;
} kp_metadata_topic_resp_t;

typedef struct kp_metadata_resp {
    int32_t throttle_time_ms;
    int32_t nbrokers;
    kp_metadata_broker_t *brokers;
    kstr_t cluster_id;
    int32_t controller_id;
    int32_t ntopics;
    kp_metadata_topic_resp_t *topics;
    int32_t cluster_authorized_operations;
} kp_metadata_resp_t;

bool kp_metadata_flexible(int16_t ver);
kerr_t kp_metadata_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_metadata_req_t *out);
void kp_metadata_resp_encode(wbuf_t *wb, int16_t ver, const kp_metadata_resp_t *r);
/* The client side, for the CLI tools that need what librdkafka 2.0 does not expose (topic
 * ids): requests encoded, responses decoded with the same conventions as above. */
void kp_metadata_req_encode(wbuf_t *wb, int16_t ver, const kp_metadata_req_t *r);
kerr_t kp_metadata_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_metadata_resp_t *out);

#endif
