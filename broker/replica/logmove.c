/* logmove.c: replica moves between log dirs (see logmove.h). Moves are a small array; a timer
 * runs while any is under way. */
#include "logmove.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "ev.h"
#include "log.h"
#include "rec/batch.h"
#include "partition.h"
#include "store/lmgr.h"
#include "store/plog.h"
#include "tconf.h"

typedef struct move {
    partition_t *part;
    bool started; /* the copy was reset to begin at the log's first batch */
} move_t;

struct logmove {
    ev_loop_t *loop;
    lmgr_t *lmgr;
    tconf_t *tconf;
    move_t *moves;
    int n, cap;
    ev_timer_id_t timer;
    int64_t step_bytes; /* per step: LOGMOVE_STEP_BYTES, or less by the configured rate */
};

static void logmove_tick(ev_loop_t *loop, void *arg);

logmove_t *logmove_new(ev_loop_t *loop, lmgr_t *lmgr, tconf_t *tconf, const cfg_t *cfg)
{
    logmove_t *lm = calloc(1, sizeof(*lm));
    if (!lm) abort();
    lm->loop = loop;
    lm->lmgr = lmgr;
    lm->tconf = tconf;
    lm->step_bytes = LOGMOVE_STEP_BYTES;
    int64_t rate = cfg ? cfg_int(cfg, "replica.alter.log.dirs.io.max.bytes.per.second") : INT64_MAX;
    if (rate / (1000 / LOGMOVE_STEP_MS) < lm->step_bytes)
        lm->step_bytes = rate / (1000 / LOGMOVE_STEP_MS);
    if (lm->step_bytes < 1) lm->step_bytes = 1; /* a step copies at least one batch anyway */
    return lm;
}

void logmove_free(logmove_t *lm)
{
    if (!lm) return;
    if (lm->timer) ev_timer_cancel(lm->loop, lm->timer);
    free(lm->moves);
    free(lm);
}

static int logmove_find(logmove_t *lm, const partition_t *part)
{
    for (int i = 0; i < lm->n; i++)
        if (lm->moves[i].part == part) return i;
    return -1;
}

static void logmove_remove(logmove_t *lm, int i)
{
    lm->moves[i] = lm->moves[--lm->n];
}

static void logmove_arm(logmove_t *lm)
{
    if (!lm->timer && lm->n > 0)
        lm->timer = ev_timer_add(lm->loop, LOGMOVE_STEP_MS, logmove_tick, lm);
}

kerr_t logmove_start(logmove_t *lm, partition_t *part, int dir)
{
    lmgr_t *m = lm->lmgr;
    int cur = lmgr_log_dir(m, part->topic, part->index);
    if (cur == dir) { /* already there: a move elsewhere stops */
        logmove_cancel(lm, part);
        return KERR_NONE;
    }
    plog_cfg_t pc;
    tconf_plog_cfg(lm->tconf, part->topic, &pc);
    int fdir = -1;
    bool same = lmgr_future(m, part->topic, part->index, &fdir) && fdir == dir;
    plog_t *fut;
    kerr_t err = lmgr_future_open(m, part->topic, part->index, dir, &pc, &fut);
    if (err) {
        log_error("logmove", "cannot create the future log of %s-%d in %s: %s", part->topic,
                  part->index, lmgr_dir_path(m, dir), kerr_str(err));
        return KERR_KAFKA_STORAGE_ERROR;
    }
    int i = logmove_find(lm, part);
    if (i < 0) {
        if (lm->n == lm->cap) {
            lm->cap = lm->cap ? lm->cap * 2 : 8;
            lm->moves = realloc(lm->moves, (size_t)lm->cap * sizeof(*lm->moves));
            if (!lm->moves) abort();
        }
        i = lm->n++;
        lm->moves[i].part = part;
        lm->moves[i].started = false;
    } else if (!same) {
        lm->moves[i].started = false;
    }
    if (!same)
        log_info("logmove", "moving %s-%d from %s to %s", part->topic, part->index,
                 lmgr_dir_path(m, cur), lmgr_dir_path(m, dir));
    logmove_arm(lm);
    return KERR_NONE;
}

void logmove_cancel(logmove_t *lm, partition_t *part)
{
    int i = logmove_find(lm, part);
    if (i >= 0) logmove_remove(lm, i);
    lmgr_future_drop(lm->lmgr, part->topic, part->index);
}

void logmove_truncated(logmove_t *lm, partition_t *part)
{
    if (logmove_find(lm, part) < 0) return;
    plog_t *fut = lmgr_future(lm->lmgr, part->topic, part->index, NULL);
    if (fut && plog_end_offset(fut) > plog_end_offset(part->log))
        plog_truncate_to(fut, plog_end_offset(part->log));
}

/* Copy up to budget bytes of part's log after fut's end into fut. Returns the bytes copied, -1
 * when the copy must start over. */
static int64_t logmove_copy(lmgr_t *m, plog_t *cur, plog_t *fut, int64_t budget)
{
    int64_t copied = 0;
    while (copied < budget && plog_end_offset(fut) < plog_end_offset(cur)) {
        int64_t from = plog_end_offset(fut);
        uint8_t *buf;
        size_t len;
        if (plog_read_copy(cur, from, (size_t)(budget - copied), INT64_MAX, &buf, &len) !=
            KERR_NONE)
            return -1;
        if (len == 0) break;
        size_t skip = 0;
        kerr_t err = KERR_NONE;
        /* the first batch may end before from (it was copied already) */
        while (!err && skip < len) {
            batch_hdr_t h;
            if (batch_hdr_parse(buf + skip, len - skip, &h) != KERR_NONE) err = KERR__CORRUPT;
            if (err || batch_last_offset(&h) >= from) break;
            skip += batch_size(&h);
        }
        plog_append_info_t info;
        if (!err && skip < len) {
            err = plog_append_replica(fut, buf + skip, len - skip, &info);
            if (err == KERR__IO) lmgr_log_failed(m, fut, "replica move"); /* the target dir */
        }
        free(buf);
        if (err) return -1;
        copied += (int64_t)len;
    }
    return copied;
}

/* The copy holds everything: it becomes the partition's log. */
static void logmove_promote(logmove_t *lm, partition_t *part, plog_t *fut)
{
    plog_advance_start(fut, plog_start_offset(part->log), NULL);
    plog_copy_epochs(fut, part->log);
    plog_copy_txns(fut, part->log); /* copied batches carry no aborted transaction index */
    plog_flush(fut);
    const char *from = plog_dir(part->log);
    char was[4096];
    snprintf(was, sizeof(was), "%s", from);
    plog_t *log;
    kerr_t err = lmgr_future_promote(lm->lmgr, part->topic, part->index, &log);
    if (err) {
        log_error("logmove", "promoting the copy of %s-%d failed: %s", part->topic, part->index,
                  kerr_str(err));
        return;
    }
    part->log = log;
    log_info("logmove", "%s-%d moved from %s to %s (log end %lld)", part->topic, part->index, was,
             plog_dir(log), (long long)plog_end_offset(log));
}

/* One step of move i; false when it is over (done or abandoned). */
static bool logmove_step(logmove_t *lm, move_t *mv, int64_t budget)
{
    partition_t *part = mv->part;
    plog_t *fut = lmgr_future(lm->lmgr, part->topic, part->index, NULL);
    if (!fut || !part->log) return false;
    plog_t *cur = part->log;
    if (!mv->started || plog_start_offset(cur) > plog_end_offset(fut)) {
        plog_slice_t sl;
        int64_t base = plog_start_offset(cur);
        if (plog_read(cur, base, 1, INT64_MAX, &sl) == KERR_NONE && sl.len > 0)
            base = sl.first_offset; /* the batch holding the log start */
        if (plog_reset(fut, base) != KERR_NONE) return false;
        mv->started = true;
    }
    int64_t n = logmove_copy(lm->lmgr, cur, fut, budget);
    if (n < 0) {
        mv->started = false; /* start over on the next step */
        return true;
    }
    if (plog_end_offset(fut) < plog_end_offset(cur)) return true;
    logmove_promote(lm, part, fut);
    return false;
}

static void logmove_tick(ev_loop_t *loop, void *arg)
{
    (void)loop;
    logmove_t *lm = arg;
    lm->timer = 0;
    int64_t budget = lm->n ? lm->step_bytes / lm->n : 0;
    if (budget < 1) budget = 1;
    for (int i = 0; i < lm->n;) {
        if (logmove_step(lm, &lm->moves[i], budget))
            i++;
        else
            logmove_remove(lm, i);
    }
    logmove_arm(lm);
}
