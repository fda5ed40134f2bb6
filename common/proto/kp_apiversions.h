/* kp_apiversions.h: ApiVersions (key 18) v0-3; flexible from v3. The response header is
 * ALWAYS v0 (no tagged fields), even for v3 (KIP-511), which the connection handles. */
#ifndef KP_APIVERSIONS_H
#define KP_APIVERSIONS_H

#include "kp.h"

typedef struct kp_apiversions_req {
    kstr_t client_software_name;    /* v3+ */
    kstr_t client_software_version; /* v3+ */
} kp_apiversions_req_t;

typedef struct kp_apiversions_api {
    int16_t api_key, min_version, max_version;
} kp_apiversions_api_t;

typedef struct kp_apiversions_resp {
    int16_t error_code;
    int32_t napis;
    kp_apiversions_api_t *apis;
    int32_t throttle_time_ms; /* v1+ */
} kp_apiversions_resp_t;

bool kp_apiversions_flexible(int16_t ver);
kerr_t kp_apiversions_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_apiversions_req_t *out);
void kp_apiversions_resp_encode(wbuf_t *wb, int16_t ver, const kp_apiversions_resp_t *r);

#endif
