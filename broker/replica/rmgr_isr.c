/* rmgr_isr.c: the leader's view of its followers (their log ends from their fetches), the
 * high watermark over the ISR, and ISR changes proposed to the controller (Kafka's
 * maybeExpandIsr / maybeShrinkIsr) with their answers. */
#include <string.h>

#include "ktime.h"
#include "log.h"
#include "mdcache.h"
#include "metrics.h"
#include "rmgr_int.h"
#include "store/plog.h"

static bool rmgr_in_pending(const partition_t *part, int32_t id)
{
    if (!part->isr_inflight) return false;
    for (int32_t i = 0; i < part->npending; i++)
        if (part->pending_isr[i] == id) return true;
    return false;
}

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
    /* A fetch outside our log (answered OFFSET_OUT_OF_RANGE) says nothing about what the
     * follower holds: past our end its log diverged from ours. Kafka skips the follower's
     * fetch state then; counting it as caught up to our end committed records no follower
     * had (an ISR member elected next could hold other records at those offsets). */
    if (fetch_offset > leo || fetch_offset < plog_start_offset(part->log)) return KERR_NONE;
    if (fetch_offset >= leo) {
        if (now > f->last_caught_up_ms) f->last_caught_up_ms = now;
    } else if (f->last_fetch_leader_leo >= 0 && fetch_offset >= f->last_fetch_leader_leo) {
        if (f->last_fetch_ms > f->last_caught_up_ms) f->last_caught_up_ms = f->last_fetch_ms;
    }
    f->last_fetch_leader_leo = leo;
    f->last_fetch_ms = now;
    f->leo = fetch_offset;
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

int64_t rmgr_low_watermark(rmgr_t *rm, const partition_t *part)
{
    int64_t low = plog_start_offset(part->log);
    for (int i = 0; i < part->nfollowers; i++) {
        const replica_state_t *f = &part->followers[i];
        if (f->log_start < low && mdcache_broker(rm->d.md, f->id)) low = f->log_start;
    }
    return low;
}

/* Kafka's maybeShrinkIsr: followers that have not caught up within replica.lag.time.max.ms. */
void rmgr_check_isr(rmgr_t *rm, partition_t *part, int64_t now)
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
