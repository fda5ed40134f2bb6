/* rthrottle.h: replication throttles (Kafka's KIP-73, as kafka-reassign-partitions --throttle
 * sets them). A leader bounds what it sends, and a follower what it fetches, for the replicas
 * its topic lists (leader.replication.throttled.replicas / follower.replication.throttled.
 * replicas, "[partition]:[broker],..." or "*", the broker being this one) while the replica is
 * out of the ISR, at the dynamic broker configs leader.replication.throttled.rate /
 * follower.replication.throttled.rate (bytes/s; /config/brokers/<id>, else <default>; unset:
 * no bound). Data of a throttled partition is held back while the measured rate (rquota.h) is
 * over the bound; in-sync replicas are never throttled.
 * Owner: the replica manager. Reactor thread only. */
#ifndef RTHROTTLE_H
#define RTHROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tconf tconf_t;
typedef struct partition partition_t;
typedef struct rthrottle rthrottle_t;

typedef enum rthrottle_side { RTHROTTLE_LEADER = 0, RTHROTTLE_FOLLOWER = 1 } rthrottle_side_t;

/* tconf: where the throttled-replica lists are (borrowed); self: this broker's id. */
rthrottle_t *rthrottle_new(tconf_t *tconf, int32_t self);
void rthrottle_free(rthrottle_t *t);
/* A dynamic broker config set (CTL_MSG_BROKER_CONFIG) of <default> (dflt) or of this broker. */
void rthrottle_config(rthrottle_t *t, bool dflt, int n, char *const *keys, char *const *vals);
/* Is replica's traffic for part subject to side's throttle (listed, out of the ISR)? */
bool rthrottle_applies(rthrottle_t *t, rthrottle_side_t side, const partition_t *part,
                       int32_t replica);
/* Is side's bound used up now? false when no bound is set. */
bool rthrottle_exceeded(rthrottle_t *t, rthrottle_side_t side, int64_t now_ms);
/* Throttled bytes sent (leader) or received (follower). */
void rthrottle_record(rthrottle_t *t, rthrottle_side_t side, size_t bytes, int64_t now_ms);
/* The bound in force, bytes/s (-1: none). */
int64_t rthrottle_rate(const rthrottle_t *t, rthrottle_side_t side);

#endif
