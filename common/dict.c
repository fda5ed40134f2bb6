/* dict.c: open addressing with tombstones; grows at 70% load (tombstones included). */
#include "dict.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DICT_TOMB ((char *)1)

typedef struct dict_ent {
    char *key; /* NULL = empty, DICT_TOMB = deleted */
    void *val;
} dict_ent_t;

struct dict {
    dict_ent_t *e;
    size_t cap, used, live;
};

static uint64_t dict_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s) h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

dict_t *dict_new(void)
{
    dict_t *d = calloc(1, sizeof(*d));
    if (!d) abort();
    d->cap = 16;
    d->e = calloc(d->cap, sizeof(dict_ent_t));
    if (!d->e) abort();
    return d;
}

void dict_free(dict_t *d, void (*free_val)(void *))
{
    if (!d) return;
    for (size_t i = 0; i < d->cap; i++) {
        if (d->e[i].key && d->e[i].key != DICT_TOMB) {
            if (free_val) free_val(d->e[i].val);
            free(d->e[i].key);
        }
    }
    free(d->e);
    free(d);
}

static dict_ent_t *dict_find(const dict_t *d, const char *key)
{
    size_t mask = d->cap - 1;
    for (size_t i = dict_hash(key) & mask;; i = (i + 1) & mask) {
        dict_ent_t *e = &d->e[i];
        if (!e->key) return NULL;
        if (e->key != DICT_TOMB && strcmp(e->key, key) == 0) return e;
    }
}

void *dict_get(const dict_t *d, const char *key)
{
    dict_ent_t *e = dict_find(d, key);
    return e ? e->val : NULL;
}

static void dict_grow(dict_t *d)
{
    dict_ent_t *old = d->e;
    size_t oldcap = d->cap;
    d->cap = d->live * 4 > oldcap ? oldcap * 2 : oldcap;
    d->e = calloc(d->cap, sizeof(dict_ent_t));
    if (!d->e) abort();
    d->used = d->live;
    size_t mask = d->cap - 1;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].key || old[i].key == DICT_TOMB) continue;
        size_t j = dict_hash(old[i].key) & mask;
        while (d->e[j].key) j = (j + 1) & mask;
        d->e[j] = old[i];
    }
    free(old);
}

void *dict_set(dict_t *d, const char *key, void *val)
{
    dict_ent_t *e = dict_find(d, key);
    if (e) {
        void *prev = e->val;
        e->val = val;
        return prev;
    }
    if ((d->used + 1) * 10 > d->cap * 7) dict_grow(d);
    size_t mask = d->cap - 1;
    size_t i = dict_hash(key) & mask;
    while (d->e[i].key && d->e[i].key != DICT_TOMB) i = (i + 1) & mask;
    if (!d->e[i].key) d->used++;
    d->e[i].key = strdup(key);
    if (!d->e[i].key) abort();
    d->e[i].val = val;
    d->live++;
    return NULL;
}

void *dict_del(dict_t *d, const char *key)
{
    dict_ent_t *e = dict_find(d, key);
    if (!e) return NULL;
    void *v = e->val;
    free(e->key);
    e->key = DICT_TOMB;
    e->val = NULL;
    d->live--;
    return v;
}

size_t dict_size(const dict_t *d)
{
    return d->live;
}

int dict_next(const dict_t *d, size_t *it, const char **key, void **val)
{
    while (*it < d->cap) {
        dict_ent_t *e = &d->e[(*it)++];
        if (e->key && e->key != DICT_TOMB) {
            if (key) *key = e->key;
            if (val) *val = e->val;
            return 1;
        }
    }
    return 0;
}
