/* conn.h: one client connection: framing, dispatch, responses in request order.
 *
 * A connection reads size-prefixed frames; a frame larger than socket.request.max.bytes is
 * refused before anything is allocated for it, and the connection is closed. Each complete
 * frame becomes a req_t handed to the dispatch function the connection was made with (the
 * server gives api_dispatch, api.h; conn does not know the APIs). Requests are handled in order;
 * while one is pending (a delayed Fetch or acks=all Produce) the connection reads no further
 * requests, as Kafka mutes a channel, so responses always leave in request order.
 *
 * Quotas (KIP-219): a handler that finds its client over a quota sets req->throttle_ms (and
 * the response's throttle_time_ms); the response still goes out at once, then the connection
 * is muted (no request read or handled, as Kafka mutes a throttled channel) for that time.
 * The synchronous handler time of every request is recorded against the client's
 * request_percentage quota (connections of followers and controllers are exempt).
 *
 * Responses: before the handler runs, the connection writes the size placeholder and the
 * response header into req->resp; the handler appends the body and calls req_done(). Bodies may
 * splice file ranges (wbuf_file), which go out with sendfile.
 *
 * Owner: the server owns connections (conn_close frees) and the conn_env_t they share, which
 * outlives them. A req_t is owned by its connection until req_done(); if the connection dies
 * while a request is pending, the req is orphaned (req->c == NULL) and freed by req_done().
 * Reactor thread only. */
#ifndef CONN_H
#define CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "cfg.h"
#include "ev.h"
#include "proto/kp.h"
#include "sec.h"

typedef struct conn conn_t;
typedef struct req req_t;
typedef struct metrics metrics_t;
typedef struct quota_mgr quota_mgr_t;
typedef struct sasl_users sasl_users_t;
struct api_env;

/* What every connection needs from the broker, filled once by the server at start-up (all
 * borrowed; they outlive the connections). */
typedef struct conn_env {
    ev_loop_t *loop;
    const cfg_t *cfg;          /* connection.failed.authentication.delay.ms (sasl.c) */
    int64_t max_request_bytes; /* socket.request.max.bytes */
    int64_t sasl_max_receive;  /* sasl.server.max.receive.size: frames before authentication */
    metrics_t *metrics;        /* never NULL */
    quota_mgr_t *quota;        /* never NULL */
    sasl_users_t *users;       /* SCRAM credentials and PLAIN users (sasl.h) */
    struct api_env *api;       /* handed to every request as req->env; conn does not look in */
    conn_t *conns;             /* conn.c: all open connections (intrusive list) */
    /* A frame that is a raw SASL token (after a v0 handshake), not a request: sasl.c's
     * sasl_raw_token, given here so that conn does not include the SASL handlers. */
    void (*raw_token)(req_t *r);
} conn_env_t;

/* One listening socket (listeners=...), owned by the server. */
typedef struct listener {
    conn_env_t *env; /* what its accepted connections are made with */
    char name[64];   /* listener name, e.g. PLAINTEXT */
    char host[256];  /* bind host */
    int port;
    char adv_host[256]; /* advertised host:port for Metadata */
    int adv_port;
    int fd;
    sec_listener_t sec;         /* protocol, TLS context, SASL mechanisms (sec.h) */
    ev_timer_id_t accept_timer; /* accepting paused (out of fds) until it fires; 0 = not */
    int64_t accept_warned_ms;   /* when running out of fds on accept was last logged */
} listener_t;

typedef struct req {
    conn_t *c;           /* NULL once the connection is gone */
    struct api_env *env; /* the API handlers' dependencies (api/api_env.h) */
    kp_req_hdr_t hdr;    /* client_id views into frame */
    bool flexible;       /* request/response use flexible versions */
    uint8_t *frame;      /* the request frame (without the size prefix): a view into the
                          * connection's input buffer, valid until the req is freed */
    size_t frame_len;
    arena_t arena;       /* decoded structures */
    wbuf_t resp;         /* size + response header + body */
    void *state;         /* handler's pending state (purgatory) */
    int64_t start_us;    /* when the frame was complete (metrics on), monotonic */
    int64_t throttle_ms; /* mute the connection this long once the response is queued */
    bool pending;
} req_t;

/* Handles one request; owns r from then on (req_done/req_fail/req_defer). */
typedef void conn_dispatch_fn(void *arg, req_t *r);

/* Create a connection for an accepted fd (takes ownership of fd); every complete request goes
 * to dispatch(dispatch_arg, r). */
conn_t *conn_new(conn_env_t *env, listener_t *l, int fd, const char *peer,
                 conn_dispatch_fn *dispatch, void *dispatch_arg);
/* Close and free the connection (and orphan any pending request). reason is logged. */
void conn_close(conn_t *c, const char *reason);
const char *conn_peer(const conn_t *c);
listener_t *conn_listener(const conn_t *c);
/* The environment the connection was made with. */
conn_env_t *conn_env(const conn_t *c);
/* The authenticated principal as Kafka writes it ("User:alice"); "User:ANONYMOUS" until the
 * security layer (TLS client certificate or SASL) sets one. Valid while c lives. */
const char *conn_principal(const conn_t *c);
/* Set by the security layer once authentication succeeds (copied, truncated to 255 bytes). */
void conn_set_principal(conn_t *c, const char *principal);
/* The principal's name without "User:" ("alice", "CN=alice,..."; "ANONYMOUS" unauthenticated or
 * orphaned): the user of client quotas, as Kafka's quota manager names it. */
const char *req_user(const req_t *r);
/* The connection's SASL state (sasl_conn.h); NULL unless its listener is SASL_PLAINTEXT/SASL_SSL.
 */
struct sasl_conn *conn_sasl(conn_t *c);
/* Close the connection once every queued response is written (a failed login). */
void conn_close_after_flush(conn_t *c);

/* The handler finished writing the response body: send it (in order). Frees the req. */
void req_done(req_t *r);
/* Finish without a response (acks=0 produce). Frees the req. */
void req_done_noresp(req_t *r);
/* The request is malformed: log (peer, api key, version, reason), close the connection only,
 * free the req. */
void req_fail(req_t *r, const char *reason);
/* Mark the request as delayed: the handler keeps r and calls req_done() later. */
static inline void req_defer(req_t *r)
{
    r->pending = true;
}

/* The request's client id (null: ""), as a C string in buf (truncated to n - 1). */
const char *req_client_id(const req_t *r, char *buf, size_t n);
/* The connection carries a follower's fetches or the controller's requests: no client quota
 * applies to it from now on. */
void req_quota_exempt(req_t *r);
/* Mute c for ms (longest wins): nothing is read or handled until then. */
void conn_throttle(conn_t *c, int64_t ms);

/* How many connections wait on a delayed request of api_key (Kafka's purgatory sizes). */
int conn_pending(const conn_env_t *env, int16_t api_key);

/* Close every connection (shutdown). */
void conn_close_all(conn_env_t *env);

#endif
