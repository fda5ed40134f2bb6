/* plog_int.h: the partition log's private parts, shared by the plog*.c files only (the file
 * map is in plog.h): struct plog, a segment (seg_t) with its in-memory offset and time
 * indexes, the buffered batch-header scanner, and the functions one piece calls in another.
 * Nothing outside broker/store/plog*.c includes this; callers use plog.h.
 * Owner: a plog_t owns its segments (segs[], the last one active), each segment its index
 * arrays and its fds, and the log its epoch cache and txnidx_t. Reactor thread only. */
#ifndef PLOG_INT_H
#define PLOG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdcache.h"
#include "plog.h"
#include "rec/batch.h"
#include "txnidx.h"

#define PLOG_SCAN_BUF (64 * 1024)
/* Enough of a batch header for scanning: baseOffset, length, ..., maxTimestamp. */
#define PLOG_HDR_NEED BATCH_HDR_SIZE

typedef struct idx_ent {
    uint32_t rel;
    uint32_t pos;
} idx_ent_t;

typedef struct tidx_ent {
    int64_t ts;
    uint32_t rel;
} tidx_ent_t;

typedef struct seg {
    int64_t base;
    int wfd;           /* the active segment's .log, read-write; -1 for a closed segment */
    fdcache_ent_t rfd; /* a closed segment's .log, opened for reads when needed */
    int64_t size;
    int64_t next_offset; /* offset after the last batch in this segment */
    int64_t max_ts, max_ts_offset;
    int64_t created_ms; /* wall clock when opened/created, for segment.ms */
    int64_t bytes_since_index;
    idx_ent_t *idx;
    size_t nidx, capidx;
    tidx_ent_t *tidx;
    size_t ntidx, captidx;
    size_t idx_written, tidx_written; /* entries already in the .index / .timeindex files */
    bool idx_rewrite;                 /* the files hold stale entries: rewrite them whole */
    bool idx_unsynced;                /* written since their last fdatasync */
} seg_t;

typedef struct epoch_ent {
    int32_t epoch;
    int64_t start;
} epoch_ent_t;

struct plog {
    char *dir, *topic;
    int32_t partition;
    plog_cfg_t cfg;
    seg_t **segs;
    int nsegs, capsegs;
    int64_t start_offset, end_offset, recovery_point;
    int64_t unflushed_msgs, last_flush_ms;
    epoch_ent_t *epochs;
    int nepochs;
    bool epochs_dirty;      /* leader-epoch-checkpoint written, not yet fsynced */
    bool epochs_unwritten;  /* the cache holds an epoch the file lacks (plog_epoch_begin) */
    bool epochs_lazy;       /* a flush wrote epochs no batch is in yet, without fsync: the
                             * first batch makes the file dirty (synced at the next flush) */
    bool synced;            /* nothing appended, cut or reset since the last flush (or a clean
                             * open): a flush has no data to sync */
    txnidx_t *txns;         /* aborted transactions (.txnindex files) */
    int64_t rebuilt_from;   /* recovery re-read the log from here (INT64_MAX: clean) */
    int64_t first_unstable; /* of the oldest undecided transaction, -1 none (plog.h) */
};

/* ---- segments and scanning (plog_seg.c) ---- */

/* <dir>/<20-digit base><ext> into buf. */
void plog_seg_path(const plog_t *log, int64_t base, const char *ext, char *buf, size_t n);
/* Logs a failed open; out of fds at most every 10 s. */
void plog_warn_open(const char *path, int err);
/* The fd to read s's .log with: the active segment's own, else one from the fd cache
 * (borrowed, see fdcache_get). -1 with errno when it cannot be opened. */
int plog_seg_fd(const plog_t *log, seg_t *s);
/* A segment: a new, empty active one (create: its files are created, as Kafka's are), or an
 * existing one whose files are left closed until read. NULL with *err on failure. */
seg_t *plog_seg_open(plog_t *log, int64_t base, bool create, kerr_t *err);
void plog_seg_close(seg_t *s); /* frees s; NULL is a no-op */
/* Make s the segment appends go to: its .log opened read-write (created when create). */
kerr_t plog_seg_activate(const plog_t *log, seg_t *s, bool create);
/* s is no longer written: indexes to their files, its fd given up. */
void plog_seg_deactivate(const plog_t *log, seg_t *s);
/* Rebuild the indexes of s from its log; with verify, check each batch's CRC and truncate at
 * the first bad or partial batch. *cut (may be NULL): the bytes truncated (0 when intact). */
kerr_t plog_seg_rebuild(plog_t *log, seg_t *s, bool verify, int64_t *cut);
void plog_push_seg(plog_t *log, seg_t *s); /* append s to segs[] (it becomes the active one) */
seg_t *plog_active(const plog_t *log);
/* Index of the segment containing offset (largest base <= offset). */
int plog_find_seg(const plog_t *log, int64_t offset);
/* Unlink base's .log, .index, .timeindex and .snapshot. */
void plog_unlink_seg_files(plog_t *log, int64_t base);
/* Unlink a segment's files and drop its aborted transactions (and its .txnindex). */
void plog_forget_seg(plog_t *log, int64_t base);

/* Reads batch headers of one segment file through a 64 KiB buffer (one pread per buffer). */
typedef struct plog_scan {
    int fd;
    int64_t file_size;
    uint8_t *buf;
    int64_t buf_off; /* file offset of buf[0] */
    size_t buf_len;
} plog_scan_t;

void plog_scan_init(plog_scan_t *s, int fd, int64_t file_size); /* fd borrowed */
void plog_scan_free(plog_scan_t *s);
/* Header of the batch at pos: KERR_NONE, KERR__AGAIN at a partial batch (end of data),
 * KERR__BAD_MSG when it cannot be a batch. */
kerr_t plog_scan_hdr(plog_scan_t *s, int64_t pos, batch_hdr_t *h);
/* The n bytes at pos in the buffer (n <= PLOG_SCAN_BUF), reading them if needed; NULL when
 * the file is shorter. Valid until the next call on s. */
const uint8_t *plog_scan_bytes(plog_scan_t *s, int64_t pos, size_t n);

/* ---- offset and time indexes (plog_index.c) ---- */

/* Record a batch at pos in the in-memory indexes (the files follow in plog_seg_write_indexes). */
void plog_seg_index_batch(seg_t *s, const batch_hdr_t *h, int64_t pos, int32_t interval);
/* Position of the last index entry with relative offset <= rel. */
int64_t plog_seg_index_lookup(const seg_t *s, uint32_t rel);
/* Bring s's index files up to its in-memory indexes; with sync, fdatasync them too. */
kerr_t plog_seg_write_indexes(const plog_t *log, seg_t *s, bool sync);
/* Load indexes from their files, then scan past the last indexed batch to find the segment's
 * end; false when they are missing or inconsistent (the caller rebuilds them). */
bool plog_seg_load_indexes(plog_t *log, seg_t *s);

/* ---- leader epoch checkpoint (plog_epoch.c) ---- */

/* Write leader-epoch-checkpoint (no fsync). KERR_NONE, or the kerr of a file that could not
 * be created (the write is retried). */
kerr_t plog_epochs_write(plog_t *log);
void plog_epochs_sync(plog_t *log);                  /* fsync it when written since the last */
void plog_epochs_load(plog_t *log);                  /* at open, after end_offset is known */
void plog_epochs_truncate(plog_t *log, int64_t end); /* drop epochs starting at or after end */

/* ---- log cleaner support (plog_clean.c) ---- */

/* Finish or drop the .swap / .cleaned files a crash during plog_replace_segment left. */
void plog_finish_swaps(const char *dir);

/* ---- aborted transactions (plog_txn.c) ---- */

/* At open: load each segment's .txnindex (those recovery re-read are removed, rebuilt). */
void plog_txns_load(plog_t *log);

#endif
