/* ldfail.h: a log dir failing on this broker (KIP-112; Kafka's LogDirFailureChannel and
 * ReplicaManager.handleLogDirFailure). The log manager reports the first I/O error in a dir
 * (lmgr_set_fail_fn); on the next loop turn the dir's replicas stop here (fetchers removed,
 * parked requests answered, the group coordinator told), its logs are closed and stay offline
 * until a restart (produce and fetch for them answer KAFKA_STORAGE_ERROR, DescribeLogDirs names
 * the dir with KAFKA_STORAGE_ERROR), and the controller is told which replicas went offline
 * through this broker's own ZooKeeper session (coordinator/ctl_logdir.c explains the route;
 * retried every second until written). When no dir is left the broker stops, as Kafka halts.
 * Owner: the server. Reactor thread only. */
#ifndef LDFAIL_H
#define LDFAIL_H

typedef struct server server_t;

/* Hook the handler to srv->lmgr (after lmgr_open). */
void ldfail_init(server_t *srv);
/* This broker registered again (a new ZooKeeper session, hence a new broker epoch): the
 * controller forgets its offline replicas then, so they are written again. */
void ldfail_reregistered(server_t *srv);

#endif
