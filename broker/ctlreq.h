/* ctlreq.h: requests from this broker to the active controller: AlterPartition (a leader's
 * ISR proposal) and ControlledShutdown. They travel as ctl ops: run by this broker's own ctl
 * thread when it is the controller, otherwise encoded (AlterPartition v1, ControlledShutdown
 * v3) and sent to the controller's inter-broker endpoint, learned from the metadata cache,
 * over one peer connection. Either way op->done runs later on the reactor (never inside
 * ctlreq_submit); a routing failure is in op->err (NOT_CONTROLLER when no controller is known,
 * KERR__TRANSPORT when it could not be reached) and the caller decides whether to retry.
 * Owner: the op passes to ctlreq until done runs. Reactor thread only. */
#ifndef CTLREQ_H
#define CTLREQ_H

#include "ctl.h"

typedef struct server server_t;

#define CTLREQ_TIMEOUT_MS 30000

void ctlreq_submit(server_t *srv, ctl_op_t *op);
/* Close the connection to the controller (shutdown). */
void ctlreq_close(server_t *srv);

#endif
