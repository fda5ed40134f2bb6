/* rmgr.c: partitions by topic in a dict (topic -> array indexed by partition), leadership,
 * the leader's follower bookkeeping and high watermark, and the waiters (see rmgr.h).
 *
 * Waiters: each waiter has one link per partition it waits on, threaded on that partition's
 * list, so waking a partition costs only its own waiters. A wake first detaches every waiter
 * it fires and only then runs their callbacks, which may park new waiters anywhere. */
#include "rmgr.h"

#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "dict.h"
#include "ev.h"
#include "fetcher.h"
#include "ktime.h"
#include "log.h"
#include "metrics.h"
#include "rthrottle.h"
#include "logmove.h"
#include "mdcache.h"
#include "store/pidstate.h"
#include "store/lmgr.h"
#include "store/plog.h"
#include "tconf.h"

typedef struct rtopic {
    int32_t nparts;
    partition_t **parts; /* index = partition id; NULL = not hosted */
} rtopic_t;

struct rmgr_wlink {
    rmgr_wlink_t *next, *prev;
    rmgr_waiter_t *w;
    partition_t *part;
};

struct rmgr_waiter {
    rmgr_waiter_t *gnext, *gprev; /* every waiter (rmgr_wake_all) */
    rmgr_t *rm;
    unsigned mask;
    int nlinks;
    rmgr_wlink_t *links;
    ev_timer_id_t timer;
    rmgr_wake_fn *fn;
    void *arg;
};

struct rmgr {
    rmgr_deps_t d;
    dict_t *topics; /* name -> rtopic_t* */
    rmgr_waiter_t *waiters;
    /* role hooks (the group and transaction coordinators) */
    int nhooks;
    rmgr_role_hook_fn *role_hook[RMGR_MAX_ROLE_HOOKS];
    void *role_hook_arg[RMGR_MAX_ROLE_HOOKS];
    int64_t lag_max_ms;
    int64_t last_isr_check_ms;
    rthrottle_t *throttle;
    logmove_t *moves;     /* replica moves between log dirs (logmove.h) */
    fetcher_t **fetchers; /* one per broker we follow (fetcher.h) */
    int nfetchers;
};

static void rmgr_wake(rmgr_t *rm, partition_t *part, unsigned ev);

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

static void rmgr_role_changed(rmgr_t *rm, const char *topic, int32_t p, rmgr_role_t role,
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
        part->partition_epoch = -1;
        part->hw = -1;
        t->parts[p] = part;
    }
    return t->parts[p];
}

/* Open (or create) the partition's log; the high watermark starts at the checkpointed one. */
static kerr_t rmgr_open_log(rmgr_t *rm, partition_t *part)
{
    if (part->log) return KERR_NONE;
    plog_cfg_t pc;
    tconf_plog_cfg(rm->d.tconf, part->topic, &pc);
    kerr_t err = lmgr_get_or_create(rm->d.lmgr, part->topic, part->index, &pc, &part->log);
    if (err) {
        log_error("rmgr", "cannot open log for %s-%d: %s", part->topic, part->index, kerr_str(err));
        return err;
    }
    int64_t leo = plog_end_offset(part->log);
    int64_t hw = lmgr_checkpointed_hw(rm->d.lmgr, part->topic, part->index);
    part->hw = hw < 0 || hw > leo ? (hw < 0 ? 0 : leo) : hw;
    if (part->hw < plog_start_offset(part->log)) part->hw = plog_start_offset(part->log);
    part->pids = pidmap_load(part->log);
    return KERR_NONE;
}

/* ---------------------------------------------------------------- roles */

static bool rmgr_in_pending(const partition_t *part, int32_t id)
{
    if (!part->isr_inflight) return false;
    for (int32_t i = 0; i < part->npending; i++)
        if (part->pending_isr[i] == id) return true;
    return false;
}

static void rmgr_copy_state(partition_t *part, const rmgr_pstate_t *st)
{
    part->leader = st->leader;
    part->leader_epoch = st->leader_epoch;
    part->partition_epoch = st->partition_epoch;
    part->nreplicas = st->nreplicas > PARTITION_MAX_RF ? PARTITION_MAX_RF : st->nreplicas;
    memcpy(part->replicas, st->replicas, (size_t)part->nreplicas * sizeof(int32_t));
    part->nisr = st->nisr > PARTITION_MAX_RF ? PARTITION_MAX_RF : st->nisr;
    memcpy(part->isr, st->isr, (size_t)part->nisr * sizeof(int32_t));
    if (st->topic_id) memcpy(part->topic_id, st->topic_id, 16);
}

/* ---------------------------------------------------------------- fetchers */

/* The fetcher for broker leader, created on first use; its address follows host:port. */
static fetcher_t *rmgr_fetcher(rmgr_t *rm, int32_t leader, const char *host, int port)
{
    for (int i = 0; i < rm->nfetchers; i++) {
        fetcher_t *f = rm->fetchers[i];
        if (fetcher_leader(f) != leader) continue;
        fetcher_set_addr(f, host, port);
        return f;
    }
    fetcher_t *f = fetcher_new(rm, rm->d.loop, rm->d.cfg, rm->d.broker_id, leader, host, port);
    fetcher_t **nf = realloc(rm->fetchers, (size_t)(rm->nfetchers + 1) * sizeof(*nf));
    if (!nf) abort();
    rm->fetchers = nf;
    rm->fetchers[rm->nfetchers++] = f;
    return f;
}

/* Retry delayed partitions and fetchers; free fetchers left without partitions. */
static void rmgr_fetchers_tick(rmgr_t *rm)
{
    for (int i = 0; i < rm->nfetchers; i++) {
        fetcher_t *f = rm->fetchers[i];
        if (fetcher_idle(f)) {
            log_info("fetcher", "replica fetcher for broker %d stopped (no partitions)",
                     fetcher_leader(f));
            fetcher_free(f);
            rm->fetchers[i--] = rm->fetchers[--rm->nfetchers];
            continue;
        }
        fetcher_kick(f);
    }
}

static void rmgr_become_leader(rmgr_t *rm, partition_t *part, const rmgr_pstate_t *st)
{
    int32_t self = rm->d.broker_id;
    if (part->fetcher) fetcher_remove(part->fetcher, part);
    part->fstate = FETCH_NONE;
    rmgr_copy_state(part, st);
    part->is_leader = true;
    int64_t leo = plog_end_offset(part->log);
    plog_epoch_begin(part->log, st->leader_epoch, leo);
    part->epoch_start_offset = leo;
    part->isr_inflight = false;
    part->npending = 0;
    part->isr_retry_ms = 0;
    /* Kafka's resetReplicaState for a new leader: LEOs unknown until the followers fetch;
     * ISR members count as caught up now, so none is dropped before it had a chance. */
    int64_t now = ktime_mono_ms();
    part->nfollowers = 0;
    for (int32_t i = 0; i < part->nreplicas; i++) {
        int32_t r = part->replicas[i];
        if (r == self) continue;
        replica_state_t *f = &part->followers[part->nfollowers++];
        memset(f, 0, sizeof(*f));
        f->id = r;
        f->leo = -1;
        f->log_start = -1;
        f->last_fetch_leader_leo = -1;
        f->last_caught_up_ms = partition_in_isr(part, r) ? now : 0;
    }
    rmgr_maybe_advance_hw(rm, part);
    log_info("rmgr",
             "became leader of %s-%d at leader epoch %d (log end %lld, high watermark "
             "%lld, ISR size %d)",
             part->topic, part->index, part->leader_epoch, (long long)leo, (long long)part->hw,
             part->nisr);
    rmgr_wake(rm, part, RMGR_EV_ROLE);
    rmgr_role_changed(rm, part->topic, part->index, RMGR_ROLE_LEADER, part->leader_epoch);
}

static void rmgr_become_follower(rmgr_t *rm, partition_t *part, const rmgr_pstate_t *st)
{
    bool was_leader = part->is_leader;
    rmgr_copy_state(part, st);
    part->is_leader = false;
    part->isr_inflight = false;
    part->nfollowers = 0;
    if (part->hw > plog_end_offset(part->log)) part->hw = plog_end_offset(part->log);
    if (part->fetcher) fetcher_remove(part->fetcher, part);
    part->fstate = FETCH_NONE;
    if (st->leader >= 0 && st->leader_host) {
        fetcher_t *f = rmgr_fetcher(rm, st->leader, st->leader_host, st->leader_port);
        fetcher_add(f, part); /* starts with truncation (OffsetForLeaderEpoch) */
    } else if (st->leader >= 0) {
        log_warn("rmgr", "%s-%d: no endpoint for leader %d; not fetching", part->topic, part->index,
                 st->leader);
    }
    log_info("rmgr", "%s-%d: following broker %d at leader epoch %d (log end %lld)", part->topic,
             part->index, st->leader, st->leader_epoch, (long long)plog_end_offset(part->log));
    /* a leader that lost its role answers its parked requests now (NOT_LEADER) */
    if (was_leader) rmgr_wake(rm, part, RMGR_EV_ROLE);
    rmgr_role_changed(rm, part->topic, part->index, RMGR_ROLE_FOLLOWER, part->leader_epoch);
}

kerr_t rmgr_leader_and_isr(rmgr_t *rm, const rmgr_pstate_t *st)
{
    partition_t *part = rmgr_get(rm, st->topic, st->partition);
    if (part && part->leader_epoch >= 0) {
        if (st->leader_epoch < part->leader_epoch) return KERR_STALE_CONTROLLER_EPOCH;
        if (st->leader_epoch == part->leader_epoch) {
            /* same leadership: only a newer partition epoch (ISR) is news */
            if (st->partition_epoch > part->partition_epoch) {
                part->partition_epoch = st->partition_epoch;
                part->nisr = st->nisr > PARTITION_MAX_RF ? PARTITION_MAX_RF : st->nisr;
                memcpy(part->isr, st->isr, (size_t)part->nisr * sizeof(int32_t));
                part->isr_inflight = false;
                if (part->is_leader) rmgr_maybe_advance_hw(rm, part);
            }
            return KERR_NONE;
        }
    }
    /* a replica in a failed log dir stays offline until a restart (KIP-112) */
    if (!part && lmgr_log_offline(rm->d.lmgr, st->topic, st->partition))
        return KERR_KAFKA_STORAGE_ERROR;
    part = rmgr_slot(rm, st->topic, st->partition);
    kerr_t err = rmgr_open_log(rm, part);
    if (err) return KERR_KAFKA_STORAGE_ERROR;
    if (st->leader == rm->d.broker_id)
        rmgr_become_leader(rm, part, st);
    else
        rmgr_become_follower(rm, part, st);
    return KERR_NONE;
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

/* ---------------------------------------------------------------- appends */

kerr_t rmgr_append(rmgr_t *rm, partition_t *part, uint8_t *buf, size_t len,
                   plog_append_info_t *info)
{
    kerr_t err = plog_append(part->log, buf, len, part->leader_epoch, ktime_wall_ms(), info);
    if (err == KERR__IO) lmgr_log_failed(rm->d.lmgr, part->log, "append");
    if (err) return err;
    pidmap_update(part->pids, part->log, buf, len);
    rmgr_wake(rm, part, RMGR_EV_LEO);
    rmgr_maybe_advance_hw(rm, part);
    return KERR_NONE;
}

kerr_t rmgr_append_replica(rmgr_t *rm, partition_t *part, uint8_t *buf, size_t len,
                           plog_append_info_t *info)
{
    kerr_t err = plog_append_replica(part->log, buf, len, info);
    if (err == KERR__IO) lmgr_log_failed(rm->d.lmgr, part->log, "replica append");
    if (err) return err;
    pidmap_update(part->pids, part->log, buf, len);
    return KERR_NONE;
}

void rmgr_follower_hw(rmgr_t *rm, partition_t *part, int64_t leader_hw)
{
    int64_t leo = plog_end_offset(part->log);
    int64_t hw = leader_hw < leo ? leader_hw : leo;
    if (hw <= part->hw) return;
    part->hw = hw;
    rmgr_wake(rm, part, RMGR_EV_HW);
}

kerr_t rmgr_truncate(rmgr_t *rm, partition_t *part, int64_t offset)
{
    (void)rm;
    int64_t leo = plog_end_offset(part->log);
    if (offset >= leo) return KERR_NONE;
    log_info("rmgr", "%s-%d: truncating to offset %lld (log end was %lld)", part->topic,
             part->index, (long long)offset, (long long)leo);
    kerr_t err = plog_truncate_to(part->log, offset);
    if (err) return err;
    if (part->hw > plog_end_offset(part->log)) part->hw = plog_end_offset(part->log);
    logmove_truncated(rm->moves, part);
    pidmap_free(part->pids);
    part->pids = pidmap_load(part->log); /* rebuilt from the snapshot and the log */
    return KERR_NONE;
}

int64_t rmgr_lso(const partition_t *part)
{
    int64_t first = pidmap_first_unstable(part->pids);
    return first >= 0 && first < part->hw ? first : part->hw;
}

/* ---------------------------------------------------------------- leader: followers and HW */

static replica_state_t *rmgr_follower(partition_t *part, int32_t id)
{
    for (int i = 0; i < part->nfollowers; i++)
        if (part->followers[i].id == id) return &part->followers[i];
    return NULL;
}

void rmgr_maybe_advance_hw(rmgr_t *rm, partition_t *part)
{
    if (!part->is_leader) return;
    int64_t hw = plog_end_offset(part->log);
    for (int i = 0; i < part->nfollowers; i++) {
        replica_state_t *f = &part->followers[i];
        if (!partition_in_isr(part, f->id) && !rmgr_in_pending(part, f->id)) continue;
        if (f->leo < hw) hw = f->leo; /* unknown (-1) holds it back */
    }
    if (hw <= part->hw) return;
    part->hw = hw;
    rmgr_wake(rm, part, RMGR_EV_HW);
}

/* Propose isr (n members) to the controller unless a proposal is in flight or backing off. */
static void rmgr_propose_isr(rmgr_t *rm, partition_t *part, const int32_t *isr, int32_t n)
{
    if (part->isr_inflight || ktime_mono_ms() < part->isr_retry_ms) return;
    part->isr_inflight = true;
    part->npending = n;
    memcpy(part->pending_isr, isr, (size_t)n * sizeof(int32_t));
    rm->d.isr_send(rm->d.isr_arg, part);
}

kerr_t rmgr_follower_fetch(rmgr_t *rm, partition_t *part, int32_t replica_id,
                           int32_t current_leader_epoch, int64_t fetch_offset,
                           int64_t log_start_offset)
{
    if (!part->is_leader) return KERR_NOT_LEADER_OR_FOLLOWER;
    if (current_leader_epoch >= 0 && current_leader_epoch != part->leader_epoch)
        return current_leader_epoch < part->leader_epoch ? KERR_FENCED_LEADER_EPOCH
                                                         : KERR_UNKNOWN_LEADER_EPOCH;
    replica_state_t *f = rmgr_follower(part, replica_id);
    if (!f) return KERR_REPLICA_NOT_AVAILABLE;
    int64_t now = ktime_mono_ms();
    int64_t leo = plog_end_offset(part->log);
    if (fetch_offset >= leo) {
        if (now > f->last_caught_up_ms) f->last_caught_up_ms = now;
    } else if (f->last_fetch_leader_leo >= 0 && fetch_offset >= f->last_fetch_leader_leo) {
        if (f->last_fetch_ms > f->last_caught_up_ms) f->last_caught_up_ms = f->last_fetch_ms;
    }
    f->last_fetch_leader_leo = leo;
    f->last_fetch_ms = now;
    f->leo = fetch_offset > leo ? leo : fetch_offset;
    if (log_start_offset != f->log_start) {
        f->log_start = log_start_offset;
        rmgr_wake(rm, part, RMGR_EV_LOW);
    }
    /* ISR expansion (Kafka's maybeExpandIsr): caught up to the high watermark, and to the
     * start of this leader epoch so it holds everything this leader wrote */
    if (!partition_in_isr(part, replica_id) && !part->isr_inflight && f->leo >= part->hw &&
        f->leo >= part->epoch_start_offset) {
        int32_t isr[PARTITION_MAX_RF];
        int32_t n = part->nisr;
        memcpy(isr, part->isr, (size_t)n * sizeof(int32_t));
        if (n < PARTITION_MAX_RF) isr[n++] = replica_id;
        rmgr_propose_isr(rm, part, isr, n);
    }
    rmgr_maybe_advance_hw(rm, part);
    return KERR_NONE;
}

/* ---------------------------------------------------------------- log start (DeleteRecords) */

kerr_t rmgr_delete_records(rmgr_t *rm, partition_t *part, int64_t offset, int64_t *applied)
{
    if (!part->is_leader) return KERR_NOT_LEADER_OR_FOLLOWER;
    if (!(plog_cfg(part->log)->cleanup_policy & PLOG_CLEANUP_DELETE)) return KERR_POLICY_VIOLATION;
    if (offset == -1) offset = part->hw;
    if (offset < 0 || offset > part->hw) return KERR_OFFSET_OUT_OF_RANGE;
    *applied = offset;
    if (offset <= plog_start_offset(part->log)) return KERR_NONE;
    int deleted = 0;
    kerr_t err = plog_advance_start(part->log, offset, &deleted);
    if (err) return err;
    lmgr_checkpoint_log_start(rm->d.lmgr, part->log);
    log_info("rmgr", "%s-%d: log start offset moved to %lld by DeleteRecords (%d segments deleted)",
             part->topic, part->index, (long long)offset, deleted);
    rmgr_wake(rm, part, RMGR_EV_LEO | RMGR_EV_LOW); /* followers' parked fetches answer now */
    return KERR_NONE;
}

kerr_t rmgr_move_log(rmgr_t *rm, partition_t *part, int dir)
{
    if (!part->log) return KERR_REPLICA_NOT_AVAILABLE;
    return logmove_start(rm->moves, part, dir);
}

int64_t rmgr_low_watermark(rmgr_t *rm, const partition_t *part)
{
    int64_t low = plog_start_offset(part->log);
    for (int i = 0; i < part->nfollowers; i++) {
        const replica_state_t *f = &part->followers[i];
        if (f->log_start < low && mdcache_broker(rm->d.md, f->id)) low = f->log_start;
    }
    return low;
}

void rmgr_follower_log_start(rmgr_t *rm, partition_t *part, int64_t leader_log_start)
{
    int64_t to = leader_log_start < part->hw ? leader_log_start : part->hw;
    if (to <= plog_start_offset(part->log)) return;
    if (plog_advance_start(part->log, to, NULL) != KERR_NONE) return;
    lmgr_checkpoint_log_start(rm->d.lmgr, part->log);
}

/* Kafka's maybeShrinkIsr: followers that have not caught up within replica.lag.time.max.ms. */
static void rmgr_check_isr(rmgr_t *rm, partition_t *part, int64_t now)
{
    if (!part->is_leader || part->isr_inflight) return;
    int32_t keep[PARTITION_MAX_RF], n = 0;
    bool drop = false;
    for (int32_t i = 0; i < part->nisr; i++) {
        int32_t r = part->isr[i];
        replica_state_t *f = r == rm->d.broker_id ? NULL : rmgr_follower(part, r);
        if (f && now - f->last_caught_up_ms > rm->lag_max_ms) {
            log_info("rmgr", "%s-%d: follower %d has not caught up for %lld ms: shrinking the ISR",
                     part->topic, part->index, r, (long long)(now - f->last_caught_up_ms));
            drop = true;
            continue;
        }
        keep[n++] = r;
    }
    if (drop) rmgr_propose_isr(rm, part, keep, n);
}

void rmgr_isr_result(rmgr_t *rm, partition_t *part, kerr_t err, int32_t leader_epoch,
                     int32_t partition_epoch, const int32_t *isr, int32_t nisr)
{
    part->isr_inflight = false;
    part->npending = 0;
    if (err) {
        /* stale (the controller moved on: LeaderAndIsr will follow) or unreachable: retry
         * the proposal later, if it is still needed then */
        part->isr_retry_ms = ktime_mono_ms() + 1000;
        log_info("rmgr", "%s-%d: ISR change not accepted: %s", part->topic, part->index,
                 kerr_name(err));
        return;
    }
    if (!part->is_leader || leader_epoch != part->leader_epoch) return;
    part->partition_epoch = partition_epoch;
    int32_t before = part->nisr;
    part->nisr = nisr > PARTITION_MAX_RF ? PARTITION_MAX_RF : nisr;
    memcpy(part->isr, isr, (size_t)part->nisr * sizeof(int32_t));
    metrics_t *m = rm->d.metrics;
    if (m && part->nisr < before)
        m->isr_shrinks++; /* Kafka's IsrShrinksPerSec / IsrExpandsPerSec */
    if (m && part->nisr > before) m->isr_expands++;
    rmgr_maybe_advance_hw(rm, part);
    rmgr_wake(rm, part, RMGR_EV_HW); /* acks=all waiters re-check min.insync.replicas */
}

/* ---------------------------------------------------------------- committed appends */

typedef struct commit_wait {
    rmgr_t *rm;
    partition_t *part;
    int64_t required; /* high watermark that commits the append */
    int64_t deadline_ms;
    int64_t min_isr;
    plog_append_info_t info;
    rmgr_append_done_fn *done;
    void *arg;
} commit_wait_t;

static void rmgr_commit_woken(void *arg, bool timed_out)
{
    commit_wait_t *cw = arg;
    partition_t *part = cw->part;
    kerr_t err = KERR_NONE;
    bool finished = true;
    if (!part->is_leader || rmgr_get(cw->rm, part->topic, part->index) != part)
        err = KERR_NOT_LEADER_OR_FOLLOWER;
    else if (part->hw >= cw->required)
        err = part->nisr < cw->min_isr ? KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND : KERR_NONE;
    else if (timed_out || ktime_mono_ms() >= cw->deadline_ms)
        err = KERR_REQUEST_TIMED_OUT;
    else
        finished = false;
    if (!finished) {
        partition_t *parts[1] = {part};
        rmgr_wait(cw->rm, parts, 1, RMGR_EV_HW | RMGR_EV_ROLE, cw->deadline_ms - ktime_mono_ms(),
                  rmgr_commit_woken, cw);
        return;
    }
    cw->done(cw->arg, err, &cw->info);
    free(cw);
}

void rmgr_append_committed(rmgr_t *rm, partition_t *part, uint8_t *buf, size_t len,
                           int64_t timeout_ms, rmgr_append_done_fn *done, void *arg)
{
    plog_append_info_t info;
    memset(&info, 0, sizeof(info));
    if (!part->is_leader) {
        done(arg, KERR_NOT_LEADER_OR_FOLLOWER, &info);
        return;
    }
    int64_t min_isr = tconf_int(rm->d.tconf, part->topic, "min.insync.replicas");
    if (part->nisr < min_isr) {
        done(arg, KERR_NOT_ENOUGH_REPLICAS, &info);
        return;
    }
    kerr_t err = rmgr_append(rm, part, buf, len, &info);
    if (err) {
        done(arg, err == KERR__TOO_LARGE ? KERR_MESSAGE_TOO_LARGE : KERR_KAFKA_STORAGE_ERROR,
             &info);
        return;
    }
    commit_wait_t *cw = calloc(1, sizeof(*cw));
    if (!cw) abort();
    cw->rm = rm;
    cw->part = part;
    cw->required = info.last_offset + 1;
    cw->deadline_ms = ktime_mono_ms() + timeout_ms;
    cw->min_isr = min_isr;
    cw->info = info;
    cw->done = done;
    cw->arg = arg;
    rmgr_commit_woken(cw, false);
}

/* ---------------------------------------------------------------- waiters */

static void rmgr_waiter_detach(rmgr_t *rm, rmgr_waiter_t *w)
{
    for (int i = 0; i < w->nlinks; i++) {
        rmgr_wlink_t *l = &w->links[i];
        if (l->prev)
            l->prev->next = l->next;
        else
            l->part->waiters = l->next;
        if (l->next) l->next->prev = l->prev;
    }
    if (w->gprev)
        w->gprev->gnext = w->gnext;
    else
        rm->waiters = w->gnext;
    if (w->gnext) w->gnext->gprev = w->gprev;
    if (w->timer) ev_timer_cancel(rm->d.loop, w->timer);
    w->timer = 0;
}

void rmgr_wait_cancel(rmgr_t *rm, rmgr_waiter_t *w)
{
    rmgr_waiter_detach(rm, w);
    free(w->links);
    free(w);
}

static void rmgr_waiter_timeout(ev_loop_t *loop, void *arg)
{
    (void)loop;
    rmgr_waiter_t *w = arg;
    w->timer = 0;
    rmgr_wake_fn *fn = w->fn;
    void *warg = w->arg;
    rmgr_wait_cancel(w->rm, w);
    fn(warg, true);
}

rmgr_waiter_t *rmgr_wait(rmgr_t *rm, partition_t **parts, int nparts, unsigned mask,
                         int64_t timeout_ms, rmgr_wake_fn *fn, void *arg)
{
    rmgr_waiter_t *w = calloc(1, sizeof(*w));
    if (!w) abort();
    w->rm = rm;
    w->mask = mask | RMGR_EV_ROLE;
    w->fn = fn;
    w->arg = arg;
    w->links = calloc((size_t)(nparts > 0 ? nparts : 1), sizeof(*w->links));
    if (!w->links) abort();
    for (int i = 0; i < nparts; i++) {
        /* A partition named twice is linked once. Links go on the head of the partition's
         * list and nothing else links in between, so w already waits on parts[i] exactly
         * when the head is its own: O(1), where comparing with every earlier link made a
         * parked fetch of 10,000 partitions O(n^2). */
        if (!parts[i] || (parts[i]->waiters && parts[i]->waiters->w == w)) continue;
        rmgr_wlink_t *l = &w->links[w->nlinks++];
        l->w = w;
        l->part = parts[i];
        l->next = parts[i]->waiters;
        if (l->next) l->next->prev = l;
        parts[i]->waiters = l;
    }
    w->gnext = rm->waiters;
    if (rm->waiters) rm->waiters->gprev = w;
    rm->waiters = w;
    w->timer = ev_timer_add(rm->d.loop, timeout_ms < 0 ? 0 : timeout_ms, rmgr_waiter_timeout, w);
    return w;
}

typedef struct wake_item {
    rmgr_wake_fn *fn;
    void *arg;
} wake_item_t;

/* Fire the waiters of part interested in ev: detach them all, then run the callbacks. */
static void rmgr_wake(rmgr_t *rm, partition_t *part, unsigned ev)
{
    int n = 0;
    for (rmgr_wlink_t *l = part->waiters; l; l = l->next)
        if (l->w->mask & ev) n++;
    if (n == 0) return;
    wake_item_t stack[16];
    wake_item_t *items = n <= 16 ? stack : malloc((size_t)n * sizeof(*items));
    if (!items) abort();
    int k = 0;
    rmgr_wlink_t *l = part->waiters;
    while (l) {
        rmgr_waiter_t *w = l->w;
        l = l->next;
        if (!(w->mask & ev)) continue;
        /* the next link may belong to w too only if w waits twice on part: it never does */
        items[k].fn = w->fn;
        items[k].arg = w->arg;
        k++;
        rmgr_wait_cancel(rm, w);
    }
    for (int i = 0; i < k; i++) items[i].fn(items[i].arg, false);
    if (items != stack) free(items);
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

/* ---------------------------------------------------------------- periodic work */

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

void rmgr_stop_fetchers(rmgr_t *rm)
{
    size_t it = 0;
    partition_t *part;
    while ((part = rmgr_next(rm, &it)))
        if (part->fetcher) fetcher_remove(part->fetcher, part);
    for (int i = 0; i < rm->nfetchers; i++) fetcher_free(rm->fetchers[i]);
    free(rm->fetchers);
    rm->fetchers = NULL;
    rm->nfetchers = 0;
}

void rmgr_snapshot_all(rmgr_t *rm)
{
    size_t it = 0;
    partition_t *part;
    while ((part = rmgr_next(rm, &it)))
        if (part->log) pidmap_snapshot(part->pids, part->log);
}
