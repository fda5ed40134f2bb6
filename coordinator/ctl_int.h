/* ctl_int.h: what the coordinator's source files share (not a public interface; see ctl.h,
 * whose top comment has the file map).
 *
 * Everything declared here runs on the ctl thread unless its comment says otherwise. */
#ifndef CTL_INT_H
#define CTL_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <zookeeper/zookeeper.h>

#include "assign.h"
#include "ctl.h"
#include "dict.h"

typedef enum ctl_ev_type {
    CTL_EV_WATCH,
    CTL_EV_SESSION,
    CTL_EV_OP,
    CTL_EV_STOP,
} ctl_ev_type_t;

typedef struct ctl_ev {
    struct ctl_ev *next;
    ctl_ev_type_t type;
    int zk_type, zk_state;
    char *path;
    ctl_op_t *op;
} ctl_ev_t;

/* Controller view of one partition. */
typedef struct ctl_part {
    int32_t nreplicas;
    int32_t replicas[CTL_MAX_RF];
    bool has_state;
    int32_t leader, leader_epoch, nisr;
    int32_t isr[CTL_MAX_RF];
    int32_t zkver; /* version of the state znode = the partition epoch */
    /* a reassignment in progress (KIP-455): replicas = target first, then the rest of the
     * original set; adding = target - original, removing = original - target */
    int32_t nadding, nremoving;
    int32_t adding[CTL_MAX_RF], removing[CTL_MAX_RF];
} ctl_part_t;

typedef struct ctl_topic {
    char *name;
    uint8_t id[16];
    int32_t nparts;
    ctl_part_t *parts;
    bool deleting;
    bool is_new; /* created since the last LeaderAndIsr went out */
} ctl_topic_t;

/* A live broker as the controller sees it. */
typedef struct ctl_broker {
    md_broker_t info;
    int64_t epoch;      /* czxid of its registration: a restart changes it */
    bool shutting_down; /* asked for controlled shutdown */
} ctl_broker_t;

/* What one controller event decided to tell brokers, sent together at its end (Kafka's
 * ControllerBrokerRequestBatch): LeaderAndIsr per broker, then UpdateMetadata to every live
 * broker, then StopReplica per broker. */
typedef struct ctl_batch_tp {
    ctl_topic_t *t; /* LeaderAndIsr: the partition's topic (state read at send time) */
    char *topic;    /* StopReplica */
    int32_t partition;
    bool del;
} ctl_batch_tp_t;

typedef struct ctl_batch_dest {
    int32_t broker;
    ctl_batch_tp_t *lai, *stop;
    int nlai, caplai, nstop, capstop;
    bool full;
} ctl_batch_dest_t;

typedef struct ctl_batch {
    ctl_batch_dest_t *dests;
    int ndests, capdests;
    bool metadata;
} ctl_batch_t;

/* The controller's own state: set up when this broker wins /controller (ctl_elect.c), kept
 * current by watches and its own writes, dropped on resigning. Valid while active. */
typedef struct ctl_ctrl {
    atomic_bool active;         /* atomic: read by the reactor for metrics (ctl_is_active) */
    int32_t epoch, epoch_zkver; /* /controller_epoch's value and version (the fence) */
    ctl_broker_t *live;         /* sorted by id (ctl_live.c) */
    int nlive;
    dict_t *topics; /* name -> ctl_topic_t* (ctl_pstate.c) */
    int64_t next_rebalance_ms;
    /* "broker/topic/p" -> int64_t* broker epoch: replicas in a failed log dir (ctl_logdir.c) */
    dict_t *offline_replicas;
} ctl_ctrl_t;

/* The brokers treated as offline for one decision: not registered, or in extra (brokers
 * that restarted: their previous incarnation is gone). */
typedef struct ctl_offline {
    const ctl_t *c;
    const int32_t *extra;
    int nextra;
    const char *topic; /* the partition decided (its replicas in failed log dirs are offline) */
    int32_t p;
} ctl_offline_t;

/* One partition-state write among many in flight (ctl_commit_many): the partition, its new
 * state and why. st is where the ZooKeeper client writes the znode's new Stat. */
typedef struct ctl_change {
    ctl_topic_t *t;
    int32_t p;
    ctl_part_t np;
    const char *why;
    struct Stat st;
} ctl_change_t;

struct ctl {
    ev_loop_t *loop;
    ctl_conf_t conf;
    ctl_deliver_fn *deliver;
    void *deliver_arg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ctl_ev_t *head, *tail;
    atomic_bool stop;

    zhandle_t *zh;
    atomic_bool connected; /* atomic: read by the reactor for metrics (ctl_zk_connected) */
    bool expired;
    atomic_int expirations;
    char cluster_id[64];
    char last_change[64];  /* newest /config/changes entry processed */
    int64_t broker_epoch;  /* czxid of our own registration */
    dict_t *known_configs; /* topics whose /config/topics znode this broker has read */

    /* ACLs (ctl_acl.c) */
    char last_acl_change[2][64]; /* newest /kafka-acl-changes, -extended-changes entry */
    bool acls_loaded;            /* a session read every ACL once */

    int32_t controller_id; /* last known holder of /controller, -1 unknown */
    ctl_ctrl_t ctrl;       /* the controller's state, while this broker is it */
};

/* ---- events (ctl.c) ---- */

/* Any thread: queue an event for the ctl thread (takes ownership of ev). */
void ctl_push(ctl_t *c, ctl_ev_t *ev);
/* ZooKeeper's event thread: the watcher for every watch we set; queues an event. */
void ctl_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx);
/* Hand m to the reactor; ownership passes to the deliver hook. */
void ctl_send(ctl_t *c, ctl_msg_t *m);
/* Read /config/topics/<topic> and deliver it to the reactor. */
void ctl_load_topic_config(ctl_t *c, const char *topic);
/* Read /config/brokers/<id> (id < 0: <default>) and deliver it to the reactor. */
void ctl_load_broker_config(ctl_t *c, int32_t id);
/* Read /config/<entity_path> (a client quota entity) and deliver it to the reactor. */
void ctl_load_quota_entity(ctl_t *c, const char *entity_path);

/* ---- the election of the controller (ctl_elect.c) ---- */

/* Try to win /controller (watching it either way). */
void ctl_elect(ctl_t *c);
/* Stop acting as controller (session lost, or /controller_epoch moved on). */
void ctl_resign(ctl_t *c);

/* ---- live brokers (ctl_live.c) ---- */

bool ctl_broker_live(const ctl_t *c, int32_t id);
const ctl_broker_t *ctl_broker(const ctl_t *c, int32_t id);
/* Whether broker id is asked to shut down (no leadership for it). */
bool ctl_shutting_down(const ctl_t *c, int32_t id);
/* Read /brokers/ids into a new sorted array (watching it when watch). NULL on failure. */
ctl_broker_t *ctl_read_brokers(ctl_t *c, bool watch, int *n);
/* Live brokers (sorted by id) with their racks, for replica assignment; returns the count
 * (-1 when ZooKeeper cannot be read). */
int ctl_live_brokers(ctl_t *c, assign_broker_t *out, int max);
/* /brokers/ids changed (active controller). */
void ctl_on_brokers_changed(ctl_t *c);
/* Full LeaderAndIsr to broker id: every partition it hosts. */
void ctl_batch_all_of(ctl_t *c, ctl_batch_t *b, int32_t id);
/* The active controller's check of a broker's request: registered, and with the registration
 * (broker epoch) it names. */
kerr_t ctl_check_requester(ctl_t *c, ctl_op_t *op);
void ctl_controlled_shutdown(ctl_t *c, ctl_op_t *op);

/* ---- the partition state machine (ctl_pstate.c) ---- */

bool ctl_ids_has(const int32_t *ids, int32_t n, int32_t x);
void ctl_topic_free(void *t);
/* Read one topic's assignment (watching it) and partition states. NULL when unreadable. */
ctl_topic_t *ctl_load_topic(ctl_t *c, const char *name);
/* Controller start: every topic in /brokers/topics (watching it and each topic) into
 * c->ctrl.topics, the partition states read all at once. false when ZooKeeper did not answer
 * them all in time (no topic loaded). */
bool ctl_load_all_topics(ctl_t *c);
/* Bring every partition of every topic to the state the live brokers call for (off: who
 * counts as offline); the changed ones are added to b. */
void ctl_reconcile_all(ctl_t *c, ctl_offline_t *off, ctl_batch_t *b);
/* Re-run the elections of every partition (after replicas went offline). */
void ctl_reconcile_offline(ctl_t *c);
/* Watch events while active. */
void ctl_on_topics_changed(ctl_t *c);
void ctl_on_topic_changed(ctl_t *c, const char *name);
void ctl_on_delete_topics(ctl_t *c);
/* The topic of t-p when that partition exists with a state and is not being deleted. */
ctl_topic_t *ctl_find_part(ctl_t *c, const char *topic, int32_t p);
void ctl_alter_partition(ctl_t *c, ctl_op_t *op);

/* ---- partition-state znodes (ctl_pwrite.c) ---- */

/* Read one partition's state znode into cp (has_state false when it does not exist). */
void ctl_load_pstate(ctl_t *c, const char *name, int32_t p, ctl_part_t *cp);
/* Read the state znodes of every partition of ts[0..nts) at once (pipelined); false when
 * ZooKeeper did not answer them all in time. */
bool ctl_load_pstates(ctl_t *c, ctl_topic_t *const *ts, int nts);
/* Commit np as t-p's new state (fenced writes; re-read on a conflict). true when written. */
bool ctl_commit(ctl_t *c, ctl_topic_t *t, int32_t p, ctl_part_t *np, const char *why);
/* Commit every change at once (pipelined); the number written. */
int ctl_commit_many(ctl_t *c, ctl_change_t *ch, int n);

/* ---- leader choice (ctl_leader.c) ---- */

/* off as a keep-predicate: id is registered, not in off->extra, and its replica of
 * off->topic-off->p is not in a failed log dir. */
bool ctl_is_online(void *off, int32_t id);
/* Leader for cp among isr (assignment order), skipping shutting-down brokers and exclude;
 * -1 when none qualifies. */
int32_t ctl_pick_from_isr(const ctl_t *c, const ctl_part_t *cp, const int32_t *isr, int32_t nisr,
                          ctl_offline_t *off, int32_t exclude);
/* /admin/preferred_replica_election appeared or changed. */
void ctl_on_preferred_election(ctl_t *c);
/* Periodic work (preferred-leader rebalance), called about once a second. */
void ctl_ctrl_tick(ctl_t *c, int64_t now_ms);
void ctl_elect_leaders(ctl_t *c, ctl_op_t *op);
/* Append topic-p (with err) to op->tps, growing it (*cap: its capacity). */
void ctl_op_tp_add(ctl_op_t *op, int *cap, const char *topic, int32_t p, kerr_t err);

/* ---- log dir failures (ctl_logdir.c) ---- */

/* Whether broker id is registered and its replica of topic-p is not in a failed log dir
 * (topic NULL: the broker only). */
bool ctl_replica_online(const ctl_t *c, int32_t id, const char *topic, int32_t p);
/* Any broker: write the log dir failure notification for op->tps (op->err set). */
void ctl_report_log_dir_failure(ctl_t *c, ctl_op_t *op);
/* Active controller: read /log_dir_event_notification (watching it), mark the replicas named
 * offline, delete stale notifications, re-elect. */
void ctl_on_log_dir_events(ctl_t *c);
void ctl_offline_clear(ctl_t *c);

/* ---- partition reassignment (ctl_reassign.c) ---- */

void ctl_alter_reassignments(ctl_t *c, ctl_op_t *op);
void ctl_list_reassignments(ctl_t *c, ctl_op_t *op);
/* t-p's ISR or replicas changed: finish its reassignment when the target is in sync. */
void ctl_reassign_check(ctl_t *c, ctl_topic_t *t, int32_t p, ctl_batch_t *b);
/* Every partition (controller start, broker changes). */
void ctl_reassign_check_all(ctl_t *c, ctl_batch_t *b);
/* /admin/reassign_partitions was created or changed (the pre-KIP-455 way to ask). */
void ctl_on_reassign_znode(ctl_t *c);

/* ---- ACLs (ctl_acl.c; only when conf.acls) ---- */

/* Session start: ensure the ACL paths, deliver every resource pattern's ACLs to the reactor
 * and watch both change paths. */
void ctl_acl_load_all(ctl_t *c);
/* A watch fired: true when path was an ACL change path (handled: the named patterns are read
 * again and delivered). */
bool ctl_acl_watch(ctl_t *c, const char *path);
/* CTL_OP_ACLS: add or remove each binding (version-checked writes, a change notice per
 * pattern written) and deliver the new state of each pattern before the answer. */
void ctl_acl_apply(ctl_t *c, ctl_op_t *op);

/* ---- requests to brokers (ctl_send.c) ---- */

void ctl_batch_init(ctl_batch_t *b);
/* LeaderAndIsr for t-p to broker (its current state is read when the batch is sent). */
void ctl_batch_lai(ctl_batch_t *b, int32_t broker, ctl_topic_t *t, int32_t p);
/* LeaderAndIsr for t-p to every live replica of it. */
void ctl_batch_lai_replicas(ctl_t *c, ctl_batch_t *b, ctl_topic_t *t, int32_t p);
void ctl_batch_stop(ctl_batch_t *b, int32_t broker, const char *topic, int32_t p, bool del);
void ctl_batch_full(ctl_batch_t *b, int32_t broker);
/* Send everything (local broker: direct delivery; others: the controller channels), then
 * reset the batch. Topics referenced must still exist. */
void ctl_batch_send(ctl_t *c, ctl_batch_t *b);
void ctl_batch_clear(ctl_batch_t *b);

/* ---- admin operations (ctl_admin.c) ---- */

/* Reserve the next block of producer ids in /latest_producer_id_block (version-checked). */
void ctl_alloc_producer_ids(ctl_t *c, ctl_op_t *op);

/* Run every spec of op, then post its done callback to the reactor. */
void ctl_run_op(ctl_t *c, ctl_op_t *op);
/* Fail every spec of op with err and post its done callback (shutdown). */
void ctl_fail_op(ctl_t *c, ctl_op_t *op, kerr_t err, const char *why);

/* ---- ZooKeeper helpers (ctl_zk.c); return ZOK or the ZooKeeper error code ---- */

/* Get data (NUL-terminated copy, caller frees) with an optional watch. */
int ctl_zget(ctl_t *c, const char *path, bool watch, char **out, struct Stat *st);
int ctl_zchildren(ctl_t *c, const char *path, bool watch, struct String_vector *sv);
int ctl_zcreate(ctl_t *c, const char *path, const char *data, int flags);
/* Create path and any missing ancestors (persistent, empty). */
int ctl_zmkdirs(ctl_t *c, const char *path);
/* Create path with data, creating missing ancestors first. */
int ctl_zcreate_p(ctl_t *c, const char *path, const char *data, int flags);
int ctl_zdelete_recursive(ctl_t *c, const char *path);

/* Asynchronous requests in flight: the ctl thread counts each one in (ctl_zwait_add(w, 1)
 * before issuing it, -1 when issuing failed), its completion on ZooKeeper's IO thread counts
 * it out (ctl_zwait_end, which sets *done under the lock, after the results are stored), and
 * ctl_zwait_all waits for them all, giving up after the session timeout + 10 s. After a
 * give-up the completions may still come: w and what they write must then stay allocated. */
typedef struct ctl_zwait ctl_zwait_t;
ctl_zwait_t *ctl_zwait_new(void);
void ctl_zwait_free(ctl_zwait_t *w);
void ctl_zwait_add(ctl_zwait_t *w, int delta);
void ctl_zwait_end(ctl_zwait_t *w, bool *done);
/* true when every request counted in was answered. */
bool ctl_zwait_all(ctl_t *c, ctl_zwait_t *w);

/* One read of ctl_zget_many: rc, and on ZOK the data (NUL-terminated) and its Stat. */
typedef struct ctl_zread {
    int rc;
    char *data;
    struct Stat st;
    bool done;
    ctl_zwait_t *wait;
} ctl_zread_t;

/* Get n znodes (watching each when watch) with all the reads in flight at once: one wait for
 * ZooKeeper, not n. A new array of n results (free with ctl_zread_free), NULL when ZooKeeper did
 * not answer them all in time (then the storage is left to the client). */
ctl_zread_t *ctl_zget_many(ctl_t *c, char *const *paths, int n, bool watch);
void ctl_zread_free(ctl_zread_t *r, int n);

#endif
