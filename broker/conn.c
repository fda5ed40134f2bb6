/* conn.c: client connections. Reads frames into a per-connection input buffer, turns each
 * into a req_t for the dispatcher, and writes responses (memory with writev, log segment
 * ranges with sendfile) in request order. See conn.h for the muting rule.
 *
 * A request's frame is not copied: req->frame points into the input buffer, which stays put
 * while the request lives, because at most one request per connection is alive (the one in
 * c->busy) and nothing is read, so nothing moves in the buffer, until it is done. If the
 * connection closes first, the orphaned request takes the input buffer with it (req_box_t). */
#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bytes.h"
#include "ev.h"
#include "ktime.h"
#include "log.h"
#include "metrics.h"
#include "quota.h"
#include "sasl_conn.h"
#include "tlsio.h"

#define CONN_READ_CHUNK (256 * 1024)
#define CONN_MAX_IOV    64
/* Stop reading requests while this much response data waits to be written. */
#define CONN_OUT_HIGH_WATER (64u * 1024 * 1024)
/* A TLS connection writes at most this much per SSL_write (file ranges are pread into it). */
#define CONN_TLS_CHUNK (64 * 1024)
/* and reads this much of the socket at a time into OpenSSL (tlsio_read_ahead) */
#define CONN_TLS_READ_AHEAD (64 * 1024)
/* The records of one CONN_TLS_CHUNK (16 KB each and 22 bytes of header and tag) go to the
 * socket in one write() (tlsio_write_buffer). */
#define CONN_TLS_WBUF (CONN_TLS_CHUNK + CONN_TLS_CHUNK / 256)

typedef struct out {
    struct out *next;
    wbuf_t wb;
    size_t sent; /* bytes of the response stream already written */
} out_t;

struct conn {
    conn_t *next, *prev;
    conn_env_t *env;
    listener_t *l;
    conn_dispatch_fn *dispatch; /* runs each request (the API table, api.h) */
    void *dispatch_arg;
    int fd;
    char peer[64];
    char principal[256];    /* "User:ANONYMOUS" until authenticated */
    tlsio_t *tls;           /* SSL and SASL_SSL listeners */
    uint8_t *tls_out;       /* CONN_TLS_CHUNK staging buffer for SSL_write */
    bool tls_up;            /* the handshake finished (principal taken from the certificate) */
    sasl_conn_t *sasl;      /* SASL listeners: authentication state (sasl.h) */
    bool close_after_flush; /* a failed login: close once the answer is written */
    uint8_t *in;
    size_t in_off, in_len, in_cap; /* unread bytes are in[in_off .. in_off+in_len) */
    req_t *busy;                   /* request handed to the dispatcher, not yet done */
    out_t *outq, *outq_tail;
    size_t out_bytes;
    uint32_t interest;
    int64_t throttle_until;       /* monotonic ms: muted for a quota until then */
    ev_timer_id_t throttle_timer; /* ends the throttle */
    bool quota_exempt;            /* a follower's or the controller's connection */
    int holds;       /* >0 while a function up the stack uses c: conn_close defers the free */
    bool processing; /* inside conn_process: a finished request must not re-enter it */
    bool closed;
};

/* A request and what conn.c keeps with it. r comes first: a req_t * is a req_box_t *. */
typedef struct req_box {
    req_t r;
    uint8_t *inbuf;  /* the closed connection's input buffer the frame points into, or NULL */
    conn_env_t *env; /* the connection's, still there once the request is orphaned */
} req_box_t;

static void conn_on_event(ev_loop_t *loop, int fd, uint32_t events, void *arg);
static void conn_process(conn_t *c);
static void conn_flush(conn_t *c);

const char *conn_peer(const conn_t *c)
{
    return c->peer;
}
const char *conn_principal(const conn_t *c)
{
    return c->principal;
}

void conn_set_principal(conn_t *c, const char *principal)
{
    snprintf(c->principal, sizeof(c->principal), "%s", principal);
}

conn_env_t *conn_env(const conn_t *c)
{
    return c->env;
}

listener_t *conn_listener(const conn_t *c)
{
    return c->l;
}

const char *req_user(const req_t *r)
{
    const char *p = r->c ? r->c->principal : "User:ANONYMOUS";
    return strncmp(p, "User:", 5) == 0 ? p + 5 : p;
}

sasl_conn_t *conn_sasl(conn_t *c)
{
    return c->sasl;
}

void conn_close_after_flush(conn_t *c)
{
    c->close_after_flush = true;
}

static void conn_set_interest(conn_t *c, uint32_t want)
{
    if (c->closed || want == c->interest) return;
    c->interest = want;
    ev_fd_mod(c->env->loop, c->fd, want);
}

static bool conn_throttled(const conn_t *c)
{
    return c->throttle_timer != 0;
}

/* Read interest only when no request is outstanding, the output is not backed up and no
 * quota throttle holds the connection. */
static void conn_update_interest(conn_t *c)
{
    uint32_t want = 0;
    if (!c->busy && c->out_bytes < CONN_OUT_HIGH_WATER && !conn_throttled(c)) want |= EV_READ;
    if (c->outq) want |= EV_WRITE;
    if (c->tls) { /* the other direction of a TLS exchange that waits on the socket */
        if (tlsio_read_wants_write(c->tls)) want |= EV_WRITE;
        if (tlsio_write_wants_read(c->tls)) want |= EV_READ;
        if (tlsio_unsent(c->tls)) want |= EV_WRITE; /* records of a write already taken */
    }
    conn_set_interest(c, want);
}

conn_t *conn_new(conn_env_t *env, listener_t *l, int fd, const char *peer,
                 conn_dispatch_fn *dispatch, void *dispatch_arg)
{
    conn_t *c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd);
        return NULL;
    }
    c->env = env;
    c->l = l;
    c->dispatch = dispatch;
    c->dispatch_arg = dispatch_arg;
    c->fd = fd;
    snprintf(c->peer, sizeof(c->peer), "%s", peer);
    snprintf(c->principal, sizeof(c->principal), "User:ANONYMOUS");
    c->interest = EV_READ;
    if (l->sec.tls && !(c->tls = tlsio_new(l->sec.tls, fd, NULL))) {
        log_error("conn", "cannot set up TLS for the connection from %s", peer);
        close(fd);
        free(c);
        return NULL;
    }
    /* with partial writes every SSL_write returned after one 16 KB record, and the next one
     * pread the CONN_TLS_CHUNK again for it: 4 preads per chunk (strace, consume) */
    if (c->tls) {
        tlsio_whole_writes(c->tls);
        tlsio_read_ahead(c->tls, CONN_TLS_READ_AHEAD);
        if (!tlsio_write_buffer(c->tls, CONN_TLS_WBUF)) abort();
    }
    if (secproto_sasl(l->sec.proto) && !(c->sasl = sasl_conn_new())) abort();
    if (ev_fd_add(env->loop, fd, EV_READ, conn_on_event, c) != 0) {
        log_error("conn", "register connection from %s failed: %s", peer, strerror(errno));
        tlsio_free(c->tls);
        sasl_conn_free(c->sasl);
        close(fd);
        free(c);
        return NULL;
    }
    c->next = env->conns;
    if (env->conns) env->conns->prev = c;
    env->conns = c;
    return c;
}

static void conn_free(conn_t *c)
{
    while (c->outq) {
        out_t *o = c->outq;
        c->outq = o->next;
        wbuf_free(&o->wb);
        free(o);
    }
    free(c->in);
    free(c->tls_out);
    sasl_conn_free(c->sasl);
    free(c);
}

void conn_close(conn_t *c, const char *reason)
{
    if (c->closed) return;
    c->closed = true;
    if (c->throttle_timer) ev_timer_cancel(c->env->loop, c->throttle_timer);
    c->throttle_timer = 0;
    if (reason) log_debug("conn", "closing connection from %s: %s", c->peer, reason);
    ev_fd_del(c->env->loop, c->fd);
    if (c->tls) {
        tlsio_shutdown(c->tls);
        tlsio_free(c->tls);
        c->tls = NULL;
    }
    close(c->fd);
    if (c->busy) { /* orphan: freed when its handler finishes, with the buffer its frame is in */
        ((req_box_t *)c->busy)->inbuf = c->in;
        c->in = NULL;
        c->in_off = c->in_len = c->in_cap = 0;
        c->busy->c = NULL;
    }
    c->busy = NULL;
    if (c->prev)
        c->prev->next = c->next;
    else
        c->env->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    if (c->holds == 0) conn_free(c);
}

int conn_pending(const conn_env_t *env, int16_t api_key)
{
    int n = 0;
    for (conn_t *c = env->conns; c; c = c->next)
        if (c->busy && c->busy->pending && c->busy->hdr.api_key == api_key) n++;
    return n;
}

void conn_close_all(conn_env_t *env)
{
    while (env->conns) conn_close(env->conns, "broker shutting down");
}

static void req_free(req_t *r)
{
    req_box_t *b = (req_box_t *)r;
    arena_free(&r->arena);
    wbuf_free(&r->resp);
    free(b->inbuf);
    free(b);
}

/* The request finished: let the connection go on reading (unless inside conn_process, which
 * continues by itself). */
static void conn_hold(conn_t *c)
{
    c->holds++;
}

static void conn_release(conn_t *c)
{
    if (--c->holds == 0 && c->closed) conn_free(c);
}

static void conn_req_finished(conn_t *c, req_t *r)
{
    if (c->busy == r) c->busy = NULL;
    if (!c->processing && !c->closed) {
        conn_process(c);
        if (!c->closed) conn_update_interest(c);
    }
}

/* Request metrics: counted when the response is queued (or dropped, acks=0). */
static void req_count(req_t *r)
{
    metrics_t *m = ((req_box_t *)r)->env->metrics;
    if (m && m->on)
        metrics_request(m, r->hdr.api_key, r->hdr.api_version, ktime_mono_us() - r->start_us);
}

void req_done(req_t *r)
{
    conn_t *c = r->c;
    req_count(r);
    if (!c) {
        req_free(r);
        return;
    }
    if (c->busy == r) c->busy = NULL;
    wbuf_put_i32_at(&r->resp, 0, (int32_t)(wbuf_total(&r->resp) - 4));
    out_t *o = malloc(sizeof(*o));
    if (!o) abort();
    o->next = NULL;
    o->wb = r->resp; /* move the response buffer */
    o->sent = 0;
    wbuf_init(&r->resp);
    if (c->outq_tail)
        c->outq_tail->next = o;
    else
        c->outq = o;
    c->outq_tail = o;
    c->out_bytes += wbuf_total(&o->wb);
    int64_t throttle = r->throttle_ms;
    req_free(r);
    conn_hold(c);
    if (throttle > 0) conn_throttle(c, throttle);
    conn_flush(c);
    conn_req_finished(c, r);
    conn_release(c);
}

void req_done_noresp(req_t *r)
{
    conn_t *c = r->c;
    req_count(r);
    if (c && c->busy == r) c->busy = NULL;
    int64_t throttle = r->throttle_ms;
    req_free(r);
    if (!c) return;
    conn_hold(c);
    if (throttle > 0) conn_throttle(c, throttle);
    conn_req_finished(c, r);
    conn_release(c);
}

void req_fail(req_t *r, const char *reason)
{
    conn_t *c = r->c;
    log_warn("conn",
             "closing connection from %s: malformed request (api key %d, version %d, "
             "correlation id %d): %s",
             c ? c->peer : "?", r->hdr.api_key, r->hdr.api_version, r->hdr.correlation_id, reason);
    if (c) {
        c->busy = NULL;
        conn_close(c, NULL);
    }
    req_free(r);
}

/* ---- quotas ---- */

const char *req_client_id(const req_t *r, char *buf, size_t n)
{
    kstr_t id = r->hdr.client_id;
    snprintf(buf, n, "%.*s", id.len > 0 ? id.len : 0, id.len > 0 ? id.p : "");
    return buf;
}

void req_quota_exempt(req_t *r)
{
    if (r->c) r->c->quota_exempt = true;
}

static void conn_throttle_end(ev_loop_t *loop, void *arg)
{
    (void)loop;
    conn_t *c = arg;
    c->throttle_timer = 0;
    conn_hold(c);
    if (!c->busy) conn_process(c);
    if (!c->closed) conn_update_interest(c);
    conn_release(c);
}

void conn_throttle(conn_t *c, int64_t ms)
{
    if (c->closed || ms <= 0) return;
    int64_t until = ktime_mono_ms() + ms;
    if (c->throttle_timer && until <= c->throttle_until) return;
    if (c->throttle_timer) ev_timer_cancel(c->env->loop, c->throttle_timer);
    c->throttle_until = until;
    c->throttle_timer = ev_timer_add(c->env->loop, ms, conn_throttle_end, c);
    conn_update_interest(c);
}

/* The client id of a frame (request header v1 and v2 both carry it as an int16-length
 * string after api key, version and correlation id); "" when null or short. */
static void conn_frame_client_id(const uint8_t *f, size_t len, char *out, size_t n)
{
    out[0] = '\0';
    if (len < 10) return;
    int16_t l = (int16_t)((f[8] << 8) | f[9]);
    if (l <= 0 || (size_t)l > len - 10) return;
    snprintf(out, n, "%.*s", (int)l, (const char *)f + 10);
}

/* Inter-broker APIs are never subject to client quotas (Kafka exempts cluster actions). */
static bool conn_api_exempt(const uint8_t *f, size_t len)
{
    static const int16_t exempt[] = {KAPI_LEADER_AND_ISR, KAPI_STOP_REPLICA, KAPI_UPDATE_METADATA,
                                     KAPI_CONTROLLED_SHUTDOWN, KAPI_ALTER_PARTITION};
    int16_t key = len >= 2 ? (int16_t)((f[0] << 8) | f[1]) : -1;
    for (size_t i = 0; i < sizeof(exempt) / sizeof(exempt[0]); i++)
        if (exempt[i] == key) return true;
    return false;
}

/* Hand r to the dispatcher and record the time its handler took on the reactor against the
 * client's request_percentage quota (Kafka: time on the I/O thread, as a percentage of one
 * thread), muting the connection when over it. */
static void conn_dispatch(conn_t *c, req_t *r)
{
    quota_mgr_t *q = c->env->quota;
    if (!q || c->quota_exempt || !quota_enabled(q, QUOTA_REQUEST) ||
        conn_api_exempt(r->frame, r->frame_len)) {
        c->dispatch(c->dispatch_arg, r);
        return;
    }
    char client[256];
    conn_frame_client_id(r->frame, r->frame_len, client, sizeof(client));
    int64_t t0 = ktime_mono_us();
    c->dispatch(c->dispatch_arg, r); /* r may be gone now; c is held by conn_process */
    int64_t t1 = ktime_mono_us();
    if (c->closed || c->quota_exempt) return;
    const char *user = strncmp(c->principal, "User:", 5) == 0 ? c->principal + 5 : c->principal;
    int64_t ms =
        quota_record(q, QUOTA_REQUEST, user, client, (double)(t1 - t0) * 100.0 / 1e6, t1 / 1000);
    if (ms > 0) conn_throttle(c, ms);
}

/* ---- reading ---- */

/* Make room for `need` more bytes after the unread data. */
static void conn_in_reserve(conn_t *c, size_t need)
{
    if (c->in_off && c->in_cap - c->in_off - c->in_len < need) {
        memmove(c->in, c->in + c->in_off, c->in_len);
        c->in_off = 0;
    }
    if (c->in_cap - c->in_off - c->in_len < need) {
        size_t cap = c->in_cap ? c->in_cap : CONN_READ_CHUNK;
        while (cap - c->in_len < need) cap *= 2;
        uint8_t *p = realloc(c->in, cap);
        if (!p) abort();
        c->in = p;
        c->in_cap = cap;
    }
}

/* Before SASL authentication: a raw token (handshake v0) goes to the SASL layer; of the
 * requests only ApiVersions, SaslHandshake and SaslAuthenticate pass, anything else closes the
 * connection (Kafka: "Unexpected Kafka request ... during SASL handshake"). true: dispatch r. */
static bool conn_sasl_gate(conn_t *c, req_t *r)
{
    if (sasl_conn_raw(c->sasl)) {
        c->env->raw_token(r);
        return false;
    }
    int16_t key = r->frame_len >= 2 ? (int16_t)((r->frame[0] << 8) | r->frame[1]) : -1;
    if (key == KAPI_API_VERSIONS || key == KAPI_SASL_HANDSHAKE || key == KAPI_SASL_AUTHENTICATE)
        return true;
    r->hdr.api_key = key;
    req_fail(r, "unexpected request before SASL authentication (illegal SASL state)");
    return false;
}

/* Handle complete frames until a request is pending or the buffer runs dry. */
static void conn_process(conn_t *c)
{
    conn_hold(c);
    c->processing = true;
    while (!c->closed && !c->busy && !conn_throttled(c) && c->in_len >= 4 &&
           c->out_bytes < CONN_OUT_HIGH_WATER) {
        const uint8_t *p = c->in + c->in_off;
        int32_t size = (int32_t)bytes_get_be32(p);
        bool authing = c->sasl && !sasl_conn_done(c->sasl);
        int64_t max = authing ? c->env->sasl_max_receive : c->env->max_request_bytes;
        if (size < (authing && sasl_conn_raw(c->sasl) ? 0 : 8) || (int64_t)size > max) {
            log_warn("conn", "closing connection from %s: request size %d outside [8, %lld] (%s)",
                     c->peer, size, (long long)max,
                     authing ? "sasl.server.max.receive.size" : "socket.request.max.bytes");
            conn_close(c, NULL);
            break;
        }
        if (c->in_len < (size_t)size + 4) break;
        req_box_t *b = calloc(1, sizeof(*b));
        if (!b) abort();
        req_t *r = &b->r;
        r->c = c;
        b->env = c->env;
        r->env = c->env->api;
        r->frame = c->in + c->in_off + 4; /* a view: see the top of this file */
        r->frame_len = (size_t)size;
        c->in_off += (size_t)size + 4;
        c->in_len -= (size_t)size + 4;
        if (c->in_len == 0) c->in_off = 0;
        arena_init(&r->arena);
        wbuf_init(&r->resp);
        c->busy = r;
        if (c->env->metrics && c->env->metrics->on) r->start_us = ktime_mono_us();
        if (authing && !conn_sasl_gate(c, r)) break;
        conn_dispatch(c, r);
    }
    c->processing = false;
    conn_release(c);
}

/* A whole frame is buffered (or a size conn_process will refuse at once). */
static bool conn_frame_buffered(const conn_t *c)
{
    if (c->in_len < 4) return false;
    int32_t size = (int32_t)bytes_get_be32(c->in + c->in_off);
    return size < 8 || (int64_t)size > c->env->max_request_bytes || (size_t)size + 4 <= c->in_len;
}

/* Read what the socket has, but stop once a whole request and at least a read chunk are
 * buffered: a client that pipelines (librdkafka keeps 5 produce requests in flight) would
 * otherwise have every one of them read at once, and while the first is pending (acks=all)
 * the rest sit in a buffer that grew to hold them all, whose fresh pages are faulted in on
 * every pass (64 MiB and ~15,000 page faults per broker for 400 MB of 1 KB messages). Kafka
 * reads one request at a time; this reads at most one chunk past it. */
/* The TLS handshake just finished: on an SSL listener the principal is the client
 * certificate's subject (Kafka's default principal builder), ANONYMOUS without one. */
static void conn_tls_established(conn_t *c)
{
    c->tls_up = true;
    char dn[512];
    if (c->l->sec.tls_principal && tlsio_peer_dn(c->tls, dn, sizeof(dn))) {
        char p[520];
        snprintf(p, sizeof(p), "User:%s", dn);
        conn_set_principal(c, p);
    }
    log_debug("conn", "TLS established with %s (principal %s)", c->peer, c->principal);
}

/* Read into buf: > 0 bytes, 0 when nothing more now (EAGAIN), -1 when c was closed. */
static ssize_t conn_sock_read(conn_t *c, uint8_t *buf, size_t want)
{
    for (;;) {
        ssize_t n = c->tls ? tlsio_read(c->tls, buf, want) : read(c->fd, buf, want);
        if (c->tls && !c->tls_up && tlsio_established(c->tls)) conn_tls_established(c);
        if (n > 0) return n;
        if (n == 0) {
            conn_close(c, "peer closed");
            return -1;
        }
        if (c->tls) {
            if (n == TLSIO_AGAIN) return 0;
            /* Kafka logs a failed handshake as a failed authentication, with the peer */
            log_warn("conn", "Failed authentication with %s (%s)", c->peer, tlsio_error(c->tls));
            conn_close(c, NULL);
            return -1;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        conn_close(c, strerror(errno));
        return -1;
    }
}

/* Read what the socket has, but stop once a whole request and at least a read chunk are
 * buffered: a client that pipelines (librdkafka keeps 5 produce requests in flight) would
 * otherwise have every one of them read at once, and while the first is pending (acks=all)
 * the rest sit in a buffer that grew to hold them all, whose fresh pages are faulted in on
 * every pass (64 MiB and ~15,000 page faults per broker for 400 MB of 1 KB messages). Kafka
 * reads one request at a time; this reads at most one chunk past it. Over TLS a read returns
 * one record at a time, so only "nothing more" ends the loop early (a record is never left
 * half-read in OpenSSL: the buffer offered is larger than a record), and the records OpenSSL
 * read ahead are drained before stopping: no poll would report them. */
static void conn_read(conn_t *c)
{
    for (;;) {
        size_t want = CONN_READ_CHUNK;
        if (c->in_len >= 4) {
            int32_t size = (int32_t)bytes_get_be32(c->in + c->in_off);
            if (size > 0 && (int64_t)size <= c->env->max_request_bytes &&
                (size_t)size + 4 > c->in_len && (size_t)size + 4 - c->in_len > want)
                want = (size_t)size + 4 - c->in_len;
        }
        conn_in_reserve(c, want);
        ssize_t n = conn_sock_read(c, c->in + c->in_off + c->in_len, want);
        if (n < 0) return;
        if (n == 0) break;
        c->in_len += (size_t)n;
        if (!c->tls && (size_t)n < want) break;
        if (c->in_len >= CONN_READ_CHUNK && conn_frame_buffered(c) &&
            !(c->tls && tlsio_pending(c->tls)))
            break;
    }
    conn_process(c);
}

/* ---- writing ---- */

/* The segment of o's stream that starts at o->sent: memory (file == NULL) or a file range. */
typedef struct seg {
    const uint8_t *mem;
    const wbuf_file_t *file;
    off_t file_off;
    size_t len;
} seg_t;

static bool out_next_seg(const out_t *o, seg_t *s)
{
    size_t pos = 0, mem_at = 0; /* pos in stream, mem_at in wb.p */
    const wbuf_t *wb = &o->wb;
    for (size_t i = 0; i <= wb->nfiles; i++) {
        size_t mem_end = i < wb->nfiles ? wb->files[i].at : wb->len;
        size_t mlen = mem_end - mem_at;
        if (o->sent < pos + mlen) {
            size_t skip = o->sent - pos;
            *s = (seg_t){wb->p + mem_at + skip, NULL, 0, mlen - skip};
            return true;
        }
        pos += mlen;
        mem_at = mem_end;
        if (i == wb->nfiles) break;
        const wbuf_file_t *f = &wb->files[i];
        if (o->sent < pos + f->len) {
            size_t skip = o->sent - pos;
            *s = (seg_t){NULL, f, f->off + (off_t)skip, f->len - skip};
            return true;
        }
        pos += f->len;
    }
    return false;
}

static void conn_out_advance(conn_t *c, size_t n)
{
    while (n > 0 && c->outq) {
        out_t *o = c->outq;
        size_t left = wbuf_total(&o->wb) - o->sent;
        size_t take = n < left ? n : left;
        o->sent += take;
        n -= take;
        if (o->sent == wbuf_total(&o->wb)) {
            c->out_bytes -= wbuf_total(&o->wb);
            c->outq = o->next;
            if (!c->outq) c->outq_tail = NULL;
            wbuf_free(&o->wb);
            free(o);
        }
    }
}

/* Stage the next bytes of the response stream for SSL_write: memory gathered across queued
 * responses, or one file range read with pread, up to CONN_TLS_CHUNK. From the same stream
 * position this stages at least as many bytes as before (responses are only appended), as
 * OpenSSL requires of a write retried after WANT_WRITE. Returns the length, or -1 (c closed). */
static ssize_t conn_tls_stage(conn_t *c)
{
    if (!c->tls_out && !(c->tls_out = malloc(CONN_TLS_CHUNK))) abort();
    seg_t s;
    if (!out_next_seg(c->outq, &s)) return 0;
    if (s.file) {
        size_t len = s.len < CONN_TLS_CHUNK ? s.len : CONN_TLS_CHUNK;
        ssize_t n = pread(s.file->fd, c->tls_out, len, s.file_off);
        if (n != (ssize_t)len) {
            log_error("conn", "reading a log segment for %s failed: %s; closing", c->peer,
                      n < 0 ? strerror(errno) : "end of file");
            conn_close(c, NULL);
            return -1;
        }
        return n;
    }
    size_t len = 0;
    for (out_t *q = c->outq; q && len < CONN_TLS_CHUNK; q = q->next) {
        out_t tmp = *q;
        while (len < CONN_TLS_CHUNK && out_next_seg(&tmp, &s) && !s.file) {
            size_t take = s.len < CONN_TLS_CHUNK - len ? s.len : CONN_TLS_CHUNK - len;
            memcpy(c->tls_out + len, s.mem, take);
            len += take;
            tmp.sent += take;
        }
        if (tmp.sent != wbuf_total(&tmp.wb)) break; /* a file range or the chunk end is next */
    }
    return (ssize_t)len;
}

static void conn_flush_tls(conn_t *c)
{
    int f = tlsio_flush(c->tls);
    if (f == TLSIO_ERROR) {
        conn_close(c, tlsio_error(c->tls));
        return;
    }
    while (f == 1 && c->outq && !c->closed) {
        ssize_t len = conn_tls_stage(c);
        if (len < 0) return;
        if (len == 0) {
            conn_out_advance(c, 0);
            break;
        }
        ssize_t n = tlsio_write(c->tls, c->tls_out, (size_t)len);
        if (n == TLSIO_AGAIN) break;
        if (n < 0) {
            conn_close(c, tlsio_error(c->tls));
            return;
        }
        conn_out_advance(c, (size_t)n);
        if (tlsio_unsent(c->tls)) break; /* the socket is full */
    }
    if (!c->closed && !c->outq && !tlsio_unsent(c->tls) && c->close_after_flush)
        conn_close(c, "failed authentication");
    if (!c->closed) conn_update_interest(c);
}

static void conn_flush(conn_t *c)
{
    if (c->tls) {
        conn_flush_tls(c);
        return;
    }
    while (c->outq && !c->closed) {
        struct iovec iov[CONN_MAX_IOV];
        int niov = 0;
        seg_t s;
        out_t *o = c->outq;
        if (!out_next_seg(o, &s)) { /* empty response stream: cannot happen (size prefix) */
            conn_out_advance(c, 0);
            break;
        }
        ssize_t n;
        if (s.file) {
            off_t off = s.file_off;
            n = sendfile(c->fd, s.file->fd, &off, s.len);
            if (n == 0) {
                log_error("conn", "sendfile to %s hit end of file early; closing", c->peer);
                conn_close(c, NULL);
                return;
            }
        } else {
            /* Gather memory segments across queued responses up to the next file range. */
            out_t tmp;
            for (out_t *q = o; q && niov < CONN_MAX_IOV; q = q->next) {
                tmp = *q;
                while (niov < CONN_MAX_IOV && out_next_seg(&tmp, &s) && !s.file) {
                    iov[niov++] = (struct iovec){(void *)s.mem, s.len};
                    tmp.sent += s.len;
                }
                if (tmp.sent != wbuf_total(&tmp.wb)) break; /* a file range is next */
            }
            n = writev(c->fd, iov, niov);
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            conn_close(c, strerror(errno));
            return;
        }
        conn_out_advance(c, (size_t)n);
    }
    if (!c->closed && !c->outq && c->close_after_flush) conn_close(c, "failed authentication");
    if (!c->closed) conn_update_interest(c);
}

static void conn_on_event(ev_loop_t *loop, int fd, uint32_t events, void *arg)
{
    (void)loop;
    (void)fd;
    conn_t *c = arg;
    conn_hold(c);
    if (events & EV_WRITE) {
        conn_flush(c);
        if (!c->closed && !c->busy && !conn_throttled(c)) conn_process(c);
        /* a TLS read (handshake, key update) that waited for the socket to drain */
        if (!c->closed && c->tls && tlsio_read_wants_write(c->tls)) conn_read(c);
    }
    if ((events & EV_READ) && !c->closed && c->tls && tlsio_write_wants_read(c->tls)) conn_flush(c);
    if ((events & (EV_READ | EV_ERROR)) && !c->closed) {
        if (c->busy || c->out_bytes >= CONN_OUT_HIGH_WATER || conn_throttled(c)) {
            /* Muted. A hang-up is reported even without interest, so close now rather
             * than spin; a pending request is orphaned. */
            if (events & EV_ERROR) conn_close(c, "peer hung up");
        } else {
            conn_read(c);
        }
    }
    if (!c->closed) conn_update_interest(c);
    conn_release(c);
}
