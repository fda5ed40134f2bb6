/* assign.h: replica assignment for new topics and partitions, Kafka's algorithms
 * (AdminUtils.assignReplicasToBrokers):
 * - rack-unaware: a start index and a replica shift that grows every full round, so leaders
 *   and followers spread evenly over the brokers sorted by id;
 * - rack-aware (every broker has a rack): the same walk over the "rack-alternated" broker list
 *   (one broker of each rack in turn, racks sorted by name, brokers by id), skipping a broker
 *   whose rack already holds a replica of the partition while some rack holds none, so each
 *   partition's replicas sit on as many distinct racks as possible.
 * When only some brokers have a rack, Kafka refuses unless rack awareness is disabled.
 * Used by the controller thread (CreateTopics, auto-creation, CreatePartitions) and by the
 * kafka-topics --zookeeper tool. Pure functions, no allocation. Any thread. */
#ifndef ASSIGN_H
#define ASSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

#define ASSIGN_MAX_BROKERS 256

/* One broker as the assignment sees it; rack "" = none. */
typedef struct assign_broker {
    int32_t id;
    char rack[64];
} assign_broker_t;

/* Fill out[nparts * rf] (row-major) for partitions [first, first + nparts) over the sorted
 * broker ids brokers[nb] (rf <= nb), with the given start index and shift (Kafka: both random
 * in [0, nb), or both the fixed start index). */
void assign_replicas(const int32_t *brokers, int nb, int32_t first, int32_t nparts, int16_t rf,
                     int32_t start, int32_t shift, int32_t *out);

/* Kafka's rack-alternated list of the brokers (every one with a rack): out[nb] ids. */
void assign_rack_alternated(const assign_broker_t *brokers, int nb, int32_t *out);

/* Rack-aware assignment over brokers[nb] (sorted by id, every one with a rack, rf <= nb,
 * nb <= ASSIGN_MAX_BROKERS); start and shift index the rack-alternated list. */
void assign_replicas_rack(const assign_broker_t *brokers, int nb, int32_t first, int32_t nparts,
                          int16_t rf, int32_t start, int32_t shift, int32_t *out);

/* Kafka's assignReplicasToBrokers: rack-aware when every broker has a rack (and rack_aware),
 * rack-unaware when none has one or !rack_aware. brokers sorted by id, rf <= nb. Returns
 * KERR__INVAL when some brokers have a rack and others do not (rack_aware only). */
kerr_t assign_auto(const assign_broker_t *brokers, int nb, bool rack_aware, int32_t first,
                   int32_t nparts, int16_t rf, int32_t start, int32_t shift, int32_t *out);

/* Whether some but not all brokers have a rack. */
bool assign_racks_mixed(const assign_broker_t *brokers, int nb);

/* The fixed start index Kafka uses when adding partitions (AdminZkClient
 * createNewPartitionsAssignment): the index of the first broker (by id) whose id is >= the
 * first replica of partition 0, or 0. */
int32_t assign_start_after(const assign_broker_t *brokers, int nb, int32_t first_replica);

#endif
