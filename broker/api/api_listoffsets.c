/* api_listoffsets.c: ListOffsets. -2 = earliest (log start), -1 = latest (the high watermark;
 * under isolation_level 1, read_committed, the last stable offset), -3 = the record with the
 * largest timestamp (v7), otherwise the first offset whose timestamp is >= the one asked (time
 * index); both only below that latest offset, as Kafka's lastFetchableOffset. */
#include <string.h>

#include "api.h"
#include "authz.h"
#include "mdcache.h"
#include "proto/kp_listoffsets.h"
#include "replica/rmgr.h"
#include "api_env.h"
#include "store/plog.h"

#define LISTOFFSETS_LATEST        -1
#define LISTOFFSETS_EARLIEST      -2
#define LISTOFFSETS_MAX_TIMESTAMP -3

static void listoffsets_part(req_t *r, int8_t isolation, const char *topic, bool allowed,
                             const kp_listoffsets_part_t *p, kp_listoffsets_part_resp_t *out)
{
    api_env_t *env = r->env;
    out->partition_index = p->partition_index;
    out->timestamp = -1;
    out->offset = -1;
    out->leader_epoch = -1;
    if (!allowed) {
        out->error_code = KERR_TOPIC_AUTHORIZATION_FAILED;
        return;
    }
    partition_t *part;
    out->error_code =
        api_leader_part(env, topic, p->partition_index, p->current_leader_epoch, &part);
    if (!part) return;
    out->leader_epoch = part->leader_epoch;
    int64_t latest = isolation == 1 ? rmgr_lso(part) : part->hw;
    switch (p->timestamp) {
    case LISTOFFSETS_LATEST:
        out->offset = latest;
        break;
    case LISTOFFSETS_EARLIEST:
        out->offset = plog_start_offset(part->log);
        break;
    case LISTOFFSETS_MAX_TIMESTAMP: {
        int64_t off, ts;
        if (plog_max_timestamp(part->log, &off, &ts) == KERR_NONE && off < latest) {
            out->offset = off;
            out->timestamp = ts;
        }
        break;
    }
    default: {
        int64_t off, ts;
        if (plog_offset_for_time(part->log, p->timestamp, &off, &ts) == KERR_NONE && off < latest) {
            out->offset = off;
            out->timestamp = ts;
        }
        break;
    }
    }
}

void api_listoffsets(req_t *r, rbuf_t *rb)
{
    kp_listoffsets_req_t req;
    int16_t ver = r->hdr.api_version;
    if (kp_listoffsets_req_decode(rb, ver, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed ListOffsets request");
        return;
    }
    kp_listoffsets_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.ntopics = req.ntopics;
    resp.topics =
        arena_calloc(&r->arena, (size_t)(req.ntopics > 0 ? req.ntopics : 0), sizeof(*resp.topics));
    for (int32_t i = 0; i < req.ntopics; i++) {
        kp_listoffsets_topic_t *t = &req.topics[i];
        kp_listoffsets_topic_resp_t *tr = &resp.topics[i];
        char *name = arena_strndup(&r->arena, t->name.p, t->name.len > 0 ? (size_t)t->name.len : 0);
        tr->name = t->name;
        tr->nparts = t->nparts;
        tr->parts =
            arena_calloc(&r->arena, (size_t)(t->nparts > 0 ? t->nparts : 0), sizeof(*tr->parts));
        bool allowed = authz_authorize(r, ACL_OP_DESCRIBE, ACL_RES_TOPIC, name);
        for (int32_t j = 0; j < t->nparts; j++)
            listoffsets_part(r, req.isolation_level, name, allowed, &t->parts[j], &tr->parts[j]);
    }
    kp_listoffsets_resp_encode(&r->resp, ver, &resp);
    req_done(r);
}
