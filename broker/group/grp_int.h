/* grp_int.h: the group coordinator's internal state, shared by grp.c (membership state
 * machine), grp_classic.c (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), grp_offsets.c
 * (__consumer_offsets records and commits), grp_load.c (loading, expiration), grp_coord.c
 * (coordinator lookup, partition roles, admin APIs), grp_txn.c (transactional offsets) and
 * grp_cons*.c (KIP-848 consumer groups: a grp_t with cons != NULL; its classic members list
 * stays empty).
 * Ownership: gc->groups owns every grp_t; a group owns its members, pending member ids and
 * offsets; all strings are heap copies owned by their struct. Reactor thread only. */
#ifndef GRP_INT_H
#define GRP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "dict.h"
#include "ev.h"
#include "grp.h"

#define GRP_OFFSETS_TOPIC "__consumer_offsets"

typedef enum grp_state {
    GRP_EMPTY,
    GRP_PREPARING_REBALANCE,
    GRP_COMPLETING_REBALANCE,
    GRP_STABLE,
    GRP_DEAD,
} grp_state_t;

extern const char *const grp_state_names[];

typedef struct grp_proto {
    char *name;
    uint8_t *meta;
    int32_t meta_len;
} grp_proto_t;

typedef struct grp grp_t;

typedef struct grp_member {
    struct grp_member *next;
    grp_t *g;
    char *id, *instance_id; /* instance_id NULL for dynamic members */
    char *client_id, *client_host;
    int32_t session_timeout_ms, rebalance_timeout_ms;
    int nprotos;
    grp_proto_t *protos;
    uint8_t *assignment; /* NULL = none */
    int32_t assignment_len;
    /* a JoinGroup / SyncGroup waiting for the rebalance (at most one of each) */
    grp_join_cb *join_cb;
    void *join_arg;
    int16_t join_ver;
    grp_sync_cb *sync_cb;
    void *sync_arg;
    int16_t sync_ver;
    ev_timer_id_t hb_timer; /* session timeout */
    bool is_new;            /* joined, no JoinGroup answer yet */
} grp_member_t;

/* A member id handed out with MEMBER_ID_REQUIRED, waiting for the member's second join. */
typedef struct grp_pending {
    struct grp_pending *next;
    grp_t *g;
    char *id;
    ev_timer_id_t timer;
} grp_pending_t;

typedef struct grp_offset {
    char *topic;
    int32_t partition;
    int64_t offset;
    int32_t leader_epoch;
    char *metadata;
    int64_t commit_ts, expire_ts; /* expire_ts -1: by retention */
} grp_offset_t;

struct grp {
    grp_coord_t *gc;
    char *id;
    int32_t partition; /* of __consumer_offsets */
    grp_state_t state;
    int64_t state_ts; /* wall ms of the last state change */
    int32_t generation;
    char *protocol_type, *protocol, *leader; /* NULL = none */
    grp_member_t *members;
    int nmembers;
    grp_pending_t *pending;
    ev_timer_id_t join_timer;
    int64_t initial_delay_left; /* > 0 while the initial rebalance delay runs */
    bool joined_during_delay;
    dict_t *offsets; /* "topic:partition" -> grp_offset_t* */
    /* non-NULL: a KIP-848 consumer group (grp_cons.c); state is then Empty without members
     * and Stable with (the consumer group's own state is grp_cons_state()) */
    struct grp_cons *cons;
    struct grp_txn *txns; /* offsets pending in transactions, per producer id (grp_txn.c) */
};

typedef enum gc_part_state { GC_PART_NONE, GC_PART_LOADING, GC_PART_LOADED } gc_part_state_t;

typedef struct gc_part {
    grp_coord_t *gc;
    int32_t index;
    gc_part_state_t state;
    int32_t epoch;
    int64_t load_next; /* next offset to read while loading */
    ev_timer_id_t load_timer;
} gc_part_t;

struct grp_coord {
    grp_deps_t d; /* a copy of what grp_coord_new was given */
    ev_loop_t *loop;
    int32_t nparts;
    gc_part_t *parts;
    dict_t *groups; /* id -> grp_t* */
    bool creating;  /* __consumer_offsets creation in flight */
    int64_t last_expire_ms;
    /* config */
    int32_t min_session_ms, max_session_ms, initial_delay_ms;
    int64_t retention_ms, retention_check_ms, commit_timeout_ms;
    int32_t max_metadata_bytes;
    /* KIP-848 consumer groups: group.consumer.* */
    int32_t cons_hb_ms, cons_session_ms, cons_max_size;
    int ncons_assignors;
    char **cons_assignors; /* configured order; the first is the default */
};

/* ---- grp_coord.c ---- */
/* The group's coordinator state here: KERR_NONE with *out (created when create and absent;
 * NULL when absent), or NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS / INVALID_GROUP_ID. */
kerr_t grp_lookup(grp_coord_t *gc, kstr_t id, bool create, grp_t **out);
grp_t *grp_get(grp_coord_t *gc, const char *id);
grp_t *grp_new(grp_coord_t *gc, const char *id, int32_t partition);
/* Remove the group from the coordinator and free it (pending requests get err). */
void grp_destroy(grp_t *g, kerr_t err);
/* The offsets partition when this broker leads it, or NULL. */
struct partition *grp_offsets_partition(grp_coord_t *gc, int32_t p);

/* ---- grp.c ---- */
/* A heap copy (NULL stays NULL); out of memory aborts. */
char *grp_strdup(const char *s);
void grp_set_state(grp_t *g, grp_state_t s);
/* Answer every waiting JoinGroup / SyncGroup with err and drop timers (unload, shutdown). */
void grp_fail_pending(grp_t *g, kerr_t err);
void grp_member_free(grp_member_t *m);
/* After loading: members read from the log get fresh session timers. */
void grp_member_schedule(grp_member_t *m);
grp_member_t *grp_member_add(grp_t *g, const char *id, const char *instance_id);
const grp_proto_t *grp_member_proto(const grp_member_t *m, const char *name);
/* Answers are queued (copies of what they show) and delivered by grp_answers_flush once the
 * state change is complete: a delivered answer may re-enter the coordinator. */
void grp_answers_flush(void);
void grp_join_answer_err(grp_join_cb *cb, void *arg, kerr_t err, const char *member_id);
void grp_sync_answer(grp_t *g, grp_sync_cb *cb, void *arg, kerr_t err, const uint8_t *as,
                     int32_t as_len);
/* Answer m's waiting JoinGroup / SyncGroup (queued). */
void grp_answer_join(grp_t *g, grp_member_t *m, kerr_t err);
void grp_answer_sync(grp_member_t *m, kerr_t err);
/* A member id: prefix (the client id), "-", a random UUID. */
void grp_new_member_id(kstr_t prefix, char *out, size_t n);
void grp_member_set_protos(grp_member_t *m, const kp_joingroup_req_t *req);
bool grp_member_same_protos(const grp_member_t *m, const kp_joingroup_req_t *req);
void grp_member_set_assignment(grp_member_t *m, const uint8_t *p, int32_t n);
grp_member_t *grp_member_find(grp_t *g, kstr_t id);
grp_member_t *grp_member_by_instance(grp_t *g, kstr_t instance_id);
/* Fencing of static members (KIP-345): does the instance id map to another member id? */
bool grp_member_fenced(grp_t *g, kstr_t member_id, kstr_t instance_id);
/* Rebalance steps (Kafka's GroupCoordinator): complete the join when every member has
 * joined; start a rebalance (why is logged); the same unless preparing already or Dead;
 * remove a member (Kafka's removeMemberAndUpdateGroup). */
void grp_try_complete_join(grp_t *g);
void grp_prepare_rebalance(grp_t *g, const char *why);
void grp_maybe_rebalance(grp_t *g, const char *why);
void grp_remove_member(grp_t *g, grp_member_t *m, const char *why);

/* ---- grp_classic.c ---- */
/* May members of g commit (Kafka's doCommitOffsets checks)? Refreshes the member's session. */
kerr_t grp_commit_check(grp_t *g, int16_t ver, const kp_offsetcommit_req_t *req);
/* May a transactional producer commit for g (Kafka's doTxnCommitOffsets: FENCED_INSTANCE_ID,
 * UNKNOWN_MEMBER_ID for a named member not in the group, ILLEGAL_GENERATION for a generation
 * >= 0 other than the group's)? */
kerr_t grp_txn_commit_check(grp_t *g, const kp_offsetcommit_req_t *req);

/* ---- grp_cons.c ---- */
void grp_cons_free(struct grp_cons *cg);
/* A classic operation on g: true when g is classic, or was an empty consumer group and is
 * classic now; false for a consumer group with members. */
bool grp_cons_drop_if_empty(grp_t *g);
/* "Empty", "Assigning", "Reconciling" or "Stable" (g->cons set). */
const char *grp_cons_state(const grp_t *g);
/* OffsetCommit by a consumer group's member: member id and epoch (STALE/FENCED_MEMBER_EPOCH). */
kerr_t grp_cons_commit_check(grp_t *g, int16_t ver, const kp_offsetcommit_req_t *req);
/* Does any member subscribe to topic (OffsetDelete)? */
bool grp_cons_subscribed(const grp_t *g, kstr_t topic);

/* ---- grp_offsets.c ---- */
void grp_offset_free(void *p);
void grp_offset_put(grp_t *g, const char *topic, int32_t partition, int64_t offset,
                    int32_t leader_epoch, kstr_t metadata, int64_t commit_ts, int64_t expire_ts);
/* The same into any "topic:partition" -> grp_offset_t* dict (replacing what was there). */
void grp_offset_set(dict_t *d, const char *topic, int32_t partition, int64_t offset,
                    int32_t leader_epoch, kstr_t metadata, int64_t commit_ts, int64_t expire_ts);
/* Metadata size and topic checks of one partition's commit. */
kerr_t grp_commit_part_check(grp_coord_t *gc, const char *topic, const kp_offsetcommit_part_t *p);
/* The offset commit record of p for group/topic into bb. */
struct batch_builder;
void grp_rec_offset(struct batch_builder *bb, int64_t now, const char *group, const char *topic,
                    const kp_offsetcommit_part_t *p, int64_t expire_ts);
/* Write the group's metadata record (a tombstone when Dead); done(arg, err) after commit. */
typedef void grp_append_done_fn(void *arg, kerr_t err);
void grp_store_group(grp_t *g, grp_append_done_fn *done, void *arg);
/* Append the batch in wb (taken over) to offsets partition p; done with a coordinator error. */
void grp_append(grp_coord_t *gc, int32_t p, wbuf_t *wb, grp_append_done_fn *done, void *arg);
/* Tombstones for all of g's offsets and its metadata (DeleteGroups), into bb. */
struct batch_builder;
void grp_tombstones_all(grp_t *g, struct batch_builder *bb, int64_t now);
/* The offset cache's key of topic-partition ("topic:partition"). */
void grp_offset_key(char *buf, size_t n, const char *topic, int32_t partition);
void grp_offset_remove(grp_t *g, const char *topic, int32_t partition);
/* The group's metadata record (a tombstone when tombstone) / an offset's tombstone, into bb. */
void grp_rec_group(struct batch_builder *bb, int64_t now, const grp_t *g, bool tombstone);
void grp_rec_offset_tombstone(struct batch_builder *bb, int64_t now, const char *group,
                              const char *topic, int32_t partition);
/* Finish bb (freed) and append it to offsets partition p, as grp_append. */
void grp_append_batch(grp_coord_t *gc, int32_t p, struct batch_builder *bb,
                      grp_append_done_fn *done, void *arg);

/* The next group coordinated through offsets partition p, or NULL at the end; start with
 * *it = 0. The current group may be destroyed before the next call (dict_next's rule). */
grp_t *grp_next_of_part(grp_coord_t *gc, int32_t p, size_t *it);

/* ---- grp_load.c ---- */
void grp_load_start(grp_coord_t *gc, int32_t p);
void grp_expire_offsets(grp_coord_t *gc, int64_t now_ms);

/* ---- grp_txn.c ---- */
/* An offset committed by producer pid in a transaction, pending until its marker. */
void grp_txn_put(grp_t *g, int64_t pid, const char *topic, int32_t partition, int64_t offset,
                 int32_t leader_epoch, kstr_t metadata, int64_t commit_ts);
/* pid's transaction ended on offsets partition p: its pending offsets of every group there
 * become committed (commit) or are dropped. */
void grp_txn_complete_part(grp_coord_t *gc, int32_t p, int64_t pid, bool commit);
/* Partitions of resp with offsets pending in a transaction get UNSTABLE_OFFSET_COMMIT. */
void grp_txn_mark_unstable(grp_t *g, kp_offsetfetch_resp_t *resp);
void grp_txn_free_all(grp_t *g);

#endif
