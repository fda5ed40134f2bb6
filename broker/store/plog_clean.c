/* plog_clean.c: what the partition log offers the log cleaner (broker/store/cleaner.c):
 * segment facts, and the crash-safe replacement of a segment by its cleaned copy, with the
 * recovery of a replacement a crash interrupted (run by plog_open before it lists segments). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "plog_int.h"

/* After a crash during plog_replace_segment: a .swap file is a complete cleaned segment whose
 * old files may or may not be gone; finish the rename. A .cleaned file is an unfinished one. */
void plog_finish_swaps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        char p[PATH_MAX], q[PATH_MAX];
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (l > 8 && strcmp(de->d_name + l - 8, ".cleaned") == 0) {
            unlink(p);
        } else if (l == 29 && strcmp(de->d_name + 20, ".log.swap") == 0) {
            snprintf(q, sizeof(q), "%s/%.24s", dir, de->d_name);
            if (rename(p, q) != 0) log_warn("plog", "finish swap %s: %s", p, strerror(errno));
            snprintf(q, sizeof(q), "%s/%.20s.index", dir, de->d_name); /* rebuilt at open */
            unlink(q);
            snprintf(q, sizeof(q), "%s/%.20s.timeindex", dir, de->d_name);
            unlink(q);
        }
    }
    closedir(d);
}

const plog_cfg_t *plog_cfg(const plog_t *log)
{
    return &log->cfg;
}

kerr_t plog_segment_info(const plog_t *log, int i, plog_seg_info_t *out)
{
    if (i < 0 || i >= log->nsegs) return KERR__NOENT;
    seg_t *s = log->segs[i];
    out->base = s->base;
    out->next_offset = s->next_offset;
    out->size = s->size;
    out->max_ts = s->max_ts;
    out->fd = plog_seg_fd(log, s);
    return out->fd < 0 ? fdcache_errno_kerr(errno) : KERR_NONE;
}

kerr_t plog_replace_segment(plog_t *log, int64_t base, const char *cleaned_path)
{
    int i = 0;
    while (i < log->nsegs - 1 && log->segs[i]->base != base) i++;
    if (i >= log->nsegs - 1) return KERR__NOENT; /* not found, or the active segment */
    char swap[PATH_MAX], path[PATH_MAX];
    plog_seg_path(log, base, ".log.swap", swap, sizeof(swap));
    plog_seg_path(log, base, ".log", path, sizeof(path));
    if (rename(cleaned_path, swap) != 0) return KERR__IO;
    plog_seg_close(log->segs[i]);
    plog_unlink_seg_files(log, base);
    struct stat st;
    if (stat(swap, &st) == 0 && st.st_size == 0) { /* nothing left in this segment */
        unlink(swap);
        plog_forget_seg(log, base);
        memmove(log->segs + i, log->segs + i + 1, (size_t)(log->nsegs - i - 1) * sizeof(seg_t *));
        log->nsegs--;
        if (i == 0 && log->segs[0]->base > log->start_offset)
            log->start_offset = log->segs[0]->base;
        return KERR_NONE;
    }
    kerr_t err = rename(swap, path) == 0 ? KERR_NONE : KERR__IO;
    seg_t *s = err ? NULL : plog_seg_open(log, base, false, &err);
    if (s) err = plog_seg_rebuild(log, s, false, NULL);
    if (err) { /* the data is on disk; without it open the log cannot serve this range */
        plog_seg_close(s);
        memmove(log->segs + i, log->segs + i + 1, (size_t)(log->nsegs - i - 1) * sizeof(seg_t *));
        log->nsegs--;
        return err;
    }
    log->segs[i] = s;
    return KERR_NONE;
}
