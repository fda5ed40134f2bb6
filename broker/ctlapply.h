/* ctlapply.h: what this broker does with a controller message (LeaderAndIsr, UpdateMetadata,
 * StopReplica, from the local controller's thread or over the wire from api_ctl.c) and with
 * the coordinator thread's other news (registration, topic/broker/quota configs, ACLs).
 * Owner: takes ownership of the message. Reactor thread only. */
#ifndef CTLAPPLY_H
#define CTLAPPLY_H

#include "kerr.h"

typedef struct server server_t;
typedef struct ctl_msg ctl_msg_t;

/* Apply m after checking its controller epoch: STALE_CONTROLLER_EPOCH for a message from an
 * older controller, STALE_BROKER_EPOCH for one meant for an earlier registration of this
 * broker; otherwise the worst partition error of a LeaderAndIsr, or KERR_NONE. Frees m. */
kerr_t ctlapply_msg(server_t *srv, ctl_msg_t *m);

#endif
