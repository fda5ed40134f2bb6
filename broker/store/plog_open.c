/* plog_open.c: a partition log's life as a directory: open (listing its segments and, after
 * an unclean stop, re-reading every one past the recovery point: the log is truncated at the
 * first bad or partial batch, the torn tail), close, rename and delete. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "ktime.h"
#include "log.h"
#include "plog_int.h"

static int plog_cmp_base(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Free log; with write_indexes, the index entries not in their files yet are written first
 * (not when the files are about to be removed, or could not be opened). */
static void plog_free(plog_t *log, bool write_indexes)
{
    if (!log) return;
    for (int i = 0; i < log->nsegs; i++) {
        if (write_indexes) plog_seg_write_indexes(log, log->segs[i], false);
        plog_seg_close(log->segs[i]);
    }
    free(log->segs);
    free(log->epochs);
    txnidx_free(log->txns);
    free(log->dir);
    free(log->topic);
    free(log);
}

/* The base offsets of dir's segments, ascending, into *bases (malloc'd, *nb of them); an
 * interrupted segment replacement is finished first, and *.deleted files go. */
static kerr_t plog_list_segs(const char *dir, int64_t **bases, int *nb)
{
    *bases = NULL;
    *nb = 0;
    DIR *d = opendir(dir);
    if (!d) {
        kerr_t err = fdcache_errno_kerr(errno);
        log_error("plog", "open %s: %s", dir, strerror(errno));
        return err;
    }
    plog_finish_swaps(dir);
    int capb = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l != 24 || strcmp(de->d_name + 20, ".log") != 0) {
            if (l > 8 && strcmp(de->d_name + l - 8, ".deleted") == 0) {
                char p[PATH_MAX];
                snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
                unlink(p);
            }
            continue;
        }
        char *end;
        long long b = strtoll(de->d_name, &end, 10);
        if (end != de->d_name + 20 || b < 0) continue;
        if (*nb == capb) {
            capb = capb ? capb * 2 : 8;
            *bases = realloc(*bases, (size_t)capb * sizeof(int64_t));
            if (!*bases) abort();
        }
        (*bases)[(*nb)++] = b;
    }
    closedir(d);
    if (*nb > 1) qsort(*bases, (size_t)*nb, sizeof(int64_t), plog_cmp_base);
    return KERR_NONE;
}

/* Make s's indexes trustworthy: re-read and CRC-check it when it may hold data past the
 * recovery point of an unclean stop (*truncated: it had a torn tail), else load its index
 * files (rebuilt from the log when they are wanting). */
static kerr_t plog_recover_seg(plog_t *log, seg_t *s, bool verify, bool *truncated)
{
    if (verify) {
        if (s->base < log->rebuilt_from) log->rebuilt_from = s->base;
        int64_t cut;
        kerr_t err = plog_seg_rebuild(log, s, true, &cut);
        if (!err && cut > 0) {
            log_warn("plog",
                     "recovery of %s-%d: truncated %" PRId64 " bytes of torn or "
                     "corrupt data at the end of segment %" PRId64 " (log end now "
                     "%" PRId64 ")",
                     log->topic, log->partition, cut, s->base, s->next_offset);
            *truncated = true;
        }
        return err;
    }
    if (plog_seg_load_indexes(log, s)) return KERR_NONE;
    log_info("plog", "rebuilding indexes of %s-%d segment %" PRId64, log->topic, log->partition,
             s->base);
    return plog_seg_rebuild(log, s, false, NULL);
}

/* Open the segments at bases[0..nb) into log (the last one active); everything after a torn
 * segment is removed. */
static kerr_t plog_load_segs(plog_t *log, const int64_t *bases, int nb, int64_t recovery_point,
                             bool clean)
{
    kerr_t err = KERR_NONE;
    bool truncated = false;
    for (int i = 0; i < nb && !err; i++) {
        if (truncated) { /* everything after a torn segment is gone */
            plog_forget_seg(log, bases[i]);
            continue;
        }
        seg_t *s = plog_seg_open(log, bases[i], false, &err);
        if (!s) break;
        /* the last one is the active one: read through its own fd, opened once */
        if (i == nb - 1 && (err = plog_seg_activate(log, s, false)) != KERR_NONE) {
            plog_seg_close(s);
            break;
        }
        int64_t seg_end_hint = i + 1 < nb ? bases[i + 1] : INT64_MAX;
        bool after_rp = seg_end_hint > recovery_point;
        err = plog_recover_seg(log, s, !clean && after_rp, &truncated);
        plog_push_seg(log, s);
    }
    if (!err && log->nsegs > 0) err = plog_seg_activate(log, plog_active(log), false);
    return err;
}

/* The log's start, end and recovery point once its segments are loaded. */
static void plog_set_bounds(plog_t *log, int64_t recovery_point, int64_t log_start_offset,
                            bool clean)
{
    seg_t *a = plog_active(log);
    log->end_offset = a->next_offset > a->base ? a->next_offset : a->base;
    if (a->size == 0 && log->nsegs > 1) log->end_offset = a->base;
    log->start_offset = log->segs[0]->base;
    if (log_start_offset > log->start_offset && log_start_offset <= log->end_offset)
        log->start_offset = log_start_offset;
    log->recovery_point =
        clean ? log->end_offset
              : (recovery_point < log->end_offset ? recovery_point : log->end_offset);
    if (!clean) log->recovery_point = log->end_offset; /* just verified */
    log->synced = clean;
}

kerr_t plog_open(const char *dir, const char *topic, int32_t partition, const plog_cfg_t *cfg,
                 int64_t recovery_point, int64_t log_start_offset, bool clean, plog_t **out)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        log_error("plog", "mkdir %s: %s", dir, strerror(errno));
        return KERR__IO;
    }
    plog_t *log = calloc(1, sizeof(*log));
    if (!log) abort();
    log->dir = strdup(dir);
    log->topic = strdup(topic);
    log->partition = partition;
    log->cfg = *cfg;
    log->last_flush_ms = ktime_wall_ms();
    log->txns = txnidx_new();
    log->rebuilt_from = INT64_MAX;
    log->first_unstable = PLOG_UNSTABLE_UNKNOWN;

    int64_t *bases;
    int nb;
    kerr_t err = plog_list_segs(dir, &bases, &nb);
    if (!err) err = plog_load_segs(log, bases, nb, recovery_point, clean);
    free(bases);
    if (err) {
        plog_free(log, false);
        return err;
    }
    /* drop empty non-active segments left by a crash during roll */
    if (log->nsegs == 0) {
        int64_t base = log_start_offset > 0 ? log_start_offset : 0;
        seg_t *s = plog_seg_open(log, base, true, &err);
        if (!s) {
            plog_free(log, false);
            return err;
        }
        plog_push_seg(log, s);
    }
    plog_set_bounds(log, recovery_point, log_start_offset, clean);
    plog_epochs_load(log);
    plog_txns_load(log);
    *out = log;
    return KERR_NONE;
}

void plog_close(plog_t *log)
{
    plog_free(log, true);
}

void plog_uuid_hex(char out[33])
{
    uint8_t r[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, r, 16) != 16) memset(r, 0x5a, 16);
    if (fd >= 0) close(fd);
    for (int i = 0; i < 16; i++) snprintf(out + 2 * i, 3, "%02x", r[i]);
}

kerr_t plog_rename_dir(plog_t *log, const char *new_dir)
{
    if (rename(log->dir, new_dir) != 0) {
        log_error("plog", "rename %s to %s: %s", log->dir, new_dir, strerror(errno));
        return KERR__IO;
    }
    char *d = strdup(new_dir);
    if (!d) abort();
    free(log->dir);
    log->dir = d; /* open segment fds stay valid; new files go to the new path */
    return KERR_NONE;
}

kerr_t plog_delete(plog_t *log)
{
    char uuid[33];
    plog_uuid_hex(uuid);
    char gone[PATH_MAX];
    snprintf(gone, sizeof(gone), "%s.%s-delete", log->dir, uuid);
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", log->dir);
    plog_free(log, false);
    if (rename(dir, gone) != 0) return KERR__IO;
    return rm_rf(gone) == 0 ? KERR_NONE : KERR__IO;
}
