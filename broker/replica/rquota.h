/* rquota.h: a byte-rate quota as Kafka's replication quotas measure it (KIP-73,
 * ReplicationQuotaManager): the rate over replication.quota.window.num (11) samples of
 * replication.quota.window.size.seconds (1 s), counting at least the span of all samples but
 * one (Kafka's Rate), so a fresh meter lets a burst of about ten seconds' worth through before
 * it settles at the rate. Which replicas are throttled is the topic's business (tcfg.h).
 * Plain data, one owner thread (the reactor). */
#ifndef RQUOTA_H
#define RQUOTA_H

#include <stdbool.h>
#include <stdint.h>

#define RQUOTA_SAMPLES   11
#define RQUOTA_WINDOW_MS 1000

typedef struct rquota {
    int64_t rate; /* bytes per second; < 0 = no quota */
    int64_t start_ms[RQUOTA_SAMPLES];
    int64_t bytes[RQUOTA_SAMPLES];
    int cur;
} rquota_t;

void rquota_init(rquota_t *q, int64_t rate);
void rquota_record(rquota_t *q, int64_t bytes, int64_t now_ms);
/* The measured rate, bytes per second. */
double rquota_measure(rquota_t *q, int64_t now_ms);
bool rquota_exceeded(rquota_t *q, int64_t now_ms);

#endif
