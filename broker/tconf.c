/* tconf.c: overrides in a dict (topic -> tconf_entry); broker defaults resolved through the
 * topic-config table in common/tcfg (each topic key names its broker-wide key). */
#include "tconf.h"

#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cval.h"
#include "dict.h"
#include "server.h"
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

void tconf_init(server_t *srv)
{
    srv->tconf = dict_new();
}

void tconf_free(server_t *srv)
{
    dict_free(srv->tconf, tconf_entry_free);
    srv->tconf = NULL;
}

void tconf_set(server_t *srv, const char *topic, int n, const char *const *keys,
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
    tconf_entry_free(dict_set(srv->tconf, topic, e));
}

void tconf_remove(server_t *srv, const char *topic)
{
    tconf_entry_free(dict_del(srv->tconf, topic));
}

const char *tconf_override(server_t *srv, const char *topic, const char *key)
{
    tconf_entry_t *e = dict_get(srv->tconf, topic);
    if (!e) return NULL;
    for (int i = 0; i < e->n; i++)
        if (strcmp(e->keys[i], key) == 0) return e->vals[i];
    return NULL;
}

int tconf_overrides(server_t *srv, const char *topic, const char *const **keys,
                    const char *const **vals)
{
    tconf_entry_t *e = dict_get(srv->tconf, topic);
    if (!e) return 0;
    *keys = (const char *const *)e->keys;
    *vals = (const char *const *)e->vals;
    return e->n;
}

int64_t tconf_int(server_t *srv, const char *topic, const char *key)
{
    const char *ov = tconf_override(srv, topic, key);
    int64_t v;
    if (ov && cval_parse_long(ov, &v)) return v; /* validated as cval_check reads numbers */
    return tcfg_default_int(srv->cfg, key);
}

void tconf_plog_cfg(server_t *srv, const char *topic, plog_cfg_t *out)
{
    plog_cfg_defaults(out);
    out->segment_bytes = tconf_int(srv, topic, "segment.bytes");
    out->segment_ms = tconf_int(srv, topic, "segment.ms");
    out->retention_ms = tconf_int(srv, topic, "retention.ms");
    out->retention_bytes = tconf_int(srv, topic, "retention.bytes");
    out->index_interval_bytes = (int32_t)tconf_int(srv, topic, "index.interval.bytes");
    out->segment_index_bytes = (int32_t)tconf_int(srv, topic, "segment.index.bytes");
    out->flush_messages = tconf_int(srv, topic, "flush.messages");
    out->flush_ms = tconf_int(srv, topic, "flush.ms");
    out->file_delete_delay_ms = tconf_int(srv, topic, "file.delete.delay.ms");
    char buf[64];
    const char *pol = tconf_override(srv, topic, "cleanup.policy");
    if (!pol) pol = tcfg_default_str(srv->cfg, "cleanup.policy", buf, sizeof(buf));
    out->cleanup_policy = (pol && strstr(pol, "compact") ? PLOG_CLEANUP_COMPACT : 0) |
                          (!pol || strstr(pol, "delete") ? PLOG_CLEANUP_DELETE : 0);
    out->delete_retention_ms = tconf_int(srv, topic, "delete.retention.ms");
    out->min_compaction_lag_ms = tconf_int(srv, topic, "min.compaction.lag.ms");
}
