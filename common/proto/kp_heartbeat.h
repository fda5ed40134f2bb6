/* kp_heartbeat.h: Heartbeat (key 12) v0-4; flexible from v4; GroupInstanceId from v3.
 * Any thread. */
#ifndef KP_HEARTBEAT_H
#define KP_HEARTBEAT_H

#include "kp.h"

typedef struct kp_heartbeat_req {
    kstr_t group_id;
    int32_t generation_id;
    kstr_t member_id;
    kstr_t group_instance_id; /* v3+, nullable */
} kp_heartbeat_req_t;

typedef struct kp_heartbeat_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
} kp_heartbeat_resp_t;

bool kp_heartbeat_flexible(int16_t ver);
kerr_t kp_heartbeat_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_heartbeat_req_t *out);
void kp_heartbeat_req_encode(wbuf_t *wb, int16_t ver, const kp_heartbeat_req_t *r);
void kp_heartbeat_resp_encode(wbuf_t *wb, int16_t ver, const kp_heartbeat_resp_t *r);

#endif
