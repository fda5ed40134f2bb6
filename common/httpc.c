/* httpc.c: the non-blocking HTTP/1.1 client (httpc.h). A request is a small state machine on
 * one socket: connect (writability), write the whole request, then read until the answer is
 * whole (its head parsed once, its body by Content-Length, chunks, or the peer's close), all
 * under one deadline timer. Everything it allocates is bounded by the caller's max_body. */
#include "httpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http.h"
#include "net.h"

#define HTTPC_READ_CHUNK 16384

struct httpc_req {
    ev_loop_t *loop;
    int fd;
    ev_timer_id_t deadline, now; /* the deadline; the report of a failure found at once */
    char addr[300];              /* "host:port", for messages */
    wbuf_t out;                  /* the whole request */
    size_t out_off;
    wbuf_t in;   /* the answer's raw bytes */
    wbuf_t body; /* a chunked body, decoded */
    size_t max_body;
    bool connected, sent, have_head, no_body;
    size_t head_len;
    int status;
    int64_t clen;
    bool chunked;
    kerr_t fail; /* for the 0 ms report */
    char why[256];
    httpc_fn *cb;
    void *arg;
};

/* ---- parsing ---- */

static const char *httpc_find(const char *p, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(p + i, s, n) == 0) return p + i;
    return NULL;
}

/* A header line's value when its name is name (case-insensitive), else NULL; *vlen its length
 * without surrounding blanks. */
static const char *httpc_header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
    size_t n = strlen(name);
    if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0) return NULL;
    const char *v = line + n + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
    *vlen = (size_t)(end - v);
    return v;
}

int httpc_parse_head(const char *buf, size_t len, size_t *head_len, int *status, int64_t *clen,
                     bool *chunked, const char **why)
{
    const char *end = httpc_find(buf, len > HTTPC_MAX_HEAD ? HTTPC_MAX_HEAD : len, "\r\n\r\n");
    if (!end) return 0;
    *head_len = (size_t)(end - buf) + 4;
    *clen = -1;
    *chunked = false;
    /* "HTTP/1.x SSS reason" */
    if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' || buf[9] < '1' ||
        buf[9] > '5' || buf[10] < '0' || buf[10] > '9' || buf[11] < '0' || buf[11] > '9' ||
        (buf + 12 < end && buf[12] != ' ' && buf[12] != '\r')) {
        *why = "not an HTTP/1.x status line";
        return -1;
    }
    *status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    const char *line = httpc_find(buf, (size_t)(end - buf) + 2, "\r\n") + 2;
    while (line < end + 2) {
        const char *eol = httpc_find(line, (size_t)(end + 2 - line), "\r\n");
        size_t ll = (size_t)(eol - line), vl;
        const char *v;
        if ((v = httpc_header_value(line, ll, "Content-Length", &vl))) {
            int64_t n = 0;
            if (vl == 0 || vl > 15) {
                *why = "bad Content-Length";
                return -1;
            }
            for (size_t i = 0; i < vl; i++) {
                if (v[i] < '0' || v[i] > '9') {
                    *why = "bad Content-Length";
                    return -1;
                }
                n = n * 10 + (v[i] - '0');
            }
            *clen = n;
        } else if ((v = httpc_header_value(line, ll, "Transfer-Encoding", &vl))) {
            /* chunked is the last coding when present (RFC 9112 6.1) */
            *chunked = vl >= 7 && strncasecmp(v + vl - 7, "chunked", 7) == 0;
            if (!*chunked) {
                *why = "unsupported Transfer-Encoding";
                return -1;
            }
        }
        line = eol + 2;
    }
    if (*chunked) *clen = -1; /* Transfer-Encoding overrides Content-Length */
    return 1;
}

int httpc_dechunk(const char *buf, size_t len, wbuf_t *out, size_t max, const char **why)
{
    wbuf_reset(out);
    size_t pos = 0;
    for (;;) {
        const char *eol = httpc_find(buf + pos, len - pos, "\r\n");
        if (!eol) return len - pos > 64 ? (*why = "bad chunk size line", -1) : 0;
        uint64_t size = 0;
        size_t digits = 0;
        const char *p = buf + pos;
        for (; p < eol; p++, digits++) {
            int d = (*p >= '0' && *p <= '9')   ? *p - '0'
                    : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
                    : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10
                                               : -1;
            if (d < 0) break;
            if (digits >= 15) return (*why = "chunk size too long", -1);
            size = size * 16 + (uint64_t)d;
        }
        if (digits == 0 || (p < eol && *p != ';' && *p != ' '))
            return (*why = "bad chunk size", -1);
        pos = (size_t)(eol - buf) + 2;
        if (size == 0) { /* trailer lines, then an empty one */
            for (;;) {
                const char *t = httpc_find(buf + pos, len - pos, "\r\n");
                if (!t) return len - pos > HTTPC_MAX_HEAD ? (*why = "trailer too long", -1) : 0;
                if (t == buf + pos) return 1;
                pos = (size_t)(t - buf) + 2;
            }
        }
        if (size > max || out->len + size > max) return -2;
        if (len - pos < size + 2) return 0;
        if (buf[pos + size] != '\r' || buf[pos + size + 1] != '\n')
            return (*why = "chunk not followed by CRLF", -1);
        wbuf_append(out, buf + pos, (size_t)size);
        pos += (size_t)size + 2;
    }
}

/* ---- the state machine ---- */

static void httpc_close(httpc_req_t *r)
{
    if (r->fd >= 0) {
        ev_fd_del(r->loop, r->fd);
        close(r->fd);
        r->fd = -1;
    }
    if (r->deadline) ev_timer_cancel(r->loop, r->deadline);
    if (r->now) ev_timer_cancel(r->loop, r->now);
    r->deadline = r->now = 0;
}

static void httpc_free(httpc_req_t *r)
{
    wbuf_free(&r->out);
    wbuf_free(&r->in);
    wbuf_free(&r->body);
    free(r);
}

/* Report and free: the request is gone when this returns. */
static void httpc_finish(httpc_req_t *r, kerr_t err, const char *body, size_t body_len)
{
    httpc_close(r);
    httpc_res_t res = {.status = err == KERR_NONE ? r->status : 0,
                       .body = body ? body : "",
                       .body_len = body ? body_len : 0,
                       .sent = r->sent,
                       .why = err == KERR_NONE ? "" : r->why};
    r->cb(r->arg, err, &res);
    httpc_free(r);
}

static void httpc_failf(httpc_req_t *r, kerr_t err, const char *fmt, const char *arg)
{
    char what[200];
    snprintf(what, sizeof(what), fmt, arg);
    snprintf(r->why, sizeof(r->why), "%s: %s", r->addr, what);
    httpc_finish(r, err, NULL, 0);
}

/* The answer is whole when its head is in and its body complete (eof: the peer closed).
 * Finishes the request (true) or waits for more (false). */
static bool httpc_try_complete(httpc_req_t *r, bool eof)
{
    char *buf = (char *)r->in.p;
    const char *why = "";
    if (!r->have_head) {
        int rc =
            httpc_parse_head(buf, r->in.len, &r->head_len, &r->status, &r->clen, &r->chunked, &why);
        if (rc < 0) return httpc_failf(r, KERR__BAD_MSG, "%s", why), true;
        if (rc == 0) {
            if (r->in.len > HTTPC_MAX_HEAD)
                return httpc_failf(r, KERR__TOO_LARGE, "%s", "answer headers too long"), true;
            if (eof) return httpc_failf(r, KERR__TRANSPORT, "%s", "closed before an answer"), true;
            return false;
        }
        r->have_head = true;
        if (r->clen > (int64_t)r->max_body)
            return httpc_failf(r, KERR__TOO_LARGE, "%s", "answer body over the limit"), true;
    }
    size_t got = r->in.len - r->head_len;
    wbuf_ensure(&r->in, 1); /* room for the NUL after the body */
    buf = (char *)r->in.p;
    if (r->no_body || r->status == 204 || r->status == 304 || r->status < 200) {
        httpc_finish(r, KERR_NONE, NULL, 0);
        return true;
    }
    if (r->clen >= 0) {
        if (got >= (size_t)r->clen) {
            buf[r->head_len + (size_t)r->clen] = '\0';
            httpc_finish(r, KERR_NONE, buf + r->head_len, (size_t)r->clen);
            return true;
        }
        if (eof) return httpc_failf(r, KERR__TRANSPORT, "%s", "closed inside the body"), true;
        return false;
    }
    if (r->chunked) {
        int rc = httpc_dechunk(buf + r->head_len, got, &r->body, r->max_body, &why);
        if (rc == -2)
            return httpc_failf(r, KERR__TOO_LARGE, "%s", "answer body over the limit"), true;
        if (rc < 0) return httpc_failf(r, KERR__BAD_MSG, "%s", why), true;
        if (rc == 0 && !eof) return false;
        if (rc == 0) return httpc_failf(r, KERR__TRANSPORT, "%s", "closed inside the body"), true;
        wbuf_ensure(&r->body, 1)[0] = '\0';
        httpc_finish(r, KERR_NONE, (const char *)r->body.p, r->body.len);
        return true;
    }
    if (got > r->max_body)
        return httpc_failf(r, KERR__TOO_LARGE, "%s", "answer body over the limit"), true;
    if (!eof) return false;
    buf[r->in.len] = '\0';
    httpc_finish(r, KERR_NONE, buf + r->head_len, got);
    return true;
}

/* How many more raw bytes the answer may take. */
static size_t httpc_room(const httpc_req_t *r)
{
    size_t limit = HTTPC_MAX_HEAD + 1;
    if (r->have_head && r->clen >= 0)
        limit = r->head_len + (size_t)r->clen; /* never read past the body */
    else if (r->have_head)
        limit = r->head_len + r->max_body + (r->chunked ? r->max_body / 4 + 4096 : 1);
    return r->in.len < limit ? limit - r->in.len : 0;
}

static void httpc_on_read(httpc_req_t *r)
{
    for (;;) {
        size_t room = httpc_room(r);
        if (room == 0) { /* the head, once read, may allow more; else over the limit */
            bool had_head = r->have_head;
            if (httpc_try_complete(r, false)) return;
            if (!had_head && r->have_head) continue;
            return httpc_failf(r, KERR__TOO_LARGE, "%s", "answer over the limit");
        }
        size_t want = room < HTTPC_READ_CHUNK ? room : HTTPC_READ_CHUNK;
        ssize_t n = read(r->fd, wbuf_ensure(&r->in, want), want);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            httpc_try_complete(r, false);
            return;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return httpc_failf(r, KERR__TRANSPORT, "read: %s", strerror(errno));
        if (n == 0) {
            httpc_try_complete(r, true);
            return;
        }
        r->in.len += (size_t)n;
        if (r->have_head && r->clen >= 0 && httpc_try_complete(r, false)) return;
    }
}

static void httpc_on_write(httpc_req_t *r)
{
    while (r->out_off < r->out.len) {
        ssize_t n = write(r->fd, r->out.p + r->out_off, r->out.len - r->out_off);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return httpc_failf(r, KERR__TRANSPORT, "write: %s", strerror(errno));
        r->sent = true;
        r->out_off += (size_t)n;
    }
    ev_fd_mod(r->loop, r->fd, EV_READ);
}

static void httpc_on_fd(ev_loop_t *loop, int fd, uint32_t events, void *arg)
{
    (void)loop, (void)fd;
    httpc_req_t *r = arg;
    if (!r->connected) {
        int e = net_connect_result(r->fd);
        if (e) return httpc_failf(r, KERR__TRANSPORT, "connect: %s", strerror(e));
        r->connected = true;
    }
    if (r->out_off < r->out.len) {
        httpc_on_write(r);
        return; /* the read interest comes once everything is written */
    }
    if (events & (EV_READ | EV_ERROR)) httpc_on_read(r);
}

static void httpc_on_deadline(ev_loop_t *loop, void *arg)
{
    (void)loop;
    httpc_req_t *r = arg;
    r->deadline = 0;
    httpc_failf(r, KERR__TIMEDOUT, "%s",
                r->connected ? "no whole answer in time" : "connect timed out");
}

static void httpc_on_now(ev_loop_t *loop, void *arg)
{
    (void)loop;
    httpc_req_t *r = arg;
    r->now = 0;
    httpc_finish(r, r->fail, NULL, 0);
}

static httpc_req_t *httpc_fail_soon(httpc_req_t *r, kerr_t err, const char *why)
{
    r->fail = err;
    snprintf(r->why, sizeof(r->why), "%s", why);
    r->now = ev_timer_add(r->loop, 0, httpc_on_now, r);
    return r;
}

httpc_req_t *httpc_request(ev_loop_t *loop, const char *base, const char *method,
                           const char *target, const void *body, size_t body_len, const char *ctype,
                           int64_t timeout_ms, size_t max_body, httpc_fn *cb, void *arg)
{
    httpc_req_t *r = calloc(1, sizeof(*r));
    if (!r) abort();
    r->loop = loop;
    r->fd = -1;
    r->max_body = max_body;
    r->clen = -1;
    r->cb = cb;
    r->arg = arg;
    r->no_body = strcmp(method, "HEAD") == 0;
    wbuf_init(&r->out);
    wbuf_init(&r->in);
    wbuf_init(&r->body);
    char host[256], err[256];
    int port;
    snprintf(r->addr, sizeof(r->addr), "%s", base);
    if (http_parse_listener(base, host, sizeof(host), &port, err, sizeof(err)) != 0 || !host[0] ||
        port == 0) {
        snprintf(err, sizeof(err), "'%s' is not of the form http://HOST:PORT", base);
        return httpc_fail_soon(r, KERR__INVAL, err);
    }
    snprintf(r->addr, sizeof(r->addr), "%s:%d", host, port);
    wbuf_printf(&r->out,
                "%s %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: kafka-c-broker\r\n"
                "Accept: application/json\r\nConnection: close\r\n",
                method, target, host, port);
    if (body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
        wbuf_printf(&r->out, "Content-Type: %s\r\nContent-Length: %zu\r\n",
                    ctype ? ctype : "application/json", body ? body_len : 0);
    wbuf_append(&r->out, "\r\n", 2);
    if (body) wbuf_append(&r->out, body, body_len);
    r->fd = net_connect_tcp(host, port, err, sizeof(err));
    if (r->fd < 0) return httpc_fail_soon(r, KERR__TRANSPORT, err);
    if (ev_fd_add(loop, r->fd, EV_WRITE, httpc_on_fd, r) != 0) {
        close(r->fd);
        r->fd = -1;
        return httpc_fail_soon(r, KERR__TRANSPORT, "cannot watch the socket");
    }
    r->deadline = ev_timer_add(loop, timeout_ms, httpc_on_deadline, r);
    return r;
}

void httpc_cancel(httpc_req_t *r)
{
    if (!r) return;
    httpc_close(r);
    httpc_free(r);
}
