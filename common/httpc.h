/* httpc.h: a small non-blocking HTTP/1.1 client on the reactor (ev.h), for the broker's calls
 * to HTTP services (the web console's proxy to Kafka Connect workers). No libcurl: one request
 * per connection (Connection: close), plain http:// only, names resolved as net.h does.
 *
 * A request has one deadline for everything (connect, send, answer). The answer's body is
 * delimited by Content-Length, chunked transfer coding, or the end of the connection; it is
 * bounded by max_body: a larger Content-Length is refused before anything is allocated, and a
 * body growing past it fails the request. Headers are bounded by HTTPC_MAX_HEAD.
 *
 * The callback runs exactly once, on the loop thread, never inside httpc_request itself
 * (failures found at once are reported from a 0 ms timer), unless httpc_cancel came first:
 *   KERR_NONE        an answer, any status (res->status, res->body)
 *   KERR__TRANSPORT  no connection, or it failed or closed before a whole answer
 *   KERR__TIMEDOUT   the deadline passed
 *   KERR__BAD_MSG    the answer is not HTTP/1.x as this client reads it
 *   KERR__TOO_LARGE  the body exceeds max_body (or the headers HTTPC_MAX_HEAD)
 *   KERR__INVAL      the URL is not http://HOST:PORT
 * res->sent tells whether any byte of the request was written (a caller may retry a request
 * that was never sent elsewhere without risking doing it twice).
 *
 * Owner: the module owns the request until its callback returns (then frees it) or until
 * httpc_cancel. res and its strings are valid during the callback only. Loop thread only. */
#ifndef HTTPC_H
#define HTTPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ev.h"
#include "kerr.h"

#define HTTPC_MAX_HEAD (16u << 10)

typedef struct httpc_req httpc_req_t;

typedef struct httpc_res {
    int status;       /* HTTP status (0 without an answer) */
    const char *body; /* NUL-terminated, body_len bytes ("" when none) */
    size_t body_len;
    bool sent;       /* some of the request was written */
    const char *why; /* what failed, for messages ("" on KERR_NONE) */
} httpc_res_t;

typedef void httpc_fn(void *arg, kerr_t err, const httpc_res_t *res);

/* Send method target (path and query, already percent-encoded) to base ("http://host:port").
 * body (copied; NULL = none) goes with Content-Type ctype (NULL: application/json) and a
 * Content-Length; POST and PUT always carry a Content-Length. */
httpc_req_t *httpc_request(ev_loop_t *loop, const char *base, const char *method,
                           const char *target, const void *body, size_t body_len, const char *ctype,
                           int64_t timeout_ms, size_t max_body, httpc_fn *cb, void *arg);
/* Drop a request in flight: no callback; not from inside its own callback. */
void httpc_cancel(httpc_req_t *r);

/* The answer parser, exposed for tests. Reads the status line and headers of buf[0..len):
 * returns 1 with *head_len (bytes up to and including the blank line), *status, *clen (-1 when
 * absent) and *chunked set; 0 when more bytes are needed; -1 with why set when malformed. */
int httpc_parse_head(const char *buf, size_t len, size_t *head_len, int *status, int64_t *clen,
                     bool *chunked, const char **why);
/* Decode the chunked body in buf[0..len) into out (reset first; it grows only with chunk bytes
 * actually present): 1 when the last chunk and its trailer are in; 0 when more are needed;
 * -1 (why) malformed; -2 when the body exceeds max. */
int httpc_dechunk(const char *buf, size_t len, wbuf_t *out, size_t max, const char **why);

#endif
