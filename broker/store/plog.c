/* plog.c: partition log = ordered segments; each segment = .log file + in-memory offset and
 * time indexes mirrored to .index / .timeindex files.
 *
 * File descriptors: only the active segment keeps its .log open (appends). A closed segment's
 * .log is opened for reads through the fd cache (fdcache.h), and the index files are opened
 * only while they are read or written: the entries appended to the in-memory indexes reach
 * the files when the segment rolls, at a flush (fsynced, before the recovery point moves) and
 * at close. That keeps crash recovery as it was: after an unclean stop every segment past the
 * recovery point is re-read and its indexes rebuilt from the log, and the segments before it
 * had their index files written and fsynced by the flush that moved the recovery point.
 *
 * Reading batch headers goes through a small buffered scanner (one pread per 64 KiB), so a
 * fetch of many small batches costs a few syscalls, not one per batch. */
#include "plog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "fileio.h"
#include "ktime.h"
#include "log.h"
#include "rec/batch.h"
#include "rec/crc32c.h"
#include "fdcache.h"
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

void plog_cfg_defaults(plog_cfg_t *c)
{
    c->segment_bytes = 1073741824;
    c->segment_ms = 7LL * 24 * 3600 * 1000;
    c->retention_ms = 7LL * 24 * 3600 * 1000;
    c->retention_bytes = -1;
    c->index_interval_bytes = 4096;
    c->segment_index_bytes = 10 * 1024 * 1024;
    c->flush_messages = INT64_MAX;
    c->flush_ms = INT64_MAX;
    c->file_delete_delay_ms = 60000;
    c->cleanup_policy = PLOG_CLEANUP_DELETE;
    c->delete_retention_ms = 86400000;
    c->min_compaction_lag_ms = 0;
}

/* ---------------------------------------------------------------- small helpers */

static void seg_path(const plog_t *log, int64_t base, const char *ext, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%020" PRId64 "%s", log->dir, base, ext);
}

/* ---------------------------------------------------------------- header scanner */

typedef struct scan {
    int fd;
    int64_t file_size;
    uint8_t *buf;
    int64_t buf_off; /* file offset of buf[0] */
    size_t buf_len;
} scan_t;

static void scan_init(scan_t *s, int fd, int64_t file_size)
{
    s->fd = fd;
    s->file_size = file_size;
    s->buf = malloc(PLOG_SCAN_BUF);
    if (!s->buf) abort();
    s->buf_off = 0;
    s->buf_len = 0;
}

static void scan_free(scan_t *s)
{
    free(s->buf);
}

/* Header of the batch at pos: KERR_NONE, KERR__AGAIN at a partial batch (end of data),
 * KERR__BAD_MSG when it cannot be a batch. */
static kerr_t scan_hdr(scan_t *s, int64_t pos, batch_hdr_t *h)
{
    if (pos + BATCH_LOG_OVERHEAD > s->file_size) return KERR__AGAIN;
    if (pos < s->buf_off || pos + PLOG_HDR_NEED > s->buf_off + (int64_t)s->buf_len) {
        ssize_t r = pread_full(s->fd, s->buf, PLOG_SCAN_BUF, pos);
        if (r < 0) return KERR__IO;
        s->buf_off = pos;
        s->buf_len = (size_t)r;
    }
    size_t avail = (size_t)(s->buf_off + (int64_t)s->buf_len - pos);
    const uint8_t *p = s->buf + (pos - s->buf_off);
    if (avail < PLOG_HDR_NEED) {
        if (avail >= BATCH_LOG_OVERHEAD &&
            (int32_t)bytes_get_be32(p + 8) < BATCH_HDR_SIZE - BATCH_LOG_OVERHEAD)
            return KERR__BAD_MSG;
        return KERR__AGAIN;
    }
    kerr_t err = batch_hdr_parse(p, PLOG_HDR_NEED, h);
    if (err == KERR__AGAIN) err = KERR_NONE; /* only the header was offered */
    if (err) return err;
    if (h->magic != BATCH_MAGIC_V2) return KERR__BAD_MSG;
    if (pos + (int64_t)batch_size(h) > s->file_size) return KERR__AGAIN;
    return KERR_NONE;
}

/* The n bytes at pos in the buffer (n <= PLOG_SCAN_BUF), reading them if needed; NULL when
 * the file is shorter. */
static const uint8_t *scan_bytes(scan_t *s, int64_t pos, size_t n)
{
    if (n > PLOG_SCAN_BUF) return NULL;
    if (pos < s->buf_off || pos + (int64_t)n > s->buf_off + (int64_t)s->buf_len) {
        ssize_t r = pread_full(s->fd, s->buf, PLOG_SCAN_BUF, pos);
        if (r < 0) return NULL;
        s->buf_off = pos;
        s->buf_len = (size_t)r;
    }
    if (pos + (int64_t)n > s->buf_off + (int64_t)s->buf_len) return NULL;
    return s->buf + (pos - s->buf_off);
}

/* ---------------------------------------------------------------- segments */

static void seg_idx_push(seg_t *s, uint32_t rel, uint32_t pos)
{
    if (s->nidx == s->capidx) {
        s->capidx = s->capidx ? s->capidx * 2 : 64;
        s->idx = realloc(s->idx, s->capidx * sizeof(*s->idx));
        if (!s->idx) abort();
    }
    s->idx[s->nidx++] = (idx_ent_t){rel, pos};
}

static void seg_tidx_push(seg_t *s, int64_t ts, uint32_t rel)
{
    if (s->ntidx == s->captidx) {
        s->captidx = s->captidx ? s->captidx * 2 : 64;
        s->tidx = realloc(s->tidx, s->captidx * sizeof(*s->tidx));
        if (!s->tidx) abort();
    }
    s->tidx[s->ntidx++] = (tidx_ent_t){ts, rel};
}

/* Record a batch at pos in the in-memory indexes (the files follow in seg_write_indexes). */
static void seg_index_batch(seg_t *s, const batch_hdr_t *h, int64_t pos, int32_t interval)
{
    int64_t last = batch_last_offset(h);
    if (h->max_timestamp > s->max_ts) {
        s->max_ts = h->max_timestamp;
        s->max_ts_offset = last;
    }
    if (s->bytes_since_index >= interval || s->nidx == 0) {
        seg_idx_push(s, (uint32_t)(h->base_offset - s->base), (uint32_t)pos);
        if (s->ntidx == 0 || s->max_ts > s->tidx[s->ntidx - 1].ts)
            seg_tidx_push(s, s->max_ts, (uint32_t)(s->max_ts_offset - s->base));
        s->bytes_since_index = 0;
    }
    s->bytes_since_index += (int64_t)batch_size(h);
    s->next_offset = last + 1;
}

/* Out of fds is logged at most every 10 s: a fetch per partition would otherwise log each. */
static void plog_warn_open(const char *path, int err)
{
    static int64_t last_ms;
    if (err == EMFILE || err == ENFILE) {
        int64_t now = ktime_mono_ms();
        if (last_ms && now - last_ms < 10000) return;
        last_ms = now;
    }
    log_warn("plog", "open %s: %s", path, strerror(err));
}

/* The fd to read s's .log with: the active segment's own, else one from the fd cache
 * (borrowed, see fdcache_get). -1 with errno when it cannot be opened. */
static int seg_fd(const plog_t *log, seg_t *s)
{
    if (s->wfd >= 0) return s->wfd;
    char path[PATH_MAX];
    seg_path(log, s->base, ".log", path, sizeof(path));
    int fd = fdcache_get(&s->rfd, path);
    if (fd < 0) {
        int e = errno;
        plog_warn_open(path, e);
        errno = e;
    }
    return fd;
}

/* Write n bytes at `at` into s's index file ext (truncated to `at` first when truncate),
 * fdatasync'd when sync; the fd is closed again. */
static kerr_t seg_idx_file_write(const plog_t *log, int64_t base, const char *ext, const uint8_t *p,
                                 size_t n, off_t at, bool truncate, bool sync)
{
    char path[PATH_MAX];
    seg_path(log, base, ext, path, sizeof(path));
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        plog_warn_open(path, e);
        return fdcache_errno_kerr(e);
    }
    kerr_t err = KERR_NONE;
    if ((truncate && ftruncate(fd, at) != 0) || (n > 0 && pwrite_all(fd, p, n, at) != 0) ||
        (sync && fdatasync(fd) != 0)) {
        log_warn("plog", "write %s: %s", path, strerror(errno));
        err = KERR__IO;
    }
    close(fd);
    return err;
}

/* Bring s's index files up to its in-memory indexes (the entries not written yet, or all of
 * them after a rebuild); with sync, fdatasync them too. Entries stay pending on failure. */
static kerr_t seg_write_indexes(const plog_t *log, seg_t *s, bool sync)
{
    bool pending = s->idx_rewrite || s->idx_written < s->nidx || s->tidx_written < s->ntidx;
    if (!pending && !(sync && s->idx_unsynced)) return KERR_NONE;
    size_t i0 = s->idx_rewrite ? 0 : s->idx_written;
    size_t t0 = s->idx_rewrite ? 0 : s->tidx_written;
    size_t ni = s->nidx - i0, nt = s->ntidx - t0;
    uint8_t *b = malloc(ni * 8 + nt * 12 + 1);
    if (!b) abort();
    for (size_t i = 0; i < ni; i++) {
        bytes_put_be32(b + i * 8, s->idx[i0 + i].rel);
        bytes_put_be32(b + i * 8 + 4, s->idx[i0 + i].pos);
    }
    uint8_t *tb = b + ni * 8;
    for (size_t i = 0; i < nt; i++) {
        bytes_put_be64(tb + i * 12, s->tidx[t0 + i].ts);
        bytes_put_be32(tb + i * 12 + 8, s->tidx[t0 + i].rel);
    }
    kerr_t err = seg_idx_file_write(log, s->base, ".index", b, ni * 8, (off_t)(i0 * 8),
                                    s->idx_rewrite, sync);
    kerr_t terr = seg_idx_file_write(log, s->base, ".timeindex", tb, nt * 12, (off_t)(t0 * 12),
                                     s->idx_rewrite, sync);
    free(b);
    if (err || terr) return err ? err : terr;
    s->idx_written = s->nidx;
    s->tidx_written = s->ntidx;
    s->idx_rewrite = false;
    s->idx_unsynced = !sync;
    return KERR_NONE;
}

static void seg_close(seg_t *s)
{
    if (!s) return;
    fdcache_drop(&s->rfd);
    if (s->wfd >= 0) close(s->wfd);
    free(s->idx);
    free(s->tidx);
    free(s);
}

/* Make s the segment appends go to: its .log opened read-write (created when create). */
static kerr_t seg_activate(const plog_t *log, seg_t *s, bool create)
{
    if (s->wfd >= 0) return KERR_NONE;
    char path[PATH_MAX];
    seg_path(log, s->base, ".log", path, sizeof(path));
    int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    if (fd < 0) {
        int e = errno;
        log_error("plog", "open segment %s: %s", path, strerror(e));
        return fdcache_errno_kerr(e);
    }
    fdcache_drop(&s->rfd);
    s->wfd = fd;
    return KERR_NONE;
}

/* s is no longer written (a newer segment took over): its indexes go to their files and its
 * fd is given up; reads reopen it through the fd cache. */
static void seg_deactivate(const plog_t *log, seg_t *s)
{
    seg_write_indexes(log, s, false); /* on failure they stay pending: retried at flush */
    if (s->wfd >= 0) close(s->wfd);
    s->wfd = -1;
}

/* A segment: a new, empty active one (create: its files are created, as Kafka's are), or an
 * existing one whose files are left closed until read. */
static seg_t *seg_open(plog_t *log, int64_t base, bool create, kerr_t *err)
{
    seg_t *s = calloc(1, sizeof(*s));
    if (!s) abort();
    s->base = base;
    s->wfd = -1;
    fdcache_ent_init(&s->rfd);
    s->next_offset = base;
    s->max_ts = -1;
    s->max_ts_offset = base;
    s->created_ms = ktime_wall_ms();
    char path[PATH_MAX];
    struct stat st;
    if (create) {
        s->idx_rewrite = true; /* whatever index files exist there are not this segment's */
        *err = seg_activate(log, s, true);
        if (!*err) *err = seg_write_indexes(log, s, false);
        if (!*err && fstat(s->wfd, &st) != 0) *err = KERR__IO;
    } else {
        seg_path(log, base, ".log", path, sizeof(path));
        *err = stat(path, &st) == 0 ? KERR_NONE : fdcache_errno_kerr(errno);
        if (*err) log_error("plog", "stat segment %s: %s", path, strerror(errno));
    }
    if (*err) {
        seg_close(s);
        return NULL;
    }
    s->size = st.st_size;
    if (!create) s->created_ms = (int64_t)st.st_mtime * 1000;
    return s;
}

/* Cut s's .log to len bytes (through its own fd when active, by path when closed). */
static int seg_truncate_file(const plog_t *log, seg_t *s, int64_t len)
{
    if (s->wfd >= 0) return ftruncate(s->wfd, len);
    char path[PATH_MAX];
    seg_path(log, s->base, ".log", path, sizeof(path));
    return truncate(path, len);
}

/* Rebuild the indexes of s from its log; with verify, check each batch's CRC and truncate at
 * the first bad or partial batch. *cut (may be NULL): the bytes truncated (0 when intact). */
static kerr_t seg_rebuild(plog_t *log, seg_t *s, bool verify, int64_t *cut)
{
    if (cut) *cut = 0;
    int fd = seg_fd(log, s);
    if (fd < 0) return fdcache_errno_kerr(errno);
    s->nidx = s->ntidx = 0;
    s->idx_rewrite = true;
    s->bytes_since_index = 0;
    s->max_ts = -1;
    s->next_offset = s->base;
    scan_t sc;
    scan_init(&sc, fd, s->size);
    int64_t pos = 0;
    uint8_t *bbuf = NULL;
    size_t bcap = 0;
    for (;;) {
        batch_hdr_t h;
        kerr_t err = scan_hdr(&sc, pos, &h);
        if (err) break;
        if (h.base_offset < s->next_offset && pos > 0) break; /* offsets must grow */
        if (verify) {
            size_t sz = batch_size(&h);
            if (sz > bcap) {
                bcap = sz;
                bbuf = realloc(bbuf, bcap);
                if (!bbuf) abort();
            }
            if (pread_full(fd, bbuf, sz, pos) != (ssize_t)sz) break;
            batch_hdr_t vh;
            if (batch_validate_stored(bbuf, sz, &vh) != KERR_NONE) break; /* gaps: compacted */
        }
        seg_index_batch(s, &h, pos, log->cfg.index_interval_bytes);
        pos += (int64_t)batch_size(&h);
    }
    free(bbuf);
    scan_free(&sc);
    if (s->size > pos) {
        if (seg_truncate_file(log, s, pos) != 0)
            log_error("plog", "truncate %s segment %" PRId64 ": %s", log->dir, s->base,
                      strerror(errno));
        if (cut) *cut = s->size - pos;
        s->size = pos;
    }
    /* rewrite the index files from memory at once, as they were found wanting */
    if (seg_write_indexes(log, s, false) != KERR_NONE)
        log_warn("plog", "rewriting the index files of %s segment %" PRId64 " failed", log->dir,
                 s->base);
    return KERR_NONE;
}

/* The whole of index file ext of s into *out (malloc'd, *len bytes); false when it cannot be
 * read. */
static bool seg_idx_file_read(const plog_t *log, const seg_t *s, const char *ext, uint8_t **out,
                              size_t *len)
{
    char path[PATH_MAX];
    seg_path(log, s->base, ext, path, sizeof(path));
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && st.st_size >= 0 && st.st_size <= INT32_MAX;
    if (ok) {
        *len = (size_t)st.st_size;
        *out = malloc(*len + 1);
        if (!*out) abort();
        ok = pread_full(fd, *out, *len, 0) == (ssize_t)*len;
    }
    close(fd);
    if (!ok) {
        free(*out);
        *out = NULL;
    }
    return ok;
}

/* Load indexes from their files; false when they are missing or inconsistent. Then scan from
 * the last indexed batch to find the segment's end. */
static bool seg_load_indexes(plog_t *log, seg_t *s)
{
    uint8_t *ib, *tb;
    size_t ilen, tlen;
    if (!seg_idx_file_read(log, s, ".index", &ib, &ilen)) return false;
    if (!seg_idx_file_read(log, s, ".timeindex", &tb, &tlen)) {
        free(ib);
        return false;
    }
    bool ok = ilen % 8 == 0 && tlen % 12 == 0 && !(s->size > 0 && ilen == 0);
    size_t ni = ilen / 8, nt = tlen / 12;
    for (size_t i = 0; ok && i < ni; i++) {
        uint32_t rel = bytes_get_be32(ib + i * 8), pos = bytes_get_be32(ib + i * 8 + 4);
        if ((int64_t)pos >= s->size ||
            (s->nidx && (rel < s->idx[s->nidx - 1].rel || pos <= s->idx[s->nidx - 1].pos))) {
            ok = false;
            break;
        }
        seg_idx_push(s, rel, pos);
    }
    for (size_t i = 0; ok && i < nt; i++) {
        const uint8_t *e = tb + i * 12;
        seg_tidx_push(s, bytes_get_be64(e), bytes_get_be32(e + 8));
        if (s->tidx[i].ts > s->max_ts) {
            s->max_ts = s->tidx[i].ts;
            s->max_ts_offset = s->base + s->tidx[i].rel;
        }
    }
    free(ib);
    free(tb);
    int fd = ok ? seg_fd(log, s) : -1;
    if (fd < 0) {
        s->nidx = s->ntidx = 0;
        s->max_ts = -1;
        return false;
    }
    s->idx_written = s->nidx;
    s->tidx_written = s->ntidx;
    /* Walk from the last indexed batch to the end: finds next_offset and max timestamp. */
    scan_t sc;
    scan_init(&sc, fd, s->size);
    int64_t pos = s->nidx ? s->idx[s->nidx - 1].pos : 0;
    s->bytes_since_index = 0;
    bool first = true;
    for (;;) {
        batch_hdr_t h;
        kerr_t err = scan_hdr(&sc, pos, &h);
        if (err) {
            ok = pos == s->size;
            break;
        }
        if (first && s->nidx && h.base_offset != s->base + s->idx[s->nidx - 1].rel) {
            ok = false;
            break;
        }
        first = false;
        if (h.max_timestamp > s->max_ts) {
            s->max_ts = h.max_timestamp;
            s->max_ts_offset = batch_last_offset(&h);
        }
        s->next_offset = batch_last_offset(&h) + 1;
        s->bytes_since_index += (int64_t)batch_size(&h);
        pos += (int64_t)batch_size(&h);
    }
    scan_free(&sc);
    (void)log;
    return ok;
}

/* ---------------------------------------------------------------- open / close */

static int plog_cmp_base(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void plog_push_seg(plog_t *log, seg_t *s)
{
    if (log->nsegs == log->capsegs) {
        log->capsegs = log->capsegs ? log->capsegs * 2 : 8;
        log->segs = realloc(log->segs, (size_t)log->capsegs * sizeof(seg_t *));
        if (!log->segs) abort();
    }
    log->segs[log->nsegs++] = s;
}

static seg_t *plog_active(const plog_t *log)
{
    return log->segs[log->nsegs - 1];
}

static void plog_free(plog_t *log, bool write_indexes);
static void plog_epochs_load(plog_t *log);
static void plog_epochs_truncate(plog_t *log, int64_t end);
static kerr_t plog_epochs_write(plog_t *log);
static void plog_epochs_sync(plog_t *log);

static void plog_unlink_seg_files(plog_t *log, int64_t base)
{
    static const char *const exts[] = {".log", ".index", ".timeindex", ".snapshot", NULL};
    char path[PATH_MAX];
    for (const char *const *e = exts; *e; e++) {
        seg_path(log, base, *e, path, sizeof(path));
        unlink(path);
    }
}

static void plog_finish_swaps(const char *dir);

/* A segment and its aborted transactions go together. */
static void plog_forget_seg(plog_t *log, int64_t base)
{
    char path[PATH_MAX];
    plog_unlink_seg_files(log, base);
    txnidx_drop_seg(log->txns, base);
    seg_path(log, base, ".txnindex", path, sizeof(path));
    unlink(path);
}

/* Load the .txnindex of every segment; those recovery re-read are rebuilt from the log by the
 * producer state's replay (pidmap_load from a snapshot at or before rebuilt_from), so their
 * old files go. */
static void plog_txns_load(plog_t *log)
{
    for (int i = 0; i < log->nsegs; i++) {
        seg_t *s = log->segs[i];
        if (s->base >= log->rebuilt_from) {
            char path[PATH_MAX];
            seg_path(log, s->base, ".txnindex", path, sizeof(path));
            unlink(path);
            continue;
        }
        txnidx_load_seg(log->txns, log->dir, s->base, s->size ? s->next_offset : s->base);
    }
}

kerr_t plog_open(const char *dir, const char *topic, int32_t partition, const plog_cfg_t *cfg,
                 int64_t recovery_point, int64_t log_start_offset, bool clean, plog_t **out)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        log_error("plog", "mkdir %s: %s", dir, strerror(errno));
        return KERR__IO;
    }
    plog_t *log = calloc(1, sizeof(*log));
    if (!log) abort();
    log->dir = strdup(dir);
    log->topic = strdup(topic);
    log->partition = partition;
    log->cfg = *cfg;
    log->last_flush_ms = ktime_wall_ms();
    log->txns = txnidx_new();
    log->rebuilt_from = INT64_MAX;
    log->first_unstable = PLOG_UNSTABLE_UNKNOWN;

    /* find segment base offsets */
    DIR *d = opendir(dir);
    if (!d) {
        kerr_t err = fdcache_errno_kerr(errno);
        log_error("plog", "open %s: %s", dir, strerror(errno));
        plog_free(log, false);
        return err;
    }
    plog_finish_swaps(dir);
    int64_t *bases = NULL;
    int nb = 0, capb = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l != 24 || strcmp(de->d_name + 20, ".log") != 0) {
            if (l > 8 && strcmp(de->d_name + l - 8, ".deleted") == 0) {
                char p[PATH_MAX];
                snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
                unlink(p);
            }
            continue;
        }
        char *end;
        long long b = strtoll(de->d_name, &end, 10);
        if (end != de->d_name + 20 || b < 0) continue;
        if (nb == capb) {
            capb = capb ? capb * 2 : 8;
            bases = realloc(bases, (size_t)capb * sizeof(int64_t));
            if (!bases) abort();
        }
        bases[nb++] = b;
    }
    closedir(d);
    if (nb > 1) qsort(bases, (size_t)nb, sizeof(int64_t), plog_cmp_base);

    kerr_t err = KERR_NONE;
    bool truncated = false;
    for (int i = 0; i < nb && !err; i++) {
        if (truncated) { /* everything after a torn segment is gone */
            plog_forget_seg(log, bases[i]);
            continue;
        }
        seg_t *s = seg_open(log, bases[i], false, &err);
        if (!s) break;
        /* the last one is the active one: read through its own fd, opened once */
        if (i == nb - 1 && (err = seg_activate(log, s, false)) != KERR_NONE) {
            seg_close(s);
            break;
        }
        int64_t seg_end_hint = i + 1 < nb ? bases[i + 1] : INT64_MAX;
        bool after_rp = seg_end_hint > recovery_point;
        if (!clean && after_rp) {
            if (bases[i] < log->rebuilt_from) log->rebuilt_from = bases[i];
            int64_t cut;
            err = seg_rebuild(log, s, true, &cut);
            if (!err && cut > 0) {
                log_warn("plog",
                         "recovery of %s-%d: truncated %" PRId64 " bytes of torn or "
                         "corrupt data at the end of segment %" PRId64 " (log end now "
                         "%" PRId64 ")",
                         topic, partition, cut, s->base, s->next_offset);
                truncated = true;
            }
        } else if (!seg_load_indexes(log, s)) {
            log_info("plog", "rebuilding indexes of %s-%d segment %" PRId64, topic, partition,
                     s->base);
            err = seg_rebuild(log, s, false, NULL);
        }
        plog_push_seg(log, s);
    }
    free(bases);
    if (!err && log->nsegs > 0) err = seg_activate(log, plog_active(log), false);
    if (err) {
        plog_free(log, false);
        return err;
    }
    /* drop empty non-active segments left by a crash during roll */
    if (log->nsegs == 0) {
        int64_t base = log_start_offset > 0 ? log_start_offset : 0;
        seg_t *s = seg_open(log, base, true, &err);
        if (!s) {
            plog_free(log, false);
            return err;
        }
        plog_push_seg(log, s);
    }
    seg_t *a = plog_active(log);
    log->end_offset = a->next_offset > a->base ? a->next_offset : a->base;
    if (a->size == 0 && log->nsegs > 1) log->end_offset = a->base;
    log->start_offset = log->segs[0]->base;
    if (log_start_offset > log->start_offset && log_start_offset <= log->end_offset)
        log->start_offset = log_start_offset;
    log->recovery_point =
        clean ? log->end_offset
              : (recovery_point < log->end_offset ? recovery_point : log->end_offset);
    if (!clean) log->recovery_point = log->end_offset; /* just verified */
    log->synced = clean;
    plog_epochs_load(log);
    plog_txns_load(log);
    *out = log;
    return KERR_NONE;
}

/* Free log; with write_indexes, the index entries not in their files yet are written first
 * (not when the files are about to be removed, or could not be opened). */
static void plog_free(plog_t *log, bool write_indexes)
{
    if (!log) return;
    for (int i = 0; i < log->nsegs; i++) {
        if (write_indexes) seg_write_indexes(log, log->segs[i], false);
        seg_close(log->segs[i]);
    }
    free(log->segs);
    free(log->epochs);
    txnidx_free(log->txns);
    free(log->dir);
    free(log->topic);
    free(log);
}

void plog_close(plog_t *log)
{
    plog_free(log, true);
}

int64_t plog_start_offset(const plog_t *log)
{
    return log->start_offset;
}
int64_t plog_end_offset(const plog_t *log)
{
    return log->end_offset;
}
int64_t plog_recovery_point(const plog_t *log)
{
    return log->recovery_point;
}
const char *plog_topic(const plog_t *log)
{
    return log->topic;
}
int32_t plog_partition(const plog_t *log)
{
    return log->partition;
}
const char *plog_dir(const plog_t *log)
{
    return log->dir;
}
int plog_segment_count(const plog_t *log)
{
    return log->nsegs;
}

int64_t plog_size_bytes(const plog_t *log)
{
    int64_t n = 0;
    for (int i = 0; i < log->nsegs; i++) n += log->segs[i]->size;
    return n;
}

void plog_set_cfg(plog_t *log, const plog_cfg_t *cfg)
{
    log->cfg = *cfg;
}

/* ---------------------------------------------------------------- append */

static kerr_t plog_roll(plog_t *log, int64_t now_ms)
{
    seg_t *old = plog_active(log);
    if (old->size == 0) return KERR_NONE;
    kerr_t err;
    seg_t *s = seg_open(log, log->end_offset, true, &err);
    if (!s) return err;
    s->created_ms = now_ms;
    seg_deactivate(log, old);
    plog_push_seg(log, s);
    log_debug("plog", "rolled %s-%d: new segment %" PRId64, log->topic, log->partition, s->base);
    return KERR_NONE;
}

static bool plog_needs_roll(plog_t *log, size_t len, int64_t now_ms, int64_t last_offset)
{
    seg_t *a = plog_active(log);
    if (a->size == 0) return false;
    if (a->size + (int64_t)len > log->cfg.segment_bytes) return true;
    if (now_ms - a->created_ms >= log->cfg.segment_ms) return true;
    if (last_offset - a->base > INT32_MAX) return true;
    if ((int64_t)(a->nidx + 1) * 8 > log->cfg.segment_index_bytes) return true;
    return false;
}

static kerr_t plog_write(plog_t *log, uint8_t *buf, size_t len, int64_t now_ms,
                         plog_append_info_t *info, bool assign, int32_t leader_epoch)
{
    /* first pass: offsets (stamped when assigning) */
    int64_t next = log->end_offset;
    size_t off = 0;
    /* a new leader's epoch reaches the file before the first batch written in it */
    if (log->epochs_unwritten) {
        kerr_t err = plog_epochs_write(log); /* no batch before its epoch is in the file */
        if (err) return err;
    }
    if (log->epochs_lazy) { /* the epoch gets a batch: it must now survive a crash */
        log->epochs_dirty = true;
        log->epochs_lazy = false;
    }
    memset(info, 0, sizeof(*info));
    info->first_offset = -1;
    info->max_timestamp = -1;
    while (off < len) {
        batch_hdr_t h;
        if (batch_hdr_parse(buf + off, len - off, &h) != KERR_NONE) return KERR__BAD_MSG;
        if (assign) {
            batch_set_base_offset(buf + off, next);
            batch_set_leader_epoch(buf + off, leader_epoch);
            h.base_offset = next;
        } else if (h.base_offset < next) {
            return KERR__INVAL;
        }
        if (info->first_offset < 0) info->first_offset = h.base_offset;
        next = batch_last_offset(&h) + 1;
        info->last_offset = next - 1;
        if (h.max_timestamp > info->max_timestamp) {
            info->max_timestamp = h.max_timestamp;
            info->offset_of_max_timestamp = next - 1;
        }
        info->batches++;
        info->records += h.record_count;
        off += batch_size(&h);
    }
    if (info->batches == 0) return KERR__BAD_MSG;
    if (plog_needs_roll(log, len, now_ms, info->last_offset)) {
        kerr_t err = plog_roll(log, now_ms);
        if (err) return err;
    }
    seg_t *s = plog_active(log);
    if (pwrite_all(s->wfd, buf, len, (off_t)s->size) != 0) {
        log_error("plog", "write to %s segment %" PRId64 " failed: %s", log->dir, s->base,
                  strerror(errno));
        if (ftruncate(s->wfd, s->size) != 0) { /* undo a partial write */
        }
        return KERR__IO;
    }
    off = 0;
    while (off < len) {
        batch_hdr_t h;
        batch_hdr_parse(buf + off, len - off, &h);
        seg_index_batch(s, &h, s->size + (int64_t)off, log->cfg.index_interval_bytes);
        off += batch_size(&h);
    }
    s->size += (int64_t)len;
    log->end_offset = next;
    log->synced = false;
    log->unflushed_msgs += info->records;
    if (!assign) {
        /* a follower learns the leader epochs from the batches it copies (KIP-101) */
        off = 0;
        while (off < len) {
            batch_hdr_t h;
            batch_hdr_parse(buf + off, len - off, &h);
            if (h.partition_leader_epoch >= 0 &&
                (log->nepochs == 0 ||
                 log->epochs[log->nepochs - 1].epoch < h.partition_leader_epoch))
                plog_epoch_assign(log, h.partition_leader_epoch, h.base_offset);
            off += batch_size(&h);
        }
    }
    return KERR_NONE;
}

kerr_t plog_append(plog_t *log, uint8_t *buf, size_t len, int32_t leader_epoch, int64_t now_ms,
                   plog_append_info_t *info)
{
    return plog_write(log, buf, len, now_ms, info, true, leader_epoch);
}

kerr_t plog_append_replica(plog_t *log, uint8_t *buf, size_t len, plog_append_info_t *info)
{
    return plog_write(log, buf, len, ktime_wall_ms(), info, false, 0);
}

/* ---------------------------------------------------------------- read */

/* Index of the segment containing offset (largest base <= offset). */
static int plog_find_seg(const plog_t *log, int64_t offset)
{
    int lo = 0, hi = log->nsegs - 1, ans = 0;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (log->segs[mid]->base <= offset) {
            ans = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return ans;
}

/* Position of the last index entry with relative offset <= rel. */
static int64_t seg_index_lookup(const seg_t *s, uint32_t rel)
{
    if (s->nidx == 0) return 0;
    size_t lo = 0, hi = s->nidx;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (s->idx[mid].rel <= rel)
            lo = mid;
        else
            hi = mid;
    }
    return s->idx[lo].rel <= rel ? s->idx[lo].pos : 0;
}

kerr_t plog_read(plog_t *log, int64_t offset, size_t max_bytes, int64_t max_offset,
                 plog_slice_t *out)
{
    if (offset < log->start_offset || offset > log->end_offset) return KERR_OFFSET_OUT_OF_RANGE;
    int si = plog_find_seg(log, offset);
    seg_t *s = log->segs[si];
    memset(out, 0, sizeof(*out));
    out->fd = -1;
    out->first_offset = offset;
    if (offset >= log->end_offset || offset >= max_offset) return KERR_NONE;
    /* an offset past this segment's last batch continues in the next segment */
    while (offset >= s->next_offset && si + 1 < log->nsegs) s = log->segs[++si];
    int fd = seg_fd(log, s);
    if (fd < 0) return fdcache_errno_kerr(errno); /* EMFILE: this read fails, the dir stays */
    out->fd = fd;
    scan_t sc;
    scan_init(&sc, fd, s->size);
    int64_t pos = seg_index_lookup(s, offset > s->base ? (uint32_t)(offset - s->base) : 0);
    kerr_t err = KERR_NONE;
    batch_hdr_t h;
    /* skip to the batch containing offset */
    for (;;) {
        err = scan_hdr(&sc, pos, &h);
        if (err) break;
        if (batch_last_offset(&h) >= offset) break;
        pos += (int64_t)batch_size(&h);
    }
    if (err) {
        scan_free(&sc);
        return err == KERR__AGAIN ? KERR_NONE : KERR__IO;
    }
    out->pos = (off_t)pos;
    out->first_offset = h.base_offset;
    size_t total = 0;
    for (;;) {
        if (h.base_offset >= max_offset) break;
        size_t sz = batch_size(&h);
        if (total > 0 && total + sz > max_bytes) break;
        total += sz;
        if (total >= max_bytes) break;
        pos += (int64_t)sz;
        if (scan_hdr(&sc, pos, &h) != KERR_NONE) break;
    }
    scan_free(&sc);
    out->len = total;
    return KERR_NONE;
}

/* First record of the batch at pos (read into memory) with timestamp >= ts. */
static bool plog_batch_find_ts(int fd, int64_t pos, const batch_hdr_t *h, int64_t ts,
                               int64_t *offset, int64_t *found)
{
    if (batch_codec(h) != BATCH_CODEC_NONE || (h->attributes & BATCH_ATTR_LOG_APPEND_TIME)) {
        *offset = h->base_offset;
        *found = h->max_timestamp;
        return h->max_timestamp >= ts;
    }
    size_t sz = batch_size(h);
    uint8_t *b = malloc(sz);
    if (!b) abort();
    bool ok = false;
    if (pread_full(fd, b, sz, pos) == (ssize_t)sz) {
        rbuf_t rb;
        rbuf_init(&rb, b + BATCH_HDR_SIZE, sz - BATCH_HDR_SIZE);
        batch_rec_t r;
        while (batch_rec_next(&rb, &r)) {
            int64_t t = h->base_timestamp + r.timestamp_delta;
            if (t >= ts) {
                *offset = h->base_offset + r.offset_delta;
                *found = t;
                ok = true;
                break;
            }
        }
    }
    free(b);
    return ok;
}

kerr_t plog_offset_for_time(plog_t *log, int64_t ts, int64_t *offset, int64_t *timestamp)
{
    for (int i = 0; i < log->nsegs; i++) {
        seg_t *s = log->segs[i];
        if (s->max_ts < ts) continue;
        /* start from the last time index entry below ts */
        int64_t pos = 0;
        for (size_t k = 0; k < s->ntidx && s->tidx[k].ts < ts; k++)
            pos = seg_index_lookup(s, s->tidx[k].rel);
        int fd = seg_fd(log, s);
        if (fd < 0) return fdcache_errno_kerr(errno);
        scan_t sc;
        scan_init(&sc, fd, s->size);
        batch_hdr_t h;
        bool found = false;
        while (scan_hdr(&sc, pos, &h) == KERR_NONE) {
            if (h.max_timestamp >= ts && batch_last_offset(&h) >= log->start_offset &&
                plog_batch_find_ts(fd, pos, &h, ts, offset, timestamp)) {
                found = true;
                break;
            }
            pos += (int64_t)batch_size(&h);
        }
        scan_free(&sc);
        if (found) {
            if (*offset < log->start_offset) *offset = log->start_offset;
            return KERR_NONE;
        }
    }
    return KERR__NOENT;
}

kerr_t plog_max_timestamp(plog_t *log, int64_t *offset, int64_t *timestamp)
{
    int64_t best = -1, boff = -1;
    for (int i = 0; i < log->nsegs; i++) {
        if (log->segs[i]->max_ts > best) {
            best = log->segs[i]->max_ts;
            boff = log->segs[i]->max_ts_offset;
        }
    }
    if (boff < 0) return KERR__NOENT;
    *offset = boff;
    *timestamp = best;
    return KERR_NONE;
}

/* ---------------------------------------------------------------- retention, truncation */

static void plog_drop_first_seg(plog_t *log)
{
    seg_t *s = log->segs[0];
    int64_t base = s->base;
    seg_close(s);
    memmove(log->segs, log->segs + 1, (size_t)(log->nsegs - 1) * sizeof(seg_t *));
    log->nsegs--;
    plog_forget_seg(log, base);
    int64_t ns = log->segs[0]->base;
    if (ns > log->start_offset) log->start_offset = ns;
}

int plog_retention(plog_t *log, int64_t now_ms)
{
    int deleted = 0;
    seg_t *a = plog_active(log);
    if (a->size > 0 && now_ms - a->created_ms >= log->cfg.segment_ms) plog_roll(log, now_ms);
    while (log->nsegs > 1 && (log->cfg.cleanup_policy & PLOG_CLEANUP_DELETE)) {
        seg_t *s = log->segs[0];
        bool by_time = log->cfg.retention_ms >= 0 && s->max_ts >= 0 &&
                       now_ms - s->max_ts > log->cfg.retention_ms;
        bool by_size = log->cfg.retention_bytes >= 0 &&
                       plog_size_bytes(log) - s->size >= log->cfg.retention_bytes;
        if (!by_time && !by_size) break;
        log_info("plog", "deleting segment %" PRId64 " of %s-%d (retention by %s)", s->base,
                 log->topic, log->partition, by_time ? "time" : "size");
        plog_drop_first_seg(log);
        deleted++;
    }
    return deleted;
}

kerr_t plog_advance_start(plog_t *log, int64_t offset, int *deleted)
{
    if (deleted) *deleted = 0;
    if (offset < 0 || offset > log->end_offset) return KERR_OFFSET_OUT_OF_RANGE;
    if (offset <= log->start_offset) return KERR_NONE;
    log->start_offset = offset;
    /* whole segments below the new start go (Kafka's "log start offset breach"); the
     * active segment stays, as Kafka keeps it */
    while (log->nsegs > 1 && log->segs[1]->base <= offset) {
        log_info("plog",
                 "deleting segment %" PRId64 " of %s-%d (below log start offset %" PRId64 ")",
                 log->segs[0]->base, log->topic, log->partition, offset);
        plog_drop_first_seg(log);
        if (deleted) (*deleted)++;
    }
    return KERR_NONE;
}

kerr_t plog_truncate_to(plog_t *log, int64_t offset)
{
    if (offset >= log->end_offset) return KERR_NONE;
    /* the segment that will be the active one is opened for writing before anything goes, so
     * running out of fds leaves the log as it was */
    int keep = log->nsegs - 1;
    while (keep > 0 && log->segs[keep]->base >= offset) keep--;
    kerr_t err = seg_activate(log, log->segs[keep], false);
    if (err) return err;
    while (log->nsegs > keep + 1) {
        seg_t *s = plog_active(log);
        int64_t base = s->base;
        seg_close(s);
        log->nsegs--;
        plog_forget_seg(log, base);
    }
    txnidx_truncate(log->txns, log->dir, offset);
    seg_t *s = plog_active(log);
    scan_t sc;
    scan_init(&sc, s->wfd, s->size);
    int64_t pos = seg_index_lookup(s, offset > s->base ? (uint32_t)(offset - s->base) : 0);
    batch_hdr_t h;
    while (scan_hdr(&sc, pos, &h) == KERR_NONE && h.base_offset < offset)
        pos += (int64_t)batch_size(&h);
    scan_free(&sc);
    if (ftruncate(s->wfd, pos) != 0) return KERR__IO;
    s->size = pos;
    seg_rebuild(log, s, false, NULL);
    log->end_offset = s->size ? s->next_offset : s->base;
    if (log->end_offset < offset && s->size == 0) log->end_offset = s->base;
    if (log->recovery_point > log->end_offset) log->recovery_point = log->end_offset;
    if (log->start_offset > log->end_offset) log->start_offset = log->end_offset;
    log->synced = false;
    plog_epochs_truncate(log, log->end_offset);
    return KERR_NONE;
}

kerr_t plog_reset(plog_t *log, int64_t offset)
{
    kerr_t err;
    seg_t *s = seg_open(log, offset, true, &err);
    if (!s) return err;
    while (log->nsegs > 0) {
        seg_t *old = log->segs[--log->nsegs];
        int64_t base = old->base;
        seg_close(old);
        if (base != offset) plog_forget_seg(log, base);
    }
    txnidx_truncate(log->txns, log->dir, -1);
    /* seg_open left the index files empty (a new segment's) */
    if (ftruncate(s->wfd, 0) != 0) {
        seg_close(s);
        return KERR__IO;
    }
    s->size = 0;
    plog_push_seg(log, s);
    log->start_offset = log->end_offset = log->recovery_point = offset;
    log->synced = false;
    log->nepochs = 0;
    plog_epochs_write(log);
    log_info("plog", "%s-%d reset: empty log starting at offset %" PRId64, log->topic,
             log->partition, offset);
    return KERR_NONE;
}

kerr_t plog_flush(plog_t *log)
{
    kerr_t err = KERR_NONE;
    /* as Kafka's, only what changed: a log nothing was written to since its last flush costs
     * no fsync (10,000 idle partitions made a clean shutdown take minutes) */
    for (int i = 0; i < log->nsegs && !log->synced; i++) {
        seg_t *s = log->segs[i];
        if (s->base + 0 < log->recovery_point && i + 1 < log->nsegs &&
            log->segs[i + 1]->base <= log->recovery_point)
            continue; /* already durable */
        int fd = seg_fd(log, s);
        kerr_t e = fd < 0 ? fdcache_errno_kerr(errno) : KERR_NONE;
        if (!e && fdatasync(fd) != 0) e = KERR__IO;
        if (!e) e = seg_write_indexes(log, s, true);
        if (e && !err) err = e;
    }
    if (txnidx_sync(log->txns, log->dir) != KERR_NONE) err = KERR__IO;
    if (!err) {
        log->recovery_point = log->end_offset;
        log->synced = true;
    }
    if (log->epochs_unwritten) {
        /* epochs no batch is in yet need not survive a crash (plog.h): into the file, synced
         * once a batch is written in them */
        bool dirty = log->epochs_dirty;
        plog_epochs_write(log);
        log->epochs_dirty = dirty;
        log->epochs_lazy = !dirty;
    }
    plog_epochs_sync(log);
    log->unflushed_msgs = 0;
    log->last_flush_ms = ktime_wall_ms();
    return err;
}

bool plog_maybe_flush(plog_t *log, int64_t now_ms, kerr_t *err)
{
    if (err) *err = KERR_NONE;
    if (log->unflushed_msgs == 0) return false;
    if (log->unflushed_msgs < log->cfg.flush_messages &&
        (log->cfg.flush_ms == INT64_MAX || now_ms - log->last_flush_ms < log->cfg.flush_ms))
        return false;
    kerr_t e = plog_flush(log);
    if (err) *err = e;
    return true;
}

void plog_uuid_hex(char out[33])
{
    uint8_t r[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, r, 16) != 16) memset(r, 0x5a, 16);
    if (fd >= 0) close(fd);
    for (int i = 0; i < 16; i++) snprintf(out + 2 * i, 3, "%02x", r[i]);
}

kerr_t plog_rename_dir(plog_t *log, const char *new_dir)
{
    if (rename(log->dir, new_dir) != 0) {
        log_error("plog", "rename %s to %s: %s", log->dir, new_dir, strerror(errno));
        return KERR__IO;
    }
    char *d = strdup(new_dir);
    if (!d) abort();
    free(log->dir);
    log->dir = d; /* open segment fds stay valid; new files go to the new path */
    return KERR_NONE;
}

void plog_copy_epochs(plog_t *dst, const plog_t *src)
{
    epoch_ent_t *e = calloc((size_t)src->nepochs + 1, sizeof(*e));
    if (!e) abort();
    memcpy(e, src->epochs, (size_t)src->nepochs * sizeof(*e));
    free(dst->epochs);
    dst->epochs = e;
    dst->nepochs = src->nepochs; /* including an epoch begun at the end with no batch yet */
    plog_epochs_write(dst);
}

kerr_t plog_delete(plog_t *log)
{
    char uuid[33];
    plog_uuid_hex(uuid);
    char gone[PATH_MAX];
    snprintf(gone, sizeof(gone), "%s.%s-delete", log->dir, uuid);
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", log->dir);
    plog_free(log, false);
    if (rename(dir, gone) != 0) return KERR__IO;
    return rm_rf(gone) == 0 ? KERR_NONE : KERR__IO;
}

/* ---------------------------------------------------------------- leader epochs */

/* KERR_NONE, or the kerr of a file that could not be created (the write is retried). */
static kerr_t plog_epochs_write(plog_t *log)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    snprintf(path, sizeof(path), "%s/leader-epoch-checkpoint", log->dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) { /* out of fds, say: the next write or flush tries again */
        kerr_t err = fdcache_errno_kerr(errno);
        log_warn("plog", "write %s: %s", tmp, strerror(errno));
        log->epochs_unwritten = true;
        log->epochs_dirty = true; /* once written, synced at the next flush */
        return err;
    }
    fprintf(f, "0\n%d\n", log->nepochs);
    for (int i = 0; i < log->nepochs; i++)
        fprintf(f, "%d %" PRId64 "\n", log->epochs[i].epoch, log->epochs[i].start);
    /* no fsync here: a new leader epoch is written on the reactor for every partition that
     * changes leader (1,000 fsyncs for 1,000 partitions); the file is as durable as the log
     * it describes, which is synced by plog_flush() (flush policy, clean shutdown) */
    fclose(f);
    rename(tmp, path);
    log->epochs_dirty = true;
    log->epochs_unwritten = false;
    log->epochs_lazy = false;
    return KERR_NONE;
}

/* fsync the leader-epoch-checkpoint written since the last flush. */
static void plog_epochs_sync(plog_t *log)
{
    if (!log->epochs_dirty) return;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/leader-epoch-checkpoint", log->dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    log->epochs_dirty = false;
}

static void plog_epochs_load(plog_t *log)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/leader-epoch-checkpoint", log->dir);
    FILE *f = fopen(path, "r");
    if (!f) return;
    int version, n;
    if (fscanf(f, "%d %d", &version, &n) == 2 && version == 0 && n >= 0 && n < 1000000) {
        log->epochs = calloc((size_t)n + 1, sizeof(epoch_ent_t));
        if (!log->epochs) abort();
        for (int i = 0; i < n; i++) {
            int e;
            long long s;
            if (fscanf(f, "%d %lld", &e, &s) != 2) break;
            if (s > log->end_offset) break; /* entries past a truncated end are stale */
            log->epochs[log->nepochs++] = (epoch_ent_t){e, s};
        }
    }
    fclose(f);
}

/* Add epoch to the cache when it is newer than the latest; false when it is not. */
static bool plog_epoch_add(plog_t *log, int32_t epoch, int64_t start_offset)
{
    if (log->nepochs > 0 && log->epochs[log->nepochs - 1].epoch >= epoch) return false;
    epoch_ent_t *e = realloc(log->epochs, (size_t)(log->nepochs + 1) * sizeof(*e));
    if (!e) abort();
    log->epochs = e;
    log->epochs[log->nepochs++] = (epoch_ent_t){epoch, start_offset};
    return true;
}

kerr_t plog_epoch_assign(plog_t *log, int32_t epoch, int64_t start_offset)
{
    if (plog_epoch_add(log, epoch, start_offset)) plog_epochs_write(log);
    return KERR_NONE;
}

void plog_epoch_begin(plog_t *log, int32_t epoch, int64_t start_offset)
{
    if (plog_epoch_add(log, epoch, start_offset)) log->epochs_unwritten = true;
}

int64_t plog_epoch_end_offset(plog_t *log, int32_t epoch, int32_t *found_epoch)
{
    *found_epoch = -1;
    if (epoch < 0 || log->nepochs == 0) return -1;
    if (log->epochs[log->nepochs - 1].epoch == epoch) {
        *found_epoch = epoch;
        return log->end_offset;
    }
    /* the first entry above the requested epoch ends it */
    int hi = -1;
    for (int i = 0; i < log->nepochs; i++)
        if (log->epochs[i].epoch > epoch) {
            hi = i;
            break;
        }
    if (hi < 0) return -1; /* newer than anything we know: undefined */
    if (hi == 0) {
        *found_epoch = epoch; /* older than our first epoch: it ended where ours began */
        return log->epochs[0].start;
    }
    *found_epoch = log->epochs[hi - 1].epoch;
    return log->epochs[hi].start;
}

int32_t plog_latest_epoch(const plog_t *log)
{
    return log->nepochs ? log->epochs[log->nepochs - 1].epoch : -1;
}

/* Drop cached epochs that start at or after end (the log was cut there). */
static void plog_epochs_truncate(plog_t *log, int64_t end)
{
    int n = log->nepochs;
    while (n > 0 && log->epochs[n - 1].start >= end) n--;
    if (n == log->nepochs) return;
    log->nepochs = n;
    plog_epochs_write(log);
}

kerr_t plog_foreach_batch(plog_t *log, int64_t from, plog_batch_fn *fn, void *arg)
{
    for (int i = 0; i < log->nsegs; i++) {
        seg_t *s = log->segs[i];
        if (i + 1 < log->nsegs && log->segs[i + 1]->base <= from) continue;
        int fd = seg_fd(log, s);
        if (fd < 0) return fdcache_errno_kerr(errno);
        scan_t sc;
        scan_init(&sc, fd, s->size);
        int64_t pos = 0;
        if (from > s->base) pos = seg_index_lookup(s, (uint32_t)(from - s->base));
        batch_hdr_t h;
        kerr_t err = KERR_NONE;
        while (pos < s->size && (err = scan_hdr(&sc, pos, &h)) == KERR_NONE) {
            if (batch_last_offset(&h) >= from) {
                /* a control batch (a transaction marker, a few dozen bytes) comes whole */
                size_t n = (h.attributes & BATCH_ATTR_CONTROL) ? batch_size(&h) : BATCH_HDR_SIZE;
                const uint8_t *p = scan_bytes(&sc, pos, n);
                if (p) fn(arg, &h, p, n);
            }
            pos += (int64_t)batch_size(&h);
        }
        scan_free(&sc);
        if (err && pos < s->size) return KERR__CORRUPT;
    }
    return KERR_NONE;
}

/* ---------------------------------------------------------------- log cleaner support */

/* After a crash during plog_replace_segment: a .swap file is a complete cleaned segment whose
 * old files may or may not be gone; finish the rename. A .cleaned file is an unfinished one. */
static void plog_finish_swaps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        char p[PATH_MAX], q[PATH_MAX];
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (l > 8 && strcmp(de->d_name + l - 8, ".cleaned") == 0) {
            unlink(p);
        } else if (l == 29 && strcmp(de->d_name + 20, ".log.swap") == 0) {
            snprintf(q, sizeof(q), "%s/%.24s", dir, de->d_name);
            if (rename(p, q) != 0) log_warn("plog", "finish swap %s: %s", p, strerror(errno));
            snprintf(q, sizeof(q), "%s/%.20s.index", dir, de->d_name); /* rebuilt at open */
            unlink(q);
            snprintf(q, sizeof(q), "%s/%.20s.timeindex", dir, de->d_name);
            unlink(q);
        }
    }
    closedir(d);
}

const plog_cfg_t *plog_cfg(const plog_t *log)
{
    return &log->cfg;
}

kerr_t plog_segment_info(const plog_t *log, int i, plog_seg_info_t *out)
{
    if (i < 0 || i >= log->nsegs) return KERR__NOENT;
    seg_t *s = log->segs[i];
    out->base = s->base;
    out->next_offset = s->next_offset;
    out->size = s->size;
    out->max_ts = s->max_ts;
    out->fd = seg_fd(log, s);
    return out->fd < 0 ? fdcache_errno_kerr(errno) : KERR_NONE;
}

kerr_t plog_replace_segment(plog_t *log, int64_t base, const char *cleaned_path)
{
    int i = 0;
    while (i < log->nsegs - 1 && log->segs[i]->base != base) i++;
    if (i >= log->nsegs - 1) return KERR__NOENT; /* not found, or the active segment */
    char swap[PATH_MAX], path[PATH_MAX];
    seg_path(log, base, ".log.swap", swap, sizeof(swap));
    seg_path(log, base, ".log", path, sizeof(path));
    if (rename(cleaned_path, swap) != 0) return KERR__IO;
    seg_close(log->segs[i]);
    plog_unlink_seg_files(log, base);
    struct stat st;
    if (stat(swap, &st) == 0 && st.st_size == 0) { /* nothing left in this segment */
        unlink(swap);
        plog_forget_seg(log, base);
        memmove(log->segs + i, log->segs + i + 1, (size_t)(log->nsegs - i - 1) * sizeof(seg_t *));
        log->nsegs--;
        if (i == 0 && log->segs[0]->base > log->start_offset)
            log->start_offset = log->segs[0]->base;
        return KERR_NONE;
    }
    kerr_t err = rename(swap, path) == 0 ? KERR_NONE : KERR__IO;
    seg_t *s = err ? NULL : seg_open(log, base, false, &err);
    if (s) err = seg_rebuild(log, s, false, NULL);
    if (err) { /* the data is on disk; without it open the log cannot serve this range */
        seg_close(s);
        memmove(log->segs + i, log->segs + i + 1, (size_t)(log->nsegs - i - 1) * sizeof(seg_t *));
        log->nsegs--;
        return err;
    }
    log->segs[i] = s;
    return KERR_NONE;
}

/* ---------------------------------------------------------------- aborted transactions */

int64_t plog_rebuilt_from(const plog_t *log)
{
    return log->rebuilt_from;
}

void plog_set_first_unstable(plog_t *log, int64_t offset)
{
    log->first_unstable = offset;
}

int64_t plog_first_unstable(const plog_t *log)
{
    return log->first_unstable;
}

void plog_copy_txns(plog_t *dst, const plog_t *src)
{
    size_t n = txnidx_collect(src->txns, dst->start_offset, INT64_MAX, NULL, 0);
    txnidx_ent_t *e = calloc(n + 1, sizeof(*e));
    if (!e) abort();
    n = txnidx_collect(src->txns, dst->start_offset, INT64_MAX, e, n);
    for (size_t i = 0; i < n; i++)
        if (e[i].last_offset < dst->end_offset)
            plog_txn_aborted(dst, e[i].producer_id, e[i].first_offset, e[i].last_offset, e[i].lso);
    free(e);
    dst->first_unstable = src->first_unstable;
}

kerr_t plog_txn_aborted(plog_t *log, int64_t producer_id, int64_t first_offset, int64_t last_offset,
                        int64_t lso)
{
    txnidx_ent_t e = {
        .producer_id = producer_id,
        .first_offset = first_offset,
        .last_offset = last_offset,
        .lso = lso,
        .seg_base = log->segs[plog_find_seg(log, last_offset)]->base,
    };
    return txnidx_add(log->txns, log->dir, &e);
}

int64_t plog_slice_end_bound(const plog_t *log, const plog_slice_t *sl)
{
    const seg_t *s = log->segs[plog_find_seg(log, sl->first_offset)];
    uint64_t end = (uint64_t)sl->pos + sl->len;
    size_t lo = 0, hi = s->nidx; /* the first indexed batch starting at or after the end */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->idx[mid].pos < end)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->nidx ? s->base + s->idx[lo].rel : s->next_offset;
}

size_t plog_aborted_txns(const plog_t *log, int64_t from, int64_t upto, txnidx_ent_t *out,
                         size_t max)
{
    return txnidx_collect(log->txns, from, upto, out, max);
}
