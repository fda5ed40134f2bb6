/* rmgr.h: the replica manager (Kafka's ReplicaManager + Partition). Owns the partitions this
 * broker hosts (their logs come from the log manager) and applies the controller's
 * decisions (LeaderAndIsr, StopReplica).
 *
 * Leader: appends produced batches, tracks each follower's log end offset from its fetches,
 * keeps the high watermark = min log end offset over the ISR (consumers read below it),
 * completes acks=all produces when the high watermark passes them, and proposes ISR changes
 * to the controller (isr.h): a follower that has not caught up for replica.lag.time.max.ms
 * leaves, one that reached the high watermark rejoins. While a change is in flight the
 * larger of the two ISRs counts for the high watermark (Kafka's "maximal ISR"), the committed
 * one for min.insync.replicas.
 * Follower: fetches from the leader through a fetcher (fetcher.h), after truncating its log
 * to where it agrees with the leader (OffsetForLeaderEpoch, KIP-101/279).
 *
 * Waiters (purgatory): a callback parked on partitions until an event of a kind it asked for
 * (the log end grew, the high watermark moved, the role changed) or a timeout; each
 * partition keeps its own waiter list, so an append only looks at who waits on it.
 *
 * Follower fetchers are the replica manager's: one per leader broker, created when a
 * partition starts following it and freed on the tick after its last partition left.
 *
 * The implementation is split by idea across rmgr*.c (rmgr_int.h lists them).
 *
 * Owner: the server. A partition_t stays valid until rmgr_stop_replica() for it (waiters
 * parked on it are woken first). Reactor thread only. */
#ifndef RMGR_H
#define RMGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"
#include "partition.h"

typedef struct rmgr rmgr_t;
typedef struct ev_loop ev_loop_t;
typedef struct cfg cfg_t;
typedef struct lmgr lmgr_t;
typedef struct tconf tconf_t;
typedef struct mdcache mdcache_t;
typedef struct metrics metrics_t;
typedef struct plog_append_info plog_append_info_t;
typedef struct rmgr_waiter rmgr_waiter_t;

/* Sends a leader's ISR proposal (part->pending_isr, part->npending) to the controller; the
 * answer comes back through rmgr_isr_result(). */
typedef void rmgr_isr_send_fn(void *arg, partition_t *part);

/* What the replica manager works with. Every pointer is borrowed and must outlive it. */
typedef struct rmgr_deps {
    ev_loop_t *loop;
    const cfg_t *cfg; /* replica.* settings; NULL = Kafka's defaults */
    int32_t broker_id;
    lmgr_t *lmgr;       /* the logs of hosted partitions */
    tconf_t *tconf;     /* per-topic settings */
    mdcache_t *md;      /* live brokers (the low watermark counts only those) */
    metrics_t *metrics; /* ISR shrink/expand counters; may be NULL */
    rmgr_isr_send_fn *isr_send;
    void *isr_arg;
} rmgr_deps_t;

rmgr_t *rmgr_new(const rmgr_deps_t *deps);
void rmgr_free(rmgr_t *rm);
/* The replication throttles (rthrottle.h), owned by the replica manager. */
struct rthrottle *rmgr_throttle(rmgr_t *rm);

partition_t *rmgr_get(rmgr_t *rm, const char *topic, int32_t p);
/* Iterate hosted partitions: for (size_t it = 0; (p = rmgr_next(rm, &it));) */
partition_t *rmgr_next(rmgr_t *rm, size_t *it);

/* The controller's word on one partition (LeaderAndIsr). leader_host/port: the leader's
 * inter-broker endpoint (NULL when unknown). */
typedef struct rmgr_pstate {
    const char *topic;
    int32_t partition;
    const uint8_t *topic_id;
    int32_t leader, leader_epoch, partition_epoch;
    int32_t nisr, nreplicas;
    const int32_t *isr, *replicas;
    const char *leader_host;
    int leader_port;
} rmgr_pstate_t;

/* Apply a LeaderAndIsr entry: become leader or follower when the leader epoch is newer (or
 * update the ISR when only the partition epoch is). Returns the partition's error:
 * KERR_STALE_CONTROLLER_EPOCH when the epoch is old (ignored), KERR_KAFKA_STORAGE_ERROR when
 * the log cannot be opened. */
kerr_t rmgr_leader_and_isr(rmgr_t *rm, const rmgr_pstate_t *st);
/* Stop hosting topic-p (StopReplica); delete = remove the log from disk too. */
void rmgr_stop_replica(rmgr_t *rm, const char *topic, int32_t p, bool delete_log);
/* Hosted logs whose topic is not in keep (after a full LeaderAndIsr at start-up): renamed
 * aside as Kafka's stray logs, never served. */
void rmgr_drop_strays(rmgr_t *rm, bool (*keep)(void *arg, const char *topic, int32_t p), void *arg);

/* Append validated batches on the leader (offsets and leader epoch stamped; producer state
 * checked by the caller). Advances the high watermark when the ISR allows and wakes waiters. */
kerr_t rmgr_append(rmgr_t *rm, partition_t *part, uint8_t *buf, size_t len,
                   plog_append_info_t *info);
/* Follower: append batches fetched from the leader (offsets kept). */
kerr_t rmgr_append_replica(rmgr_t *rm, partition_t *part, uint8_t *buf, size_t len,
                           plog_append_info_t *info);
/* Follower: the leader's high watermark as seen in a fetch response; ours becomes
 * min(it, our log end) and, when it moves, wakes consumer fetches parked here (KIP-392). */
void rmgr_follower_hw(rmgr_t *rm, partition_t *part, int64_t leader_hw);
/* Follower: cut the log at offset (divergence with the leader). */
kerr_t rmgr_truncate(rmgr_t *rm, partition_t *part, int64_t offset);

/* Leader: follower replica_id fetched from fetch_offset (its log starting at log_start, -1
 * unknown) at now_ms. Updates its state, may propose an ISR expansion and advance the high
 * watermark; a fetch offset outside the log (the read answers OFFSET_OUT_OF_RANGE) changes
 * nothing. NOT_LEADER_OR_FOLLOWER when this broker does not lead, FENCED/UNKNOWN_LEADER_EPOCH
 * when the follower's epoch differs, REPLICA_NOT_AVAILABLE when replica_id is not a replica. */
kerr_t rmgr_follower_fetch(rmgr_t *rm, partition_t *part, int32_t replica_id,
                           int32_t current_leader_epoch, int64_t fetch_offset,
                           int64_t log_start_offset);
/* Leader: an AlterPartition answer for part (err, or the state the controller holds). */
void rmgr_isr_result(rmgr_t *rm, partition_t *part, kerr_t err, int32_t leader_epoch,
                     int32_t partition_epoch, const int32_t *isr, int32_t nisr);
/* Leader: the high watermark may move (ISR or a follower changed). Wakes waiters. */
void rmgr_maybe_advance_hw(rmgr_t *rm, partition_t *part);
/* The last stable offset: the first offset of the oldest ongoing transaction, or the high
 * watermark when that is lower or there is none (read_committed consumers read below it). */
int64_t rmgr_lso(const partition_t *part);

/* Leader: DeleteRecords for part up to offset (-1: the high watermark). Moves the log start
 * offset (kept in log-start-offset-checkpoint at once), deletes the segments below it and
 * wakes the followers' parked fetches so they learn it. *applied gets the offset used.
 * NOT_LEADER_OR_FOLLOWER when this broker does not lead, OFFSET_OUT_OF_RANGE for an offset
 * below 0 or above the high watermark, POLICY_VIOLATION for a compact-only topic. */
kerr_t rmgr_delete_records(rmgr_t *rm, partition_t *part, int64_t offset, int64_t *applied);
/* Move part's log to log dir index dir of this broker (AlterReplicaLogDirs; logmove.h). */
kerr_t rmgr_move_log(rmgr_t *rm, partition_t *part, int dir);
/* Leader: Kafka's low watermark: the smallest log start offset over this replica and every
 * follower whose broker is alive (unknown counts as -1). */
int64_t rmgr_low_watermark(rmgr_t *rm, const partition_t *part);
/* Follower: the leader's log start offset from a fetch response; applied up to the high
 * watermark (Kafka's maybeIncrementLogStartOffset on the follower). */
void rmgr_follower_log_start(rmgr_t *rm, partition_t *part, int64_t leader_log_start);

/* Append on the leader as an acks=all produce would, for the broker's own writers (the group
 * coordinator's __consumer_offsets records): done(arg, err, info) runs once the batches are
 * committed (the high watermark is past them), or with the error (REQUEST_TIMED_OUT after
 * timeout_ms, NOT_ENOUGH_REPLICAS(_AFTER_APPEND) per min.insync.replicas, NOT_LEADER_OR_FOLLOWER
 * when leadership moves, a storage error). done may run before this returns. buf is stamped
 * in place and must stay valid until done runs. */
typedef void rmgr_append_done_fn(void *arg, kerr_t err, const plog_append_info_t *info);
void rmgr_append_committed(rmgr_t *rm, partition_t *part, uint8_t *buf, size_t len,
                           int64_t timeout_ms, rmgr_append_done_fn *done, void *arg);

/* Leadership hook: called after this broker becomes leader or follower of topic-p, or stops
 * hosting it (RMGR_ROLE_NONE), with the partition's leader epoch. Up to RMGR_MAX_ROLE_HOOKS
 * hooks (the group coordinator's for __consumer_offsets, the transaction coordinator's for
 * __transaction_state), called in the order set; fn NULL removes every hook set with arg. */
#define RMGR_MAX_ROLE_HOOKS 4
typedef enum rmgr_role { RMGR_ROLE_NONE, RMGR_ROLE_LEADER, RMGR_ROLE_FOLLOWER } rmgr_role_t;
typedef void rmgr_role_hook_fn(void *arg, const char *topic, int32_t partition, rmgr_role_t role,
                               int32_t leader_epoch);
void rmgr_set_role_hook(rmgr_t *rm, rmgr_role_hook_fn *fn, void *arg);

/* Waiters. A waiter is a callback run once, on the reactor, when one of its partitions has an
 * event in mask (RMGR_EV_*) or when its timer fires (timed_out). Role changes and stopping
 * always wake. */
#define RMGR_EV_LEO  1u /* the log end grew (follower fetches wait for this) */
#define RMGR_EV_HW   2u /* the high watermark moved (consumer fetches, acks=all) */
#define RMGR_EV_ROLE 4u /* leadership changed or the replica stopped */
#define RMGR_EV_LOW  8u /* a replica's log start offset moved (DeleteRecords waits for this) */
typedef void rmgr_wake_fn(void *arg, bool timed_out);
/* Parks on the given partitions (pointers held until it fires or is cancelled). */
rmgr_waiter_t *rmgr_wait(rmgr_t *rm, partition_t **parts, int nparts, unsigned mask,
                         int64_t timeout_ms, rmgr_wake_fn *fn, void *arg);
void rmgr_wait_cancel(rmgr_t *rm, rmgr_waiter_t *w);
/* Fire every parked waiter as timed out (shutdown: pending requests answer and free). */
void rmgr_wake_all(rmgr_t *rm);

/* Periodic work: retention, flush, checkpoints, ISR shrink checks, fetcher backoffs. */
void rmgr_tick(rmgr_t *rm, int64_t now_ms);
/* Re-read per-topic configs for every hosted partition of topic (after a config change). */
void rmgr_topic_config_changed(rmgr_t *rm, const char *topic);
/* Write producer-state snapshots of every partition whose state changed (clean shutdown). */
void rmgr_snapshot_all(rmgr_t *rm);
/* Stop every fetcher (controlled shutdown is over, or the broker stops). */
void rmgr_stop_fetchers(rmgr_t *rm);

#endif
