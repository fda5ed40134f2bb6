/* txn_wait.c: AddPartitionsToTxn / AddOffsetsToTxn requests parked while the producer's
 * previous transaction completes.
 *
 * Why: EndTxn is answered once PrepareCommit/PrepareAbort is durable; the markers and the
 * Complete* record follow. A producer that begins its next transaction at once sends
 * AddPartitionsToTxn inside that window, and Kafka answers CONCURRENT_TRANSACTIONS, which
 * clients retry after a backoff (librdkafka and the Java client: ~20 ms). With a commit every
 * 100 ms that idles the producer a fifth of the time, and an abort before any partition was
 * registered is refused (INVALID_TXN_STATE, fatal to librdkafka). Parking the request until
 * the transaction is complete answers it as the retry would have been answered, only sooner.
 * After TXN_WAIT_MS it gets CONCURRENT_TRANSACTIONS after all (markers held up by a partition
 * without a leader, say) and the client retries as it would with Kafka.
 *
 * Ownership: t->waiters owns its waiters; a waiter owns copies of the transactional id and
 * the partitions, and answers cb exactly once (woken, timed out, or failed with t). */
#include <stdlib.h>
#include <string.h>

#include "ktime.h"
#include "txn_int.h"

#define TXN_WAIT_MS 500

struct txn_waiter {
    struct txn_waiter *next;
    txn_coord_t *tc;
    char *id;
    int64_t pid;
    int16_t epoch;
    int n;
    txn_tp_in_t *tps; /* topic names point into names */
    char **names;
    txn_err_cb *cb;
    void *arg;
    int64_t deadline_ms; /* monotonic */
    ev_timer_id_t timer;
};

static void txn_waiter_free(txn_waiter_t *w)
{
    for (int i = 0; i < w->n; i++) free(w->names[i]);
    free(w->names);
    free(w->tps);
    free(w->id);
    free(w);
}

/* Unlink w from its transaction's list (if the transaction and w are still there). */
static void txn_waiter_unlink(txn_waiter_t *w)
{
    txn_t *t = txn_get(w->tc, w->id);
    if (!t) return;
    for (txn_waiter_t **pp = &t->waiters; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            return;
        }
    }
}

static void txn_waiter_timeout(ev_loop_t *loop, void *arg)
{
    (void)loop;
    txn_waiter_t *w = arg;
    txn_waiter_unlink(w);
    w->cb(w->arg, KERR_CONCURRENT_TRANSACTIONS);
    txn_waiter_free(w);
}

bool txn_park(txn_t *t, int64_t pid, int16_t epoch, int n, const txn_tp_in_t *tps, txn_err_cb *cb,
              void *arg, int64_t deadline_ms)
{
    int64_t now = ktime_mono_ms();
    if (deadline_ms == 0) deadline_ms = now + TXN_WAIT_MS;
    if (now >= deadline_ms) return false;
    txn_waiter_t *w = calloc(1, sizeof(*w));
    if (!w) abort();
    w->tc = t->tc;
    w->id = strdup(t->id);
    w->tps = calloc((size_t)n + 1, sizeof(*w->tps));
    w->names = calloc((size_t)n + 1, sizeof(*w->names));
    if (!w->id || !w->tps || !w->names) abort();
    for (int i = 0; i < n; i++) {
        w->names[i] = kstr_dup(tps[i].topic);
        if (!w->names[i]) abort();
        w->tps[i].topic = (kstr_t){w->names[i], tps[i].topic.len};
        w->tps[i].partition = tps[i].partition;
    }
    w->n = n;
    w->pid = pid;
    w->epoch = epoch;
    w->cb = cb;
    w->arg = arg;
    w->deadline_ms = deadline_ms;
    w->timer = ev_timer_add(t->tc->loop, deadline_ms - now, txn_waiter_timeout, w);
    txn_waiter_t **pp = &t->waiters; /* FIFO: requests are answered in arrival order */
    while (*pp) pp = &(*pp)->next;
    *pp = w;
    return true;
}

void txn_waiters_wake(txn_coord_t *tc, const char *id)
{
    txn_t *t;
    /* one at a time: the first may start a write, and the rest wait for that one */
    while ((t = txn_get(tc, id)) && t->waiters && !txn_busy(t)) {
        txn_waiter_t *w = t->waiters;
        t->waiters = w->next;
        ev_timer_cancel(tc->loop, w->timer);
        txn_add_tps(tc, (kstr_t){w->id, (int32_t)strlen(w->id)}, w->pid, w->epoch, w->n, w->tps,
                    w->cb, w->arg, w->deadline_ms);
        txn_waiter_free(w);
    }
}

void txn_waiters_fail(txn_t *t, kerr_t err)
{
    while (t->waiters) {
        txn_waiter_t *w = t->waiters;
        t->waiters = w->next;
        ev_timer_cancel(t->tc->loop, w->timer);
        w->cb(w->arg, err);
        txn_waiter_free(w);
    }
}
