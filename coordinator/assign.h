/* assign.h: replica assignment for new topics and partitions, Kafka's rack-unaware algorithm
 * (AdminUtils.assignReplicasToBrokers): a random start and a replica shift that grows every
 * full round, so leaders and followers spread evenly. Used by the controller thread and by
 * the kafka-topics --zookeeper tool. Pure function. Any thread. */
#ifndef ASSIGN_H
#define ASSIGN_H

#include <stdint.h>

/* Fill out[nparts * rf] (row-major) for partitions [first, first + nparts) over the sorted
 * broker ids brokers[nb] (rf <= nb), with the given random start index and shift. */
void assign_replicas(const int32_t *brokers, int nb, int32_t first, int32_t nparts, int16_t rf,
                     int32_t start, int32_t shift, int32_t *out);

#endif
