/* rmgr_wait.c: the replica manager's waiters (purgatory) and the acks=all appends of the
 * broker's own writers, which wait there for the high watermark.
 *
 * Each waiter has one link per partition it waits on, threaded on that partition's list, so
 * waking a partition costs only its own waiters. A wake first detaches every waiter it fires
 * and only then runs their callbacks, which may park new waiters anywhere. */
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "ktime.h"
#include "rmgr_int.h"
#include "store/plog.h"
#include "tconf.h"

/* ---------------------------------------------------------------- committed appends */

typedef struct commit_wait {
    rmgr_t *rm;
    partition_t *part;
    int64_t required; /* high watermark that commits the append */
    int64_t deadline_ms;
    int64_t min_isr;
    plog_append_info_t info;
    rmgr_append_done_fn *done;
    void *arg;
} commit_wait_t;

static void rmgr_commit_woken(void *arg, bool timed_out)
{
    commit_wait_t *cw = arg;
    partition_t *part = cw->part;
    kerr_t err = KERR_NONE;
    bool finished = true;
    if (!part->is_leader || rmgr_get(cw->rm, part->topic, part->index) != part)
        err = KERR_NOT_LEADER_OR_FOLLOWER;
    else if (part->hw >= cw->required)
        err = part->nisr < cw->min_isr ? KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND : KERR_NONE;
    else if (timed_out || ktime_mono_ms() >= cw->deadline_ms)
        err = KERR_REQUEST_TIMED_OUT;
    else
        finished = false;
    if (!finished) {
        partition_t *parts[1] = {part};
        rmgr_wait(cw->rm, parts, 1, RMGR_EV_HW | RMGR_EV_ROLE, cw->deadline_ms - ktime_mono_ms(),
                  rmgr_commit_woken, cw);
        return;
    }
    cw->done(cw->arg, err, &cw->info);
    free(cw);
}

void rmgr_append_committed(rmgr_t *rm, partition_t *part, uint8_t *buf, size_t len,
                           int64_t timeout_ms, rmgr_append_done_fn *done, void *arg)
{
    plog_append_info_t info;
    memset(&info, 0, sizeof(info));
    if (!part->is_leader) {
        done(arg, KERR_NOT_LEADER_OR_FOLLOWER, &info);
        return;
    }
    int64_t min_isr = tconf_int(rm->d.tconf, part->topic, "min.insync.replicas");
    if (part->nisr < min_isr) {
        done(arg, KERR_NOT_ENOUGH_REPLICAS, &info);
        return;
    }
    kerr_t err = rmgr_append(rm, part, buf, len, &info);
    if (err) {
        done(arg, err == KERR__TOO_LARGE ? KERR_MESSAGE_TOO_LARGE : KERR_KAFKA_STORAGE_ERROR,
             &info);
        return;
    }
    commit_wait_t *cw = calloc(1, sizeof(*cw));
    if (!cw) abort();
    cw->rm = rm;
    cw->part = part;
    cw->required = info.last_offset + 1;
    cw->deadline_ms = ktime_mono_ms() + timeout_ms;
    cw->min_isr = min_isr;
    cw->info = info;
    cw->done = done;
    cw->arg = arg;
    rmgr_commit_woken(cw, false);
}

static void rmgr_waiter_detach(rmgr_t *rm, rmgr_waiter_t *w)
{
    for (int i = 0; i < w->nlinks; i++) {
        rmgr_wlink_t *l = &w->links[i];
        if (l->prev)
            l->prev->next = l->next;
        else
            l->part->waiters = l->next;
        if (l->next) l->next->prev = l->prev;
    }
    if (w->gprev)
        w->gprev->gnext = w->gnext;
    else
        rm->waiters = w->gnext;
    if (w->gnext) w->gnext->gprev = w->gprev;
    if (w->timer) ev_timer_cancel(rm->d.loop, w->timer);
    w->timer = 0;
}

void rmgr_wait_cancel(rmgr_t *rm, rmgr_waiter_t *w)
{
    rmgr_waiter_detach(rm, w);
    free(w->links);
    free(w);
}

static void rmgr_waiter_timeout(ev_loop_t *loop, void *arg)
{
    (void)loop;
    rmgr_waiter_t *w = arg;
    w->timer = 0;
    rmgr_wake_fn *fn = w->fn;
    void *warg = w->arg;
    rmgr_wait_cancel(w->rm, w);
    fn(warg, true);
}

rmgr_waiter_t *rmgr_wait(rmgr_t *rm, partition_t **parts, int nparts, unsigned mask,
                         int64_t timeout_ms, rmgr_wake_fn *fn, void *arg)
{
    rmgr_waiter_t *w = calloc(1, sizeof(*w));
    if (!w) abort();
    w->rm = rm;
    w->mask = mask | RMGR_EV_ROLE;
    w->fn = fn;
    w->arg = arg;
    w->links = calloc((size_t)(nparts > 0 ? nparts : 1), sizeof(*w->links));
    if (!w->links) abort();
    for (int i = 0; i < nparts; i++) {
        /* A partition named twice is linked once. Links go on the head of the partition's
         * list and nothing else links in between, so w already waits on parts[i] exactly
         * when the head is its own: O(1), where comparing with every earlier link made a
         * parked fetch of 10,000 partitions O(n^2). */
        if (!parts[i] || (parts[i]->waiters && parts[i]->waiters->w == w)) continue;
        rmgr_wlink_t *l = &w->links[w->nlinks++];
        l->w = w;
        l->part = parts[i];
        l->next = parts[i]->waiters;
        if (l->next) l->next->prev = l;
        parts[i]->waiters = l;
    }
    w->gnext = rm->waiters;
    if (rm->waiters) rm->waiters->gprev = w;
    rm->waiters = w;
    w->timer = ev_timer_add(rm->d.loop, timeout_ms < 0 ? 0 : timeout_ms, rmgr_waiter_timeout, w);
    return w;
}

typedef struct wake_item {
    rmgr_wake_fn *fn;
    void *arg;
} wake_item_t;

/* Fire the waiters of part interested in ev: detach them all, then run the callbacks. */
void rmgr_wake(rmgr_t *rm, partition_t *part, unsigned ev)
{
    int n = 0;
    for (rmgr_wlink_t *l = part->waiters; l; l = l->next)
        if (l->w->mask & ev) n++;
    if (n == 0) return;
    wake_item_t stack[16];
    wake_item_t *items = n <= 16 ? stack : malloc((size_t)n * sizeof(*items));
    if (!items) abort();
    int k = 0;
    rmgr_wlink_t *l = part->waiters;
    while (l) {
        rmgr_waiter_t *w = l->w;
        l = l->next;
        if (!(w->mask & ev)) continue;
        /* the next link may belong to w too only if w waits twice on part: it never does */
        items[k].fn = w->fn;
        items[k].arg = w->arg;
        k++;
        rmgr_wait_cancel(rm, w);
    }
    for (int i = 0; i < k; i++) items[i].fn(items[i].arg, false);
    if (items != stack) free(items);
}

void rmgr_wake_all(rmgr_t *rm)
{
    while (rm->waiters) {
        rmgr_waiter_t *w = rm->waiters;
        rmgr_wake_fn *fn = w->fn;
        void *arg = w->arg;
        rmgr_wait_cancel(rm, w);
        fn(arg, true);
    }
}
