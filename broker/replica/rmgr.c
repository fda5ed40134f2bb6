/* rmgr.c: partitions by topic in a dict (topic -> array indexed by partition), leadership,
 * appends and the delayed-fetch purgatory (a list of waiters; each append checks only the
 * waiters parked on that partition's topic-partition pointer). */
#include "rmgr.h"

#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "ev.h"
#include "ktime.h"
#include "log.h"
#include "server.h"
#include "store/lmgr.h"
#include "store/plog.h"
#include "tconf.h"

typedef struct rtopic {
    int32_t nparts;
    partition_t **parts; /* index = partition id; NULL = not hosted */
} rtopic_t;

struct rmgr_waiter {
    rmgr_waiter_t *next, *prev;
    rmgr_t *rm;
    partition_t **parts;
    int nparts;
    ev_timer_id_t timer;
    rmgr_wake_fn *fn;
    void *arg;
};

struct rmgr {
    server_t *srv;
    dict_t *topics; /* name -> rtopic_t* */
    rmgr_waiter_t *waiters;
    rmgr_role_hook_fn *role_hook;
    void *role_hook_arg;
};

static void rmgr_role_changed(rmgr_t *rm, const char *topic, int32_t p, rmgr_role_t role,
                              int32_t leader_epoch)
{
    if (rm->role_hook) rm->role_hook(rm->role_hook_arg, topic, p, role, leader_epoch);
}

void rmgr_set_role_hook(rmgr_t *rm, rmgr_role_hook_fn *fn, void *arg)
{
    rm->role_hook = fn;
    rm->role_hook_arg = arg;
}

rmgr_t *rmgr_new(server_t *srv)
{
    rmgr_t *rm = calloc(1, sizeof(*rm));
    if (!rm) abort();
    rm->srv = srv;
    rm->topics = dict_new();
    return rm;
}

static void rtopic_free(void *p)
{
    rtopic_t *t = p;
    for (int32_t i = 0; i < t->nparts; i++) {
        if (!t->parts[i]) continue;
        free(t->parts[i]->topic);
        free(t->parts[i]);
    }
    free(t->parts);
    free(t);
}

void rmgr_wake_all(rmgr_t *rm)
{
    while (rm->waiters) {
        rmgr_waiter_t *w = rm->waiters;
        rmgr_wake_fn *fn = w->fn;
        void *arg = w->arg;
        rmgr_wait_cancel(rm, w);
        fn(arg, true);
    }
}

void rmgr_free(rmgr_t *rm)
{
    if (!rm) return;
    rmgr_wake_all(rm);
    dict_free(rm->topics, rtopic_free);
    free(rm);
}

partition_t *rmgr_get(rmgr_t *rm, const char *topic, int32_t p)
{
    rtopic_t *t = dict_get(rm->topics, topic);
    if (!t || p < 0 || p >= t->nparts) return NULL;
    return t->parts[p];
}

static partition_t *rmgr_slot(rmgr_t *rm, const char *topic, int32_t p)
{
    rtopic_t *t = dict_get(rm->topics, topic);
    if (!t) {
        t = calloc(1, sizeof(*t));
        if (!t) abort();
        dict_set(rm->topics, topic, t);
    }
    if (p >= t->nparts) {
        partition_t **np = realloc(t->parts, (size_t)(p + 1) * sizeof(*np));
        if (!np) abort();
        memset(np + t->nparts, 0, (size_t)(p + 1 - t->nparts) * sizeof(*np));
        t->parts = np;
        t->nparts = p + 1;
    }
    if (!t->parts[p]) {
        partition_t *part = calloc(1, sizeof(*part));
        if (!part) abort();
        part->topic = strdup(topic);
        if (!part->topic) abort();
        part->index = p;
        part->leader = -1;
        part->leader_epoch = -1;
        t->parts[p] = part;
    }
    return t->parts[p];
}

kerr_t rmgr_become_leader(rmgr_t *rm, const char *topic, int32_t p, int32_t leader_epoch)
{
    partition_t *part = rmgr_get(rm, topic, p);
    if (part && part->is_leader && part->leader_epoch >= leader_epoch) return KERR_NONE;
    part = rmgr_slot(rm, topic, p);
    if (!part->log) {
        plog_cfg_t pc;
        tconf_plog_cfg(rm->srv, topic, &pc);
        kerr_t err = lmgr_get_or_create(rm->srv->lmgr, topic, p, &pc, &part->log);
        if (err) {
            log_error("rmgr", "cannot open log for %s-%d: %s", topic, p, kerr_str(err));
            return err;
        }
    }
    part->is_leader = true;
    part->leader = rm->srv->broker_id;
    part->leader_epoch = leader_epoch;
    plog_epoch_assign(part->log, leader_epoch, plog_end_offset(part->log));
    /* Single-replica ISR: everything written is committed. */
    part->hw = plog_end_offset(part->log);
    log_info("rmgr", "became leader of %s-%d at leader epoch %d (log end offset %lld)", topic, p,
             leader_epoch, (long long)part->hw);
    rmgr_role_changed(rm, topic, p, RMGR_ROLE_LEADER, leader_epoch);
    return KERR_NONE;
}

static void rmgr_wake(rmgr_t *rm, partition_t *part);

void rmgr_become_follower(rmgr_t *rm, const char *topic, int32_t p, int32_t leader_id,
                          int32_t leader_epoch)
{
    partition_t *part = rmgr_slot(rm, topic, p);
    if (part->leader_epoch > leader_epoch) return;
    if (!part->log) {
        plog_cfg_t pc;
        tconf_plog_cfg(rm->srv, topic, &pc);
        if (lmgr_get_or_create(rm->srv->lmgr, topic, p, &pc, &part->log) != KERR_NONE) return;
    }
    bool was_leader = part->is_leader;
    part->is_leader = false;
    part->leader = leader_id;
    part->leader_epoch = leader_epoch;
    if (was_leader) rmgr_wake(rm, part); /* parked fetches now answer NOT_LEADER */
    log_info("rmgr",
             "%s-%d: broker %d leads at epoch %d; this broker is a replica (not yet "
             "fetching: follower replication is not implemented)",
             topic, p, leader_id, leader_epoch);
    rmgr_role_changed(rm, topic, p, RMGR_ROLE_FOLLOWER, leader_epoch);
}

/* Wake (and remove) every waiter parked on part. */
static void rmgr_wake(rmgr_t *rm, partition_t *part)
{
    rmgr_waiter_t *w = rm->waiters;
    while (w) {
        rmgr_waiter_t *next = w->next;
        for (int i = 0; i < w->nparts; i++) {
            if (w->parts[i] != part) continue;
            rmgr_wake_fn *fn = w->fn;
            void *arg = w->arg;
            rmgr_wait_cancel(rm, w);
            fn(arg, false);
            next = rm->waiters; /* the callback may have changed the list: restart */
            break;
        }
        w = next;
    }
}

void rmgr_stop_replica(rmgr_t *rm, const char *topic, int32_t p, bool delete_log)
{
    rtopic_t *t = dict_get(rm->topics, topic);
    if (!t || p < 0 || p >= t->nparts || !t->parts[p]) return;
    partition_t *part = t->parts[p];
    part->is_leader = false;
    rmgr_wake(rm, part); /* parked fetches re-check and see NOT_LEADER / unknown */
    if (delete_log) {
        kerr_t err = lmgr_delete(rm->srv->lmgr, topic, p);
        if (err) log_error("rmgr", "delete log %s-%d failed: %s", topic, p, kerr_str(err));
    }
    t->parts[p] = NULL;
    free(part->topic);
    free(part);
    bool empty = true;
    for (int32_t i = 0; i < t->nparts; i++) empty = empty && !t->parts[i];
    if (empty) rtopic_free(dict_del(rm->topics, topic));
    log_info("rmgr", "stopped replica %s-%d%s", topic, p, delete_log ? " and deleted its log" : "");
    rmgr_role_changed(rm, topic, p, RMGR_ROLE_NONE, -1);
}

kerr_t rmgr_append(rmgr_t *rm, partition_t *part, uint8_t *buf, size_t len,
                   plog_append_info_t *info)
{
    kerr_t err = plog_append(part->log, buf, len, part->leader_epoch, ktime_wall_ms(), info);
    if (err) return err;
    part->hw = plog_end_offset(part->log);
    rmgr_wake(rm, part);
    return KERR_NONE;
}

void rmgr_append_committed(rmgr_t *rm, partition_t *part, uint8_t *buf, size_t len,
                           int64_t timeout_ms, rmgr_append_done_fn *done, void *arg)
{
    (void)timeout_ms; /* single-replica ISR: committed as soon as it is appended */
    plog_append_info_t info;
    memset(&info, 0, sizeof(info));
    kerr_t err =
        part->is_leader ? rmgr_append(rm, part, buf, len, &info) : KERR_NOT_LEADER_OR_FOLLOWER;
    done(arg, err, &info);
}

static void rmgr_waiter_unlink(rmgr_t *rm, rmgr_waiter_t *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        rm->waiters = w->next;
    if (w->next) w->next->prev = w->prev;
}

static void rmgr_waiter_timeout(ev_loop_t *loop, void *arg)
{
    (void)loop;
    rmgr_waiter_t *w = arg;
    rmgr_wake_fn *fn = w->fn;
    void *warg = w->arg;
    w->timer = 0;
    rmgr_waiter_unlink(w->rm, w);
    free(w);
    fn(warg, true);
}

rmgr_waiter_t *rmgr_wait(rmgr_t *rm, partition_t **parts, int nparts, int64_t timeout_ms,
                         rmgr_wake_fn *fn, void *arg)
{
    rmgr_waiter_t *w = calloc(1, sizeof(*w));
    if (!w) abort();
    w->rm = rm;
    w->parts = parts;
    w->nparts = nparts;
    w->fn = fn;
    w->arg = arg;
    w->next = rm->waiters;
    if (rm->waiters) rm->waiters->prev = w;
    rm->waiters = w;
    w->timer = ev_timer_add(rm->srv->loop, timeout_ms < 0 ? 0 : timeout_ms, rmgr_waiter_timeout, w);
    return w;
}

void rmgr_wait_cancel(rmgr_t *rm, rmgr_waiter_t *w)
{
    if (w->timer) ev_timer_cancel(rm->srv->loop, w->timer);
    rmgr_waiter_unlink(rm, w);
    free(w);
}

void rmgr_tick(rmgr_t *rm, int64_t now_ms)
{
    lmgr_tick(rm->srv->lmgr, now_ms);
}

void rmgr_topic_config_changed(rmgr_t *rm, const char *topic)
{
    rtopic_t *t = dict_get(rm->topics, topic);
    if (!t) return;
    plog_cfg_t pc;
    tconf_plog_cfg(rm->srv, topic, &pc);
    for (int32_t i = 0; i < t->nparts; i++)
        if (t->parts[i] && t->parts[i]->log) plog_set_cfg(t->parts[i]->log, &pc);
}
