/* plog.h: a partition's log: a directory of segments in Kafka's layout
 *   <log.dir>/<topic>-<partition>/<20-digit base offset>.log / .index / .timeindex
 *   / .txnindex (aborted transactions, txnidx.h), leader-epoch-checkpoint
 * Batches are stored exactly as appended (RecordBatch v2, compressed or not); the log stamps
 * only baseOffset and partitionLeaderEpoch. Each segment keeps its offset index (relative
 * offset u32, position u32) and time index (timestamp i64, relative offset u32) in memory and
 * in its files, one entry every index_interval_bytes of log.
 * Recovery: after an unclean stop every batch after the recovery point is read back and
 * CRC-checked; the log is truncated at the first bad or partial batch (the torn tail).
 * Owner: the log manager (lmgr) owns every plog_t. Reactor thread only.
 *
 * File map (all share the private plog_int.h: struct plog, seg_t, the header scanner):
 *   plog.c        this API: append, read, time lookups, retention, truncation, flush
 *   plog_open.c   open (listing segments, recovery of the torn tail), close, rename, delete
 *   plog_seg.c    segment files (create, open, fds through fdcache.h, remove), the buffered
 *                 batch-header scanner, and re-reading a segment to rebuild its indexes
 *   plog_index.c  the offset and time indexes, in memory and in .index / .timeindex
 *   plog_epoch.c  the leader epoch cache and leader-epoch-checkpoint
 *   plog_clean.c  what the log cleaner (cleaner.c) uses: segment info, segment replacement
 *   plog_txn.c    the log's side of the aborted transaction index (txnidx.h) */
#ifndef PLOG_H
#define PLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kerr.h"

typedef struct plog_cfg {
    int64_t segment_bytes;         /* roll when the active segment would exceed this */
    int64_t segment_ms;            /* roll when the active segment is older than this */
    int64_t retention_ms;          /* -1 = forever */
    int64_t retention_bytes;       /* -1 = unlimited */
    int32_t index_interval_bytes;  /* bytes of log between index entries */
    int32_t segment_index_bytes;   /* max index file size (entries beyond roll the segment) */
    int64_t flush_messages;        /* fsync after this many messages (INT64_MAX = never) */
    int64_t flush_ms;              /* fsync when the last flush is older (INT64_MAX = never) */
    int64_t file_delete_delay_ms;  /* accepted; files are unlinked at once (open fds stay valid) */
    int cleanup_policy;            /* PLOG_CLEANUP_DELETE | PLOG_CLEANUP_COMPACT */
    int64_t delete_retention_ms;   /* compacted topics: how long tombstones stay */
    int64_t min_compaction_lag_ms; /* records younger than this are not compacted */
} plog_cfg_t;

#define PLOG_CLEANUP_DELETE  1
#define PLOG_CLEANUP_COMPACT 2

void plog_cfg_defaults(plog_cfg_t *c);

typedef struct plog plog_t;

typedef struct plog_append_info {
    int64_t first_offset, last_offset;
    int64_t max_timestamp, offset_of_max_timestamp;
    int32_t batches, records;
} plog_append_info_t;

/* A byte range of one segment file. fd is borrowed and valid only until the next call into
 * any log (a closed segment's fd is the fd cache's, fdcache.h): dup() it to keep it. -1 when
 * len is 0. */
typedef struct plog_slice {
    int fd;
    off_t pos;
    size_t len;
    int64_t first_offset; /* base offset of the first batch in the slice */
} plog_slice_t;

kerr_t plog_open(const char *dir, const char *topic, int32_t partition, const plog_cfg_t *cfg,
                 int64_t recovery_point, int64_t log_start_offset, bool clean, plog_t **out);
void plog_close(plog_t *log);

/* Append validated batches (buf modified in place: baseOffset and leader epoch stamped). */
kerr_t plog_append(plog_t *log, uint8_t *buf, size_t len, int32_t leader_epoch, int64_t now_ms,
                   plog_append_info_t *info);
/* Append batches that already carry offsets starting at the log end (replication). */
kerr_t plog_append_replica(plog_t *log, uint8_t *buf, size_t len, plog_append_info_t *info);

int64_t plog_start_offset(const plog_t *log);
int64_t plog_end_offset(const plog_t *log);
int64_t plog_recovery_point(const plog_t *log);
const char *plog_topic(const plog_t *log);
int32_t plog_partition(const plog_t *log);
const char *plog_dir(const plog_t *log);
int plog_segment_count(const plog_t *log);
int64_t plog_size_bytes(const plog_t *log);

/* Whole batches from the one containing `offset`, at most max_bytes (but at least the first
 * batch, KIP-74), none at or past max_offset (the high watermark). offset == end: len 0.
 * Offset outside [start, end]: KERR_OFFSET_OUT_OF_RANGE. Stays within one segment. */
kerr_t plog_read(plog_t *log, int64_t offset, size_t max_bytes, int64_t max_offset,
                 plog_slice_t *out); /* KERR__NOFD: out of fds for a closed segment */
/* plog_read copied into memory, for readers that decode the batches themselves (coordinator
 * loading, the console, log dir moves): *buf (malloc'd, the caller frees; NULL when *len is 0)
 * holds *len bytes. A failed or short read of the segment file is KERR__IO. */
kerr_t plog_read_copy(plog_t *log, int64_t offset, size_t max_bytes, int64_t max_offset,
                      uint8_t **buf, size_t *len);
/* A coordinator loading its state partition slice by slice (group and transaction
 * coordinators): plog_load_slice moves *next up to the log start, then reads the next slice of
 * at most max_bytes from it into *buf (as plog_read_copy) and returns true; false at the log
 * end or on an error (logged under mod): loading is done. After the caller applied the slice
 * up to offset to, plog_load_moved sets *next = to and returns true, or, when to did not move
 * past *next (an unreadable batch), logs under mod that loading stopped and returns false. */
bool plog_load_slice(plog_t *log, const char *mod, int64_t *next, size_t max_bytes, uint8_t **buf,
                     size_t *len);
bool plog_load_moved(plog_t *log, const char *mod, int64_t *next, int64_t to);
/* First offset whose record timestamp is >= ts. KERR__NOENT when none. */
kerr_t plog_offset_for_time(plog_t *log, int64_t ts, int64_t *offset, int64_t *timestamp);
/* The batch with the largest timestamp (ListOffsets MAX_TIMESTAMP). */
kerr_t plog_max_timestamp(plog_t *log, int64_t *offset, int64_t *timestamp);

/* Retention by time and size (never the active segment) and time-based roll. Returns the
 * number of segments deleted. */
int plog_retention(plog_t *log, int64_t now_ms);
/* Move the log start offset up to offset (DeleteRecords, or a follower following its
 * leader's): offsets below it are no longer served, and whole segments below it are deleted
 * (never the active one). An offset at or below the current start changes nothing; one past
 * the log end is KERR_OFFSET_OUT_OF_RANGE. *deleted (may be NULL) gets the segments removed. */
kerr_t plog_advance_start(plog_t *log, int64_t offset, int *deleted);
/* Drop everything at and after offset (which must be a batch boundary or the end). */
kerr_t plog_truncate_to(plog_t *log, int64_t offset);
/* Drop every segment and start an empty log at offset (a follower behind the leader's log
 * start). */
kerr_t plog_reset(plog_t *log, int64_t offset);
/* fsync data and index files (none when nothing was written, cut or reset since the last
 * flush or a clean open); the recovery point becomes the log end. */
kerr_t plog_flush(plog_t *log);
/* Flush when flush.messages / flush.ms say so; true when it flushed (*err, may be NULL: the
 * flush's result). */
bool plog_maybe_flush(plog_t *log, int64_t now_ms, kerr_t *err);
void plog_set_cfg(plog_t *log, const plog_cfg_t *cfg);
/* Rename the log's directory (a replica moving between log dirs); the log stays open. */
kerr_t plog_rename_dir(plog_t *log, const char *new_dir);
/* Replace dst's leader epoch cache by src's (a moved replica keeps its epochs). */
void plog_copy_epochs(plog_t *dst, const plog_t *src);
/* 32 random hex digits, as Kafka's UUIDs in -delete / -future directory names. */
void plog_uuid_hex(char out[33]);
/* Close and remove the directory (renamed to <dir>.<uuid>-delete first, as Kafka does). */
kerr_t plog_delete(plog_t *log);

/* Leader epoch cache (KIP-101), persisted in leader-epoch-checkpoint. Followers add the
 * epochs of the batches they copy; truncation drops entries past the new end. */
kerr_t plog_epoch_assign(plog_t *log, int32_t epoch, int64_t start_offset);
/* A new leader's epoch: in the cache at once (OffsetForLeaderEpoch answers from it), in the
 * file before the first batch is written in it, or at the next flush, whichever comes first.
 * A flush writes it without fsync; the first batch in it makes the next flush sync it.
 * Writing the file (a rename, which ext4 makes flush the data) for each of 1,000 partitions
 * took most of a LeaderAndIsr's time; an epoch with no batch in it need not survive a crash,
 * as nothing can be truncated or looked up by it. */
void plog_epoch_begin(plog_t *log, int32_t epoch, int64_t start_offset);
/* Kafka's LeaderEpochFileCache.endOffsetFor: for the latest epoch, the log end; for an older
 * one, the start of the first higher epoch, with *found_epoch = the largest epoch <= the one
 * asked (the asked epoch itself when it predates every cached one); -1 (undefined) for an
 * epoch newer than all, or with no epochs. */
int64_t plog_epoch_end_offset(plog_t *log, int32_t epoch, int32_t *found_epoch);
/* The latest cached epoch, -1 when none. */
int32_t plog_latest_epoch(const plog_t *log);
/* A follower's truncation point (Kafka's AbstractFetcherThread.getOffsetTruncationState,
 * KIP-101/279) from its leader's OffsetForLeaderEpoch answer: leader_epoch, the largest epoch
 * the leader has not above the one asked, ends at leader_end in the leader's log. Returns the
 * offset to cut at (never past the log end). *next_epoch: -1 when that is where the logs stop
 * agreeing; else leader_epoch is not ours, and the offset is only where our largest epoch below
 * it ends: cut there and ask again about *next_epoch (our data in it may still diverge). */
int64_t plog_divergence(plog_t *log, int32_t leader_epoch, int64_t leader_end, int32_t *next_epoch);

/* Call fn for the header of every batch that ends at or after from (reads headers only, but
 * a control batch whole): p holds the batch's first avail bytes. */
struct batch_hdr;
typedef void plog_batch_fn(void *arg, const struct batch_hdr *h, const uint8_t *p, size_t avail);
kerr_t plog_foreach_batch(plog_t *log, int64_t from, plog_batch_fn *fn, void *arg);

/* ---- for the log cleaner (broker/store/cleaner.c) ----
 * Segments are numbered 0 .. plog_segment_count()-1, the last one active (never cleaned). */
typedef struct plog_seg_info {
    int64_t base, next_offset, size, max_ts;
    int fd; /* borrowed, as plog_slice_t's */
} plog_seg_info_t;
const plog_cfg_t *plog_cfg(const plog_t *log);
kerr_t plog_segment_info(const plog_t *log, int i, plog_seg_info_t *out);
/* Replace segment `base` by the cleaned log file at cleaned_path (same directory): Kafka's
 * dance, crash-safe at every step: rename to <base>.log.swap, unlink the old segment's files,
 * rename .swap to .log, rebuild its indexes. An empty cleaned file removes the segment (the
 * log start moves up when it was the first). */
kerr_t plog_replace_segment(plog_t *log, int64_t base, const char *cleaned_path);

/* ---- transactions (txnidx.h): the aborted transaction index ----
 * Record a transaction of producer_id aborted by the marker at last_offset (in the segment
 * holding it); an entry already known for that marker is not added again. */
kerr_t plog_txn_aborted(plog_t *log, int64_t producer_id, int64_t first_offset, int64_t last_offset,
                        int64_t lso);
/* Aborted transactions overlapping [from, upto) (txnidx_collect). */
struct txnidx_ent;
size_t plog_aborted_txns(const plog_t *log, int64_t from, int64_t upto, struct txnidx_ent *out,
                         size_t max);
/* An offset past every batch of sl (a plog_read result): the base offset of the first indexed
 * batch after it, or its segment's end. Bounds a fetch's aborted transactions cheaply. */
int64_t plog_slice_end_bound(const plog_t *log, const plog_slice_t *sl);
/* The lowest offset recovery re-read after an unclean stop (INT64_MAX after a clean one): the
 * producer state replays from a snapshot at or before it so the aborted transactions of the
 * re-read segments are rebuilt. */
int64_t plog_rebuilt_from(const plog_t *log);
/* The first offset of the oldest undecided transaction (-1: none), kept up to date by the
 * producer state (pidstate.c); the cleaner does not clean past it. PLOG_UNSTABLE_UNKNOWN until
 * a producer state was loaded for the log. */
#define PLOG_UNSTABLE_UNKNOWN INT64_MIN
void plog_set_first_unstable(plog_t *log, int64_t offset);
/* Give dst (a copy of src's batches: a replica moved between log dirs) src's aborted
 * transactions within dst's offsets and its first unstable offset. */
void plog_copy_txns(plog_t *dst, const plog_t *src);
int64_t plog_first_unstable(const plog_t *log);

#endif
