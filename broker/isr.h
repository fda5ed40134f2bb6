/* isr.h: a leader's ISR proposals (AlterPartition, KIP-497). isr_send() queues the partition's
 * pending ISR; every proposal queued goes to the controller (ctlreq.h) in one AlterPartition
 * when none is in flight (a restarted follower rejoining 10,000 ISRs costs a few requests, not
 * 10,000), and each answer goes to rmgr_isr_result(); the leader applies a new ISR only once
 * the controller has written it.
 * The server gives isr_send to its replica manager as the rmgr_isr_send_fn (rmgr.h), so the
 * isr_t exists before the replica manager and is bound to it (and to ctlreq, made once the
 * ctl thread runs) by isr_bind before the reactor runs.
 * Owner: the server makes and frees the isr_t. Reactor thread only. */
#ifndef ISR_H
#define ISR_H

#include <stdint.h>

#include "ev.h"

typedef struct isr isr_t;
typedef struct partition partition_t;
typedef struct rmgr rmgr_t;
typedef struct ctlreq ctlreq_t;

/* broker_epoch: the server's current registration epoch (read at each send). */
isr_t *isr_new(int32_t broker_id, const int64_t *broker_epoch);
void isr_bind(isr_t *isr, ev_loop_t *loop, rmgr_t *rmgr, ctlreq_t *ctlreq);
void isr_free(isr_t *isr);

/* arg: the isr_t. Queues part's proposal (replacing an unsent one of the same partition). */
void isr_send(void *arg, partition_t *part);

#endif
