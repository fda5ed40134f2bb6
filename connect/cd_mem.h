/* cd_mem.h: allocation helpers of the data model (cdata.c, crecord.c). Out of memory aborts,
 * as wbuf does: a worker that cannot allocate cannot go on correctly. Internal header. */
#ifndef CD_MEM_H
#define CD_MEM_H

#include <stdlib.h>
#include <string.h>

static inline void *cd_xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    if (!p) abort();
    return p;
}

static inline void *cd_xrealloc(void *p, size_t sz)
{
    p = realloc(p, sz ? sz : 1);
    if (!p) abort();
    return p;
}

static inline char *cd_xstrdup(const char *s)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

#endif
