/* api_alterreplicalogdirs.c: AlterReplicaLogDirs (KIP-113): move replicas hosted here to another
 * of this broker's log dirs, as Kafka's ReplicaManager.alterReplicaLogDirs answers it: a path
 * that is not one of log.dirs is LOG_DIR_NOT_FOUND; a hosted partition starts moving
 * (logmove.h; NONE, the move finishes later, kafka-log-dirs shows the copy as a future log);
 * one not hosted yet gets the dir recorded for when it is created and REPLICA_NOT_AVAILABLE;
 * a topic name too long for the future dir's name is INVALID_TOPIC_EXCEPTION. Results are
 * grouped by topic. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "proto/kp_alterreplicalogdirs.h"
#include "replica/rmgr.h"
#include "api_env.h"
#include "store/lmgr.h"

static kerr_t arld_one(api_env_t *env, int dir, const char *topic, int32_t p)
{
    char name[512];
    /* <topic>-<p>.<32 hex>-future must fit a file name */
    if (snprintf(name, sizeof(name), "%s-%d.%032d-future", topic, p, 0) > 255)
        return KERR_INVALID_TOPIC_EXCEPTION;
    if (dir < 0) return KERR_LOG_DIR_NOT_FOUND;
    partition_t *part = rmgr_get(env->rmgr, topic, p);
    if (!part || !part->log) {
        lmgr_prefer_dir(env->lmgr, topic, p, dir);
        return KERR_REPLICA_NOT_AVAILABLE;
    }
    return rmgr_move_log(env->rmgr, part, dir);
}

/* The result entry of topic, added at the end when new. */
static kp_topic_errs_t *arld_topic(req_t *r, kp_alterreplicalogdirs_resp_t *resp, kstr_t name,
                                   int32_t cap)
{
    for (int32_t i = 0; i < resp->nresults; i++)
        if (resp->results[i].name.len == name.len &&
            memcmp(resp->results[i].name.p, name.p, (size_t)name.len) == 0)
            return &resp->results[i];
    kp_topic_errs_t *t = &resp->results[resp->nresults++];
    t->name = name;
    t->parts = arena_calloc(&r->arena, (size_t)cap + 1, sizeof(*t->parts));
    return t;
}

void api_alterreplicalogdirs(req_t *r, rbuf_t *rb)
{
    kp_alterreplicalogdirs_req_t req;
    if (kp_alterreplicalogdirs_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed AlterReplicaLogDirs request");
        return;
    }
    api_env_t *env = r->env;
    bool allowed = authz_authorize(r, ACL_OP_ALTER, ACL_RES_CLUSTER, ACL_CLUSTER_NAME);
    int32_t total = 0, ntopics = 0;
    for (int32_t i = 0; i < req.ndirs; i++)
        for (int32_t j = 0; j < req.dirs[i].ntopics; j++, ntopics++)
            total += req.dirs[i].topics[j].nparts;
    kp_alterreplicalogdirs_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.results = arena_calloc(&r->arena, (size_t)ntopics + 1, sizeof(*resp.results));
    for (int32_t i = 0; i < req.ndirs; i++) {
        kp_alterlogdir_t *d = &req.dirs[i];
        char *path = arena_strndup(&r->arena, d->path.p, (size_t)d->path.len);
        int dir = lmgr_dir_index(env->lmgr, path);
        for (int32_t j = 0; j < d->ntopics; j++) {
            kp_topic_parts_t *t = &d->topics[j];
            char *topic = arena_strndup(&r->arena, t->name.p, (size_t)t->name.len);
            kp_topic_errs_t *tr = arld_topic(r, &resp, t->name, total);
            for (int32_t k = 0; k < t->nparts; k++) {
                kp_part_err_t *pe = &tr->parts[tr->nparts++];
                pe->partition_index = t->parts[k];
                pe->error_code = allowed ? (int16_t)arld_one(env, dir, topic, t->parts[k])
                                         : KERR_CLUSTER_AUTHORIZATION_FAILED;
            }
        }
    }
    kp_alterreplicalogdirs_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
