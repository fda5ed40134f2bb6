/* isr.h: a leader's ISR proposals (AlterPartition, KIP-497). isr_send() turns the partition's
 * pending ISR into an AlterPartition for the controller (ctlreq.h) and hands the answer to
 * rmgr_isr_result(); the leader applies a new ISR only once the controller has written it.
 * Reactor thread only. */
#ifndef ISR_H
#define ISR_H

typedef struct server server_t;
typedef struct partition partition_t;

void isr_send(server_t *srv, partition_t *part);

#endif
