/* metrics.h: the broker's counters, as Kafka's MBeans count them (BrokerTopicMetrics,
 * RequestMetrics, ReplicaManager's ISR meters, LogFlushStats).
 *
 * Plain data bumped on the reactor thread, which owns it: no locks and no atomics, an
 * increment is a load and a store (DESIGN.md section 3). Counting is off unless the broker has
 * an HTTP listener (metrics->on), so a broker nobody scrapes pays one predictable branch per
 * event. Gauges (partition counts, ISR state, lag...) are not kept here: the scrape computes
 * them from the state itself (broker/bhttp.c).
 *
 * Owner: the server (metrics_new/metrics_free). Topic entries live until metrics_free, so a
 * metrics_topic_t pointer stays valid. Reactor thread only. */
#ifndef METRICS_H
#define METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "prom.h"
#include "proto/kp.h"

#define METRICS_MAX_VERSION 16 /* request versions counted apart (higher ones share the last) */

/* BrokerTopicMetrics, for one topic or for all of them. */
typedef struct metrics_topic {
    uint64_t messages_in, bytes_in, bytes_out;
    uint64_t produce_requests, fetch_requests; /* per partition, as Kafka's Total*RequestsPerSec */
    uint64_t failed_produce, failed_fetch;
} metrics_topic_t;

typedef struct metrics {
    bool on;
    metrics_topic_t all;
    struct dict *topics; /* name -> metrics_topic_t* */
    uint64_t requests[KAPI__MAX][METRICS_MAX_VERSION];
    prom_hist_t request_ms[KAPI__MAX]; /* from frame read to response queued */
    uint64_t isr_shrinks, isr_expands;
} metrics_t;

metrics_t *metrics_new(bool on);
void metrics_free(metrics_t *m);
/* The entry for topic, created on first use. */
metrics_topic_t *metrics_topic(metrics_t *m, const char *topic);

/* A leader appended a client's batch of `records` records, `bytes` long. */
void metrics_produced(metrics_t *m, const char *topic, int32_t records, size_t bytes);
/* One partition of a Produce (err = its answer). Routing errors (not leader, unknown topic)
 * count as requests but not as failures, as Kafka's. */
void metrics_produce_part(metrics_t *m, const char *topic, int16_t err);
/* One partition of a consumer Fetch: its answer and the record bytes returned. */
void metrics_fetch_part(metrics_t *m, const char *topic, int16_t err, size_t bytes);

static inline void metrics_request(metrics_t *m, int16_t key, int16_t ver, int64_t elapsed_us)
{
    if (!m || !m->on || key < 0 || key >= KAPI__MAX) return;
    m->requests[key][ver < 0 ? 0 : ver >= METRICS_MAX_VERSION ? METRICS_MAX_VERSION - 1 : ver]++;
    prom_hist_observe(&m->request_ms[key], (double)elapsed_us / 1000.0);
}

#endif
