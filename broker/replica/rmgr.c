/* rmgr.c: the replica manager's partitions by topic in a dict (topic -> array indexed by
 * partition), its lifetime, role hooks, stopping replicas and periodic work (see rmgr.h;
 * rmgr_int.h lists the other files). */
#include "rmgr_int.h"

#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "dict.h"
#include "fetcher.h"
#include "ktime.h"
#include "log.h"
#include "logmove.h"
#include "rthrottle.h"
#include "store/lmgr.h"
#include "store/pidstate.h"
#include "store/plog.h"
#include "tconf.h"

/* ---------------------------------------------------------------- lifetime */

rmgr_t *rmgr_new(const rmgr_deps_t *deps)
{
    rmgr_t *rm = calloc(1, sizeof(*rm));
    if (!rm) abort();
    rm->d = *deps;
    rm->topics = dict_new();
    rm->lag_max_ms = deps->cfg ? cfg_int(deps->cfg, "replica.lag.time.max.ms") : 30000;
    rm->throttle = rthrottle_new(deps->tconf, deps->broker_id);
    rm->moves = logmove_new(deps->loop, deps->lmgr, deps->tconf, deps->cfg);
    return rm;
}

rthrottle_t *rmgr_throttle(rmgr_t *rm)
{
    return rm->throttle;
}

static void partition_free(partition_t *part)
{
    pidmap_free(part->pids);
    free(part->topic);
    free(part);
}

static void rtopic_free(void *p)
{
    rtopic_t *t = p;
    for (int32_t i = 0; i < t->nparts; i++)
        if (t->parts[i]) partition_free(t->parts[i]);
    free(t->parts);
    free(t);
}

void rmgr_free(rmgr_t *rm)
{
    if (!rm) return;
    rmgr_wake_all(rm);
    rmgr_stop_fetchers(rm);
    dict_free(rm->topics, rtopic_free);
    rthrottle_free(rm->throttle);
    logmove_free(rm->moves);
    free(rm);
}

void rmgr_set_role_hook(rmgr_t *rm, rmgr_role_hook_fn *fn, void *arg)
{
    if (!fn) { /* remove arg's hooks, keeping the order of the others */
        int n = 0;
        for (int i = 0; i < rm->nhooks; i++) {
            if (rm->role_hook_arg[i] == arg) continue;
            rm->role_hook[n] = rm->role_hook[i];
            rm->role_hook_arg[n++] = rm->role_hook_arg[i];
        }
        rm->nhooks = n;
        return;
    }
    if (rm->nhooks >= RMGR_MAX_ROLE_HOOKS) abort(); /* a wiring bug, not an input */
    rm->role_hook[rm->nhooks] = fn;
    rm->role_hook_arg[rm->nhooks++] = arg;
}

void rmgr_role_changed(rmgr_t *rm, const char *topic, int32_t p, rmgr_role_t role,
                       int32_t leader_epoch)
{
    for (int i = 0; i < rm->nhooks; i++)
        rm->role_hook[i](rm->role_hook_arg[i], topic, p, role, leader_epoch);
}

partition_t *rmgr_get(rmgr_t *rm, const char *topic, int32_t p)
{
    rtopic_t *t = dict_get(rm->topics, topic);
    if (!t || p < 0 || p >= t->nparts) return NULL;
    return t->parts[p];
}

partition_t *rmgr_next(rmgr_t *rm, size_t *it)
{
    /* it encodes (topic slot << 20 | partition + 1) over the dict iteration order */
    for (;;) {
        size_t slot = *it >> 20, pidx = *it & 0xfffff;
        size_t dit = slot;
        void *v;
        if (!dict_next(rm->topics, &dit, NULL, &v)) return NULL;
        rtopic_t *t = v;
        while ((int32_t)pidx < t->nparts) {
            partition_t *part = t->parts[pidx++];
            if (part) {
                *it = (slot << 20) | pidx;
                return part;
            }
        }
        *it = dit << 20; /* next topic */
    }
}

partition_t *rmgr_slot(rmgr_t *rm, const char *topic, int32_t p)
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
        part->partition_epoch = -1;
        part->hw = -1;
        t->parts[p] = part;
    }
    return t->parts[p];
}

void rmgr_stop_replica(rmgr_t *rm, const char *topic, int32_t p, bool delete_log)
{
    rtopic_t *t = dict_get(rm->topics, topic);
    if (!t || p < 0 || p >= t->nparts || !t->parts[p]) {
        if (delete_log && lmgr_get(rm->d.lmgr, topic, p)) lmgr_delete(rm->d.lmgr, topic, p);
        return;
    }
    partition_t *part = t->parts[p];
    part->is_leader = false;
    part->leader = -1;
    if (part->fetcher) fetcher_remove(part->fetcher, part);
    logmove_cancel(rm->moves, part);
    rmgr_wake(rm, part, RMGR_EV_ROLE); /* parked requests re-check and see NOT_LEADER */
    /* a waiter that re-parked on a stopping partition is answered as timed out */
    while (part->waiters) {
        rmgr_waiter_t *w = part->waiters->w;
        rmgr_wake_fn *fn = w->fn;
        void *arg = w->arg;
        rmgr_wait_cancel(rm, w);
        fn(arg, true);
    }
    if (delete_log) {
        pidmap_free(part->pids);
        part->pids = NULL;
        kerr_t err = lmgr_delete(rm->d.lmgr, topic, p);
        if (err) log_error("rmgr", "delete log %s-%d failed: %s", topic, p, kerr_str(err));
    }
    t->parts[p] = NULL;
    partition_free(part);
    bool empty = true;
    for (int32_t i = 0; i < t->nparts; i++) empty = empty && !t->parts[i];
    char *name = strdup(topic);
    if (empty) rtopic_free(dict_del(rm->topics, topic));
    log_info("rmgr", "stopped replica %s-%d%s", name, p, delete_log ? " and deleted its log" : "");
    rmgr_role_changed(rm, name, p, RMGR_ROLE_NONE, -1);
    free(name);
}

typedef struct stray_ctx {
    rmgr_t *rm;
    bool (*keep)(void *, const char *, int32_t);
    void *arg;
    char **names;
    int32_t *parts;
    int n, cap;
} stray_ctx_t;

static void rmgr_stray_cb(plog_t *log, void *arg)
{
    stray_ctx_t *s = arg;
    if (s->keep(s->arg, plog_topic(log), plog_partition(log))) return;
    if (rmgr_get(s->rm, plog_topic(log), plog_partition(log))) return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->names = realloc(s->names, (size_t)s->cap * sizeof(char *));
        s->parts = realloc(s->parts, (size_t)s->cap * sizeof(int32_t));
        if (!s->names || !s->parts) abort();
    }
    s->names[s->n] = strdup(plog_topic(log));
    s->parts[s->n++] = plog_partition(log);
}

void rmgr_drop_strays(rmgr_t *rm, bool (*keep)(void *arg, const char *topic, int32_t p), void *arg)
{
    stray_ctx_t s = {.rm = rm, .keep = keep, .arg = arg};
    lmgr_foreach(rm->d.lmgr, rmgr_stray_cb, &s);
    for (int i = 0; i < s.n; i++) {
        log_warn("rmgr",
                 "log %s-%d belongs to no partition this broker hosts (its topic was "
                 "deleted while the broker was away): deleting it",
                 s.names[i], s.parts[i]);
        lmgr_delete(rm->d.lmgr, s.names[i], s.parts[i]);
        free(s.names[i]);
    }
    free(s.names);
    free(s.parts);
}

void rmgr_tick(rmgr_t *rm, int64_t now_ms)
{
    lmgr_tick(rm->d.lmgr, now_ms);
    int64_t mono = ktime_mono_ms();
    int64_t every = rm->lag_max_ms / 2 > 0 ? rm->lag_max_ms / 2 : 1;
    if (mono - rm->last_isr_check_ms >= every || mono - rm->last_isr_check_ms >= 1000) {
        rm->last_isr_check_ms = mono;
        size_t it = 0;
        partition_t *part;
        while ((part = rmgr_next(rm, &it))) rmgr_check_isr(rm, part, mono);
    }
    rmgr_fetchers_tick(rm);
}

void rmgr_topic_config_changed(rmgr_t *rm, const char *topic)
{
    rtopic_t *t = dict_get(rm->topics, topic);
    if (!t) return;
    plog_cfg_t pc;
    tconf_plog_cfg(rm->d.tconf, topic, &pc);
    for (int32_t i = 0; i < t->nparts; i++)
        if (t->parts[i] && t->parts[i]->log) plog_set_cfg(t->parts[i]->log, &pc);
}

void rmgr_snapshot_all(rmgr_t *rm)
{
    size_t it = 0;
    partition_t *part;
    while ((part = rmgr_next(rm, &it)))
        if (part->log) pidmap_snapshot(part->pids, part->log);
}
