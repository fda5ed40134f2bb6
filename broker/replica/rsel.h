/* rsel.h: the replica selector of KIP-392 (follower fetching), as Kafka's
 * ReplicaManager.findPreferredReadReplica with RackAwareReplicaSelector: for a consumer that
 * names its rack, the leader points it at an in-sync replica in that rack unless the leader is
 * there itself. A candidate is a follower in the ISR, alive (in the metadata cache, with an
 * endpoint on the client's listener), whose log holds the fetch offset (log start <= offset <=
 * its log end as of its last fetch); among several the most caught up wins (largest log end,
 * then the most recent time it had caught up), as Kafka's ReplicaView comparator.
 * Followers never redirect. Reactor thread only. */
#ifndef RSEL_H
#define RSEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct mdcache mdcache_t;
typedef struct partition partition_t;

/* The replica the consumer in rack[rack_len] should fetch part from, or -1 for this broker
 * (not the leader, no rack, the leader is in the rack, or no candidate). The caller checks
 * that the rack-aware selector is configured. md: the live brokers; self: this broker. */
int32_t rsel_preferred(const mdcache_t *md, int32_t self, const partition_t *part, const char *rack,
                       size_t rack_len, const char *listener, int64_t fetch_offset);

#endif
