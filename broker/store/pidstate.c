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
#include "log.h"
#include "plog.h"
#include "rec/batch.h"
#include "rec/crc32c.h"

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
} pid_entry_t;

struct pidmap {
    dict_t *pids; /* "<pid>" -> pid_entry_t* */
    bool dirty;
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

/* Record one batch (called for every appended batch, leader or follower). */
static void pidmap_add_batch(pidmap_t *m, const batch_hdr_t *h)
{
    if (h->producer_id < 0) return;
    pid_entry_t *e = pidmap_get_or_add(m, h->producer_id, h->producer_epoch);
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

void pidmap_update(pidmap_t *m, const uint8_t *buf, size_t len)
{
    if (!m) return;
    size_t off = 0;
    while (off < len) {
        batch_hdr_t h;
        if (batch_hdr_parse(buf + off, len - off, &h) != KERR_NONE) return;
        pidmap_add_batch(m, &h);
        off += batch_size(&h);
    }
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
        rbuf_i32(&rb); /* coordinator epoch (transactions) */
        rbuf_i64(&rb); /* current transaction's first offset */
        if (rbuf_err(&rb) || delta < 0) break;
        pid_entry_t *e = pidmap_get_or_add(m, pid, epoch);
        e->epoch = epoch;
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

static void pidmap_replay_cb(void *arg, const batch_hdr_t *h)
{
    pidmap_add_batch(arg, h);
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
        if (pidmap_read(m, path)) {
            from = offs[i];
            break;
        }
        log_warn("pidstate", "producer snapshot %s is corrupt; ignoring it", path);
        pidmap_free(m);
        m = pidmap_new();
    }
    free(offs);
    if (plog_foreach_batch(log, from, pidmap_replay_cb, m) != KERR_NONE)
        log_warn("pidstate",
                 "%s-%d: could not read every batch header while rebuilding producer "
                 "state",
                 plog_topic(log), plog_partition(log));
    m->dirty = false;
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
        wbuf_i32(&wb, -1);
        wbuf_i64(&wb, -1);
    }
    wbuf_put_i32_at(&wb, crc_at, (int32_t)crc32c(0, wb.p + body, wb.len - body));
    char path[PATH_MAX], tmp[PATH_MAX];
    pidmap_path(log, plog_end_offset(log), path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    kerr_t err = KERR_NONE;
    if (fd < 0 || write(fd, wb.p, wb.len) != (ssize_t)wb.len || fsync(fd) != 0) err = KERR__IO;
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
