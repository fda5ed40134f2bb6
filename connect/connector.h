/* connector.h: the Kafka Connect plugin API in C (Connector, SourceConnector, SinkConnector,
 * SourceTask, SinkTask, Converter, Transformation, ConfigDef).
 *
 * A plugin is a const kc_plugin_t: its kind, Kafka's class name plus aliases, a version, a
 * config definition (used by validate, by REST's config/validate and for defaults) and the
 * function pointers of its kind. Names resolve as Kafka's plugin loader does: the full class
 * name, an alias, or the simple class name ("FileStreamSource" and "FileStreamSourceConnector"
 * both name org.apache.kafka.connect.file.FileStreamSourceConnector).
 *
 * Where plugins come from:
 * - built-ins: the static table in connect/plugins.c (add a line there for a new one);
 * - plugin.path: every *.so in those directories (and one level of subdirectories) is
 *   dlopen'ed and its exported KC_PLUGIN_SYMBOL ("kc_plugin_register", a kc_plugin_register_fn)
 *   is called once with a registrar; it registers its kc_plugin_t's (which must outlive the
 *   process: static storage). What a plugin calls into the runtime goes through the context
 *   structs below; the cdata.h functions and the kc_cfg_* / kc_valid_* / kc_batch_push
 *   helpers it may call directly (the worker binaries export them, linked -rdynamic).
 *
 * Configuration: connector / task / converter / transform properties are a jansson object of
 * string values (as Connect's REST body and config topic hold them). A plugin reads them with
 * the kc_cfg_* helpers, which apply the defaults of its definition.
 *
 * Threads and ownership (the runtime guarantees, a plugin may rely on):
 * - A connector instance (kc_connector_ops: start, task_configs, stop) is driven under the
 *   worker's herder lock: one call at a time (from start-up, REST or the group thread).
 * - Each task has its own thread: start, poll/put, flush/pre_commit, commit, commit_record and
 *   stop of one task instance are all called on that thread, never concurrently. A task's
 *   converters and transformations are created for it and used on that thread only.
 * - validate (kc_plugin_t.validate) may be called from the REST thread at any time,
 *   concurrently with running instances: it must only read its arguments.
 * - Records handed to a plugin: see each call. Errors are returned (-1, reason in err), never
 *   aborts: a failing task goes FAILED with the reason as its trace, and the worker lives on.
 *   KC_RETRY asks for the same call again later (Kafka's RetriableException). */
#ifndef CONNECTOR_H
#define CONNECTOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cdata.h"

#define KC_PLUGIN_ABI    2 /* 2: source connectors gained the KIP-618 hooks */
#define KC_PLUGIN_SYMBOL "kc_plugin_register"
#define KC_OK            0
#define KC_ERR           (-1)
#define KC_RETRY         1

/* --- config definitions (ConfigDef) --------------------------------------------------- */

typedef enum kc_cfg_type {
    KC_CFG_BOOLEAN,
    KC_CFG_STRING,
    KC_CFG_INT,
    KC_CFG_SHORT,
    KC_CFG_LONG,
    KC_CFG_DOUBLE,
    KC_CFG_LIST, /* comma-separated, items trimmed */
    KC_CFG_CLASS,
    KC_CFG_PASSWORD, /* shown as "[hidden]" by REST */
} kc_cfg_type_t;

typedef enum kc_importance { KC_IMP_HIGH, KC_IMP_MEDIUM, KC_IMP_LOW } kc_importance_t;

typedef struct kc_cfg_def kc_cfg_def_t;
/* A validator (ConfigDef.Validator): value is the effective string (NULL = null). Returns true,
 * or false with Kafka's message in err ("Invalid value x for configuration batch.size: Value
 * must be at least 1"). arg is the def's valid_arg. */
typedef bool kc_validator_fn(const kc_cfg_def_t *def, const char *value, char *err, size_t errlen);

struct kc_cfg_def {
    const char *name;
    kc_cfg_type_t type;
    const char *default_value; /* string form; NULL = null default (see required) */
    bool required;             /* Kafka's NO_DEFAULT_VALUE: must be set */
    kc_importance_t importance;
    const char *doc;
    kc_validator_fn *validator; /* NULL = type check only */
    const char *valid_arg;      /* for the validator: "1" (min), "1,100" (range), "a|b" */
    const char *group;          /* REST's "group" (NULL = none) */
    const char *display_name;   /* NULL = name */
};

/* Built-in validators (valid_arg as noted). */
kc_validator_fn kc_valid_at_least;  /* "MIN": an integer >= MIN */
kc_validator_fn kc_valid_range;     /* "MIN,MAX": an integer in [MIN, MAX] */
kc_validator_fn kc_valid_in;        /* "a|b|c": one of, case-insensitive (ValidString) */
kc_validator_fn kc_valid_non_empty; /* a non-empty string (NonEmptyString) */
kc_validator_fn kc_valid_list_in;   /* "a|b|c": every list item one of them */

/* The effective value of key: props' value, else the def's default (NULL = null / unknown). */
const char *kc_cfg_str(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props,
                       const char *key);
int64_t kc_cfg_int(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props, const char *key);
bool kc_cfg_bool(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props, const char *key);
double kc_cfg_double(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props, const char *key);
/* A new array of the list's trimmed, non-empty items (caller decrefs); empty when unset. */
json_t *kc_cfg_list(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props, const char *key);
/* Check every def against props: required keys present, types parse, validators pass. Returns
 * the number of errors; when out is not NULL, *out is a new object key -> array of messages
 * (every def present, empty arrays for valid keys) for REST's config/validate. */
int kc_cfg_validate(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props, json_t **out);

/* --- contexts: what the runtime offers a plugin ---------------------------------------- */

typedef struct kc_batch kc_batch_t;

typedef struct kc_connector_ctx kc_connector_ctx_t;
struct kc_connector_ctx {
    void *rt;         /* the runtime's; do not touch */
    const char *name; /* the connector's name */
    /* ConnectorContext.requestTaskReconfiguration: task_configs is asked again soon. */
    void (*request_task_reconfiguration)(kc_connector_ctx_t *ctx);
    /* ConnectorContext.raiseError: the connector goes FAILED with reason. */
    void (*raise_error)(kc_connector_ctx_t *ctx, const char *reason);
};

typedef struct kc_source_ctx kc_source_ctx_t;
struct kc_source_ctx {
    void *rt;
    const char *connector; /* connector name */
    int task_id;
    /* OffsetStorageReader.offset: the last committed source offset for partition (an object),
     * as a new reference, or NULL when none. */
    json_t *(*offset)(kc_source_ctx_t *ctx, const json_t *partition);
    /* true once the runtime wants the task to stop: a blocking poll should return soon. */
    bool (*stopping)(kc_source_ctx_t *ctx);
};

/* One topic-partition's position for flush / pre_commit (the next offset to consume). */
typedef struct kc_tp_offset {
    const char *topic;
    int32_t partition;
    int64_t offset;
} kc_tp_offset_t;

typedef struct kc_sink_ctx kc_sink_ctx_t;
struct kc_sink_ctx {
    void *rt;
    const char *connector;
    int task_id;
    /* SinkTaskContext.requestCommit: flush and commit offsets soon. */
    void (*request_commit)(kc_sink_ctx_t *ctx);
    /* SinkTaskContext.timeout: wait ms before the next put after KC_RETRY (default 0). */
    void (*timeout)(kc_sink_ctx_t *ctx, int64_t ms);
    bool (*stopping)(kc_sink_ctx_t *ctx);
};

/* --- the ops of each kind -------------------------------------------------------------- */

typedef struct kc_connector_ops {
    /* Connector.start: returns the instance (or NULL, reason in err). props are the
     * connector's config; ctx lives until stop. */
    void *(*start)(const json_t *props, kc_connector_ctx_t *ctx, char *err, size_t errlen);
    /* Connector.taskConfigs: a new array of at most max_tasks objects (string values), one per
     * task; the runtime adds the connector's own keys and task.class. */
    json_t *(*task_configs)(void *conn, int max_tasks);
    /* Connector.stop: frees the instance. */
    void (*stop)(void *conn);
} kc_connector_ops_t;

typedef struct kc_source_task_ops {
    /* SourceTask.start: the task instance, or NULL with a reason (the task goes FAILED). ctx
     * lives until stop. */
    void *(*start)(const json_t *props, kc_source_ctx_t *ctx, char *err, size_t errlen);
    /* SourceTask.poll: append new records to *out (grown with kc_batch_push). May block, but
     * should return within about a second when nothing comes (or as soon as ctx->stopping).
     * KC_OK (zero records is fine), KC_RETRY, or KC_ERR with a reason (the task goes FAILED).
     * Each record must carry source_partition/source_offset; ownership passes to the runtime. */
    int (*poll)(void *task, kc_batch_t *out, char *err, size_t errlen);
    /* SourceTask.commit: the offsets of every record polled so far are flushed. NULL = no-op. */
    void (*commit)(void *task);
    /* SourceTask.commitRecord: rec (still the runtime's, read only) was written to Kafka at
     * offset on partition (after transforms; rec may be the transformed copy). NULL = no-op. */
    void (*commit_record)(void *task, const cd_record_t *rec, int32_t partition, int64_t offset);
    /* SourceTask.stop: frees the instance. */
    void (*stop)(void *task);
} kc_source_task_ops_t;

/* KIP-618 (exactly-once source): SourceConnector.exactlyOnceSupport for a config. NULL =
 * Kafka's default (null: "does not implement the API"). There is no TransactionContext yet, so
 * no connector can define its own transaction boundaries (canDefineTransactionBoundaries is
 * always UNSUPPORTED). */
typedef enum kc_support { KC_SUPPORT_UNKNOWN, KC_SUPPORTED, KC_UNSUPPORTED } kc_support_t;
typedef kc_support_t kc_support_fn(const json_t *props);

typedef struct kc_sink_task_ops {
    void *(*start)(const json_t *props, kc_sink_ctx_t *ctx, char *err, size_t errlen);
    /* SinkTask.put: records (converted and transformed; still the runtime's, valid during the
     * call) in Kafka order per partition. n may be 0 (a heartbeat). KC_OK, KC_RETRY (the same
     * records are offered again after ctx->timeout's wait) or KC_ERR with a reason. */
    int (*put)(void *task, cd_record_t *const *records, size_t n, char *err, size_t errlen);
    /* SinkTask.flush: make everything put so far durable. offsets: the positions to commit.
     * KC_OK or KC_ERR (the offsets are not committed; after KC_ERR the task fails). NULL = no-op.
     */
    int (*flush)(void *task, const kc_tp_offset_t *offsets, size_t n, char *err, size_t errlen);
    /* SinkTask.preCommit: may lower offsets[i].offset to what is durable; default (NULL) calls
     * flush and commits the offsets as given. */
    int (*pre_commit)(void *task, kc_tp_offset_t *offsets, size_t n, char *err, size_t errlen);
    void (*stop)(void *task);
} kc_sink_task_ops_t;

typedef struct kc_converter_ops {
    /* Converter.configure: props are the converter's keys with the "key.converter." /
     * "value.converter." prefix removed (schemas.enable...). Returns the instance or NULL. */
    void *(*configure)(const json_t *props, bool is_key, char *err, size_t errlen);
    /* Converter.fromConnectData: *out (malloc'ed, caller frees) and *out_len; *out == NULL means
     * a null Kafka key/value. KC_OK or KC_ERR (DataException) with a reason. */
    int (*from_connect)(void *conv, const char *topic, const cd_schema_t *schema,
                        const cd_value_t *value, uint8_t **out, size_t *out_len, char *err,
                        size_t errlen);
    /* Converter.toConnectData: data == NULL is a null key/value. *schema (a reference or NULL)
     * and *value (caller owns) on KC_OK; KC_ERR with a reason (the record goes to the error
     * handler: tolerance, DLQ). */
    int (*to_connect)(void *conv, const char *topic, const uint8_t *data, size_t len,
                      cd_schema_t **schema, cd_value_t **value, char *err, size_t errlen);
    void (*close)(void *conv);
} kc_converter_ops_t;

typedef struct kc_transform_ops {
    /* Transformation.configure: props without the "transforms.<alias>." prefix (type removed). */
    void *(*configure)(const json_t *props, char *err, size_t errlen);
    /* Transformation.apply: takes *rec. KC_OK with *rec the result: the same record changed in
     * place, a new record (the transform freed the old), or NULL (dropped; freed). KC_ERR with
     * a reason: *rec is untouched and still the caller's. */
    int (*apply)(void *xf, cd_record_t **rec, char *err, size_t errlen);
    void (*close)(void *xf);
} kc_transform_ops_t;

/* --- the plugin ------------------------------------------------------------------------- */

typedef enum kc_plugin_kind {
    KC_PLUGIN_SOURCE,
    KC_PLUGIN_SINK,
    KC_PLUGIN_CONVERTER,
    KC_PLUGIN_TRANSFORM,
} kc_plugin_kind_t;

typedef struct kc_plugin {
    int abi; /* KC_PLUGIN_ABI */
    kc_plugin_kind_t kind;
    const char *class_name;     /* "org.apache.kafka.connect.file.FileStreamSourceConnector" */
    const char *const *aliases; /* NULL-terminated, or NULL ("FileStreamSource") */
    const char *version;        /* shown by GET /connector-plugins */
    const kc_cfg_def_t *defs;
    size_t ndefs;
    /* Extra cross-key checks after kc_cfg_validate (Connector.validate): add messages to
     * errors (key -> array of strings, as kc_cfg_validate's out). NULL = none. Any thread. */
    void (*validate)(const json_t *props, json_t *errors);
    union {
        struct {
            kc_connector_ops_t connector;
            kc_source_task_ops_t task;
            kc_support_fn *exactly_once_support;
        } source;
        struct {
            kc_connector_ops_t connector;
            kc_sink_task_ops_t task;
        } sink;
        kc_converter_ops_t converter;
        kc_transform_ops_t transform;
    } ops;
} kc_plugin_t;

/* A growable array of records a source task polls into. The runtime owns it; push takes rec. */
struct kc_batch {
    cd_record_t **recs;
    size_t n, cap;
};
void kc_batch_push(kc_batch_t *b, cd_record_t *rec);

/* What a plugin .so exports as KC_PLUGIN_SYMBOL: call reg(reg_arg, plugin) for each plugin and
 * return 0 (or -1: the file is skipped with a warning). */
typedef int kc_registrar_fn(void *reg_arg, const kc_plugin_t *plugin);
typedef int kc_plugin_register_fn(kc_registrar_fn *reg, void *reg_arg);

/* --- the registry (runtime side) -------------------------------------------------------- */

/* Register the built-ins, then load plugin.path (comma-separated directories; NULL or "" =
 * none). Bad files are skipped with a warning on stderr. Called once, before any thread. */
int kc_plugins_init(const char *plugin_path, char *err, size_t errlen);
/* Resolve a class name, alias or simple name of the given kind; NULL when unknown. */
const kc_plugin_t *kc_plugin_find(kc_plugin_kind_t kind, const char *name);
/* Any kind (source or sink first); NULL when unknown. */
const kc_plugin_t *kc_plugin_find_any(const char *name);
/* Iterate all registered plugins: for (i = 0; (p = kc_plugin_at(i)); i++). */
const kc_plugin_t *kc_plugin_at(size_t i);
/* "source", "sink", "converter", "transformation" as GET /connector-plugins prints them. */
const char *kc_plugin_kind_name(kc_plugin_kind_t kind);

#endif
