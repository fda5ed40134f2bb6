/* ldfail.c: a log dir failing on this broker (see ldfail.h). */
#include "ldfail.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "store/lmgr.h"
#include "log.h"
#include "replica/rmgr.h"
#include "server.h"

#define LDFAIL_RETRY_MS 1000

typedef struct ldfail_ev {
    server_t *srv;
    int dir;
} ldfail_ev_t;

static void ldfail_notify(server_t *srv, ctl_op_t *op);

static void ldfail_retry_cb(ev_loop_t *loop, void *arg)
{
    (void)loop;
    ctl_op_t *op = arg;
    server_t *srv = op->arg;
    if (srv->stopping) {
        ctl_op_free(op);
        return;
    }
    ldfail_notify(srv, op);
}

static void ldfail_notified(ctl_op_t *op, void *arg)
{
    server_t *srv = arg;
    if (op->err && !srv->stopping) {
        log_warn("ldfail", "could not tell the controller of %d offline replicas (%s); retrying",
                 op->ntps, kerr_str(op->err));
        ev_timer_add(srv->loop, LDFAIL_RETRY_MS, ldfail_retry_cb, op);
        return;
    }
    ctl_op_free(op);
}

static void ldfail_notify(server_t *srv, ctl_op_t *op)
{
    op->err = KERR_NONE;
    ctl_submit(srv->ctl, op);
}

/* Tell the controller that topics/parts (n; ownership of the strings passes) are offline. */
static void ldfail_tell(server_t *srv, char **topics, int32_t *parts, int n)
{
    ctl_op_t *op = calloc(1, sizeof(*op));
    if (!op) abort();
    op->type = CTL_OP_LOG_DIR_FAILURE;
    op->broker_id = srv->broker_id;
    op->broker_epoch = srv->broker_epoch;
    op->tps = calloc((size_t)n + 1, sizeof(ctl_tp_t));
    if (!op->tps) abort();
    for (int i = 0; i < n; i++) {
        op->tps[i].topic = topics[i];
        op->tps[i].partition = parts[i];
    }
    op->ntps = n;
    free(topics);
    free(parts);
    op->done = ldfail_notified;
    op->arg = srv;
    ldfail_notify(srv, op);
}

/* Stop the dir's replicas, close its logs, tell the controller. */
static void ldfail_run_cb(ev_loop_t *loop, void *arg)
{
    (void)loop;
    ldfail_ev_t *ev = arg;
    server_t *srv = ev->srv;
    int dir = ev->dir;
    free(ev);
    if (lmgr_dir_is_offline(srv->lmgr, dir) || srv->stopping) return;
    char **topics;
    int32_t *parts;
    int n = lmgr_dir_logs(srv->lmgr, dir, &topics, &parts);
    log_error("ldfail", "log dir %s failed: taking its %d replicas offline",
              lmgr_dir_path(srv->lmgr, dir), n);
    for (int i = 0; i < n; i++) rmgr_stop_replica(srv->rmgr, topics[i], parts[i], false);
    lmgr_take_offline(srv->lmgr, dir);
    if (lmgr_online_dirs(srv->lmgr) == 0) {
        for (int i = 0; i < n; i++) free(topics[i]);
        free(topics);
        free(parts);
        server_fatal(srv, "every log dir is offline");
        return;
    }
    ldfail_tell(srv, topics, parts, n);
}

void ldfail_reregistered(server_t *srv)
{
    char **topics;
    int32_t *parts;
    int n = lmgr_offline_logs(srv->lmgr, &topics, &parts);
    if (n == 0) {
        free(topics);
        free(parts);
        return;
    }
    log_warn("ldfail", "registered again: telling the controller of %d offline replicas", n);
    ldfail_tell(srv, topics, parts, n);
}

/* lmgr's hook: runs inside the failing call, so the work waits for the next loop turn. */
static void ldfail_dir_failed(void *arg, int dir)
{
    server_t *srv = arg;
    ldfail_ev_t *ev = malloc(sizeof(*ev));
    if (!ev) abort();
    ev->srv = srv;
    ev->dir = dir;
    ev_timer_add(srv->loop, 0, ldfail_run_cb, ev);
}

void ldfail_init(server_t *srv)
{
    lmgr_set_fail_fn(srv->lmgr, ldfail_dir_failed, srv);
}
