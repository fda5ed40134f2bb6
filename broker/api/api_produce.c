/* api_produce.c: Produce. Validates each partition's batches (CRC, framing, size against
 * max.message.bytes), appends through the replica manager, and answers now (acks 0/1).
 * v0-2 MessageSets are up-converted to one v2 batch before the append. acks=all is answered
 * as acks=1 until follower replication exists (logged once). */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "ktime.h"
#include "log.h"
#include "mdcache.h"
#include "proto/kp_produce.h"
#include "rec/batch.h"
#include "rec/msgset.h"
#include "replica/rmgr.h"
#include "server.h"
#include "store/plog.h"
#include "tconf.h"

static bool api_produce_warned_acks_all;

/* Validate the records of one partition in place; returns the error for the partition. */
static kerr_t api_produce_validate(uint8_t *p, size_t len, int64_t max_bytes, int32_t *count)
{
    size_t off = 0;
    *count = 0;
    if (len == 0) return KERR_CORRUPT_MESSAGE;
    while (off < len) {
        batch_hdr_t h;
        kerr_t err = batch_validate(p + off, len - off, &h);
        if (err) return err == KERR__BAD_MSG ? KERR_CORRUPT_MESSAGE : err;
        if ((int64_t)batch_size(&h) > max_bytes) return KERR_MESSAGE_TOO_LARGE;
        off += batch_size(&h);
        (*count)++;
    }
    return KERR_NONE;
}

static kerr_t api_produce_part(req_t *r, int16_t acks, const char *topic, kp_produce_part_t *pp,
                               kp_produce_part_resp_t *out)
{
    server_t *srv = r->srv;
    out->base_offset = -1;
    out->log_append_time_ms = -1;
    out->log_start_offset = -1;
    partition_t *part = rmgr_get(srv->rmgr, topic, pp->index);
    if (!part || !part->is_leader) {
        return mdcache_part(srv->md, topic, pp->index) ? KERR_NOT_LEADER_OR_FOLLOWER
                                                       : KERR_UNKNOWN_TOPIC_OR_PARTITION;
    }
    if (pp->records.len <= 0) return KERR_CORRUPT_MESSAGE;
    uint8_t *data = (uint8_t *)pp->records.p; /* the frame is ours: stamping in place is fine */
    size_t len = (size_t)pp->records.len;
    int64_t max_bytes = tconf_int(srv, topic, "max.message.bytes");
    if (r->hdr.api_version <= 2) {
        /* MessageSet v0/v1: up-convert into one v2 batch held in the request's arena. */
        wbuf_t wb;
        wbuf_init(&wb);
        int32_t n = 0;
        kerr_t err =
            msgset_to_batch(data, len, ktime_wall_ms(), (size_t)r->srv->max_request_bytes, &wb, &n);
        if (err) {
            wbuf_free(&wb);
            return err == KERR__TOO_LARGE ? KERR_MESSAGE_TOO_LARGE : KERR_CORRUPT_MESSAGE;
        }
        data = arena_alloc(&r->arena, wb.len);
        memcpy(data, wb.p, wb.len);
        len = wb.len;
        wbuf_free(&wb);
    }
    int32_t nbatches;
    kerr_t err = api_produce_validate(data, len, max_bytes, &nbatches);
    if (err) return err;
    if (acks == -1) {
        const md_part_t *mp = mdcache_part(srv->md, topic, pp->index);
        int64_t min_isr = tconf_int(srv, topic, "min.insync.replicas");
        if (mp && mp->nisr < min_isr) return KERR_NOT_ENOUGH_REPLICAS;
    }
    plog_append_info_t info;
    err = rmgr_append(srv->rmgr, part, data, len, &info);
    if (err) {
        log_error("produce", "append to %s-%d failed: %s", topic, pp->index, kerr_str(err));
        return err == KERR__TOO_LARGE ? KERR_MESSAGE_TOO_LARGE : KERR_KAFKA_STORAGE_ERROR;
    }
    out->base_offset = info.first_offset;
    out->log_start_offset = plog_start_offset(part->log);
    return KERR_NONE;
}

void api_produce(req_t *r, rbuf_t *rb)
{
    kp_produce_req_t req;
    int16_t ver = r->hdr.api_version;
    if (kp_produce_req_decode(rb, ver, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed Produce request");
        return;
    }
    int16_t acks = req.acks;
    bool bad_acks = acks != 0 && acks != 1 && acks != -1;
    if (acks == -1 && !api_produce_warned_acks_all) {
        api_produce_warned_acks_all = true;
        log_info("produce", "acks=all is answered once the leader has the batch (acks=1) until "
                            "follower replication is implemented");
    }
    kp_produce_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.ntopics = req.ntopics;
    resp.topics =
        arena_calloc(&r->arena, (size_t)(req.ntopics > 0 ? req.ntopics : 0), sizeof(*resp.topics));
    for (int32_t i = 0; i < req.ntopics; i++) {
        kp_produce_topic_t *t = &req.topics[i];
        kp_produce_topic_resp_t *tr = &resp.topics[i];
        tr->name = t->name;
        tr->nparts = t->nparts;
        tr->parts =
            arena_calloc(&r->arena, (size_t)(t->nparts > 0 ? t->nparts : 0), sizeof(*tr->parts));
        char *topic =
            arena_strndup(&r->arena, t->name.p, t->name.len > 0 ? (size_t)t->name.len : 0);
        for (int32_t j = 0; j < t->nparts; j++) {
            kp_produce_part_resp_t *pr = &tr->parts[j];
            pr->index = t->parts[j].index;
            pr->error_code = bad_acks ? KERR_INVALID_REQUIRED_ACKS
                                      : api_produce_part(r, acks, topic, &t->parts[j], pr);
            if (bad_acks) {
                pr->base_offset = -1;
                pr->log_append_time_ms = -1;
                pr->log_start_offset = -1;
            }
        }
    }
    if (acks == 0) {
        req_done_noresp(r);
        return;
    }
    kp_produce_resp_encode(&r->resp, ver, &resp);
    req_done(r);
}
