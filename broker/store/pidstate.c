/* pidstate.c: producer state (see pidstate.h). Producers live in a dict keyed by the decimal
 * producer id; each keeps a ring of its last PIDSTATE_BATCHES batches. */
#include "pidstate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "dict.h"
#include "fileio.h"
#include "log.h"
#include "plog.h"
#include "rec/batch.h"
#include "rec/crc32c.h"
#include "rec/txnmark.h"

#define PIDSTATE_SNAPSHOT_VERSION 1
#define PIDSTATE_ENTRY_SIZE       (8 + 2 + 4 + 8 + 4 + 8 + 4 + 8)

typedef struct pid_batch {
    int32_t first_seq, last_seq;
    int64_t first_offset, last_offset;
    int64_t timestamp;
} pid_batch_t;

typedef struct pid_entry {
    int64_t pid;
    int16_t epoch;
    int n;    /* batches held (<= PIDSTATE_BATCHES) */
    int head; /* index of the newest */
    pid_batch_t b[PIDSTATE_BATCHES];
    int32_t coord_epoch; /* of its last marker, -1 none */
    int64_t txn_first;   /* first offset of its ongoing transaction, -1 none */
} pid_entry_t;

/* An ongoing transaction: kept in first-offset order (the order they begin in the log). */
typedef struct pid_txn {
    int64_t pid, first;
} pid_txn_t;

struct pidmap {
    dict_t *pids; /* "<pid>" -> pid_entry_t* */
    bool dirty;
    pid_txn_t *txns;
    size_t ntxns, captxns;
};

static pidmap_t *pidmap_new(void)
{
    pidmap_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->pids = dict_new();
    return m;
}

void pidmap_free(pidmap_t *m)
{
    if (!m) return;
    dict_free(m->pids, free);
    free(m->txns);
    free(m);
}

size_t pidmap_count(const pidmap_t *m)
{
    return m ? dict_size(m->pids) : 0;
}

static pid_entry_t *pidmap_get(const pidmap_t *m, int64_t pid)
{
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, pid);
    return dict_get(m->pids, key);
}

static pid_entry_t *pidmap_get_or_add(pidmap_t *m, int64_t pid, int16_t epoch)
{
    pid_entry_t *e = pidmap_get(m, pid);
    if (e) return e;
    e = calloc(1, sizeof(*e));
    if (!e) abort();
    e->pid = pid;
    e->epoch = epoch;
    e->coord_epoch = -1;
    e->txn_first = -1;
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, pid);
    dict_set(m->pids, key, e);
    return e;
}

/* Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from INT32_MAX to 0. */
static int32_t seq_add(int32_t seq, int32_t delta)
{
    if (seq > INT32_MAX - delta) return delta - (INT32_MAX - seq) - 1;
    return seq + delta;
}

static bool seq_follows(int32_t last, int32_t next)
{
    return (int64_t)next == (int64_t)last + 1 || (next == 0 && last == INT32_MAX);
}

/* ---------------------------------------------------------------- transactions */

static void pidmap_txn_begin(pidmap_t *m, pid_entry_t *e, int64_t first)
{
    e->txn_first = first;
    if (m->ntxns == m->captxns) {
        m->captxns = m->captxns ? m->captxns * 2 : 8;
        m->txns = realloc(m->txns, m->captxns * sizeof(*m->txns));
        if (!m->txns) abort();
    }
    size_t i = m->ntxns++;
    while (i > 0 && m->txns[i - 1].first > first) { /* in order but for snapshot loads */
        m->txns[i] = m->txns[i - 1];
        i--;
    }
    m->txns[i] = (pid_txn_t){e->pid, first};
}

static void pidmap_txn_forget(pidmap_t *m, int64_t pid)
{
    for (size_t i = 0; i < m->ntxns; i++) {
        if (m->txns[i].pid != pid) continue;
        memmove(m->txns + i, m->txns + i + 1, (m->ntxns - i - 1) * sizeof(*m->txns));
        m->ntxns--;
        return;
    }
}

int64_t pidmap_first_unstable(const pidmap_t *m)
{
    return m && m->ntxns ? m->txns[0].first : -1;
}

size_t pidmap_ongoing(const pidmap_t *m)
{
    return m ? m->ntxns : 0;
}

kerr_t pidmap_check_marker(const pidmap_t *m, int64_t pid, int16_t epoch, int32_t coord_epoch)
{
    const pid_entry_t *e = m ? pidmap_get(m, pid) : NULL;
    if (!e) return KERR_NONE;
    if (epoch < e->epoch) return KERR_INVALID_PRODUCER_EPOCH;
    if (coord_epoch < e->coord_epoch) return KERR_TRANSACTION_COORDINATOR_FENCED;
    return KERR_NONE;
}

/* A marker at h (type TXNMARK_*) ends the producer's transaction; an ABORT goes into the
 * log's aborted transaction index, with the LSO once it is done. */
static void pidmap_end_txn(pidmap_t *m, plog_t *log, const batch_hdr_t *h, int type,
                           int32_t coord_epoch)
{
    pid_entry_t *e = pidmap_get_or_add(m, h->producer_id, h->producer_epoch);
    if (h->producer_epoch > e->epoch) {
        e->epoch = h->producer_epoch;
        e->n = 0;
    }
    int64_t first = e->txn_first >= 0 ? e->txn_first : h->base_offset;
    if (e->txn_first >= 0) pidmap_txn_forget(m, e->pid);
    e->txn_first = -1;
    e->coord_epoch = coord_epoch;
    m->dirty = true;
    if (type != TXNMARK_ABORT || !log) return;
    int64_t lso = m->ntxns ? m->txns[0].first : h->base_offset + 1;
    if (plog_txn_aborted(log, e->pid, first, h->base_offset, lso) != KERR_NONE)
        log_warn("pidstate",
                 "%s-%d: aborted transaction of producer %" PRId64 " at %" PRId64
                 " not written to the .txnindex",
                 plog_topic(log), plog_partition(log), e->pid, h->base_offset);
}

/* Record one batch (called for every appended batch, leader or follower). p: the batch's
 * bytes (at least its header; a whole control batch). */
static void pidmap_add_batch(pidmap_t *m, plog_t *log, const batch_hdr_t *h, const uint8_t *p,
                             size_t avail)
{
    if (h->producer_id < 0) return;
    if (h->attributes & BATCH_ATTR_CONTROL) {
        int32_t ce = -1;
        int type = txnmark_type(p, avail, &ce);
        if (type >= 0) pidmap_end_txn(m, log, h, type, ce);
        return;
    }
    pid_entry_t *e = pidmap_get_or_add(m, h->producer_id, h->producer_epoch);
    if ((h->attributes & BATCH_ATTR_TRANSACTIONAL) && e->txn_first < 0)
        pidmap_txn_begin(m, e, h->base_offset);
    if (h->producer_epoch != e->epoch) {
        e->epoch = h->producer_epoch;
        e->n = 0;
    }
    e->head = e->n == 0 ? 0 : (e->head + 1) % PIDSTATE_BATCHES;
    if (e->n < PIDSTATE_BATCHES) e->n++;
    pid_batch_t *b = &e->b[e->head];
    b->first_seq = h->base_sequence;
    b->last_seq = seq_add(h->base_sequence, h->last_offset_delta);
    b->first_offset = h->base_offset;
    b->last_offset = batch_last_offset(h);
    b->timestamp = h->max_timestamp;
    m->dirty = true;
}

kerr_t pidmap_check(pidmap_t *m, const uint8_t *buf, size_t len, int64_t *dup_offset)
{
    batch_hdr_t h;
    if (!m || batch_hdr_parse(buf, len, &h) != KERR_NONE || h.producer_id < 0) return KERR_NONE;
    pid_entry_t *e = pidmap_get(m, h.producer_id);
    if (!e || e->n == 0) {
        if (e && h.producer_epoch < e->epoch) return KERR_INVALID_PRODUCER_EPOCH;
        return h.base_sequence == 0 ? KERR_NONE : KERR_UNKNOWN_PRODUCER_ID;
    }
    if (h.producer_epoch < e->epoch) return KERR_INVALID_PRODUCER_EPOCH;
    /* Kafka: a producer with an open transaction writes transactionally until its marker */
    if (e->txn_first >= 0 && !(h.attributes & BATCH_ATTR_TRANSACTIONAL))
        return KERR_INVALID_TXN_STATE;
    if (h.producer_epoch > e->epoch)
        return h.base_sequence == 0 ? KERR_NONE : KERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    int32_t last_seq = seq_add(h.base_sequence, h.last_offset_delta);
    for (int i = 0; i < e->n; i++) {
        const pid_batch_t *b = &e->b[i];
        if (b->first_seq == h.base_sequence && b->last_seq == last_seq) {
            *dup_offset = b->first_offset;
            return KERR_DUPLICATE_SEQUENCE_NUMBER;
        }
    }
    if (!seq_follows(e->b[e->head].last_seq, h.base_sequence))
        return KERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    return KERR_NONE;
}

void pidmap_update(pidmap_t *m, plog_t *log, const uint8_t *buf, size_t len)
{
    if (!m) return;
    size_t off = 0;
    while (off < len) {
        batch_hdr_t h;
        if (batch_hdr_parse(buf + off, len - off, &h) != KERR_NONE) break;
        pidmap_add_batch(m, log, &h, buf + off, batch_size(&h));
        off += batch_size(&h);
    }
    if (log) plog_set_first_unstable(log, pidmap_first_unstable(m));
}

/* ---------------------------------------------------------------- snapshots */

static bool pidmap_snapshot_name(const char *name, int64_t *offset)
{
    size_t l = strlen(name);
    if (l != 20 + 9 || strcmp(name + 20, ".snapshot") != 0) return false;
    char *end;
    long long v = strtoll(name, &end, 10);
    if (end != name + 20 || v < 0) return false;
    *offset = v;
    return true;
}

/* Offsets of the snapshot files in dir, ascending. Caller frees. */
static int64_t *pidmap_list(const char *dir, int *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return NULL;
    int64_t *offs = NULL;
    int cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        int64_t o;
        if (!pidmap_snapshot_name(de->d_name, &o)) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            offs = realloc(offs, (size_t)cap * sizeof(*offs));
            if (!offs) abort();
        }
        int i = (*n)++;
        while (i > 0 && offs[i - 1] > o) {
            offs[i] = offs[i - 1];
            i--;
        }
        offs[i] = o;
    }
    closedir(d);
    return offs;
}

static void pidmap_path(const plog_t *log, int64_t offset, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%020" PRId64 ".snapshot", plog_dir(log), offset);
}

/* Parse one snapshot file into m. false when it is missing or corrupt. */
static bool pidmap_read(pidmap_t *m, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    uint8_t *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            data = realloc(data, cap);
            if (!data) abort();
        }
        size_t r = fread(data + len, 1, cap - len, f);
        if (r == 0) break;
        len += r;
    }
    fclose(f);
    rbuf_t rb;
    rbuf_init(&rb, data, len);
    int16_t ver = rbuf_i16(&rb);
    uint32_t crc = rbuf_u32(&rb);
    bool ok = !rbuf_err(&rb) && ver == PIDSTATE_SNAPSHOT_VERSION &&
              crc32c(0, rb.p, rbuf_left(&rb)) == crc;
    int32_t n = ok ? rbuf_array_len(&rb, false, PIDSTATE_ENTRY_SIZE) : 0;
    for (int32_t i = 0; ok && i < n && !rbuf_err(&rb); i++) {
        int64_t pid = rbuf_i64(&rb);
        int16_t epoch = rbuf_i16(&rb);
        int32_t last_seq = rbuf_i32(&rb);
        int64_t last_offset = rbuf_i64(&rb);
        int32_t delta = rbuf_i32(&rb);
        int64_t ts = rbuf_i64(&rb);
        int32_t coord_epoch = rbuf_i32(&rb);
        int64_t txn_first = rbuf_i64(&rb);
        if (rbuf_err(&rb) || delta < 0) break;
        pid_entry_t *e = pidmap_get_or_add(m, pid, epoch);
        e->epoch = epoch;
        e->coord_epoch = coord_epoch;
        if (txn_first >= 0 && e->txn_first < 0) pidmap_txn_begin(m, e, txn_first);
        e->n = 1;
        e->head = 0;
        e->b[0].last_seq = last_seq;
        int64_t first = (int64_t)last_seq - delta; /* undo a wrap past INT32_MAX */
        if (first < 0) first += (int64_t)INT32_MAX + 1;
        e->b[0].first_seq = (int32_t)first;
        e->b[0].last_offset = last_offset;
        e->b[0].first_offset = last_offset - delta;
        e->b[0].timestamp = ts;
    }
    ok = ok && !rbuf_err(&rb);
    free(data);
    return ok;
}

typedef struct replay {
    pidmap_t *m;
    plog_t *log;
} replay_t;

static void pidmap_replay_cb(void *arg, const batch_hdr_t *h, const uint8_t *p, size_t avail)
{
    replay_t *r = arg;
    pidmap_add_batch(r->m, r->log, h, p, avail);
}

pidmap_t *pidmap_load(plog_t *log)
{
    pidmap_t *m = pidmap_new();
    int n = 0;
    int64_t *offs = pidmap_list(plog_dir(log), &n);
    int64_t end = plog_end_offset(log);
    int64_t from = plog_start_offset(log);
    for (int i = n - 1; i >= 0; i--) {
        char path[PATH_MAX];
        pidmap_path(log, offs[i], path, sizeof(path));
        if (offs[i] > end) { /* written before a truncation: stale */
            unlink(path);
            continue;
        }
        if (offs[i] < from) break;
        if (offs[i] > plog_rebuilt_from(log)) continue; /* replay what recovery re-read */
        if (pidmap_read(m, path)) {
            from = offs[i];
            break;
        }
        log_warn("pidstate", "producer snapshot %s is corrupt; ignoring it", path);
        pidmap_free(m);
        m = pidmap_new();
    }
    free(offs);
    replay_t r = {m, log};
    if (plog_foreach_batch(log, from, pidmap_replay_cb, &r) != KERR_NONE)
        log_warn("pidstate",
                 "%s-%d: could not read every batch header while rebuilding producer "
                 "state",
                 plog_topic(log), plog_partition(log));
    m->dirty = false;
    plog_set_first_unstable(log, pidmap_first_unstable(m));
    return m;
}

kerr_t pidmap_snapshot(pidmap_t *m, plog_t *log)
{
    if (!m || !m->dirty) return KERR_NONE;
    wbuf_t wb;
    wbuf_init(&wb);
    wbuf_i16(&wb, PIDSTATE_SNAPSHOT_VERSION);
    size_t crc_at = wbuf_reserve_i32(&wb);
    size_t body = wb.len;
    wbuf_i32(&wb, (int32_t)dict_size(m->pids));
    size_t it = 0;
    void *v;
    while (dict_next(m->pids, &it, NULL, &v)) {
        pid_entry_t *e = v;
        const pid_batch_t *b = &e->b[e->head];
        wbuf_i64(&wb, e->pid);
        wbuf_i16(&wb, e->epoch);
        wbuf_i32(&wb, e->n ? b->last_seq : -1);
        wbuf_i64(&wb, e->n ? b->last_offset : -1);
        wbuf_i32(&wb, e->n ? (int32_t)(b->last_offset - b->first_offset) : 0);
        wbuf_i64(&wb, e->n ? b->timestamp : -1);
        wbuf_i32(&wb, e->coord_epoch);
        wbuf_i64(&wb, e->txn_first);
    }
    wbuf_put_i32_at(&wb, crc_at, (int32_t)crc32c(0, wb.p + body, wb.len - body));
    char path[PATH_MAX], tmp[PATH_MAX];
    pidmap_path(log, plog_end_offset(log), path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    kerr_t err = KERR_NONE;
    if (fd < 0 || pwrite_all(fd, wb.p, wb.len, 0) != 0 || fsync(fd) != 0) err = KERR__IO;
    if (fd >= 0) close(fd);
    if (!err && rename(tmp, path) != 0) err = KERR__IO;
    wbuf_free(&wb);
    if (err) {
        log_warn("pidstate", "write %s failed: %s", path, strerror(errno));
        unlink(tmp);
        return err;
    }
    m->dirty = false;
    /* keep the two newest */
    int n = 0;
    int64_t *offs = pidmap_list(plog_dir(log), &n);
    for (int i = 0; i + 2 < n; i++) {
        pidmap_path(log, offs[i], path, sizeof(path));
        unlink(path);
    }
    free(offs);
    return KERR_NONE;
}

void pidmap_foreach(const pidmap_t *m, pidmap_visit_fn *fn, void *arg)
{
    if (!m) return;
    size_t it = 0;
    void *v;
    while (dict_next(m->pids, &it, NULL, &v)) {
        const pid_entry_t *e = v;
        const pid_batch_t *last = e->n > 0 ? &e->b[e->head] : NULL;
        pidmap_view_t view = {.pid = e->pid,
                              .epoch = e->epoch,
                              .last_sequence = last ? last->last_seq : -1,
                              .last_timestamp = last ? last->timestamp : -1,
                              .coord_epoch = e->coord_epoch,
                              .txn_first = e->txn_first};
        fn(arg, &view);
    }
}
