/* lmgr.h: the log manager: every partition log in the configured log dirs, Kafka's per-dir
 * files (meta.properties, recovery-point-offset-checkpoint, replication-offset-checkpoint,
 * log-start-offset-checkpoint, cleaner-offset-checkpoint, .kafka_cleanshutdown), recovery at
 * start and the periodic retention / flush / checkpoint work.
 * Checkpoint files are Kafka's text format: a version line "0", a count line, then
 * "topic partition offset" lines; written to a temp file, fsynced and renamed.
 * Owner: the server. Reactor thread only. */
#ifndef LMGR_H
#define LMGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"
#include "plog.h"

typedef struct lmgr lmgr_t;

/* Open (creating) the comma-separated log dirs, check or write meta.properties, read the
 * clean-shutdown marker (then remove it) and the checkpoints, and open every partition dir
 * (recovering after an unclean stop). cluster_id may be NULL (not known yet). */
kerr_t lmgr_open(const char *log_dirs, int32_t broker_id, const char *cluster_id,
                 const plog_cfg_t *defaults, lmgr_t **out, char *err, size_t errlen);
plog_t *lmgr_get(lmgr_t *m, const char *topic, int32_t partition);
kerr_t lmgr_get_or_create(lmgr_t *m, const char *topic, int32_t partition, const plog_cfg_t *cfg,
                          plog_t **out);
kerr_t lmgr_delete(lmgr_t *m, const char *topic, int32_t partition);
void lmgr_foreach(lmgr_t *m, void (*cb)(plog_t *log, void *arg), void *arg);
/* The log dirs, in log.dirs order (paths as configured). */
int lmgr_dir_count(const lmgr_t *m);
const char *lmgr_dir_path(const lmgr_t *m, int i);
/* Index of the dir holding topic-partition's log, -1 when there is none. New logs go to the
 * dir with the fewest partition logs, as Kafka places them. */
int lmgr_log_dir(lmgr_t *m, const char *topic, int32_t partition);
/* Write the log-start-offset-checkpoint of log's dir now (after DeleteRecords moved it). */
void lmgr_checkpoint_log_start(lmgr_t *m, plog_t *log);
/* The high watermark recorded for topic-partition in replication-offset-checkpoint when the
 * broker started, -1 when none. */
int64_t lmgr_checkpointed_hw(lmgr_t *m, const char *topic, int32_t partition);
/* The high watermark to checkpoint for a log (default: its end offset). */
void lmgr_set_hw_fn(lmgr_t *m, int64_t (*hw)(plog_t *log, void *arg), void *arg);
void lmgr_set_intervals(lmgr_t *m, int64_t retention_check_ms, int64_t checkpoint_ms);
/* Periodic work: retention, flush policy, checkpoints, each on its own interval. */
void lmgr_tick(lmgr_t *m, int64_t now_ms);
/* How long the flushes lmgr_tick made took (Kafka's LogFlushRateAndTimeMs), ms. */
const struct prom_hist *lmgr_flush_stats(const lmgr_t *m);
/* Write all checkpoint files now. */
void lmgr_checkpoint(lmgr_t *m);
/* Stop: close every log; when clean, flush them first, write the checkpoints and the
 * .kafka_cleanshutdown marker. Frees m. */
void lmgr_close(lmgr_t *m, bool clean);

/* ---- replica moves between log dirs (AlterReplicaLogDirs, KIP-113) ----
 * A move copies the log into a future log <dir>/<topic>-<p>.<uuid>-future (broker/replica/
 * logmove.h does the copying), then promotes it: the future dir takes the partition's name,
 * the old log is deleted and the checkpoints are rewritten. A future log left by a stop is
 * removed at the next start (the move is not resumed). */
/* Index of the log dir whose absolute path is path, -1 when none is. */
int lmgr_dir_index(const lmgr_t *m, const char *path);
/* Create topic-partition's log in dir when it gets created later (Kafka's preferred dir). */
void lmgr_prefer_dir(lmgr_t *m, const char *topic, int32_t partition, int dir);
/* The future log of topic-partition (and its dir), NULL when no move is under way. */
plog_t *lmgr_future(lmgr_t *m, const char *topic, int32_t partition, int *dir);
/* Open (creating) the future log in dir; one in another dir is dropped first. */
kerr_t lmgr_future_open(lmgr_t *m, const char *topic, int32_t partition, int dir,
                        const plog_cfg_t *cfg, plog_t **out);
void lmgr_future_drop(lmgr_t *m, const char *topic, int32_t partition);
/* Make the future log the partition's log (the caller checked it holds everything); *out is
 * the log now in use. The old plog_t is freed. */
kerr_t lmgr_future_promote(lmgr_t *m, const char *topic, int32_t partition, plog_t **out);
void lmgr_foreach_future(lmgr_t *m, void (*cb)(plog_t *log, int dir, void *arg), void *arg);

/* ---- log dir failure (KIP-112) ----
 * An I/O error in a dir (write, roll, flush, index, checkpoint: EIO, ENOSPC, EROFS...) is
 * reported to fail_fn(arg, dir) once, at the time of the error (the callee defers its work:
 * the caller may be inside an append). The server then stops the dir's replicas and calls
 * lmgr_take_offline: its logs are closed and, until a restart, neither served nor re-created
 * (lmgr_get_or_create answers KERR_KAFKA_STORAGE_ERROR), and new logs go to the other dirs. */
typedef void lmgr_fail_fn(void *arg, int dir);
void lmgr_set_fail_fn(lmgr_t *m, lmgr_fail_fn *fn, void *arg);
/* An I/O error on log (a partition's log or a future log) that the caller saw. */
void lmgr_log_failed(lmgr_t *m, const plog_t *log, const char *what);
bool lmgr_dir_is_offline(const lmgr_t *m, int dir);
int lmgr_online_dirs(const lmgr_t *m);
/* Whether topic-partition's log was in a dir now offline. */
bool lmgr_log_offline(lmgr_t *m, const char *topic, int32_t partition);
/* The partition logs in dir: *topics (malloc'd strings) and *parts, the count returned; the
 * caller frees. */
int lmgr_dir_logs(lmgr_t *m, int dir, char ***topics, int32_t **parts);
/* Every log in an offline dir, the same way. */
int lmgr_offline_logs(lmgr_t *m, char ***topics, int32_t **parts);
void lmgr_take_offline(lmgr_t *m, int dir);

/* ---- log cleaner (cleaner.h) ----
 * Compact cleanup.policy=compact logs from lmgr_tick, passes backoff_ms apart. */
void lmgr_set_cleaner(lmgr_t *m, bool enable, int64_t backoff_ms);

#endif
