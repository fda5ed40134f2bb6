/* bhttp.h: the broker's HTTP endpoints on http.listeners (/metrics, /v1/health), served by
 * common/http.c on the reactor. Reactor thread only. */
#ifndef BHTTP_H
#define BHTTP_H

typedef struct server server_t;

/* Start serving when http.listeners is set (no-op otherwise). 0, or -1 after logging why. */
int bhttp_start(server_t *srv);
/* Stop serving (shutdown); a no-op when not started. */
void bhttp_stop(server_t *srv);

#endif
