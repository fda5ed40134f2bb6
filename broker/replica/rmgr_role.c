/* rmgr_role.c: the controller's LeaderAndIsr applied to one partition (become leader or
 * follower), and the follower fetchers the replica manager owns: one per leader broker,
 * created when a partition starts following it, freed on the tick after its last left. */
#include <stdlib.h>
#include <string.h>

#include "fetcher.h"
#include "ktime.h"
#include "log.h"
#include "rmgr_int.h"
#include "store/lmgr.h"
#include "store/pidstate.h"
#include "store/plog.h"
#include "tconf.h"

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

/* What a fetcher does to a partition, as the follower side of the replica manager does it
 * (fetcher_deps_t: the fetcher does not know rmgr_t). */
static kerr_t rmgr_fetched_append(void *arg, partition_t *part, uint8_t *buf, size_t len,
                                  plog_append_info_t *info)
{
    return rmgr_append_replica(arg, part, buf, len, info);
}

static kerr_t rmgr_fetched_truncate(void *arg, partition_t *part, int64_t offset)
{
    return rmgr_truncate(arg, part, offset);
}

static void rmgr_fetched_hw(void *arg, partition_t *part, int64_t hw)
{
    rmgr_follower_hw(arg, part, hw);
}

static void rmgr_fetched_log_start(void *arg, partition_t *part, int64_t log_start)
{
    rmgr_follower_log_start(arg, part, log_start);
}

/* The fetcher for broker leader, created on first use; its address follows host:port. */
static fetcher_t *rmgr_fetcher(rmgr_t *rm, int32_t leader, const char *host, int port)
{
    for (int i = 0; i < rm->nfetchers; i++) {
        fetcher_t *f = rm->fetchers[i];
        if (fetcher_leader(f) != leader) continue;
        fetcher_set_addr(f, host, port);
        return f;
    }
    fetcher_deps_t fd = {
        .loop = rm->d.loop,
        .cfg = rm->d.cfg,
        .self = rm->d.broker_id,
        .throttle = rm->throttle,
        .append = rmgr_fetched_append,
        .truncate = rmgr_fetched_truncate,
        .leader_hw = rmgr_fetched_hw,
        .leader_log_start = rmgr_fetched_log_start,
        .arg = rm,
    };
    fetcher_t *f = fetcher_new(&fd, leader, host, port);
    fetcher_t **nf = realloc(rm->fetchers, (size_t)(rm->nfetchers + 1) * sizeof(*nf));
    if (!nf) abort();
    rm->fetchers = nf;
    rm->fetchers[rm->nfetchers++] = f;
    return f;
}

void rmgr_fetchers_tick(rmgr_t *rm)
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
