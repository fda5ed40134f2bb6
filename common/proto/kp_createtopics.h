/* kp_createtopics.h: CreateTopics (key 19) v0-7; flexible from v5. */
#ifndef KP_CREATETOPICS_H
#define KP_CREATETOPICS_H

#include "kp.h"

typedef struct kp_createtopics_assignment {
    int32_t partition_index;
    int32_t nbroker_ids;
    int32_t *broker_ids;
} kp_createtopics_assignment_t;

typedef struct kp_createtopics_config {
    kstr_t name, value; /* value nullable */
} kp_createtopics_config_t;

typedef struct kp_createtopics_topic {
    kstr_t name;
    int32_t num_partitions;     /* -1 = broker default */
    int16_t replication_factor; /* -1 = broker default */
    int32_t nassignments;
    kp_createtopics_assignment_t *assignments;
    int32_t nconfigs;
    kp_createtopics_config_t *configs;
} kp_createtopics_topic_t;

typedef struct kp_createtopics_req {
    int32_t ntopics;
    kp_createtopics_topic_t *topics;
    int32_t timeout_ms;
    bool validate_only; /* v1+ */
} kp_createtopics_req_t;

typedef struct kp_createtopics_topic_resp {
    kstr_t name;
    uint8_t topic_id[16]; /* v7+ */
    int16_t error_code;
    kstr_t error_message;       /* v1+, {NULL,0} = null */
    int32_t num_partitions;     /* v5+ */
    int16_t replication_factor; /* v5+ */
    int32_t nconfigs;           /* v5+, -1 = null (configs are not listed) */
} kp_createtopics_topic_resp_t;

typedef struct kp_createtopics_resp {
    int32_t throttle_time_ms; /* v2+ */
    int32_t ntopics;
    kp_createtopics_topic_resp_t *topics;
} kp_createtopics_resp_t;

bool kp_createtopics_flexible(int16_t ver);
kerr_t kp_createtopics_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_createtopics_req_t *out);
void kp_createtopics_resp_encode(wbuf_t *wb, int16_t ver, const kp_createtopics_resp_t *r);

#endif
