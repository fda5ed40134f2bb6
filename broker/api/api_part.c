/* api_part.c: the partition checks shared by the handlers that need the leader (see api.h). */
#include "api.h"
#include "api_env.h"
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
