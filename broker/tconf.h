/* tconf.h: per-topic config overrides as read from /config/topics/<topic>, and the effective
 * values the broker uses (override, else the broker-wide default from server.properties).
 * Owner: the server creates and frees it; the replica manager and handlers borrow it.
 * Reactor thread only. */
#ifndef TCONF_H
#define TCONF_H

#include <stdint.h>

typedef struct tconf tconf_t;
typedef struct cfg cfg_t;
typedef struct plog_cfg plog_cfg_t;

/* broker: the server's config, for the defaults (borrowed: must outlive the tconf; NULL =
 * Kafka's defaults). */
tconf_t *tconf_new(const cfg_t *broker);
void tconf_free(tconf_t *tc);
/* Replace the overrides of topic (copied). */
void tconf_set(tconf_t *tc, const char *topic, int n, const char *const *keys,
               const char *const *vals);
void tconf_remove(tconf_t *tc, const char *topic);
/* The override value of a topic config key, or NULL. */
const char *tconf_override(tconf_t *tc, const char *topic, const char *key);
/* Overrides of a topic, for DescribeConfigs. Returns the count; keys and vals are borrowed. */
int tconf_overrides(tconf_t *tc, const char *topic, const char *const **keys,
                    const char *const **vals);
/* Effective integer value: the override if set and numeric, else the broker default. */
int64_t tconf_int(tconf_t *tc, const char *topic, const char *key);
/* Log settings for a topic's partitions. */
void tconf_plog_cfg(tconf_t *tc, const char *topic, plog_cfg_t *out);

#endif
