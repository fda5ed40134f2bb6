/* quota.h: client quotas as Kafka's ClientQuotaManager enforces them (ZooKeeper mode): one
 * manager for three quota types, produce bytes (producer_byte_rate), fetch bytes
 * (consumer_byte_rate) and request handling time (request_percentage).
 *
 * Configs come from the ZooKeeper entities /config/users/<u>[/clients/<c>] and
 * /config/clients/<c> (with <default> names), delivered by the coordinator thread. For each
 * type, a connection's quota is the first of Kafka's eight levels that sets it:
 * users/<u>/clients/<c>, users/<u>/clients/<default>, users/<u>, users/<default>/clients/<c>,
 * users/<default>/clients/<default>, users/<default>, clients/<c>, clients/<default>; the
 * level also decides who shares the measured rate (Kafka's metric tags: the user, the
 * client-id or both). There is no SASL yet: every connection's principal is User:ANONYMOUS,
 * so user-level quotas apply to the user ANONYMOUS (or <default>).
 *
 * Rate: Kafka's Rate over quota.window.num samples of quota.window.size.seconds (a new or
 * idle sensor counts as if samples-1 whole windows had passed, so a client may start with a
 * burst of that many windows' worth). A value that takes the rate over the quota O > T gives
 * the throttle time (O - T) / T * W, W the window the rate was measured over (Kafka's
 * formula); request-time throttles are capped at one window, as Kafka's.
 *
 * Owner: the server (quota_free). Reactor thread only. */
#ifndef QUOTA_H
#define QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qcfg.h"

typedef enum quota_type {
    QUOTA_PRODUCE,
    QUOTA_FETCH,
    QUOTA_REQUEST,
    QUOTA_NTYPES,
} quota_type_t;

/* Without SASL every connection is User:ANONYMOUS (the user name quotas match). */
#define QUOTA_ANONYMOUS "ANONYMOUS"

typedef struct quota_mgr quota_mgr_t;

quota_mgr_t *quota_new(int samples, int window_s);
void quota_free(quota_mgr_t *q);

/* Replace the configs of the entity at entity_path ("clients/<c>", "users/<u>",
 * "users/<u>/clients/<c>", sanitized as in ZooKeeper). Unknown keys and bad values are
 * logged and ignored. */
void quota_set_entity(quota_mgr_t *q, const char *entity_path, int n, const char *const *keys,
                      const char *const *vals);
/* Iterate the entities with at least one quota: for (size_t it = 0; quota_next(q, &it, &path,
 * vals, has);). vals/has are indexed by qcfg_key_t. */
bool quota_next(const quota_mgr_t *q, size_t *it, const char **path, double vals[QCFG_NKEYS],
                bool has[QCFG_NKEYS]);

/* Whether some entity sets a quota of this type (nothing is recorded otherwise). */
bool quota_enabled(const quota_mgr_t *q, quota_type_t t);
/* Record value (bytes, or percent-seconds of one thread for QUOTA_REQUEST) for user/client at
 * now_ms; returns the throttle time in ms, 0 when within quota or when no quota applies. */
int64_t quota_record(quota_mgr_t *q, quota_type_t t, const char *user, const char *client,
                     double value, int64_t now_ms);
/* Take back a recorded value (a throttled fetch answers empty, as Kafka's does). */
void quota_unrecord(quota_mgr_t *q, quota_type_t t, const char *user, const char *client,
                    double value, int64_t now_ms);
/* The most one request may record without being throttled for certain (Kafka's
 * getMaxValueInQuotaWindow: quota x (samples - 1) x window); -1 when no quota applies. */
double quota_max_in_window(quota_mgr_t *q, quota_type_t t, const char *user, const char *client);

/* Throttle time handed out per type since start (ms), for metrics. */
int64_t quota_throttle_total(const quota_mgr_t *q, quota_type_t t);

#endif
