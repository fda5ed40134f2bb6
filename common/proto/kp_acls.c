/* kp_acls.c: the three ACL API codecs (see kp_acls.h). */
#include "kp_acls.h"

#include <stdlib.h>
#include <string.h>

#define KP_ACLS_LITERAL 3 /* PatternType LITERAL: the only one before v1 */

static bool kp_acls_flexible(int16_t ver)
{
    return ver >= 2;
}

/* A creation (filter false: every string non-null) or a filter (name, principal, host may be
 * null). Request layout: type, name, [pattern], principal, host, op, perm. */
static void kp_acl_binding_decode(rbuf_t *rb, int16_t ver, bool filter, kp_acl_binding_t *b)
{
    bool f = kp_acls_flexible(ver);
    b->restype = rbuf_i8(rb);
    b->name = rbuf_str_f(rb, f);
    b->pattern = ver >= 1 ? rbuf_i8(rb) : KP_ACLS_LITERAL;
    b->principal = rbuf_str_f(rb, f);
    b->host = rbuf_str_f(rb, f);
    b->op = rbuf_i8(rb);
    b->perm = rbuf_i8(rb);
    if (f) rbuf_skip_tags(rb);
    if (!filter && (b->name.len < 0 || b->principal.len < 0 || b->host.len < 0))
        rbuf_fail(rb, KERR__BAD_MSG);
}

static void kp_acl_binding_encode(wbuf_t *wb, int16_t ver, const kp_acl_binding_t *b)
{
    bool f = kp_acls_flexible(ver);
    wbuf_i8(wb, b->restype);
    wbuf_kstr_f(wb, f, b->name);
    if (ver >= 1) wbuf_i8(wb, b->pattern);
    wbuf_kstr_f(wb, f, b->principal);
    wbuf_kstr_f(wb, f, b->host);
    wbuf_i8(wb, b->op);
    wbuf_i8(wb, b->perm);
    wbuf_tags(wb, f);
}

static void kp_acl_err_decode(rbuf_t *rb, bool f, kp_acl_err_t *e)
{
    e->error_code = rbuf_i16(rb);
    e->error_message = rbuf_str_f(rb, f);
}

static void kp_acl_err_encode(wbuf_t *wb, bool f, const kp_acl_err_t *e)
{
    wbuf_i16(wb, e->error_code);
    wbuf_kstr_f(wb, f, e->error_message);
}

/* ---- CreateAcls ---- */

/* A request that is one array of bindings (CreateAcls creations, DeleteAcls filters). */
static kerr_t kp_acl_bindings_decode(rbuf_t *rb, int16_t ver, arena_t *a, bool filter,
                                     kp_acl_binding_t **out, int32_t *n)
{
    bool f = kp_acls_flexible(ver);
    *out = kp_array_alloc(rb, f, 6, a, sizeof(kp_acl_binding_t), n);
    for (int32_t i = 0; i < *n && !rbuf_err(rb); i++)
        kp_acl_binding_decode(rb, ver, filter, &(*out)[i]);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

static void kp_acl_bindings_encode(wbuf_t *wb, int16_t ver, int32_t n, const kp_acl_binding_t *b)
{
    bool f = kp_acls_flexible(ver);
    wbuf_array_len(wb, f, n);
    for (int32_t i = 0; i < n; i++) kp_acl_binding_encode(wb, ver, &b[i]);
    wbuf_tags(wb, f);
}

kerr_t kp_createacls_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_createacls_req_t *out)
{
    memset(out, 0, sizeof(*out));
    return kp_acl_bindings_decode(rb, ver, a, false, &out->creations, &out->n);
}

void kp_createacls_req_encode(wbuf_t *wb, int16_t ver, const kp_createacls_req_t *r)
{
    kp_acl_bindings_encode(wb, ver, r->n, r->creations);
}

void kp_createacls_resp_encode(wbuf_t *wb, int16_t ver, const kp_createacls_resp_t *r)
{
    bool f = kp_acls_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->n);
    for (int32_t i = 0; i < r->n; i++) {
        kp_acl_err_encode(wb, f, &r->results[i]);
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

kerr_t kp_createacls_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_createacls_resp_t *out)
{
    bool f = kp_acls_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    out->results = kp_array_alloc(rb, f, 3, a, sizeof(kp_acl_err_t), &out->n);
    for (int32_t i = 0; i < out->n && !rbuf_err(rb); i++) {
        kp_acl_err_decode(rb, f, &out->results[i]);
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

/* ---- DescribeAcls ---- */

kerr_t kp_describeacls_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_describeacls_req_t *out)
{
    (void)a;
    memset(out, 0, sizeof(*out));
    kp_acl_binding_decode(rb, ver, true, &out->filter); /* its tags are the request's */
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_describeacls_req_encode(wbuf_t *wb, int16_t ver, const kp_describeacls_req_t *r)
{
    kp_acl_binding_encode(wb, ver, &r->filter);
}

void kp_describeacls_resp_encode(wbuf_t *wb, int16_t ver, const kp_describeacls_resp_t *r)
{
    bool f = kp_acls_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    kp_acl_err_encode(wb, f, &r->err);
    wbuf_array_len(wb, f, r->nresources);
    for (int32_t i = 0; i < r->nresources; i++) {
        const kp_acl_resource_t *res = &r->resources[i];
        const kp_acl_binding_t *b0 = &res->acls[0];
        wbuf_i8(wb, b0->restype);
        wbuf_kstr_f(wb, f, b0->name);
        if (ver >= 1) wbuf_i8(wb, b0->pattern);
        wbuf_array_len(wb, f, res->nacls);
        for (int32_t j = 0; j < res->nacls; j++) {
            const kp_acl_binding_t *b = &res->acls[j];
            wbuf_kstr_f(wb, f, b->principal);
            wbuf_kstr_f(wb, f, b->host);
            wbuf_i8(wb, b->op);
            wbuf_i8(wb, b->perm);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

static void kp_acl_resource_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_acl_resource_t *res)
{
    bool f = kp_acls_flexible(ver);
    kp_acl_binding_t head = {0};
    head.restype = rbuf_i8(rb);
    head.name = rbuf_str_f(rb, f);
    head.pattern = ver >= 1 ? rbuf_i8(rb) : KP_ACLS_LITERAL;
    res->acls = kp_array_alloc(rb, f, 4, a, sizeof(kp_acl_binding_t), &res->nacls);
    for (int32_t j = 0; j < res->nacls && !rbuf_err(rb); j++) {
        kp_acl_binding_t *b = &res->acls[j];
        *b = head;
        b->principal = rbuf_str_f(rb, f);
        b->host = rbuf_str_f(rb, f);
        b->op = rbuf_i8(rb);
        b->perm = rbuf_i8(rb);
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
}

kerr_t kp_describeacls_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_describeacls_resp_t *out)
{
    bool f = kp_acls_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    kp_acl_err_decode(rb, f, &out->err);
    out->resources = kp_array_alloc(rb, f, 4, a, sizeof(kp_acl_resource_t), &out->nresources);
    for (int32_t i = 0; i < out->nresources && !rbuf_err(rb); i++)
        kp_acl_resource_decode(rb, ver, a, &out->resources[i]);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

static int kp_acl_cmp(const void *x, const void *y)
{
    const kp_acl_binding_t *a = x, *b = y;
    if (a->restype != b->restype) return a->restype - b->restype;
    if (a->pattern != b->pattern) return a->pattern - b->pattern;
    int32_t n = a->name.len < b->name.len ? a->name.len : b->name.len;
    int c = n > 0 ? memcmp(a->name.p, b->name.p, (size_t)n) : 0;
    return c ? c : a->name.len - b->name.len;
}

void kp_acl_resources_group(arena_t *a, kp_acl_binding_t *b, int32_t n,
                            kp_describeacls_resp_t *resp)
{
    if (n > 1) qsort(b, (size_t)n, sizeof(*b), kp_acl_cmp);
    resp->nresources = 0;
    resp->resources = arena_calloc(a, (size_t)n + 1, sizeof(kp_acl_resource_t));
    for (int32_t i = 0; i < n; i++) {
        if (i == 0 || kp_acl_cmp(&b[i - 1], &b[i]) != 0)
            resp->resources[resp->nresources++].acls = &b[i];
        resp->resources[resp->nresources - 1].nacls++;
    }
}

/* ---- DeleteAcls ---- */

kerr_t kp_deleteacls_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_deleteacls_req_t *out)
{
    memset(out, 0, sizeof(*out));
    return kp_acl_bindings_decode(rb, ver, a, true, &out->filters, &out->n);
}

void kp_deleteacls_req_encode(wbuf_t *wb, int16_t ver, const kp_deleteacls_req_t *r)
{
    kp_acl_bindings_encode(wb, ver, r->n, r->filters);
}

void kp_deleteacls_resp_encode(wbuf_t *wb, int16_t ver, const kp_deleteacls_resp_t *r)
{
    bool f = kp_acls_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->n);
    for (int32_t i = 0; i < r->n; i++) {
        const kp_deleteacls_result_t *res = &r->results[i];
        kp_acl_err_encode(wb, f, &res->err);
        wbuf_array_len(wb, f, res->nmatching);
        for (int32_t j = 0; j < res->nmatching; j++) {
            const kp_acl_match_t *m = &res->matching[j];
            kp_acl_err_encode(wb, f, &m->err);
            kp_acl_binding_encode(wb, ver, &m->acl); /* same layout, its tags included */
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

kerr_t kp_deleteacls_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_deleteacls_resp_t *out)
{
    bool f = kp_acls_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    out->results = kp_array_alloc(rb, f, 4, a, sizeof(kp_deleteacls_result_t), &out->n);
    for (int32_t i = 0; i < out->n && !rbuf_err(rb); i++) {
        kp_deleteacls_result_t *res = &out->results[i];
        kp_acl_err_decode(rb, f, &res->err);
        res->matching = kp_array_alloc(rb, f, 10, a, sizeof(kp_acl_match_t), &res->nmatching);
        for (int32_t j = 0; j < res->nmatching && !rbuf_err(rb); j++) {
            kp_acl_err_decode(rb, f, &res->matching[j].err);
            kp_acl_binding_decode(rb, ver, false, &res->matching[j].acl);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
