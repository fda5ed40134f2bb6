/* kp_controlledshutdown.h: ControlledShutdown (key 7) v3, broker -> controller: the broker
 * asks the controller to move its leaderships away before it stops; the answer lists the
 * partitions it still leads (the broker retries until none, or gives up after
 * controlled.shutdown.max.retries). Flexible (request header v2, response header v1). */
#ifndef KP_CONTROLLEDSHUTDOWN_H
#define KP_CONTROLLEDSHUTDOWN_H

#include "kp.h"

#define KP_CONTROLLED_SHUTDOWN_VERSION 3

typedef struct kp_cshut_req {
    int32_t broker_id;
    int64_t broker_epoch;
} kp_cshut_req_t;

typedef struct kp_cshut_part {
    kstr_t topic;
    int32_t partition;
} kp_cshut_part_t;

typedef struct kp_cshut_resp {
    int16_t error_code;
    int32_t nremaining;
    kp_cshut_part_t *remaining;
} kp_cshut_resp_t;

void kp_cshut_req_encode(wbuf_t *wb, const kp_cshut_req_t *r);
kerr_t kp_cshut_req_decode(rbuf_t *rb, kp_cshut_req_t *out);
void kp_cshut_resp_encode(wbuf_t *wb, const kp_cshut_resp_t *r);
kerr_t kp_cshut_resp_decode(rbuf_t *rb, arena_t *a, kp_cshut_resp_t *out);

#endif
