/* wcfg.c: properties files, the worker's keys and defaults (Kafka's WorkerConfig,
 * StandaloneConfig, DistributedConfig), the connector-level keys (ConnectorConfig) and the
 * librdkafka configs built from them (worker.h). */
#include "worker.h"

#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

/* Java properties: key=value, key:value or key value; # and ! comments; a trailing backslash
 * continues a line; \t \n \\ escapes. Enough for Kafka's files. */
static void unescape_into(json_t *obj, const char *line)
{
    char key[1024], val[8192];
    size_t k = 0, v = 0;
    const char *p = line;
    while (*p && *p != '=' && *p != ':' && !isspace((unsigned char)*p) && k + 1 < sizeof key) {
        if (*p == '\\' && p[1]) p++;
        key[k++] = *p++;
    }
    key[k] = '\0';
    while (isspace((unsigned char)*p)) p++;
    if (*p == '=' || *p == ':') p++;
    while (isspace((unsigned char)*p)) p++;
    for (; *p && v + 1 < sizeof val; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            val[v++] = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p;
        } else
            val[v++] = *p;
    }
    while (v && isspace((unsigned char)val[v - 1])) v--;
    val[v] = '\0';
    if (k) json_object_set_new(obj, key, json_string(val));
}

json_t *kc_props_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    json_t *obj = json_object();
    char *line = NULL, *acc = NULL;
    size_t cap = 0, acclen = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        char *s = line;
        while (isspace((unsigned char)*s)) s++;
        if (!acc && (*s == '#' || *s == '!' || !*s)) continue;
        size_t len = strlen(s);
        bool cont = len && s[len - 1] == '\\';
        if (cont) s[--len] = '\0';
        acc = realloc(acc, acclen + len + 1);
        memcpy(acc + acclen, s, len + 1);
        acclen += len;
        if (cont) continue;
        unescape_into(obj, acc);
        free(acc);
        acc = NULL;
        acclen = 0;
    }
    if (acc) unescape_into(obj, acc);
    free(acc);
    free(line);
    fclose(f);
    return obj;
}

json_t *kc_props_prefixed(const json_t *props, const char *prefix)
{
    json_t *out = json_object();
    size_t plen = strlen(prefix);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)props, k, v) if (strncmp(k, prefix, plen) == 0 && k[plen])
        json_object_set(out, k + plen, v);
    return out;
}

/* Worker keys with Kafka's defaults (NULL default = required in that mode). */
typedef struct wkey {
    const char *name, *def;
    int mode; /* 0 both, 1 standalone, 2 distributed */
    bool required, is_int;
} wkey_t;

static const wkey_t wkeys[] = {
    {"bootstrap.servers", "localhost:9092", 0, false, false},
    {"key.converter", NULL, 0, true, false},
    {"value.converter", NULL, 0, true, false},
    {"header.converter", "org.apache.kafka.connect.storage.SimpleHeaderConverter", 0, false, false},
    {"offset.storage.file.filename", NULL, 1, true, false},
    {"offset.flush.interval.ms", "60000", 0, false, true},
    {"offset.flush.timeout.ms", "5000", 0, false, true},
    {"listeners", "http://:8083", 0, false, false},
    {"rest.advertised.host.name", "", 0, false, false},
    {"rest.advertised.port", "", 0, false, false},
    {"rest.advertised.listener", "", 0, false, false},
    {"plugin.path", "", 0, false, false},
    {"task.shutdown.graceful.timeout.ms", "5000", 0, false, true},
    {"group.id", NULL, 2, true, false},
    {"config.storage.topic", NULL, 2, true, false},
    {"offset.storage.topic", NULL, 2, true, false},
    {"status.storage.topic", NULL, 2, true, false},
    {"config.storage.replication.factor", "3", 2, false, true},
    {"offset.storage.replication.factor", "3", 2, false, true},
    {"status.storage.replication.factor", "3", 2, false, true},
    {"offset.storage.partitions", "25", 2, false, true},
    {"status.storage.partitions", "5", 2, false, true},
    {"session.timeout.ms", "10000", 2, false, true},
    {"heartbeat.interval.ms", "3000", 2, false, true},
    {"rebalance.timeout.ms", "60000", 2, false, true},
    {"worker.sync.timeout.ms", "3000", 2, false, true},
    {"scheduled.rebalance.max.delay.ms", "300000", 2, false, true},
    {"connect.protocol", "sessioned", 2, false, false},
    {"exactly.once.source.support", "disabled", 2, false, false}, /* KIP-618 */
};

/* exactly.once.source.support: one of Kafka's values, case-insensitive as its
 * CaseInsensitiveValidString. Standalone has no such key in Kafka (KIP-618 is distributed
 * only): there it is an unknown key, which Kafka's AbstractConfig warns about and ignores. */
static bool check_eos_key(json_t *w, bool distributed, char *err, size_t errlen)
{
    const char *k = "exactly.once.source.support";
    const char *v = json_string_value(json_object_get(w, k));
    if (!distributed) {
        if (v)
            log_warn("connect", "The configuration '%s' was supplied but isn't a known config.", k);
        return true;
    }
    static const char *const ok[] = {"disabled", "preparing", "enabled"};
    for (int i = 0; i < 3; i++)
        if (strcasecmp(v, ok[i]) == 0) {
            json_object_set_new(w, k, json_string(ok[i]));
            return true;
        }
    snprintf(err, errlen,
             "Invalid value %s for configuration %s: String must be one of (case insensitive): "
             "disabled, preparing, enabled",
             v, k);
    return false;
}

bool kc_wcfg_eos(const json_t *w)
{
    return strcmp(kc_wcfg_str(w, "exactly.once.source.support"), "enabled") == 0;
}

const char *kc_wcfg_str(const json_t *w, const char *key)
{
    const char *v = json_string_value(json_object_get(w, key));
    return v ? v : "";
}

int64_t kc_wcfg_int(const json_t *w, const char *key)
{
    return strtoll(kc_wcfg_str(w, key), NULL, 10);
}

bool kc_wcfg_finish(json_t *w, bool distributed, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof wkeys / sizeof wkeys[0]; i++) {
        const wkey_t *k = &wkeys[i];
        if (k->mode == (distributed ? 1 : 2)) continue;
        json_t *v = json_object_get(w, k->name);
        if (!v && k->required) {
            snprintf(err, errlen,
                     "Missing required configuration \"%s\" which has no default value.", k->name);
            return false;
        }
        if (!v) {
            json_object_set_new(w, k->name, json_string(k->def));
            continue;
        }
        const char *s = json_string_value(v);
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (k->is_int && (end == s || *end || errno || x < (distributed ? -1 : 0))) {
            snprintf(err, errlen,
                     "Invalid value %s for configuration %s: Not a number of type LONG", s,
                     k->name);
            return false;
        }
    }
    if (!check_eos_key(w, distributed, err, errlen)) return false;
    char host[256], why[512];
    int port;
    if (kc_first_listener(w, host, sizeof host, &port, why, sizeof why) != 0) {
        snprintf(err, errlen, "Invalid value %s for configuration listeners: %s",
                 kc_wcfg_str(w, "listeners"), why);
        return false;
    }
    return true;
}

int kc_first_listener(const json_t *w, char *host, size_t hostlen, int *port, char *err,
                      size_t errlen)
{
    char first[512];
    snprintf(first, sizeof first, "%s", kc_wcfg_str(w, "listeners"));
    char *comma = strchr(first, ',');
    if (comma) *comma = '\0';
    char *s = first;
    while (*s == ' ') s++;
    for (int i = 0; s[i] && s[i] != ':'; i++) s[i] = (char)tolower((unsigned char)s[i]);
    return http_parse_listener(s, host, hostlen, port, err, errlen);
}

int64_t kc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *kc_offset_key(const char *connector, const json_t *partition)
{
    json_t *k = json_pack("[sO]", connector, partition);
    char *text = json_dumps(k, JSON_COMPACT);
    json_decref(k);
    return text;
}

json_t *kc_offsets_filter(const json_t *map, const char *connector)
{
    json_t *out = json_array();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)map, k, v)
    {
        json_t *key = json_loads(k, 0, NULL);
        const char *name = json_string_value(json_array_get(key, 0));
        if (name && strcmp(name, connector) == 0 && json_is_object(v))
            json_array_append_new(
                out, json_pack("{sOsO}", "partition", json_array_get(key, 1), "offset", v));
        json_decref(key);
    }
    return out;
}

const char *kc_target_name(kc_target_t t)
{
    static const char *const n[] = {"STARTED", "PAUSED", "STOPPED"};
    return (unsigned)t < 3 ? n[t] : "STARTED";
}

/* Connector-level keys: ConnectorConfig (+ SinkConnectorConfig for sinks). */
const kc_cfg_def_t kc_common_defs[] = {
    {.name = "name",
     .type = KC_CFG_STRING,
     .required = true,
     .importance = KC_IMP_HIGH,
     .doc = "Globally unique name to use for this connector.",
     .group = "Common",
     .display_name = "Connector name",
     .validator = kc_valid_non_empty},
    {.name = "connector.class",
     .type = KC_CFG_STRING,
     .required = true,
     .importance = KC_IMP_HIGH,
     .group = "Common",
     .display_name = "Connector class",
     .doc = "Name or alias of the class for this connector. Must be a subclass of "
            "org.apache.kafka.connect.connector.Connector."},
    {.name = "tasks.max",
     .type = KC_CFG_INT,
     .default_value = "1",
     .importance = KC_IMP_HIGH,
     .doc = "Maximum number of tasks to use for this connector.",
     .group = "Common",
     .display_name = "Tasks max",
     .validator = kc_valid_at_least,
     .valid_arg = "1"},
    {.name = "key.converter",
     .type = KC_CFG_CLASS,
     .importance = KC_IMP_LOW,
     .group = "Common",
     .display_name = "Key converter class",
     .doc = "Converter class used to convert between Kafka Connect format and the serialized "
            "form that is written to Kafka."},
    {.name = "value.converter",
     .type = KC_CFG_CLASS,
     .importance = KC_IMP_LOW,
     .group = "Common",
     .display_name = "Value converter class",
     .doc = "Converter class used to convert between Kafka Connect format and the serialized "
            "form that is written to Kafka."},
    {.name = "header.converter",
     .type = KC_CFG_CLASS,
     .importance = KC_IMP_LOW,
     .group = "Common",
     .display_name = "Header converter class",
     .doc = "HeaderConverter class used to convert between Kafka Connect format and the "
            "serialized form that is written to Kafka."},
    {.name = "transforms",
     .type = KC_CFG_LIST,
     .default_value = "",
     .importance = KC_IMP_LOW,
     .group = "Transforms",
     .display_name = "Transforms",
     .doc = "Aliases for the transformations to be applied to records."},
    {.name = "predicates",
     .type = KC_CFG_LIST,
     .default_value = "",
     .importance = KC_IMP_LOW,
     .group = "Predicates",
     .display_name = "Predicates",
     .doc = "Aliases for the predicates used by transformations."},
    {.name = "errors.retry.timeout",
     .type = KC_CFG_LONG,
     .default_value = "0",
     .importance = KC_IMP_MEDIUM,
     .group = "Error Handling",
     .display_name = "Retry Timeout for Errors",
     .doc = "The maximum duration in milliseconds that a failed operation will be reattempted."},
    {.name = "errors.retry.delay.max.ms",
     .type = KC_CFG_LONG,
     .default_value = "60000",
     .importance = KC_IMP_MEDIUM,
     .group = "Error Handling",
     .display_name = "Maximum Delay Between Retries for Errors",
     .doc = "The maximum duration in milliseconds between consecutive retry attempts."},
    {.name = "errors.tolerance",
     .type = KC_CFG_STRING,
     .default_value = "none",
     .importance = KC_IMP_MEDIUM,
     .group = "Error Handling",
     .display_name = "Error Tolerance",
     .validator = kc_valid_in,
     .valid_arg = "none|all",
     .doc = "Behavior for tolerating errors during connector operation."},
    {.name = "errors.log.enable",
     .type = KC_CFG_BOOLEAN,
     .default_value = "false",
     .importance = KC_IMP_MEDIUM,
     .group = "Error Handling",
     .display_name = "Log Errors",
     .doc = "If true, write each error and the details of the failed operation and problematic "
            "record to the Connect application log."},
    {.name = "errors.log.include.messages",
     .type = KC_CFG_BOOLEAN,
     .default_value = "false",
     .importance = KC_IMP_MEDIUM,
     .group = "Error Handling",
     .display_name = "Log Error Details",
     .doc = "Whether to include in the log the Connect record that resulted in a failure."},
};
const size_t kc_ncommon_defs = sizeof kc_common_defs / sizeof kc_common_defs[0];

const kc_cfg_def_t kc_sink_defs[] = {
    {.name = "topics",
     .type = KC_CFG_LIST,
     .default_value = "",
     .importance = KC_IMP_HIGH,
     .group = "Common",
     .display_name = "Topics",
     .doc = "List of topics to consume, separated by commas"},
    {.name = "topics.regex",
     .type = KC_CFG_STRING,
     .default_value = "",
     .importance = KC_IMP_HIGH,
     .group = "Common",
     .display_name = "Topics regex",
     .doc = "Regular expression giving topics to consume."},
    {.name = "errors.deadletterqueue.topic.name",
     .type = KC_CFG_STRING,
     .default_value = "",
     .importance = KC_IMP_MEDIUM,
     .group = "Error Handling",
     .display_name = "Dead Letter Queue Topic Name",
     .doc = "The name of the topic to be used as the dead letter queue (DLQ) for messages that "
            "result in an error when processed by this sink connector, or its transformations "
            "or converters."},
    {.name = "errors.deadletterqueue.topic.replication.factor",
     .type = KC_CFG_SHORT,
     .default_value = "3",
     .importance = KC_IMP_MEDIUM,
     .group = "Error Handling",
     .display_name = "Dead Letter Queue Topic Replication Factor",
     .doc = "Replication factor used to create the dead letter queue topic when it doesn't "
            "already exist."},
    {.name = "errors.deadletterqueue.context.headers.enable",
     .type = KC_CFG_BOOLEAN,
     .default_value = "false",
     .importance = KC_IMP_MEDIUM,
     .group = "Error Handling",
     .display_name = "Enable Error Context Headers",
     .doc = "If true, add headers containing error context to the messages written to the "
            "dead letter queue."},
};
const size_t kc_nsink_defs = sizeof kc_sink_defs / sizeof kc_sink_defs[0];

/* SourceConnectorConfig's KIP-618 keys (its topic.creation.* keys are not built). */
const kc_cfg_def_t kc_source_defs[] = {
    {.name = "exactly.once.support",
     .type = KC_CFG_STRING,
     .default_value = "requested",
     .importance = KC_IMP_MEDIUM,
     .group = "Exactly Once Support",
     .display_name = "Exactly once support",
     .validator = kc_valid_in,
     .valid_arg = "requested|required",
     .doc = "Permitted values are requested, required. If set to \"required\", forces a "
            "preflight check for the connector to ensure that it can provide exactly-once "
            "semantics with the given configuration."},
    {.name = "transaction.boundary",
     .type = KC_CFG_STRING,
     .default_value = "poll",
     .importance = KC_IMP_MEDIUM,
     .group = "Exactly Once Support",
     .display_name = "Transaction Boundary",
     .validator = kc_valid_in,
     .valid_arg = "poll|interval|connector",
     .doc = "Permitted values are: poll, interval, connector. If set to 'poll', a new producer "
            "transaction will be started and committed for every batch of records that each "
            "task from this connector provides to Connect. If set to 'interval', commit "
            "transactions only after a user-defined time interval has passed."},
    {.name = "transaction.boundary.interval.ms",
     .type = KC_CFG_LONG,
     .importance = KC_IMP_LOW,
     .group = "Exactly Once Support",
     .display_name = "Transaction boundary interval",
     .validator = kc_valid_at_least,
     .valid_arg = "0",
     .doc = "If 'transaction.boundary' is set to 'interval', determines the interval for "
            "producer transaction commits by connector tasks. If unset, defaults to the value "
            "of the worker-level 'offset.flush.interval.ms' property."},
    {.name = "offsets.storage.topic",
     .type = KC_CFG_STRING,
     .importance = KC_IMP_LOW,
     .group = "offsets.topic",
     .validator = kc_valid_non_empty,
     .display_name = "Offsets topic",
     .doc = "The name of a separate offsets topic to use for this connector (not supported by "
            "this worker: leave unset to use the worker's offsets topic)."},
};
const size_t kc_nsource_defs = sizeof kc_source_defs / sizeof kc_source_defs[0];

/* Copy obj's string values into conf; unknown keys are an error naming the key. */
static bool conf_apply(rd_kafka_conf_t *conf, const json_t *obj, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        char e[256];
        const char *s = json_string_value(v);
        if (!s) continue;
        if (rd_kafka_conf_set(conf, k, s, e, sizeof e) != RD_KAFKA_CONF_OK) {
            snprintf(err, errlen, "Invalid client configuration %s=%s: %s", k, s, e);
            return false;
        }
    }
    return true;
}

rd_kafka_conf_t *kc_rdk_conf(const json_t *wcfg, const char *prefix, const json_t *cconfig,
                             char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char e[256];
    rd_kafka_conf_set(conf, "bootstrap.servers", kc_wcfg_str(wcfg, "bootstrap.servers"), e,
                      sizeof e);
    rd_kafka_conf_set(conf, "log.connection.close", "false", e, sizeof e);
    /* librdkafka's queues default to 64 MB (consumer) and 1 GB (producer): a worker runs one
     * client per task, so bound them (Java's buffer.memory is 32 MB); producer./consumer.
     * keys still override */
    if (strcmp(prefix, "consumer") == 0) {
        rd_kafka_conf_set(conf, "queued.max.messages.kbytes", "16384", e, sizeof e);
        rd_kafka_conf_set(conf, "queued.min.messages", "50000", e, sizeof e);
        rd_kafka_conf_set(conf, "fetch.max.bytes", "8388608", e, sizeof e);
    } else
        rd_kafka_conf_set(conf, "queue.buffering.max.kbytes", "8192", e, sizeof e);
    char p[64], o[80];
    snprintf(p, sizeof p, "%s.", prefix);
    snprintf(o, sizeof o, "%s.override.", prefix);
    json_t *wover = kc_props_prefixed(wcfg, p);
    json_t *cover = cconfig ? kc_props_prefixed(cconfig, o) : json_object();
    bool ok = conf_apply(conf, wover, err, errlen) && conf_apply(conf, cover, err, errlen);
    json_decref(wover);
    json_decref(cover);
    if (!ok) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}
