/* isr.c: AlterPartition from the leader's side (see isr.h). The op names the partition by
 * topic and index; the answer is applied only if the partition is still hosted. */
#include "isr.h"

#include <stdlib.h>
#include <string.h>

#include "ctlreq.h"
#include "log.h"
#include "replica/rmgr.h"
#include "server.h"

static void isr_done(ctl_op_t *op, void *arg)
{
    server_t *srv = arg;
    ctl_isr_change_t *ch = &op->changes[0];
    partition_t *part = rmgr_get(srv->rmgr, ch->topic, ch->partition);
    if (part && part->isr_inflight) {
        kerr_t err = op->err ? op->err : ch->err;
        rmgr_isr_result(srv->rmgr, part, err, ch->leader_epoch, ch->partition_epoch, ch->isr,
                        ch->nisr);
    }
    ctl_op_free(op);
}

void isr_send(void *arg, partition_t *part)
{
    server_t *srv = arg;
    ctl_op_t *op = calloc(1, sizeof(*op));
    ctl_isr_change_t *ch = calloc(1, sizeof(*ch));
    if (!op || !ch) abort();
    op->type = CTL_OP_ALTER_PARTITION;
    op->broker_id = srv->broker_id;
    op->broker_epoch = srv->broker_epoch;
    op->changes = ch;
    op->nchanges = 1;
    op->done = isr_done;
    op->arg = srv;
    ch->topic = strdup(part->topic);
    if (!ch->topic) abort();
    ch->partition = part->index;
    ch->leader_epoch = part->leader_epoch;
    ch->partition_epoch = part->partition_epoch;
    ch->nisr = part->npending;
    memcpy(ch->isr, part->pending_isr, (size_t)part->npending * sizeof(int32_t));
    ctlreq_submit(srv, op);
}
