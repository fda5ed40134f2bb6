/* tconf.h: per-topic config overrides as read from /config/topics/<topic>, and the effective
 * values the broker uses (override, else the broker-wide default from server.properties).
 * Owner: the server (srv->tconf). Reactor thread only. */
#ifndef TCONF_H
#define TCONF_H

#include <stdint.h>

typedef struct server server_t;
typedef struct plog_cfg plog_cfg_t;

void tconf_init(server_t *srv);
void tconf_free(server_t *srv);
/* Replace the overrides of topic (copied). */
void tconf_set(server_t *srv, const char *topic, int n, const char *const *keys,
               const char *const *vals);
void tconf_remove(server_t *srv, const char *topic);
/* The override value of a topic config key, or NULL. */
const char *tconf_override(server_t *srv, const char *topic, const char *key);
/* Overrides of a topic, for DescribeConfigs. Returns the count; keys and vals are borrowed. */
int tconf_overrides(server_t *srv, const char *topic, const char *const **keys,
                    const char *const **vals);
/* Effective integer value: the override if set and numeric, else the broker default. */
int64_t tconf_int(server_t *srv, const char *topic, const char *key);
/* Log settings for a topic's partitions. */
void tconf_plog_cfg(server_t *srv, const char *topic, plog_cfg_t *out);

#endif
