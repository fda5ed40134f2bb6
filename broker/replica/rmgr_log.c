/* rmgr_log.c: writes to a hosted partition's log through the replica manager: appends on
 * the leader and the follower, truncation, the last stable offset, and log start offset
 * moves (DeleteRecords on the leader, the leader's log start on a follower). */
#include "kerr.h"
#include "ktime.h"
#include "log.h"
#include "logmove.h"
#include "rmgr_int.h"
#include "store/lmgr.h"
#include "store/pidstate.h"
#include "store/plog.h"

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

void rmgr_follower_log_start(rmgr_t *rm, partition_t *part, int64_t leader_log_start)
{
    int64_t to = leader_log_start < part->hw ? leader_log_start : part->hw;
    if (to <= plog_start_offset(part->log)) return;
    if (plog_advance_start(part->log, to, NULL) != KERR_NONE) return;
    lmgr_checkpoint_log_start(rm->d.lmgr, part->log);
}
