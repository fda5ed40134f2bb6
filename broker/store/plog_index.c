/* plog_index.c: a segment's offset index (relative offset u32, position u32) and time index
 * (timestamp i64, relative offset u32), kept in memory and mirrored to its .index and
 * .timeindex files, one entry every index_interval_bytes of log.
 *
 * The index files are opened only while they are read or written: the entries appended to
 * the in-memory indexes reach the files when the segment rolls, at a flush (fsynced, before
 * the recovery point moves) and at close. That keeps crash recovery as it was: after an
 * unclean stop every segment past the recovery point is re-read and its indexes rebuilt from
 * the log (plog_seg_rebuild), and the segments before it had their index files written and
 * fsynced by the flush that moved the recovery point. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "fileio.h"
#include "log.h"
#include "plog_int.h"

static void plog_seg_idx_push(seg_t *s, uint32_t rel, uint32_t pos)
{
    if (s->nidx == s->capidx) {
        s->capidx = s->capidx ? s->capidx * 2 : 64;
        s->idx = realloc(s->idx, s->capidx * sizeof(*s->idx));
        if (!s->idx) abort();
    }
    s->idx[s->nidx++] = (idx_ent_t){rel, pos};
}

static void plog_seg_tidx_push(seg_t *s, int64_t ts, uint32_t rel)
{
    if (s->ntidx == s->captidx) {
        s->captidx = s->captidx ? s->captidx * 2 : 64;
        s->tidx = realloc(s->tidx, s->captidx * sizeof(*s->tidx));
        if (!s->tidx) abort();
    }
    s->tidx[s->ntidx++] = (tidx_ent_t){ts, rel};
}

/* Record a batch at pos in the in-memory indexes (the files follow in plog_seg_write_indexes). */
void plog_seg_index_batch(seg_t *s, const batch_hdr_t *h, int64_t pos, int32_t interval)
{
    int64_t last = batch_last_offset(h);
    if (h->max_timestamp > s->max_ts) {
        s->max_ts = h->max_timestamp;
        s->max_ts_offset = last;
    }
    if (s->bytes_since_index >= interval || s->nidx == 0) {
        plog_seg_idx_push(s, (uint32_t)(h->base_offset - s->base), (uint32_t)pos);
        if (s->ntidx == 0 || s->max_ts > s->tidx[s->ntidx - 1].ts)
            plog_seg_tidx_push(s, s->max_ts, (uint32_t)(s->max_ts_offset - s->base));
        s->bytes_since_index = 0;
    }
    s->bytes_since_index += (int64_t)batch_size(h);
    s->next_offset = last + 1;
}

/* Write n bytes at `at` into s's index file ext (truncated to `at` first when truncate),
 * fdatasync'd when sync; the fd is closed again. */
static kerr_t plog_seg_idx_file_write(const plog_t *log, int64_t base, const char *ext,
                                      const uint8_t *p, size_t n, off_t at, bool truncate,
                                      bool sync)
{
    char path[PATH_MAX];
    plog_seg_path(log, base, ext, path, sizeof(path));
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
kerr_t plog_seg_write_indexes(const plog_t *log, seg_t *s, bool sync)
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
    kerr_t err = plog_seg_idx_file_write(log, s->base, ".index", b, ni * 8, (off_t)(i0 * 8),
                                         s->idx_rewrite, sync);
    kerr_t terr = plog_seg_idx_file_write(log, s->base, ".timeindex", tb, nt * 12, (off_t)(t0 * 12),
                                          s->idx_rewrite, sync);
    free(b);
    if (err || terr) return err ? err : terr;
    s->idx_written = s->nidx;
    s->tidx_written = s->ntidx;
    s->idx_rewrite = false;
    s->idx_unsynced = !sync;
    return KERR_NONE;
}

/* The whole of index file ext of s into *out (malloc'd, *len bytes); false when it cannot be
 * read. */
static bool plog_seg_idx_file_read(const plog_t *log, const seg_t *s, const char *ext,
                                   uint8_t **out, size_t *len)
{
    char path[PATH_MAX];
    plog_seg_path(log, s->base, ext, path, sizeof(path));
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
bool plog_seg_load_indexes(plog_t *log, seg_t *s)
{
    uint8_t *ib, *tb;
    size_t ilen, tlen;
    if (!plog_seg_idx_file_read(log, s, ".index", &ib, &ilen)) return false;
    if (!plog_seg_idx_file_read(log, s, ".timeindex", &tb, &tlen)) {
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
        plog_seg_idx_push(s, rel, pos);
    }
    for (size_t i = 0; ok && i < nt; i++) {
        const uint8_t *e = tb + i * 12;
        plog_seg_tidx_push(s, bytes_get_be64(e), bytes_get_be32(e + 8));
        if (s->tidx[i].ts > s->max_ts) {
            s->max_ts = s->tidx[i].ts;
            s->max_ts_offset = s->base + s->tidx[i].rel;
        }
    }
    free(ib);
    free(tb);
    int fd = ok ? plog_seg_fd(log, s) : -1;
    if (fd < 0) {
        s->nidx = s->ntidx = 0;
        s->max_ts = -1;
        return false;
    }
    s->idx_written = s->nidx;
    s->tidx_written = s->ntidx;
    /* Walk from the last indexed batch to the end: finds next_offset and max timestamp. */
    plog_scan_t sc;
    plog_scan_init(&sc, fd, s->size);
    int64_t pos = s->nidx ? s->idx[s->nidx - 1].pos : 0;
    s->bytes_since_index = 0;
    bool first = true;
    for (;;) {
        batch_hdr_t h;
        kerr_t err = plog_scan_hdr(&sc, pos, &h);
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
    plog_scan_free(&sc);
    (void)log;
    return ok;
}

/* Position of the last index entry with relative offset <= rel. */
int64_t plog_seg_index_lookup(const seg_t *s, uint32_t rel)
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
