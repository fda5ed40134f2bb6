/* plog_txn.c: the log's side of the aborted transaction index (txnidx.h owns the entries
 * and the .txnindex files): each entry is filed under the segment holding its abort marker,
 * so it goes with that segment; and the first unstable offset the producer state keeps here
 * for the cleaner and the fetch path. */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "plog_int.h"

/* Load the .txnindex of every segment; those recovery re-read are rebuilt from the log by the
 * producer state's replay (pidmap_load from a snapshot at or before rebuilt_from), so their
 * old files go. */
void plog_txns_load(plog_t *log)
{
    for (int i = 0; i < log->nsegs; i++) {
        seg_t *s = log->segs[i];
        if (s->base >= log->rebuilt_from) {
            char path[PATH_MAX];
            plog_seg_path(log, s->base, ".txnindex", path, sizeof(path));
            unlink(path);
            continue;
        }
        txnidx_load_seg(log->txns, log->dir, s->base, s->size ? s->next_offset : s->base);
    }
}

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
