/* http.c: the HTTP server (see http.h). libmicrohttpd in external mode with its own epoll fd:
 * that one fd sits in our reactor; when it is readable, or when the daemon's own timeout is
 * due, MHD_run() does the non-blocking work and calls http_on_request() on the loop thread. */
#include "http.h"

#include <microhttpd.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

/* A daemon's idle bound when it names none: connection timeouts are checked this often. */
#define HTTP_IDLE_TICK_MS 1000

struct http_server {
    ev_loop_t *loop;
    struct MHD_Daemon *d;
    int epfd;
    ev_timer_id_t timer;
    http_handler_fn *handler;
    void *arg;
    int port;
    struct http_pending *deferred; /* suspended requests waiting for http_answer (a list) */
};

/* One request: its body as it arrives and, when deferred, its answer to come
 * (libmicrohttpd's per-request pointer; the http_pending_t token of http.h). */
typedef struct http_pending {
    char *body;
    size_t len, cap;
    bool too_big;
    bool in_handler; /* the handler is running: an answer is queued when it returns */
    bool deferred;   /* http_defer was called and no answer was given yet */
    bool answered;   /* http_answer gave status / ctype / answer */
    int status;
    const char *ctype;
    wbuf_t answer;
    http_server_t *srv;
    struct MHD_Connection *conn;
    struct http_pending *prev, *next; /* in srv->deferred while suspended */
} http_upload_t;

static void http_arm(http_server_t *s);

static void http_run(http_server_t *s)
{
    MHD_run(s->d);
    http_arm(s);
}

static void http_on_timer(ev_loop_t *loop, void *arg)
{
    (void)loop;
    http_server_t *s = arg;
    s->timer = 0;
    http_run(s);
}

static void http_on_fd(ev_loop_t *loop, int fd, uint32_t events, void *arg)
{
    (void)loop, (void)fd, (void)events;
    http_run(arg);
}

/* Wake again when the daemon asks (0 when it still has buffered work: its epoll set is
 * edge-triggered, so the fd alone would not tell us), at the latest after the idle tick. */
static void http_arm(http_server_t *s)
{
    if (s->timer) ev_timer_cancel(s->loop, s->timer);
    MHD_UNSIGNED_LONG_LONG t = 0;
    int64_t ms = HTTP_IDLE_TICK_MS;
    if (MHD_get_timeout(s->d, &t) == MHD_YES && t < (MHD_UNSIGNED_LONG_LONG)ms) ms = (int64_t)t;
    s->timer = ev_timer_add(s->loop, ms, http_on_timer, s);
}

static enum MHD_Result http_queue(struct MHD_Connection *conn, int status, const char *ctype,
                                  wbuf_t *body, const char *set_cookie)
{
    /* hand the wbuf's bytes to libmicrohttpd, which frees them with free() */
    struct MHD_Response *r =
        MHD_create_response_from_buffer(body->len, body->p, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        wbuf_free(body);
        return MHD_NO;
    }
    body->p = NULL;
    wbuf_free(body);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    /* answers are computed from live state (and embedded files change with the binary) */
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (set_cookie && *set_cookie)
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, set_cookie);
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return ok;
}

/* Gather one chunk of a body; false when it cannot be kept (the request then gets 413). */
static void http_upload_add(http_upload_t *u, const char *data, size_t n)
{
    if (u->too_big) return;
    if (n > HTTP_MAX_BODY - u->len) {
        u->too_big = true;
        return;
    }
    if (u->len + n + 1 > u->cap) {
        size_t cap = u->cap ? u->cap : 1024;
        while (cap < u->len + n + 1) cap *= 2;
        char *p = realloc(u->body, cap);
        if (!p) abort();
        u->body = p;
        u->cap = cap;
    }
    memcpy(u->body + u->len, data, n);
    u->len += n;
    u->body[u->len] = '\0';
}

static enum MHD_Result http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                       const char *method, const char *version, const char *upload,
                                       size_t *upload_size, void **con_cls)
{
    (void)version;
    http_server_t *s = cls;
    http_upload_t *u = *con_cls;
    if (!u) { /* headers only so far: the body (if any) comes in the next calls */
        u = calloc(1, sizeof(*u));
        if (!u) return MHD_NO;
        wbuf_init(&u->answer);
        *con_cls = u;
        return MHD_YES;
    }
    if (*upload_size) {
        http_upload_add(u, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (u->answered) /* resumed after http_answer */
        return http_queue(conn, u->status, u->ctype, &u->answer, NULL);
    http_resp_t resp = {.status = 200, .content_type = "text/plain; charset=utf-8"};
    wbuf_init(&resp.body);
    if (u->too_big) {
        wbuf_printf(&resp.body, "request body larger than %u bytes\n", HTTP_MAX_BODY);
        return http_queue(conn, 413, resp.content_type, &resp.body, NULL);
    }
    http_req_t req = {
        .method = method,
        .path = url,
        .body = u->body ? u->body : "",
        .body_len = u->len,
        .mhd_conn = conn,
        .priv = u,
    };
    u->srv = s;
    u->conn = conn;
    u->in_handler = true;
    s->handler(s->arg, &req, &resp);
    u->in_handler = false;
    if (!u->deferred && !u->answered)
        return http_queue(conn, resp.status, resp.content_type, &resp.body, resp.set_cookie);
    wbuf_free(&resp.body);
    if (u->answered) /* answered before the handler returned */
        return http_queue(conn, u->status, u->ctype, &u->answer, NULL);
    u->next = s->deferred;
    if (s->deferred) s->deferred->prev = u;
    s->deferred = u;
    MHD_suspend_connection(conn);
    return MHD_YES;
}

http_pending_t *http_defer(const http_req_t *req)
{
    http_upload_t *u = req->priv;
    u->deferred = true;
    return u;
}

void http_answer(http_pending_t *u, int status, const char *content_type, wbuf_t *body)
{
    u->status = status;
    u->ctype = content_type ? content_type : "text/plain; charset=utf-8";
    u->answer = *body;
    wbuf_init(body);
    u->answered = true;
    u->deferred = false;
    if (u->in_handler) return;
    http_server_t *s = u->srv;
    if (u->prev)
        u->prev->next = u->next;
    else
        s->deferred = u->next;
    if (u->next) u->next->prev = u->prev;
    u->prev = u->next = NULL;
    MHD_resume_connection(u->conn);
    /* the daemon runs the resumed request on its next turn: make that now */
    if (s->timer) ev_timer_cancel(s->loop, s->timer);
    s->timer = ev_timer_add(s->loop, 0, http_on_timer, s);
}

static void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)conn, (void)why;
    http_upload_t *u = *con_cls;
    if (!u) return;
    free(u->body);
    wbuf_free(&u->answer);
    free(u);
    *con_cls = NULL;
}

static void http_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    if (n && line[n - 1] == '\n') line[n - 1] = '\0';
    log_warn("http", "%s", line);
}

const char *http_query(const http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->mhd_conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(const http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->mhd_conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(const http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->mhd_conn, MHD_COOKIE_KIND, name);
}

void http_client_host(const http_req_t *req, char *host, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->mhd_conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    socklen_t len = !sa                         ? 0
                    : sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                : sizeof(struct sockaddr_in);
    if (!sa || getnameinfo(sa, len, host, (socklen_t)n, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(host, n, "%s", "");
}

int http_parse_listener(const char *spec, char *host, size_t hostlen, int *port, char *err,
                        size_t errlen)
{
    const char *p = spec;
    if (strncmp(p, "http://", 7) != 0) {
        snprintf(err, errlen, "'%s' is not of the form http://HOST:PORT", spec);
        return -1;
    }
    p += 7;
    const char *colon = strrchr(p, ':');
    char *end = NULL;
    long v = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || end == colon + 1 || *end != '\0' || v < 0 || v > 65535 ||
        (size_t)(colon - p) >= hostlen) {
        snprintf(err, errlen, "'%s' is not of the form http://HOST:PORT", spec);
        return -1;
    }
    memcpy(host, p, (size_t)(colon - p));
    host[colon - p] = '\0';
    *port = (int)v;
    return 0;
}

/* Resolve host (empty: every IPv4 address) into a passive socket address. */
static int http_resolve(const char *host, int port, struct sockaddr_storage *ss, char *err,
                        size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char svc[16];
    snprintf(svc, sizeof(svc), "%d", port);
    int rc = getaddrinfo(host[0] ? host : "0.0.0.0", svc, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, errlen, "cannot resolve '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

http_server_t *http_server_start(ev_loop_t *loop, const char *host, int port,
                                 http_handler_fn *handler, void *arg, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    if (http_resolve(host, port, &ss, err, errlen) != 0) return NULL;
    http_server_t *s = calloc(1, sizeof(*s));
    if (!s) abort();
    s->loop = loop;
    s->handler = handler;
    s->arg = arg;
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ss.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    s->d =
        MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, http_on_request, s,
                         MHD_OPTION_EXTERNAL_LOGGER, http_log, s, /* first, as MHD asks */
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED,
                         http_on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s:%d (address in use or not local?)", host, port);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *ep = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD);
    const union MHD_DaemonInfo *bp = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->epfd = ep ? ep->epoll_fd : -1;
    s->port = bp ? bp->port : port;
    if (s->epfd < 0 || ev_fd_add(loop, s->epfd, EV_READ, http_on_fd, s) != 0) {
        snprintf(err, errlen, "cannot watch the HTTP server's epoll fd");
        MHD_stop_daemon(s->d);
        free(s);
        return NULL;
    }
    http_arm(s);
    return s;
}

int http_server_port(const http_server_t *s)
{
    return s->port;
}

void http_server_stop(http_server_t *s)
{
    if (!s) return;
    while (s->deferred) { /* resume what still waits, so the daemon can close it */
        wbuf_t wb;
        wbuf_init(&wb);
        wbuf_printf(&wb, "shutting down\n");
        http_answer(s->deferred, 503, NULL, &wb);
    }
    MHD_run(s->d);
    ev_fd_del(s->loop, s->epfd);
    if (s->timer) ev_timer_cancel(s->loop, s->timer);
    MHD_stop_daemon(s->d);
    free(s);
}
