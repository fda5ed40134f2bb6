/* ctl.h: the coordinator thread: this broker's ZooKeeper session, its registration, the
 * controller candidate (Kafka's KafkaController in ZooKeeper mode), and the operations that
 * need ZooKeeper or the controller (create/delete topics, add partitions, AlterPartition,
 * ControlledShutdown, ElectLeaders, producer id blocks).
 *
 * Threads. Like Kafka's ControllerEventManager, all of this runs on ONE dedicated thread with
 * synchronous ZooKeeper calls, handling one event at a time (watch fired, session change,
 * operation). The reactor never waits on ZooKeeper: it submits operations with ctl_submit()
 * and receives results and controller decisions as ctl_msg_t delivered on the reactor thread
 * (ev_post) through the deliver hook. (DESIGN.md section 3 puts controller events on the
 * reactor; a thread of its own keeps the controller sequential and simple while never
 * blocking the data path.) Requests to OTHER brokers are encoded here and handed to the
 * reactor's controller channels (chan.h), which never block this thread on a slow broker.
 *
 * When this broker wins /controller it bumps /controller_epoch, loads the cluster state,
 * brings partitions online (new ones: leader = first live replica, ISR = live replicas;
 * offline ones: a live ISR member, unclean only when unclean.leader.election.enable), and
 * tells every broker (UpdateMetadata to all, LeaderAndIsr to each replica). It then follows
 * /brokers/ids (broker loss: move leadership, shrink ISR; broker start or restart: its
 * partitions' state), /brokers/topics, /admin/delete_topics and
 * /admin/preferred_replica_election, answers AlterPartition from leaders and
 * ControlledShutdown from stopping brokers, and rebalances preferred leaders every
 * leader.imbalance.check.interval.seconds. Every partition-state write is a zoo_multi that
 * checks /controller_epoch's version; losing the session stops the controller at once.
 *
 * Ownership: messages passed to deliver are owned by the receiver (free with ctl_msg_free);
 * an op passed to ctl_submit is owned by the ctl thread until its done callback runs on the
 * reactor, then by the callback.
 *
 * Files (coordinator/), one idea each:
 *   ctl.c           the thread: event queue, ZooKeeper session, registration, configs, loop
 *   ctl_zk.c        synchronous ZooKeeper helpers used by all of them
 *   ctl_elect.c     the election of the controller: /controller, /controller_epoch, resigning
 *   ctl_live.c      live brokers: /brokers/ids, broker loss and restart, controlled shutdown
 *   ctl_pstate.c    the partition state machine: topics, transitions, AlterPartition
 *   ctl_pwrite.c    partition-state znodes: fenced writes, one at a time or pipelined
 *   ctl_leader.c    leader choice: preferred and unclean elections, ElectLeaders, rebalance
 *   ctl_reassign.c  partition reassignment (KIP-455, /admin/reassign_partitions)
 *   ctl_logdir.c    log dir failures (/log_dir_event_notification)
 *   ctl_acl.c       ACLs in ZooKeeper
 *   ctl_admin.c     admin operations that write ZooKeeper (topics, partitions, configs, quotas)
 *   ctl_send.c      the controller's LeaderAndIsr / UpdateMetadata / StopReplica batches
 *   chan.c          the reactor's channels to the other brokers (chan.h)
 *   ctl_int.h       what they share: ctl_t, and ctl_ctrl_t, the controller's own state */
#ifndef CTL_H
#define CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev.h"
#include "kerr.h"
#include "md.h"
#include "zkauth.h"

struct chan_mgr;

#define CTL_MAX_RF 16

typedef struct ctl ctl_t;

typedef enum ctl_msg_type {
    CTL_MSG_STARTED,        /* registered in ZooKeeper: cluster_id and broker_epoch set */
    CTL_MSG_METADATA,       /* full metadata snapshot (UpdateMetadata) */
    CTL_MSG_LEADER_AND_ISR, /* partitions this broker leads or follows */
    CTL_MSG_STOP_REPLICA,   /* partitions to stop (and delete when parts[i].del) */
    CTL_MSG_TOPIC_CONFIG,   /* per-topic config overrides changed (or appeared) */
    CTL_MSG_BROKER_CONFIG,  /* dynamic broker configs: topic NULL = <default>, else our id */
    CTL_MSG_FATAL,          /* cannot go on (why set) */
    CTL_MSG_CONTROLLER,     /* /controller now names controller_id (-1: none) */
    CTL_MSG_QUOTA_CONFIG,   /* a client quota entity's configs (topic = its entity path,
                               "clients/<c>", "users/<u>", "users/<u>/clients/<c>") */
    CTL_MSG_ACL,            /* one resource pattern's ACLs: acl_restype, acl_pattern, topic =
                               its name, why = the znode's JSON (NULL: no znode, no ACLs) */
} ctl_msg_type_t;

/* One partition's state as the controller tells it (LeaderAndIsr), or a partition to stop
 * (StopReplica: topic, partition, leader_epoch, del). */
typedef struct ctl_pinfo {
    char *topic;
    uint8_t topic_id[16];
    int32_t partition;
    int32_t leader, leader_epoch;
    int32_t partition_epoch; /* version of the state znode (AlterPartition's check) */
    int32_t nreplicas, nisr;
    int32_t replicas[CTL_MAX_RF], isr[CTL_MAX_RF];
    bool is_new; /* LeaderAndIsr: the partition was just created */
    bool del;    /* StopReplica: delete the log too */
} ctl_pinfo_t;

typedef struct ctl_msg {
    ctl_msg_type_t type;
    char cluster_id[64];
    int32_t controller_id;
    int32_t controller_epoch; /* METADATA, LEADER_AND_ISR, STOP_REPLICA: fencing */
    int64_t broker_epoch;     /* STARTED: ours; the others: the target's as the controller knew
                                 it (-1 = not checked) */
    bool full;                /* LEADER_AND_ISR: every partition the broker hosts (start-up) */
    /* METADATA: every live broker; LEADER_AND_ISR: the leaders named, each with the one
       endpoint of the inter-broker listener */
    md_broker_t *brokers;
    int nbrokers;
    md_topic_t *topics;
    int ntopics;
    ctl_pinfo_t *parts;
    int nparts;
    char *topic;
    int ncfg;
    char **cfg_keys, **cfg_vals;
    char *why;
    int8_t acl_restype, acl_pattern; /* CTL_MSG_ACL */
} ctl_msg_t;

void ctl_msg_free(ctl_msg_t *m);

typedef struct ctl_conf {
    const char *zk_connect;
    int session_timeout_ms;
    int32_t broker_id;
    md_broker_t self;                /* endpoints (advertised) and rack, for /brokers/ids/<id> */
    char listener_protocol_map[512]; /* "PLAINTEXT:PLAINTEXT,..." */
    int32_t default_partitions;
    int16_t default_replication_factor;
    char inter_broker_listener[64]; /* listener the controller uses to reach brokers */
    bool delete_topic_enable;
    bool unclean_leader_election;
    bool auto_leader_rebalance;
    int64_t leader_imbalance_check_ms;
    int32_t leader_imbalance_pct;
    struct chan_mgr *chan; /* the reactor's controller channels (borrowed) */
    bool acls;             /* an authorizer runs: load and follow the ACLs in ZooKeeper */
    zkauth_t zkauth;       /* ZooKeeper login and znode ACLs; ctl_start takes ownership */
} ctl_conf_t;

typedef void ctl_deliver_fn(void *arg, ctl_msg_t *m);

/* Start the thread (copies conf). deliver runs on the reactor thread. NULL on failure. */
ctl_t *ctl_start(ev_loop_t *loop, const ctl_conf_t *conf, ctl_deliver_fn *deliver, void *arg);
/* Close the ZooKeeper session (removing our registration and, if held, /controller) and join
 * the thread. Reactor thread. */
void ctl_stop(ctl_t *c);

/* Any thread: whether this broker is the active controller; whether its ZooKeeper session is
 * connected, and how many sessions expired so far (Kafka's SessionExpireListener). */
bool ctl_is_active(ctl_t *c);
bool ctl_zk_connected(ctl_t *c);
int ctl_zk_expirations(ctl_t *c);

/* ---- admin operations ---- */

typedef enum ctl_op_type {
    CTL_OP_CREATE_TOPICS,
    CTL_OP_DELETE_TOPICS,
    CTL_OP_CREATE_PARTITIONS,
    CTL_OP_ALTER_PARTITION,     /* changes: a leader's ISR proposals (controller only) */
    CTL_OP_CONTROLLED_SHUTDOWN, /* broker_id/epoch; out: tps = partitions still led */
    CTL_OP_ELECT_LEADERS,       /* election_type, tps (NULL/all_partitions: every one) */
    CTL_OP_ALLOC_PRODUCER_IDS,  /* out: pid_block_start .. pid_block_end */
    CTL_OP_ALTER_CONFIGS,       /* a topic's dynamic configs: /config/topics/<t> + change notice */
    CTL_OP_ALTER_REASSIGNMENTS, /* reassign: per partition a target replica set, or a cancel */
    CTL_OP_LIST_REASSIGNMENTS,  /* out: reassign = the ongoing ones (all, or those listed in) */
    CTL_OP_ALTER_CLIENT_QUOTAS, /* per spec: name = quota entity path, cfg_ops SET/DELETE with
                                   values already checked; /config/<path> + change notice */
    CTL_OP_LOG_DIR_FAILURE,     /* tps: this broker's replicas in failed log dirs; written to
                                   /log_dir_event_notification for the controller */
    CTL_OP_ACLS,                /* acls: bindings to add (or remove) in ZooKeeper, each with
                                   its err; change notices written (ctl_acl.c) */
} ctl_op_type_t;

/* CTL_OP_ALTER_CONFIGS operation per config: Kafka's ConfigOperation numbers. */
#define CTL_CFG_SET      0
#define CTL_CFG_DELETE   1
#define CTL_CFG_APPEND   2
#define CTL_CFG_SUBTRACT 3

typedef struct ctl_topic_spec {
    /* in */
    char *name;
    int32_t num_partitions;     /* -1 = num.partitions (create), new total (create partitions) */
    int16_t replication_factor; /* -1 = default.replication.factor */
    int32_t nassign;            /* manual assignment: nassign partitions x assign_rf replicas */
    int32_t assign_rf;
    int32_t *assign; /* row-major, may be NULL */
    int ncfg;
    char **cfg_keys, **cfg_vals;
    /* ALTER_CONFIGS: cfg_ops NULL replaces the whole set with cfg_keys/cfg_vals (AlterConfigs);
     * else cfg_ops[i] is a CTL_CFG_* applied in order (IncrementalAlterConfigs), APPEND and
     * SUBTRACT starting from the override, else from cfg_bases[i] (the broker default; may be
     * NULL). Values of DELETE entries are ignored. */
    int8_t *cfg_ops;
    char **cfg_bases;
    /* ALTER_CONFIGS of a broker entity (/config/brokers/<name>, name "" = <default>) rather
     * than a topic */
    bool broker_entity;
    /* out */
    kerr_t err;
    char errmsg[256];
    uint8_t topic_id[16];
    int32_t result_partitions;
    int16_t result_rf;
} ctl_topic_spec_t;

/* One partition of an AlterPartition: in, the leader's proposal; out, the state the
 * controller now holds (or err). */
typedef struct ctl_isr_change {
    char *topic;
    int32_t partition;
    int32_t leader_epoch, partition_epoch;
    int32_t nisr;
    int32_t isr[CTL_MAX_RF];
    int32_t leader; /* out */
    kerr_t err;     /* out */
} ctl_isr_change_t;

/* A topic-partition with a per-partition result. */
typedef struct ctl_tp {
    char *topic;
    int32_t partition;
    kerr_t err;
    char errmsg[160];
} ctl_tp_t;

/* One partition of a reassignment (KIP-455). ALTER: in, the target (ntarget -1 = cancel); out,
 * err. LIST: in, the partition asked about (or filled in by the controller); out, its replica
 * set and what is being added and removed. */
typedef struct ctl_reassign {
    char *topic;
    int32_t partition;
    int32_t ntarget;
    int32_t target[CTL_MAX_RF];
    int32_t nreplicas, nadding, nremoving;
    int32_t replicas[CTL_MAX_RF], adding[CTL_MAX_RF], removing[CTL_MAX_RF];
    kerr_t err;
    char errmsg[160];
} ctl_reassign_t;

#define CTL_PID_BLOCK_SIZE 1000

/* CTL_OP_ACLS: one ACL binding to add or remove (strings heap-allocated). */
typedef struct ctl_acl {
    int8_t restype, pattern;
    char *name, *principal, *host;
    int8_t op, perm;
    bool remove;
    kerr_t err; /* out */
} ctl_acl_t;

typedef struct ctl_op ctl_op_t;
typedef void ctl_op_done_fn(ctl_op_t *op, void *arg);

struct ctl_op {
    ctl_op_type_t type;
    bool validate_only;
    ctl_topic_spec_t *topics;
    int ntopics;
    int32_t broker_id;         /* ALTER_PARTITION, CONTROLLED_SHUTDOWN: the requester */
    int64_t broker_epoch;      /* its registration's czxid, -1 = unchecked */
    ctl_isr_change_t *changes; /* ALTER_PARTITION */
    int nchanges;
    ctl_tp_t *tps; /* ELECT_LEADERS in/out, CONTROLLED_SHUTDOWN out (heap) */
    int ntps;
    bool all_partitions;                    /* ELECT_LEADERS: every partition */
    int8_t election_type;                   /* ELECT_LEADERS: 0 preferred, 1 unclean */
    int64_t pid_block_start, pid_block_end; /* ALLOC_PRODUCER_IDS out */
    ctl_reassign_t *reassign;               /* ALTER/LIST_REASSIGNMENTS (heap) */
    int nreassign;
    ctl_acl_t *acls; /* ACLS (heap) */
    int nacls;
    kerr_t err;           /* top-level result (NOT_CONTROLLER, STALE_BROKER_EPOCH...) */
    ctl_op_done_fn *done; /* reactor thread */
    void *arg;
    ctl_op_t *next; /* queue link (ctl's) */
};

/* Queue an operation; done(op, arg) runs on the reactor when every topic has its err set. */
void ctl_submit(ctl_t *c, ctl_op_t *op);
/* Free an op and everything in its specs (the strings and arrays must be heap-allocated). */
void ctl_op_free(ctl_op_t *op);

#endif
