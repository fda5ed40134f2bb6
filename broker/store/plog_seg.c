/* plog_seg.c: a partition log's segments as files: naming, opening for append or for reads
 * (through the fd cache), closing and removing them, and the buffered scanner that reads
 * their batch headers (one pread per 64 KiB, so a fetch of many small batches costs a few
 * syscalls, not one per batch). Recovery's re-read of a segment (plog_seg_rebuild) is here
 * too, as it is a scan of the log file; the indexes it fills are plog_index.c's.
 *
 * File descriptors: only the active segment keeps its .log open (appends). A closed segment's
 * .log is opened for reads through the fd cache (fdcache.h). */
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
#include "plog_int.h"

void plog_seg_path(const plog_t *log, int64_t base, const char *ext, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%020" PRId64 "%s", log->dir, base, ext);
}

/* ---------------------------------------------------------------- header scanner */

void plog_scan_init(plog_scan_t *s, int fd, int64_t file_size)
{
    s->fd = fd;
    s->file_size = file_size;
    s->buf = malloc(PLOG_SCAN_BUF);
    if (!s->buf) abort();
    s->buf_off = 0;
    s->buf_len = 0;
}

void plog_scan_free(plog_scan_t *s)
{
    free(s->buf);
}

/* Unless the buffer holds [pos, pos + n), refill it from pos (less at the end of the file).
 * 0, or -1 on a read error. */
static int plog_scan_fill(plog_scan_t *s, int64_t pos, size_t n)
{
    if (pos >= s->buf_off && pos + (int64_t)n <= s->buf_off + (int64_t)s->buf_len) return 0;
    ssize_t r = pread_full(s->fd, s->buf, PLOG_SCAN_BUF, pos);
    if (r < 0) return -1;
    s->buf_off = pos;
    s->buf_len = (size_t)r;
    return 0;
}

/* Header of the batch at pos: KERR_NONE, KERR__AGAIN at a partial batch (end of data),
 * KERR__BAD_MSG when it cannot be a batch. */
kerr_t plog_scan_hdr(plog_scan_t *s, int64_t pos, batch_hdr_t *h)
{
    if (pos + BATCH_LOG_OVERHEAD > s->file_size) return KERR__AGAIN;
    if (plog_scan_fill(s, pos, PLOG_HDR_NEED) != 0) return KERR__IO;
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
const uint8_t *plog_scan_bytes(plog_scan_t *s, int64_t pos, size_t n)
{
    if (n > PLOG_SCAN_BUF) return NULL;
    if (plog_scan_fill(s, pos, n) != 0) return NULL;
    if (pos + (int64_t)n > s->buf_off + (int64_t)s->buf_len) return NULL;
    return s->buf + (pos - s->buf_off);
}

/* ---------------------------------------------------------------- segments */

/* Out of fds is logged at most every 10 s: a fetch per partition would otherwise log each. */
void plog_warn_open(const char *path, int err)
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
int plog_seg_fd(const plog_t *log, seg_t *s)
{
    if (s->wfd >= 0) return s->wfd;
    char path[PATH_MAX];
    plog_seg_path(log, s->base, ".log", path, sizeof(path));
    int fd = fdcache_get(&s->rfd, path);
    if (fd < 0) {
        int e = errno;
        plog_warn_open(path, e);
        errno = e;
    }
    return fd;
}

void plog_seg_close(seg_t *s)
{
    if (!s) return;
    fdcache_drop(&s->rfd);
    if (s->wfd >= 0) close(s->wfd);
    free(s->idx);
    free(s->tidx);
    free(s);
}

/* Make s the segment appends go to: its .log opened read-write (created when create). */
kerr_t plog_seg_activate(const plog_t *log, seg_t *s, bool create)
{
    if (s->wfd >= 0) return KERR_NONE;
    char path[PATH_MAX];
    plog_seg_path(log, s->base, ".log", path, sizeof(path));
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
void plog_seg_deactivate(const plog_t *log, seg_t *s)
{
    plog_seg_write_indexes(log, s, false); /* on failure they stay pending: retried at flush */
    if (s->wfd >= 0) close(s->wfd);
    s->wfd = -1;
}

/* A segment: a new, empty active one (create: its files are created, as Kafka's are), or an
 * existing one whose files are left closed until read. */
seg_t *plog_seg_open(plog_t *log, int64_t base, bool create, kerr_t *err)
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
        *err = plog_seg_activate(log, s, true);
        if (!*err) *err = plog_seg_write_indexes(log, s, false);
        if (!*err && fstat(s->wfd, &st) != 0) *err = KERR__IO;
    } else {
        plog_seg_path(log, base, ".log", path, sizeof(path));
        *err = stat(path, &st) == 0 ? KERR_NONE : fdcache_errno_kerr(errno);
        if (*err) log_error("plog", "stat segment %s: %s", path, strerror(errno));
    }
    if (*err) {
        plog_seg_close(s);
        return NULL;
    }
    s->size = st.st_size;
    if (!create) s->created_ms = (int64_t)st.st_mtime * 1000;
    return s;
}

/* Cut s's .log to len bytes (through its own fd when active, by path when closed). */
static int plog_seg_truncate_file(const plog_t *log, seg_t *s, int64_t len)
{
    if (s->wfd >= 0) return ftruncate(s->wfd, len);
    char path[PATH_MAX];
    plog_seg_path(log, s->base, ".log", path, sizeof(path));
    return truncate(path, len);
}

/* Rebuild the indexes of s from its log; with verify, check each batch's CRC and truncate at
 * the first bad or partial batch. *cut (may be NULL): the bytes truncated (0 when intact). */
kerr_t plog_seg_rebuild(plog_t *log, seg_t *s, bool verify, int64_t *cut)
{
    if (cut) *cut = 0;
    int fd = plog_seg_fd(log, s);
    if (fd < 0) return fdcache_errno_kerr(errno);
    s->nidx = s->ntidx = 0;
    s->idx_rewrite = true;
    s->bytes_since_index = 0;
    s->max_ts = -1;
    s->next_offset = s->base;
    plog_scan_t sc;
    plog_scan_init(&sc, fd, s->size);
    int64_t pos = 0;
    uint8_t *bbuf = NULL;
    size_t bcap = 0;
    for (;;) {
        batch_hdr_t h;
        kerr_t err = plog_scan_hdr(&sc, pos, &h);
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
        plog_seg_index_batch(s, &h, pos, log->cfg.index_interval_bytes);
        pos += (int64_t)batch_size(&h);
    }
    free(bbuf);
    plog_scan_free(&sc);
    if (s->size > pos) {
        if (plog_seg_truncate_file(log, s, pos) != 0)
            log_error("plog", "truncate %s segment %" PRId64 ": %s", log->dir, s->base,
                      strerror(errno));
        if (cut) *cut = s->size - pos;
        s->size = pos;
    }
    /* rewrite the index files from memory at once, as they were found wanting */
    if (plog_seg_write_indexes(log, s, false) != KERR_NONE)
        log_warn("plog", "rewriting the index files of %s segment %" PRId64 " failed", log->dir,
                 s->base);
    return KERR_NONE;
}

void plog_push_seg(plog_t *log, seg_t *s)
{
    if (log->nsegs == log->capsegs) {
        log->capsegs = log->capsegs ? log->capsegs * 2 : 8;
        log->segs = realloc(log->segs, (size_t)log->capsegs * sizeof(seg_t *));
        if (!log->segs) abort();
    }
    log->segs[log->nsegs++] = s;
}

seg_t *plog_active(const plog_t *log)
{
    return log->segs[log->nsegs - 1];
}

void plog_unlink_seg_files(plog_t *log, int64_t base)
{
    static const char *const exts[] = {".log", ".index", ".timeindex", ".snapshot", NULL};
    char path[PATH_MAX];
    for (const char *const *e = exts; *e; e++) {
        plog_seg_path(log, base, *e, path, sizeof(path));
        unlink(path);
    }
}

/* A segment and its aborted transactions go together. */
void plog_forget_seg(plog_t *log, int64_t base)
{
    char path[PATH_MAX];
    plog_unlink_seg_files(log, base);
    txnidx_drop_seg(log->txns, base);
    plog_seg_path(log, base, ".txnindex", path, sizeof(path));
    unlink(path);
}

int plog_find_seg(const plog_t *log, int64_t offset)
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
