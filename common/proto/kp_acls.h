/* kp_acls.h: DescribeAcls (29), CreateAcls (30), DeleteAcls (31), v0-3 each; flexible from
 * v2; the pattern type is on the wire from v1 (LITERAL before). One binding type serves the
 * creations, the filters (null name / principal / host = any) and the results. Any thread.
 * Decoded views point into the frame; arrays come from the arena. */
#ifndef KP_ACLS_H
#define KP_ACLS_H

#include "kp.h"

typedef struct kp_acl_binding {
    int8_t restype;
    kstr_t name;
    int8_t pattern;
    kstr_t principal, host;
    int8_t op, perm;
} kp_acl_binding_t;

typedef struct kp_acl_err {
    int16_t error_code;
    kstr_t error_message; /* null when none */
} kp_acl_err_t;

typedef struct kp_createacls_req {
    int32_t n;
    kp_acl_binding_t *creations;
} kp_createacls_req_t;

typedef struct kp_createacls_resp {
    int32_t throttle_time_ms;
    int32_t n;
    kp_acl_err_t *results;
} kp_createacls_resp_t;

typedef struct kp_describeacls_req {
    kp_acl_binding_t filter;
} kp_describeacls_req_t;

/* One resource pattern of a DescribeAcls answer: its bindings (restype, name and pattern
 * are taken from acls[0], which all share). */
typedef struct kp_acl_resource {
    int32_t nacls;
    kp_acl_binding_t *acls;
} kp_acl_resource_t;

typedef struct kp_describeacls_resp {
    int32_t throttle_time_ms;
    kp_acl_err_t err;
    int32_t nresources;
    kp_acl_resource_t *resources;
} kp_describeacls_resp_t;

typedef struct kp_deleteacls_req {
    int32_t n;
    kp_acl_binding_t *filters;
} kp_deleteacls_req_t;

typedef struct kp_acl_match {
    kp_acl_err_t err;
    kp_acl_binding_t acl;
} kp_acl_match_t;

typedef struct kp_deleteacls_result {
    kp_acl_err_t err;
    int32_t nmatching;
    kp_acl_match_t *matching;
} kp_deleteacls_result_t;

typedef struct kp_deleteacls_resp {
    int32_t throttle_time_ms;
    int32_t n;
    kp_deleteacls_result_t *results;
} kp_deleteacls_resp_t;

/* Sort bindings by pattern (type, pattern type, name) and make them resp's resources (one per
 * pattern; the resources point into b). */
void kp_acl_resources_group(arena_t *a, kp_acl_binding_t *b, int32_t n,
                            kp_describeacls_resp_t *resp);

kerr_t kp_createacls_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_createacls_req_t *out);
void kp_createacls_req_encode(wbuf_t *wb, int16_t ver, const kp_createacls_req_t *r);
void kp_createacls_resp_encode(wbuf_t *wb, int16_t ver, const kp_createacls_resp_t *r);
kerr_t kp_createacls_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_createacls_resp_t *out);

kerr_t kp_describeacls_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_describeacls_req_t *out);
void kp_describeacls_req_encode(wbuf_t *wb, int16_t ver, const kp_describeacls_req_t *r);
void kp_describeacls_resp_encode(wbuf_t *wb, int16_t ver, const kp_describeacls_resp_t *r);
kerr_t kp_describeacls_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                   kp_describeacls_resp_t *out);

kerr_t kp_deleteacls_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_deleteacls_req_t *out);
void kp_deleteacls_req_encode(wbuf_t *wb, int16_t ver, const kp_deleteacls_req_t *r);
void kp_deleteacls_resp_encode(wbuf_t *wb, int16_t ver, const kp_deleteacls_resp_t *r);
kerr_t kp_deleteacls_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_deleteacls_resp_t *out);

#endif
