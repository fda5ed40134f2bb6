/* drill.h: what the parts of kafka-drill share (see kafka_drill.c for the tool):
 *   drill_cluster.c  the clock and output, shell commands, the cluster under drill (a
 *                    scripts/cluster.sh process cluster or a compose project) and the faults
 *                    applied to its nodes;
 *   drill_clients.c  the producer and consumer threads and the topic's metadata;
 *   drill_faults.c   the drills: each fault, held and healed, as an event;
 *   drill_report.c   the report (text and JSON);
 *   kafka_drill.c    options, the watchdog and main.
 * The state below is the run's, set up by main before the threads start; what the producer,
 * consumer and main threads share is in dr_sh, under dr_sh.mu. Errors that stop the tool
 * exit through cli_die; a failed drill step is recorded with dr_fail. */
#ifndef DRILL_H
#define DRILL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "cli.h"
#include "drill_verify.h"

#define TOOL       "kafka-drill"
#define MAX_NODES  32
#define MAX_PARTS  64
#define MAX_EVENTS 64

extern cli_opt_t dr_opts[];

/* ---- drill_cluster.c: clock, output, the cluster ---- */

extern int64_t dr_t0; /* the run's start (dr_now_us) */
int64_t dr_now_us(void);
/* Seconds since dr_t0. */
double dr_rel(int64_t t);
void dr_sleep_ms(int64_t ms);
/* One "[  12.345s] ..." line on stdout. */
void dr_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

typedef enum { CL_PROCESS, CL_COMPOSE } dr_kind_t;

typedef struct dr_node {
    int id;            /* broker.id, or the ZooKeeper server id */
    char name[128];    /* broker-I / zookeeper-I, or the container's name */
    char service[128]; /* compose service (the network alias to restore) */
    char network[128]; /* compose network to cut */
    int zk_port;       /* ZooKeeper client port inside the container */
} dr_node_t;

typedef struct dr_cluster {
    dr_kind_t kind;
    char dir[PATH_MAX];
    char script[PATH_MAX];
    char project[128];
    dr_node_t brokers[MAX_NODES], zks[MAX_NODES];
    int nbrokers, nzks;
    bool netns;
    char bootstrap[2048];
    int session_timeout_ms;
} dr_cluster_t;

typedef enum { A_KILL, A_TERM, A_STOP, A_CONT, A_START, A_ISOLATE, A_HEAL } dr_act_t;
extern const char *const dr_act_names[]; /* by dr_act_t */

/* The process cluster in dir (its cluster.conf), or exit. */
void dr_cluster_process(dr_cluster_t *c, const char *dir);
/* The containers of a compose project, or exit. */
void dr_cluster_compose(dr_cluster_t *c, const char *project);
dr_node_t *dr_broker_by_id(dr_cluster_t *c, int id);
/* Apply one action to a node (zk: a ZooKeeper node). 0 on success. */
int dr_node_act(dr_cluster_t *c, dr_node_t *n, dr_act_t a);
/* The ZooKeeper node in Mode: leader (`srvr`), or NULL. */
dr_node_t *dr_zk_leader(dr_cluster_t *c);

/* ---- kafka_drill.c ---- */

/* A fault left in place when the drill stops early is undone on the way out. */
typedef struct dr_undo {
    dr_cluster_t *c;
    dr_node_t *n;
    dr_act_t undo;
    bool pending;
} dr_undo_t;
extern dr_undo_t dr_undo;

/* ---- drill_clients.c: producer, consumers, metadata ---- */

typedef struct dr_shared {
    pthread_mutex_t mu;
    dv_t *dv;
    int64_t sent;
    char last_error[512];
    int64_t errors;
    volatile int stop_producing, stop_consuming;
    int64_t end_offsets[MAX_PARTS]; /* consumer target, -1 until known */
    int64_t next_offsets[MAX_PARTS];
} dr_shared_t;
extern dr_shared_t dr_sh;

extern char dr_run_id[32]; /* in every message: "kafka-drill <run id> <seq>" */
extern char dr_topic[256];
extern int dr_nparts;
extern int dr_rate; /* messages per second */
extern bool dr_transactional;
extern int dr_commit_interval_ms;

/* The drill's producer (acks=all, idempotent unless idem is false, transactional with
 * --transactional, --producer-property settings), reporting to the verifier; exits on error. */
rd_kafka_t *dr_producer_new(const char *bootstrap, bool idem);
/* The producer thread (arg: the producer handle): produces at dr_rate until stop_producing. */
void *dr_producer_main(void *arg);
/* A client config for bootstrap with the --command-config properties (security) applied. */
rd_kafka_conf_t *dr_conf(const char *bootstrap);
/* A consumer assigned to every partition of dr_topic from the beginning. */
rd_kafka_t *dr_consumer_new(const char *bootstrap);
/* Whether the consumer read up to end_offsets (under dr_sh.mu). */
bool dr_consumer_at_end(void);

typedef struct dr_consumer {
    rd_kafka_t *rk;
    bool live; /* the consumer running during the drill, or the final pass */
} dr_consumer_t;
/* The consumer thread (arg: a dr_consumer_t): reads until stop_consuming or the end. */
void *dr_consumer_main(void *arg);

typedef struct dr_tstate {
    int nparts;
    int32_t controller;
    int leader[MAX_PARTS], nreplicas[MAX_PARTS], nisr[MAX_PARTS];
} dr_tstate_t;

/* The brokers' addresses, so that each can be asked on its own; exits after 60 s. */
void dr_learn_brokers(rd_kafka_t *rk);
/* The topic as the first broker other than avoid (-1: any) sees it; 0, or -1. */
int dr_topic_state(int avoid, dr_tstate_t *ts, int timeout_ms);
/* Time the ISR was first seen full again by a broker other than avoid, or -1 after timeout_s. */
int64_t dr_wait_isr_full(int avoid, int timeout_s);
/* The leader of partition (retrying 10 s), or -1. */
int dr_leader_of(int partition);
/* Create dr_topic (an existing one is fine); 0, or -1 with the reason on stderr. */
int dr_create_topic(rd_kafka_t *rk, int partitions, int rf, int min_isr);

/* ---- drill_faults.c: the drills ---- */

typedef struct dr_event {
    char what[200];
    int64_t t_fault, t_heal, t_isr; /* t_isr -1: not full again in time */
    /* A broker fault: the partitions it led and whether it was the controller when the fault
     * began, and when the metadata first showed all of that moved to others (-1: not while the
     * fault lasted). This is the cluster's failover time, apart from how long clients took. */
    bool led[MAX_PARTS], was_controller;
    int nled;
    int64_t t_moved;
} dr_event_t;

extern dr_event_t dr_events[MAX_EVENTS];
extern int dr_nevents;
extern bool dr_failed_run;
extern char dr_fail_reason[512];
/* Record that the drill failed (the first reason is kept) and say so. */
void dr_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

typedef struct dr_ctx {
    dr_cluster_t *c;
    rd_kafka_t *meta;
    int down_ms, recover_s, target;
} dr_ctx_t;
/* Run one drill (--drill) against d->c; exits on an unknown drill. */
void dr_run_drill(dr_ctx_t *d, const char *drill);

/* ---- drill_report.c ---- */

/* Print the report (and write it as JSON to json_path when not NULL); the exit status. */
int dr_report(const char *drill, dr_cluster_t *c, int rf, int min_isr, bool idem,
              const char *json_path, bool read_complete);

#endif
