/* kp_electleaders.h: ElectLeaders (key 43) v0-2; flexible from v2. Election type 0 =
 * preferred replica, 1 = unclean (first live replica when no ISR member is alive). A null
 * topic list means every partition. */
#ifndef KP_ELECTLEADERS_H
#define KP_ELECTLEADERS_H

#include "kp.h"

typedef struct kp_elect_topic {
    kstr_t topic;
    int32_t nparts;
    int32_t *parts;
} kp_elect_topic_t;

typedef struct kp_elect_req {
    int8_t election_type; /* v1+, 0 for v0 */
    int32_t ntopics;      /* -1 = all partitions */
    kp_elect_topic_t *topics;
    int32_t timeout_ms;
} kp_elect_req_t;

typedef struct kp_elect_part_resp {
    int32_t partition;
    int16_t error_code;
    const char *error_message; /* NULL = null */
} kp_elect_part_resp_t;

typedef struct kp_elect_topic_resp {
    kstr_t topic;
    int32_t nparts;
    kp_elect_part_resp_t *parts;
} kp_elect_topic_resp_t;

typedef struct kp_elect_resp {
    int32_t throttle_time_ms;
    int16_t error_code; /* v1+ */
    int32_t ntopics;
    kp_elect_topic_resp_t *topics;
} kp_elect_resp_t;

bool kp_elect_flexible(int16_t ver);
kerr_t kp_elect_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_elect_req_t *out);
void kp_elect_resp_encode(wbuf_t *wb, int16_t ver, const kp_elect_resp_t *r);

#endif
