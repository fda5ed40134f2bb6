/* zkpath.h: EVERY znode path and JSON format of the cluster, exactly Kafka's ZooKeeper
 * layout (Kafka's ZkData), in one place (DESIGN.md section 5).
 * JSON builders return malloc'd NUL-terminated strings (caller frees); parsers never crash on
 * malformed input: they return KERR__BAD_MSG. Path builders write into a caller buffer.
 * Paths and Uuids are in zkpath.c, the JSON of cluster-wide and broker znodes in zkpath_json.c,
 * that of topics and partitions in zkpath_topic.c.
 * Pure functions. Any thread. */
#ifndef ZKPATH_H
#define ZKPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"
#include "md.h"

#define ZKPATH_CLUSTER_ID                       "/cluster/id"
#define ZKPATH_BROKER_IDS                       "/brokers/ids"
#define ZKPATH_BROKER_TOPICS                    "/brokers/topics"
#define ZKPATH_CONTROLLER                       "/controller"
#define ZKPATH_CONTROLLER_EPOCH                 "/controller_epoch"
#define ZKPATH_ADMIN_DELETE_TOPICS              "/admin/delete_topics"
#define ZKPATH_ADMIN_PREFERRED_REPLICA_ELECTION "/admin/preferred_replica_election"
#define ZKPATH_ADMIN_REASSIGN_PARTITIONS        "/admin/reassign_partitions"
#define ZKPATH_CONFIG_TOPICS                    "/config/topics"
#define ZKPATH_CONFIG_BROKERS                   "/config/brokers"
#define ZKPATH_CONFIG_CLIENTS                   "/config/clients"
#define ZKPATH_CONFIG_USERS                     "/config/users"
#define ZKPATH_DEFAULT_ENTITY                   "<default>"
#define ZKPATH_CONFIG_CHANGES                   "/config/changes"
#define ZKPATH_CONFIG_CHANGE_PREFIX             "/config/changes/config_change_"
#define ZKPATH_LATEST_PRODUCER_ID_BLOCK         "/latest_producer_id_block"
#define ZKPATH_ISR_CHANGE_NOTIFICATION          "/isr_change_notification"
#define ZKPATH_LOG_DIR_EVENT                    "/log_dir_event_notification"
#define ZKPATH_LOG_DIR_EVENT_PREFIX             "/log_dir_event_notification/log_dir_event_"
#define ZKPATH_ACL                              "/kafka-acl"
#define ZKPATH_ACL_EXTENDED                     "/kafka-acl-extended"
#define ZKPATH_ACL_PREFIXED                     "/kafka-acl-extended/prefixed"
#define ZKPATH_ACL_CHANGES                      "/kafka-acl-changes"
#define ZKPATH_ACL_EXTENDED_CHANGES             "/kafka-acl-extended-changes"
#define ZKPATH_ACL_CHANGE_SEQ                   "acl_changes_"

#define ZKPATH_MAX_ISR 16

/* NULL-terminated list of the persistent paths every broker ensures at start-up. */
const char *const *zkpath_persistent_paths(void);

/* Path builders: KERR__TOO_LARGE when buf is too small. */
kerr_t zkpath_broker(char *buf, size_t n, int32_t id);
kerr_t zkpath_topic(char *buf, size_t n, const char *topic);
kerr_t zkpath_partition(char *buf, size_t n, const char *topic, int32_t p);
kerr_t zkpath_partition_state(char *buf, size_t n, const char *topic, int32_t p);
kerr_t zkpath_topic_config(char *buf, size_t n, const char *topic);
/* /config/brokers/<id>, or /config/brokers/<default> when id < 0 (the cluster-wide default). */
kerr_t zkpath_broker_config(char *buf, size_t n, int32_t id);
/* The entity_path of a change notice: "topics/<t>", "brokers/<id>" or "brokers/<default>"
 * (type is "topics" or "brokers"; name NULL = <default>). */
kerr_t zkpath_config_entity(char *buf, size_t n, const char *type, const char *name);

/* Client quota entities (Kafka's ClientQuotaManager levels): a user part and a client-id part,
 * each absent, the default (name NULL) or a name. Znodes /config/users/<u>,
 * /config/users/<u>/clients/<c>, /config/clients/<c>; names are stored sanitized as Kafka's
 * Sanitizer does (URL encoding, '*' as %2A, ' ' as %20), defaults as <default>. */
typedef struct zkpath_qentity {
    bool has_user, has_client;
    const char *user, *client; /* NULL = <default> */
} zkpath_qentity_t;
/* Kafka's Sanitizer.sanitize / desanitize; KERR__TOO_LARGE when out is too small,
 * KERR__BAD_MSG for a malformed escape. */
kerr_t zkpath_sanitize(const char *name, char *out, size_t n);
kerr_t zkpath_desanitize(const char *s, char *out, size_t n);
/* The change-notice entity path: "users/<su>/clients/<sc>", "users/<su>" or "clients/<sc>";
 * KERR__BAD_MSG when e has neither part. The znode is "/config/" + that path. */
kerr_t zkpath_qentity_path(char *buf, size_t n, const zkpath_qentity_t *e);
/* Back from an entity path (desanitized names into user/client buffers, which e points at).
 * KERR__BAD_MSG when path is not a quota entity path. */
kerr_t zkpath_qentity_parse(const char *path, zkpath_qentity_t *e, char *user, size_t un,
                            char *client, size_t cn);

/* Kafka Uuid: 16 random bytes as 22 characters of URL-safe base64 without padding. */
void zkpath_uuid_new(char out[23]);
kerr_t zkpath_uuid_decode(const char *s, uint8_t out[16]);
void zkpath_uuid_encode(const uint8_t id[16], char out[23]);

/* /cluster/id: {"version":"1","id":"..."} */
char *zkpath_cluster_id_json(const char *id);
kerr_t zkpath_cluster_id_parse(const char *json, char *out, size_t n);

/* /brokers/ids/<id> (version 5): endpoints, host/port of the first PLAINTEXT endpoint, the
 * listener -> security protocol map, rack, timestamp. protocol_map is Kafka's config string
 * "NAME:PROTO,..." (only listeners in use are written). */
char *zkpath_broker_json(const md_broker_t *b, const char *protocol_map, int64_t ts_ms);
/* Fills endpoints and rack (b->id is left to the caller: it comes from the path). */
kerr_t zkpath_broker_parse(const char *json, md_broker_t *b);

/* /brokers/topics/<t> (version 3): {"partitions":{"0":[1,2]},"topic_id":"...",
 * "adding_replicas":{},"removing_replicas":{},"version":3} */
typedef struct zkpath_topic {
    uint8_t id[16]; /* all zero when the znode has no topic_id (pre-2.8 topics) */
    int32_t nparts;
    int32_t *nreplicas; /* per partition */
    int32_t **replicas; /* per partition, nreplicas[p] ids */
    /* A reassignment in progress (KIP-455): per partition the replicas being added and
     * removed; both NULL when no partition of the topic is being reassigned. */
    int32_t *nadding, *nremoving;
    int32_t (*adding)[ZKPATH_MAX_ISR], (*removing)[ZKPATH_MAX_ISR];
} zkpath_topic_t;
/* Assignment of nparts partitions x rf replicas (row-major ids). */
void zkpath_topic_init(zkpath_topic_t *t, const uint8_t id[16], int32_t nparts, int32_t rf,
                       const int32_t *assign);
/* Append add partitions x rf replicas. */
void zkpath_topic_add(zkpath_topic_t *t, int32_t add, int32_t rf, const int32_t *assign);
void zkpath_topic_clear(zkpath_topic_t *t);
/* Record partition p's reassignment (nadd = nrem = 0: none). Counts above ZKPATH_MAX_ISR are
 * cut. */
void zkpath_topic_set_reassign(zkpath_topic_t *t, int32_t p, int32_t nadd, const int32_t *add,
                               int32_t nrem, const int32_t *rem);
char *zkpath_topic_json(const zkpath_topic_t *t);
/* Partitions must be numbered 0..n-1. */
kerr_t zkpath_topic_parse(const char *json, zkpath_topic_t *t);

/* .../partitions/<p>/state: {"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,
 * "isr":[1,2]} */
typedef struct zkpath_pstate {
    int32_t controller_epoch, leader, leader_epoch;
    int32_t nisr;
    int32_t isr[ZKPATH_MAX_ISR];
} zkpath_pstate_t;
char *zkpath_pstate_json(const zkpath_pstate_t *s);
kerr_t zkpath_pstate_parse(const char *json, zkpath_pstate_t *s);

/* /controller: {"version":2,"brokerid":1,"timestamp":"..."} (version 1 accepted). */
char *zkpath_controller_json(int32_t broker_id, int64_t ts_ms);
kerr_t zkpath_controller_parse(const char *json, int32_t *broker_id);

/* /config/topics/<t>, /config/brokers/<id>: {"version":1,"config":{"k":"v"}} */
char *zkpath_config_json(int n, const char *const *keys, const char *const *vals);
/* Allocates *keys and *vals (n strings each, malloc'd; caller frees each and the arrays). */
kerr_t zkpath_config_parse(const char *json, int *n, char ***keys, char ***vals);
/* A config znode's content as an editable set: heap strings owned by the set, in insertion
 * order (fill it from zkpath_config_parse's arrays, write it with zkpath_config_json). */
typedef struct zkpath_config {
    int n;
    char **keys, **vals;
} zkpath_config_t;
int zkpath_config_find(const zkpath_config_t *c, const char *key);            /* index or -1 */
void zkpath_config_put(zkpath_config_t *c, const char *key, const char *val); /* copies */
bool zkpath_config_del(zkpath_config_t *c, const char *key); /* false: was not set */
void zkpath_config_clear(zkpath_config_t *c);
/* /config/changes/config_change_N: {"version":2,"entity_path":"topics/t"} */
char *zkpath_config_change_json(const char *entity_path);
kerr_t zkpath_config_change_parse(const char *json, char *entity, size_t n);

/* /latest_producer_id_block: {"version":1,"broker":1,"block_start":"0","block_end":"999"}
 * (Kafka writes the offsets as strings; numbers are accepted too). */
char *zkpath_pid_block_json(int32_t broker, int64_t start, int64_t end);
kerr_t zkpath_pid_block_parse(const char *json, int64_t *start, int64_t *end);

/* /admin/preferred_replica_election:
 * {"version":1,"partitions":[{"topic":"t","partition":0},...]}. *topics (malloc'd strings)
 * and *parts get n entries each; the caller frees. */
kerr_t zkpath_preferred_parse(const char *json, int *n, char ***topics, int32_t **parts);

/* /admin/reassign_partitions (the pre-KIP-455 request, still honoured):
 * {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[2,3,4]},...]}. */
typedef struct zkpath_reassign {
    char *topic; /* malloc'd */
    int32_t partition;
    int32_t nreplicas;
    int32_t replicas[ZKPATH_MAX_ISR];
} zkpath_reassign_t;
/* *out gets *n entries (the caller frees each topic and the array); entries that are not
 * well-formed are skipped. */
kerr_t zkpath_reassign_parse(const char *json, int *n, zkpath_reassign_t **out);
char *zkpath_reassign_json(int n, const zkpath_reassign_t *e);

/* /log_dir_event_notification/log_dir_event_<seq> (sequential, persistent): Kafka's
 * {"version":1,"broker":1,"event":1} (event 1 = LogDirFailure) plus, as this project's
 * deviation (our controller does not read LeaderAndIsr answers), the broker's registration
 * czxid and the partitions its failed dirs held:
 * "broker_epoch":123,"partitions":[{"topic":"t","partition":0},...]. */
#define ZKPATH_LOG_DIR_FAILURE_EVENT 1
typedef struct zkpath_logdir_event {
    int32_t broker, event;
    int64_t broker_epoch; /* -1 when absent (Kafka's own notification) */
    int n;
    char **topics; /* malloc'd strings, n of them */
    int32_t *parts;
} zkpath_logdir_event_t;
char *zkpath_logdir_event_json(int32_t broker, int64_t broker_epoch, int n,
                               const char *const *topics, const int32_t *parts);
kerr_t zkpath_logdir_event_parse(const char *json, zkpath_logdir_event_t *e);
void zkpath_logdir_event_clear(zkpath_logdir_event_t *e);

#endif
