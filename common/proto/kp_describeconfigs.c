/* kp_describeconfigs.c: DescribeConfigs codec. */
#include "kp_describeconfigs.h"

#include <string.h>

bool kp_describeconfigs_flexible(int16_t ver)
{
    return ver >= 4;
}

kerr_t kp_describeconfigs_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                     kp_describeconfigs_req_t *out)
{
    bool f = kp_describeconfigs_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->nresources = rbuf_array_len(rb, f, 4);
    if (out->nresources < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->nresources > 0)
        out->resources = arena_calloc(a, (size_t)out->nresources, sizeof(*out->resources));
    for (int32_t i = 0; i < out->nresources && !rbuf_err(rb); i++) {
        kp_describeconfigs_resource_t *r = &out->resources[i];
        r->resource_type = rbuf_i8(rb);
        r->resource_name = rbuf_str_f(rb, f);
        if (r->resource_name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        r->nkeys = rbuf_array_len(rb, f, 1);
        if (r->nkeys > 0) r->keys = arena_calloc(a, (size_t)r->nkeys, sizeof(kstr_t));
        for (int32_t j = 0; j < r->nkeys && !rbuf_err(rb); j++) {
            r->keys[j] = rbuf_str_f(rb, f);
            if (r->keys[j].len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (ver >= 1) out->include_synonyms = rbuf_bool(rb);
    if (ver >= 3) out->include_documentation = rbuf_bool(rb);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_describeconfigs_resp_encode(wbuf_t *wb, int16_t ver, const kp_describeconfigs_resp_t *r)
{
    bool f = kp_describeconfigs_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_array_len(wb, f, r->nresults);
    for (int32_t i = 0; i < r->nresults; i++) {
        const kp_describeconfigs_result_t *res = &r->results[i];
        wbuf_i16(wb, res->error_code);
        wbuf_cstr_f(wb, f, res->error_message);
        wbuf_i8(wb, res->resource_type);
        wbuf_kstr_f(wb, f, res->resource_name);
        wbuf_array_len(wb, f, res->nconfigs);
        for (int32_t j = 0; j < res->nconfigs; j++) {
            const kp_describeconfigs_entry_t *e = &res->configs[j];
            wbuf_cstr_f(wb, f, e->name);
            wbuf_cstr_f(wb, f, e->value);
            wbuf_bool(wb, e->read_only);
            if (ver == 0) wbuf_bool(wb, e->is_default);
            if (ver >= 1) wbuf_i8(wb, e->config_source);
            wbuf_bool(wb, e->is_sensitive);
            if (ver >= 1) {
                wbuf_array_len(wb, f, e->nsynonyms);
                for (int32_t k = 0; k < e->nsynonyms; k++) {
                    wbuf_cstr_f(wb, f, e->synonyms[k].name);
                    wbuf_cstr_f(wb, f, e->synonyms[k].value);
                    wbuf_i8(wb, e->synonyms[k].source);
                    wbuf_tags(wb, f);
                }
            }
            if (ver >= 3) {
                wbuf_i8(wb, e->config_type);
                wbuf_cstr_f(wb, f, NULL); /* documentation */
            }
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}
