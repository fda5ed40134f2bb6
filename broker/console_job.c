/* console_job.c: deferred console answers built from Kafka requests to the brokers (see
 * console_job.h). */
#include "console_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "dict.h"
#include "log.h"
#include "proto/kpjson.h"
#include "mdcache.h"
#include "peer.h"

#define CJOB_MAX_RESP (16u << 20)

/* con->peers: one peer per broker id (created on first use). */
typedef struct console_peers {
    dict_t *byid;  /* "<id>" -> peer_t */
    bool stopping; /* console_jobs_stop is closing them: no new requests */
} console_peers_t;

/* One request in flight. */
typedef struct cjob_req {
    cjob_t *job;
    int32_t broker;
    const char *resp_schema;
    cjob_resp_fn *cb;
    void *tag;
    bool flexible;
} cjob_req_t;

cjob_t *cjob_new(console_t *con, const http_req_t *req)
{
    cjob_t *j = calloc(1, sizeof(*j));
    if (!j) abort();
    j->con = con;
    j->pend = http_defer(req);
    j->st = json_object();
    cauth_as(con, req, &j->as); /* req is gone once deferred: the principal is copied */
    return j;
}

static void cjob_maybe_free(cjob_t *j)
{
    if (!j->replied || j->busy || j->outstanding) return;
    json_decref(j->st);
    free(j);
}

static void cjob_advance(cjob_t *j)
{
    if (j->replied || j->outstanding > 0 || !j->next) return;
    cjob_fn *fn = j->next;
    j->next = NULL;
    fn(j);
}

void cjob_then(cjob_t *j, cjob_fn *next)
{
    j->next = next;
    j->busy++;
    cjob_advance(j);
    j->busy--;
    cjob_maybe_free(j);
}

void cjob_reply(cjob_t *j, int status, json_t *doc)
{
    http_resp_t resp = {.status = 200};
    wbuf_init(&resp.body);
    console_send(&resp, status, doc);
    if (j->replied) { /* a second answer: a bug, dropped */
        wbuf_free(&resp.body);
        return;
    }
    http_answer(j->pend, resp.status, resp.content_type, &resp.body);
    j->replied = true;
    j->next = NULL;
    cjob_maybe_free(j);
}

void cjob_error(cjob_t *j, int status, const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof(msg), fmt, arg);
    cjob_reply(j, status, json_pack("{so}", "error", console_str(msg, strlen(msg))));
}

static void cjob_on_resp(void *arg, kerr_t err, rbuf_t *body)
{
    cjob_req_t *r = arg;
    cjob_t *j = r->job;
    json_t *doc = NULL;
    if (err == KERR_NONE) {
        doc = kpjson_decode(r->resp_schema, body, r->flexible);
        if (!doc) err = KERR__TRANSPORT;
    }
    j->outstanding--;
    j->busy++;
    if (!j->replied) r->cb(j, r->tag, r->broker, err, doc);
    json_decref(doc);
    free(r);
    cjob_advance(j);
    j->busy--;
    cjob_maybe_free(j);
}

static peer_t *cjob_peer(console_t *con, int32_t broker)
{
    const md_broker_t *b = mdcache_broker(con->d.md, broker);
    const md_endpoint_t *e = b ? md_broker_endpoint(b, con->d.inter_broker_listener) : NULL;
    if (!e && b && b->nendpoints > 0) e = &b->ep[0];
    if (!e || (con->peers && con->peers->stopping)) return NULL;
    if (!con->peers) {
        console_peers_t *cp = calloc(1, sizeof(*cp));
        if (!cp) abort();
        cp->byid = dict_new();
        con->peers = cp;
    }
    char key[16];
    snprintf(key, sizeof(key), "%d", broker);
    peer_t *p = dict_get(con->peers->byid, key);
    if (p) {
        peer_set_addr(p, e->host, e->port);
        return p;
    }
    char name[32], cid[48];
    snprintf(name, sizeof(name), "broker %d (console)", broker);
    snprintf(cid, sizeof(cid), "broker-%d-console", con->d.broker_id);
    p = peer_new(con->d.loop, name, cid, e->host, e->port, CJOB_MAX_RESP);
    dict_set(con->peers->byid, key, p);
    return p;
}

void cjob_call(cjob_t *j, int32_t broker, int16_t api, int16_t ver, const char *req_schema,
               json_t *req, const char *resp_schema, cjob_resp_fn *cb, void *tag)
{
    cjob_call_flex(j, broker, api, ver, false, req_schema, req, resp_schema, cb, tag);
}

void cjob_call_flex(cjob_t *j, int32_t broker, int16_t api, int16_t ver, bool flexible,
                    const char *req_schema, json_t *req, const char *resp_schema, cjob_resp_fn *cb,
                    void *tag)
{
    if (j->replied) { /* answered already (an earlier failure): nothing more to ask */
        json_decref(req);
        return;
    }
    if (!req) { /* a json_pack format error: a bug, answered as a failed request */
        log_error("console", "cannot build a request for api %d", api);
        j->busy++;
        cb(j, tag, broker, KERR_UNKNOWN_SERVER_ERROR, NULL);
        j->busy--;
        return;
    }
    peer_t *p = cjob_peer(j->con, broker);
    if (!p) { /* not a live broker: answered at once, the step runs after cjob_then */
        json_decref(req);
        j->busy++;
        cb(j, tag, broker, KERR_BROKER_NOT_AVAILABLE, NULL);
        j->busy--;
        return;
    }
    cjob_req_t *r = calloc(1, sizeof(*r));
    if (!r) abort();
    *r = (cjob_req_t){j, broker, resp_schema, cb, tag, flexible};
    wbuf_t wb;
    wbuf_init(&wb);
    kpjson_encode(req_schema, req, &wb, flexible);
    json_decref(req);
    j->outstanding++;
    peer_request(p, api, ver, flexible, &wb, CJOB_TIMEOUT_MS, cjob_on_resp, r);
    wbuf_free(&wb);
}

static void cjob_free_peer(void *v)
{
    peer_free(v);
}

void console_jobs_stop(console_t *con)
{
    if (!con->peers) return;
    con->peers->stopping = true; /* the jobs' callbacks run inside the frees */
    dict_free(con->peers->byid, cjob_free_peer);
    free(con->peers);
    con->peers = NULL;
}
