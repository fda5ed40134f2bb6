/* kp_describeclientquotas.h: DescribeClientQuotas (key 48) v0-1; flexible from v1. The
 * request filters entities by components (an entity type matched exactly, as the default, or
 * any specified name), strict excluding entities with other parts; the response lists each
 * matching entity with its quota values (float64). Decoded strings are views into the frame
 * or response body; arrays come from the arena. The request encoder and response decoder
 * serve kafka-configs. */
#ifndef KP_DESCRIBECLIENTQUOTAS_H
#define KP_DESCRIBECLIENTQUOTAS_H

#include "kp.h"

#define KP_QUOTA_MATCH_EXACT   0
#define KP_QUOTA_MATCH_DEFAULT 1
#define KP_QUOTA_MATCH_ANY     2

typedef struct kp_dcq_component {
    kstr_t entity_type;
    int8_t match_type;
    kstr_t match; /* len -1 = null */
} kp_dcq_component_t;

typedef struct kp_describeclientquotas_req {
    int32_t ncomponents;
    kp_dcq_component_t *components;
    bool strict;
} kp_describeclientquotas_req_t;

typedef struct kp_quota_value {
    kstr_t key;
    double value;
} kp_quota_value_t;

typedef struct kp_dcq_entry {
    int32_t nentity;
    kp_quota_entity_t *entity;
    int32_t nvalues;
    kp_quota_value_t *values;
} kp_dcq_entry_t;

typedef struct kp_describeclientquotas_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    const char *error_message; /* NULL = null */
    int32_t nentries;          /* -1 = null (sent with an error) */
    kp_dcq_entry_t *entries;
} kp_describeclientquotas_resp_t;

kerr_t kp_describeclientquotas_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                          kp_describeclientquotas_req_t *out);
void kp_describeclientquotas_req_encode(wbuf_t *wb, int16_t ver,
                                        const kp_describeclientquotas_req_t *req);
void kp_describeclientquotas_resp_encode(wbuf_t *wb, int16_t ver,
                                         const kp_describeclientquotas_resp_t *r);
/* error_message is a view too (NUL-terminated copy in the arena). */
kerr_t kp_describeclientquotas_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                           kp_describeclientquotas_resp_t *out);

#endif
