/* cli.h: what the Kafka command-line tools share: option parsing with Kafka's option names
 * (`--opt value` and `--opt=value`), one-line errors with a non-zero exit, and loading
 * `key=value` properties (files, --property, --producer-property) into librdkafka configs.
 * Single-threaded tools; nothing here is thread-safe. */
#ifndef CLI_H
#define CLI_H

#include <librdkafka/rdkafka.h>
#include <zookeeper/zookeeper.h>

#include "proto/kp_metadata.h"
#include "zkpath.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cli_opt {
    const char *name; /* without the leading "--" */
    bool has_arg;
    const char *help;
    bool multi;    /* takes one or more values: --producer-props a=1 b=2 (argparse's nargs "+") */
    bool optional; /* the value may be left out: --state, --state stable,empty */
    /* filled by cli_parse */
    const char **vals; /* every value given (repeatable options), NULL-terminated */
    int nvals;
    bool set;
} cli_opt_t;

#define CLI_OPT(n, a, h)                                                                           \
    {                                                                                              \
        .name = (n), .has_arg = (a), .help = (h)                                                   \
    }
/* An option taking every following argument up to the next "--option". */
#define CLI_OPT_MULTI(n, h)                                                                        \
    {                                                                                              \
        .name = (n), .has_arg = true, .help = (h), .multi = true                                   \
    }
/* An option whose value may be left out (the next argument is taken unless it is an option). */
#define CLI_OPT_OPTIONAL(n, h)                                                                     \
    {                                                                                              \
        .name = (n), .has_arg = false, .help = (h), .optional = true                               \
    }
#define CLI_END                                                                                    \
    {                                                                                              \
        .name = NULL                                                                               \
    }

/* Parse argv against opts (terminated by {NULL}); unknown options and missing values exit 1
 * with a one-line reason. --help prints the usage and exits 0. */
void cli_parse(const char *tool, const char *summary, cli_opt_t *opts, int argc, char **argv);
/* cli_parse, but no arguments at all print the usage and exit 0 (Kafka's kafka-configs,
 * kafka-consumer-groups and the perf tools do so). */
void cli_parse_or_usage(const char *tool, const char *summary, cli_opt_t *opts, int argc,
                        char **argv);
cli_opt_t *cli_opt(cli_opt_t *opts, const char *name);
const char *cli_val(cli_opt_t *opts, const char *name); /* last value or NULL */
bool cli_has(cli_opt_t *opts, const char *name);

/* Print "tool: reason" to stderr and exit(1). */
void cli_die(const char *tool, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Print the reason alone (as Kafka's tools print an IllegalArgumentException's message) to
 * stderr and exit(1). */
void cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Set "k=v" on a librdkafka config; exits with a reason when invalid. */
void cli_conf_kv(const char *tool, rd_kafka_conf_t *conf, const char *kv);
void cli_conf_set(const char *tool, rd_kafka_conf_t *conf, const char *k, const char *v);
/* As cli_conf_kv, but a key librdkafka does not know is translated when it is a Java client
 * key with a librdkafka equivalent (buffer.memory, send.buffer.bytes...), else ignored with
 * the Java client's warning, as Kafka's tools ignore configs their client does not use. */
void cli_conf_kv_lenient(const char *tool, rd_kafka_conf_t *conf, const char *kv);
/* Load a properties file into conf (client keys librdkafka does not know are ignored with a
 * warning, as Kafka's tools ignore unknown configs). */
void cli_conf_file(const char *tool, rd_kafka_conf_t *conf, const char *path);

/* A librdkafka config with bootstrap.servers (when not NULL) and client.id set and librdkafka's
 * own log lines off (log_level 0; errors reach the tools through the API). */
rd_kafka_conf_t *cli_conf_new(const char *tool, const char *bootstrap, const char *client_id);
/* rd_kafka_new or exit with the reason. */
rd_kafka_t *cli_rk_new(const char *tool, rd_kafka_type_t type, rd_kafka_conf_t *conf);

/* How long a tool waits for an unreachable cluster before giving up (ms). */
#define CLI_REACH_MS 10000

/* An Admin API client: bootstrap.servers, then the --command-config file (may be NULL); its
 * metadata requests never auto-create topics. */
rd_kafka_t *cli_admin_new(const char *tool, const char *bootstrap, const char *command_config);
/* Make every raw-protocol connection of the tool (clireq.h, cli_request) use the security
 * settings of the --command-config file (TLS, SASL login); a file that cannot be read or holds
 * an unsupported setting ends the tool with the reason. NULL: plain TCP. */
void cli_command_security(const char *tool, const char *command_config);
/* Metadata round trip within CLI_REACH_MS, or exit: "cannot reach the brokers at ...". */
void cli_wait_cluster(const char *tool, rd_kafka_t *rk);
/* The next event of type on q; exits with a one-line reason after timeout_ms. */
rd_kafka_event_t *cli_admin_wait(const char *tool, rd_kafka_queue_t *q, rd_kafka_event_type_t type,
                                 int timeout_ms);
/* Admin options for op with request and operation timeouts of timeout_ms. */
rd_kafka_AdminOptions_t *cli_admin_options(rd_kafka_t *rk, rd_kafka_admin_op_t op, int timeout_ms);

/* The partition count of topic, waiting (at most timeout_ms) while its leaders are elected.
 * Exits with a one-line reason when the cluster cannot be reached in time or the topic does not
 * exist (a producer handle may auto-create it: then its creation is waited for). */
int cli_topic_partitions(const char *tool, rd_kafka_t *rk, const char *topic, int timeout_ms);

/* Whether the cluster serves consumer groups (ListGroups is supported by the brokers).
 * Exits with a one-line reason when the cluster cannot be reached within timeout_ms. */
bool cli_groups_supported(const char *tool, rd_kafka_t *rk, int timeout_ms);

/* Integer option value in [min, max], or exit naming the option; dflt when not given. */
long long cli_ll(const char *tool, cli_opt_t *opts, const char *name, long long dflt, long long min,
                 long long max);
/* Number option value (strtod), dflt when not given. */
double cli_double(const char *tool, cli_opt_t *opts, const char *name, double dflt);

/* Format wall-clock ms with a java.text.SimpleDateFormat pattern (yyyy MM dd HH mm ss SSS,
 * quoted literals; other letters are copied). Local time, as Java's default zone. */
void cli_fmt_date(const char *pattern, int64_t wall_ms, char *out, size_t n);

/* --print-metrics: librdkafka statistics mapped to Kafka's metric names, printed as Kafka's
 * ToolsUtils.printMetrics does ("Metric Name   Value", then "group:name:{client-id=..} : v").
 * cli_stats_enable() sets the stats callback (interval 1 s); cli_metrics_print() waits
 * (serving the handle) for a statistics snapshot newer than the call, then prints. */
typedef enum cli_metric_src {
    CLI_M_TOP,         /* a top-level integer of the statistics */
    CLI_M_BROKERS_SUM, /* sum of an integer over the brokers */
    CLI_M_BROKERS_AVG, /* average of a window's "avg" over the brokers that have samples (us) */
    CLI_M_TOPIC_AVG,   /* a window's "avg" of the topic */
    CLI_M_RATE,        /* a top-level integer per second of the run */
    CLI_M_VALUE,       /* a value the tool measured itself (extra[i]) */
} cli_metric_src_t;
typedef struct cli_metric {
    const char *group, *name;
    cli_metric_src_t src;
    const char *key; /* statistics key (window name for the averages) */
    double scale;    /* multiplier applied to the value (e.g. 0.001: us -> ms) */
} cli_metric_t;
void cli_stats_enable(const char *tool, rd_kafka_conf_t *conf);
void cli_metrics_print(rd_kafka_t *rk, const cli_metric_t *m, int n, const char *client_id,
                       const char *topic, double elapsed_s, const double *extra);

/* ---- ZooKeeper (the tools' --zookeeper forms) ---- */
/* Connected handle, or NULL when ZooKeeper did not answer within timeout_ms (exits when the
 * connection string is unusable). The client library's own log lines are silenced. */
/* Connect, logging in with the JAAS Client section named in KAFKA_OPTS when there is one
 * (common/zkauth.h); dies on a bad JAAS file. NULL when not connected within timeout_ms. */
zhandle_t *cli_zk_connect(const char *tool, const char *conn, int timeout_ms);
/* The ACL for a znode this tool creates: with a ZooKeeper login, world READ and ALL for us
 * (Kafka's tools set ACLs whenever ZooKeeper SASL is configured); otherwise open. */
const struct ACL_vector *cli_zk_acl(const char *path);
/* Data of path (NUL-terminated, caller frees), NULL when absent. */
char *cli_zk_get(zhandle_t *zh, const char *path, struct Stat *st);
bool cli_zk_exists(zhandle_t *zh, const char *path);
void cli_zk_mkdirs(zhandle_t *zh, const char *path);
/* An entity's config znode (/config/topics/<t>, /config/brokers/<id>) into cs (empty when the
 * znode is absent or malformed). */
void cli_zk_config_read(zhandle_t *zh, const char *path, zkpath_config_t *cs);
/* Write an entity's config znode and the /config/changes notice every broker follows, as
 * Kafka's AdminZkClient.changeConfigs does; ZOK or the ZooKeeper error code. */
int cli_zk_config_write(zhandle_t *zh, const char *path, const char *entity_type,
                        const char *entity_name, const zkpath_config_t *cs);

/* Java exception class Kafka's tools would name for a librdkafka error, e.g.
 * "org.apache.kafka.common.errors.UnknownTopicOrPartitionException". */
const char *cli_java_exception(rd_kafka_resp_err_t err);

/* Monotonic nanoseconds. */
int64_t cli_mono_ns(void);

/* One Metadata v12 request to the broker at host:port, encoded and decoded with the broker's
 * own codec (common/proto), for what librdkafka 2.0 does not give: topic ids, and the view of
 * one chosen broker. n topics (0: none; auto-creation off). */
typedef struct cli_md {
    kp_metadata_resp_t resp; /* strings view into body, arrays from arena */
    uint8_t *body;
    arena_t arena;
} cli_md_t;
/* false (nothing to free) when no answer came within timeout_ms; else cli_md_free(out). */
bool cli_metadata_from(const char *host, int port, int n, const char *const *topics, int timeout_ms,
                       cli_md_t *out);
void cli_md_free(cli_md_t *m);

/* One flexible-version request (header v2) of api_key/ver with body req to the first
 * host:port of bootstrap; the answer's body after the response header in *body (caller
 * frees), its length in *len. false when no answer came within timeout_ms. */
bool cli_request(const char *bootstrap, int16_t api_key, int16_t ver, const wbuf_t *req,
                 int timeout_ms, uint8_t **body, size_t *len);

/* Topic ids (KIP-516) from the first of md's brokers that answers within timeout_ms. ids[i]
 * gets topics[i]'s id, all zero when the answer lacks it. false when no broker answered. */
bool cli_topic_ids(const rd_kafka_metadata_t *md, int n, const char *const *topics,
                   uint8_t (*ids)[16], int timeout_ms);

#endif
