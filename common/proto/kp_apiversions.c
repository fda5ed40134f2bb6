/* kp_apiversions.c: ApiVersions codec. */
#include "kp_apiversions.h"

bool kp_apiversions_flexible(int16_t ver)
{
    return ver >= 3;
}

kerr_t kp_apiversions_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_apiversions_req_t *out)
{
    (void)a;
    out->client_software_name = KSTR_NULL;
    out->client_software_version = KSTR_NULL;
    if (ver >= 3) {
        out->client_software_name = rbuf_compact_str(rb);
        out->client_software_version = rbuf_compact_str(rb);
        rbuf_skip_tags(rb);
    }
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_apiversions_resp_encode(wbuf_t *wb, int16_t ver, const kp_apiversions_resp_t *r)
{
    bool f = kp_apiversions_flexible(ver);
    wbuf_i16(wb, r->error_code);
    wbuf_array_len(wb, f, r->napis);
    for (int32_t i = 0; i < r->napis; i++) {
        wbuf_i16(wb, r->apis[i].api_key);
        wbuf_i16(wb, r->apis[i].min_version);
        wbuf_i16(wb, r->apis[i].max_version);
        wbuf_tags(wb, f);
    }
    if (ver >= 1) wbuf_i32(wb, r->throttle_time_ms);
    wbuf_tags(wb, f);
}
