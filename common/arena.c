/* arena.c: a list of chunks; big requests get a chunk of their own. */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK 8192

struct arena_chunk {
    arena_chunk_t *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void arena_init(arena_t *a)
{
    a->head = NULL;
}

static arena_chunk_t *arena_chunk_new(size_t cap, arena_chunk_t *next)
{
    arena_chunk_t *c = malloc(sizeof(*c) + cap);
    if (!c) abort();
    c->next = next;
    c->used = 0;
    c->cap = cap;
    return c;
}

void *arena_alloc(arena_t *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    arena_chunk_t *c = a->head;
    if (!c || c->cap - c->used < n) {
        if (n > ARENA_CHUNK / 4) {
            /* Large: own chunk, linked behind the current one so it stays current. */
            arena_chunk_t *big = arena_chunk_new(n, c ? c->next : NULL);
            if (c)
                c->next = big;
            else
                a->head = big;
            big->used = n;
            memset(big->data, 0, n);
            return big->data;
        }
        c = a->head = arena_chunk_new(ARENA_CHUNK, a->head);
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

void *arena_calloc(arena_t *a, size_t n, size_t sz)
{
    if (sz && n > SIZE_MAX / sz) abort();
    return arena_alloc(a, n * sz);
}

char *arena_strndup(arena_t *a, const char *p, size_t len)
{
    char *d = arena_alloc(a, len + 1);
    memcpy(d, p, len);
    d[len] = '\0';
    return d;
}

void arena_free(arena_t *a)
{
    arena_chunk_t *c = a->head;
    while (c) {
        arena_chunk_t *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
}
