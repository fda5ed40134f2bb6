/* drill_verify.c: kafka-drill's verifier (see drill_verify.h). Per seq it keeps whether it was
 * acknowledged and where; reads are kept as (partition, offset, seq) and sorted once when
 * counting, so a consumer that re-reads after a rewind or a leader change counts each log
 * position once, and the order check walks each partition's log in offset order. */
#include "drill_verify.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { DV_UNKNOWN = 0, DV_SENT, DV_ACKED, DV_FAILED };

typedef struct dv_seq {
    int8_t state;
    int32_t partition;
    int64_t offset;
    int64_t t_sent;
    int32_t copies; /* filled by dv_count */
} dv_seq_t;

typedef struct dv_rec {
    int32_t partition;
    int64_t offset, seq;
} dv_rec_t;

struct dv {
    dv_seq_t *seqs;
    int64_t nseqs, cap_seqs;
    dv_rec_t *reads; /* the final pass */
    int64_t nreads, cap_reads;
    dv_rec_t *live; /* read while the drill ran */
    int64_t nlive, cap_live;
    int64_t *ack_times, *ack_seqs; /* in the order acks arrived */
    int64_t nacks, cap_acks, cap_ack_seqs;
};

static void *dv_grow(void *p, int64_t *cap, int64_t need, size_t elem)
{
    if (need <= *cap) return p;
    int64_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    void *q = realloc(p, (size_t)c * elem);
    if (!q) abort(); /* out of memory: nothing sensible to report */
    memset((char *)q + (size_t)*cap * elem, 0, (size_t)(c - *cap) * elem);
    *cap = c;
    return q;
}

static dv_seq_t *dv_at(dv_t *dv, int64_t seq)
{
    if (seq < 0) return NULL;
    dv->seqs = dv_grow(dv->seqs, &dv->cap_seqs, seq + 1, sizeof(*dv->seqs));
    if (seq >= dv->nseqs) dv->nseqs = seq + 1;
    return &dv->seqs[seq];
}

dv_t *dv_new(void)
{
    dv_t *dv = calloc(1, sizeof(*dv));
    if (!dv) abort();
    return dv;
}

void dv_free(dv_t *dv)
{
    if (!dv) return;
    free(dv->seqs);
    free(dv->reads);
    free(dv->live);
    free(dv->ack_times);
    free(dv->ack_seqs);
    free(dv);
}

void dv_sent(dv_t *dv, int64_t seq, int64_t t_us)
{
    dv_seq_t *s = dv_at(dv, seq);
    if (s && s->state == DV_UNKNOWN) {
        s->state = DV_SENT;
        s->t_sent = t_us;
    }
}

void dv_acked(dv_t *dv, int64_t seq, int32_t partition, int64_t offset, int64_t t_us)
{
    dv_seq_t *s = dv_at(dv, seq);
    if (!s) return;
    s->state = DV_ACKED;
    s->partition = partition;
    s->offset = offset;
    dv->ack_times = dv_grow(dv->ack_times, &dv->cap_acks, dv->nacks + 1, sizeof(int64_t));
    dv->ack_seqs = dv_grow(dv->ack_seqs, &dv->cap_ack_seqs, dv->nacks + 1, sizeof(int64_t));
    dv->ack_times[dv->nacks] = t_us;
    dv->ack_seqs[dv->nacks++] = seq;
}

void dv_failed(dv_t *dv, int64_t seq)
{
    dv_seq_t *s = dv_at(dv, seq);
    if (s && s->state != DV_ACKED) s->state = DV_FAILED;
}

void dv_read(dv_t *dv, int32_t partition, int64_t offset, int64_t seq)
{
    dv->reads = dv_grow(dv->reads, &dv->cap_reads, dv->nreads + 1, sizeof(*dv->reads));
    dv->reads[dv->nreads++] = (dv_rec_t){partition, offset, seq};
}

void dv_read_live(dv_t *dv, int32_t partition, int64_t offset, int64_t seq)
{
    dv->live = dv_grow(dv->live, &dv->cap_live, dv->nlive + 1, sizeof(*dv->live));
    dv->live[dv->nlive++] = (dv_rec_t){partition, offset, seq};
}

int64_t dv_last_ack(const dv_t *dv)
{
    int64_t last = -1;
    for (int64_t i = 0; i < dv->nacks; i++)
        if (dv->ack_times[i] > last) last = dv->ack_times[i];
    return last;
}

int64_t dv_nacked(const dv_t *dv)
{
    return dv->nacks;
}

static int dv_rec_cmp(const void *a, const void *b)
{
    const dv_rec_t *x = a, *y = b;
    if (x->partition != y->partition) return x->partition < y->partition ? -1 : 1;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    if (x->seq != y->seq) return x->seq < y->seq ? -1 : 1;
    return 0;
}

/* Index of the first read at (partition, offset) in the sorted reads, or -1. */
static int64_t dv_find(const dv_t *dv, int32_t partition, int64_t offset)
{
    int64_t lo = 0, hi = dv->nreads;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        const dv_rec_t *r = &dv->reads[mid];
        if (r->partition < partition || (r->partition == partition && r->offset < offset))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < dv->nreads && dv->reads[lo].partition == partition && dv->reads[lo].offset == offset)
        return lo;
    return -1;
}

void dv_count(dv_t *dv, dv_counts_t *out)
{
    memset(out, 0, sizeof(*out));
    out->first_lost = -1;
    qsort(dv->reads, (size_t)dv->nreads, sizeof(*dv->reads), dv_rec_cmp);
    qsort(dv->live, (size_t)dv->nlive, sizeof(*dv->live), dv_rec_cmp);
    for (int64_t i = 0; i < dv->nseqs; i++) dv->seqs[i].copies = 0;

    int32_t part = 0;
    int64_t max_seq = -1;
    for (int64_t i = 0; i < dv->nreads; i++) {
        const dv_rec_t *r = &dv->reads[i];
        if (i > 0 && dv_rec_cmp(r, &dv->reads[i - 1]) == 0) continue; /* read twice */
        if (r->seq < 0 || r->seq >= dv->nseqs || dv->seqs[r->seq].state == DV_UNKNOWN) continue;
        if (i == 0 || r->partition != part) {
            part = r->partition;
            max_seq = -1;
        }
        dv_seq_t *s = &dv->seqs[r->seq];
        out->consumed++;
        if (s->copies++ > 0) continue; /* a duplicate, not a reordering */
        if (r->seq < max_seq)
            out->out_of_order++;
        else
            max_seq = r->seq;
    }

    for (int64_t q = 0; q < dv->nseqs; q++) {
        const dv_seq_t *s = &dv->seqs[q];
        if (s->state == DV_UNKNOWN) continue;
        out->sent++;
        if (s->state == DV_FAILED) out->failed++;
        if (s->copies > 1) out->duplicated += s->copies - 1;
        if (s->state != DV_ACKED) {
            if (s->copies > 0) out->unacked_written++;
            continue;
        }
        out->acked++;
        if (s->copies == 0) {
            out->lost++;
            if (out->first_lost < 0) out->first_lost = q;
        }
        int64_t at = dv_find(dv, s->partition, s->offset);
        if (at >= 0) {
            int found = 0;
            for (int64_t k = at; k < dv->nreads && dv->reads[k].partition == s->partition &&
                                 dv->reads[k].offset == s->offset;
                 k++)
                found |= dv->reads[k].seq == q;
            if (!found) out->offset_mismatch++;
        }
    }

    for (int64_t i = 0; i < dv->nlive; i++) {
        const dv_rec_t *r = &dv->live[i];
        if (i > 0 && dv_rec_cmp(r, &dv->live[i - 1]) == 0) continue;
        if (r->seq < 0 || r->seq >= dv->nseqs || dv->seqs[r->seq].state == DV_UNKNOWN) continue;
        int found = 0;
        int64_t at = dv_find(dv, r->partition, r->offset);
        for (int64_t k = at; at >= 0 && k < dv->nreads && dv->reads[k].partition == r->partition &&
                             dv->reads[k].offset == r->offset;
             k++)
            found |= dv->reads[k].seq == r->seq;
        if (!found) out->rewritten++;
    }
}

/* One partition's window: acks of that partition only; "after" counts only messages sent
 * after the fault (an ack for a message already in flight says nothing of availability). */
static void dv_window_part(const dv_t *dv, int32_t p, int64_t t_fault, int64_t t_end,
                           dv_window_t *out)
{
    out->last_before = out->first_after = out->window = -1;
    out->longest_gap = 0;
    for (int64_t i = 0; i < dv->nacks; i++) {
        const dv_seq_t *s = &dv->seqs[dv->ack_seqs[i]];
        int64_t t = dv->ack_times[i];
        if (s->partition != p) continue;
        if (t <= t_fault) {
            if (t > out->last_before) out->last_before = t;
        } else if (s->t_sent > t_fault && (out->first_after < 0 || t < out->first_after)) {
            out->first_after = t;
        }
    }
    if (out->last_before < 0) return;
    if (out->first_after >= 0) out->window = out->first_after - out->last_before;
    /* longest gap: consecutive acks within [last_before, t_end], and the stretch to t_end */
    int64_t prev = out->last_before;
    out->gap_from = out->gap_to = prev;
    for (int64_t i = 0; i < dv->nacks; i++) {
        int64_t t = dv->ack_times[i];
        if (dv->seqs[dv->ack_seqs[i]].partition != p || t <= prev || t > t_end) continue;
        if (t - prev > out->longest_gap) {
            out->longest_gap = t - prev;
            out->gap_from = prev;
            out->gap_to = t;
        }
        prev = t;
    }
    if (t_end - prev > out->longest_gap) {
        out->longest_gap = t_end - prev;
        out->gap_from = prev;
        out->gap_to = t_end;
    }
}

void dv_window(const dv_t *dv, int64_t t_fault, int64_t t_end, dv_window_t *out)
{
    int32_t maxp = -1;
    for (int64_t i = 0; i < dv->nacks; i++)
        if (dv->seqs[dv->ack_seqs[i]].partition > maxp) maxp = dv->seqs[dv->ack_seqs[i]].partition;
    out->last_before = out->first_after = out->window = -1;
    out->longest_gap = 0;
    out->gap_from = out->gap_to = -1;
    out->partition = out->gap_partition = -1;
    bool any = false;
    for (int32_t p = 0; p <= maxp; p++) {
        dv_window_t w;
        dv_window_part(dv, p, t_fault, t_end, &w);
        if (w.last_before < 0) continue; /* no acks before the fault: nothing to compare */
        if (w.longest_gap > out->longest_gap || out->gap_partition < 0) {
            out->longest_gap = w.longest_gap;
            out->gap_from = w.gap_from;
            out->gap_to = w.gap_to;
            out->gap_partition = p;
        }
        /* the worst partition: one with no ack after the fault, else the longest window */
        bool worse = !any || (out->window >= 0 && (w.window < 0 || w.window > out->window));
        if (worse) {
            out->last_before = w.last_before;
            out->first_after = w.first_after;
            out->window = w.window;
            out->partition = p;
        }
        any = true;
    }
}
