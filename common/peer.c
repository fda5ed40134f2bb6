/* peer.c: outgoing broker-to-broker connections (see peer.h). One queue of requests in send
 * order; a request is "written" once its bytes are on the socket, and answered in the same
 * order. The input buffer grows to the largest frame seen, bounded by max_resp_bytes. */
#include "peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "log.h"
#include "net.h"
#include "proto/kp.h"
#include "proto/kp_sasl.h"
#include "scram.h"
#include "secproto.h"
#include "tlsio.h"

#define PEER_READ_CHUNK (256 * 1024)

typedef struct preq {
    struct preq *next;
    peer_t *p;
    int32_t corr;
    bool flexible;
    wbuf_t out; /* size + header + body */
    size_t sent;
    ev_timer_id_t timer;
    peer_resp_fn *cb;
    void *arg;
    bool auth; /* a SASL request of the login itself (sent before anything else) */
} preq_t;

/* CONNECTING (TCP) -> TLS (handshake, SSL and SASL_SSL) -> AUTH (SASL) -> UP */
typedef enum peer_state { PEER_DOWN, PEER_CONNECTING, PEER_TLS, PEER_AUTH, PEER_UP } peer_state_t;

/* The inter-broker listener's security, set once at start-up (peer_set_security). */
static const sec_client_t *peer_sec;

struct peer {
    ev_loop_t *loop;
    char name[64];
    char client_id[64];
    char host[256];
    int port;
    size_t max_resp;
    int fd;
    peer_state_t state;
    uint32_t interest;
    int32_t next_corr;
    preq_t *head, *tail; /* every queued request, oldest first */
    preq_t *unsent;      /* first request not completely written (NULL: all written) */
    int npending;
    uint8_t *in;
    size_t in_len, in_cap;
    int depth;                /* > 0 while a callback runs */
    bool free_asked;          /* peer_free() called from a callback */
    bool warned;              /* a connection failure was logged since the last success */
    ev_timer_id_t fail_timer; /* reports a connect that failed at once, from the loop */
    char fail_why[256];
    const sec_client_t *sec; /* NULL or PLAINTEXT: plain TCP */
    tlsio_t *tls;
    scram_client_t *scram; /* during a SCRAM login */
    int auth_step;
};

static void peer_on_event(ev_loop_t *loop, int fd, uint32_t events, void *arg);
static void peer_fail_all(peer_t *p, kerr_t err, preq_t *timed_out);

peer_t *peer_new(ev_loop_t *loop, const char *name, const char *client_id, const char *host,
                 int port, size_t max_resp_bytes)
{
    peer_t *p = calloc(1, sizeof(*p));
    if (!p) abort();
    p->loop = loop;
    snprintf(p->name, sizeof(p->name), "%s", name);
    snprintf(p->client_id, sizeof(p->client_id), "%s", client_id);
    snprintf(p->host, sizeof(p->host), "%s", host);
    p->port = port;
    p->max_resp = max_resp_bytes;
    p->fd = -1;
    p->next_corr = 1;
    p->sec = peer_sec;
    return p;
}

void peer_set_security(const sec_client_t *sc)
{
    peer_sec = sc;
}

static void peer_destroy(peer_t *p)
{
    if (p->fail_timer) ev_timer_cancel(p->loop, p->fail_timer);
    peer_fail_all(p, KERR__DESTROY, NULL);
    free(p->in);
    free(p);
}

void peer_free(peer_t *p)
{
    if (!p) return;
    if (p->depth > 0) {
        p->free_asked = true;
        return;
    }
    peer_destroy(p);
}

bool peer_addr_is(const peer_t *p, const char *host, int port)
{
    return p->port == port && strcmp(p->host, host) == 0;
}

int peer_pending(const peer_t *p)
{
    return p->npending;
}

static void peer_set_interest(peer_t *p, uint32_t want)
{
    if (p->fd < 0 || want == p->interest) return;
    p->interest = want;
    ev_fd_mod(p->loop, p->fd, want);
}

/* The first unsent request that may go out now: during the login only its own requests. */
static preq_t *peer_sendable(const peer_t *p)
{
    if (p->state == PEER_AUTH && p->unsent && !p->unsent->auth) return NULL;
    return p->unsent;
}

static void peer_update_interest(peer_t *p)
{
    if (p->state == PEER_CONNECTING) {
        peer_set_interest(p, EV_WRITE);
        return;
    }
    if (p->state == PEER_TLS) {
        peer_set_interest(p, tlsio_wants(p->tls));
        return;
    }
    uint32_t want = EV_READ | (peer_sendable(p) ? EV_WRITE : 0);
    if (p->tls && tlsio_read_wants_write(p->tls)) want |= EV_WRITE;
    if (p->state == PEER_UP || p->state == PEER_AUTH) peer_set_interest(p, want);
}

static void preq_free(preq_t *r)
{
    if (r->timer) ev_timer_cancel(r->p->loop, r->timer);
    wbuf_free(&r->out);
    free(r);
}

/* Run a callback with the peer held, so it may queue requests or ask for a free. */
static void peer_callback(peer_t *p, preq_t *r, kerr_t err, rbuf_t *body)
{
    p->depth++;
    r->cb(r->arg, err, body);
    p->depth--;
}

static void peer_close(peer_t *p)
{
    if (p->fd >= 0) {
        ev_fd_del(p->loop, p->fd);
        close(p->fd);
    }
    p->fd = -1;
    p->state = PEER_DOWN;
    p->interest = 0;
    p->in_len = 0;
    tlsio_free(p->tls);
    p->tls = NULL;
    scram_client_free(p->scram);
    p->scram = NULL;
    p->auth_step = 0;
}

/* Close and fail every queued request: the timed-out one (if any) with REQUEST_TIMED_OUT,
 * the others with err. */
static void peer_fail_all(peer_t *p, kerr_t err, preq_t *timed_out)
{
    peer_close(p);
    preq_t *list = p->head;
    p->head = p->tail = p->unsent = NULL;
    p->npending = 0;
    while (list) {
        preq_t *r = list;
        list = r->next;
        peer_callback(p, r, r == timed_out ? KERR_REQUEST_TIMED_OUT : err, NULL);
        preq_free(r);
    }
}

static void peer_failed(peer_t *p, const char *what)
{
    if (!p->warned) {
        log_warn("peer", "connection to %s at %s:%d failed: %s", p->name, p->host, p->port, what);
        p->warned = true;
    } else {
        log_debug("peer", "connection to %s at %s:%d failed: %s", p->name, p->host, p->port, what);
    }
    p->depth++;
    peer_fail_all(p, KERR__TRANSPORT, NULL);
    p->depth--;
    if (p->depth == 0 && p->free_asked) peer_destroy(p);
}

static void peer_fail_later(ev_loop_t *loop, void *arg)
{
    (void)loop;
    peer_t *p = arg;
    p->fail_timer = 0;
    peer_failed(p, p->fail_why);
}

static void peer_connect(peer_t *p)
{
    if (p->fail_timer) return; /* a failure is about to be reported */
    int fd = net_connect_tcp(p->host, p->port, p->fail_why, sizeof(p->fail_why));
    if (fd < 0) {
        /* never run callbacks from inside peer_request(): report from the loop */
        p->fail_timer = ev_timer_add(p->loop, 0, peer_fail_later, p);
        return;
    }
    p->fd = fd;
    p->state = PEER_CONNECTING;
    p->interest = EV_WRITE;
    if (ev_fd_add(p->loop, fd, EV_WRITE, peer_on_event, p) != 0) {
        close(fd);
        p->fd = -1;
        p->state = PEER_DOWN;
        snprintf(p->fail_why, sizeof(p->fail_why), "cannot register the socket");
        p->fail_timer = ev_timer_add(p->loop, 0, peer_fail_later, p);
    }
}

static void peer_timeout(ev_loop_t *loop, void *arg)
{
    (void)loop;
    preq_t *r = arg;
    peer_t *p = r->p;
    r->timer = 0;
    log_warn("peer", "request %d to %s timed out; closing the connection", r->corr, p->name);
    p->depth++;
    peer_fail_all(p, KERR__TRANSPORT, r);
    p->depth--;
    if (p->depth == 0 && p->free_asked) peer_destroy(p);
}

void peer_set_addr(peer_t *p, const char *host, int port)
{
    if (peer_addr_is(p, host, port)) return;
    snprintf(p->host, sizeof(p->host), "%s", host);
    p->port = port;
    p->warned = false;
    if (p->state != PEER_DOWN || p->head) {
        p->depth++;
        peer_fail_all(p, KERR__TRANSPORT, NULL);
        p->depth--;
        if (p->depth == 0 && p->free_asked) peer_destroy(p);
    }
}

static preq_t *preq_make(peer_t *p, int16_t api_key, int16_t api_version, bool flexible,
                         const wbuf_t *body, int64_t timeout_ms, peer_resp_fn *cb, void *arg)
{
    preq_t *r = calloc(1, sizeof(*r));
    if (!r) abort();
    r->p = p;
    r->corr = p->next_corr++;
    if (p->next_corr == INT32_MAX) p->next_corr = 1;
    r->flexible = flexible;
    r->cb = cb;
    r->arg = arg;
    wbuf_init(&r->out);
    size_t at = wbuf_reserve_i32(&r->out);
    kp_req_hdr_t h = {.api_key = api_key,
                      .api_version = api_version,
                      .correlation_id = r->corr,
                      .client_id = KSTR(p->client_id)};
    kp_req_hdr_encode(&r->out, flexible, &h);
    wbuf_append(&r->out, body->p, body->len);
    wbuf_put_i32_at(&r->out, at, (int32_t)(r->out.len - 4));
    r->timer = ev_timer_add(p->loop, timeout_ms, peer_timeout, r);
    return r;
}

void peer_request(peer_t *p, int16_t api_key, int16_t api_version, bool flexible,
                  const wbuf_t *body, int64_t timeout_ms, peer_resp_fn *cb, void *arg)
{
    preq_t *r = preq_make(p, api_key, api_version, flexible, body, timeout_ms, cb, arg);
    if (p->tail)
        p->tail->next = r;
    else
        p->head = r;
    p->tail = r;
    if (!p->unsent) p->unsent = r;
    p->npending++;
    if (p->state == PEER_DOWN)
        peer_connect(p);
    else
        peer_update_interest(p);
}

/* ---- the login: TLS handshake, then SASL (SaslHandshake v1, SaslAuthenticate v1) ---- */

#define PEER_AUTH_TIMEOUT_MS 30000

static void peer_up(peer_t *p)
{
    p->state = PEER_UP;
    log_debug("peer", "connected to %s at %s:%d", p->name, p->host, p->port);
}

/* Queue a login request ahead of every other: nothing else was written yet. */
static void peer_auth_send(peer_t *p, int16_t key, int16_t ver, const wbuf_t *body,
                           peer_resp_fn *cb)
{
    preq_t *r = preq_make(p, key, ver, false, body, PEER_AUTH_TIMEOUT_MS, cb, p);
    r->auth = true;
    r->next = p->head;
    p->head = r;
    if (!p->tail) p->tail = r;
    p->unsent = r;
    p->npending++;
}

static void peer_auth_token(peer_t *p, const void *tok, size_t len);

static void peer_auth_resp(void *arg, kerr_t err, rbuf_t *body)
{
    peer_t *p = arg;
    if (err) return; /* the connection failed: every request is failed with it */
    kp_saslauth_resp_t r;
    if (kp_saslauth_resp_decode(body, 1, &r) != KERR_NONE || r.error_code) {
        char why[128];
        snprintf(why, sizeof(why), "SASL authentication failed (%s, error %d)",
                 sec_mech_name(p->sec->mech), r.error_code);
        peer_failed(p, why);
        return;
    }
    if (p->sec->mech == SEC_MECH_PLAIN) {
        peer_up(p);
        return;
    }
    char why[128] = "";
    if (p->auth_step == 1) {
        char *fin =
            scram_client_final(p->scram, r.auth_bytes, (size_t)r.auth_len, why, sizeof(why));
        if (!fin) {
            peer_failed(p, why);
            return;
        }
        p->auth_step = 2;
        peer_auth_token(p, fin, strlen(fin));
        free(fin);
        return;
    }
    if (!scram_client_verify(p->scram, r.auth_bytes, (size_t)r.auth_len)) {
        peer_failed(p, "SCRAM server signature does not verify");
        return;
    }
    peer_up(p);
}

static void peer_auth_token(peer_t *p, const void *tok, size_t len)
{
    wbuf_t wb;
    wbuf_init(&wb);
    kp_saslauth_req_encode(&wb, 1, tok, (int32_t)len);
    peer_auth_send(p, KAPI_SASL_AUTHENTICATE, 1, &wb, peer_auth_resp);
    wbuf_free(&wb);
}

static void peer_handshake_resp(void *arg, kerr_t err, rbuf_t *body)
{
    peer_t *p = arg;
    if (err) return;
    int16_t code = rbuf_i16(body);
    if (rbuf_err(body) || code) {
        char why[128];
        snprintf(why, sizeof(why), "SaslHandshake for %s failed with error %d",
                 sec_mech_name(p->sec->mech), code);
        peer_failed(p, why);
        return;
    }
    const sec_client_t *sc = p->sec;
    if (sc->mech == SEC_MECH_PLAIN) {
        char tok[600];
        size_t ul = strlen(sc->username), pl = strlen(sc->password);
        tok[0] = '\0';
        memcpy(tok + 1, sc->username, ul + 1);
        memcpy(tok + ul + 2, sc->password, pl);
        peer_auth_token(p, tok, ul + 2 + pl);
        return;
    }
    p->scram = scram_client_new(sc->mech == SEC_MECH_SCRAM_SHA_256 ? SCRAM_SHA_256 : SCRAM_SHA_512,
                                sc->username, sc->password);
    char *first = p->scram ? scram_client_first(p->scram) : NULL;
    if (!first) {
        peer_failed(p, "cannot start the SCRAM exchange");
        return;
    }
    p->auth_step = 1;
    peer_auth_token(p, first, strlen(first));
    free(first);
}

/* TCP (and TLS) are up: log in with SASL when the inter-broker listener wants it. */
static void peer_start_auth(peer_t *p)
{
    if (!p->sec || !secproto_sasl(p->sec->proto)) {
        peer_up(p);
        return;
    }
    p->state = PEER_AUTH;
    wbuf_t wb;
    wbuf_init(&wb);
    kp_saslhandshake_req_encode(&wb, sec_mech_name(p->sec->mech));
    peer_auth_send(p, KAPI_SASL_HANDSHAKE, 1, &wb, peer_handshake_resp);
    wbuf_free(&wb);
}

/* Drive the TLS handshake. false when the peer failed. */
static bool peer_tls_step(peer_t *p)
{
    int rc = tlsio_handshake(p->tls);
    if (rc == TLSIO_AGAIN) return true;
    if (rc < 0) {
        char why[300];
        snprintf(why, sizeof(why), "%s", tlsio_error(p->tls));
        peer_failed(p, why);
        return false;
    }
    peer_start_auth(p);
    return true;
}

/* The TCP connect finished. false when the peer failed. */
static bool peer_connected(peer_t *p)
{
    if (p->sec && p->sec->tls) {
        p->tls = tlsio_new(p->sec->tls, p->fd, p->host);
        if (!p->tls) {
            peer_failed(p, "cannot set up TLS");
            return false;
        }
        p->state = PEER_TLS;
        return peer_tls_step(p);
    }
    peer_start_auth(p);
    return true;
}

/* > 0 bytes, 0 the peer closed, -1 nothing now, -2 failed (why set). */
static ssize_t peer_io(peer_t *p, bool wr, void *buf, size_t n, char *why, size_t wn)
{
    if (p->tls) {
        ssize_t r = wr ? tlsio_write(p->tls, buf, n) : tlsio_read(p->tls, buf, n);
        if (r == TLSIO_AGAIN) return -1;
        if (r == TLSIO_ERROR) snprintf(why, wn, "%s", tlsio_error(p->tls));
        return r == TLSIO_ERROR ? -2 : r;
    }
    ssize_t r = wr ? write(p->fd, buf, n) : read(p->fd, buf, n);
    if (r >= 0) return r;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return -1;
    snprintf(why, wn, "%s", strerror(errno));
    return -2;
}

/* Write as much of the unsent requests as the socket takes. false when the peer failed. */
static bool peer_write(peer_t *p)
{
    while (peer_sendable(p)) {
        preq_t *r = p->unsent;
        char why[300];
        ssize_t n = peer_io(p, true, r->out.p + r->sent, r->out.len - r->sent, why, sizeof(why));
        if (n == -1) break;
        if (n < 0) {
            peer_failed(p, why);
            return false;
        }
        r->sent += (size_t)n;
        if (r->sent < r->out.len) break;
        p->unsent = r->next;
    }
    peer_update_interest(p);
    return true;
}

/* Hand the complete frame at in[0..4+size) to the oldest written request. */
static bool peer_deliver(peer_t *p, const uint8_t *frame, size_t size)
{
    preq_t *r = p->head;
    if (!r || r == p->unsent) {
        peer_failed(p, "response without a request");
        return false;
    }
    rbuf_t rb;
    rbuf_init(&rb, frame, size);
    int32_t corr = rbuf_i32(&rb);
    if (r->flexible) rbuf_skip_tags(&rb);
    if (rbuf_err(&rb) || corr != r->corr) {
        peer_failed(p, "response out of order");
        return false;
    }
    p->head = r->next;
    if (!p->head) p->tail = NULL;
    p->npending--;
    p->warned = false;
    peer_callback(p, r, KERR_NONE, &rb);
    preq_free(r);
    return true;
}

static void peer_read(peer_t *p)
{
    for (;;) {
        if (p->in_cap - p->in_len < PEER_READ_CHUNK / 4) {
            size_t ncap = p->in_cap ? p->in_cap * 2 : PEER_READ_CHUNK;
            uint8_t *n = realloc(p->in, ncap);
            if (!n) abort();
            p->in = n;
            p->in_cap = ncap;
        }
        char why[300];
        ssize_t n = peer_io(p, false, p->in + p->in_len, p->in_cap - p->in_len, why, sizeof(why));
        if (n == -1) return;
        if (n < 0) {
            peer_failed(p, why);
            return;
        }
        if (n == 0) {
            peer_failed(p, "closed by the peer");
            return;
        }
        p->in_len += (size_t)n;
        size_t off = 0;
        while (p->in_len - off >= 4) {
            uint8_t *f = p->in + off;
            int32_t size = (int32_t)bytes_get_be32(f);
            if (size < 4 || (size_t)size > p->max_resp) {
                peer_failed(p, "bad response size");
                return;
            }
            if (p->in_len - off < 4 + (size_t)size) {
                /* make room for the whole frame before reading on */
                if (4 + (size_t)size > p->in_cap) {
                    memmove(p->in, p->in + off, p->in_len - off);
                    p->in_len -= off;
                    off = 0;
                    uint8_t *nb = realloc(p->in, 4 + (size_t)size);
                    if (!nb) abort();
                    p->in = nb;
                    p->in_cap = 4 + (size_t)size;
                }
                break;
            }
            p->depth++;
            bool ok = peer_deliver(p, f + 4, (size_t)size);
            p->depth--;
            if (!ok || p->fd < 0) return; /* failed, or closed by a callback */
            off += 4 + (size_t)size;
        }
        if (off) {
            memmove(p->in, p->in + off, p->in_len - off);
            p->in_len -= off;
        }
    }
}

static void peer_on_event(ev_loop_t *loop, int fd, uint32_t events, void *arg)
{
    (void)loop;
    (void)fd;
    peer_t *p = arg;
    p->depth++;
    if (p->state == PEER_CONNECTING) {
        int e = net_connect_result(p->fd);
        if (e != 0 || (events & EV_ERROR)) {
            peer_failed(p, e ? strerror(e) : "connect failed");
            goto out;
        }
        if (!peer_connected(p)) goto out;
    } else if (p->state == PEER_TLS) {
        if (!peer_tls_step(p)) goto out;
    }
    bool live = p->state == PEER_UP || p->state == PEER_AUTH;
    if ((events & EV_WRITE) && live && !peer_write(p)) goto out;
    live = p->state == PEER_UP || p->state == PEER_AUTH;
    if ((events & (EV_READ | EV_ERROR)) && live) peer_read(p);
    /* a TLS read that waited for the socket to drain */
    if ((events & EV_WRITE) && p->tls && tlsio_read_wants_write(p->tls) && p->fd >= 0) peer_read(p);
    if (p->state != PEER_DOWN) peer_update_interest(p);
out:
    p->depth--;
    if (p->depth == 0 && p->free_asked) peer_destroy(p);
}
