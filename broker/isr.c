/* isr.c: AlterPartition from the leader's side (see isr.h). The op names the partition by
 * topic and index; the answer is applied only if the partition is still hosted. */
#include "isr.h"

#include <stdlib.h>
#include <string.h>

#include "ctlreq.h"
#include "log.h"
#include "replica/rmgr.h"

struct isr {
    int32_t broker_id;
    const int64_t *broker_epoch; /* the server's: it changes when the broker re-registers */
    rmgr_t *rmgr;
    ctlreq_t *ctlreq;
};

isr_t *isr_new(int32_t broker_id, const int64_t *broker_epoch)
{
    isr_t *isr = calloc(1, sizeof(*isr));
    if (!isr) abort();
    isr->broker_id = broker_id;
    isr->broker_epoch = broker_epoch;
    return isr;
}

void isr_bind(isr_t *isr, rmgr_t *rmgr, ctlreq_t *ctlreq)
{
    isr->rmgr = rmgr;
    isr->ctlreq = ctlreq;
}

void isr_free(isr_t *isr)
{
    free(isr);
}

static void isr_done(ctl_op_t *op, void *arg)
{
    isr_t *isr = arg;
    ctl_isr_change_t *ch = &op->changes[0];
    partition_t *part = rmgr_get(isr->rmgr, ch->topic, ch->partition);
    if (part && part->isr_inflight) {
        kerr_t err = op->err ? op->err : ch->err;
        rmgr_isr_result(isr->rmgr, part, err, ch->leader_epoch, ch->partition_epoch, ch->isr,
                        ch->nisr);
    }
    ctl_op_free(op);
}

void isr_send(void *arg, partition_t *part)
{
    isr_t *isr = arg;
    ctl_op_t *op = calloc(1, sizeof(*op));
    ctl_isr_change_t *ch = calloc(1, sizeof(*ch));
    if (!op || !ch) abort();
    op->type = CTL_OP_ALTER_PARTITION;
    op->broker_id = isr->broker_id;
    op->broker_epoch = *isr->broker_epoch;
    op->changes = ch;
    op->nchanges = 1;
    op->done = isr_done;
    op->arg = isr;
    ch->topic = strdup(part->topic);
    if (!ch->topic) abort();
    ch->partition = part->index;
    ch->leader_epoch = part->leader_epoch;
    ch->partition_epoch = part->partition_epoch;
    ch->nisr = part->npending;
    memcpy(ch->isr, part->pending_isr, (size_t)part->npending * sizeof(int32_t));
    ctlreq_submit(isr->ctlreq, op);
}
