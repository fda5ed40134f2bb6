/* arena.h: bump allocator for one request's decoded structures.
 * Decoders allocate every array of a request from the request's arena, so a handler frees
 * everything at once with arena_free(), including when the response is delayed (purgatory).
 * Allocation failure aborts. Owner: whoever holds the request. One thread at a time. */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk_t;
typedef struct arena {
    arena_chunk_t *head;
} arena_t;

void arena_init(arena_t *a);
/* Zeroed, 16-byte aligned memory valid until arena_free(). n == 0 gives a valid pointer. */
void *arena_alloc(arena_t *a, size_t n);
/* n elements of size sz, zeroed; aborts on overflow. */
void *arena_calloc(arena_t *a, size_t n, size_t sz);
/* NUL-terminated copy of p[0..len). */
char *arena_strndup(arena_t *a, const char *p, size_t len);
void arena_free(arena_t *a);

#endif
