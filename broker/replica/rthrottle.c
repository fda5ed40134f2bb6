/* rthrottle.c: replication throttles (see rthrottle.h). */
#include "rthrottle.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "partition.h"
#include "rquota.h"
#include "tcfg.h"
#include "tconf.h"

static const char *const rthrottle_rate_keys[2] = {"leader.replication.throttled.rate",
                                                   "follower.replication.throttled.rate"};
static const char *const rthrottle_list_keys[2] = {"leader.replication.throttled.replicas",
                                                   "follower.replication.throttled.replicas"};

struct rthrottle {
    tconf_t *tconf;
    int32_t self;      /* this broker */
    int64_t set[2][2]; /* [side][0 = <default>, 1 = this broker]; -1 unset */
    rquota_t q[2];
};

rthrottle_t *rthrottle_new(tconf_t *tconf, int32_t self)
{
    rthrottle_t *t = calloc(1, sizeof(*t));
    if (!t) abort();
    t->tconf = tconf;
    t->self = self;
    for (int s = 0; s < 2; s++) {
        t->set[s][0] = t->set[s][1] = -1;
        rquota_init(&t->q[s], -1);
    }
    return t;
}

void rthrottle_free(rthrottle_t *t)
{
    free(t);
}

int64_t rthrottle_rate(const rthrottle_t *t, rthrottle_side_t side)
{
    return t->set[side][1] >= 0 ? t->set[side][1] : t->set[side][0];
}

void rthrottle_config(rthrottle_t *t, bool dflt, int n, char *const *keys, char *const *vals)
{
    for (int s = 0; s < 2; s++) {
        int64_t v = -1;
        for (int i = 0; i < n; i++)
            if (strcmp(keys[i], rthrottle_rate_keys[s]) == 0 && vals[i]) v = atoll(vals[i]);
        t->set[s][dflt ? 0 : 1] = v;
        int64_t rate = rthrottle_rate(t, (rthrottle_side_t)s);
        if (rate != t->q[s].rate) {
            log_info("rthrottle", "%s now %lld B/s%s", rthrottle_rate_keys[s], (long long)rate,
                     rate < 0 ? " (no bound)" : "");
            t->q[s].rate = rate;
        }
    }
}

bool rthrottle_applies(rthrottle_t *t, rthrottle_side_t side, const partition_t *part,
                       int32_t replica)
{
    if (t->q[side].rate < 0) return false; /* the common case: nothing set, no lookups */
    const char *list = tconf_override(t->tconf, part->topic, rthrottle_list_keys[side]);
    if (!list || !tcfg_replicas_listed(list, part->index, t->self)) return false;
    return !partition_in_isr(part, replica);
}

bool rthrottle_exceeded(rthrottle_t *t, rthrottle_side_t side, int64_t now_ms)
{
    return rquota_exceeded(&t->q[side], now_ms);
}

void rthrottle_record(rthrottle_t *t, rthrottle_side_t side, size_t bytes, int64_t now_ms)
{
    rquota_record(&t->q[side], (int64_t)bytes, now_ms);
}
