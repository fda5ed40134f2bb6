/* plog.c: the partition log's public API (plog.h) over its segments: append, read, lookups
 * by time, retention and truncation, flush, and the walk over batch headers the producer
 * state replays. Opening and closing are plog_open.c's; the other pieces are listed in
 * plog.h's file map. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "fileio.h"
#include "ktime.h"
#include "log.h"
#include "plog_int.h"

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
    seg_t *s = plog_seg_open(log, log->end_offset, true, &err);
    if (!s) return err;
    s->created_ms = now_ms;
    plog_seg_deactivate(log, old);
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

/* First pass over the batches to append: offsets from *next on, stamped when assign (with
 * leader_epoch), else checked to grow; *next becomes the offset after the last one. */
static kerr_t plog_stamp_batches(uint8_t *buf, size_t len, bool assign, int32_t leader_epoch,
                                 int64_t *next, plog_append_info_t *info)
{
    memset(info, 0, sizeof(*info));
    info->first_offset = -1;
    info->max_timestamp = -1;
    size_t off = 0;
    while (off < len) {
        batch_hdr_t h;
        if (batch_hdr_parse(buf + off, len - off, &h) != KERR_NONE) return KERR__BAD_MSG;
        if (assign) {
            batch_set_base_offset(buf + off, *next);
            batch_set_leader_epoch(buf + off, leader_epoch);
            h.base_offset = *next;
        } else if (h.base_offset < *next) {
            return KERR__INVAL;
        }
        if (info->first_offset < 0) info->first_offset = h.base_offset;
        *next = batch_last_offset(&h) + 1;
        info->last_offset = *next - 1;
        if (h.max_timestamp > info->max_timestamp) {
            info->max_timestamp = h.max_timestamp;
            info->offset_of_max_timestamp = *next - 1;
        }
        info->batches++;
        info->records += h.record_count;
        off += batch_size(&h);
    }
    return info->batches == 0 ? KERR__BAD_MSG : KERR_NONE;
}

/* A follower learns the leader epochs from the batches it copies (KIP-101). */
static void plog_learn_epochs(plog_t *log, const uint8_t *buf, size_t len)
{
    size_t off = 0;
    while (off < len) {
        batch_hdr_t h;
        batch_hdr_parse(buf + off, len - off, &h);
        if (h.partition_leader_epoch >= 0 &&
            (log->nepochs == 0 || log->epochs[log->nepochs - 1].epoch < h.partition_leader_epoch))
            plog_epoch_assign(log, h.partition_leader_epoch, h.base_offset);
        off += batch_size(&h);
    }
}

static kerr_t plog_write(plog_t *log, uint8_t *buf, size_t len, int64_t now_ms,
                         plog_append_info_t *info, bool assign, int32_t leader_epoch)
{
    kerr_t err;
    /* a new leader's epoch reaches the file before the first batch written in it */
    if (log->epochs_unwritten) {
        err = plog_epochs_write(log); /* no batch before its epoch is in the file */
        if (err) return err;
    }
    if (log->epochs_lazy) { /* the epoch gets a batch: it must now survive a crash */
        log->epochs_dirty = true;
        log->epochs_lazy = false;
    }
    int64_t next = log->end_offset; /* first pass: offsets (stamped when assigning) */
    err = plog_stamp_batches(buf, len, assign, leader_epoch, &next, info);
    if (err) return err;
    if (plog_needs_roll(log, len, now_ms, info->last_offset)) {
        err = plog_roll(log, now_ms);
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
    for (size_t off = 0; off < len;) {
        batch_hdr_t h;
        batch_hdr_parse(buf + off, len - off, &h);
        plog_seg_index_batch(s, &h, s->size + (int64_t)off, log->cfg.index_interval_bytes);
        off += batch_size(&h);
    }
    s->size += (int64_t)len;
    log->end_offset = next;
    log->synced = false;
    log->unflushed_msgs += info->records;
    if (!assign) plog_learn_epochs(log, buf, len);
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
    int fd = plog_seg_fd(log, s);
    if (fd < 0) return fdcache_errno_kerr(errno); /* EMFILE: this read fails, the dir stays */
    out->fd = fd;
    plog_scan_t sc;
    plog_scan_init(&sc, fd, s->size);
    int64_t pos = plog_seg_index_lookup(s, offset > s->base ? (uint32_t)(offset - s->base) : 0);
    kerr_t err = KERR_NONE;
    batch_hdr_t h;
    /* skip to the batch containing offset */
    for (;;) {
        err = plog_scan_hdr(&sc, pos, &h);
        if (err) break;
        if (batch_last_offset(&h) >= offset) break;
        pos += (int64_t)batch_size(&h);
    }
    if (err) {
        plog_scan_free(&sc);
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
        if (plog_scan_hdr(&sc, pos, &h) != KERR_NONE) break;
    }
    plog_scan_free(&sc);
    out->len = total;
    return KERR_NONE;
}

kerr_t plog_read_copy(plog_t *log, int64_t offset, size_t max_bytes, int64_t max_offset,
                      uint8_t **buf, size_t *len)
{
    plog_slice_t sl;
    *buf = NULL;
    *len = 0;
    kerr_t err = plog_read(log, offset, max_bytes, max_offset, &sl);
    if (err || sl.len == 0) return err;
    uint8_t *p = malloc(sl.len);
    if (!p) abort();
    if (pread_full(sl.fd, p, sl.len, sl.pos) != (ssize_t)sl.len) {
        free(p);
        return KERR__IO;
    }
    *buf = p;
    *len = sl.len;
    return KERR_NONE;
}

bool plog_load_slice(plog_t *log, const char *mod, int64_t *next, size_t max_bytes, uint8_t **buf,
                     size_t *len)
{
    if (*next < plog_start_offset(log)) *next = plog_start_offset(log);
    /* up to the log end, as Kafka loads: a new leader's high watermark may trail its log for
     * a fetch round, and everything in the leader's log is what will be committed */
    kerr_t err = plog_read_copy(log, *next, max_bytes, INT64_MAX, buf, len);
    if (err)
        log_warn(mod, "loading %s-%d at %lld: %s", log->topic, log->partition, (long long)*next,
                 kerr_name(err));
    return !err && *len > 0;
}

bool plog_load_moved(plog_t *log, const char *mod, int64_t *next, int64_t to)
{
    if (to <= *next) { /* nothing readable: stop rather than spin */
        log_warn(mod, "loading %s-%d stopped at offset %lld (unreadable batch)", log->topic,
                 log->partition, (long long)*next);
        return false;
    }
    *next = to;
    return true;
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
            pos = plog_seg_index_lookup(s, s->tidx[k].rel);
        int fd = plog_seg_fd(log, s);
        if (fd < 0) return fdcache_errno_kerr(errno);
        plog_scan_t sc;
        plog_scan_init(&sc, fd, s->size);
        batch_hdr_t h;
        bool found = false;
        while (plog_scan_hdr(&sc, pos, &h) == KERR_NONE) {
            if (h.max_timestamp >= ts && batch_last_offset(&h) >= log->start_offset &&
                plog_batch_find_ts(fd, pos, &h, ts, offset, timestamp)) {
                found = true;
                break;
            }
            pos += (int64_t)batch_size(&h);
        }
        plog_scan_free(&sc);
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
    plog_seg_close(s);
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
    kerr_t err = plog_seg_activate(log, log->segs[keep], false);
    if (err) return err;
    while (log->nsegs > keep + 1) {
        seg_t *s = plog_active(log);
        int64_t base = s->base;
        plog_seg_close(s);
        log->nsegs--;
        plog_forget_seg(log, base);
    }
    txnidx_truncate(log->txns, log->dir, offset);
    seg_t *s = plog_active(log);
    plog_scan_t sc;
    plog_scan_init(&sc, s->wfd, s->size);
    int64_t pos = plog_seg_index_lookup(s, offset > s->base ? (uint32_t)(offset - s->base) : 0);
    batch_hdr_t h;
    while (plog_scan_hdr(&sc, pos, &h) == KERR_NONE && h.base_offset < offset)
        pos += (int64_t)batch_size(&h);
    plog_scan_free(&sc);
    if (ftruncate(s->wfd, pos) != 0) return KERR__IO;
    s->size = pos;
    plog_seg_rebuild(log, s, false, NULL);
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
    seg_t *s = plog_seg_open(log, offset, true, &err);
    if (!s) return err;
    while (log->nsegs > 0) {
        seg_t *old = log->segs[--log->nsegs];
        int64_t base = old->base;
        plog_seg_close(old);
        if (base != offset) plog_forget_seg(log, base);
    }
    txnidx_truncate(log->txns, log->dir, -1);
    /* plog_seg_open left the index files empty (a new segment's) */
    if (ftruncate(s->wfd, 0) != 0) {
        plog_seg_close(s);
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

/* ---------------------------------------------------------------- flush */

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
        int fd = plog_seg_fd(log, s);
        kerr_t e = fd < 0 ? fdcache_errno_kerr(errno) : KERR_NONE;
        if (!e && fdatasync(fd) != 0) e = KERR__IO;
        if (!e) e = plog_seg_write_indexes(log, s, true);
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

kerr_t plog_foreach_batch(plog_t *log, int64_t from, plog_batch_fn *fn, void *arg)
{
    for (int i = 0; i < log->nsegs; i++) {
        seg_t *s = log->segs[i];
        if (i + 1 < log->nsegs && log->segs[i + 1]->base <= from) continue;
        int fd = plog_seg_fd(log, s);
        if (fd < 0) return fdcache_errno_kerr(errno);
        plog_scan_t sc;
        plog_scan_init(&sc, fd, s->size);
        int64_t pos = 0;
        if (from > s->base) pos = plog_seg_index_lookup(s, (uint32_t)(from - s->base));
        batch_hdr_t h;
        kerr_t err = KERR_NONE;
        while (pos < s->size && (err = plog_scan_hdr(&sc, pos, &h)) == KERR_NONE) {
            if (batch_last_offset(&h) >= from) {
                /* a control batch (a transaction marker, a few dozen bytes) comes whole */
                size_t n = (h.attributes & BATCH_ATTR_CONTROL) ? batch_size(&h) : BATCH_HDR_SIZE;
                const uint8_t *p = plog_scan_bytes(&sc, pos, n);
                if (p) fn(arg, &h, p, n);
            }
            pos += (int64_t)batch_size(&h);
        }
        plog_scan_free(&sc);
        if (err && pos < s->size) return KERR__CORRUPT;
    }
    return KERR_NONE;
}
