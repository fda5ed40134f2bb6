/* kp_describeclientquotas.c: DescribeClientQuotas codec (see the header). */
#include "kp_describeclientquotas.h"

#include <string.h>

static bool kp_dcq_flexible(int16_t ver)
{
    return ver >= 1;
}

kerr_t kp_describeclientquotas_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                          kp_describeclientquotas_req_t *out)
{
    bool f = kp_dcq_flexible(ver);
    memset(out, 0, sizeof(*out));
    /* smallest component: type length + match type + match length */
    out->components = kp_array_alloc(rb, f, 3, a, sizeof(*out->components), &out->ncomponents);
    for (int32_t i = 0; i < out->ncomponents && !rbuf_err(rb); i++) {
        kp_dcq_component_t *c = &out->components[i];
        c->entity_type = rbuf_str_f(rb, f);
        if (c->entity_type.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        c->match_type = rbuf_i8(rb);
        c->match = rbuf_str_f(rb, f);
        if (f) rbuf_skip_tags(rb);
    }
    out->strict = rbuf_bool(rb);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_describeclientquotas_req_encode(wbuf_t *wb, int16_t ver,
                                        const kp_describeclientquotas_req_t *req)
{
    bool f = kp_dcq_flexible(ver);
    wbuf_array_len(wb, f, req->ncomponents);
    for (int32_t i = 0; i < req->ncomponents; i++) {
        const kp_dcq_component_t *c = &req->components[i];
        wbuf_kstr_f(wb, f, c->entity_type);
        wbuf_i8(wb, c->match_type);
        wbuf_kstr_f(wb, f, c->match);
        wbuf_tags(wb, f);
    }
    wbuf_bool(wb, req->strict);
    wbuf_tags(wb, f);
}

void kp_describeclientquotas_resp_encode(wbuf_t *wb, int16_t ver,
                                         const kp_describeclientquotas_resp_t *r)
{
    bool f = kp_dcq_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_i16(wb, r->error_code);
    wbuf_cstr_f(wb, f, r->error_message);
    wbuf_array_len(wb, f, r->nentries);
    for (int32_t i = 0; i < r->nentries; i++) {
        const kp_dcq_entry_t *e = &r->entries[i];
        kp_quota_entity_encode(wb, f, e->nentity, e->entity);
        wbuf_array_len(wb, f, e->nvalues);
        for (int32_t j = 0; j < e->nvalues; j++) {
            wbuf_kstr_f(wb, f, e->values[j].key);
            kp_f64_encode(wb, e->values[j].value);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

kerr_t kp_describeclientquotas_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                           kp_describeclientquotas_resp_t *out)
{
    bool f = kp_dcq_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    out->error_code = rbuf_i16(rb);
    kstr_t msg = rbuf_str_f(rb, f);
    if (msg.len >= 0) out->error_message = arena_strndup(a, msg.p, (size_t)msg.len);
    out->nentries = rbuf_array_len(rb, f, 2);
    if (out->nentries > 0)
        out->entries = arena_calloc(a, (size_t)out->nentries, sizeof(*out->entries));
    for (int32_t i = 0; i < out->nentries && !rbuf_err(rb); i++) {
        kp_dcq_entry_t *e = &out->entries[i];
        e->entity = kp_quota_entity_decode(rb, f, a, &e->nentity);
        /* smallest value: key length + float64 */
        e->values = kp_array_alloc(rb, f, 9, a, sizeof(*e->values), &e->nvalues);
        for (int32_t j = 0; j < e->nvalues && !rbuf_err(rb); j++) {
            e->values[j].key = rbuf_str_f(rb, f);
            if (e->values[j].key.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
            e->values[j].value = kp_f64_decode(rb);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
