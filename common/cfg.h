/* cfg.h: broker configuration with Kafka's key names and defaults (DESIGN.md section 10).
 *
 * Values come, in increasing precedence, from the built-in defaults, the properties file,
 * KAFKA_* environment variables (Confluent image convention) and --override arguments. Every
 * known key has a type and a validity rule in a table (cfg.c, checked by cval.h); an invalid value
 * is an error naming the key and the value; an unknown key is a warning (kept, readable as a
 * string). Owner: the caller owns the cfg_t (cfg_free). Strings returned are owned by the cfg.
 * Thread: build on one thread; after cfg_finish() it is read-only and any thread may read. */
#ifndef CFG_H
#define CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cval.h"
#include "kerr.h"

typedef struct cfg cfg_t;

/* cfg_type_t (Kafka's ConfigDef types) comes with the shared validator, cval.h. */

cfg_t *cfg_new(void);
void cfg_free(cfg_t *c);
/* Load a Java properties file. Errors name the file and line. */
kerr_t cfg_load_file(cfg_t *c, const char *path, char *err, size_t n);
/* Set one key (validated when known). source is shown in messages ("--override"...). */
kerr_t cfg_set(cfg_t *c, const char *key, const char *value, const char *source, char *err,
               size_t n);
/* Apply KAFKA_* variables: KAFKA_LOG_DIRS -> log.dirs ('_' -> '.', '__' -> '_',
 * '___' -> '-'); variables that name no known key (KAFKA_HEAP_OPTS...) are ignored. */
kerr_t cfg_apply_env(cfg_t *c, char **envp, char *err, size_t n);
/* Cross-key checks once everything is set (zookeeper.connect present, broker.id >= 0,
 * listeners well-formed). */
kerr_t cfg_finish(cfg_t *c, char *err, size_t n);

/* Getters: the effective value (set or default). Unknown keys: "" / 0 / false. */
const char *cfg_str(const cfg_t *c, const char *key);
/* replica.selector.class (KIP-392), validated by cfg_finish: unset or LeaderSelector, or
 * RackAwareReplicaSelector. */
typedef enum cfg_selector { CFG_SELECTOR_LEADER, CFG_SELECTOR_RACK_AWARE } cfg_selector_t;
cfg_selector_t cfg_replica_selector(const cfg_t *c);
int64_t cfg_int(const cfg_t *c, const char *key);
bool cfg_bool(const cfg_t *c, const char *key);
double cfg_double(const cfg_t *c, const char *key);
/* True when the key was not set anywhere (its value is the default). */
bool cfg_is_default(const cfg_t *c, const char *key);

/* Derived values, with Kafka's precedence: log.retention.ms > .minutes > .hours (-1 =
 * forever), log.roll.ms > log.roll.hours, log.dirs > log.dir. */
int64_t cfg_retention_ms(const cfg_t *c);
int64_t cfg_roll_ms(const cfg_t *c);
const char *cfg_log_dirs(const cfg_t *c);

typedef struct cfg_listener {
    char name[64];
    char host[256]; /* "" = all interfaces */
    int port;
} cfg_listener_t;
/* Parse a listener list ("PLAINTEXT://host:9092,INTERNAL://:9093") from key. Returns the
 * count, or -1 with err set. */
int cfg_listeners(const cfg_t *c, const char *key, cfg_listener_t *out, int max, char *err,
                  size_t n);

/* The inter-broker listener's name (upper case): inter.broker.listener.name, else the
 * listener named after security.inter.broker.protocol (when that is left at its default and
 * no such listener exists, the first listener). Validated by cfg_finish. */
const char *cfg_inter_broker_listener(const cfg_t *c, char *buf, size_t n);

/* Iterate every known key (table order): for (int i = 0; cfg_entry(c, i, ...); i++). */
bool cfg_entry(const cfg_t *c, int i, const char **key, const char **value, cfg_type_t *type,
               bool *is_default);

/* Kafka's metadata versions as message.format.version / log.message.format.version take
 * them (Kafka 3 accepts and ignores them for v2 batches). */
#define KAFKA_FORMAT_VERSIONS                                                                      \
    "0.8.0|0.8.1|0.8.2|0.9.0|0.10.0|0.10.0-IV0|0.10.0-IV1|0.10.1|0.10.1-IV0|0.10.1-IV1|0.10.1-"    \
    "IV2|0.10.2|0.10.2-IV0|0.11.0|0.11.0-IV0|0.11.0-IV1|0.11.0-IV2|1.0|1.0-IV0|1.1|1.1-IV0|2.0|2." \
    "0-IV0|2.0-IV1|2.1|2.1-IV0|2.1-IV1|2.1-IV2|2.2|2.2-IV0|2.2-IV1|2.3|2.3-IV0|2.3-IV1|2.4|2.4-"   \
    "IV0|2.4-IV1|2.5|2.5-IV0|2.6|2.6-IV0|2.7|2.7-IV0|2.7-IV1|2.7-IV2|2.8|2.8-IV0|2.8-IV1|3.0|3.0-" \
    "IV0|3.0-IV1|3.1|3.1-IV0|3.2|3.2-IV0|3.3|3.3-IV0|3.3-IV1|3.3-IV2|3.3-IV3|3.4|3.4-IV0|3.5|3.5-" \
    "IV0|3.5-IV1|3.5-IV2|3.6|3.6-IV0|3.6-IV1|3.6-IV2|3.7|3.7-IV0|3.7-IV1|3.7-IV2|3.7-IV3|3.7-IV4"

#endif
