/* logmove.h: moving a replica's log to another log dir of this broker while it keeps serving
 * (AlterReplicaLogDirs, KIP-113; Kafka's ReplicaAlterLogDirsThread). The partition's batches
 * are copied, as they are, into a future log in the target dir (lmgr_future_open) a bounded
 * amount at a time on the reactor (LOGMOVE_STEP_BYTES every LOGMOVE_STEP_MS, or less when
 * replica.alter.log.dirs.io.max.bytes.per.second asks; at least one batch), following what
 * is appended meanwhile; a truncation of the log cuts the copy too, a log start that passed
 * the copy restarts it. When the copy holds everything (checked and done within one reactor
 * callback, so nothing is appended in between) it takes the log start offset and the leader
 * epochs, is flushed and promoted (lmgr_future_promote): the partition serves from it and the
 * old log is deleted. Leader or follower alike. A move does not survive a restart.
 * Owner: the replica manager. Reactor thread only. */
#ifndef LOGMOVE_H
#define LOGMOVE_H

#include <stdint.h>

#include "kerr.h"

typedef struct ev_loop ev_loop_t;
typedef struct lmgr lmgr_t;
typedef struct tconf tconf_t;
typedef struct cfg cfg_t;
typedef struct partition partition_t;
typedef struct logmove logmove_t;

#define LOGMOVE_STEP_BYTES (2 << 20)
#define LOGMOVE_STEP_MS    10

/* Everything borrowed; cfg gives replica.alter.log.dirs.io.max.bytes.per.second (NULL: no
 * bound). */
logmove_t *logmove_new(ev_loop_t *loop, lmgr_t *lmgr, tconf_t *tconf, const cfg_t *cfg);
/* Frees the bookkeeping only (the log manager removes unfinished future logs). */
void logmove_free(logmove_t *lm);
/* Move part's log to log dir index dir: KERR_NONE when started, already under way or already
 * there (a move to another dir is replaced); a storage error when the copy cannot be made. */
kerr_t logmove_start(logmove_t *lm, partition_t *part, int dir);
/* part's log was cut (follower truncation): cut the copy to match. */
void logmove_truncated(logmove_t *lm, partition_t *part);
/* part stops being hosted: forget its move and drop the copy. */
void logmove_cancel(logmove_t *lm, partition_t *part);

#endif
