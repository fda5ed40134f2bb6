/* fsess.c: the fetch session cache (fsess.h). Sessions sit in a fixed array of slots found by
 * a linear scan: max.incremental.fetch.session.cache.slots is small (1000 by default) next to
 * the per-partition work every fetch does anyway. */
#include "fsess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "ktime.h"

struct fsess_cache {
    fsess_t **slots;
    int max, count;
    int64_t evictions; /* sessions evicted to make room */
    int64_t incremental;
    uint64_t rng;
};

fsess_cache_t *fsess_cache_new(int max_slots)
{
    fsess_cache_t *c = calloc(1, sizeof(*c));
    if (!c) abort();
    c->max = max_slots > 0 ? max_slots : 0;
    if (c->max) {
        c->slots = calloc((size_t)c->max, sizeof(*c->slots));
        if (!c->slots) abort();
    }
    c->rng = (uint64_t)ktime_wall_ms() * 0x9E3779B97F4A7C15ull | 1;
    return c;
}

static void fsess_destroy(fsess_t *s)
{
    for (int i = 0; i < s->nparts; i++) free(s->parts[i].topic);
    free(s->parts);
    dict_free(s->index, NULL);
    free(s);
}

void fsess_cache_free(fsess_cache_t *c)
{
    if (!c) return;
    for (int i = 0; i < c->max; i++)
        if (c->slots[i]) fsess_destroy(c->slots[i]);
    free(c->slots);
    free(c);
}

/* Session ids are random positive numbers, as Kafka's, so a client cannot guess another's. */
static int32_t fsess_new_id(fsess_cache_t *c)
{
    for (;;) {
        c->rng ^= c->rng << 13;
        c->rng ^= c->rng >> 7;
        c->rng ^= c->rng << 17;
        int32_t id = (int32_t)(c->rng & 0x7fffffff);
        if (id != 0 && !fsess_get(c, id)) return id;
    }
}

/* Is a worth less than b (a is evicted first)? Consumers' before followers', smaller first. */
static bool fsess_less(bool a_priv, int a_size, const fsess_t *b)
{
    if (a_priv != b->privileged) return !a_priv;
    return a_size < b->nparts;
}

/* The slot a new session may take, or -1: a free one, else one idle for FSESS_EVICTION_MS
 * (the longest idle), else the least valuable one when the newcomer is worth more. */
static int fsess_pick_slot(fsess_cache_t *c, bool privileged, int size, int64_t now_ms)
{
    int stale = -1, weakest = -1;
    for (int i = 0; i < c->max; i++) {
        fsess_t *s = c->slots[i];
        if (!s) return i;
        if (now_ms - s->last_used_ms >= FSESS_EVICTION_MS &&
            (stale < 0 || s->last_used_ms < c->slots[stale]->last_used_ms))
            stale = i;
        if (weakest < 0 || fsess_less(s->privileged, s->nparts, c->slots[weakest])) weakest = i;
    }
    if (stale >= 0) return stale;
    if (weakest >= 0 && fsess_less(c->slots[weakest]->privileged, c->slots[weakest]->nparts,
                                   &(fsess_t){.privileged = privileged, .nparts = size}))
        return weakest;
    return -1;
}

static void fsess_drop_slot(fsess_cache_t *c, int i)
{
    c->count--;
    fsess_destroy(c->slots[i]);
    c->slots[i] = NULL;
}

fsess_t *fsess_create(fsess_cache_t *c, bool privileged, int size, int64_t now_ms)
{
    int i = fsess_pick_slot(c, privileged, size, now_ms);
    if (i < 0) return NULL;
    if (c->slots[i]) {
        fsess_drop_slot(c, i);
        c->evictions++;
    }
    fsess_t *s = calloc(1, sizeof(*s));
    if (!s) abort();
    s->id = fsess_new_id(c);
    s->epoch = 1;
    s->privileged = privileged;
    s->last_used_ms = now_ms;
    s->index = dict_new();
    c->slots[i] = s;
    c->count++;
    return s;
}

static int fsess_slot(const fsess_cache_t *c, int32_t id)
{
    if (id == 0) return -1;
    for (int i = 0; i < c->max; i++)
        if (c->slots[i] && c->slots[i]->id == id) return i;
    return -1;
}

fsess_t *fsess_get(fsess_cache_t *c, int32_t id)
{
    int i = fsess_slot(c, id);
    return i < 0 ? NULL : c->slots[i];
}

void fsess_remove(fsess_cache_t *c, int32_t id)
{
    int i = fsess_slot(c, id);
    if (i >= 0) fsess_drop_slot(c, i);
}

static void fsess_key(char *buf, size_t n, const char *topic, int32_t partition)
{
    snprintf(buf, n, "%d %s", (int)partition, topic);
}

void fsess_set(fsess_t *s, const char *topic, int32_t partition, int32_t current_leader_epoch,
               int64_t fetch_offset, int32_t last_fetched_epoch, int64_t log_start_offset,
               int32_t max_bytes)
{
    char key[300];
    fsess_key(key, sizeof(key), topic, partition);
    uintptr_t at = (uintptr_t)dict_get(s->index, key);
    fsess_part_t *p;
    if (at) {
        p = &s->parts[at - 1];
    } else {
        if (s->nparts == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 16;
            s->parts = realloc(s->parts, (size_t)s->cap * sizeof(*s->parts));
            if (!s->parts) abort();
        }
        p = &s->parts[s->nparts++];
        memset(p, 0, sizeof(*p));
        p->topic = strdup(topic);
        if (!p->topic) abort();
        p->partition = partition;
        p->sent_hw = p->sent_lso = p->sent_log_start = -2;
        dict_set(s->index, key, (void *)(uintptr_t)s->nparts);
        s->unsorted = true;
        s->gen++;
    }
    p->current_leader_epoch = current_leader_epoch;
    p->fetch_offset = fetch_offset;
    p->last_fetched_epoch = last_fetched_epoch;
    p->log_start_offset = log_start_offset;
    p->max_bytes = max_bytes;
}

void fsess_forget(fsess_t *s, const char *topic, int32_t partition)
{
    char key[300];
    fsess_key(key, sizeof(key), topic, partition);
    uintptr_t at = (uintptr_t)dict_del(s->index, key);
    if (!at) return;
    free(s->parts[at - 1].topic);
    if ((int)at != s->nparts) { /* the last one fills the hole */
        s->parts[at - 1] = s->parts[s->nparts - 1];
        fsess_key(key, sizeof(key), s->parts[at - 1].topic, s->parts[at - 1].partition);
        dict_set(s->index, key, (void *)at);
        s->unsorted = true;
    }
    s->nparts--;
    s->gen++;
}

static int fsess_cmp(const void *a, const void *b)
{
    const fsess_part_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    if (c) return c;
    return (x->partition > y->partition) - (x->partition < y->partition);
}

void fsess_sort(fsess_t *s)
{
    if (!s->unsorted) return;
    qsort(s->parts, (size_t)s->nparts, sizeof(*s->parts), fsess_cmp);
    char key[300];
    for (int i = 0; i < s->nparts; i++) {
        fsess_key(key, sizeof(key), s->parts[i].topic, s->parts[i].partition);
        dict_set(s->index, key, (void *)(uintptr_t)(i + 1));
    }
    s->unsorted = false;
    s->gen++;
}

int fsess_count(const fsess_cache_t *c)
{
    return c ? c->count : 0;
}

int64_t fsess_parts_cached(const fsess_cache_t *c)
{
    if (!c) return 0;
    int64_t n = 0;
    for (int i = 0; i < c->max; i++)
        if (c->slots[i]) n += c->slots[i]->nparts;
    return n;
}

int64_t fsess_evictions(const fsess_cache_t *c)
{
    return c ? c->evictions : 0;
}

void fsess_count_incremental(fsess_cache_t *c)
{
    c->incremental++;
}

int64_t fsess_incremental(const fsess_cache_t *c)
{
    return c ? c->incremental : 0;
}
