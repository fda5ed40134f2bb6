/* kp_syncgroup.h: SyncGroup (key 14) v0-5; flexible from v4. GroupInstanceId from v3,
 * ProtocolType / ProtocolName in request and response from v5. Any thread. */
#ifndef KP_SYNCGROUP_H
#define KP_SYNCGROUP_H

#include "kp.h"

typedef struct kp_syncgroup_assignment {
    kstr_t member_id;
    kbytes_t assignment;
} kp_syncgroup_assignment_t;

typedef struct kp_syncgroup_req {
    kstr_t group_id;
    int32_t generation_id;
    kstr_t member_id;
    kstr_t group_instance_id; /* v3+, nullable */
    kstr_t protocol_type;     /* v5+, nullable */
    kstr_t protocol_name;     /* v5+, nullable */
    int32_t nassignments;     /* the leader's; empty from followers */
    kp_syncgroup_assignment_t *assignments;
} kp_syncgroup_req_t;

typedef struct kp_syncgroup_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
    kstr_t protocol_type; /* v5+, nullable */
    kstr_t protocol_name; /* v5+, nullable */
    kbytes_t assignment;
} kp_syncgroup_resp_t;

bool kp_syncgroup_flexible(int16_t ver);
kerr_t kp_syncgroup_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_syncgroup_req_t *out);
void kp_syncgroup_req_encode(wbuf_t *wb, int16_t ver, const kp_syncgroup_req_t *r);
void kp_syncgroup_resp_encode(wbuf_t *wb, int16_t ver, const kp_syncgroup_resp_t *r);

#endif
