/* lmgr.c: log dirs, partition logs by "topic-partition" name, checkpoint files. */
#include "lmgr.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleaner.h"
#include "dict.h"
#include "fdcache.h"
#include "fileio.h"
#include "ktime.h"
#include "log.h"
#include "prom.h"

#define LMGR_MAX_DIRS     16
#define LMGR_CLEAN_MARKER ".kafka_cleanshutdown"

typedef struct lmgr_entry {
    plog_t *log;
    int dir;        /* index into m->dirs */
    int64_t hw;     /* from replication-offset-checkpoint at start-up, -1 = none */
    plog_t *future; /* the copy being made in another dir (AlterReplicaLogDirs), or NULL */
    int future_dir;
} lmgr_entry_t;

struct lmgr {
    char *dirs[LMGR_MAX_DIRS];
    int ndirs;
    int32_t broker_id;
    plog_cfg_t defaults;
    dict_t *logs; /* "topic-partition" -> lmgr_entry_t* */
    int64_t retention_check_ms, checkpoint_ms;
    int64_t last_retention, last_checkpoint;
    int64_t (*hw_fn)(plog_t *log, void *arg);
    void *hw_arg;
    cleaner_t *cleaner; /* NULL when log.cleaner.enable=false */
    prom_hist_t flush_ms;
    dict_t *preferred; /* "topic-partition" -> int* dir for logs not created yet */
    /* log dir failure (KIP-112): offline dirs, the logs they held ("topic-partition" -> int*
     * dir, never served nor re-created until a restart), and who is told of an I/O error */
    bool offline[LMGR_MAX_DIRS];
    dict_t *offline_logs;
    lmgr_fail_fn *fail_fn;
    void *fail_arg;
};

static void lmgr_dir_error(lmgr_t *m, int dir, const char *what)
{
    if (dir < 0 || dir >= m->ndirs || m->offline[dir]) return;
    log_error("lmgr", "I/O error in log dir %s (%s)", m->dirs[dir], what);
    if (m->fail_fn) m->fail_fn(m->fail_arg, dir);
}

/* ---- checkpoint files ---- */

typedef struct ckpt_ent {
    char *topic;
    int32_t partition;
    int64_t offset;
} ckpt_ent_t;

/* Read "<dir>/<name>" into a dict "topic-partition" -> offset (heap int64). */
static dict_t *ckpt_read(const char *dir, const char *name)
{
    dict_t *d = dict_new();
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) return d;
    int version, n;
    if (fscanf(f, "%d %d", &version, &n) == 2 && version == 0) {
        char topic[256];
        int p;
        long long off;
        for (int i = 0; i < n && fscanf(f, "%255s %d %lld", topic, &p, &off) == 3; i++) {
            char key[300];
            snprintf(key, sizeof(key), "%s-%d", topic, p);
            int64_t *v = malloc(sizeof(*v));
            if (!v) abort();
            *v = off;
            free(dict_set(d, key, v));
        }
    } else {
        log_warn("lmgr", "malformed checkpoint file %s ignored", path);
    }
    fclose(f);
    return d;
}

static int64_t ckpt_get(dict_t *d, const char *key, int64_t dflt)
{
    int64_t *v = dict_get(d, key);
    return v ? *v : dflt;
}

typedef struct ckpt_writer {
    lmgr_t *m;
    int dir;
    FILE *f;
    int count;
    int which; /* 0 recovery, 1 replication (hw), 2 log start */
} ckpt_writer_t;

static void ckpt_write_one(lmgr_t *m, int dir, const char *name, int which)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", m->dirs[dir], name);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int count = 0;
    size_t it = 0;
    void *v;
    while (dict_next(m->logs, &it, NULL, &v))
        if (((lmgr_entry_t *)v)->dir == dir) count++;
    if (m->offline[dir]) return;
    FILE *f = fopen(tmp, "w");
    if (!f && fdcache_errno_kerr(errno) == KERR__NOFD) {
        /* out of fds is the process's trouble, not the disk's: the next checkpoint retries */
        log_warn("lmgr", "write %s: %s (skipped)", tmp, strerror(errno));
        return;
    }
    if (!f) {
        log_error("lmgr", "write %s: %s", tmp, strerror(errno));
        lmgr_dir_error(m, dir, name);
        return;
    }
    fprintf(f, "0\n%d\n", which == 3 ? 0 : count);
    it = 0;
    while (which != 3 && dict_next(m->logs, &it, NULL, &v)) {
        lmgr_entry_t *e = v;
        if (e->dir != dir) continue;
        int64_t off = which == 0 ? plog_recovery_point(e->log)
                      : which == 1
                          ? (m->hw_fn ? m->hw_fn(e->log, m->hw_arg) : plog_end_offset(e->log))
                          : plog_start_offset(e->log);
        fprintf(f, "%s %d %" PRId64 "\n", plog_topic(e->log), plog_partition(e->log), off);
    }
    bool bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad = fclose(f) != 0 || bad;
    if (bad) {
        log_error("lmgr", "write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        lmgr_dir_error(m, dir, name);
        return;
    }
    if (rename(tmp, path) != 0) {
        log_error("lmgr", "rename %s: %s", tmp, strerror(errno));
        lmgr_dir_error(m, dir, name);
    }
}

static lmgr_entry_t *lmgr_entry(lmgr_t *m, const char *topic, int32_t partition)
{
    char key[300];
    snprintf(key, sizeof(key), "%s-%d", topic, partition);
    return dict_get(m->logs, key);
}

void lmgr_checkpoint_log_start(lmgr_t *m, plog_t *log)
{
    lmgr_entry_t *e = lmgr_entry(m, plog_topic(log), plog_partition(log));
    if (e) ckpt_write_one(m, e->dir, "log-start-offset-checkpoint", 2);
}

void lmgr_checkpoint(lmgr_t *m)
{
    for (int d = 0; d < m->ndirs; d++) {
        if (m->offline[d]) continue;
        ckpt_write_one(m, d, "recovery-point-offset-checkpoint", 0);
        ckpt_write_one(m, d, "replication-offset-checkpoint", 1);
        ckpt_write_one(m, d, "log-start-offset-checkpoint", 2);
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/cleaner-offset-checkpoint", m->dirs[d]);
        if (access(path, F_OK) != 0) ckpt_write_one(m, d, "cleaner-offset-checkpoint", 3);
    }
}

/* ---- meta.properties ---- */

static kerr_t lmgr_meta(lmgr_t *m, const char *dir, const char *cluster_id, char *err, size_t n)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/meta.properties", dir);
    FILE *f = fopen(path, "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof(line), f)) {
            int id;
            if (sscanf(line, "broker.id=%d", &id) == 1 && id != m->broker_id) {
                snprintf(err, n,
                         "The broker id %d in %s doesn't match the configured broker.id %d; "
                         "this log dir belongs to another broker",
                         id, path, m->broker_id);
                fclose(f);
                return KERR__INVAL;
            }
        }
        fclose(f);
        return KERR_NONE;
    }
    f = fopen(path, "w");
    if (!f) {
        snprintf(err, n, "cannot write %s: %s", path, strerror(errno));
        return KERR__IO;
    }
    fprintf(f, "#\n#%s\nversion=0\nbroker.id=%d\n", "written by kafka-server", m->broker_id);
    if (cluster_id) fprintf(f, "cluster.id=%s\n", cluster_id);
    fclose(f);
    return KERR_NONE;
}

/* ---- open ---- */

static void lmgr_entry_free(void *p)
{
    lmgr_entry_t *e = p;
    if (!e) return;
    plog_close(e->log);
    if (e->future) plog_delete(e->future); /* an unfinished copy is not kept */
    free(e);
}

/* "topic-partition" dir name -> topic, partition. */
static bool lmgr_parse_dirname(const char *name, char *topic, size_t n, int32_t *p)
{
    const char *dash = strrchr(name, '-');
    if (!dash || dash == name || !dash[1]) return false;
    char *end;
    long v = strtol(dash + 1, &end, 10);
    if (*end || v < 0 || v > INT32_MAX) return false;
    if ((size_t)(dash - name) >= n) return false;
    snprintf(topic, n, "%.*s", (int)(dash - name), name);
    *p = (int32_t)v;
    return true;
}

static kerr_t lmgr_open_dir(lmgr_t *m, int di, char *err, size_t n)
{
    const char *dir = m->dirs[di];
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/" LMGR_CLEAN_MARKER, dir);
    bool clean = access(path, F_OK) == 0;
    dict_t *rp = ckpt_read(dir, "recovery-point-offset-checkpoint");
    dict_t *ls = ckpt_read(dir, "log-start-offset-checkpoint");
    dict_t *hw = ckpt_read(dir, "replication-offset-checkpoint");
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, n, "cannot open log dir %s: %s", dir, strerror(errno));
        dict_free(rp, free);
        dict_free(ls, free);
        dict_free(hw, free);
        return KERR__IO;
    }
    struct dirent *de;
    kerr_t rc = KERR_NONE;
    int opened = 0;
    while ((de = readdir(d)) && !rc) {
        if (de->d_name[0] == '.') continue;
        char full[PATH_MAX];
        snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(full, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        size_t l = strlen(de->d_name);
        if (l > 7 && strcmp(de->d_name + l - 7, "-delete") == 0) {
            rm_rf(full);
            continue;
        }
        if (l > 7 && strcmp(de->d_name + l - 7, "-future") == 0) {
            log_info("lmgr", "removing %s: a replica move that did not finish before the stop",
                     full);
            rm_rf(full);
            continue;
        }
        char topic[256];
        int32_t p;
        if (!lmgr_parse_dirname(de->d_name, topic, sizeof(topic), &p)) continue;
        plog_t *log;
        rc = plog_open(full, topic, p, &m->defaults, ckpt_get(rp, de->d_name, 0),
                       ckpt_get(ls, de->d_name, 0), clean, &log);
        if (rc) {
            snprintf(err, n, "cannot open partition log %s: %s", full, kerr_str(rc));
            break;
        }
        lmgr_entry_t *prev = dict_get(m->logs, de->d_name);
        if (prev) {
            /* Kafka's check: a stop between the two renames of a replica move */
            snprintf(err, n,
                     "Duplicate log directories for %s are found in both %s and %s. Recover by "
                     "deleting one of the two directories for this partition",
                     de->d_name, plog_dir(prev->log), full);
            plog_close(log);
            rc = KERR__INVAL;
            break;
        }
        lmgr_entry_t *e = calloc(1, sizeof(*e));
        if (!e) abort();
        e->log = log;
        e->dir = di;
        e->hw = ckpt_get(hw, de->d_name, -1);
        dict_set(m->logs, de->d_name, e);
        opened++;
    }
    closedir(d);
    dict_free(rp, free);
    dict_free(ls, free);
    dict_free(hw, free);
    if (!rc) {
        unlink(path);
        log_info("lmgr", "loaded %d partition logs from %s (%s)", opened, dir,
                 clean ? "after a clean shutdown"
                       : "unclean shutdown: data after the recovery point was checked");
    }
    return rc;
}

kerr_t lmgr_open(const char *log_dirs, int32_t broker_id, const char *cluster_id,
                 const plog_cfg_t *defaults, lmgr_t **out, char *err, size_t errlen)
{
    lmgr_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->broker_id = broker_id;
    m->defaults = *defaults;
    m->logs = dict_new();
    m->preferred = dict_new();
    m->offline_logs = dict_new();
    m->retention_check_ms = 300000;
    m->checkpoint_ms = 60000;
    m->last_retention = m->last_checkpoint = ktime_wall_ms();
    const char *p = log_dirs;
    while (*p && m->ndirs < LMGR_MAX_DIRS) {
        while (*p == ',' || *p == ' ') p++;
        if (!*p) break;
        size_t len = strcspn(p, ",");
        char *d = strndup(p, len);
        while (len > 1 && d[len - 1] == ' ') d[--len] = '\0';
        m->dirs[m->ndirs++] = d;
        p += len;
    }
    kerr_t rc = m->ndirs ? KERR_NONE : KERR__INVAL;
    if (rc) snprintf(err, errlen, "log.dirs is empty");
    for (int i = 0; i < m->ndirs && !rc; i++) {
        /* mkdir -p */
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof(tmp), "%s", m->dirs[i]);
        for (char *s = tmp + 1; *s; s++) {
            if (*s != '/') continue;
            *s = '\0';
            mkdir(tmp, 0755);
            *s = '/';
        }
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create log dir %s: %s", tmp, strerror(errno));
            rc = KERR__IO;
            break;
        }
        rc = lmgr_meta(m, m->dirs[i], cluster_id, err, errlen);
        if (!rc) rc = lmgr_open_dir(m, i, err, errlen);
    }
    if (rc) {
        lmgr_close(m, false);
        return rc;
    }
    *out = m;
    return KERR_NONE;
}

plog_t *lmgr_get(lmgr_t *m, const char *topic, int32_t partition)
{
    lmgr_entry_t *e = lmgr_entry(m, topic, partition);
    return e ? e->log : NULL;
}

/* Kafka's LogManager.nextLogDirs: the dir holding the fewest partition logs (the first
 * configured one on a tie). */
static int lmgr_pick_dir(lmgr_t *m, const char *key)
{
    int *pref = dict_get(m->preferred, key);
    if (pref) {
        int d = *pref;
        free(dict_del(m->preferred, key));
        if (!m->offline[d]) return d; /* else: the fewest among the healthy dirs */
    }
    int count[LMGR_MAX_DIRS] = {0};
    size_t it = 0;
    void *v;
    while (dict_next(m->logs, &it, NULL, &v)) count[((lmgr_entry_t *)v)->dir]++;
    int best = -1;
    for (int d = 0; d < m->ndirs; d++)
        if (!m->offline[d] && (best < 0 || count[d] < count[best])) best = d;
    return best;
}

kerr_t lmgr_get_or_create(lmgr_t *m, const char *topic, int32_t partition, const plog_cfg_t *cfg,
                          plog_t **out)
{
    plog_t *log = lmgr_get(m, topic, partition);
    if (log) {
        plog_set_cfg(log, cfg);
        *out = log;
        return KERR_NONE;
    }
    char key[300], dir[PATH_MAX];
    snprintf(key, sizeof(key), "%s-%d", topic, partition);
    if (dict_get(m->offline_logs, key)) return KERR_KAFKA_STORAGE_ERROR;
    int di = lmgr_pick_dir(m, key);
    if (di < 0 || m->offline[di]) return KERR_KAFKA_STORAGE_ERROR;
    snprintf(dir, sizeof(dir), "%s/%s", m->dirs[di], key);
    kerr_t rc = plog_open(dir, topic, partition, cfg, 0, 0, true, &log);
    if (rc == KERR__IO) lmgr_dir_error(m, di, "create log");
    if (rc) return rc;
    lmgr_entry_t *e = calloc(1, sizeof(*e));
    if (!e) abort();
    e->log = log;
    e->dir = di;
    dict_set(m->logs, key, e);
    log_info("lmgr", "created log for partition %s in %s", key, m->dirs[di]);
    *out = log;
    return KERR_NONE;
}

kerr_t lmgr_delete(lmgr_t *m, const char *topic, int32_t partition)
{
    char key[300];
    snprintf(key, sizeof(key), "%s-%d", topic, partition);
    lmgr_entry_t *e = dict_del(m->logs, key);
    if (!e) return KERR__NOENT;
    if (e->future) plog_delete(e->future);
    kerr_t rc = plog_delete(e->log);
    free(e);
    return rc;
}

void lmgr_foreach(lmgr_t *m, void (*cb)(plog_t *log, void *arg), void *arg)
{
    size_t it = 0;
    void *v;
    while (dict_next(m->logs, &it, NULL, &v)) cb(((lmgr_entry_t *)v)->log, arg);
}

int lmgr_dir_count(const lmgr_t *m)
{
    return m->ndirs;
}

const char *lmgr_dir_path(const lmgr_t *m, int i)
{
    return i >= 0 && i < m->ndirs ? m->dirs[i] : NULL;
}

int lmgr_log_dir(lmgr_t *m, const char *topic, int32_t partition)
{
    lmgr_entry_t *e = lmgr_entry(m, topic, partition);
    return e ? e->dir : -1;
}

int64_t lmgr_checkpointed_hw(lmgr_t *m, const char *topic, int32_t partition)
{
    lmgr_entry_t *e = lmgr_entry(m, topic, partition);
    return e ? e->hw : -1;
}

void lmgr_set_hw_fn(lmgr_t *m, int64_t (*hw)(plog_t *log, void *arg), void *arg)
{
    m->hw_fn = hw;
    m->hw_arg = arg;
}

void lmgr_set_intervals(lmgr_t *m, int64_t retention_check_ms, int64_t checkpoint_ms)
{
    m->retention_check_ms = retention_check_ms;
    m->checkpoint_ms = checkpoint_ms;
}

/* ---- log cleaner ---- */

#define LMGR_CLEAN_BYTES_PER_PASS (64 * 1024 * 1024)

void lmgr_set_cleaner(lmgr_t *m, bool enable, int64_t backoff_ms)
{
    cleaner_free(m->cleaner);
    m->cleaner = enable ? cleaner_new(backoff_ms, LMGR_CLEAN_BYTES_PER_PASS) : NULL;
}

static void lmgr_clean(lmgr_t *m, int64_t now_ms)
{
    plog_t **logs = calloc(dict_size(m->logs) + 1, sizeof(*logs));
    if (!logs) abort();
    int n = 0;
    size_t it = 0;
    void *v;
    while (dict_next(m->logs, &it, NULL, &v)) logs[n++] = ((lmgr_entry_t *)v)->log;
    cleaner_tick(m->cleaner, logs, n, now_ms);
    free(logs);
}

const prom_hist_t *lmgr_flush_stats(const lmgr_t *m)
{
    return &m->flush_ms;
}

void lmgr_tick(lmgr_t *m, int64_t now_ms)
{
    size_t it = 0;
    void *v;
    while (dict_next(m->logs, &it, NULL, &v)) {
        int64_t t0 = ktime_mono_us();
        kerr_t err;
        lmgr_entry_t *e = v;
        if (plog_maybe_flush(e->log, now_ms, &err))
            prom_hist_observe(&m->flush_ms, (double)(ktime_mono_us() - t0) / 1000.0);
        if (err == KERR__IO) lmgr_dir_error(m, e->dir, "flush"); /* not KERR__NOFD */
    }
    if (now_ms - m->last_retention >= m->retention_check_ms) {
        m->last_retention = now_ms;
        it = 0;
        while (dict_next(m->logs, &it, NULL, &v)) plog_retention(((lmgr_entry_t *)v)->log, now_ms);
    }
    if (now_ms - m->last_checkpoint >= m->checkpoint_ms) {
        m->last_checkpoint = now_ms;
        lmgr_checkpoint(m);
    }
    if (m->cleaner) lmgr_clean(m, now_ms);
}

void lmgr_close(lmgr_t *m, bool clean)
{
    if (!m) return;
    if (clean) {
        size_t it = 0;
        void *v;
        while (dict_next(m->logs, &it, NULL, &v)) plog_flush(((lmgr_entry_t *)v)->log);
        lmgr_checkpoint(m);
        for (int i = 0; i < m->ndirs; i++) {
            if (m->offline[i]) continue;
            char path[PATH_MAX];
            snprintf(path, sizeof(path), "%s/" LMGR_CLEAN_MARKER, m->dirs[i]);
            FILE *f = fopen(path, "w");
            if (f) {
                fsync(fileno(f));
                fclose(f);
            }
        }
    }
    dict_free(m->logs, lmgr_entry_free);
    dict_free(m->preferred, free);
    dict_free(m->offline_logs, free);
    cleaner_free(m->cleaner);
    for (int i = 0; i < m->ndirs; i++) free(m->dirs[i]);
    free(m);
}

/* ---- replica moves between log dirs ---- */

int lmgr_dir_index(const lmgr_t *m, const char *path)
{
    char cwd[PATH_MAX], abs[PATH_MAX * 2];
    for (int i = 0; i < m->ndirs; i++) {
        const char *d = m->dirs[i];
        if (d[0] != '/' && getcwd(cwd, sizeof(cwd))) {
            snprintf(abs, sizeof(abs), "%s/%s", cwd, d);
            d = abs;
        }
        if (strcmp(d, path) == 0) return i;
    }
    return -1;
}

void lmgr_prefer_dir(lmgr_t *m, const char *topic, int32_t partition, int dir)
{
    char key[300];
    snprintf(key, sizeof(key), "%s-%d", topic, partition);
    int *v = malloc(sizeof(*v));
    if (!v) abort();
    *v = dir;
    free(dict_set(m->preferred, key, v));
}

plog_t *lmgr_future(lmgr_t *m, const char *topic, int32_t partition, int *dir)
{
    lmgr_entry_t *e = lmgr_entry(m, topic, partition);
    if (!e || !e->future) return NULL;
    if (dir) *dir = e->future_dir;
    return e->future;
}

kerr_t lmgr_future_open(lmgr_t *m, const char *topic, int32_t partition, int dir,
                        const plog_cfg_t *cfg, plog_t **out)
{
    lmgr_entry_t *e = lmgr_entry(m, topic, partition);
    if (!e || dir < 0 || dir >= m->ndirs) return KERR__NOENT;
    if (m->offline[dir]) return KERR_KAFKA_STORAGE_ERROR;
    if (e->future && e->future_dir == dir) {
        *out = e->future;
        return KERR_NONE;
    }
    lmgr_future_drop(m, topic, partition);
    char uuid[33], path[PATH_MAX];
    plog_uuid_hex(uuid);
    snprintf(path, sizeof(path), "%s/%s-%d.%s-future", m->dirs[dir], topic, partition, uuid);
    kerr_t rc = plog_open(path, topic, partition, cfg, 0, 0, true, &e->future);
    if (rc) {
        e->future = NULL;
        return rc;
    }
    e->future_dir = dir;
    *out = e->future;
    return KERR_NONE;
}

void lmgr_future_drop(lmgr_t *m, const char *topic, int32_t partition)
{
    lmgr_entry_t *e = lmgr_entry(m, topic, partition);
    if (!e || !e->future) return;
    plog_delete(e->future);
    e->future = NULL;
}

kerr_t lmgr_future_promote(lmgr_t *m, const char *topic, int32_t partition, plog_t **out)
{
    lmgr_entry_t *e = lmgr_entry(m, topic, partition);
    if (!e || !e->future) return KERR__NOENT;
    char final[PATH_MAX];
    snprintf(final, sizeof(final), "%s/%s-%d", m->dirs[e->future_dir], topic, partition);
    /* Kafka's order: the copy takes the partition's name first, then the old log goes (a stop
     * between the two leaves both, which the next start refuses, naming them) */
    kerr_t rc = plog_rename_dir(e->future, final);
    if (rc) return rc;
    plog_t *old = e->log;
    e->log = e->future;
    e->dir = e->future_dir;
    e->future = NULL;
    rc = plog_delete(old);
    if (rc) log_error("lmgr", "removing the old log of %s-%d failed", topic, partition);
    lmgr_checkpoint(m);
    *out = e->log;
    return KERR_NONE;
}

void lmgr_foreach_future(lmgr_t *m, void (*cb)(plog_t *log, int dir, void *arg), void *arg)
{
    size_t it = 0;
    void *v;
    while (dict_next(m->logs, &it, NULL, &v)) {
        lmgr_entry_t *e = v;
        if (e->future) cb(e->future, e->future_dir, arg);
    }
}

/* ---- log dir failure (KIP-112) ---- */

void lmgr_set_fail_fn(lmgr_t *m, lmgr_fail_fn *fn, void *arg)
{
    m->fail_fn = fn;
    m->fail_arg = arg;
}

void lmgr_log_failed(lmgr_t *m, const plog_t *log, const char *what)
{
    lmgr_entry_t *e = lmgr_entry(m, plog_topic(log), plog_partition(log));
    if (!e) return;
    if (e->log == log)
        lmgr_dir_error(m, e->dir, what);
    else if (e->future == log)
        lmgr_dir_error(m, e->future_dir, what);
}

bool lmgr_dir_is_offline(const lmgr_t *m, int dir)
{
    return dir >= 0 && dir < m->ndirs && m->offline[dir];
}

int lmgr_online_dirs(const lmgr_t *m)
{
    int n = 0;
    for (int d = 0; d < m->ndirs; d++) n += !m->offline[d];
    return n;
}

bool lmgr_log_offline(lmgr_t *m, const char *topic, int32_t partition)
{
    char key[300];
    snprintf(key, sizeof(key), "%s-%d", topic, partition);
    return dict_get(m->offline_logs, key) != NULL;
}

/* The "topic-partition" keys of d whose dir (dir_of) is dir, or every key when dir < 0. */
static int lmgr_list(dict_t *d, int (*dir_of)(void *v), int dir, char ***topics, int32_t **parts)
{
    int n = 0, cap = (int)dict_size(d) + 1;
    *topics = calloc((size_t)cap, sizeof(char *));
    *parts = calloc((size_t)cap, sizeof(int32_t));
    if (!*topics || !*parts) abort();
    size_t it = 0;
    const char *key;
    void *v;
    while (dict_next(d, &it, &key, &v)) {
        char topic[256];
        if ((dir >= 0 && dir_of(v) != dir) || n >= cap ||
            !lmgr_parse_dirname(key, topic, sizeof(topic), &(*parts)[n]))
            continue;
        (*topics)[n] = strdup(topic);
        if (!(*topics)[n]) abort();
        n++;
    }
    return n;
}

static int lmgr_entry_dir(void *v)
{
    return ((lmgr_entry_t *)v)->dir;
}

int lmgr_dir_logs(lmgr_t *m, int dir, char ***topics, int32_t **parts)
{
    return lmgr_list(m->logs, lmgr_entry_dir, dir, topics, parts);
}

int lmgr_offline_logs(lmgr_t *m, char ***topics, int32_t **parts)
{
    return lmgr_list(m->offline_logs, NULL, -1, topics, parts);
}

void lmgr_take_offline(lmgr_t *m, int dir)
{
    if (dir < 0 || dir >= m->ndirs || m->offline[dir]) return;
    m->offline[dir] = true;
    char **keys = calloc(dict_size(m->logs) + 1, sizeof(char *));
    if (!keys) abort();
    size_t n = 0, it = 0;
    const char *key;
    void *v;
    while (dict_next(m->logs, &it, &key, &v)) {
        lmgr_entry_t *e = v;
        if (e->future && (e->future_dir == dir || e->dir == dir)) {
            /* a copy into the failed dir, or out of it: abandoned (the files stay) */
            plog_close(e->future);
            e->future = NULL;
        }
        if (e->dir == dir) {
            keys[n] = strdup(key);
            if (!keys[n]) abort();
            n++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        lmgr_entry_t *e = dict_del(m->logs, keys[i]);
        plog_close(e->log); /* not flushed: the dir cannot be written */
        free(e);
        int *d = malloc(sizeof(*d));
        if (!d) abort();
        *d = dir;
        free(dict_set(m->offline_logs, keys[i], d));
        free(keys[i]);
    }
    free(keys);
    log_error("lmgr", "log dir %s is offline: %zu partition logs closed until a restart",
              m->dirs[dir], n);
}
