/* grp.h: the group coordinator (DESIGN.md section 9), Kafka's GroupCoordinator and
 * GroupMetadataManager in one module.
 *
 * This broker coordinates a group when it leads partition
 *   abs(java_string_hash(group)) % offsets.topic.num.partitions
 * of __consumer_offsets. Offsets and group metadata are records of that compacted topic in
 * Kafka's key/value schemas (grp_offsets.c); a broker that becomes leader of an offsets
 * partition reads it back before answering for its groups (COORDINATOR_LOAD_IN_PROGRESS
 * meanwhile), and drops them when it stops leading it (NOT_COORDINATOR afterwards).
 *
 * Groups are classic or, once a member joins with ConsumerGroupHeartbeat, KIP-848 consumer
 * groups (grp_cons.c): server-side assignment, member epochs, membership in memory only.
 *
 * Classic membership follows Kafka's state machine (grp.c): Empty -> PreparingRebalance ->
 * CompletingRebalance -> Stable, Dead once deleted or unloaded; JoinGroup answers wait for
 * the rebalance, SyncGroup answers for the leader's assignment. The coordinator never
 * answers a request itself: each call takes a callback that gets the response struct, whose
 * views are valid only during the call (the handler encodes it at once). A callback may run
 * before the call returns. Records are written with rmgr_append_committed(); OffsetCommit,
 * SyncGroup (leader) and DeleteGroups answer from its completion.
 *
 * Owner: the server (srv->grp), which gives the coordinator what it uses at creation
 * (grp_deps_t); grp_coord_free() answers every waiting request first. Reactor thread only. */
#ifndef GRP_H
#define GRP_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "proto/kp_consumergroupdescribe.h"
#include "proto/kp_consumergroupheartbeat.h"
#include "proto/kp_deletegroups.h"
#include "proto/kp_describegroups.h"
#include "proto/kp_findcoordinator.h"
#include "proto/kp_heartbeat.h"
#include "proto/kp_joingroup.h"
#include "proto/kp_leavegroup.h"
#include "proto/kp_listgroups.h"
#include "proto/kp_offsetcommit.h"
#include "proto/kp_offsetdelete.h"
#include "proto/kp_offsetfetch.h"
#include "proto/kp_syncgroup.h"
#include "proto/kp_txnoffsetcommit.h"

typedef struct grp_coord grp_coord_t;
typedef struct ev_loop ev_loop_t;
typedef struct cfg cfg_t;
typedef struct rmgr rmgr_t;
typedef struct mdcache mdcache_t;
typedef struct txn_coord txn_coord_t;

/* Creates an internal topic through the controller (the server gives itopic_create, see
 * itopic.h for the arguments): submitted unless *creating, which stays true until the
 * controller answers. */
typedef void grp_itopic_fn(void *arg, const char *log_tag, const char *name, int32_t nparts,
                           int64_t replication_factor, int ncfg, const char *const *keys,
                           const char *const *vals, bool *creating);

/* What the coordinator uses, all owned by the caller and outliving the coordinator. */
typedef struct grp_deps {
    ev_loop_t *loop;
    const cfg_t *cfg;
    rmgr_t *rmgr; /* __consumer_offsets partitions: roles, reads, appends */
    const mdcache_t *md;
    txn_coord_t *txn;             /* answers FindCoordinator for key type TRANSACTION */
    grp_itopic_fn *itopic_create; /* __consumer_offsets on first use */
    void *itopic_arg;
} grp_deps_t;

grp_coord_t *grp_coord_new(const grp_deps_t *deps);
/* Call fn for each committed offset of each group this broker coordinates (metrics). */
typedef void grp_offset_visit_fn(void *arg, const char *group, const char *topic, int32_t partition,
                                 int64_t offset);
void grp_foreach_offset(grp_coord_t *gc, grp_offset_visit_fn *fn, void *arg);
void grp_coord_free(grp_coord_t *gc);
/* Periodic work: offset expiration (offsets.retention.minutes) for empty groups. */
void grp_coord_tick(grp_coord_t *gc, int64_t now_ms);

/* Kafka's partitionFor: abs(String.hashCode(group)) % nparts, the hash over the UTF-16 code
 * units of the UTF-8 group id (invalid UTF-8 bytes count as U+FFFD). Any thread. */
int32_t grp_partition_for(const char *group, size_t len, int32_t nparts);

/* FindCoordinator: fills resp (arrays from a) for the client's listener. Creates
 * __consumer_offsets on first use. */
void grp_find_coordinator(grp_coord_t *gc, const kp_findcoordinator_req_t *req,
                          const char *listener, arena_t *a, kp_findcoordinator_resp_t *resp);

typedef void grp_join_cb(void *arg, const kp_joingroup_resp_t *resp);
void grp_join(grp_coord_t *gc, int16_t ver, const kp_joingroup_req_t *req, kstr_t client_id,
              const char *client_host, grp_join_cb *cb, void *arg);

typedef void grp_sync_cb(void *arg, const kp_syncgroup_resp_t *resp);
void grp_sync(grp_coord_t *gc, int16_t ver, const kp_syncgroup_req_t *req, grp_sync_cb *cb,
              void *arg);

int16_t grp_heartbeat(grp_coord_t *gc, const kp_heartbeat_req_t *req);
/* LeaveGroup: resp->members from a (one per request member). */
void grp_leave(grp_coord_t *gc, const kp_leavegroup_req_t *req, arena_t *a,
               kp_leavegroup_resp_t *resp);

typedef void grp_commit_cb(void *arg, const kp_offsetcommit_resp_t *resp);
void grp_commit(grp_coord_t *gc, int16_t ver, const kp_offsetcommit_req_t *req, arena_t *a,
                grp_commit_cb *cb, void *arg);
void grp_fetch(grp_coord_t *gc, int16_t ver, const kp_offsetfetch_req_t *req, arena_t *a,
               kp_offsetfetch_resp_t *resp);

void grp_describe(grp_coord_t *gc, const kp_describegroups_req_t *req, arena_t *a,
                  kp_describegroups_resp_t *resp);
void grp_list(grp_coord_t *gc, const kp_listgroups_req_t *req, arena_t *a,
              kp_listgroups_resp_t *resp);

/* ConsumerGroupHeartbeat (KIP-848, grp_cons.c): answered at once; resp views live in a or
 * in the request. client_host without the leading "/". */
void grp_cons_heartbeat(grp_coord_t *gc, int16_t ver, const kp_cgh_req_t *req, kstr_t client_id,
                        const char *client_host, arena_t *a, kp_cgh_resp_t *resp);
void grp_cons_describe(grp_coord_t *gc, const kp_cgd_req_t *req, arena_t *a, kp_cgd_resp_t *resp);

typedef void grp_delete_cb(void *arg, const kp_deletegroups_resp_t *resp);
void grp_delete_groups(grp_coord_t *gc, const kp_deletegroups_req_t *req, arena_t *a,
                       grp_delete_cb *cb, void *arg);
typedef void grp_offset_delete_cb(void *arg, const kp_offsetdelete_resp_t *resp);
void grp_offset_delete(grp_coord_t *gc, const kp_offsetdelete_req_t *req, arena_t *a,
                       grp_offset_delete_cb *cb, void *arg);

/* Transactions (grp_txn.c). A COMMIT or ABORT marker for producer_id was committed on
 * topic-partition (WriteTxnMarkers): on a __consumer_offsets partition this broker leads, the
 * producer's pending transactional offsets become the groups' committed offsets, or go. Any
 * other topic: nothing. */
void grp_txn_marker(grp_coord_t *gc, const char *topic, int32_t partition, int64_t producer_id,
                    bool commit);
/* TxnOffsetCommit: answered (cb, an OffsetCommit-shaped response) once the producer's
 * transactional batch of offset records is committed to the group's partition; the offsets
 * stay pending until the producer's marker. */
void grp_txn_commit(grp_coord_t *gc, const kp_txnoffsetcommit_req_t *req, arena_t *a,
                    grp_commit_cb *cb, void *arg);

#endif
