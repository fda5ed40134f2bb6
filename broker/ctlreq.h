/* ctlreq.h: requests from this broker to the active controller: AlterPartition (a leader's
 * ISR proposal) and ControlledShutdown. They travel as ctl ops: run by this broker's own ctl
 * thread when it is the controller, otherwise encoded (AlterPartition v1, ControlledShutdown
 * v3) and sent to the controller's inter-broker endpoint, learned from the metadata cache,
 * over one peer connection. Either way op->done runs later on the reactor (never inside
 * ctlreq_submit); a routing failure is in op->err (NOT_CONTROLLER when no controller is known,
 * KERR__TRANSPORT when it could not be reached) and the caller decides whether to retry.
 * Owner: the server makes and frees the ctlreq_t (its only state is the connection to the
 * controller); the op passes to ctlreq until done runs. Reactor thread only. */
#ifndef CTLREQ_H
#define CTLREQ_H

#include <stdint.h>

#include "ctl.h"

typedef struct ctlreq ctlreq_t;
typedef struct mdcache mdcache_t;
typedef struct arena arena_t;
typedef struct kp_altpart kp_altpart_t;
typedef struct kp_altpart_part kp_altpart_part_t;

#define CTLREQ_TIMEOUT_MS 30000

/* What ctlreq uses, borrowed for its lifetime. */
typedef struct ctlreq_deps {
    ev_loop_t *loop;
    const mdcache_t *md; /* where the controller and its endpoints are learned */
    ctl_t *ctl;          /* this broker's own ctl thread (when it is the controller) */
    int32_t broker_id;
    const char *inter_broker_listener; /* the controller endpoint's listener name */
} ctlreq_deps_t;

ctlreq_t *ctlreq_new(const ctlreq_deps_t *d);
/* Frees the connection too (ctlreq_close first is not needed). NULL is a no-op. */
void ctlreq_free(ctlreq_t *cr);

void ctlreq_submit(ctlreq_t *cr, ctl_op_t *op);
/* AlterPartition's topics for changes ch[0..n) (request or response): r->topics in order of
 * first appearance, each with its parts (partition set, the rest zero), all in a; returns,
 * per change, its part (in a). Linear in n when ch is grouped by topic. */
kp_altpart_part_t **ctlreq_altpart_group(const ctl_isr_change_t *ch, int n, arena_t *a,
                                         kp_altpart_t *r);

/* Close the connection to the controller (shutdown); a later submit opens a new one. */
void ctlreq_close(ctlreq_t *cr);

#endif
