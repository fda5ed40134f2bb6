/* kp_alterclientquotas.c: AlterClientQuotas codec (see the header). */
#include "kp_alterclientquotas.h"

#include <string.h>

static bool kp_acq_flexible(int16_t ver)
{
    return ver >= 1;
}

kerr_t kp_alterclientquotas_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                       kp_alterclientquotas_req_t *out)
{
    bool f = kp_acq_flexible(ver);
    memset(out, 0, sizeof(*out));
    /* smallest entry: entity array length + ops array length */
    out->entries = kp_array_alloc(rb, f, 2, a, sizeof(*out->entries), &out->nentries);
    for (int32_t i = 0; i < out->nentries && !rbuf_err(rb); i++) {
        kp_acq_entry_t *e = &out->entries[i];
        e->entity = kp_quota_entity_decode(rb, f, a, &e->nentity);
        /* smallest op: key length + float64 + bool */
        e->ops = kp_array_alloc(rb, f, 10, a, sizeof(*e->ops), &e->nops);
        for (int32_t j = 0; j < e->nops && !rbuf_err(rb); j++) {
            e->ops[j].key = rbuf_str_f(rb, f);
            if (e->ops[j].key.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
            e->ops[j].value = kp_f64_decode(rb);
            e->ops[j].remove = rbuf_bool(rb);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    out->validate_only = rbuf_bool(rb);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_alterclientquotas_req_encode(wbuf_t *wb, int16_t ver, const kp_alterclientquotas_req_t *req)
{
    bool f = kp_acq_flexible(ver);
    wbuf_array_len(wb, f, req->nentries);
    for (int32_t i = 0; i < req->nentries; i++) {
        const kp_acq_entry_t *e = &req->entries[i];
        kp_quota_entity_encode(wb, f, e->nentity, e->entity);
        wbuf_array_len(wb, f, e->nops);
        for (int32_t j = 0; j < e->nops; j++) {
            wbuf_kstr_f(wb, f, e->ops[j].key);
            kp_f64_encode(wb, e->ops[j].value);
            wbuf_bool(wb, e->ops[j].remove);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_bool(wb, req->validate_only);
    wbuf_tags(wb, f);
}

void kp_alterclientquotas_resp_encode(wbuf_t *wb, int16_t ver, const kp_alterclientquotas_resp_t *r)
{
    bool f = kp_acq_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->nentries);
    for (int32_t i = 0; i < r->nentries; i++) {
        const kp_acq_entry_resp_t *e = &r->entries[i];
        wbuf_i16(wb, e->error_code);
        wbuf_cstr_f(wb, f, e->error_message);
        kp_quota_entity_encode(wb, f, e->nentity, e->entity);
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

kerr_t kp_alterclientquotas_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                        kp_alterclientquotas_resp_t *out)
{
    bool f = kp_acq_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    /* smallest entry: error code + message length + entity array length */
    out->entries = kp_array_alloc(rb, f, 4, a, sizeof(*out->entries), &out->nentries);
    for (int32_t i = 0; i < out->nentries && !rbuf_err(rb); i++) {
        kp_acq_entry_resp_t *e = &out->entries[i];
        e->error_code = rbuf_i16(rb);
        kstr_t msg = rbuf_str_f(rb, f);
        if (msg.len >= 0) e->error_message = arena_strndup(a, msg.p, (size_t)msg.len);
        e->entity = kp_quota_entity_decode(rb, f, a, &e->nentity);
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
