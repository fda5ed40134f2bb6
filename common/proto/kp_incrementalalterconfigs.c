/* kp_incrementalalterconfigs.c: IncrementalAlterConfigs codec (AlterConfigs' layout plus a
 * ConfigOperation per config). */
#include "kp_incrementalalterconfigs.h"

#include <string.h>

bool kp_incrementalalterconfigs_flexible(int16_t ver)
{
    return ver >= 1;
}

kerr_t kp_incrementalalterconfigs_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                             kp_alterconfigs_req_t *out)
{
    return kp_alterconfigs_req_decode_any(rb, kp_incrementalalterconfigs_flexible(ver), true, a,
                                          out);
}

void kp_incrementalalterconfigs_req_encode(wbuf_t *wb, int16_t ver, const kp_alterconfigs_req_t *r)
{
    bool f = kp_incrementalalterconfigs_flexible(ver);
    wbuf_array_len(wb, f, r->nresources);
    for (int32_t i = 0; i < r->nresources; i++) {
        const kp_alterconfigs_resource_t *res = &r->resources[i];
        wbuf_i8(wb, res->resource_type);
        wbuf_kstr_f(wb, f, res->resource_name);
        wbuf_array_len(wb, f, res->nconfigs);
        for (int32_t j = 0; j < res->nconfigs; j++) {
            wbuf_kstr_f(wb, f, res->configs[j].name);
            wbuf_i8(wb, res->configs[j].config_operation);
            wbuf_kstr_f(wb, f, res->configs[j].value);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_bool(wb, r->validate_only);
    wbuf_tags(wb, f);
}

kerr_t kp_incrementalalterconfigs_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                              kp_alterconfigs_resp_t *out)
{
    bool f = kp_incrementalalterconfigs_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    out->responses = kp_array_alloc(rb, f, 4, a, sizeof(*out->responses), &out->nresponses);
    for (int32_t i = 0; i < out->nresponses && !rbuf_err(rb); i++) {
        kp_alterconfigs_resource_resp_t *res = &out->responses[i];
        res->error_code = rbuf_i16(rb);
        kstr_t m = rbuf_str_f(rb, f);
        res->error_message = m.len < 0 ? NULL : arena_strndup(a, m.p, (size_t)m.len);
        res->resource_type = rbuf_i8(rb);
        res->resource_name = rbuf_str_f(rb, f);
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_incrementalalterconfigs_resp_encode(wbuf_t *wb, int16_t ver,
                                            const kp_alterconfigs_resp_t *r)
{
    kp_alterconfigs_resp_encode_any(wb, kp_incrementalalterconfigs_flexible(ver), r);
}
