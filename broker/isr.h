/* isr.h: a leader's ISR proposals (AlterPartition, KIP-497). isr_send() turns the partition's
 * pending ISR into an AlterPartition for the controller (ctlreq.h) and hands the answer to
 * rmgr_isr_result(); the leader applies a new ISR only once the controller has written it.
 * The server gives isr_send to its replica manager as the rmgr_isr_send_fn (rmgr.h).
 * Reactor thread only. */
#ifndef ISR_H
#define ISR_H

typedef struct partition partition_t;

/* arg: the server_t. */
void isr_send(void *arg, partition_t *part);

#endif
