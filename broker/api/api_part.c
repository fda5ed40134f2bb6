/* api_part.c: the partition checks shared by handlers: the leader a request needs, and the
 * topics an admin request is waiting to see led (see api.h). */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_env.h"
#include "ctl.h"
#include "mdcache.h"
#include "replica/rmgr.h"

kerr_t api_leader_part(api_env_t *env, const char *topic, int32_t index, int32_t current_epoch,
                       partition_t **out)
{
    partition_t *part = rmgr_get(env->rmgr, topic, index);
    *out = NULL;
    if (!part || !part->is_leader)
        return mdcache_part(env->md, topic, index) ? KERR_NOT_LEADER_OR_FOLLOWER
                                                   : KERR_UNKNOWN_TOPIC_OR_PARTITION;
    /* KIP-320: a client whose epoch is behind is fenced; one ahead of ours waits for us */
    if (current_epoch >= 0 && current_epoch != part->leader_epoch)
        return current_epoch < part->leader_epoch ? KERR_FENCED_LEADER_EPOCH
                                                  : KERR_UNKNOWN_LEADER_EPOCH;
    *out = part;
    return KERR_NONE;
}

/* True when topic exists in the metadata cache with nparts partitions, each with a leader. */
static bool api_topic_led(api_env_t *env, const char *name, int32_t nparts)
{
    const md_topic_t *t = mdcache_topic(env->md, name);
    if (!t || t->nparts < nparts) return false;
    for (int32_t p = 0; p < t->nparts; p++)
        if (t->parts[p].leader < 0) return false;
    return true;
}

static bool api_created_check(void *arg, bool timed_out)
{
    api_created_wait_t *w = arg;
    bool all = true;
    for (int32_t i = 0; i < w->n; i++) {
        int k = w->spec_of[i];
        if (k < 0 || w->op->topics[k].err) continue;
        const ctl_topic_spec_t *s = &w->op->topics[k];
        if (api_topic_led(w->env, s->name, s->result_partitions)) continue;
        all = false;
        if (timed_out) w->late(w->arg, i);
    }
    if (!all && !timed_out) return false;
    w->respond(w->arg);
    return true;
}

void api_created_wait(api_created_wait_t *w, int64_t timeout_ms)
{
    mdcache_wait(w->env->md, timeout_ms, api_created_check, w);
}

void api_spec_assign_init(ctl_topic_spec_t *s, int32_t nassign, int32_t rf)
{
    s->nassign = nassign;
    s->assign_rf = rf;
    s->assign = calloc((size_t)nassign * (size_t)(rf ? rf : 1), sizeof(int32_t));
    if (!s->assign) abort();
}

bool api_spec_assign_row(ctl_topic_spec_t *s, int32_t a, const int32_t *ids, int32_t nids)
{
    if (nids != s->assign_rf) return false;
    memcpy(&s->assign[(size_t)a * (size_t)s->assign_rf], ids, (size_t)nids * sizeof(int32_t));
    return true;
}
