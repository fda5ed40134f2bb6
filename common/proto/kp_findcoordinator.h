/* kp_findcoordinator.h: FindCoordinator (key 10) v0-4; flexible from v3. v0-3 ask for one key,
 * v4 batches keys (CoordinatorKeys) and answers one Coordinators entry per key. The decoder
 * presents every version as keys[] and the encoder takes coordinators[] (v0-3 use [0]).
 * Any thread. */
#ifndef KP_FINDCOORDINATOR_H
#define KP_FINDCOORDINATOR_H

#include "kp.h"

#define KP_COORD_GROUP       0
#define KP_COORD_TRANSACTION 1

typedef struct kp_findcoordinator_req {
    int8_t key_type; /* v1+, KP_COORD_GROUP before */
    int32_t nkeys;   /* v0-3: 1 (the Key field) */
    kstr_t *keys;
} kp_findcoordinator_req_t;

typedef struct kp_findcoordinator_coord {
    kstr_t key; /* v4+ */
    int32_t node_id;
    kstr_t host;
    int32_t port;
    int16_t error_code;
    kstr_t error_message; /* v1+, nullable */
} kp_findcoordinator_coord_t;

typedef struct kp_findcoordinator_resp {
    int32_t throttle_time_ms; /* v1+ */
    int32_t ncoords;
    kp_findcoordinator_coord_t *coords;
} kp_findcoordinator_resp_t;

bool kp_findcoordinator_flexible(int16_t ver);
kerr_t kp_findcoordinator_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                     kp_findcoordinator_req_t *out);
void kp_findcoordinator_req_encode(wbuf_t *wb, int16_t ver, const kp_findcoordinator_req_t *r);
void kp_findcoordinator_resp_encode(wbuf_t *wb, int16_t ver, const kp_findcoordinator_resp_t *r);

#endif
