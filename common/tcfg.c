/* tcfg.c: the topic config table and its defaults. */
#include "tcfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tcfg_def {
    const char *key;
    cfg_type_t type;
    const char *broker_key; /* NULL: fixed default below */
    const char *dflt;       /* used when broker_key is NULL */
    int64_t min, max;       /* numeric range (CVAL_NOMAX: none) */
    const char *one_of;     /* allowed words (cval.h) */
} tcfg_def_t;

static const tcfg_def_t tcfg_defs[] = {
    {"cleanup.policy", CFG_LIST, "log.cleanup.policy", NULL, 0, CVAL_NOMAX, "delete|compact"},
    {"compression.type", CFG_STRING, "compression.type", NULL, 0, CVAL_NOMAX,
     "uncompressed|zstd|lz4|snappy|gzip|producer"},
    {"delete.retention.ms", CFG_LONG, "log.cleaner.delete.retention.ms", NULL, 0, CVAL_NOMAX, NULL},
    {"file.delete.delay.ms", CFG_LONG, "log.segment.delete.delay.ms", NULL, 0, CVAL_NOMAX, NULL},
    {"follower.replication.throttled.replicas", CFG_LIST, NULL, "", 0, CVAL_NOMAX, NULL},
    {"flush.messages", CFG_LONG, "log.flush.interval.messages", NULL, 1, CVAL_NOMAX, NULL},
    {"flush.ms", CFG_LONG, NULL, "9223372036854775807", 0, CVAL_NOMAX, NULL},
    {"index.interval.bytes", CFG_INT, "log.index.interval.bytes", NULL, 0, CVAL_NOMAX, NULL},
    {"leader.replication.throttled.replicas", CFG_LIST, NULL, "", 0, CVAL_NOMAX, NULL},
    {"max.compaction.lag.ms", CFG_LONG, "log.cleaner.max.compaction.lag.ms", NULL, 1, CVAL_NOMAX,
     NULL},
    {"max.message.bytes", CFG_INT, "message.max.bytes", NULL, 0, CVAL_NOMAX, NULL},
    {"message.downconversion.enable", CFG_BOOLEAN, NULL, "true", 0, CVAL_NOMAX, NULL},
    /* deprecated in Kafka 3 and ignored for v2 batches, but still accepted and described */
    {"message.format.version", CFG_STRING, "log.message.format.version", NULL, 0, CVAL_NOMAX,
     KAFKA_FORMAT_VERSIONS},
    {"message.timestamp.difference.max.ms", CFG_LONG, NULL, "9223372036854775807", 0, CVAL_NOMAX,
     NULL},
    {"message.timestamp.type", CFG_STRING, "log.message.timestamp.type", NULL, 0, CVAL_NOMAX,
     "CreateTime|LogAppendTime"},
    {"min.cleanable.dirty.ratio", CFG_DOUBLE, "log.cleaner.min.cleanable.ratio", NULL, 0, 1, NULL},
    {"min.compaction.lag.ms", CFG_LONG, "log.cleaner.min.compaction.lag.ms", NULL, 0, CVAL_NOMAX,
     NULL},
    {"min.insync.replicas", CFG_INT, "min.insync.replicas", NULL, 1, CVAL_NOMAX, NULL},
    {"preallocate", CFG_BOOLEAN, "log.preallocate", NULL, 0, CVAL_NOMAX, NULL},
    {"retention.bytes", CFG_LONG, "log.retention.bytes", NULL, CVAL_NOMIN, CVAL_NOMAX, NULL},
    {"retention.ms", CFG_LONG, "log.retention.ms", NULL, -1, CVAL_NOMAX, NULL},
    {"segment.bytes", CFG_INT, "log.segment.bytes", NULL, 14, CVAL_NOMAX, NULL},
    {"segment.index.bytes", CFG_INT, "log.index.size.max.bytes", NULL, 4, CVAL_NOMAX, NULL},
    {"segment.jitter.ms", CFG_LONG, NULL, "0", 0, CVAL_NOMAX, NULL},
    {"segment.ms", CFG_LONG, "log.roll.ms", NULL, 1, CVAL_NOMAX, NULL},
    {"unclean.leader.election.enable", CFG_BOOLEAN, "unclean.leader.election.enable", NULL, 0,
     CVAL_NOMAX, NULL},
};

#define TCFG_N ((int)(sizeof(tcfg_defs) / sizeof(tcfg_defs[0])))

static const tcfg_def_t *tcfg_find(const char *key)
{
    for (int i = 0; i < TCFG_N; i++)
        if (strcmp(tcfg_defs[i].key, key) == 0) return &tcfg_defs[i];
    return NULL;
}

/* Parse "p:b" at s (up to a comma or the end); false when it is not that. */
static bool tcfg_replica_entry(const char *s, size_t n, long *p, long *b)
{
    char buf[64];
    if (n == 0 || n >= sizeof(buf)) return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *colon = strchr(buf, ':'), *end;
    if (!colon) return false;
    *colon = '\0';
    *p = strtol(buf, &end, 10);
    if (end == buf || *end || *p < 0) return false;
    *b = strtol(colon + 1, &end, 10);
    return end != colon + 1 && !*end && *b >= 0;
}

bool tcfg_replicas_listed(const char *list, int32_t p, int32_t b)
{
    if (!list || !*list) return false;
    if (strcmp(list, "*") == 0) return true;
    for (const char *s = list; *s;) {
        size_t n = strcspn(s, ",");
        long ep, eb;
        if (tcfg_replica_entry(s, n, &ep, &eb) && ep == p && eb == b) return true;
        s += n;
        if (*s) s++;
    }
    return false;
}

bool tcfg_replicas_valid(const char *list)
{
    if (!*list || strcmp(list, "*") == 0) return true;
    for (const char *s = list; *s;) {
        size_t n = strcspn(s, ",");
        long p, b;
        while (n && *s == ' ') s++, n--;
        if (!tcfg_replica_entry(s, n, &p, &b)) return false;
        s += n;
        if (*s) s++;
    }
    return true;
}

kerr_t tcfg_validate(const char *key, const char *value, char *why, size_t n)
{
    const tcfg_def_t *d = tcfg_find(key);
    if (!d) {
        snprintf(why, n, "Unknown topic config name: %s", key);
        return KERR_INVALID_CONFIG;
    }
    if (!value) return KERR_NONE;
    if (strstr(key, ".replication.throttled.replicas") && !tcfg_replicas_valid(value)) {
        snprintf(why, n,
                 "Invalid value %s for configuration %s: must be the literal '*' or a list of "
                 "replicas in the following format: [partitionId]:[brokerId],[partitionId]:"
                 "[brokerId],...",
                 value, key);
        return KERR_INVALID_CONFIG;
    }
    cval_spec_t spec = {key, d->type, d->min, d->max, d->one_of};
    return cval_check(&spec, value, why, n) == KERR_NONE ? KERR_NONE : KERR_INVALID_CONFIG;
}

const char *tcfg_default_str(const cfg_t *broker, const char *key, char *buf, size_t n)
{
    const tcfg_def_t *d = tcfg_find(key);
    if (!d) return NULL;
    if (!d->broker_key) return d->dflt;
    if (strcmp(d->broker_key, "log.retention.ms") == 0) {
        snprintf(buf, n, "%lld", (long long)cfg_retention_ms(broker));
        return buf;
    }
    if (strcmp(d->broker_key, "log.roll.ms") == 0) {
        snprintf(buf, n, "%lld", (long long)cfg_roll_ms(broker));
        return buf;
    }
    snprintf(buf, n, "%s", cfg_str(broker, d->broker_key));
    return buf;
}

int64_t tcfg_default_int(const cfg_t *broker, const char *key)
{
    char buf[64];
    const char *v = tcfg_default_str(broker, key, buf, sizeof(buf));
    return v ? strtoll(v, NULL, 10) : 0;
}

bool tcfg_entry(int i, const char **key, cfg_type_t *type, const char **broker_key)
{
    if (i < 0 || i >= TCFG_N) return false;
    *key = tcfg_defs[i].key;
    *type = tcfg_defs[i].type;
    *broker_key = tcfg_defs[i].broker_key;
    return true;
}

bool tcfg_is_list(const char *key)
{
    const tcfg_def_t *d = tcfg_find(key);
    return d && d->type == CFG_LIST;
}
