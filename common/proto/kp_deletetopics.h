/* kp_deletetopics.h: DeleteTopics (key 20) v0-6; flexible from v4. v0-5 name topics only;
 * v6 names or ids. The decoder presents both as topics[] (name, topic_id). */
#ifndef KP_DELETETOPICS_H
#define KP_DELETETOPICS_H

#include "kp.h"

typedef struct kp_deletetopics_topic {
    kstr_t name; /* nullable in v6 (then topic_id is used) */
    uint8_t topic_id[16];
} kp_deletetopics_topic_t;

typedef struct kp_deletetopics_req {
    int32_t ntopics;
    kp_deletetopics_topic_t *topics;
    int32_t timeout_ms;
} kp_deletetopics_req_t;

typedef struct kp_deletetopics_topic_resp {
    kstr_t name;
    uint8_t topic_id[16]; /* v6+ */
    int16_t error_code;
    kstr_t error_message; /* v5+, {NULL,0} = null */
} kp_deletetopics_topic_resp_t;

typedef struct kp_deletetopics_resp {
    int32_t throttle_time_ms; /* v1+ */
    int32_t nresponses;
    kp_deletetopics_topic_resp_t *responses;
} kp_deletetopics_resp_t;

bool kp_deletetopics_flexible(int16_t ver);
kerr_t kp_deletetopics_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_deletetopics_req_t *out);
void kp_deletetopics_resp_encode(wbuf_t *wb, int16_t ver, const kp_deletetopics_resp_t *r);

#endif
