/* kp_offsetcommit.h: OffsetCommit (key 8) v0-8 (served: 2-8); flexible from v8.
 * GenerationId / MemberId from v1, CommitTimestamp in v1 only, RetentionTimeMs in v2-4,
 * CommittedLeaderEpoch from v6, GroupInstanceId from v7. Any thread. */
#ifndef KP_OFFSETCOMMIT_H
#define KP_OFFSETCOMMIT_H

#include "kp.h"

typedef struct kp_offsetcommit_part {
    int32_t partition_index;
    int64_t committed_offset;
    int32_t committed_leader_epoch; /* v6+, -1 */
    int64_t commit_timestamp;       /* v1 only, -1 */
    kstr_t committed_metadata;      /* nullable */
} kp_offsetcommit_part_t;

typedef struct kp_offsetcommit_topic {
    kstr_t name;
    int32_t nparts;
    kp_offsetcommit_part_t *parts;
} kp_offsetcommit_topic_t;

typedef struct kp_offsetcommit_req {
    kstr_t group_id;
    int32_t generation_id;     /* v1+, -1 */
    kstr_t member_id;          /* v1+, "" */
    kstr_t group_instance_id;  /* v7+, nullable */
    int64_t retention_time_ms; /* v2-4, -1 */
    int32_t ntopics;
    kp_offsetcommit_topic_t *topics;
} kp_offsetcommit_req_t;

typedef struct kp_offsetcommit_resp {
    int32_t throttle_time_ms; /* v3+ */
    int32_t ntopics;
    kp_topic_errs_t *topics;
} kp_offsetcommit_resp_t;

bool kp_offsetcommit_flexible(int16_t ver);
kerr_t kp_offsetcommit_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_offsetcommit_req_t *out);
void kp_offsetcommit_req_encode(wbuf_t *wb, int16_t ver, const kp_offsetcommit_req_t *r);
void kp_offsetcommit_resp_encode(wbuf_t *wb, int16_t ver, const kp_offsetcommit_resp_t *r);
/* The topics array into out (also TxnOffsetCommit's): fields says which optional partition
 * fields the version carries. */
#define KP_OC_EPOCH     1u /* CommittedLeaderEpoch */
#define KP_OC_TIMESTAMP 2u /* CommitTimestamp (OffsetCommit v1) */
void kp_offsetcommit_topics_decode(rbuf_t *rb, bool f, unsigned fields, arena_t *a,
                                   kp_offsetcommit_req_t *out);
void kp_offsetcommit_topics_encode(wbuf_t *wb, bool f, unsigned fields,
                                   const kp_offsetcommit_req_t *r);

#endif
