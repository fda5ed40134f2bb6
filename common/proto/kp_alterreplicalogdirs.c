/* kp_alterreplicalogdirs.c: AlterReplicaLogDirs codec (both directions). */
#include "kp_alterreplicalogdirs.h"

#include <string.h>

static bool arld_flexible(int16_t ver)
{
    return ver >= 2;
}

kerr_t kp_alterreplicalogdirs_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                         kp_alterreplicalogdirs_req_t *out)
{
    bool f = arld_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->dirs = kp_array_alloc(rb, f, 3, a, sizeof(*out->dirs), &out->ndirs);
    for (int32_t i = 0; i < out->ndirs && !rbuf_err(rb); i++) {
        kp_alterlogdir_t *d = &out->dirs[i];
        d->path = rbuf_str_f(rb, f);
        if (d->path.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        d->topics = kp_array_alloc(rb, f, 3, a, sizeof(*d->topics), &d->ntopics);
        for (int32_t j = 0; j < d->ntopics && !rbuf_err(rb); j++) {
            d->topics[j].name = rbuf_str_f(rb, f);
            if (d->topics[j].name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
            d->topics[j].parts = kp_i32s_decode(rb, f, a, &d->topics[j].nparts);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_alterreplicalogdirs_req_encode(wbuf_t *wb, int16_t ver,
                                       const kp_alterreplicalogdirs_req_t *r)
{
    bool f = arld_flexible(ver);
    wbuf_array_len(wb, f, r->ndirs);
    for (int32_t i = 0; i < r->ndirs; i++) {
        wbuf_kstr_f(wb, f, r->dirs[i].path);
        wbuf_array_len(wb, f, r->dirs[i].ntopics);
        for (int32_t j = 0; j < r->dirs[i].ntopics; j++) {
            wbuf_kstr_f(wb, f, r->dirs[i].topics[j].name);
            kp_i32s_encode(wb, f, r->dirs[i].topics[j].nparts, r->dirs[i].topics[j].parts);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

void kp_alterreplicalogdirs_resp_encode(wbuf_t *wb, int16_t ver,
                                        const kp_alterreplicalogdirs_resp_t *r)
{
    bool f = arld_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    kp_topic_errs_encode(wb, f, r->nresults, r->results);
    wbuf_tags(wb, f);
}

kerr_t kp_alterreplicalogdirs_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                          kp_alterreplicalogdirs_resp_t *out)
{
    bool f = arld_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    out->results = kp_array_alloc(rb, f, 3, a, sizeof(*out->results), &out->nresults);
    for (int32_t i = 0; i < out->nresults && !rbuf_err(rb); i++) {
        kp_topic_errs_t *t = &out->results[i];
        t->name = rbuf_str_f(rb, f);
        if (t->name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        t->parts = kp_array_alloc(rb, f, 6, a, sizeof(*t->parts), &t->nparts);
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            t->parts[j].partition_index = rbuf_i32(rb);
            t->parts[j].error_code = rbuf_i16(rb);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
