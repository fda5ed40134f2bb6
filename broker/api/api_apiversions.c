/* api_apiversions.c: ApiVersions, generated from the dispatch table (api.c), so we advertise
 * exactly what we serve. body is NULL when answering an unsupported ApiVersions version (v0
 * format with UNSUPPORTED_VERSION, KIP-511). */
#include "api.h"
#include "proto/kp_apiversions.h"

void api_apiversions(req_t *r, rbuf_t *body)
{
    kp_apiversions_resp_t resp = {0};
    int16_t ver = r->hdr.api_version;
    if (body) {
        kp_apiversions_req_t req;
        if (kp_apiversions_req_decode(body, ver, &r->arena, &req) != KERR_NONE) {
            /* KIP-511: a v3 request the broker cannot parse is answered INVALID_REQUEST. */
            resp.error_code = KERR_INVALID_REQUEST;
        }
    } else {
        resp.error_code = KERR_UNSUPPORTED_VERSION;
    }
    int n;
    const api_def_t *defs = api_table(&n);
    resp.napis = n;
    resp.apis = arena_calloc(&r->arena, (size_t)n, sizeof(*resp.apis));
    for (int i = 0; i < n; i++) {
        resp.apis[i].api_key = defs[i].key;
        resp.apis[i].min_version = defs[i].min;
        resp.apis[i].max_version = defs[i].max;
    }
    kp_apiversions_resp_encode(&r->resp, ver, &resp);
    req_done(r);
}
