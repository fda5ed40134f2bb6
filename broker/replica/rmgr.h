/* rmgr.h: the replica manager. Owns the partitions this broker hosts (their logs come from the
 * log manager), applies leadership decisions from the controller, appends produced batches on
 * the leader, serves reads up to the high watermark, and keeps the delayed-fetch purgatory:
 * fetches waiting for min_bytes are completed when data arrives or when max_wait_ms passes,
 * without polling.
 * Owner: the server. partition_t pointers stay valid until rmgr_stop_replica() for them.
 * Reactor thread only. */
#ifndef RMGR_H
#define RMGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

typedef struct server server_t;
typedef struct rmgr rmgr_t;
typedef struct plog plog_t;
typedef struct plog_append_info plog_append_info_t;

typedef struct partition {
    char *topic;
    int32_t index;
    plog_t *log;
    bool is_leader;
    int32_t leader;
    int32_t leader_epoch;
    int64_t hw; /* high watermark: consumers see offsets < hw */
} partition_t;

rmgr_t *rmgr_new(server_t *srv);
void rmgr_free(rmgr_t *rm);

partition_t *rmgr_get(rmgr_t *rm, const char *topic, int32_t p);

/* Controller decision: this broker leads topic-p at leader_epoch (creates the log if needed). */
kerr_t rmgr_become_leader(rmgr_t *rm, const char *topic, int32_t p, int32_t leader_epoch);
/* Controller decision: leader_id leads topic-p; this broker is a replica that does not lead it
 * (follower fetching comes with replication). Produce and Fetch here get NOT_LEADER. */
void rmgr_become_follower(rmgr_t *rm, const char *topic, int32_t p, int32_t leader_id,
                          int32_t leader_epoch);
/* Stop hosting topic-p; delete = remove the log from disk too. */
void rmgr_stop_replica(rmgr_t *rm, const char *topic, int32_t p, bool delete_log);

/* Append validated batches on the leader; advances HW (single-replica ISR: HW = LEO) and wakes
 * delayed fetches. */
kerr_t rmgr_append(rmgr_t *rm, partition_t *part, uint8_t *buf, size_t len,
                   plog_append_info_t *info);

/* Append on the leader as an acks=all produce would, for the broker's own writers (the group
 * coordinator's __consumer_offsets records): done(arg, err, info) runs once the batches are
 * committed (the high watermark is past them), or with the error (REQUEST_TIMED_OUT after
 * timeout_ms, NOT_ENOUGH_REPLICAS per min.insync.replicas, a storage error). done may run
 * before this returns. buf is stamped in place and must stay valid until done runs. */
typedef void rmgr_append_done_fn(void *arg, kerr_t err, const plog_append_info_t *info);
void rmgr_append_committed(rmgr_t *rm, partition_t *part, uint8_t *buf, size_t len,
                           int64_t timeout_ms, rmgr_append_done_fn *done, void *arg);

/* Leadership hook: called after this broker becomes leader or follower of topic-p, or stops
 * hosting it (RMGR_ROLE_NONE), with the partition's leader epoch. One hook per replica
 * manager (the group coordinator's, for __consumer_offsets). */
typedef enum rmgr_role { RMGR_ROLE_NONE, RMGR_ROLE_LEADER, RMGR_ROLE_FOLLOWER } rmgr_role_t;
typedef void rmgr_role_hook_fn(void *arg, const char *topic, int32_t partition, rmgr_role_t role,
                               int32_t leader_epoch);
void rmgr_set_role_hook(rmgr_t *rm, rmgr_role_hook_fn *fn, void *arg);

/* Delayed fetch purgatory. A waiter is a callback run once, on the reactor, either when any of
 * its partitions gets an append (wake) or when its timer fires (timeout). */
typedef struct rmgr_waiter rmgr_waiter_t;
typedef void rmgr_wake_fn(void *arg, bool timed_out);
/* Parks a waiter on the given partitions (pointers held until it fires or is cancelled). */
rmgr_waiter_t *rmgr_wait(rmgr_t *rm, partition_t **parts, int nparts, int64_t timeout_ms,
                         rmgr_wake_fn *fn, void *arg);
void rmgr_wait_cancel(rmgr_t *rm, rmgr_waiter_t *w);
/* Fire every parked waiter as timed out (shutdown: pending fetches answer and free). */
void rmgr_wake_all(rmgr_t *rm);

/* Periodic work (retention, flush, checkpoints) is driven from here. */
void rmgr_tick(rmgr_t *rm, int64_t now_ms);
/* Re-read per-topic configs for every hosted partition of topic (after a config change). */
void rmgr_topic_config_changed(rmgr_t *rm, const char *topic);

#endif
