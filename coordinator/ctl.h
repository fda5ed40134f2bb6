/* ctl.h: the coordinator thread: this broker's ZooKeeper session, its registration, the
 * controller candidate, and the admin operations that write ZooKeeper (create/delete topics,
 * add partitions).
 *
 * Threads. Like Kafka's ControllerEventManager, all of this runs on ONE dedicated thread with
 * synchronous ZooKeeper calls, handling one event at a time (watch fired, session change,
 * admin operation). The reactor never waits on ZooKeeper: it submits operations with
 * ctl_submit() and receives results and controller decisions as ctl_msg_t delivered on the
 * reactor thread (ev_post) through the deliver hook. (DESIGN.md section 3 puts controller
 * events on the reactor; a thread of its own keeps the controller sequential and simple while
 * still never blocking the data path.)
 *
 * When this broker wins /controller it loads the cluster state, brings new partitions online
 * (leader = first live replica, ISR = live replicas), moves leadership off dead brokers
 * (ISR-only unless unclean.leader.election.enable), deletes topics queued under
 * /admin/delete_topics, and informs brokers (LeaderAndIsr, StopReplica, UpdateMetadata).
 * Every partition-state write is a zoo_multi that checks /controller_epoch's version.
 *
 * Ownership: messages passed to deliver are owned by the receiver (free with ctl_msg_free);
 * an op passed to ctl_submit is owned by the ctl thread until its done callback runs on the
 * reactor, then by the callback. */
#ifndef CTL_H
#define CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev.h"
#include "kerr.h"
#include "mdcache.h"

#define CTL_MAX_RF 16

typedef struct ctl ctl_t;

typedef enum ctl_msg_type {
    CTL_MSG_STARTED,        /* registered in ZooKeeper: cluster_id set */
    CTL_MSG_METADATA,       /* full metadata snapshot (UpdateMetadata) */
    CTL_MSG_LEADER_AND_ISR, /* partitions this broker leads or follows */
    CTL_MSG_STOP_REPLICA,   /* partitions to stop (and delete when parts[i].del) */
    CTL_MSG_TOPIC_CONFIG,   /* per-topic config overrides changed (or appeared) */
    CTL_MSG_FATAL,          /* cannot go on (why set) */
} ctl_msg_type_t;

typedef struct ctl_pinfo {
    char *topic;
    int32_t partition;
    int32_t leader, leader_epoch;
    int32_t nreplicas, nisr;
    int32_t replicas[CTL_MAX_RF], isr[CTL_MAX_RF];
    bool del;
} ctl_pinfo_t;

typedef struct ctl_msg {
    ctl_msg_type_t type;
    char cluster_id[64];
    int32_t controller_id;
    int32_t controller_epoch; /* METADATA, LEADER_AND_ISR, STOP_REPLICA: fencing */
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
} ctl_conf_t;

typedef void ctl_deliver_fn(void *arg, ctl_msg_t *m);

/* Start the thread (copies conf). deliver runs on the reactor thread. NULL on failure. */
ctl_t *ctl_start(ev_loop_t *loop, const ctl_conf_t *conf, ctl_deliver_fn *deliver, void *arg);
/* Close the ZooKeeper session (removing our registration and, if held, /controller) and join
 * the thread. Reactor thread. */
void ctl_stop(ctl_t *c);

/* ---- admin operations ---- */

typedef enum ctl_op_type {
    CTL_OP_CREATE_TOPICS,
    CTL_OP_DELETE_TOPICS,
    CTL_OP_CREATE_PARTITIONS,
    CTL_OP_ALTER_CONFIGS, /* a topic's dynamic configs: /config/topics/<t> + change notice */
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
    /* out */
    kerr_t err;
    char errmsg[256];
    uint8_t topic_id[16];
    int32_t result_partitions;
    int16_t result_rf;
} ctl_topic_spec_t;

typedef struct ctl_op ctl_op_t;
typedef void ctl_op_done_fn(ctl_op_t *op, void *arg);

struct ctl_op {
    ctl_op_type_t type;
    bool validate_only;
    ctl_topic_spec_t *topics;
    int ntopics;
    ctl_op_done_fn *done; /* reactor thread */
    void *arg;
    ctl_op_t *next; /* queue link (ctl's) */
};

/* Queue an operation; done(op, arg) runs on the reactor when every topic has its err set. */
void ctl_submit(ctl_t *c, ctl_op_t *op);
/* Free an op and everything in its specs (the strings and arrays must be heap-allocated). */
void ctl_op_free(ctl_op_t *op);

/* Kafka's rules for topic names (legal characters, length). KERR_NONE or
 * KERR_INVALID_TOPIC_EXCEPTION with a reason in why. Any thread. */
kerr_t ctl_topic_name_valid(const char *name, char *why, size_t n);

#endif
