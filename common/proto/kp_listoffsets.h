/* kp_listoffsets.h: ListOffsets (key 2) v1-7; flexible from v6. */
#ifndef KP_LISTOFFSETS_H
#define KP_LISTOFFSETS_H

#include "kp.h"

typedef struct kp_listoffsets_part {
    int32_t partition_index;
    int32_t current_leader_epoch; /* v4+, default -1 */
    int64_t timestamp;
} kp_listoffsets_part_t;

typedef struct kp_listoffsets_topic {
    kstr_t name;
    int32_t nparts;
    kp_listoffsets_part_t *parts;
} kp_listoffsets_topic_t;

typedef struct kp_listoffsets_req {
    int32_t replica_id;
    int8_t isolation_level; /* v2+ */
    int32_t ntopics;
    kp_listoffsets_topic_t *topics;
} kp_listoffsets_req_t;

typedef struct kp_listoffsets_part_resp {
    int32_t partition_index;
    int16_t error_code;
    int64_t timestamp, offset;
    int32_t leader_epoch; /* v4+ */
} kp_listoffsets_part_resp_t;

typedef struct kp_listoffsets_topic_resp {
    kstr_t name;
    int32_t nparts;
    kp_listoffsets_part_resp_t *parts;
} kp_listoffsets_topic_resp_t;

typedef struct kp_listoffsets_resp {
    int32_t throttle_time_ms; /* v2+ */
    int32_t ntopics;
    kp_listoffsets_topic_resp_t *topics;
} kp_listoffsets_resp_t;

bool kp_listoffsets_flexible(int16_t ver);
kerr_t kp_listoffsets_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_listoffsets_req_t *out);
void kp_listoffsets_resp_encode(wbuf_t *wb, int16_t ver, const kp_listoffsets_resp_t *r);

#endif
