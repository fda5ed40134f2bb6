/* kp_describelogdirs.h: DescribeLogDirs (key 35) v0-4 (KIP-113); flexible from v2. v1 = v0;
 * v3 adds the response's top-level error code; v4 each dir's total and usable bytes. A null
 * topic list asks for every partition. Any thread. */
#ifndef KP_DESCRIBELOGDIRS_H
#define KP_DESCRIBELOGDIRS_H

#include "kp.h"

typedef struct kp_describelogdirs_req {
    int32_t ntopics; /* -1: null (all topics) */
    kp_topic_parts_t *topics;
} kp_describelogdirs_req_t;

typedef struct kp_logdir_part {
    int32_t partition_index;
    int64_t partition_size;
    int64_t offset_lag; /* -1 when the broker does not host the partition */
    bool is_future_key;
} kp_logdir_part_t;

typedef struct kp_logdir_topic {
    kstr_t name;
    int32_t nparts;
    kp_logdir_part_t *parts;
} kp_logdir_topic_t;

typedef struct kp_logdir_result {
    int16_t error_code;
    kstr_t log_dir;
    int32_t ntopics;
    kp_logdir_topic_t *topics;
    int64_t total_bytes, usable_bytes; /* v4+, -1 unknown */
} kp_logdir_result_t;

typedef struct kp_describelogdirs_resp {
    int32_t throttle_time_ms;
    int16_t error_code; /* v3+ */
    int32_t nresults;
    kp_logdir_result_t *results;
} kp_describelogdirs_resp_t;

kerr_t kp_describelogdirs_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                     kp_describelogdirs_req_t *out);
void kp_describelogdirs_req_encode(wbuf_t *wb, int16_t ver, const kp_describelogdirs_req_t *r);
void kp_describelogdirs_resp_encode(wbuf_t *wb, int16_t ver, const kp_describelogdirs_resp_t *r);
kerr_t kp_describelogdirs_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                      kp_describelogdirs_resp_t *out);

#endif
