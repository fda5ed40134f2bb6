/* kp_ctl.h: the controller-to-broker requests, one version each, as Kafka 2.8+ brokers use
 * them in ZooKeeper mode (every field checked against apache/kafka's message schemas):
 *   LeaderAndIsr (key 4) v5, UpdateMetadata (key 6) v7, StopReplica (key 5) v3.
 * All three are flexible versions (compact strings/arrays, tagged fields; request header v2,
 * response header v1). The controller encodes requests and decodes responses; brokers decode
 * requests and encode responses. Conventions as in kp.h. */
#ifndef KP_CTL_H
#define KP_CTL_H

#include "kp.h"

#define KP_LEADER_AND_ISR_VERSION  5
#define KP_UPDATE_METADATA_VERSION 7
#define KP_STOP_REPLICA_VERSION    3

/* One partition's state, shared by LeaderAndIsr and UpdateMetadata. */
typedef struct kp_ctl_pstate {
    int32_t partition_index;
    int32_t controller_epoch;
    int32_t leader, leader_epoch;
    int32_t nisr;
    int32_t *isr;
    int32_t zk_version;
    int32_t nreplicas;
    int32_t *replicas;
    int32_t noffline; /* UpdateMetadata only */
    int32_t *offline;
    bool is_new; /* LeaderAndIsr only */
} kp_ctl_pstate_t;

typedef struct kp_ctl_topic {
    kstr_t name;
    uint8_t topic_id[16];
    int32_t nparts;
    kp_ctl_pstate_t *parts;
} kp_ctl_topic_t;

typedef struct kp_ctl_endpoint {
    int32_t port;
    kstr_t host, listener;
    int16_t security_protocol; /* 0 = PLAINTEXT */
} kp_ctl_endpoint_t;

typedef struct kp_ctl_broker {
    int32_t id;
    int32_t nendpoints;
    kp_ctl_endpoint_t *endpoints;
    kstr_t rack;
    kstr_t host; /* LeaderAndIsr live_leaders */
    int32_t port;
} kp_ctl_broker_t;

typedef struct kp_ctl_req {
    int32_t controller_id, controller_epoch;
    int64_t broker_epoch;
    int8_t type; /* LeaderAndIsr: 0 incremental, 1 full */
    int32_t ntopics;
    kp_ctl_topic_t *topics;
    int32_t nbrokers; /* UpdateMetadata live_brokers / LeaderAndIsr live_leaders */
    kp_ctl_broker_t *brokers;
} kp_ctl_req_t;

/* StopReplica v3 */
typedef struct kp_stopreplica_part {
    int32_t partition_index, leader_epoch;
    bool delete_partition;
} kp_stopreplica_part_t;

typedef struct kp_stopreplica_topic {
    kstr_t name;
    int32_t nparts;
    kp_stopreplica_part_t *parts;
} kp_stopreplica_topic_t;

typedef struct kp_stopreplica_req {
    int32_t controller_id, controller_epoch;
    int64_t broker_epoch;
    int32_t ntopics;
    kp_stopreplica_topic_t *topics;
} kp_stopreplica_req_t;

void kp_leaderandisr_req_encode(wbuf_t *wb, const kp_ctl_req_t *r);
kerr_t kp_leaderandisr_req_decode(rbuf_t *rb, arena_t *a, kp_ctl_req_t *out);
void kp_updatemetadata_req_encode(wbuf_t *wb, const kp_ctl_req_t *r);
kerr_t kp_updatemetadata_req_decode(rbuf_t *rb, arena_t *a, kp_ctl_req_t *out);
void kp_stopreplica_req_encode(wbuf_t *wb, const kp_stopreplica_req_t *r);
kerr_t kp_stopreplica_req_decode(rbuf_t *rb, arena_t *a, kp_stopreplica_req_t *out);

/* Responses: only the top-level error is used by our controller; per-partition errors of
 * LeaderAndIsr v5 / StopReplica v3 are written as empty arrays. */
void kp_ctl_resp_encode(wbuf_t *wb, int16_t api_key, int16_t error_code);
kerr_t kp_ctl_resp_decode(rbuf_t *rb, int16_t api_key, int16_t *error_code);

#endif
