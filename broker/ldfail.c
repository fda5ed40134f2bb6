/* ldfail.c: a log dir failing on this broker (see ldfail.h). */
#include "ldfail.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "store/lmgr.h"
#include "log.h"
#include "replica/rmgr.h"

#define LDFAIL_RETRY_MS 1000

struct ldfail {
    ldfail_deps_t d;
};

typedef struct ldfail_ev {
    ldfail_t *lf;
    int dir;
} ldfail_ev_t;

static void ldfail_notify(ldfail_t *lf, ctl_op_t *op);

static void ldfail_retry_cb(ev_loop_t *loop, void *arg)
{
    (void)loop;
    ctl_op_t *op = arg;
    ldfail_t *lf = op->arg;
    if (*lf->d.stopping) {
        ctl_op_free(op);
        return;
    }
    ldfail_notify(lf, op);
}

static void ldfail_notified(ctl_op_t *op, void *arg)
{
    ldfail_t *lf = arg;
    if (op->err && !*lf->d.stopping) {
        log_warn("ldfail", "could not tell the controller of %d offline replicas (%s); retrying",
                 op->ntps, kerr_str(op->err));
        ev_timer_add(lf->d.loop, LDFAIL_RETRY_MS, ldfail_retry_cb, op);
        return;
    }
    ctl_op_free(op);
}

static void ldfail_notify(ldfail_t *lf, ctl_op_t *op)
{
    op->err = KERR_NONE;
    lf->d.submit(lf->d.arg, op);
}

/* Tell the controller that topics/parts (n; ownership of the strings passes) are offline. */
static void ldfail_tell(ldfail_t *lf, char **topics, int32_t *parts, int n)
{
    ctl_op_t *op = calloc(1, sizeof(*op));
    if (!op) abort();
    op->type = CTL_OP_LOG_DIR_FAILURE;
    op->broker_id = lf->d.broker_id;
    op->broker_epoch = *lf->d.broker_epoch;
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
    op->arg = lf;
    ldfail_notify(lf, op);
}

/* Stop the dir's replicas, close its logs, tell the controller. */
static void ldfail_run_cb(ev_loop_t *loop, void *arg)
{
    (void)loop;
    ldfail_ev_t *ev = arg;
    ldfail_t *lf = ev->lf;
    int dir = ev->dir;
    free(ev);
    if (lmgr_dir_is_offline(lf->d.lmgr, dir) || *lf->d.stopping) return;
    char **topics;
    int32_t *parts;
    int n = lmgr_dir_logs(lf->d.lmgr, dir, &topics, &parts);
    log_error("ldfail", "log dir %s failed: taking its %d replicas offline",
              lmgr_dir_path(lf->d.lmgr, dir), n);
    for (int i = 0; i < n; i++) rmgr_stop_replica(lf->d.rmgr, topics[i], parts[i], false);
    lmgr_take_offline(lf->d.lmgr, dir);
    if (lmgr_online_dirs(lf->d.lmgr) == 0) {
        for (int i = 0; i < n; i++) free(topics[i]);
        free(topics);
        free(parts);
        lf->d.fatal(lf->d.arg, "every log dir is offline");
        return;
    }
    ldfail_tell(lf, topics, parts, n);
}

void ldfail_reregistered(ldfail_t *lf)
{
    char **topics;
    int32_t *parts;
    int n = lmgr_offline_logs(lf->d.lmgr, &topics, &parts);
    if (n == 0) {
        free(topics);
        free(parts);
        return;
    }
    log_warn("ldfail", "registered again: telling the controller of %d offline replicas", n);
    ldfail_tell(lf, topics, parts, n);
}

/* lmgr's hook: runs inside the failing call, so the work waits for the next loop turn. */
static void ldfail_dir_failed(void *arg, int dir)
{
    ldfail_t *lf = arg;
    ldfail_ev_t *ev = malloc(sizeof(*ev));
    if (!ev) abort();
    ev->lf = lf;
    ev->dir = dir;
    ev_timer_add(lf->d.loop, 0, ldfail_run_cb, ev);
}

ldfail_t *ldfail_new(const ldfail_deps_t *d)
{
    ldfail_t *lf = calloc(1, sizeof(*lf));
    if (!lf) abort();
    lf->d = *d;
    lmgr_set_fail_fn(lf->d.lmgr, ldfail_dir_failed, lf);
    return lf;
}

void ldfail_free(ldfail_t *lf)
{
    free(lf);
}
