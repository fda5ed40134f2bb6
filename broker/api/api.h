/* api.h: the API dispatch table, the single source of truth for ApiVersions (DESIGN.md 4).
 *
 * api_dispatch() decodes the request header for a frame, looks the (key, version) up in the
 * table and calls the handler with a reader positioned at the request body. A version outside
 * the table's range gets UNSUPPORTED_VERSION for ApiVersions (v0 answer), and closes the
 * connection otherwise (the response schema of an unknown version is unknown), logged with
 * peer, key and version. Reactor thread only. */
#ifndef API_H
#define API_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "api_env.h"
#include "conn.h"

typedef void api_handler_fn(req_t *r, rbuf_t *body);

typedef struct api_def {
    int16_t key;
    int16_t min, max;
    int16_t flexible_from; /* first flexible version; INT16_MAX when none */
    api_handler_fn *handler;
} api_def_t;

/* The table (sorted by key) and its size. */
const api_def_t *api_table(int *n);
/* The entry for key, or NULL when the broker does not serve it. */
const api_def_t *api_lookup(int16_t key);
/* Handle one complete frame (ownership of the req passes to the handler). */
void api_dispatch(req_t *r);

/* The partition this broker leads for a request naming current_epoch (-1: no check): KERR_NONE
 * and *part, or NOT_LEADER_OR_FOLLOWER / UNKNOWN_TOPIC_OR_PARTITION / FENCED_LEADER_EPOCH /
 * UNKNOWN_LEADER_EPOCH as Kafka answers them (api_part.c). */
typedef struct partition partition_t;
kerr_t api_leader_part(api_env_t *env, const char *topic, int32_t index, int32_t current_epoch,
                       partition_t **part);

/* CreateTopics and CreatePartitions answer once every topic the controller created or grew
 * without error is led in the metadata cache: result i of n names op->topics[spec_of[i]] (-1:
 * answered without the controller), with result_partitions partitions. api_created_wait waits
 * up to timeout_ms: when the topics are led, or at the timeout after late(arg, i) for each
 * result still not led, it calls respond(arg). The caller owns w (in its request's state) and
 * keeps it and op valid until respond. api_part.c. */
typedef struct ctl_op ctl_op_t;
typedef struct api_created_wait {
    api_env_t *env;
    const ctl_op_t *op;
    const int *spec_of;
    int32_t n;
    void (*late)(void *arg, int32_t i);
    void (*respond)(void *arg);
    void *arg;
} api_created_wait_t;
void api_created_wait(api_created_wait_t *w, int64_t timeout_ms);

/* A manual assignment of nassign partitions x rf replicas for s (CreateTopics,
 * CreatePartitions): api_spec_assign_init allocates s->assign (s owns it; ctl_op_free frees),
 * api_spec_assign_row copies row a, false (nothing copied) when its length is not rf. */
typedef struct ctl_topic_spec ctl_topic_spec_t;
void api_spec_assign_init(ctl_topic_spec_t *s, int32_t nassign, int32_t rf);
bool api_spec_assign_row(ctl_topic_spec_t *s, int32_t a, const int32_t *ids, int32_t nids);

/* Handlers (broker/api/api_<name>.c). */
api_handler_fn api_apiversions;
api_handler_fn api_metadata;
api_handler_fn api_produce;
api_handler_fn api_fetch;
api_handler_fn api_listoffsets;
api_handler_fn api_createtopics;
api_handler_fn api_deletetopics;
api_handler_fn api_describeconfigs;
api_handler_fn api_createpartitions;
api_handler_fn api_describecluster;
api_handler_fn api_leaderandisr;
api_handler_fn api_updatemetadata;
api_handler_fn api_stopreplica;
api_handler_fn api_offsetforleaderepoch;
api_handler_fn api_alterpartition;
api_handler_fn api_controlledshutdown;
api_handler_fn api_electleaders;
api_handler_fn api_alterreassign;
api_handler_fn api_listreassign;
api_handler_fn api_initproducerid;
api_handler_fn api_deleterecords;
api_handler_fn api_writetxnmarkers;
api_handler_fn api_txnoffsetcommit;
api_handler_fn api_describelogdirs;
api_handler_fn api_alterreplicalogdirs;

/* Answer InitProducerId requests still waiting for an id block, free the block (shutdown). */
void api_initproducerid_free(api_env_t *env);
/* A new producer id from this broker's block: fn(arg, KERR_NONE, id), or an error when no
 * block can be reserved. fn may run before this returns. */
typedef void api_pid_fn(void *arg, kerr_t err, int64_t pid);
void api_pid_alloc(api_env_t *env, api_pid_fn *fn, void *arg);
/* Auto-create topic with the broker defaults (Metadata path); at most one in flight per topic
 * (api_metadata.c). */
void api_autocreate_topic(api_env_t *env, const char *topic);
/* Forget the auto-creates in flight (shutdown, after the coordinator thread stopped). */
void api_autocreate_free(api_env_t *env);
/* Group coordinator APIs (broker/group/). */
api_handler_fn api_findcoordinator;
api_handler_fn api_joingroup;
api_handler_fn api_syncgroup;
api_handler_fn api_heartbeat;
api_handler_fn api_leavegroup;
api_handler_fn api_offsetcommit;
api_handler_fn api_offsetfetch;
api_handler_fn api_describegroups;
api_handler_fn api_listgroups;
api_handler_fn api_deletegroups;
api_handler_fn api_offsetdelete;
api_handler_fn api_consumergroupheartbeat;
api_handler_fn api_consumergroupdescribe;
/* Transaction coordinator APIs (broker/txn/). */
api_handler_fn api_addpartitionstotxn;
api_handler_fn api_addoffsetstotxn;
api_handler_fn api_endtxn;
api_handler_fn api_describetransactions;
api_handler_fn api_listtransactions;
api_handler_fn api_describeproducers;
/* The client's address as Kafka's client host shows it ("/" is added by the group
 * coordinator): the peer's IP without the port. */
void api_client_host(const req_t *r, char *out, size_t n);
api_handler_fn api_alterconfigs;
api_handler_fn api_incrementalalterconfigs;
api_handler_fn api_describeclientquotas;
api_handler_fn api_alterclientquotas;
api_handler_fn api_describescram; /* api_scram.c */
api_handler_fn api_alterscram;
/* ACL APIs (api_acls.c). */
api_handler_fn api_describeacls;
api_handler_fn api_createacls;
api_handler_fn api_deleteacls;

/* AlterConfigs and IncrementalAlterConfigs after decoding (api_alterconfigs.c); incremental
 * selects the response version mapping and the per-config operations. */
struct kp_alterconfigs_req;
void api_alterconfigs_run(req_t *r, const struct kp_alterconfigs_req *req, bool incremental);

#endif
