/* tconf.c: overrides in a dict (topic -> tconf_entry); broker defaults resolved through the
 * topic-config table in common/tcfg (each topic key names its broker-wide key). */
#include "tconf.h"

#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cval.h"
#include "dict.h"
#include "store/plog.h"
#include "tcfg.h"

typedef struct tconf_entry {
    int n;
    char **keys, **vals;
} tconf_entry_t;

static void tconf_entry_free(void *p)
{
    tconf_entry_t *e = p;
    if (!e) return;
    for (int i = 0; i < e->n; i++) {
        free(e->keys[i]);
        free(e->vals[i]);
    }
    free(e->keys);
    free(e->vals);
    free(e);
}

struct tconf {
    dict_t *topics;   /* topic -> tconf_entry_t* */
    const cfg_t *cfg; /* the broker defaults; borrowed */
};

tconf_t *tconf_new(const cfg_t *broker)
{
    tconf_t *tc = calloc(1, sizeof(*tc));
    if (!tc) abort();
    tc->topics = dict_new();
    tc->cfg = broker;
    return tc;
}

void tconf_free(tconf_t *tc)
{
    if (!tc) return;
    dict_free(tc->topics, tconf_entry_free);
    free(tc);
}

void tconf_set(tconf_t *tc, const char *topic, int n, const char *const *keys,
               const char *const *vals)
{
    tconf_entry_t *e = calloc(1, sizeof(*e));
    if (!e) abort();
    e->n = n;
    e->keys = calloc((size_t)n + 1, sizeof(char *));
    e->vals = calloc((size_t)n + 1, sizeof(char *));
    if (!e->keys || !e->vals) abort();
    for (int i = 0; i < n; i++) {
        e->keys[i] = strdup(keys[i]);
        e->vals[i] = strdup(vals[i] ? vals[i] : "");
        if (!e->keys[i] || !e->vals[i]) abort();
    }
    tconf_entry_free(dict_set(tc->topics, topic, e));
}

void tconf_remove(tconf_t *tc, const char *topic)
{
    tconf_entry_free(dict_del(tc->topics, topic));
}

const char *tconf_override(tconf_t *tc, const char *topic, const char *key)
{
    tconf_entry_t *e = dict_get(tc->topics, topic);
    if (!e) return NULL;
    for (int i = 0; i < e->n; i++)
        if (strcmp(e->keys[i], key) == 0) return e->vals[i];
    return NULL;
}

int tconf_overrides(tconf_t *tc, const char *topic, const char *const **keys,
                    const char *const **vals)
{
    tconf_entry_t *e = dict_get(tc->topics, topic);
    if (!e) return 0;
    *keys = (const char *const *)e->keys;
    *vals = (const char *const *)e->vals;
    return e->n;
}

int64_t tconf_int(tconf_t *tc, const char *topic, const char *key)
{
    const char *ov = tconf_override(tc, topic, key);
    int64_t v;
    if (ov && cval_parse_long(ov, &v)) return v; /* validated as cval_check reads numbers */
    return tcfg_default_int(tc->cfg, key);
}

void tconf_plog_cfg(tconf_t *tc, const char *topic, plog_cfg_t *out)
{
    plog_cfg_defaults(out);
    out->segment_bytes = tconf_int(tc, topic, "segment.bytes");
    out->segment_ms = tconf_int(tc, topic, "segment.ms");
    out->retention_ms = tconf_int(tc, topic, "retention.ms");
    out->retention_bytes = tconf_int(tc, topic, "retention.bytes");
    out->index_interval_bytes = (int32_t)tconf_int(tc, topic, "index.interval.bytes");
    out->segment_index_bytes = (int32_t)tconf_int(tc, topic, "segment.index.bytes");
    out->flush_messages = tconf_int(tc, topic, "flush.messages");
    out->flush_ms = tconf_int(tc, topic, "flush.ms");
    out->file_delete_delay_ms = tconf_int(tc, topic, "file.delete.delay.ms");
    char buf[64];
    const char *pol = tconf_override(tc, topic, "cleanup.policy");
    if (!pol) pol = tcfg_default_str(tc->cfg, "cleanup.policy", buf, sizeof(buf));
    out->cleanup_policy = (pol && strstr(pol, "compact") ? PLOG_CLEANUP_COMPACT : 0) |
                          (!pol || strstr(pol, "delete") ? PLOG_CLEANUP_DELETE : 0);
    out->delete_retention_ms = tconf_int(tc, topic, "delete.retention.ms");
    out->min_compaction_lag_ms = tconf_int(tc, topic, "min.compaction.lag.ms");
}
