/* chan.c: controller channels (see chan.h). Posts carry their own copies; the reactor side
 * keeps one chan_t (peer + FIFO) per target broker in a small array. */
#include "chan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "log.h"
#include "peer.h"

#define CHAN_MAX_RESP (1024 * 1024)

typedef struct chan_req {
    struct chan_req *next;
    int16_t api_key, api_version;
    wbuf_t body;
} chan_req_t;

typedef struct chan {
    int32_t broker;
    peer_t *peer;
    chan_req_t *head, *tail;
    bool inflight;
    ev_timer_id_t retry;
    struct chan_mgr *m;
} chan_t;

struct chan_mgr {
    ev_loop_t *loop;
    int32_t self_id;
    chan_t **chans;
    int nchans;
};

typedef struct chan_post {
    chan_mgr_t *m;
    int32_t broker;
    char host[256];
    int port;
    chan_req_t *req; /* NULL: drop */
} chan_post_t;

chan_mgr_t *chan_mgr_new(ev_loop_t *loop, int32_t self_id)
{
    chan_mgr_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->loop = loop;
    m->self_id = self_id;
    return m;
}

static void chan_req_free(chan_req_t *r)
{
    wbuf_free(&r->body);
    free(r);
}

static void chan_free(chan_t *ch)
{
    if (ch->retry) ev_timer_cancel(ch->m->loop, ch->retry);
    while (ch->head) {
        chan_req_t *r = ch->head;
        ch->head = r->next;
        chan_req_free(r);
    }
    peer_free(ch->peer); /* an in-flight answer gets KERR__DESTROY: ch is not touched then */
    free(ch);
}

void chan_mgr_free(chan_mgr_t *m)
{
    if (!m) return;
    for (int i = 0; i < m->nchans; i++) chan_free(m->chans[i]);
    free(m->chans);
    free(m);
}

static void chan_kick(chan_t *ch);

static void chan_retry_cb(ev_loop_t *loop, void *arg)
{
    (void)loop;
    chan_t *ch = arg;
    ch->retry = 0;
    chan_kick(ch);
}

static void chan_answered(void *arg, kerr_t err, rbuf_t *body)
{
    chan_t *ch = arg;
    if (err == KERR__DESTROY) return; /* the channel is being freed */
    ch->inflight = false;
    chan_req_t *r = ch->head;
    if (err) {
        /* keep the request at the head and try again */
        ch->retry = ev_timer_add(ch->m->loop, CHAN_RETRY_MS, chan_retry_cb, ch);
        return;
    }
    /* Every controller response starts with its int16 error code. */
    int16_t code = rbuf_i16(body);
    if (!rbuf_err(body) && code != 0)
        log_warn("chan", "broker %d answered controller request (api %d) with %s", ch->broker,
                 r->api_key, kerr_name((kerr_t)code));
    ch->head = r->next;
    if (!ch->head) ch->tail = NULL;
    chan_req_free(r);
    chan_kick(ch);
}

/* Send the head request if nothing is in flight. */
static void chan_kick(chan_t *ch)
{
    if (ch->inflight || ch->retry || !ch->head) return;
    ch->inflight = true;
    peer_request(ch->peer, ch->head->api_key, ch->head->api_version, true, &ch->head->body,
                 CHAN_TIMEOUT_MS, chan_answered, ch);
}

static int chan_find(chan_mgr_t *m, int32_t broker)
{
    for (int i = 0; i < m->nchans; i++)
        if (m->chans[i]->broker == broker) return i;
    return -1;
}

static void chan_drop(chan_mgr_t *m, int32_t broker)
{
    for (int i = m->nchans - 1; i >= 0; i--) {
        if (broker != -1 && m->chans[i]->broker != broker) continue;
        chan_t *ch = m->chans[i];
        m->chans[i] = m->chans[--m->nchans];
        chan_free(ch);
    }
}

static void chan_on_post(ev_loop_t *loop, void *arg)
{
    (void)loop;
    chan_post_t *p = arg;
    chan_mgr_t *m = p->m;
    if (!p->req) {
        chan_drop(m, p->broker);
        free(p);
        return;
    }
    int i = chan_find(m, p->broker);
    chan_t *ch;
    if (i < 0) {
        ch = calloc(1, sizeof(*ch));
        if (!ch) abort();
        ch->m = m;
        ch->broker = p->broker;
        char name[32], cid[48];
        snprintf(name, sizeof(name), "broker %d", p->broker);
        snprintf(cid, sizeof(cid), "controller-%d", m->self_id);
        ch->peer = peer_new(m->loop, name, cid, p->host, p->port, CHAN_MAX_RESP);
        chan_t **nc = realloc(m->chans, (size_t)(m->nchans + 1) * sizeof(*nc));
        if (!nc) abort();
        m->chans = nc;
        m->chans[m->nchans++] = ch;
    } else {
        ch = m->chans[i];
        peer_set_addr(ch->peer, p->host, p->port); /* a re-registered broker may move */
    }
    if (ch->tail)
        ch->tail->next = p->req;
    else
        ch->head = p->req;
    ch->tail = p->req;
    free(p);
    chan_kick(ch);
}

void chan_post_request(chan_mgr_t *m, int32_t broker, const char *host, int port, int16_t api_key,
                       int16_t api_version, const wbuf_t *body)
{
    chan_post_t *p = calloc(1, sizeof(*p));
    chan_req_t *r = calloc(1, sizeof(*r));
    if (!p || !r) abort();
    p->m = m;
    p->broker = broker;
    snprintf(p->host, sizeof(p->host), "%s", host);
    p->port = port;
    r->api_key = api_key;
    r->api_version = api_version;
    wbuf_init(&r->body);
    wbuf_append(&r->body, body->p, body->len);
    p->req = r;
    if (ev_post(m->loop, chan_on_post, p) != 0) abort();
}

void chan_post_drop(chan_mgr_t *m, int32_t broker)
{
    chan_post_t *p = calloc(1, sizeof(*p));
    if (!p) abort();
    p->m = m;
    p->broker = broker;
    if (ev_post(m->loop, chan_on_post, p) != 0) abort();
}
