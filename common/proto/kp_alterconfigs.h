/* kp_alterconfigs.h: AlterConfigs (key 33) v0-2; flexible from v2. v1 is v0 (the response is
 * sent before throttling). The request replaces a resource's whole set of dynamic configs.
 *
 * The resource and response layouts are shared with IncrementalAlterConfigs (key 44, see
 * kp_incrementalalterconfigs.h), whose request adds a ConfigOperation per config: the decoder
 * and encoder here take the flexible flag and whether operations are present. Decoded strings
 * are views into the frame; arrays come from the arena. */
#ifndef KP_ALTERCONFIGS_H
#define KP_ALTERCONFIGS_H

#include "kp.h"

/* ConfigOperation (IncrementalAlterConfigs; AlterConfigs configs are all SET) */
#define KP_CONFIG_OP_SET      0
#define KP_CONFIG_OP_DELETE   1
#define KP_CONFIG_OP_APPEND   2
#define KP_CONFIG_OP_SUBTRACT 3

typedef struct kp_alterconfigs_config {
    kstr_t name;
    int8_t config_operation; /* KP_CONFIG_OP_SET for AlterConfigs */
    kstr_t value;            /* len -1 = null */
} kp_alterconfigs_config_t;

typedef struct kp_alterconfigs_resource {
    int8_t resource_type; /* KP_RESOURCE_TOPIC, KP_RESOURCE_BROKER... (kp_describeconfigs.h) */
    kstr_t resource_name;
    int32_t nconfigs;
    kp_alterconfigs_config_t *configs;
} kp_alterconfigs_resource_t;

typedef struct kp_alterconfigs_req {
    int32_t nresources;
    kp_alterconfigs_resource_t *resources;
    bool validate_only;
} kp_alterconfigs_req_t;

typedef struct kp_alterconfigs_resource_resp {
    int16_t error_code;
    const char *error_message; /* NULL = null */
    int8_t resource_type;
    kstr_t resource_name;
} kp_alterconfigs_resource_resp_t;

typedef struct kp_alterconfigs_resp {
    int32_t throttle_time_ms;
    int32_t nresponses;
    kp_alterconfigs_resource_resp_t *responses;
} kp_alterconfigs_resp_t;

bool kp_alterconfigs_flexible(int16_t ver);
kerr_t kp_alterconfigs_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_alterconfigs_req_t *out);
void kp_alterconfigs_resp_encode(wbuf_t *wb, int16_t ver, const kp_alterconfigs_resp_t *r);

/* Shared by both APIs: with_ops reads a ConfigOperation after each config name. */
kerr_t kp_alterconfigs_req_decode_any(rbuf_t *rb, bool flexible, bool with_ops, arena_t *a,
                                      kp_alterconfigs_req_t *out);
void kp_alterconfigs_resp_encode_any(wbuf_t *wb, bool flexible, const kp_alterconfigs_resp_t *r);

#endif
