/* kp_alterconfigs.c: AlterConfigs codec, and the layout IncrementalAlterConfigs shares. */
#include "kp_alterconfigs.h"

#include <string.h>

bool kp_alterconfigs_flexible(int16_t ver)
{
    return ver >= 2;
}

kerr_t kp_alterconfigs_req_decode_any(rbuf_t *rb, bool f, bool with_ops, arena_t *a,
                                      kp_alterconfigs_req_t *out)
{
    memset(out, 0, sizeof(*out));
    /* smallest resource: type (1) + name length + configs length */
    out->nresources = rbuf_array_len(rb, f, 3);
    if (out->nresources < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->nresources > 0)
        out->resources = arena_calloc(a, (size_t)out->nresources, sizeof(*out->resources));
    for (int32_t i = 0; i < out->nresources && !rbuf_err(rb); i++) {
        kp_alterconfigs_resource_t *r = &out->resources[i];
        r->resource_type = rbuf_i8(rb);
        r->resource_name = rbuf_str_f(rb, f);
        if (r->resource_name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        r->nconfigs = rbuf_array_len(rb, f, 2);
        if (r->nconfigs < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (r->nconfigs > 0) r->configs = arena_calloc(a, (size_t)r->nconfigs, sizeof(*r->configs));
        for (int32_t j = 0; j < r->nconfigs && !rbuf_err(rb); j++) {
            kp_alterconfigs_config_t *c = &r->configs[j];
            c->name = rbuf_str_f(rb, f);
            if (c->name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
            c->config_operation = with_ops ? rbuf_i8(rb) : KP_CONFIG_OP_SET;
            c->value = rbuf_str_f(rb, f);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    out->validate_only = rbuf_bool(rb);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

kerr_t kp_alterconfigs_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_alterconfigs_req_t *out)
{
    return kp_alterconfigs_req_decode_any(rb, kp_alterconfigs_flexible(ver), false, a, out);
}

void kp_alterconfigs_resp_encode_any(wbuf_t *wb, bool f, const kp_alterconfigs_resp_t *r)
{
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->nresponses);
    for (int32_t i = 0; i < r->nresponses; i++) {
        const kp_alterconfigs_resource_resp_t *res = &r->responses[i];
        wbuf_i16(wb, res->error_code);
        wbuf_cstr_f(wb, f, res->error_message);
        wbuf_i8(wb, res->resource_type);
        wbuf_kstr_f(wb, f, res->resource_name);
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

void kp_alterconfigs_resp_encode(wbuf_t *wb, int16_t ver, const kp_alterconfigs_resp_t *r)
{
    kp_alterconfigs_resp_encode_any(wb, kp_alterconfigs_flexible(ver), r);
}
