/* kp_joingroup.h: JoinGroup (key 11) v0-7; flexible from v6. RebalanceTimeoutMs from v1
 * (v0: the session timeout), GroupInstanceId from v5, the response's ProtocolType from v7
 * (ProtocolName nullable from v7; empty before). Any thread. */
#ifndef KP_JOINGROUP_H
#define KP_JOINGROUP_H

#include "kp.h"

typedef struct kp_joingroup_protocol {
    kstr_t name;
    kbytes_t metadata;
} kp_joingroup_protocol_t;

typedef struct kp_joingroup_req {
    kstr_t group_id;
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms; /* v1+; v0: = session_timeout_ms */
    kstr_t member_id;
    kstr_t group_instance_id; /* v5+, nullable */
    kstr_t protocol_type;
    int32_t nprotocols;
    kp_joingroup_protocol_t *protocols;
} kp_joingroup_req_t;

typedef struct kp_joingroup_member {
    kstr_t member_id;
    kstr_t group_instance_id; /* v5+, nullable */
    kbytes_t metadata;
} kp_joingroup_member_t;

typedef struct kp_joingroup_resp {
    int32_t throttle_time_ms; /* v2+ */
    int16_t error_code;
    int32_t generation_id;
    kstr_t protocol_type; /* v7+, nullable */
    kstr_t protocol_name; /* nullable v7+ (written as "" before) */
    kstr_t leader;
    kstr_t member_id;
    int32_t nmembers;
    kp_joingroup_member_t *members;
} kp_joingroup_resp_t;

bool kp_joingroup_flexible(int16_t ver);
kerr_t kp_joingroup_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_joingroup_req_t *out);
void kp_joingroup_req_encode(wbuf_t *wb, int16_t ver, const kp_joingroup_req_t *r);
void kp_joingroup_resp_encode(wbuf_t *wb, int16_t ver, const kp_joingroup_resp_t *r);

#endif
