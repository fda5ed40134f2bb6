/* dist.h: distributed mode (connect-distributed): the three internal topics as the herder's
 * backing store (dist.c), and worker group membership with protocol type "connect" through the
 * raw group protocol (dist_group.c).
 *
 * Records as Kafka's (schemaless JSON): config topic (one partition, compacted)
 *   connector-<name> -> {"properties":{..}} | null      task-<name>-<n> -> {"properties":{..}}
 *   commit-<name> -> {"tasks":N}                         target-state-<name> ->
 * {"state":..,"state.v2":..} offsets topic: ["<name>",{partition}] -> {offset}; status topic:
 * status-connector-<name> / status-task-<name>-<n> -> {"state","trace","worker_id","generation"}.
 * With exactly.once.source.support=enabled (KIP-618) the config topic also holds
 * tasks-fencing-<name> -> {"task-count":N} after a source connector's commit-<name> (written
 * once the ids a smaller generation drops are fenced), the offsets topic is written by the
 * tasks' transactions, and all three are read read_committed.
 *
 * Group protocol: Connect's eager "default" protocol (ConnectProtocol v0): member metadata
 * {version 0, url, config offset}; the leader assigns connectors and tasks round robin over the
 * members sorted by member id; every rebalance first stops everything this worker ran (eager
 * revocation). A config change the reader sees (connector added or removed, a task count
 * changed) makes this worker rejoin with its new config offset, which rebalances the group.
 *
 * Threads: the reader thread (consumes the three topics, applies them under the herder lock),
 * the group thread (join / sync / heartbeat); both stop in dist_stop(). */
#ifndef DIST_H
#define DIST_H

#include "worker.h"

typedef struct dist dist_t;

/* Create the topics when missing, start the producer and the reader, and read the config and
 * status topics to their end. NULL with a reason. */
dist_t *dist_start(kc_herder_t *h, char *err, size_t errlen);
/* Wait until the reader has consumed everything written before now (timeout_ms at most). */
bool dist_sync(dist_t *d, int timeout_ms);
/* The config offset applied so far (next offset to read). Herder lock held. */
int64_t dist_config_offset(const dist_t *d);
/* Start / stop the group thread. */
int dist_group_start(dist_t *d, char *err, size_t errlen);
void dist_stop(dist_t *d);

/* Internal to dist.c / dist_group.c. */
kc_herder_t *dist_herder(dist_t *d);
bool dist_stopping(dist_t *d);
/* Set by the reader when the group must rebalance; taken by the group thread. Lock held. */
bool dist_take_rejoin(dist_t *d);
void dist_want_rejoin(dist_t *d);

#endif
