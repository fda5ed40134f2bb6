/* quota.c: client quota configs, Kafka's eight-level resolution, sampled rates and throttle
 * times (see quota.h). Sensors are keyed by type and Kafka's metric tags (user, client-id),
 * created on first use and never expired (Kafka drops one after an hour idle). */
#include "quota.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "log.h"
#include "zkpath.h"

typedef struct quota_entity {
    double v[QCFG_NKEYS];
    bool has[QCFG_NKEYS];
} quota_entity_t;

typedef struct quota_sample {
    int64_t start_ms;
    double value;
} quota_sample_t;

typedef struct quota_sensor {
    int n, cur;
    quota_sample_t s[]; /* samples of them */
} quota_sensor_t;

struct quota_mgr {
    int samples;
    int64_t window_ms;
    dict_t *entities; /* entity path -> quota_entity_t */
    dict_t *sensors;  /* "type|user|client" -> quota_sensor_t */
    int64_t throttled_ms[QUOTA_NTYPES];
};

static const qcfg_key_t quota_key_of[QUOTA_NTYPES] = {
    [QUOTA_PRODUCE] = QCFG_PRODUCER_BYTE_RATE,
    [QUOTA_FETCH] = QCFG_CONSUMER_BYTE_RATE,
    [QUOTA_REQUEST] = QCFG_REQUEST_PERCENTAGE,
};

quota_mgr_t *quota_new(int samples, int window_s)
{
    quota_mgr_t *q = calloc(1, sizeof(*q));
    if (!q) abort();
    q->samples = samples > 0 ? samples : 11;
    q->window_ms = (window_s > 0 ? window_s : 1) * 1000LL;
    q->entities = dict_new();
    q->sensors = dict_new();
    return q;
}

void quota_free(quota_mgr_t *q)
{
    if (!q) return;
    dict_free(q->entities, free);
    dict_free(q->sensors, free);
    free(q);
}

void quota_set_entity(quota_mgr_t *q, const char *path, int n, const char *const *keys,
                      const char *const *vals)
{
    quota_entity_t *e = calloc(1, sizeof(*e));
    if (!e) abort();
    bool any = false;
    for (int i = 0; i < n; i++) {
        int k = qcfg_key(keys[i]);
        double v;
        char why[256];
        if (k < 0) continue; /* SCRAM credentials and other user configs are not quotas */
        if (qcfg_parse(keys[i], vals[i], &v, why, sizeof(why)) != KERR_NONE) {
            log_warn("quota", "client quota of %s ignored: %s", path, why);
            continue;
        }
        e->v[k] = v;
        e->has[k] = any = true;
    }
    free(dict_del(q->entities, path));
    if (any)
        dict_set(q->entities, path, e);
    else
        free(e);
    log_info("quota", "client quotas of %s %s", path, any ? "updated" : "removed");
}

bool quota_next(const quota_mgr_t *q, size_t *it, const char **path, double vals[QCFG_NKEYS],
                bool has[QCFG_NKEYS])
{
    void *v;
    if (!dict_next(q->entities, it, path, &v)) return false;
    const quota_entity_t *e = v;
    memcpy(vals, e->v, sizeof(e->v));
    memcpy(has, e->has, sizeof(e->has));
    return true;
}

bool quota_enabled(const quota_mgr_t *q, quota_type_t t)
{
    size_t it = 0;
    const char *path;
    void *v;
    while (dict_next(q->entities, &it, &path, &v))
        if (((quota_entity_t *)v)->has[quota_key_of[t]]) return true;
    return false;
}

/* The quota that applies to (user, client) for t, and the tags that name its sensor. */
typedef struct quota_match {
    double bound;
    bool user_tag, client_tag;
} quota_match_t;

static bool quota_resolve(const quota_mgr_t *q, quota_type_t t, const char *user,
                          const char *client, quota_match_t *m)
{
    /* Kafka's precedence: (user part, client part, tags user, tags client); NULL name =
     * <default>, has=false = absent */
    static const struct {
        int user, client; /* 0 absent, 1 the name, 2 <default> */
        bool tag_user, tag_client;
    } levels[] = {
        {1, 1, true, true}, {1, 2, true, true},  {1, 0, true, false}, {2, 1, true, true},
        {2, 2, true, true}, {2, 0, true, false}, {0, 1, false, true}, {0, 2, false, true},
    };
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        zkpath_qentity_t e = {levels[i].user != 0, levels[i].client != 0,
                              levels[i].user == 1 ? user : NULL,
                              levels[i].client == 1 ? client : NULL};
        char path[1600];
        if (zkpath_qentity_path(path, sizeof(path), &e) != KERR_NONE) continue;
        const quota_entity_t *ent = dict_get(q->entities, path);
        if (!ent || !ent->has[quota_key_of[t]]) continue;
        m->bound = ent->v[quota_key_of[t]];
        m->user_tag = levels[i].tag_user;
        m->client_tag = levels[i].tag_client;
        return true;
    }
    return false;
}

static quota_sensor_t *quota_sensor(quota_mgr_t *q, quota_type_t t, const char *user,
                                    const char *client, const quota_match_t *m)
{
    char key[1600];
    snprintf(key, sizeof(key), "%d|%s|%s", (int)t, m->user_tag ? user : "",
             m->client_tag ? client : "");
    quota_sensor_t *s = dict_get(q->sensors, key);
    if (!s) {
        s = calloc(1, sizeof(*s) + (size_t)q->samples * sizeof(quota_sample_t));
        if (!s) abort();
        dict_set(q->sensors, key, s);
    }
    return s;
}

/* Kafka's SampledStat.record: a new sample once the current one is a window old. */
static void quota_sensor_add(const quota_mgr_t *q, quota_sensor_t *s, double v, int64_t now)
{
    if (s->n == 0) {
        s->s[0] = (quota_sample_t){now, 0};
        s->n = 1;
        s->cur = 0;
    }
    if (now - s->s[s->cur].start_ms >= q->window_ms) {
        s->cur = (s->cur + 1) % q->samples;
        if (s->cur >= s->n) s->n = s->cur + 1;
        s->s[s->cur] = (quota_sample_t){now, 0};
    }
    s->s[s->cur].value += v;
}

/* Kafka's Rate.measure: samples older than the whole span are reset, the total is divided by
 * the time since the oldest sample started, counted as at least samples-1 whole windows.
 * *window_ms gets that time. Per second. */
static double quota_sensor_rate(const quota_mgr_t *q, quota_sensor_t *s, int64_t now,
                                int64_t *window_ms)
{
    double total = 0;
    int64_t oldest = now;
    for (int i = 0; i < s->n; i++) {
        if (now - s->s[i].start_ms >= (int64_t)q->samples * q->window_ms)
            s->s[i] = (quota_sample_t){now, 0};
        total += s->s[i].value;
        if (s->s[i].start_ms < oldest) oldest = s->s[i].start_ms;
    }
    int64_t elapsed = now - oldest, full = elapsed / q->window_ms;
    if (full < q->samples - 1) elapsed += (q->samples - 1 - full) * q->window_ms;
    *window_ms = elapsed;
    return elapsed > 0 ? total * 1000.0 / (double)elapsed : 0;
}

int64_t quota_record(quota_mgr_t *q, quota_type_t t, const char *user, const char *client,
                     double value, int64_t now_ms)
{
    quota_match_t m;
    if (!quota_resolve(q, t, user, client, &m)) return 0;
    quota_sensor_t *s = quota_sensor(q, t, user, client, &m);
    quota_sensor_add(q, s, value, now_ms);
    int64_t w;
    double rate = quota_sensor_rate(q, s, now_ms, &w);
    if (rate <= m.bound) return 0;
    int64_t ms = llround((rate - m.bound) / m.bound * (double)w);
    if (t == QUOTA_REQUEST && ms > q->window_ms) ms = q->window_ms;
    q->throttled_ms[t] += ms;
    return ms;
}

void quota_unrecord(quota_mgr_t *q, quota_type_t t, const char *user, const char *client,
                    double value, int64_t now_ms)
{
    quota_match_t m;
    if (!quota_resolve(q, t, user, client, &m)) return;
    quota_sensor_add(q, quota_sensor(q, t, user, client, &m), -value, now_ms);
}

double quota_max_in_window(quota_mgr_t *q, quota_type_t t, const char *user, const char *client)
{
    quota_match_t m;
    if (!quota_resolve(q, t, user, client, &m)) return -1;
    return m.bound * (double)(q->samples - 1) * (double)q->window_ms / 1000.0;
}

int64_t quota_throttle_total(const quota_mgr_t *q, quota_type_t t)
{
    return q->throttled_ms[t];
}
