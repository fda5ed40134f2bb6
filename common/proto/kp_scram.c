/* kp_scram.c: DescribeUserScramCredentials and AlterUserScramCredentials codecs. */
#include "kp_scram.h"

#include <string.h>

kerr_t kp_dusc_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_dusc_req_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    out->nusers = rbuf_array_len(rb, true, 2);
    if (out->nusers > 0) {
        out->users = arena_calloc(a, (size_t)out->nusers, sizeof(kstr_t));
        for (int32_t i = 0; i < out->nusers && !rbuf_err(rb); i++) {
            out->users[i] = rbuf_compact_str(rb);
            rbuf_skip_tags(rb);
        }
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_dusc_resp_encode(wbuf_t *wb, int16_t ver, const kp_dusc_resp_t *r)
{
    (void)ver;
    wbuf_i32(wb, 0); /* throttle_time_ms */
    wbuf_i16(wb, r->error_code);
    wbuf_cstr_f(wb, true, r->error_message);
    wbuf_array_len(wb, true, r->nresults);
    for (int32_t i = 0; i < r->nresults; i++) {
        const kp_dusc_result_t *x = &r->results[i];
        wbuf_cstr_f(wb, true, x->user);
        wbuf_i16(wb, x->error_code);
        wbuf_cstr_f(wb, true, x->error_message);
        wbuf_array_len(wb, true, x->ncreds);
        for (int32_t j = 0; j < x->ncreds; j++) {
            wbuf_i8(wb, x->creds[j].mechanism);
            wbuf_i32(wb, x->creds[j].iterations);
            wbuf_tags(wb, true);
        }
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

kerr_t kp_ausc_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_ausc_req_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    out->ndeletions = rbuf_array_len(rb, true, 3);
    if (out->ndeletions > 0) {
        out->deletions = arena_calloc(a, (size_t)out->ndeletions, sizeof(*out->deletions));
        for (int32_t i = 0; i < out->ndeletions && !rbuf_err(rb); i++) {
            out->deletions[i].name = rbuf_compact_str(rb);
            out->deletions[i].mechanism = rbuf_i8(rb);
            rbuf_skip_tags(rb);
        }
    }
    out->nupsertions = rbuf_array_len(rb, true, 9);
    if (out->nupsertions > 0) {
        out->upsertions = arena_calloc(a, (size_t)out->nupsertions, sizeof(*out->upsertions));
        for (int32_t i = 0; i < out->nupsertions && !rbuf_err(rb); i++) {
            kp_ausc_upsertion_t *u = &out->upsertions[i];
            u->name = rbuf_compact_str(rb);
            u->mechanism = rbuf_i8(rb);
            u->iterations = rbuf_i32(rb);
            u->salt = rbuf_compact_bytes(rb);
            u->salted_password = rbuf_compact_bytes(rb);
            rbuf_skip_tags(rb);
        }
    }
    rbuf_skip_tags(rb);
    if (out->ndeletions < 0 || out->nupsertions < 0) return KERR__BAD_MSG;
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_ausc_resp_encode(wbuf_t *wb, int16_t ver, const kp_ausc_resp_t *r)
{
    (void)ver;
    wbuf_i32(wb, 0);
    wbuf_array_len(wb, true, r->nresults);
    for (int32_t i = 0; i < r->nresults; i++) {
        wbuf_cstr_f(wb, true, r->results[i].user);
        wbuf_i16(wb, r->results[i].error_code);
        wbuf_cstr_f(wb, true, r->results[i].error_message);
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

void kp_dusc_req_encode(wbuf_t *wb, const char *const *users, int32_t n)
{
    wbuf_array_len(wb, true, n);
    for (int32_t i = 0; i < n; i++) {
        wbuf_cstr_f(wb, true, users[i]);
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

static const char *kp_scram_str(rbuf_t *rb, arena_t *a)
{
    kstr_t s = rbuf_compact_str(rb);
    return s.len < 0 ? NULL : arena_strndup(a, s.p, (size_t)s.len);
}

kerr_t kp_dusc_resp_decode(rbuf_t *rb, arena_t *a, kp_dusc_resp_t *out)
{
    memset(out, 0, sizeof(*out));
    rbuf_i32(rb);
    out->error_code = rbuf_i16(rb);
    out->error_message = kp_scram_str(rb, a);
    out->nresults = rbuf_array_len(rb, true, 4);
    if (out->nresults > 0) {
        out->results = arena_calloc(a, (size_t)out->nresults, sizeof(*out->results));
        for (int32_t i = 0; i < out->nresults && !rbuf_err(rb); i++) {
            kp_dusc_result_t *x = &out->results[i];
            x->user = kp_scram_str(rb, a);
            x->error_code = rbuf_i16(rb);
            x->error_message = kp_scram_str(rb, a);
            x->ncreds = rbuf_array_len(rb, true, 6);
            if (x->ncreds > 0) x->creds = arena_calloc(a, (size_t)x->ncreds, sizeof(*x->creds));
            for (int32_t j = 0; j < x->ncreds && !rbuf_err(rb); j++) {
                x->creds[j].mechanism = rbuf_i8(rb);
                x->creds[j].iterations = rbuf_i32(rb);
                rbuf_skip_tags(rb);
            }
            rbuf_skip_tags(rb);
        }
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_ausc_req_encode(wbuf_t *wb, const kp_ausc_req_t *r)
{
    wbuf_array_len(wb, true, r->ndeletions);
    for (int32_t i = 0; i < r->ndeletions; i++) {
        wbuf_compact_str(wb, r->deletions[i].name.p, r->deletions[i].name.len);
        wbuf_i8(wb, r->deletions[i].mechanism);
        wbuf_tags(wb, true);
    }
    wbuf_array_len(wb, true, r->nupsertions);
    for (int32_t i = 0; i < r->nupsertions; i++) {
        const kp_ausc_upsertion_t *u = &r->upsertions[i];
        wbuf_compact_str(wb, u->name.p, u->name.len);
        wbuf_i8(wb, u->mechanism);
        wbuf_i32(wb, u->iterations);
        wbuf_bytes_f(wb, true, u->salt.p, u->salt.len);
        wbuf_bytes_f(wb, true, u->salted_password.p, u->salted_password.len);
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

kerr_t kp_ausc_resp_decode(rbuf_t *rb, arena_t *a, kp_ausc_resp_t *out)
{
    memset(out, 0, sizeof(*out));
    rbuf_i32(rb);
    out->nresults = rbuf_array_len(rb, true, 4);
    if (out->nresults > 0) {
        out->results = arena_calloc(a, (size_t)out->nresults, sizeof(*out->results));
        for (int32_t i = 0; i < out->nresults && !rbuf_err(rb); i++) {
            out->results[i].user = kp_scram_str(rb, a);
            out->results[i].error_code = rbuf_i16(rb);
            out->results[i].error_message = kp_scram_str(rb, a);
            rbuf_skip_tags(rb);
        }
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
