/* kp_leavegroup.h: LeaveGroup (key 13) v0-4; flexible from v4. v0-2 name one MemberId; v3+
 * a Members batch (member id, group instance id) answered per member. The decoder presents
 * every version as members[]. Any thread. */
#ifndef KP_LEAVEGROUP_H
#define KP_LEAVEGROUP_H

#include "kp.h"

typedef struct kp_leavegroup_member {
    kstr_t member_id;
    kstr_t group_instance_id; /* v3+, nullable */
    int16_t error_code;       /* response only */
} kp_leavegroup_member_t;

typedef struct kp_leavegroup_req {
    kstr_t group_id;
    int32_t nmembers; /* v0-2: 1 */
    kp_leavegroup_member_t *members;
} kp_leavegroup_req_t;

typedef struct kp_leavegroup_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
    int32_t nmembers; /* v3+ */
    kp_leavegroup_member_t *members;
} kp_leavegroup_resp_t;

bool kp_leavegroup_flexible(int16_t ver);
kerr_t kp_leavegroup_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_leavegroup_req_t *out);
void kp_leavegroup_req_encode(wbuf_t *wb, int16_t ver, const kp_leavegroup_req_t *r);
void kp_leavegroup_resp_encode(wbuf_t *wb, int16_t ver, const kp_leavegroup_resp_t *r);

#endif
