/* kp_produce.h: Produce (key 0) v0-9; flexible from v9. records is a view of the raw bytes
 * (RecordBatch v2 for v3+, a legacy MessageSet for v0-2). */
#ifndef KP_PRODUCE_H
#define KP_PRODUCE_H

#include "kp.h"

typedef struct kp_produce_part {
    int32_t index;
    kbytes_t records; /* len -1 = null */
} kp_produce_part_t;

typedef struct kp_produce_topic {
    kstr_t name;
    int32_t nparts;
    kp_produce_part_t *parts;
} kp_produce_topic_t;

typedef struct kp_produce_req {
    kstr_t transactional_id; /* v3+ */
    int16_t acks;
    int32_t timeout_ms;
    int32_t ntopics;
    kp_produce_topic_t *topics;
} kp_produce_req_t;

typedef struct kp_produce_part_resp {
    int32_t index;
    int16_t error_code;
    int64_t base_offset;
    int64_t log_append_time_ms; /* v2+ */
    int64_t log_start_offset;   /* v5+ */
    kstr_t error_message;       /* v8+, zero = null */
} kp_produce_part_resp_t;

typedef struct kp_produce_topic_resp {
    kstr_t name;
    int32_t nparts;
    kp_produce_part_resp_t *parts;
} kp_produce_topic_resp_t;

typedef struct kp_produce_resp {
    int32_t ntopics;
    kp_produce_topic_resp_t *topics;
    int32_t throttle_time_ms;
} kp_produce_resp_t;

bool kp_produce_flexible(int16_t ver);
kerr_t kp_produce_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_produce_req_t *out);
void kp_produce_resp_encode(wbuf_t *wb, int16_t ver, const kp_produce_resp_t *r);

#endif
