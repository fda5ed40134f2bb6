/* metrics.c: the broker's counters (see metrics.h). */
#include "metrics.h"

#include <stdlib.h>

#include "dict.h"
#include "kerr.h"

metrics_t *metrics_new(bool on)
{
    metrics_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->on = on;
    m->topics = dict_new();
    if (!m->topics) abort();
    return m;
}

void metrics_free(metrics_t *m)
{
    if (!m) return;
    dict_free(m->topics, free);
    free(m);
}

metrics_topic_t *metrics_topic(metrics_t *m, const char *topic)
{
    metrics_topic_t *t = dict_get(m->topics, topic);
    if (t) return t;
    t = calloc(1, sizeof(*t));
    if (!t) abort();
    dict_set(m->topics, topic, t);
    return t;
}

void metrics_produced(metrics_t *m, const char *topic, int32_t records, size_t bytes)
{
    if (!m || !m->on) return;
    metrics_topic_t *t = metrics_topic(m, topic);
    t->messages_in += (uint64_t)records;
    t->bytes_in += bytes;
    m->all.messages_in += (uint64_t)records;
    m->all.bytes_in += bytes;
}

/* Errors that say the client asked the wrong broker: not failures of this one. */
static bool metrics_routing_err(int16_t err)
{
    return err == KERR_NOT_LEADER_OR_FOLLOWER || err == KERR_UNKNOWN_TOPIC_OR_PARTITION;
}

void metrics_produce_part(metrics_t *m, const char *topic, int16_t err)
{
    if (!m || !m->on) return;
    bool known = err != KERR_UNKNOWN_TOPIC_OR_PARTITION; /* no series for made-up topics */
    metrics_topic_t *t = known ? metrics_topic(m, topic) : NULL;
    m->all.produce_requests++;
    if (t) t->produce_requests++;
    if (err && !metrics_routing_err(err)) {
        m->all.failed_produce++;
        if (t) t->failed_produce++;
    }
}

void metrics_fetch_part(metrics_t *m, const char *topic, int16_t err, size_t bytes)
{
    if (!m || !m->on) return;
    bool known = err != KERR_UNKNOWN_TOPIC_OR_PARTITION;
    metrics_topic_t *t = known ? metrics_topic(m, topic) : NULL;
    m->all.fetch_requests++;
    m->all.bytes_out += bytes;
    if (t) {
        t->fetch_requests++;
        t->bytes_out += bytes;
    }
    if (err && !metrics_routing_err(err)) {
        m->all.failed_fetch++;
        if (t) t->failed_fetch++;
    }
}
