/* txnidx.c: aborted transaction index (see txnidx.h). */
#include "txnidx.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fileio.h"
#include "log.h"

struct txnidx {
    txnidx_ent_t *e;
    size_t n, cap;
};

txnidx_t *txnidx_new(void)
{
    txnidx_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    return x;
}

void txnidx_free(txnidx_t *x)
{
    if (!x) return;
    free(x->e);
    free(x);
}

size_t txnidx_count(const txnidx_t *x)
{
    return x ? x->n : 0;
}

static void txnidx_path(const char *dir, int64_t base, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%020" PRId64 ".txnindex", dir, base);
}

/* First index whose last offset is >= off. */
static size_t txnidx_lower(const txnidx_t *x, int64_t off)
{
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->e[mid].last_offset < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void txnidx_insert(txnidx_t *x, const txnidx_ent_t *e)
{
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 8;
        x->e = realloc(x->e, x->cap * sizeof(*x->e));
        if (!x->e) abort();
    }
    size_t at = txnidx_lower(x, e->last_offset);
    memmove(x->e + at + 1, x->e + at, (x->n - at) * sizeof(*x->e));
    x->e[at] = *e;
    x->n++;
}

static void txnidx_encode(uint8_t out[TXNIDX_ENTRY_SIZE], const txnidx_ent_t *e)
{
    wbuf_t wb;
    wbuf_init(&wb);
    wbuf_i16(&wb, 0);
    wbuf_i64(&wb, e->producer_id);
    wbuf_i64(&wb, e->first_offset);
    wbuf_i64(&wb, e->last_offset);
    wbuf_i64(&wb, e->lso);
    memcpy(out, wb.p, TXNIDX_ENTRY_SIZE);
    wbuf_free(&wb);
}

void txnidx_load_seg(txnidx_t *x, const char *dir, int64_t base, int64_t seg_end)
{
    char path[PATH_MAX];
    txnidx_path(dir, base, path, sizeof(path));
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return;
    uint8_t buf[TXNIDX_ENTRY_SIZE];
    off_t kept = 0;
    for (;;) {
        ssize_t r = pread_full(fd, buf, sizeof(buf), kept);
        if (r != (ssize_t)sizeof(buf)) break;
        rbuf_t rb;
        rbuf_init(&rb, buf, sizeof(buf));
        int16_t ver = rbuf_i16(&rb);
        txnidx_ent_t e = {.seg_base = base};
        e.producer_id = rbuf_i64(&rb);
        e.first_offset = rbuf_i64(&rb);
        e.last_offset = rbuf_i64(&rb);
        e.lso = rbuf_i64(&rb);
        if (ver != 0 || e.last_offset < base || e.last_offset >= seg_end) break;
        if (x->n && x->e[x->n - 1].last_offset >= e.last_offset) break; /* out of order */
        txnidx_insert(x, &e);
        kept += TXNIDX_ENTRY_SIZE;
    }
    off_t size = lseek(fd, 0, SEEK_END);
    if (size > kept && ftruncate(fd, kept) != 0)
        log_warn("txnidx", "trim %s: %s", path, strerror(errno));
    close(fd);
}

kerr_t txnidx_add(txnidx_t *x, const char *dir, const txnidx_ent_t *e)
{
    size_t at = txnidx_lower(x, e->last_offset);
    if (at < x->n && x->e[at].last_offset == e->last_offset) return KERR_NONE;
    txnidx_insert(x, e);
    x->e[at].unsynced = true;
    /* the file keeps the segment's entries in order: rewrite it when this one is not last */
    char path[PATH_MAX];
    txnidx_path(dir, e->seg_base, path, sizeof(path));
    bool last = true;
    for (size_t i = at + 1; i < x->n; i++)
        if (x->e[i].seg_base == e->seg_base) last = false;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (last ? O_APPEND : O_TRUNC), 0644);
    if (fd < 0) goto fail;
    for (size_t i = last ? at : 0; i < x->n; i++) {
        if (x->e[i].seg_base != e->seg_base) continue;
        uint8_t buf[TXNIDX_ENTRY_SIZE];
        txnidx_encode(buf, &x->e[i]);
        if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
            close(fd);
            goto fail;
        }
        if (last) break;
    }
    close(fd);
    return KERR_NONE;
fail:
    log_warn("txnidx", "write %s: %s", path, strerror(errno));
    return KERR__IO;
}

kerr_t txnidx_sync(txnidx_t *x, const char *dir)
{
    kerr_t err = KERR_NONE;
    for (size_t i = 0; i < x->n; i++) {
        if (!x->e[i].unsynced) continue;
        int64_t base = x->e[i].seg_base;
        char path[PATH_MAX];
        txnidx_path(dir, base, path, sizeof(path));
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if ((fd < 0 && errno != ENOENT) || (fd >= 0 && fsync(fd) != 0)) {
            log_warn("txnidx", "fsync %s: %s", path, strerror(errno));
            err = KERR__IO;
        }
        if (fd >= 0) close(fd);
        for (size_t j = i; j < x->n; j++) /* that file holds them all */
            if (x->e[j].seg_base == base) x->e[j].unsynced = false;
    }
    return err;
}

void txnidx_drop_seg(txnidx_t *x, int64_t base)
{
    size_t k = 0;
    for (size_t i = 0; i < x->n; i++)
        if (x->e[i].seg_base != base) x->e[k++] = x->e[i];
    x->n = k;
}

void txnidx_truncate(txnidx_t *x, const char *dir, int64_t offset)
{
    size_t at = txnidx_lower(x, offset);
    for (size_t i = at; i < x->n; i++) {
        int64_t base = x->e[i].seg_base;
        if (i > at && x->e[i - 1].seg_base == base) continue; /* file done */
        off_t keep = 0;
        for (size_t j = 0; j < at; j++)
            if (x->e[j].seg_base == base) keep += TXNIDX_ENTRY_SIZE;
        char path[PATH_MAX];
        txnidx_path(dir, base, path, sizeof(path));
        if (truncate(path, keep) != 0 && errno != ENOENT)
            log_warn("txnidx", "truncate %s: %s", path, strerror(errno));
    }
    x->n = at;
}

size_t txnidx_collect(const txnidx_t *x, int64_t from, int64_t upto, txnidx_ent_t *out, size_t max)
{
    size_t total = 0;
    for (size_t i = txnidx_lower(x, from); i < x->n; i++) {
        if (x->e[i].first_offset < upto) {
            if (total < max) out[total] = x->e[i];
            total++;
        }
        /* a transaction aborted later began at or after this one's LSO (it was not yet
         * open, or this LSO would be below it): none can overlap [from, upto) any more */
        if (x->e[i].lso >= upto) break;
    }
    return total;
}
