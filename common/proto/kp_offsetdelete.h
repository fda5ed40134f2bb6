/* kp_offsetdelete.h: OffsetDelete (key 47) v0 (not flexible). Any thread. */
#ifndef KP_OFFSETDELETE_H
#define KP_OFFSETDELETE_H

#include "kp.h"

typedef struct kp_offsetdelete_req {
    kstr_t group_id;
    int32_t ntopics;
    kp_topic_parts_t *topics; /* Partitions[].PartitionIndex */
} kp_offsetdelete_req_t;

typedef struct kp_offsetdelete_resp {
    int16_t error_code;
    int32_t throttle_time_ms;
    int32_t ntopics;
    kp_topic_errs_t *topics;
} kp_offsetdelete_resp_t;

kerr_t kp_offsetdelete_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_offsetdelete_req_t *out);
void kp_offsetdelete_req_encode(wbuf_t *wb, int16_t ver, const kp_offsetdelete_req_t *r);
void kp_offsetdelete_resp_encode(wbuf_t *wb, int16_t ver, const kp_offsetdelete_resp_t *r);

#endif
