/* http.h: a small HTTP/1.1 server on libmicrohttpd, driven by our own reactor (ev.h).
 *
 * One module serves every HTTP surface of the project: the broker's /metrics and /v1/health,
 * the web console, and Connect's REST API. libmicrohttpd runs in "external select" mode with
 * its epoll fd registered in the loop, so request handlers run on the loop thread and may read
 * the state that thread owns without locks (DESIGN.md section 3). Handlers must not block: they
 * build the whole response before returning, or defer it: http_defer() inside the handler
 * suspends the connection (MHD_suspend_connection) and returns a token; the handler's resp is
 * then ignored, and the answer is given later, on the loop thread, with http_answer(token, ...)
 * (MHD_resume_connection). A deferred request must be answered exactly once; a suspended
 * connection does not time out, so the caller bounds its own wait (peer timeouts).
 *
 * Bodies (POST/PUT) are gathered up to HTTP_MAX_BODY bytes; a larger one gets 413 without the
 * handler being called. Paths are matched by the handler (req->path, no query string); query
 * arguments come from http_query().
 *
 * Owner: http_server_start() returns a server the caller frees with http_server_stop(). The
 * request and its strings belong to the module and are valid during the handler call only; the
 * response body is a wbuf the module frees. Loop thread only. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "buf.h"
#include "ev.h"

#define HTTP_MAX_BODY (1u << 20)

typedef struct http_server http_server_t;

typedef struct http_req {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* "/metrics" (decoded, without the query) */
    const char *body;   /* NUL-terminated copy of the body ("" when none) */
    size_t body_len;
    void *mhd_conn; /* for http_query() and http_header() */
    void *priv;     /* the module's own per-request state (for http_defer) */
} http_req_t;

typedef struct http_resp {
    int status;               /* 200 unless the handler sets it */
    const char *content_type; /* static string; default "text/plain; charset=utf-8" */
    wbuf_t body;              /* plain bytes only (no file ranges) */
    char set_cookie[256];     /* a Set-Cookie header value, "" for none (not kept by http_defer) */
} http_resp_t;

typedef void http_handler_fn(void *arg, const http_req_t *req, http_resp_t *resp);

/* A query argument (?name=value) or request header, or NULL. Valid during the handler call. */
const char *http_query(const http_req_t *req, const char *name);
const char *http_header(const http_req_t *req, const char *name);
/* A cookie the request sent (Cookie: name=value), or NULL. Valid during the handler call. */
const char *http_cookie(const http_req_t *req, const char *name);
/* The client's numeric address ("127.0.0.1", "::1"), "" when unknown. */
void http_client_host(const http_req_t *req, char *host, size_t n);

/* Deferred answers. http_defer: call inside the handler only, at most once; the request's
 * strings (path, body, queries) are NOT valid after the handler returns: copy what is needed.
 * http_answer: give the answer (status, content_type a static string or NULL for text/plain,
 * body taken and freed by the module); the token is gone afterwards. Tokens still pending at
 * http_server_stop() are answered 503 there and must not be used after it. */
typedef struct http_pending http_pending_t;
http_pending_t *http_defer(const http_req_t *req);
void http_answer(http_pending_t *p, int status, const char *content_type, wbuf_t *body);

/* Parse "http://HOST:PORT" (the http.listeners / listeners form; empty HOST = all addresses).
 * 0, or -1 with a reason in err. */
int http_parse_listener(const char *spec, char *host, size_t hostlen, int *port, char *err,
                        size_t errlen);

/* Listen on host:port (port 0 = any; see http_server_port) and serve handler(arg, ...) from
 * loop. NULL with a reason in err on failure (bad address, port in use). */
http_server_t *http_server_start(ev_loop_t *loop, const char *host, int port,
                                 http_handler_fn *handler, void *arg, char *err, size_t errlen);
/* The port actually bound. */
int http_server_port(const http_server_t *s);
/* Close every connection and the listener; frees s. NULL is a no-op. */
void http_server_stop(http_server_t *s);

#endif
