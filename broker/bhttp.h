/* bhttp.h: the broker's HTTP endpoints on http.listeners (/metrics, /v1/health), served by
 * common/http.c on the reactor; every other path goes to the web console (console.h).
 * Owner: the server holds the bhttp_t (NULL when http.listeners is off), which owns the HTTP
 * server and the console. Reactor thread only. */
#ifndef BHTTP_H
#define BHTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "console.h"

typedef struct bhttp bhttp_t;
typedef struct lmgr lmgr_t;
typedef struct grp_coord grp_coord_t;
typedef struct fsess_cache fsess_cache_t;

/* What the endpoints read, borrowed for bhttp's lifetime: the console's deps (the metrics
 * read them too), and the server's own state through callbacks with console.arg. */
typedef struct bhttp_deps {
    console_deps_t console;
    lmgr_t *lmgr;
    grp_coord_t *grp;
    fsess_cache_t *fsess;                   /* fetch sessions (replica/fsess.h) */
    bool (*serving)(void *arg);             /* registered, not stopping or shutting down */
    int (*pending)(void *arg, int16_t api); /* requests of api parked (purgatory size) */
} bhttp_deps_t;

/* Start serving when http.listeners is set: *out is then the new bhttp_t, otherwise NULL.
 * 0, or -1 after logging why. */
int bhttp_start(const bhttp_deps_t *d, bhttp_t **out);
/* Stop serving and free (shutdown); NULL is a no-op. */
void bhttp_stop(bhttp_t *b);

#endif
