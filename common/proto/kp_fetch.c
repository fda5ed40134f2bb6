/* kp_fetch.c: Fetch codec. */
#include "kp_fetch.h"

#include <string.h>

bool kp_fetch_flexible(int16_t ver)
{
    return ver >= 12;
}

kerr_t kp_fetch_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_fetch_req_t *out)
{
    bool f = kp_fetch_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->session_epoch = -1;
    out->rack_id = KSTR_NULL;
    out->replica_id = rbuf_i32(rb);
    out->max_wait_ms = rbuf_i32(rb);
    out->min_bytes = rbuf_i32(rb);
    out->max_bytes = rbuf_i32(rb);
    out->isolation_level = rbuf_i8(rb);
    if (ver >= 7) {
        out->session_id = rbuf_i32(rb);
        out->session_epoch = rbuf_i32(rb);
    }
    out->ntopics = rbuf_array_len(rb, f, 2);
    if (out->ntopics < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_fetch_topic_t *t = &out->topics[i];
        t->topic = rbuf_str_f(rb, f);
        t->nparts = rbuf_array_len(rb, f, 16);
        if (t->nparts < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (t->nparts > 0) t->parts = arena_calloc(a, (size_t)t->nparts, sizeof(*t->parts));
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            kp_fetch_part_t *p = &t->parts[j];
            p->partition = rbuf_i32(rb);
            p->current_leader_epoch = ver >= 9 ? rbuf_i32(rb) : -1;
            p->fetch_offset = rbuf_i64(rb);
            p->last_fetched_epoch = ver >= 12 ? rbuf_i32(rb) : -1;
            p->log_start_offset = ver >= 5 ? rbuf_i64(rb) : -1;
            p->partition_max_bytes = rbuf_i32(rb);
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (ver >= 7) { /* forgotten_topics_data: partitions a fetch session drops (KIP-227) */
        out->nforgotten = rbuf_array_len(rb, f, 2);
        if (out->nforgotten < 0) out->nforgotten = 0; /* null: none */
        if (out->nforgotten > 0 && !rbuf_err(rb))
            out->forgotten = arena_calloc(a, (size_t)out->nforgotten, sizeof(*out->forgotten));
        for (int32_t i = 0; i < out->nforgotten && !rbuf_err(rb); i++) {
            kp_fetch_forgotten_t *g = &out->forgotten[i];
            g->topic = rbuf_str_f(rb, f);
            g->nparts = rbuf_array_len(rb, f, 4);
            if (g->nparts < 0) g->nparts = 0;
            if (g->nparts > 0 && !rbuf_err(rb))
                g->parts = arena_calloc(a, (size_t)g->nparts, sizeof(*g->parts));
            for (int32_t j = 0; j < g->nparts && !rbuf_err(rb); j++) g->parts[j] = rbuf_i32(rb);
            if (f) rbuf_skip_tags(rb);
        }
        if (rbuf_err(rb)) out->nforgotten = 0;
    }
    if (ver >= 11) out->rack_id = rbuf_str_f(rb, f);
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_fetch_resp_encode(wbuf_t *wb, int16_t ver, const kp_fetch_resp_t *r)
{
    bool f = kp_fetch_flexible(ver);
    wbuf_i32(wb, r->throttle_time_ms);
    if (ver >= 7) {
        wbuf_i16(wb, r->error_code);
        wbuf_i32(wb, r->session_id);
    }
    wbuf_array_len(wb, f, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_fetch_topic_resp_t *t = &r->topics[i];
        wbuf_kstr_f(wb, f, t->topic);
        wbuf_array_len(wb, f, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_fetch_part_resp_t *p = &t->parts[j];
            wbuf_i32(wb, p->partition_index);
            wbuf_i16(wb, p->error_code);
            wbuf_i64(wb, p->high_watermark);
            wbuf_i64(wb, p->last_stable_offset);
            if (ver >= 5) wbuf_i64(wb, p->log_start_offset);
            wbuf_array_len(wb, f, p->naborted);
            for (int32_t k = 0; k < p->naborted; k++) {
                wbuf_i64(wb, p->aborted[k].producer_id);
                wbuf_i64(wb, p->aborted[k].first_offset);
                wbuf_tags(wb, f);
            }
            if (ver >= 11) wbuf_i32(wb, p->preferred_read_replica);
            if (p->rec_fd >= 0) {
                if (f)
                    wbuf_uvarint(wb, (uint32_t)p->rec_flen + 1);
                else
                    wbuf_i32(wb, (int32_t)p->rec_flen);
                wbuf_file(wb, p->rec_fd, p->rec_off, p->rec_flen);
            } else {
                wbuf_bytes_f(wb, f, p->rec_mem, p->rec_mem ? p->rec_len : -1);
            }
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    wbuf_tags(wb, f);
}

void kp_fetch_req_encode(wbuf_t *wb, int16_t ver, const kp_fetch_req_t *r)
{
    bool f = kp_fetch_flexible(ver);
    wbuf_i32(wb, r->replica_id);
    wbuf_i32(wb, r->max_wait_ms);
    wbuf_i32(wb, r->min_bytes);
    wbuf_i32(wb, r->max_bytes);
    wbuf_i8(wb, r->isolation_level);
    if (ver >= 7) {
        wbuf_i32(wb, r->session_id);
        wbuf_i32(wb, r->session_epoch);
    }
    wbuf_array_len(wb, f, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_fetch_topic_t *t = &r->topics[i];
        wbuf_kstr_f(wb, f, t->topic);
        wbuf_array_len(wb, f, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_fetch_part_t *p = &t->parts[j];
            wbuf_i32(wb, p->partition);
            if (ver >= 9) wbuf_i32(wb, p->current_leader_epoch);
            wbuf_i64(wb, p->fetch_offset);
            if (ver >= 12) wbuf_i32(wb, p->last_fetched_epoch);
            if (ver >= 5) wbuf_i64(wb, p->log_start_offset);
            wbuf_i32(wb, p->partition_max_bytes);
            wbuf_tags(wb, f);
        }
        wbuf_tags(wb, f);
    }
    if (ver >= 7) {
        wbuf_array_len(wb, f, r->nforgotten);
        for (int32_t i = 0; i < r->nforgotten; i++) {
            const kp_fetch_forgotten_t *g = &r->forgotten[i];
            wbuf_kstr_f(wb, f, g->topic);
            wbuf_array_len(wb, f, g->nparts);
            for (int32_t j = 0; j < g->nparts; j++) wbuf_i32(wb, g->parts[j]);
            wbuf_tags(wb, f);
        }
    }
    if (ver >= 11) wbuf_kstr_f(wb, f, r->rack_id);
    wbuf_tags(wb, f);
}

kerr_t kp_fetch_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_fetch_resp_t *out)
{
    bool f = kp_fetch_flexible(ver);
    memset(out, 0, sizeof(*out));
    out->throttle_time_ms = rbuf_i32(rb);
    if (ver >= 7) {
        out->error_code = rbuf_i16(rb);
        out->session_id = rbuf_i32(rb);
    }
    out->ntopics = rbuf_array_len(rb, f, 2);
    if (out->ntopics < 0) rbuf_fail(rb, KERR__BAD_MSG);
    if (out->ntopics > 0) out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_fetch_topic_resp_t *t = &out->topics[i];
        t->topic = rbuf_str_f(rb, f);
        t->nparts = rbuf_array_len(rb, f, 30);
        if (t->nparts < 0) rbuf_fail(rb, KERR__BAD_MSG);
        if (t->nparts > 0) t->parts = arena_calloc(a, (size_t)t->nparts, sizeof(*t->parts));
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            kp_fetch_part_resp_t *p = &t->parts[j];
            p->rec_fd = -1;
            p->partition_index = rbuf_i32(rb);
            p->error_code = rbuf_i16(rb);
            p->high_watermark = rbuf_i64(rb);
            p->last_stable_offset = rbuf_i64(rb);
            p->log_start_offset = ver >= 5 ? rbuf_i64(rb) : -1;
            p->naborted = rbuf_array_len(rb, f, 16);
            for (int32_t k = 0; k < p->naborted && !rbuf_err(rb); k++) {
                rbuf_i64(rb); /* producer_id */
                rbuf_i64(rb); /* first_offset */
                if (f) rbuf_skip_tags(rb);
            }
            p->preferred_read_replica = ver >= 11 ? rbuf_i32(rb) : -1;
            kbytes_t recs = rbuf_bytes_f(rb, f);
            p->rec_mem = recs.p;
            p->rec_len = recs.len;
            if (f) rbuf_skip_tags(rb);
        }
        if (f) rbuf_skip_tags(rb);
    }
    if (f) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
