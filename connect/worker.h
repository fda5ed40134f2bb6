/* worker.h: the Connect worker: its configuration, the herder (connector and task state,
 * lifecycle) and the backing stores of the two modes.
 *
 * The herder holds every connector's config, target state (STARTED / PAUSED / STOPPED), task
 * configs and the status of every connector and task (its own and, in distributed mode, the
 * other workers' from the status topic). One mutex (h->lock) guards it all. REST handlers
 * (the REST thread), the start-up code, the distributed group thread and task threads take
 * it briefly; connector start/stop and task thread start/join run with it held, so connector
 * instances see one caller at a time (connector.h's "herder thread" is whoever holds the lock).
 *
 * Threads: main (start-up, then waits for a signal), REST (own ev loop, rest.c), one thread
 * per task (task_source.c / task_sink.c); distributed mode adds the group thread (membership,
 * rebalances) and the reader thread (config / status / offsets topics) in dist.c.
 *
 * Backing stores (kc_backing_t): standalone keeps configs and status in memory and source
 * offsets in offset.storage.file.filename (JSON: Kafka's key ["name",{partition}] -> offset);
 * distributed writes Kafka's records to the three topics and applies them when read back. */
#ifndef WORKER_H
#define WORKER_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "connector.h"

/* --- properties files and worker config --------------------------------------------- */

/* Parse a Java properties file into a new object of strings. NULL with a reason in err. */
json_t *kc_props_load(const char *path, char *err, size_t errlen);
/* Worker config: Kafka's keys and defaults; NULL-safe getters on the object. */
const char *kc_wcfg_str(const json_t *w, const char *key);
int64_t kc_wcfg_int(const json_t *w, const char *key);
/* exactly.once.source.support=enabled (KIP-618; distributed workers only). */
bool kc_wcfg_eos(const json_t *w);
/* Fill defaults and check the worker keys for mode ("standalone" / "distributed"). false with
 * the offending key in err. */
bool kc_wcfg_finish(json_t *w, bool distributed, char *err, size_t errlen);
/* The first listener of `listeners` (scheme case-insensitive, as Kafka's). 0 or -1 + err. */
int kc_first_listener(const json_t *w, char *host, size_t hostlen, int *port, char *err,
                      size_t errlen);
/* The sub-object of keys under prefix, with the prefix removed (producer., consumer.,
 * key.converter....). New reference. */
json_t *kc_props_prefixed(const json_t *props, const char *prefix);

/* Monotonic milliseconds. */
int64_t kc_now_ms(void);
/* Kafka's source offset key for (connector, partition): the compact JSON text
 * ["name",{partition}] (caller frees). */
char *kc_offset_key(const char *connector, const json_t *partition);
/* The [{"partition","offset"}] entries of connector in a map of offset key text -> offset. */
json_t *kc_offsets_filter(const json_t *map, const char *connector);

/* --- states ------------------------------------------------------------------------- */

typedef enum kc_target { KC_TARGET_STARTED, KC_TARGET_PAUSED, KC_TARGET_STOPPED } kc_target_t;
const char *kc_target_name(kc_target_t t); /* "STARTED", "PAUSED", "STOPPED" */

/* Connect's status states as REST and the status topic spell them. */
#define KC_ST_UNASSIGNED "UNASSIGNED"
#define KC_ST_RUNNING    "RUNNING"
#define KC_ST_PAUSED     "PAUSED"
#define KC_ST_FAILED     "FAILED"
#define KC_ST_RESTARTING "RESTARTING"
#define KC_ST_STOPPED    "STOPPED"

typedef struct kc_herder kc_herder_t;
typedef struct kc_conn kc_conn_t;

/* A task running on this worker. Its thread owns the plugin instance; the herder owns the
 * struct and joins the thread before freeing it. */
typedef struct kc_task {
    kc_conn_t *conn;
    kc_herder_t *h;
    char *cname; /* connector name (copy: the task may outlive a config change) */
    int id;
    json_t *config;  /* task config (connector keys + the connector's task keys) */
    json_t *cconfig; /* the connector config it was started with */
    pthread_t thread;
    atomic_bool stop;   /* set by the herder: leave the loop, stop the plugin */
    atomic_bool paused; /* target PAUSED: keep the plugin, stop polling/consuming */
    atomic_bool done;   /* the thread has returned */
} kc_task_t;

/* A connector running on this worker (its instance and tasks). */
struct kc_conn {
    char *name;
    json_t *config;
    const kc_plugin_t *plugin;
    void *inst; /* NULL when not started (STOPPED, FAILED) */
    kc_connector_ctx_t ctx;
    bool reconfigure; /* the connector asked for new task configs */
    bool failed;      /* start failed: stays down until a restart or a config change */
};

/* --- backing stores ----------------------------------------------------------------- */

typedef struct kc_backing {
    /* Store a connector config (NULL deletes the connector, its tasks and target state). */
    int (*put_config)(kc_herder_t *h, const char *name, const json_t *config);
    int (*put_target)(kc_herder_t *h, const char *name, kc_target_t t);
    /* Task configs of a connector (an array), as task-<name>-<n> + commit-<name>. */
    int (*put_task_configs)(kc_herder_t *h, const char *name, const json_t *tasks);
    /* KIP-745 restart of a connector (and its tasks): standalone restarts now; distributed
     * writes restart-connector-<name> and every worker restarts what it runs. */
    int (*put_restart)(kc_herder_t *h, const char *name, bool include_tasks, bool only_failed);
    /* A status record: key "status-connector-<name>" / "status-task-<name>-<n>"; status NULL
     * deletes it (a tombstone, as Kafka writes for a DESTROYED connector). */
    void (*put_status)(kc_herder_t *h, const char *key, const json_t *status);
    /* Source offsets: the stored offset of (connector, partition) or NULL; put takes an object
     * of Kafka offset keys (the JSON text ["name",{partition}]) -> offset object (or null). */
    json_t *(*offset_get)(kc_herder_t *h, const char *connector, const json_t *partition);
    int (*offsets_put)(kc_herder_t *h, const json_t *entries);
    /* Every stored (partition, offset) of a connector: [{"partition":..,"offset":..}]. */
    json_t *(*offsets_of)(kc_herder_t *h, const char *connector);
    /* Distributed: wait until offset_get answers from everything committed to the offsets
     * topic before now (timeout_ms at most); false on timeout. NULL in standalone. */
    bool (*offsets_sync)(kc_herder_t *h, int timeout_ms);
    /* Distributed, KIP-618: a round of zombie fencing for a source connector whose task
     * generation has had none yet (Kafka's pendingFencing; a no-op when its tasks-fencing
     * record is current). Reconcile runs it before starting such a connector's tasks, and
     * PUT /connectors/{name}/fence. 0 or -1. Lock held. NULL in standalone. */
    int (*fence)(kc_herder_t *h, const char *name);
} kc_backing_t;

/* --- the herder --------------------------------------------------------------------- */

struct kc_herder {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* broadcast on every applied config / status change */
    json_t *wcfg;           /* worker config (read-only after start) */
    bool distributed;
    char worker_id[300]; /* "host:port" as Kafka's (rest.advertised.host.name:port) */
    char url[320];       /* "http://host:port/" */
    const kc_backing_t *backing;
    void *backing_arg;
    char *kafka_cluster_id;

    /* Config state (both modes): name -> config; name -> target; name -> [task configs]. */
    json_t *configs, *targets, *task_configs;
    /* Status of everything known: key -> {"state","trace","worker_id","generation"}. */
    json_t *status;

    /* What runs here: name -> kc_conn_t*, and the tasks. */
    kc_conn_t **conns;
    size_t nconns;
    kc_task_t **tasks;
    size_t ntasks;

    /* Distributed: what the group gave us (NULL in standalone = everything), the leader's
     * URL (NULL when we are the leader), and a rebalance in progress. */
    json_t *assigned_conns; /* array of names */
    json_t *assigned_tasks; /* array of "name-n" */
    char *leader_url;
    bool rebalancing;
    int64_t generation;
    void (*request_rebalance)(kc_herder_t *h); /* distributed: rejoin soon */
    void *dist;
};

kc_herder_t *kc_herder_new(json_t *wcfg, bool distributed);
void kc_herder_free(kc_herder_t *h);

/* Make what runs here match the config state and the assignment: start / stop connectors and
 * tasks, compute task configs of the connectors that run here. Lock held. */
void kc_herder_reconcile(kc_herder_t *h);
/* Stop every local connector and task (shutdown, or a rebalance's revocation). Lock held. */
void kc_herder_stop_all(kc_herder_t *h);
/* A status change of a local connector / task: kept and written to the status store. Lock
 * held. trace may be NULL. */
void kc_herder_set_status(kc_herder_t *h, const char *key, const char *state, const char *trace);
/* Task threads report (taking the lock themselves). */
void kc_task_report(kc_task_t *t, const char *state, const char *trace);
/* KIP-558: the task used topic (produced to / consumed from). Kept once per connector and
 * topic as Kafka's "topic-<topic>-connector-<name>" status record. Takes the lock. */
void kc_task_topic(kc_task_t *t, const char *topic);
/* The running task (name, id) on this worker, or NULL. Lock held. */
kc_task_t *kc_herder_task(kc_herder_t *h, const char *name, int id);
bool kc_herder_assigned_conn(const kc_herder_t *h, const char *name);
bool kc_herder_assigned_task(const kc_herder_t *h, const char *name, int id);
/* Restart what runs here of connector name (only the FAILED ones with only_failed; its tasks
 * too with include_tasks), marking them RESTARTING first. Lock held. */
void kc_herder_restart(kc_herder_t *h, const char *name, bool include_tasks, bool only_failed);
/* Stop and restart a local connector / task (REST restart). Lock held. */
void kc_herder_restart_conn(kc_herder_t *h, const char *name);
void kc_herder_restart_task(kc_herder_t *h, const char *name, int id);

/* Apply state (standalone's backing and distributed's reader call these). Lock held. */
void kc_herder_apply_config(kc_herder_t *h, const char *name, const json_t *config);
void kc_herder_apply_target(kc_herder_t *h, const char *name, kc_target_t t);
void kc_herder_apply_tasks(kc_herder_t *h, const char *name, const json_t *tasks);

/* Task threads (task_source.c / task_sink.c): the thread body for a task of that kind. */
void *kc_source_task_main(void *task);
void *kc_sink_task_main(void *task);

/* Connector-level keys (ConnectorConfig / SinkConnectorConfig) as config defs, for validation
 * and REST's config/validate. */
extern const kc_cfg_def_t kc_common_defs[];
extern const size_t kc_ncommon_defs;
extern const kc_cfg_def_t kc_sink_defs[];
extern const size_t kc_nsink_defs;
/* SourceConnectorConfig's KIP-618 keys (exactly.once.support, transaction.boundary...). */
extern const kc_cfg_def_t kc_source_defs[];
extern const size_t kc_nsource_defs;
/* The "Common", "Transforms", "Error Handling" ... group of a common def. */

/* librdkafka config from the worker (bootstrap.servers + producer./consumer. overrides) plus
 * the connector's producer.override./consumer.override. keys. NULL with a reason. */
struct rd_kafka_conf_s;
struct rd_kafka_conf_s *kc_rdk_conf(const json_t *wcfg, const char *prefix, const json_t *cconfig,
                                    char *err, size_t errlen);

/* --- exactly-once source (eos.c, KIP-618) ------------------------------------------ */

/* A source task's transactional.id as Kafka's: "<group.id>-<connector>-<task>". */
void kc_eos_txn_id(const json_t *wcfg, const char *connector, int task, char *buf, size_t n);
/* Fence the task's transactional id: InitProducerId through a throwaway producer (what
 * Admin.fenceProducers does), which aborts the transaction a zombie left open and bumps the
 * epoch so that its producer can write no more. 0, or -1 with a reason. Any thread. */
int kc_eos_fence(const json_t *wcfg, const char *connector, int task, char *err, size_t errlen);

/* --- the record pipeline of a task (taskpipe.c) ------------------------------------- */

#define KC_MAX_TRANSFORMS 16

/* A task's converters, transformation chain and error handling (errors.tolerance,
 * errors.log.enable). Owned by the task thread. */
typedef struct kc_pipe {
    const kc_plugin_t *kconv_p, *vconv_p;
    void *kconv, *vconv;
    struct {
        const kc_plugin_t *p;
        void *inst;
        char alias[128];
    } xf[KC_MAX_TRANSFORMS];
    int nxf;
    bool tolerate_all, log_errors, log_messages;
    const char *cname;
    int task_id;
    int64_t errors_total; /* records skipped under errors.tolerance=all */
} kc_pipe_t;

/* Converters from the connector config, else the worker's; transforms in order. */
int kc_pipe_init(kc_pipe_t *p, kc_task_t *t, char *err, size_t errlen);
void kc_pipe_close(kc_pipe_t *p);
/* Run the chain: KC_OK (*rec may be NULL: dropped) or KC_ERR (reason in err, *rec untouched). */
int kc_pipe_transform(kc_pipe_t *p, cd_record_t **rec, char *err, size_t errlen);
/* A record failed in stage ("KEY_CONVERTER", "VALUE_CONVERTER", "TRANSFORMATION", "TASK_PUT"):
 * true when the error is tolerated (logged when errors.log.enable); false: the task fails. */
bool kc_pipe_tolerate(kc_pipe_t *p, const char *stage, const char *topic, int32_t partition,
                      int64_t offset, const char *msg);
/* Run body(arg) on this task thread with a crash guard: a SIGSEGV / SIGBUS / SIGFPE / SIGILL
 * raised inside it (a crashing plugin) unwinds back here and returns the signal number, so the
 * task goes FAILED and the worker lives on (what the plugin held is leaked, its state
 * abandoned). 0 when body returned normally. kc_guard_install() once at start-up. */
int kc_guard_run(void (*body)(void *), void *arg);
/* A task thread's whole life: body(t) under the crash guard; a crash reports FAILED. */
void *kc_task_thread(kc_task_t *t, void (*body)(void *));
void kc_guard_install(void);
/* Kafka-like trace text for a FAILED status (caller frees). */
char *kc_trace(const char *exception, const char *msg, const char *cause);

/* --- REST ----------------------------------------------------------------------------- */

typedef struct kc_rest kc_rest_t;
/* Listen on listeners (the first http:// one) in a thread of its own. NULL with a reason. */
kc_rest_t *kc_rest_start(kc_herder_t *h, char *err, size_t errlen);
int kc_rest_port(const kc_rest_t *r);
void kc_rest_stop(kc_rest_t *r);

/* --- standalone backing ---------------------------------------------------------------- */

/* Offsets file loaded (created empty when missing). NULL with a reason. */
const kc_backing_t *kc_standalone_backing(kc_herder_t *h, char *err, size_t errlen);

#endif
