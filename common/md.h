/* md.h: the cluster metadata value types (a broker with its endpoints, a topic with its
 * partitions' leaders, replicas and ISR), shared by the controller (coordinator/), the
 * ZooKeeper layout (zkpath.h), the broker's metadata cache (broker/mdcache.h) and the tools.
 * Plain values: whoever holds one owns its arrays (the cache for what mdcache_* returns).
 * Pure functions, any thread. */
#ifndef MD_H
#define MD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

#define MD_MAX_ENDPOINTS 8

typedef struct md_endpoint {
    char listener[64];
    char host[256];
    int port;
} md_endpoint_t;

typedef struct md_broker {
    int32_t id;
    char rack[64]; /* "" = none */
    int nendpoints;
    md_endpoint_t ep[MD_MAX_ENDPOINTS];
} md_broker_t;

typedef struct md_part {
    int32_t leader; /* -1 = none */
    int32_t leader_epoch;
    int32_t nreplicas, nisr, noffline;
    int32_t *replicas, *isr, *offline; /* owned by the cache */
} md_part_t;

typedef struct md_topic {
    char *name;
    uint8_t id[16];
    bool internal;
    int32_t nparts;
    md_part_t *parts;
} md_topic_t;

/* The endpoint of broker b for listener name, or NULL. */
const md_endpoint_t *md_broker_endpoint(const md_broker_t *b, const char *listener);

/* Kafka's topic name rule (Topic.validate): KERR_NONE, or KERR_INVALID_TOPIC_EXCEPTION with
 * Kafka's message in why. */
kerr_t md_topic_name_valid(const char *name, char *why, size_t n);

#endif
