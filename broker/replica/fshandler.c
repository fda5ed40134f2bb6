/* fshandler.c: the follower's fetch session (fshandler.h). The partitions the leader's
 * session holds are kept in a dict keyed "partition topic", each with what the leader was
 * last told and the request (round) that last named it. */
#include "fshandler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"

typedef struct fsh_part {
    int32_t partition;
    int32_t leader_epoch;
    int64_t fetch_offset, log_start_offset;
    uint64_t round;
    char topic[]; /* NUL-terminated */
} fsh_part_t;

struct fshandler {
    int32_t id;    /* the leader's session, 0 = none */
    int32_t epoch; /* what the next request carries: 0 = full */
    uint64_t round;
    bool full; /* the request being built */
    dict_t *parts;
    int64_t incremental;
};

fshandler_t *fshandler_new(void)
{
    fshandler_t *h = calloc(1, sizeof(*h));
    if (!h) abort();
    h->parts = dict_new();
    return h;
}

void fshandler_free(fshandler_t *h)
{
    if (!h) return;
    dict_free(h->parts, free);
    free(h);
}

bool fshandler_begin(fshandler_t *h, kp_fetch_req_t *req)
{
    h->round++;
    h->full = h->epoch == 0;
    req->session_id = h->id;
    req->session_epoch = h->epoch;
    if (!h->full) h->incremental++;
    return h->full;
}

bool fshandler_include(fshandler_t *h, const char *topic, const kp_fetch_part_t *p)
{
    char key[300];
    snprintf(key, sizeof(key), "%d %s", (int)p->partition, topic);
    fsh_part_t *e = dict_get(h->parts, key);
    if (!e) {
        size_t len = strlen(topic);
        e = calloc(1, sizeof(*e) + len + 1);
        if (!e) abort();
        memcpy(e->topic, topic, len);
        e->partition = p->partition;
        dict_set(h->parts, key, e);
    } else if (!h->full && e->fetch_offset == p->fetch_offset &&
               e->log_start_offset == p->log_start_offset &&
               e->leader_epoch == p->current_leader_epoch) {
        e->round = h->round; /* the leader's session already has it right */
        return false;
    }
    e->fetch_offset = p->fetch_offset;
    e->log_start_offset = p->log_start_offset;
    e->leader_epoch = p->current_leader_epoch;
    e->round = h->round;
    return true;
}

void fshandler_end(fshandler_t *h, arena_t *a, kp_fetch_req_t *req)
{
    size_t n = 0;
    const char *k;
    void *v;
    for (size_t it = 0; dict_next(h->parts, &it, &k, &v);)
        n += ((fsh_part_t *)v)->round != h->round;
    if (n == 0) return;
    if (!h->full) req->forgotten = arena_calloc(a, n, sizeof(*req->forgotten));
    for (size_t it = 0; dict_next(h->parts, &it, &k, &v);) {
        fsh_part_t *e = v;
        if (e->round == h->round) continue;
        if (!h->full) { /* one topic entry per partition: simple, and Kafka accepts repeats */
            kp_fetch_forgotten_t *g = &req->forgotten[req->nforgotten++];
            size_t len = strlen(e->topic);
            g->topic = (kstr_t){.p = arena_strndup(a, e->topic, len), .len = (int32_t)len};
            g->nparts = 1;
            g->parts = arena_alloc(a, sizeof(int32_t));
            g->parts[0] = e->partition;
        }
        free(dict_del(h->parts, k));
    }
}

void fshandler_answer(fshandler_t *h, bool full, kerr_t err, int32_t session_id)
{
    if (err || session_id == 0) { /* start over with a full request */
        h->epoch = 0;
        if (!err) h->id = 0;
        return;
    }
    if (full) {
        h->id = session_id;
        h->epoch = 1;
        return;
    }
    if (session_id != h->id) { /* not the session we asked about: what it holds is unknown */
        h->epoch = 0;
        return;
    }
    h->epoch = h->epoch == INT32_MAX ? 1 : h->epoch + 1;
}

void fshandler_reset(fshandler_t *h)
{
    h->epoch = 0;
}

int64_t fshandler_incremental(const fshandler_t *h)
{
    return h ? h->incremental : 0;
}
