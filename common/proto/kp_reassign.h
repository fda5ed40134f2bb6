/* kp_reassign.h: AlterPartitionReassignments (key 45) and ListPartitionReassignments (key 46),
 * KIP-455, version 0 of each, flexible from v0. One file for the pair: they describe the same
 * thing (a partition's target replicas) from the two sides. */
#ifndef KP_REASSIGN_H
#define KP_REASSIGN_H

#include "kp.h"

/* ---- AlterPartitionReassignments ---- */

typedef struct kp_reassign_part {
    int32_t partition;
    int32_t nreplicas; /* -1: null = cancel the pending reassignment */
    int32_t *replicas;
} kp_reassign_part_t;

typedef struct kp_reassign_topic {
    kstr_t name;
    int32_t nparts;
    kp_reassign_part_t *parts;
} kp_reassign_topic_t;

typedef struct kp_reassign_req {
    int32_t timeout_ms;
    int32_t ntopics;
    kp_reassign_topic_t *topics;
} kp_reassign_req_t;

typedef struct kp_reassign_part_resp {
    int32_t partition;
    int16_t error_code;
    const char *error_message; /* NULL = null */
} kp_reassign_part_resp_t;

typedef struct kp_reassign_topic_resp {
    kstr_t name;
    int32_t nparts;
    kp_reassign_part_resp_t *parts;
} kp_reassign_topic_resp_t;

typedef struct kp_reassign_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    const char *error_message;
    int32_t ntopics;
    kp_reassign_topic_resp_t *topics;
} kp_reassign_resp_t;

kerr_t kp_reassign_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_reassign_req_t *out);
void kp_reassign_req_encode(wbuf_t *wb, int16_t ver, const kp_reassign_req_t *r);
void kp_reassign_resp_encode(wbuf_t *wb, int16_t ver, const kp_reassign_resp_t *r);
kerr_t kp_reassign_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_reassign_resp_t *out);

/* ---- ListPartitionReassignments ---- */

typedef struct kp_listreassign_req {
    int32_t timeout_ms;
    int32_t ntopics; /* -1: null = every ongoing reassignment */
    kp_topic_parts_t *topics;
} kp_listreassign_req_t;

typedef struct kp_listreassign_part {
    int32_t partition;
    int32_t nreplicas, nadding, nremoving;
    int32_t *replicas, *adding, *removing;
} kp_listreassign_part_t;

typedef struct kp_listreassign_topic {
    kstr_t name;
    int32_t nparts;
    kp_listreassign_part_t *parts;
} kp_listreassign_topic_t;

typedef struct kp_listreassign_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    const char *error_message;
    int32_t ntopics;
    kp_listreassign_topic_t *topics;
} kp_listreassign_resp_t;

kerr_t kp_listreassign_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_listreassign_req_t *out);
void kp_listreassign_req_encode(wbuf_t *wb, int16_t ver, const kp_listreassign_req_t *r);
void kp_listreassign_resp_encode(wbuf_t *wb, int16_t ver, const kp_listreassign_resp_t *r);
kerr_t kp_listreassign_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                   kp_listreassign_resp_t *out);

#endif
