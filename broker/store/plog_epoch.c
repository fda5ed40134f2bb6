/* plog_epoch.c: the leader epoch cache (KIP-101) and its leader-epoch-checkpoint file
 * ("0\n<count>\n<epoch> <start offset>\n..."), as Kafka's LeaderEpochFileCache. The file is
 * written without fsync, as durable as the log it describes: plog_flush syncs it (plog.h
 * explains why a new leader's epoch may reach the file late). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "plog_int.h"

static void plog_epochs_path(const plog_t *log, char *buf, size_t n)
{
    snprintf(buf, n, "%s/leader-epoch-checkpoint", log->dir);
}

/* KERR_NONE, or the kerr of a file that could not be created (the write is retried). */
kerr_t plog_epochs_write(plog_t *log)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    plog_epochs_path(log, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) { /* out of fds, say: the next write or flush tries again */
        kerr_t err = fdcache_errno_kerr(errno);
        log_warn("plog", "write %s: %s", tmp, strerror(errno));
        log->epochs_unwritten = true;
        log->epochs_dirty = true; /* once written, synced at the next flush */
        return err;
    }
    fprintf(f, "0\n%d\n", log->nepochs);
    for (int i = 0; i < log->nepochs; i++)
        fprintf(f, "%d %" PRId64 "\n", log->epochs[i].epoch, log->epochs[i].start);
    /* no fsync here: a new leader epoch is written on the reactor for every partition that
     * changes leader (1,000 fsyncs for 1,000 partitions); the file is as durable as the log
     * it describes, which is synced by plog_flush() (flush policy, clean shutdown) */
    fclose(f);
    rename(tmp, path);
    log->epochs_dirty = true;
    log->epochs_unwritten = false;
    log->epochs_lazy = false;
    return KERR_NONE;
}

/* fsync the leader-epoch-checkpoint written since the last flush. */
void plog_epochs_sync(plog_t *log)
{
    if (!log->epochs_dirty) return;
    char path[PATH_MAX];
    plog_epochs_path(log, path, sizeof(path));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    log->epochs_dirty = false;
}

void plog_epochs_load(plog_t *log)
{
    char path[PATH_MAX];
    plog_epochs_path(log, path, sizeof(path));
    FILE *f = fopen(path, "r");
    if (!f) return;
    int version, n;
    if (fscanf(f, "%d %d", &version, &n) == 2 && version == 0 && n >= 0 && n < 1000000) {
        log->epochs = calloc((size_t)n + 1, sizeof(epoch_ent_t));
        if (!log->epochs) abort();
        for (int i = 0; i < n; i++) {
            int e;
            long long s;
            if (fscanf(f, "%d %lld", &e, &s) != 2) break;
            if (s > log->end_offset) break; /* entries past a truncated end are stale */
            log->epochs[log->nepochs++] = (epoch_ent_t){e, s};
        }
    }
    fclose(f);
}

/* Add epoch to the cache when it is newer than the latest; false when it is not. */
static bool plog_epoch_add(plog_t *log, int32_t epoch, int64_t start_offset)
{
    if (log->nepochs > 0 && log->epochs[log->nepochs - 1].epoch >= epoch) return false;
    epoch_ent_t *e = realloc(log->epochs, (size_t)(log->nepochs + 1) * sizeof(*e));
    if (!e) abort();
    log->epochs = e;
    log->epochs[log->nepochs++] = (epoch_ent_t){epoch, start_offset};
    return true;
}

kerr_t plog_epoch_assign(plog_t *log, int32_t epoch, int64_t start_offset)
{
    if (plog_epoch_add(log, epoch, start_offset)) plog_epochs_write(log);
    return KERR_NONE;
}

void plog_epoch_begin(plog_t *log, int32_t epoch, int64_t start_offset)
{
    if (plog_epoch_add(log, epoch, start_offset)) log->epochs_unwritten = true;
}

int64_t plog_epoch_end_offset(plog_t *log, int32_t epoch, int32_t *found_epoch)
{
    *found_epoch = -1;
    if (epoch < 0 || log->nepochs == 0) return -1;
    if (log->epochs[log->nepochs - 1].epoch == epoch) {
        *found_epoch = epoch;
        return log->end_offset;
    }
    /* the first entry above the requested epoch ends it */
    int hi = -1;
    for (int i = 0; i < log->nepochs; i++)
        if (log->epochs[i].epoch > epoch) {
            hi = i;
            break;
        }
    if (hi < 0) return -1; /* newer than anything we know: undefined */
    if (hi == 0) {
        *found_epoch = epoch; /* older than our first epoch: it ended where ours began */
        return log->epochs[0].start;
    }
    *found_epoch = log->epochs[hi - 1].epoch;
    return log->epochs[hi].start;
}

int32_t plog_latest_epoch(const plog_t *log)
{
    return log->nepochs ? log->epochs[log->nepochs - 1].epoch : -1;
}

int64_t plog_divergence(plog_t *log, int32_t leader_epoch, int64_t leader_end, int32_t *next_epoch)
{
    *next_epoch = -1;
    int32_t found;
    int64_t ours = plog_epoch_end_offset(log, leader_epoch, &found);
    int64_t to = leader_end;
    if (ours >= 0 && found != leader_epoch) {
        /* The leader's epoch is not in our log: our data up to where our largest epoch below it
         * ends was written in epochs the leader may not share either, so one answer does not
         * tell where we diverge. Stopping at min(ours, leader_end) kept records of an older
         * epoch at offsets where the leader has records of leader_epoch. */
        to = ours;
        *next_epoch = found;
    } else if (ours >= 0 && ours < to) {
        to = ours;
    }
    return to < log->end_offset ? to : log->end_offset;
}

/* Drop cached epochs that start at or after end (the log was cut there). */
void plog_epochs_truncate(plog_t *log, int64_t end)
{
    int n = log->nepochs;
    while (n > 0 && log->epochs[n - 1].start >= end) n--;
    if (n == log->nepochs) return;
    log->nepochs = n;
    plog_epochs_write(log);
}

void plog_copy_epochs(plog_t *dst, const plog_t *src)
{
    epoch_ent_t *e = calloc((size_t)src->nepochs + 1, sizeof(*e));
    if (!e) abort();
    memcpy(e, src->epochs, (size_t)src->nepochs * sizeof(*e));
    free(dst->epochs);
    dst->epochs = e;
    dst->nepochs = src->nepochs; /* including an epoch begun at the end with no batch yet */
    plog_epochs_write(dst);
}
