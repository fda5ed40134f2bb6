/* kp_offsetfetch.h: OffsetFetch (key 9) v0-7 (served: 1-7); flexible from v6. A null Topics
 * array (v2+) asks for every committed offset of the group; top-level ErrorCode from v2,
 * CommittedLeaderEpoch from v5, RequireStable from v7. (v8's groups batch is not
 * supported.) Any thread. */
#ifndef KP_OFFSETFETCH_H
#define KP_OFFSETFETCH_H

#include "kp.h"

typedef struct kp_offsetfetch_req {
    kstr_t group_id;
    int32_t ntopics; /* -1 = all topics (v2+) */
    kp_topic_parts_t *topics;
    bool require_stable; /* v7+ */
} kp_offsetfetch_req_t;

typedef struct kp_offsetfetch_part {
    int32_t partition_index;
    int64_t committed_offset;       /* -1 = none */
    int32_t committed_leader_epoch; /* v5+ */
    kstr_t metadata;                /* nullable */
    int16_t error_code;
} kp_offsetfetch_part_t;

typedef struct kp_offsetfetch_topic {
    kstr_t name;
    int32_t nparts;
    kp_offsetfetch_part_t *parts;
} kp_offsetfetch_topic_t;

typedef struct kp_offsetfetch_resp {
    int32_t throttle_time_ms; /* v3+ */
    int32_t ntopics;
    kp_offsetfetch_topic_t *topics;
    int16_t error_code; /* v2+ */
} kp_offsetfetch_resp_t;

bool kp_offsetfetch_flexible(int16_t ver);
kerr_t kp_offsetfetch_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_offsetfetch_req_t *out);
void kp_offsetfetch_req_encode(wbuf_t *wb, int16_t ver, const kp_offsetfetch_req_t *r);
void kp_offsetfetch_resp_encode(wbuf_t *wb, int16_t ver, const kp_offsetfetch_resp_t *r);

#endif
