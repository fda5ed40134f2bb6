/* kp_describegroups.h: DescribeGroups (key 15) v0-5; flexible from v5. IncludeAuthorized-
 * Operations and AuthorizedOperations from v3, members' GroupInstanceId from v4. Any thread. */
#ifndef KP_DESCRIBEGROUPS_H
#define KP_DESCRIBEGROUPS_H

#include "kp.h"

typedef struct kp_describegroups_req {
    int32_t ngroups;
    kstr_t *groups;
    bool include_authorized_operations; /* v3+ */
} kp_describegroups_req_t;

typedef struct kp_describegroups_member {
    kstr_t member_id;
    kstr_t group_instance_id; /* v4+, nullable */
    kstr_t client_id;
    kstr_t client_host;
    kbytes_t member_metadata;
    kbytes_t member_assignment;
} kp_describegroups_member_t;

typedef struct kp_describegroups_group {
    int16_t error_code;
    kstr_t group_id;
    kstr_t group_state;
    kstr_t protocol_type;
    kstr_t protocol_data;
    int32_t nmembers;
    kp_describegroups_member_t *members;
    int32_t authorized_operations; /* v3+ (INT32_MIN = not asked) */
} kp_describegroups_group_t;

typedef struct kp_describegroups_resp {
    int32_t throttle_time_ms; /* v1+ */
    int32_t ngroups;
    kp_describegroups_group_t *groups;
} kp_describegroups_resp_t;

bool kp_describegroups_flexible(int16_t ver);
kerr_t kp_describegroups_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                    kp_describegroups_req_t *out);
void kp_describegroups_req_encode(wbuf_t *wb, int16_t ver, const kp_describegroups_req_t *r);
void kp_describegroups_resp_encode(wbuf_t *wb, int16_t ver, const kp_describegroups_resp_t *r);

#endif
