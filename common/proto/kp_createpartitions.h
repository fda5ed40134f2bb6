/* kp_createpartitions.h: CreatePartitions (key 37) v0-3; flexible from v2. */
#ifndef KP_CREATEPARTITIONS_H
#define KP_CREATEPARTITIONS_H

#include "kp.h"

typedef struct kp_createpartitions_assignment {
    int32_t nbroker_ids;
    int32_t *broker_ids;
} kp_createpartitions_assignment_t;

typedef struct kp_createpartitions_topic {
    kstr_t name;
    int32_t count;
    int32_t nassignments; /* -1 = null */
    kp_createpartitions_assignment_t *assignments;
} kp_createpartitions_topic_t;

typedef struct kp_createpartitions_req {
    int32_t ntopics;
    kp_createpartitions_topic_t *topics;
    int32_t timeout_ms;
    bool validate_only;
} kp_createpartitions_req_t;

typedef struct kp_createpartitions_result {
    kstr_t name;
    int16_t error_code;
    kstr_t error_message; /* {NULL,0} = null */
} kp_createpartitions_result_t;

typedef struct kp_createpartitions_resp {
    int32_t throttle_time_ms;
    int32_t nresults;
    kp_createpartitions_result_t *results;
} kp_createpartitions_resp_t;

bool kp_createpartitions_flexible(int16_t ver);
kerr_t kp_createpartitions_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                      kp_createpartitions_req_t *out);
void kp_createpartitions_resp_encode(wbuf_t *wb, int16_t ver, const kp_createpartitions_resp_t *r);

#endif
