/* rquota.c: replication byte-rate quotas (see rquota.h). */
#include "rquota.h"

#include <stdlib.h>
#include <string.h>

void rquota_init(rquota_t *q, int64_t rate)
{
    memset(q, 0, sizeof(*q));
    q->rate = rate;
    for (int i = 0; i < RQUOTA_SAMPLES; i++) q->start_ms[i] = -1;
}

/* The current sample, started anew when its window is over. */
static void rquota_roll(rquota_t *q, int64_t now_ms)
{
    if (q->start_ms[q->cur] >= 0 && now_ms - q->start_ms[q->cur] < RQUOTA_WINDOW_MS) return;
    if (q->start_ms[q->cur] >= 0) q->cur = (q->cur + 1) % RQUOTA_SAMPLES;
    q->start_ms[q->cur] = now_ms;
    q->bytes[q->cur] = 0;
}

void rquota_record(rquota_t *q, int64_t bytes, int64_t now_ms)
{
    rquota_roll(q, now_ms);
    q->bytes[q->cur] += bytes;
}

double rquota_measure(rquota_t *q, int64_t now_ms)
{
    rquota_roll(q, now_ms);
    int64_t total = 0, oldest = now_ms;
    for (int i = 0; i < RQUOTA_SAMPLES; i++) {
        if (q->start_ms[i] < 0) continue;
        if (now_ms - q->start_ms[i] >= (int64_t)RQUOTA_SAMPLES * RQUOTA_WINDOW_MS) {
            q->start_ms[i] = -1; /* obsolete */
            continue;
        }
        total += q->bytes[i];
        if (q->start_ms[i] < oldest) oldest = q->start_ms[i];
    }
    int64_t elapsed = now_ms - oldest;
    int64_t full = elapsed / RQUOTA_WINDOW_MS, min_full = RQUOTA_SAMPLES - 1;
    if (full < min_full) elapsed += (min_full - full) * RQUOTA_WINDOW_MS;
    return elapsed > 0 ? (double)total * 1000.0 / (double)elapsed : 0;
}

bool rquota_exceeded(rquota_t *q, int64_t now_ms)
{
    return q->rate >= 0 && rquota_measure(q, now_ms) > (double)q->rate;
}
