/* kp_describeconfigs.h: DescribeConfigs (key 32) v0-4; flexible from v4. */
#ifndef KP_DESCRIBECONFIGS_H
#define KP_DESCRIBECONFIGS_H

#include "kp.h"

#define KP_RESOURCE_TOPIC              2
#define KP_RESOURCE_BROKER             4
#define KP_CONFIG_SOURCE_DYNAMIC_TOPIC 1
#define KP_CONFIG_SOURCE_STATIC_BROKER 4
#define KP_CONFIG_SOURCE_DEFAULT       5

typedef struct kp_describeconfigs_resource {
    int8_t resource_type;
    kstr_t resource_name;
    int32_t nkeys; /* -1 = null = all */
    kstr_t *keys;
} kp_describeconfigs_resource_t;

typedef struct kp_describeconfigs_req {
    int32_t nresources;
    kp_describeconfigs_resource_t *resources;
    bool include_synonyms;      /* v1+ */
    bool include_documentation; /* v3+ */
} kp_describeconfigs_req_t;

typedef struct kp_describeconfigs_synonym {
    const char *name, *value;
    int8_t source;
} kp_describeconfigs_synonym_t;

typedef struct kp_describeconfigs_entry {
    const char *name, *value; /* value NULL = null */
    bool read_only, is_default, is_sensitive;
    int8_t config_source;
    int32_t nsynonyms;
    kp_describeconfigs_synonym_t *synonyms;
    int8_t config_type;
} kp_describeconfigs_entry_t;

typedef struct kp_describeconfigs_result {
    int16_t error_code;
    const char *error_message; /* NULL = null */
    int8_t resource_type;
    kstr_t resource_name;
    int32_t nconfigs;
    kp_describeconfigs_entry_t *configs;
} kp_describeconfigs_result_t;

typedef struct kp_describeconfigs_resp {
    int32_t throttle_time_ms;
    int32_t nresults;
    kp_describeconfigs_result_t *results;
} kp_describeconfigs_resp_t;

bool kp_describeconfigs_flexible(int16_t ver);
kerr_t kp_describeconfigs_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                     kp_describeconfigs_req_t *out);
void kp_describeconfigs_resp_encode(wbuf_t *wb, int16_t ver, const kp_describeconfigs_resp_t *r);

#endif
