/* kp_alterclientquotas.h: AlterClientQuotas (key 49) v0-1; flexible from v1. Each entry names
 * an entity (its user / client-id / ip parts) and the quota values to set (float64) or remove;
 * the response has one error per entry, with the entity echoed. Decoded strings are views
 * into the frame or body; arrays come from the arena. The request encoder and response
 * decoder serve kafka-configs. */
#ifndef KP_ALTERCLIENTQUOTAS_H
#define KP_ALTERCLIENTQUOTAS_H

#include "kp.h"

typedef struct kp_acq_op {
    kstr_t key;
    double value;
    bool remove;
} kp_acq_op_t;

typedef struct kp_acq_entry {
    int32_t nentity;
    kp_quota_entity_t *entity;
    int32_t nops;
    kp_acq_op_t *ops;
} kp_acq_entry_t;

typedef struct kp_alterclientquotas_req {
    int32_t nentries;
    kp_acq_entry_t *entries;
    bool validate_only;
} kp_alterclientquotas_req_t;

typedef struct kp_acq_entry_resp {
    int16_t error_code;
    const char *error_message; /* NULL = null */
    int32_t nentity;
    kp_quota_entity_t *entity;
} kp_acq_entry_resp_t;

typedef struct kp_alterclientquotas_resp {
    int32_t throttle_time_ms;
    int32_t nentries;
    kp_acq_entry_resp_t *entries;
} kp_alterclientquotas_resp_t;

kerr_t kp_alterclientquotas_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                       kp_alterclientquotas_req_t *out);
void kp_alterclientquotas_req_encode(wbuf_t *wb, int16_t ver,
                                     const kp_alterclientquotas_req_t *req);
void kp_alterclientquotas_resp_encode(wbuf_t *wb, int16_t ver,
                                      const kp_alterclientquotas_resp_t *r);
kerr_t kp_alterclientquotas_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                        kp_alterclientquotas_resp_t *out);

#endif
