/* ctlapply.h: what this broker does with a controller message (LeaderAndIsr, UpdateMetadata,
 * StopReplica, from the local controller's thread or over the wire from api_ctl.c) and with
 * the coordinator thread's other news (registration, topic/broker/quota configs, ACLs).
 * Owner: the server makes and frees the ctlapply_t, whose own state is the highest controller
 * epoch seen (fencing); ctlapply_msg takes ownership of the message. Reactor thread only. */
#ifndef CTLAPPLY_H
#define CTLAPPLY_H

#include <stdint.h>

#include "kerr.h"

typedef struct ctlapply ctlapply_t;
typedef struct ctl_msg ctl_msg_t;
typedef struct mdcache mdcache_t;
typedef struct rmgr rmgr_t;
typedef struct tconf tconf_t;
typedef struct quota_mgr quota_mgr_t;
typedef struct authz authz_t;

/* What the messages change, borrowed for ctlapply's lifetime, and the server's part of them
 * (callbacks with arg): the registration, the metadata waiters, the SCRAM users, a stop. */
typedef struct ctlapply_deps {
    mdcache_t *md;
    rmgr_t *rmgr;
    tconf_t *tconf;
    quota_mgr_t *quota;
    authz_t *authz; /* NULL = no authorization */
    int32_t broker_id;
    const int64_t *broker_epoch; /* the server's current registration epoch (fencing) */
    void (*registered)(void *arg, const char *cluster_id, int64_t broker_epoch);
    void (*md_changed)(void *arg); /* the metadata cache changed: re-run the waiters */
    void (*users_set)(void *arg, const char *entity, int n, const char *const *keys,
                      const char *const *vals); /* a quota entity's config (SCRAM users) */
    void (*fatal)(void *arg, const char *why);
    void *arg;
} ctlapply_deps_t;

ctlapply_t *ctlapply_new(const ctlapply_deps_t *d);
void ctlapply_free(ctlapply_t *ca);

/* Apply m after checking its controller epoch: STALE_CONTROLLER_EPOCH for a message from an
 * older controller, STALE_BROKER_EPOCH for one meant for an earlier registration of this
 * broker; otherwise the worst partition error of a LeaderAndIsr, or KERR_NONE. Frees m. */
kerr_t ctlapply_msg(ctlapply_t *ca, ctl_msg_t *m);

#endif
