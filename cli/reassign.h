/* reassign.h: what the parts of kafka-reassign-partitions share (kafka_reassign_partitions.c,
 * the tool's actions; reassign_plan.c, partition lists and the reassignment JSON;
 * reassign_cluster.c, the cluster's view and the controller's reassignment calls;
 * reassign_throttle.c, the replication throttles). Lists own their topic strings (never
 * freed: the tool runs once and exits). Errors end the tool (rp_fail). Single-threaded. */
#ifndef REASSIGN_H
#define REASSIGN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#define RP_MAX_RF 16

/* One partition and its replicas (a target from a file, or a current assignment). */
typedef struct rp_part {
    char *topic;
    int32_t partition;
    int32_t n;
    int32_t replicas[RP_MAX_RF];
    const char *msg; /* an error answered for it (rp_alter), or NULL */
} rp_part_t;

typedef struct rp_list {
    rp_part_t *v;
    int n, cap;
} rp_list_t;

typedef struct rp_cluster {
    rd_kafka_t *rk;
    const rd_kafka_metadata_t *md;
} rp_cluster_t;

/* ---- reassign_plan.c: lists and JSON ---- */

/* A new zeroed entry for topic-p at the end of l (topic copied). */
rp_part_t *rp_add(rp_list_t *l, const char *topic, int32_t p);
/* qsort order by topic, then partition. */
int rp_cmp(const void *a, const void *b);
rp_part_t *rp_find(const rp_list_t *l, const char *topic, int32_t p);
void rp_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* The JSON file at path (caller decrefs), its version checked. */
json_t *rp_load(const char *path);
void rp_print_json(rp_list_t *l);
/* The partitions of a --reassignment-json-file into out; checks: Kafka's execute checks. */
void rp_parse_targets(const char *path, rp_list_t *out, bool checks);
/* "t-p,t-p..." on stdout. */
void rp_print_tps(const rp_list_t *l);

/* ---- reassign_cluster.c: metadata and the controller ---- */

/* (Re)load c->md, or exit. */
void rp_refresh(rp_cluster_t *c);
bool rp_broker_known(const rp_cluster_t *c, int32_t id);
const rd_kafka_metadata_partition_t *rp_current(const rp_cluster_t *c, const char *t, int32_t p);
/* The current replicas of each of targets' partitions into out; exits on an unknown one. */
void rp_current_of(const rp_cluster_t *c, const rp_list_t *targets, rp_list_t *out);
/* The ongoing reassignments (all, or only_in's partitions): replicas into out, adding and
 * removing sets into those lists (each may be NULL). */
void rp_ongoing(rp_cluster_t *c, const rp_list_t *only_in, rp_list_t *out, rp_list_t *adding,
                rp_list_t *removing);
void rp_alter(rp_cluster_t *c, const rp_list_t *parts, bool cancel);

/* ---- reassign_throttle.c ---- */

void rp_ids_add(int32_t *ids, int *n, int max, int32_t id);
/* qsort order of int32_t ids. */
int rp_cmp_id(const void *a, const void *b);
/* Throttle targets' moves (from cur) to rate B/s: the topics' throttled replicas, the brokers'
 * rates. */
void rp_throttle_set(rp_cluster_t *c, const rp_list_t *targets, const rp_list_t *cur,
                     long long rate);
void rp_throttle_clear(rp_cluster_t *c, const int32_t *ids, int n, const char *const *topics,
                       int nt);

#endif
