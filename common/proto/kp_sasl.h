/* kp_sasl.h: SaslHandshake (key 17) v0-1 and SaslAuthenticate (key 36) v0-2 (v2 flexible).
 * Decoded views point into the request frame. */
#ifndef KP_SASL_H
#define KP_SASL_H

#include "kp.h"

typedef struct kp_saslhandshake_req {
    kstr_t mechanism;
} kp_saslhandshake_req_t;

typedef struct kp_saslhandshake_resp {
    int16_t error_code;
    int32_t nmechanisms;
    const char *const *mechanisms;
} kp_saslhandshake_resp_t;

typedef struct kp_saslauth_req {
    kbytes_t auth_bytes;
} kp_saslauth_req_t;

typedef struct kp_saslauth_resp {
    int16_t error_code;
    const char *error_message; /* NULL = null */
    const uint8_t *auth_bytes;
    int32_t auth_len;
    int64_t session_lifetime_ms; /* v1+ */
} kp_saslauth_resp_t;

kerr_t kp_saslhandshake_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                   kp_saslhandshake_req_t *out);
void kp_saslhandshake_resp_encode(wbuf_t *wb, int16_t ver, const kp_saslhandshake_resp_t *r);
bool kp_saslauth_flexible(int16_t ver);
kerr_t kp_saslauth_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_saslauth_req_t *out);
void kp_saslauth_resp_encode(wbuf_t *wb, int16_t ver, const kp_saslauth_resp_t *r);
kerr_t kp_saslauth_resp_decode(rbuf_t *rb, int16_t ver, kp_saslauth_resp_t *out);
/* Request bodies, for the broker's and the tools' own logins. */
void kp_saslhandshake_req_encode(wbuf_t *wb, const char *mechanism);
void kp_saslauth_req_encode(wbuf_t *wb, int16_t ver, const void *p, int32_t len);

#endif
