/* sasl_conn.h: one connection's SASL authentication state (net layer).
 *
 * The connection (conn.c) owns one per connection on a SASL_PLAINTEXT/SASL_SSL listener and
 * asks it only two things: authenticated yet, and whether the next frame is a raw token.
 * The SASL handlers (sasl.c) drive it; they are the only writers of its fields. Split from
 * sasl.c so that the connection does not include the handlers, which use the connection
 * (no include cycle between conn and sasl). Reactor thread only. */
#ifndef SASL_CONN_H
#define SASL_CONN_H

#include <stdbool.h>

#include "scram.h"

typedef struct sasl_conn {
    unsigned mech;         /* SEC_MECH_*, 0 before the handshake */
    bool raw;              /* handshake v0: tokens come as raw frames */
    bool done;             /* authenticated */
    scram_server_t *scram; /* owned; SCRAM exchange in progress, else NULL */
} sasl_conn_t;

/* A fresh state (NULL when out of memory); freed with sasl_conn_free (NULL is fine). */
sasl_conn_t *sasl_conn_new(void);
void sasl_conn_free(sasl_conn_t *s);
/* Authenticated: every API may be served. */
bool sasl_conn_done(const sasl_conn_t *s);
/* After a v0 handshake: the next frame is a raw SASL token, not a request. */
bool sasl_conn_raw(const sasl_conn_t *s);

#endif
