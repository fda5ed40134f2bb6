/* kp_sasl.c: SaslHandshake and SaslAuthenticate codecs. */
#include "kp_sasl.h"

kerr_t kp_saslhandshake_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_saslhandshake_req_t *out)
{
    (void)ver;
    (void)a;
    out->mechanism = rbuf_str(rb);
    return rbuf_err(rb) || out->mechanism.len < 0 ? KERR__BAD_MSG : KERR_NONE;
}

void kp_saslhandshake_resp_encode(wbuf_t *wb, int16_t ver, const kp_saslhandshake_resp_t *r)
{
    (void)ver;
    wbuf_i16(wb, r->error_code);
    wbuf_array_len(wb, false, r->nmechanisms);
    for (int32_t i = 0; i < r->nmechanisms; i++) wbuf_cstr_f(wb, false, r->mechanisms[i]);
}

void kp_saslhandshake_req_encode(wbuf_t *wb, const char *mechanism)
{
    wbuf_cstr_f(wb, false, mechanism);
}

bool kp_saslauth_flexible(int16_t ver)
{
    return ver >= 2;
}

kerr_t kp_saslauth_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_saslauth_req_t *out)
{
    (void)a;
    bool f = kp_saslauth_flexible(ver);
    out->auth_bytes = rbuf_bytes_f(rb, f);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) || out->auth_bytes.len < 0 ? KERR__BAD_MSG : KERR_NONE;
}

void kp_saslauth_req_encode(wbuf_t *wb, int16_t ver, const void *p, int32_t len)
{
    bool f = kp_saslauth_flexible(ver);
    wbuf_bytes_f(wb, f, p, len);
    wbuf_tags(wb, f);
}

void kp_saslauth_resp_encode(wbuf_t *wb, int16_t ver, const kp_saslauth_resp_t *r)
{
    bool f = kp_saslauth_flexible(ver);
    wbuf_i16(wb, r->error_code);
    wbuf_cstr_f(wb, f, r->error_message);
    wbuf_bytes_f(wb, f, r->auth_bytes ? r->auth_bytes : (const uint8_t *)"", r->auth_len);
    if (ver >= 1) wbuf_i64(wb, r->session_lifetime_ms);
    wbuf_tags(wb, f);
}

kerr_t kp_saslauth_resp_decode(rbuf_t *rb, int16_t ver, kp_saslauth_resp_t *out)
{
    bool f = kp_saslauth_flexible(ver);
    out->error_code = rbuf_i16(rb);
    kstr_t m = rbuf_str_f(rb, f);
    (void)m;
    out->error_message = NULL;
    kbytes_t b = rbuf_bytes_f(rb, f);
    out->auth_bytes = b.p;
    out->auth_len = b.len < 0 ? 0 : b.len;
    out->session_lifetime_ms = ver >= 1 ? rbuf_i64(rb) : 0;
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
