/* ldfail.h: a log dir failing on this broker (KIP-112; Kafka's LogDirFailureChannel and
 * ReplicaManager.handleLogDirFailure). The log manager reports the first I/O error in a dir
 * (lmgr_set_fail_fn); on the next loop turn the dir's replicas stop here (fetchers removed,
 * parked requests answered, the group coordinator told), its logs are closed and stay offline
 * until a restart (produce and fetch for them answer KAFKA_STORAGE_ERROR, DescribeLogDirs names
 * the dir with KAFKA_STORAGE_ERROR), and the controller is told which replicas went offline
 * through this broker's own ZooKeeper session (coordinator/ctl_logdir.c explains the route;
 * retried every second until written). When no dir is left the broker stops, as Kafka halts.
 * Owner: the server makes and frees the ldfail_t. Reactor thread only. */
#ifndef LDFAIL_H
#define LDFAIL_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ldfail ldfail_t;
typedef struct ev_loop ev_loop_t;
typedef struct lmgr lmgr_t;
typedef struct rmgr rmgr_t;
typedef struct ctl_op ctl_op_t;

/* What ldfail uses, borrowed for its lifetime. The ctl thread starts after the log manager
 * is hooked, so ops reach it through submit; fatal stops the broker (no log dir left). */
typedef struct ldfail_deps {
    ev_loop_t *loop;
    lmgr_t *lmgr;
    rmgr_t *rmgr;
    int32_t broker_id;
    const int64_t *broker_epoch; /* the server's current registration epoch */
    const bool *stopping;        /* the server is stopping: no more work, no retries */
    void (*submit)(void *arg, ctl_op_t *op);
    void (*fatal)(void *arg, const char *why);
    void *arg;
} ldfail_deps_t;

/* Hook the handler to d->lmgr (after lmgr_open). */
ldfail_t *ldfail_new(const ldfail_deps_t *d);
void ldfail_free(ldfail_t *lf);
/* This broker registered again (a new ZooKeeper session, hence a new broker epoch): the
 * controller forgets its offline replicas then, so they are written again. */
void ldfail_reregistered(ldfail_t *lf);

#endif
