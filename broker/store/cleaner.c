/* cleaner.c: log compaction (see cleaner.h). Pass 1 maps every key of the chosen segments to
 * its last offset; pass 2 copies each segment's batches keeping only those records (a batch
 * kept whole is copied byte for byte, a thinned one is rebuilt uncompressed with the original
 * header fields), then swaps the cleaned file in.
 *
 * Transactions (KIP-98): cleaning stops before the first segment holding an undecided
 * transaction (the log's first unstable offset); the records of aborted transactions (the
 * log's aborted transaction index) neither count in the key map nor survive the copy. A marker
 * goes once no record of its transaction is left (aborted data always; committed data when
 * every record was superseded) and its segment is past delete.retention.ms, as tombstones.
 * Every pass starts at the log start, so a transaction's data is always seen before its
 * marker. */
#include "cleaner.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dict.h"
#include "fileio.h"
#include "log.h"
#include "rec/batch.h"
#include "pidstate.h"
#include "rec/compress.h"
#include "txnidx.h"

#define CLEANER_INFLATE_MAX (64 * 1024 * 1024)

typedef struct cleaner_ckpt {
    char *dir; /* the log dir (parent of the partition dir) */
    char *topic;
    int32_t partition;
    int64_t offset;
    int64_t last_clean_ms;
} cleaner_ckpt_t;

struct cleaner {
    int64_t backoff_ms, last_run_ms;
    size_t max_bytes;
    dict_t *ckpts;     /* "topic-partition" -> cleaner_ckpt_t* */
    dict_t *dirs_read; /* log dirs whose checkpoint file was read */
    char *last;        /* the log cleaned last (round robin) */
};

/* ---------------------------------------------------------------- one log */

typedef struct cleaner_seg {
    plog_seg_info_t info;
    uint8_t *data;
} cleaner_seg_t;

static char *cleaner_key_hex(kbytes_t k, char *buf, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t need = (size_t)k.len * 2 + 2;
    char *s = need <= n ? buf : malloc(need);
    if (!s) abort();
    s[0] = 'k'; /* never empty */
    for (int32_t i = 0; i < k.len; i++) {
        s[1 + 2 * i] = hex[k.p[i] >> 4];
        s[2 + 2 * i] = hex[k.p[i] & 15];
    }
    s[1 + 2 * k.len] = '\0';
    return s;
}

/* The aborted transactions overlapping the segments being cleaned. */
typedef struct cleaner_txns {
    txnidx_ent_t *e;
    size_t n;
} cleaner_txns_t;

/* Is h a data batch of an aborted transaction? */
static bool cleaner_aborted(const cleaner_txns_t *tx, const batch_hdr_t *h)
{
    if (!(h->attributes & BATCH_ATTR_TRANSACTIONAL) || (h->attributes & BATCH_ATTR_CONTROL))
        return false;
    for (size_t i = 0; i < tx->n; i++)
        if (tx->e[i].producer_id == h->producer_id && tx->e[i].first_offset <= h->base_offset &&
            h->base_offset < tx->e[i].last_offset)
            return true;
    return false;
}

typedef void cleaner_rec_fn(void *arg, const batch_hdr_t *h, const batch_rec_t *r);

/* Visit every record of the non-control batches in data[0..len) but aborted ones. */
static void cleaner_each_record(const cleaner_txns_t *tx, const uint8_t *data, size_t len,
                                wbuf_t *scratch, cleaner_rec_fn *fn, void *arg)
{
    size_t off = 0;
    while (off < len) {
        batch_hdr_t h;
        if (batch_hdr_parse(data + off, len - off, &h) != KERR_NONE) break;
        size_t sz = batch_size(&h);
        rbuf_t rb;
        if (!(h.attributes & BATCH_ATTR_CONTROL) && !cleaner_aborted(tx, &h) &&
            compress_batch_records(data + off, sz, &h, CLEANER_INFLATE_MAX, scratch, &rb) ==
                KERR_NONE) {
            batch_rec_t r;
            while (batch_rec_next(&rb, &r)) fn(arg, &h, &r);
        }
        off += sz;
    }
}

static void cleaner_map_rec(void *arg, const batch_hdr_t *h, const batch_rec_t *r)
{
    dict_t *map = arg;
    if (r->key.len < 0) return;
    char buf[512];
    char *k = cleaner_key_hex(r->key, buf, sizeof(buf));
    dict_set(map, k, (void *)(intptr_t)(h->base_offset + r->offset_delta + 1));
    if (k != buf) free(k);
}

typedef struct cleaner_keep {
    const cleaner_txns_t *tx;
    dict_t *kept_txn; /* "<pid>" -> 1: a record of its current transaction was kept */
    dict_t *map;
    bool drop_tombstones;
    cleaner_stats_t *st;
} cleaner_keep_t;

static bool cleaner_keeps(cleaner_keep_t *kp, const batch_hdr_t *h, const batch_rec_t *r)
{
    if (r->key.len < 0) return true; /* unkeyed (not expected in compacted topics): kept */
    char buf[512];
    char *k = cleaner_key_hex(r->key, buf, sizeof(buf));
    intptr_t last = (intptr_t)dict_get(kp->map, k);
    if (k != buf) free(k);
    if (last != h->base_offset + r->offset_delta + 1) return false;
    if (r->value.len < 0 && kp->drop_tombstones) {
        kp->st->tombstones_dropped++;
        return false;
    }
    return true;
}

static void cleaner_pid_key(char *buf, size_t n, int64_t pid)
{
    snprintf(buf, n, "%" PRId64, pid);
}

/* A transactional data batch of h's producer keeps records: its marker must stay. */
static void cleaner_txn_kept(cleaner_keep_t *kp, const batch_hdr_t *h)
{
    if (!(h->attributes & BATCH_ATTR_TRANSACTIONAL) || (h->attributes & BATCH_ATTR_CONTROL)) return;
    char key[24];
    cleaner_pid_key(key, sizeof(key), h->producer_id);
    dict_set(kp->kept_txn, key, (void *)1);
}

/* A marker ends its producer's transaction: false when it may go (nothing of the transaction
 * was kept and its segment is past the delete horizon). */
static bool cleaner_keeps_marker(cleaner_keep_t *kp, const batch_hdr_t *h)
{
    char key[24];
    cleaner_pid_key(key, sizeof(key), h->producer_id);
    bool kept = dict_del(kp->kept_txn, key) != NULL;
    if (kept || !kp->drop_tombstones) return true;
    kp->st->markers_dropped++;
    return false;
}

/* Copy the batches of one segment keeping the map's records; out gets the cleaned bytes. */
static void cleaner_filter(cleaner_keep_t *kp, const uint8_t *data, size_t len, wbuf_t *out,
                           wbuf_t *scratch)
{
    size_t off = 0;
    while (off < len) {
        batch_hdr_t h;
        if (batch_hdr_parse(data + off, len - off, &h) != KERR_NONE) break;
        size_t sz = batch_size(&h);
        const uint8_t *b = data + off;
        off += sz;
        if (cleaner_aborted(kp->tx, &h)) { /* an aborted transaction's data: gone */
            kp->st->records_in += h.record_count;
            continue;
        }
        if ((h.attributes & BATCH_ATTR_CONTROL) && !cleaner_keeps_marker(kp, &h)) continue;
        rbuf_t rb;
        if ((h.attributes & BATCH_ATTR_CONTROL) ||
            compress_batch_records(b, sz, &h, CLEANER_INFLATE_MAX, scratch, &rb) != KERR_NONE) {
            wbuf_append(out, b, sz); /* control or unreadable: kept as it is */
            cleaner_txn_kept(kp, &h);
            continue;
        }
        batch_builder_t bb;
        batch_builder_init(&bb, h.base_timestamp);
        batch_rec_t r;
        int32_t n = 0;
        while (batch_rec_next(&rb, &r)) {
            n++;
            kp->st->records_in++;
            if (!cleaner_keeps(kp, &h, &r)) continue;
            kp->st->records_out++;
            batch_builder_add(&bb, r.offset_delta, h.base_timestamp + r.timestamp_delta, r.key.p,
                              r.key.len, r.value.p, r.value.len, r.header_count, r.headers,
                              r.headers_len);
        }
        if (bb.count == n && n > 0)
            wbuf_append(out, b, sz); /* nothing removed: the batch as it was */
        else if (bb.count > 0)
            batch_builder_finish(&bb, &h, out);
        if (bb.count > 0) cleaner_txn_kept(kp, &h);
        batch_builder_free(&bb);
    }
}

static kerr_t cleaner_write_file(const char *path, const wbuf_t *wb)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return KERR__IO;
    kerr_t err = pwrite_all(fd, wb->p, wb->len, 0) == 0 && fsync(fd) == 0 ? KERR_NONE : KERR__IO;
    close(fd);
    return err;
}

/* Read the segments this pass cleans into segs[] (the oldest first, at most max_bytes but
 * at least one; none past the compaction lag or an undecided transaction, never the active
 * one); their count. st->cleaned_to: the offset after the last one. */
static int cleaner_read_segs(plog_t *log, int64_t now_ms, size_t max_bytes, cleaner_seg_t *segs,
                             cleaner_stats_t *st)
{
    const plog_cfg_t *cfg = plog_cfg(log);
    int nsegs = plog_segment_count(log);
    int n = 0;
    size_t total = 0;
    st->cleaned_to = plog_start_offset(log);
    for (int i = 0; i + 1 < nsegs; i++) { /* never the active segment */
        plog_seg_info_t si;
        if (plog_segment_info(log, i, &si) != KERR_NONE) break;
        if (cfg->min_compaction_lag_ms > 0 && si.max_ts > now_ms - cfg->min_compaction_lag_ms)
            break;
        int64_t unstable = plog_first_unstable(log);
        if (unstable >= 0 && si.next_offset > unstable) break; /* an undecided transaction */
        if (n > 0 && total + (size_t)si.size > max_bytes) break;
        segs[n].info = si;
        segs[n].data = malloc((size_t)si.size + 1);
        if (!segs[n].data) abort();
        if (pread_full(si.fd, segs[n].data, (size_t)si.size, 0) != si.size) {
            free(segs[n].data);
            break;
        }
        total += (size_t)si.size;
        st->cleaned_to = si.next_offset;
        n++;
    }
    return n;
}

kerr_t cleaner_clean_log(plog_t *log, int64_t now_ms, size_t max_bytes, cleaner_stats_t *st)
{
    memset(st, 0, sizeof(*st));
    /* a log no partition has loaded yet: its producer state tells where undecided
     * transactions begin (and rebuilds the aborted transaction index recovery dropped) */
    if (plog_first_unstable(log) == PLOG_UNSTABLE_UNKNOWN) pidmap_free(pidmap_load(log));
    const plog_cfg_t *cfg = plog_cfg(log);
    cleaner_seg_t *segs = calloc((size_t)plog_segment_count(log) + 1, sizeof(*segs));
    if (!segs) abort();
    int n = cleaner_read_segs(log, now_ms, max_bytes, segs, st);
    cleaner_txns_t tx = {NULL, 0};
    if (n > 0) {
        int64_t from = segs[0].info.base, to = st->cleaned_to;
        tx.n = plog_aborted_txns(log, from, to, NULL, 0);
        tx.e = calloc(tx.n + 1, sizeof(*tx.e));
        if (!tx.e) abort();
        tx.n = plog_aborted_txns(log, from, to, tx.e, tx.n);
    }
    dict_t *map = dict_new();
    dict_t *kept_txn = dict_new(); /* across the pass's segments, in log order */
    wbuf_t scratch, out;
    wbuf_init(&scratch);
    wbuf_init(&out);
    for (int i = 0; i < n; i++)
        cleaner_each_record(&tx, segs[i].data, (size_t)segs[i].info.size, &scratch, cleaner_map_rec,
                            map);
    kerr_t err = KERR_NONE;
    for (int i = 0; i < n && !err; i++) {
        cleaner_keep_t kp = {&tx, kept_txn, map,
                             segs[i].info.max_ts < now_ms - cfg->delete_retention_ms, st};
        int64_t in_before = st->records_in, out_before = st->records_out;
        wbuf_reset(&out);
        cleaner_filter(&kp, segs[i].data, (size_t)segs[i].info.size, &out, &scratch);
        st->bytes_in += segs[i].info.size;
        st->bytes_out += (int64_t)out.len;
        if (st->records_out - out_before == st->records_in - in_before &&
            out.len == (size_t)segs[i].info.size)
            continue; /* nothing to remove here */
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%020" PRId64 ".log.cleaned", plog_dir(log),
                 segs[i].info.base);
        err = cleaner_write_file(path, &out);
        if (!err) err = plog_replace_segment(log, segs[i].info.base, path);
        if (err) {
            unlink(path);
            log_error("cleaner", "cleaning %s-%d segment %" PRId64 " failed: %s", plog_topic(log),
                      plog_partition(log), segs[i].info.base, kerr_str(err));
        }
        st->segments++;
    }
    for (int i = 0; i < n; i++) free(segs[i].data);
    free(segs);
    free(tx.e);
    dict_free(map, NULL);
    dict_free(kept_txn, NULL);
    wbuf_free(&scratch);
    wbuf_free(&out);
    return err;
}

/* ---------------------------------------------------------------- checkpoints, tick */

cleaner_t *cleaner_new(int64_t backoff_ms, size_t max_bytes_per_pass)
{
    cleaner_t *c = calloc(1, sizeof(*c));
    if (!c) abort();
    c->backoff_ms = backoff_ms;
    c->max_bytes = max_bytes_per_pass;
    c->ckpts = dict_new();
    c->dirs_read = dict_new();
    return c;
}

static void cleaner_ckpt_free(void *p)
{
    cleaner_ckpt_t *k = p;
    if (!k) return;
    free(k->dir);
    free(k->topic);
    free(k);
}

void cleaner_free(cleaner_t *c)
{
    if (!c) return;
    dict_free(c->ckpts, cleaner_ckpt_free);
    dict_free(c->dirs_read, NULL);
    free(c->last);
    free(c);
}

static cleaner_ckpt_t *cleaner_ckpt(cleaner_t *c, const char *dir, const char *topic,
                                    int32_t partition)
{
    char key[320];
    snprintf(key, sizeof(key), "%s-%d", topic, partition);
    cleaner_ckpt_t *k = dict_get(c->ckpts, key);
    if (k) return k;
    k = calloc(1, sizeof(*k));
    if (!k) abort();
    k->dir = strdup(dir);
    k->topic = strdup(topic);
    if (!k->dir || !k->topic) abort();
    k->partition = partition;
    dict_set(c->ckpts, key, k);
    return k;
}

/* The log dir's cleaner-offset-checkpoint (Kafka's text format), read once per dir. */
static void cleaner_read_dir(cleaner_t *c, const char *dir)
{
    if (dict_get(c->dirs_read, dir)) return;
    dict_set(c->dirs_read, dir, (void *)1);
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/cleaner-offset-checkpoint", dir);
    FILE *f = fopen(path, "r");
    if (!f) return;
    int version, count;
    char topic[256];
    int partition;
    long long off;
    if (fscanf(f, "%d %d", &version, &count) == 2 && version == 0)
        for (int i = 0; i < count && fscanf(f, "%255s %d %lld", topic, &partition, &off) == 3; i++)
            cleaner_ckpt(c, dir, topic, partition)->offset = off;
    fclose(f);
}

static void cleaner_write_dir(cleaner_t *c, const char *dir)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    snprintf(path, sizeof(path), "%s/cleaner-offset-checkpoint", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return;
    int count = 0;
    size_t it = 0;
    void *v;
    while (dict_next(c->ckpts, &it, NULL, &v))
        count += strcmp(((cleaner_ckpt_t *)v)->dir, dir) == 0;
    fprintf(f, "0\n%d\n", count);
    it = 0;
    while (dict_next(c->ckpts, &it, NULL, &v)) {
        cleaner_ckpt_t *k = v;
        if (strcmp(k->dir, dir) == 0)
            fprintf(f, "%s %d %" PRId64 "\n", k->topic, k->partition, k->offset);
    }
    fflush(f);
    fsync(fileno(f));
    fclose(f);
    if (rename(tmp, path) != 0) log_warn("cleaner", "rename %s: %s", tmp, strerror(errno));
}

/* Dirty: non-active data past the checkpoint, or tombstones that may have aged out. */
static bool cleaner_dirty(cleaner_ckpt_t *k, plog_t *log, int64_t now_ms)
{
    int n = plog_segment_count(log);
    plog_seg_info_t active;
    if (n < 2 || plog_segment_info(log, n - 1, &active) != KERR_NONE) return false;
    if (active.base > k->offset) return true;
    return now_ms - k->last_clean_ms >= plog_cfg(log)->delete_retention_ms;
}

void cleaner_tick(cleaner_t *c, plog_t **logs, int n, int64_t now_ms)
{
    if (now_ms - c->last_run_ms < c->backoff_ms) return;
    c->last_run_ms = now_ms;
    /* round robin: start after the log cleaned last */
    int start = 0;
    for (int i = 0; c->last && i < n; i++)
        if (strcmp(plog_dir(logs[i]), c->last) == 0) start = i + 1;
    for (int j = 0; j < n; j++) {
        plog_t *log = logs[(start + j) % n];
        if (!(plog_cfg(log)->cleanup_policy & PLOG_CLEANUP_COMPACT)) continue;
        char dir[PATH_MAX];
        snprintf(dir, sizeof(dir), "%s", plog_dir(log));
        char *slash = strrchr(dir, '/');
        if (slash) *slash = '\0';
        cleaner_read_dir(c, dir);
        cleaner_ckpt_t *k = cleaner_ckpt(c, dir, plog_topic(log), plog_partition(log));
        if (!cleaner_dirty(k, log, now_ms)) continue;
        cleaner_stats_t st;
        kerr_t err = cleaner_clean_log(log, now_ms, c->max_bytes, &st);
        k->last_clean_ms = now_ms;
        if (!err) k->offset = st.cleaned_to;
        cleaner_write_dir(c, dir);
        free(c->last);
        c->last = strdup(plog_dir(log));
        if (st.segments)
            log_info("cleaner",
                     "cleaned %s-%d up to offset %" PRId64 ": %d segments, %" PRId64 " -> %" PRId64
                     " records, %" PRId64 " -> %" PRId64 " bytes, %" PRId64 " tombstones removed",
                     plog_topic(log), plog_partition(log), st.cleaned_to, st.segments,
                     st.records_in, st.records_out, st.bytes_in, st.bytes_out,
                     st.tombstones_dropped);
        return; /* one log per pass */
    }
}
