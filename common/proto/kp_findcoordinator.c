/* kp_findcoordinator.c: FindCoordinator codec. */
#include "kp_findcoordinator.h"

#include <string.h>

bool kp_findcoordinator_flexible(int16_t ver)
{
    return ver >= 3;
}

kerr_t kp_findcoordinator_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                     kp_findcoordinator_req_t *out)
{
    bool f = kp_findcoordinator_flexible(ver);
    memset(out, 0, sizeof(*out));
    if (ver < 4) {
        out->nkeys = 1;
        out->keys = arena_calloc(a, 1, sizeof(kstr_t));
        out->keys[0] = rbuf_str_f(rb, f);
        if (out->keys[0].len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    }
    if (ver >= 1) out->key_type = rbuf_i8(rb);
    if (ver >= 4) out->keys = kp_strs_decode(rb, f, a, &out->nkeys);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_findcoordinator_req_encode(wbuf_t *wb, int16_t ver, const kp_findcoordinator_req_t *r)
{
    bool f = kp_findcoordinator_flexible(ver);
    if (ver < 4) wbuf_kstr_f(wb, f, r->nkeys > 0 ? r->keys[0] : KSTR(""));
    if (ver >= 1) wbuf_i8(wb, r->key_type);
    if (ver >= 4) kp_strs_encode(wb, f, r->nkeys, r->keys);
    wbuf_tags(wb, f);
}

static void kp_findcoordinator_coord_encode(wbuf_t *wb, int16_t ver, bool f,
                                            const kp_findcoordinator_coord_t *c)
{
    if (ver >= 4) wbuf_kstr_f(wb, f, c->key);
    if (ver < 4) {
        wbuf_i16(wb, c->error_code);
        if (ver >= 1) wbuf_kstr_f(wb, f, c->error_message);
    }
    wbuf_i32(wb, c->node_id);
    wbuf_kstr_f(wb, f, c->host.len < 0 ? KSTR("") : c->host);
    wbuf_i32(wb, c->port);
    if (ver >= 4) {
        wbuf_i16(wb, c->error_code);
        wbuf_kstr_f(wb, f, c->error_message);
        wbuf_tags(wb, f);
    }
}

void kp_findcoordinator_resp_encode(wbuf_t *wb, int16_t ver, const kp_findcoordinator_resp_t *r)
{
    bool f = kp_findcoordinator_flexible(ver);
    if (ver >= 1) wbuf_i32(wb, r->throttle_time_ms);
    if (ver >= 4) {
        wbuf_array_len(wb, f, r->ncoords);
        for (int32_t i = 0; i < r->ncoords; i++)
            kp_findcoordinator_coord_encode(wb, ver, f, &r->coords[i]);
    } else {
        kp_findcoordinator_coord_t none = {
            KSTR_NULL, -1, KSTR(""), -1, KERR_COORDINATOR_NOT_AVAILABLE, KSTR_NULL};
        kp_findcoordinator_coord_encode(wb, ver, f, r->ncoords > 0 ? &r->coords[0] : &none);
    }
    wbuf_tags(wb, f);
}
