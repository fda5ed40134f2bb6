/* ctl_int.h: what the coordinator's source files share (not a public interface; see ctl.h).
 *
 *   ctl.c        the thread: event queue, session, registration, topic configs, main loop
 *   ctl_zk.c     synchronous ZooKeeper helpers used by all of them
 *   ctl_admin.c  admin operations that write ZooKeeper (create/delete topics, partitions)
 *
 * Everything declared here runs on the ctl thread unless its comment says otherwise. */
#ifndef CTL_INT_H
#define CTL_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <zookeeper/zookeeper.h>

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

#define CTL_MAX_CHANS     64
#define CTL_RPC_TIMEOUT_S 10

/* A blocking connection from the controller thread to one broker (Kafka's
 * ControllerChannelManager, one request at a time). */
typedef struct ctl_chan {
    int32_t broker;
    int fd; /* -1 = not connected */
} ctl_chan_t;

/* Controller view of one partition. */
typedef struct ctl_part {
    int32_t nreplicas;
    int32_t replicas[CTL_MAX_RF];
    bool has_state;
    int32_t leader, leader_epoch, nisr;
    int32_t isr[CTL_MAX_RF];
    int32_t zkver; /* version of the state znode */
} ctl_part_t;

typedef struct ctl_topic {
    char *name;
    uint8_t id[16];
    int32_t nparts;
    ctl_part_t *parts;
    bool deleting;
} ctl_topic_t;

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
    bool connected, expired;
    char cluster_id[64];
    char last_change[64]; /* newest /config/changes entry processed */

    /* controller state (valid while active) */
    bool active;
    int32_t epoch, epoch_zkver;
    int32_t controller_id; /* last known, -1 unknown */
    md_broker_t *live;
    int nlive;
    int64_t *live_epoch; /* czxid of each live broker's registration: a restart changes it */
    ctl_chan_t chans[CTL_MAX_CHANS];
    int32_t corr;
    dict_t *topics; /* name -> ctl_topic_t* */
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

/* ---- controller state used by admin operations (ctl.c) ---- */

bool ctl_broker_live(const ctl_t *c, int32_t id);
/* Read /brokers/ids (watching it when watch) into c->live, sorted by id. */
bool ctl_load_brokers(ctl_t *c, bool watch);

/* ---- admin operations (ctl_admin.c) ---- */

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

#endif
