/* jhash.c: Java/Scala hash map iteration orders (see jhash.h). */
#include "jhash.h"

#include <stdbool.h>
#include <stdlib.h>

int32_t jhash_string(const char *s)
{
    uint32_t h = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) h = 31 * h + *p;
    return (int32_t)h;
}

int32_t jhash_tp(const char *topic, int32_t partition)
{
    uint32_t r = 31u + (uint32_t)partition;
    return (int32_t)(31u * r + (uint32_t)jhash_string(topic));
}

/* HashMap.hash / Scala's improveHash: h ^ (h >>> 16). */
static int32_t jhash_spread(int32_t h)
{
    uint32_t u = (uint32_t)h;
    return (int32_t)(u ^ (u >> 16));
}

int jhash_java_capacity(int n, int initial)
{
    int cap = 1;
    if (initial <= 0) {
        cap = 16;
    } else {
        while (cap < initial) cap <<= 1;
    }
    /* resize() doubles once the size passes 0.75 of the table */
    while (n > (int)(cap * 0.75)) cap <<= 1;
    return cap;
}

typedef struct jh_ent {
    int idx;
    uint32_t bucket;
    int32_t hash;
} jh_ent_t;

static int jh_cmp_java(const void *a, const void *b)
{
    const jh_ent_t *x = a, *y = b;
    if (x->bucket != y->bucket) return x->bucket < y->bucket ? -1 : 1;
    return x->idx - y->idx; /* insertion order within a bucket */
}

static int jh_cmp_scala(const void *a, const void *b)
{
    const jh_ent_t *x = a, *y = b;
    if (x->bucket != y->bucket) return x->bucket < y->bucket ? -1 : 1;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    return x->idx - y->idx;
}

static void jh_sort(const int32_t *h, int n, int cap, int *order, bool scala)
{
    jh_ent_t *e = calloc((size_t)n + 1, sizeof(*e));
    if (!e) abort();
    for (int i = 0; i < n; i++) {
        e[i].idx = i;
        e[i].hash = jhash_spread(h[i]);
        e[i].bucket = (uint32_t)e[i].hash & (uint32_t)(cap - 1);
    }
    qsort(e, (size_t)n, sizeof(*e), scala ? jh_cmp_scala : jh_cmp_java);
    for (int i = 0; i < n; i++) order[i] = e[i].idx;
    free(e);
}

void jhash_java_order(const int32_t *h, int n, int cap, int *order)
{
    jh_sort(h, n, cap, order, false);
}

void jhash_scala_order(const int32_t *h, int n, int *order)
{
    /* mutable.HashMap(16, 0.75): grows to twice the table when an insertion would reach
     * the threshold (size + 1 >= 0.75 * table) */
    int len = 16;
    for (int i = 0; i < n; i++)
        if (i + 1 >= (int)(len * 0.75)) len *= 2;
    jh_sort(h, n, len, order, true);
}
