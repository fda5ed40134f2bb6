/* kp_describecluster.h: DescribeCluster (key 60) v0-1; flexible in every version. */
#ifndef KP_DESCRIBECLUSTER_H
#define KP_DESCRIBECLUSTER_H

#include "kp.h"

typedef struct kp_describecluster_req {
    bool include_cluster_authorized_operations;
    int8_t endpoint_type; /* v1+, default 1 (brokers) */
} kp_describecluster_req_t;

typedef struct kp_describecluster_broker {
    int32_t broker_id;
    kstr_t host;
    int32_t port;
    kstr_t rack;
} kp_describecluster_broker_t;

typedef struct kp_describecluster_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    kstr_t error_message; /* {NULL,0} = null */
    int8_t endpoint_type; /* v1+ */
    kstr_t cluster_id;
    int32_t controller_id;
    int32_t nbrokers;
    kp_describecluster_broker_t *brokers;
    int32_t cluster_authorized_operations;
} kp_describecluster_resp_t;

bool kp_describecluster_flexible(int16_t ver);
kerr_t kp_describecluster_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                     kp_describecluster_req_t *out);
void kp_describecluster_resp_encode(wbuf_t *wb, int16_t ver, const kp_describecluster_resp_t *r);

#endif
