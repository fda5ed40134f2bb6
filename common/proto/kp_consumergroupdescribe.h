/* kp_consumergroupdescribe.h: ConsumerGroupDescribe (key 69) v0-1 (KIP-848); flexible in
 * every version. v1 adds the members' MemberType (KIP-1099: 0 classic, 1 consumer); the
 * request is the same in both. Any thread. */
#ifndef KP_CONSUMERGROUPDESCRIBE_H
#define KP_CONSUMERGROUPDESCRIBE_H

#include "kp.h"

typedef struct kp_cgd_req {
    int32_t ngroups;
    kstr_t *groups;
    bool include_authorized_operations;
} kp_cgd_req_t;

typedef struct kp_cgd_topic {
    uint8_t topic_id[16];
    kstr_t name;
    int32_t nparts;
    int32_t *parts;
} kp_cgd_topic_t;

typedef struct kp_cgd_assignment {
    int32_t ntopics;
    kp_cgd_topic_t *topics;
} kp_cgd_assignment_t;

typedef struct kp_cgd_member {
    kstr_t member_id;
    kstr_t instance_id; /* nullable */
    kstr_t rack_id;     /* nullable */
    int32_t member_epoch;
    kstr_t client_id, client_host;
    int32_t nsubscribed;
    kstr_t *subscribed;
    kstr_t subscribed_regex; /* nullable */
    kp_cgd_assignment_t assignment, target;
    int8_t member_type; /* v1+ */
} kp_cgd_member_t;

typedef struct kp_cgd_group {
    int16_t error_code;
    kstr_t error_message; /* nullable */
    kstr_t group_id;
    kstr_t group_state;
    int32_t group_epoch, assignment_epoch;
    kstr_t assignor_name;
    int32_t nmembers;
    kp_cgd_member_t *members;
    int32_t authorized_operations; /* INT32_MIN when not asked */
} kp_cgd_group_t;

typedef struct kp_cgd_resp {
    int32_t throttle_time_ms;
    int32_t ngroups;
    kp_cgd_group_t *groups;
} kp_cgd_resp_t;

kerr_t kp_cgd_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_cgd_req_t *out);
void kp_cgd_req_encode(wbuf_t *wb, int16_t ver, const kp_cgd_req_t *r);
void kp_cgd_resp_encode(wbuf_t *wb, int16_t ver, const kp_cgd_resp_t *r);

#endif
