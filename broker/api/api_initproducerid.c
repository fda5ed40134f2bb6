/* api_initproducerid.c: InitProducerId v0-4. Each broker hands out ids from a block of
 * CTL_PID_BLOCK_SIZE reserved in /latest_producer_id_block (a version-checked write by the
 * coordinator thread, so no two brokers share a block). As in Kafka, a producer without a
 * transactional id always gets a fresh id with epoch 0; one with a transactional id goes to
 * the transaction coordinator (broker/txn/), which takes its ids from here too. Requests
 * arriving while a block is being reserved wait for it. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ctl.h"
#include "log.h"
#include "proto/kp_initproducerid.h"
#include "api_env.h"
#include "txn/txn.h"

typedef struct pid_waiter {
    struct pid_waiter *next;
    api_pid_fn *fn;
    void *arg;
} pid_waiter_t;

struct pidgen {
    int64_t next, end; /* ids next..end are free; next > end: none */
    bool reserving;
    pid_waiter_t *waiting, *tail;
};

static void api_initpid_answer(req_t *r, kerr_t err, int64_t pid)
{
    kp_initpid_resp_t resp = {.error_code = kerr_wire(err),
                              .producer_id = err ? -1 : pid,
                              .producer_epoch = err ? -1 : 0};
    kp_initpid_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}

static pidgen_t *api_pidgen(api_env_t *env)
{
    if (!env->pidgen) {
        env->pidgen = calloc(1, sizeof(*env->pidgen));
        if (!env->pidgen) abort();
        env->pidgen->next = 1;
        env->pidgen->end = 0;
    }
    return env->pidgen;
}

static void api_pidgen_reserve(api_env_t *env);

static void api_pidgen_reserved(ctl_op_t *op, void *arg)
{
    api_env_t *env = arg;
    pidgen_t *g = api_pidgen(env);
    g->reserving = false;
    kerr_t err = op->err;
    if (!err) {
        g->next = op->pid_block_start;
        g->end = op->pid_block_end;
    }
    ctl_op_free(op);
    while (g->waiting) {
        if (!err && g->next > g->end) {
            api_pidgen_reserve(env); /* used up by the waiters: reserve another block */
            return;
        }
        pid_waiter_t *w = g->waiting;
        g->waiting = w->next;
        if (!g->waiting) g->tail = NULL;
        w->fn(w->arg, err, err ? -1 : g->next++);
        free(w);
    }
}

static void api_pidgen_reserve(api_env_t *env)
{
    pidgen_t *g = api_pidgen(env);
    if (g->reserving) return;
    g->reserving = true;
    ctl_op_t *op = calloc(1, sizeof(*op));
    if (!op) abort();
    op->type = CTL_OP_ALLOC_PRODUCER_IDS;
    op->done = api_pidgen_reserved;
    op->arg = env;
    ctl_submit(env->ctl, op);
}

void api_pid_alloc(api_env_t *env, api_pid_fn *fn, void *arg)
{
    pidgen_t *g = api_pidgen(env);
    if (g->next <= g->end && !g->waiting) {
        fn(arg, KERR_NONE, g->next++);
        return;
    }
    pid_waiter_t *w = calloc(1, sizeof(*w));
    if (!w) abort();
    w->fn = fn;
    w->arg = arg;
    if (g->tail)
        g->tail->next = w;
    else
        g->waiting = w;
    g->tail = w;
    api_pidgen_reserve(env);
}

static void api_initpid_allocated(void *arg, kerr_t err, int64_t pid)
{
    api_initpid_answer(arg, err, pid);
}

static void api_initpid_txn_done(void *arg, kerr_t err, int64_t pid, int16_t epoch)
{
    req_t *r = arg;
    /* PRODUCER_FENCED is new in v4: older clients know it as INVALID_PRODUCER_EPOCH (Kafka) */
    if (err == KERR_PRODUCER_FENCED && r->hdr.api_version < 4) err = KERR_INVALID_PRODUCER_EPOCH;
    kp_initpid_resp_t resp = {.error_code = kerr_wire(err),
                              .producer_id = err ? -1 : pid,
                              .producer_epoch = err ? -1 : epoch};
    kp_initpid_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}

/* Write on the transactional id, or idempotent writes (KafkaApis.handleInitProducerIdRequest). */
static kerr_t api_initpid_authz(req_t *r, kstr_t txn_id)
{
    if (txn_id.len >= 0)
        return authz_authorize_k(r, ACL_OP_WRITE, ACL_RES_TXNID, txn_id)
                   ? KERR_NONE
                   : KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    return authz_may_idempotent_write(r) ? KERR_NONE : KERR_CLUSTER_AUTHORIZATION_FAILED;
}

void api_initproducerid(req_t *r, rbuf_t *rb)
{
    kp_initpid_req_t req;
    if (kp_initpid_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed InitProducerId request");
        return;
    }
    kerr_t denied = api_initpid_authz(r, req.transactional_id);
    if (denied) {
        api_initpid_answer(r, denied, -1);
        return;
    }
    req_defer(r);
    if (req.transactional_id.len >= 0)
        txn_init_producer_id(r->env->txn, &req, api_initpid_txn_done, r);
    else
        api_pid_alloc(r->env, api_initpid_allocated, r);
}

void api_initproducerid_free(api_env_t *env)
{
    pidgen_t *g = env->pidgen;
    if (!g) return;
    while (g->waiting) {
        pid_waiter_t *w = g->waiting;
        g->waiting = w->next;
        w->fn(w->arg, KERR_COORDINATOR_NOT_AVAILABLE, -1);
        free(w);
    }
    free(g);
    env->pidgen = NULL;
}
