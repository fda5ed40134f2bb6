/* isr.c: AlterPartition from the leader's side (see isr.h). Proposals wait in a map keyed by
 * partition (a newer proposal replaces an unsent older one) and go to the controller together
 * in one request whenever none is in flight, as Kafka's AlterPartitionManager sends them. An
 * answer is applied only if the partition is still hosted with a proposal out. */
#include "isr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlreq.h"
#include "dict.h"
#include "log.h"
#include "replica/rmgr.h"

struct isr {
    int32_t broker_id;
    const int64_t *broker_epoch; /* the server's: it changes when the broker re-registers */
    ev_loop_t *loop;
    rmgr_t *rmgr;
    ctlreq_t *ctlreq;
    dict_t *unsent;     /* "topic/partition" -> ctl_isr_change_t (heap), not yet sent */
    bool inflight;      /* an AlterPartition is out: the next waits for its answer */
    ev_timer_id_t send; /* the next send, armed (0: none) */
};

isr_t *isr_new(int32_t broker_id, const int64_t *broker_epoch)
{
    isr_t *isr = calloc(1, sizeof(*isr));
    if (!isr) abort();
    isr->broker_id = broker_id;
    isr->broker_epoch = broker_epoch;
    isr->unsent = dict_new();
    return isr;
}

void isr_bind(isr_t *isr, ev_loop_t *loop, rmgr_t *rmgr, ctlreq_t *ctlreq)
{
    isr->loop = loop;
    isr->rmgr = rmgr;
    isr->ctlreq = ctlreq;
}

static void isr_change_free(void *p)
{
    ctl_isr_change_t *ch = p;
    if (!ch) return;
    free(ch->topic);
    free(ch);
}

void isr_free(isr_t *isr)
{
    if (!isr) return;
    if (isr->send && isr->loop) ev_timer_cancel(isr->loop, isr->send);
    dict_free(isr->unsent, isr_change_free);
    free(isr);
}

static void isr_flush(ev_loop_t *loop, void *arg);

static void isr_key(char *key, size_t cap, const char *topic, int32_t p)
{
    snprintf(key, cap, "%s/%d", topic, p); /* '/' is never in a topic name */
}

/* Send what waits on the next loop turn: the proposals of this turn go along. */
static void isr_schedule(isr_t *isr)
{
    if (isr->inflight || isr->send || dict_size(isr->unsent) == 0) return;
    isr->send = ev_timer_add(isr->loop, 0, isr_flush, isr);
}

static void isr_done(ctl_op_t *op, void *arg)
{
    isr_t *isr = arg;
    for (int i = 0; i < op->nchanges; i++) {
        ctl_isr_change_t *ch = &op->changes[i];
        partition_t *part = rmgr_get(isr->rmgr, ch->topic, ch->partition);
        char key[300];
        isr_key(key, sizeof(key), ch->topic, ch->partition);
        /* a newer proposal waiting (made after a LeaderAndIsr) is the one to answer */
        if (part && part->isr_inflight && !dict_get(isr->unsent, key)) {
            kerr_t err = op->err ? op->err : ch->err;
            rmgr_isr_result(isr->rmgr, part, err, ch->leader_epoch, ch->partition_epoch, ch->isr,
                            ch->nisr);
        }
    }
    ctl_op_free(op);
    isr->inflight = false;
    isr_schedule(isr);
}

static int isr_cmp(const void *a, const void *b)
{
    const ctl_isr_change_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* One AlterPartition with every proposal waiting, sorted by topic (grouped on the wire). */
static void isr_flush(ev_loop_t *loop, void *arg)
{
    (void)loop;
    isr_t *isr = arg;
    isr->send = 0;
    size_t n = dict_size(isr->unsent);
    if (isr->inflight || n == 0) return;
    ctl_op_t *op = calloc(1, sizeof(*op));
    ctl_isr_change_t *chs = calloc(n, sizeof(*chs));
    if (!op || !chs) abort();
    size_t it = 0, k = 0;
    void *v;
    while (dict_next(isr->unsent, &it, NULL, &v) && k < n) {
        chs[k++] = *(ctl_isr_change_t *)v; /* the topic string moves to the op */
        free(v);
    }
    dict_free(isr->unsent, NULL);
    isr->unsent = dict_new();
    qsort(chs, k, sizeof(*chs), isr_cmp);
    op->type = CTL_OP_ALTER_PARTITION;
    op->broker_id = isr->broker_id;
    op->broker_epoch = *isr->broker_epoch;
    op->changes = chs;
    op->nchanges = (int)k;
    op->done = isr_done;
    op->arg = isr;
    isr->inflight = true;
    ctlreq_submit(isr->ctlreq, op);
}

void isr_send(void *arg, partition_t *part)
{
    isr_t *isr = arg;
    ctl_isr_change_t *ch = calloc(1, sizeof(*ch));
    if (!ch) abort();
    ch->topic = strdup(part->topic);
    if (!ch->topic) abort();
    ch->partition = part->index;
    ch->leader_epoch = part->leader_epoch;
    ch->partition_epoch = part->partition_epoch;
    ch->nisr = part->npending;
    memcpy(ch->isr, part->pending_isr, (size_t)part->npending * sizeof(int32_t));
    char key[300];
    isr_key(key, sizeof(key), part->topic, part->index);
    isr_change_free(dict_set(isr->unsent, key, ch));
    isr_schedule(isr);
}
