/* kp_scram.h: DescribeUserScramCredentials (key 50) v0 and AlterUserScramCredentials (key 51)
 * v0, both flexible. Mechanism numbers: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512. Views point into the
 * frame; arrays live in the arena. */
#ifndef KP_SCRAM_H
#define KP_SCRAM_H

#include "kp.h"

#define KP_SCRAM_SHA_256 1
#define KP_SCRAM_SHA_512 2

typedef struct kp_dusc_req {
    int32_t nusers; /* -1: null (every user) */
    kstr_t *users;
} kp_dusc_req_t;

typedef struct kp_dusc_cred {
    int8_t mechanism;
    int32_t iterations;
} kp_dusc_cred_t;

typedef struct kp_dusc_result {
    const char *user;
    int16_t error_code;
    const char *error_message;
    int32_t ncreds;
    kp_dusc_cred_t *creds;
} kp_dusc_result_t;

typedef struct kp_dusc_resp {
    int16_t error_code;
    const char *error_message;
    int32_t nresults;
    kp_dusc_result_t *results;
} kp_dusc_resp_t;

typedef struct kp_ausc_deletion {
    kstr_t name;
    int8_t mechanism;
} kp_ausc_deletion_t;

typedef struct kp_ausc_upsertion {
    kstr_t name;
    int8_t mechanism;
    int32_t iterations;
    kbytes_t salt, salted_password;
} kp_ausc_upsertion_t;

typedef struct kp_ausc_req {
    int32_t ndeletions, nupsertions;
    kp_ausc_deletion_t *deletions;
    kp_ausc_upsertion_t *upsertions;
} kp_ausc_req_t;

typedef struct kp_ausc_result {
    const char *user;
    int16_t error_code;
    const char *error_message;
} kp_ausc_result_t;

typedef struct kp_ausc_resp {
    int32_t nresults;
    kp_ausc_result_t *results;
} kp_ausc_resp_t;

kerr_t kp_dusc_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_dusc_req_t *out);
void kp_dusc_resp_encode(wbuf_t *wb, int16_t ver, const kp_dusc_resp_t *r);
kerr_t kp_ausc_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_ausc_req_t *out);
void kp_ausc_resp_encode(wbuf_t *wb, int16_t ver, const kp_ausc_resp_t *r);
/* The tools' side. */
void kp_dusc_req_encode(wbuf_t *wb, const char *const *users, int32_t n);
kerr_t kp_dusc_resp_decode(rbuf_t *rb, arena_t *a, kp_dusc_resp_t *out);
void kp_ausc_req_encode(wbuf_t *wb, const kp_ausc_req_t *r);
kerr_t kp_ausc_resp_decode(rbuf_t *rb, arena_t *a, kp_ausc_resp_t *out);

#endif
