/* kp_reassign.c: AlterPartitionReassignments and ListPartitionReassignments codecs (v0,
 * flexible). Decoders for both directions: the broker decodes requests, kafka-reassign-partitions
 * decodes responses. */
#include "kp_reassign.h"

#include <string.h>

/* A nullable int32 array: *n = -1 for null. */
static int32_t *kp_reassign_i32s_nullable(rbuf_t *rb, arena_t *a, int32_t *n)
{
    int32_t len = rbuf_array_len(rb, true, 4);
    *n = rbuf_err(rb) ? 0 : len;
    if (*n <= 0) return NULL;
    int32_t *v = arena_calloc(a, (size_t)*n, sizeof(int32_t));
    for (int32_t i = 0; i < *n && !rbuf_err(rb); i++) v[i] = rbuf_i32(rb);
    return v;
}

/* A nullable compact string as a NUL-terminated arena copy (NULL for null). */
static const char *kp_reassign_cstr(rbuf_t *rb, arena_t *a)
{
    kstr_t s = rbuf_compact_str(rb);
    return s.len < 0 ? NULL : arena_strndup(a, s.p, (size_t)s.len);
}

/* Both responses begin with throttle_time_ms, error_code, error_message. */
static void kp_reassign_top_encode(wbuf_t *wb, int32_t throttle, int16_t err, const char *msg)
{
    wbuf_i32(wb, throttle);
    wbuf_i16(wb, err);
    wbuf_cstr_f(wb, true, msg);
}

static void kp_reassign_top_decode(rbuf_t *rb, arena_t *a, int32_t *throttle, int16_t *err,
                                   const char **msg)
{
    *throttle = rbuf_i32(rb);
    *err = rbuf_i16(rb);
    *msg = kp_reassign_cstr(rb, a);
}

kerr_t kp_reassign_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_reassign_req_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    out->timeout_ms = rbuf_i32(rb);
    out->topics = kp_array_alloc(rb, true, 3, a, sizeof(*out->topics), &out->ntopics);
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_reassign_topic_t *t = &out->topics[i];
        t->name = rbuf_compact_str(rb);
        t->parts = kp_array_alloc(rb, true, 6, a, sizeof(*t->parts), &t->nparts);
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            t->parts[j].partition = rbuf_i32(rb);
            t->parts[j].replicas = kp_reassign_i32s_nullable(rb, a, &t->parts[j].nreplicas);
            rbuf_skip_tags(rb);
        }
        rbuf_skip_tags(rb);
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_reassign_req_encode(wbuf_t *wb, int16_t ver, const kp_reassign_req_t *r)
{
    (void)ver;
    wbuf_i32(wb, r->timeout_ms);
    wbuf_array_len(wb, true, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_reassign_topic_t *t = &r->topics[i];
        wbuf_kstr_f(wb, true, t->name);
        wbuf_array_len(wb, true, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            wbuf_i32(wb, t->parts[j].partition);
            wbuf_array_len(wb, true, t->parts[j].nreplicas);
            for (int32_t k = 0; k < t->parts[j].nreplicas; k++)
                wbuf_i32(wb, t->parts[j].replicas[k]);
            wbuf_tags(wb, true);
        }
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

void kp_reassign_resp_encode(wbuf_t *wb, int16_t ver, const kp_reassign_resp_t *r)
{
    (void)ver;
    kp_reassign_top_encode(wb, r->throttle_time_ms, r->error_code, r->error_message);
    wbuf_array_len(wb, true, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_reassign_topic_resp_t *t = &r->topics[i];
        wbuf_kstr_f(wb, true, t->name);
        wbuf_array_len(wb, true, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            wbuf_i32(wb, t->parts[j].partition);
            wbuf_i16(wb, t->parts[j].error_code);
            wbuf_cstr_f(wb, true, t->parts[j].error_message);
            wbuf_tags(wb, true);
        }
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

kerr_t kp_reassign_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_reassign_resp_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    kp_reassign_top_decode(rb, a, &out->throttle_time_ms, &out->error_code, &out->error_message);
    out->topics = kp_array_alloc(rb, true, 3, a, sizeof(*out->topics), &out->ntopics);
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_reassign_topic_resp_t *t = &out->topics[i];
        t->name = rbuf_compact_str(rb);
        t->parts = kp_array_alloc(rb, true, 8, a, sizeof(*t->parts), &t->nparts);
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            t->parts[j].partition = rbuf_i32(rb);
            t->parts[j].error_code = rbuf_i16(rb);
            t->parts[j].error_message = kp_reassign_cstr(rb, a);
            rbuf_skip_tags(rb);
        }
        rbuf_skip_tags(rb);
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

kerr_t kp_listreassign_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_listreassign_req_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    out->timeout_ms = rbuf_i32(rb);
    out->ntopics = rbuf_array_len(rb, true, 3);
    if (out->ntopics > 0 && !rbuf_err(rb))
        out->topics = arena_calloc(a, (size_t)out->ntopics, sizeof(*out->topics));
    kp_topic_parts_decode(rb, true, a, false, out->topics, out->ntopics);
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_listreassign_req_encode(wbuf_t *wb, int16_t ver, const kp_listreassign_req_t *r)
{
    (void)ver;
    wbuf_i32(wb, r->timeout_ms);
    kp_topic_parts_encode(wb, true, r->ntopics, r->topics);
    wbuf_tags(wb, true);
}

void kp_listreassign_resp_encode(wbuf_t *wb, int16_t ver, const kp_listreassign_resp_t *r)
{
    (void)ver;
    kp_reassign_top_encode(wb, r->throttle_time_ms, r->error_code, r->error_message);
    wbuf_array_len(wb, true, r->ntopics);
    for (int32_t i = 0; i < r->ntopics; i++) {
        const kp_listreassign_topic_t *t = &r->topics[i];
        wbuf_kstr_f(wb, true, t->name);
        wbuf_array_len(wb, true, t->nparts);
        for (int32_t j = 0; j < t->nparts; j++) {
            const kp_listreassign_part_t *p = &t->parts[j];
            wbuf_i32(wb, p->partition);
            kp_i32s_encode(wb, true, p->nreplicas, p->replicas);
            kp_i32s_encode(wb, true, p->nadding, p->adding);
            kp_i32s_encode(wb, true, p->nremoving, p->removing);
            wbuf_tags(wb, true);
        }
        wbuf_tags(wb, true);
    }
    wbuf_tags(wb, true);
}

kerr_t kp_listreassign_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_listreassign_resp_t *out)
{
    (void)ver;
    memset(out, 0, sizeof(*out));
    kp_reassign_top_decode(rb, a, &out->throttle_time_ms, &out->error_code, &out->error_message);
    out->topics = kp_array_alloc(rb, true, 3, a, sizeof(*out->topics), &out->ntopics);
    for (int32_t i = 0; i < out->ntopics && !rbuf_err(rb); i++) {
        kp_listreassign_topic_t *t = &out->topics[i];
        t->name = rbuf_compact_str(rb);
        t->parts = kp_array_alloc(rb, true, 8, a, sizeof(*t->parts), &t->nparts);
        for (int32_t j = 0; j < t->nparts && !rbuf_err(rb); j++) {
            kp_listreassign_part_t *p = &t->parts[j];
            p->partition = rbuf_i32(rb);
            p->replicas = kp_i32s_decode(rb, true, a, &p->nreplicas);
            p->adding = kp_i32s_decode(rb, true, a, &p->nadding);
            p->removing = kp_i32s_decode(rb, true, a, &p->nremoving);
            rbuf_skip_tags(rb);
        }
        rbuf_skip_tags(rb);
    }
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}
