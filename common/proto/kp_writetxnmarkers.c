/* kp_writetxnmarkers.c: WriteTxnMarkers codec (request and response, both ways). */
#include "kp_writetxnmarkers.h"

#include <string.h>

static bool wtm_flexible(int16_t ver)
{
    return ver >= 1;
}

static void wtm_topic_decode(rbuf_t *rb, bool f, arena_t *a, kp_wtm_topic_t *t)
{
    t->name = rbuf_str_f(rb, f);
    if (t->name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    t->parts = kp_array_alloc(rb, f, 4, a, sizeof(*t->parts), &t->nparts);
    for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) t->parts[j] = rbuf_i32(rb);
    if (f) rbuf_skip_tags(rb);
}

kerr_t kp_wtm_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_wtm_req_t *out)
{
    bool f = wtm_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->markers =
        kp_array_alloc(rb, f, 8 + 2 + 1 + 1 + 4, a, sizeof(*out->markers), &out->nmarkers);
    for (int32_t i = 0; i < out->nmarkers && !rbuf_err(rb); i++) {
        kp_wtm_marker_t *m = &out->markers[i];
        m->producer_id = rbuf_i64(rb);
        m->producer_epoch = rbuf_i16(rb);
        m->commit = rbuf_bool(rb);
        m->topics = kp_array_alloc(rb, f, 3, a, sizeof(*m->topics), &m->ntopics);
        for (int32_t j = 0; j < m->ntopics && !rbuf_err(rb); j++)
            wtm_topic_decode(rb, f, a, &m->topics[j]);
        m->coordinator_epoch = rbuf_i32(rb);
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_wtm_req_encode(wbuf_t *wb, int16_t ver, const kp_wtm_req_t *r)
{
    bool f = wtm_flexible(ver);
    wbuf_array_len(wb, f, r->nmarkers);
    for (int32_t i = 0; i < r->nmarkers; i++) {
        const kp_wtm_marker_t *m = &r->markers[i];
        wbuf_i64(wb, m->producer_id);
        wbuf_i16(wb, m->producer_epoch);
        wbuf_bool(wb, m->commit);
        wbuf_array_len(wb, f, m->ntopics);
        for (int32_t j = 0; j < m->ntopics; j++) {
            const kp_wtm_topic_t *t = &m->topics[j];
            wbuf_kstr_f(wb, f, t->name);
            wbuf_array_len(wb, f, t->nparts);
            for (int32_t k = 0; k < t->nparts; k++) wbuf_i32(wb, t->parts[k]);
            wbuf_tags(wb, f);
        }
        wbuf_i32(wb, m->coordinator_epoch);
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

void kp_wtm_resp_encode(wbuf_t *wb, int16_t ver, const kp_wtm_resp_t *r)
{
    bool f = wtm_flexible(ver);
    wbuf_array_len(wb, f, r->nmarkers);
    for (int32_t i = 0; i < r->nmarkers; i++) {
        const kp_wtm_marker_resp_t *m = &r->markers[i];
        wbuf_i64(wb, m->producer_id);
        wbuf_array_len(wb, f, m->ntopics);
        for (int32_t j = 0; j < m->ntopics; j++) {
            const kp_wtm_topic_resp_t *t = &m->topics[j];
            wbuf_kstr_f(wb, f, t->name);
            wbuf_array_len(wb, f, t->nparts);
            for (int32_t k = 0; k < t->nparts; k++) {
                wbuf_i32(wb, t->parts[k].index);
                wbuf_i16(wb, t->parts[k].error_code);
                wbuf_tags(wb, f);
            }
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

kerr_t kp_wtm_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_wtm_resp_t *out)
{
    bool f = wtm_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->markers = kp_array_alloc(rb, f, 9, a, sizeof(*out->markers), &out->nmarkers);
    for (int32_t i = 0; i < out->nmarkers && !rbuf_err(rb); i++) {
        kp_wtm_marker_resp_t *m = &out->markers[i];
        m->producer_id = rbuf_i64(rb);
        m->topics = kp_array_alloc(rb, f, 3, a, sizeof(*m->topics), &m->ntopics);
        for (int32_t j = 0; j < m->ntopics && !rbuf_err(rb); j++) {
            kp_wtm_topic_resp_t *t = &m->topics[j];
            t->name = rbuf_str_f(rb, f);
            if (t->name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
            t->parts = kp_array_alloc(rb, f, 6, a, sizeof(*t->parts), &t->nparts);
            for (int32_t k = 0; k < t->nparts && !rbuf_err(rb); k++) {
                t->parts[k].index = rbuf_i32(rb);
                t->parts[k].error_code = rbuf_i16(rb);
                if (f) rbuf_skip_tags(rb);
            }
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
