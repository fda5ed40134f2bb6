/* api_produce.c: Produce. Validates each partition's batch (CRC, framing, size against
 * max.message.bytes, one batch per partition from v3 as Kafka requires), checks idempotent
 * producers' sequences (a duplicate is answered with its original offset, not appended),
 * appends through the replica manager, and answers: at once for acks=0/1; for acks=all once
 * the high watermark has passed every appended batch (the ISR has it), from the purgatory,
 * with REQUEST_TIMED_OUT after the request's timeout. min.insync.replicas is checked against
 * the committed ISR before the append (NOT_ENOUGH_REPLICAS) and again when the batch commits
 * (NOT_ENOUGH_REPLICAS_AFTER_APPEND). v0-2 MessageSets are up-converted to one v2 batch.
 * When the answer is due, the request's size is recorded against the client's
 * producer_byte_rate quota (as Kafka's request.sizeInBytes: header and body); over it, the
 * response carries throttle_time_ms and the connection is muted that long (acks=0: muted, no
 * response). */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ktime.h"
#include "log.h"
#include "metrics.h"
#include "mdcache.h"
#include "proto/kp_produce.h"
#include "quota.h"
#include "rec/batch.h"
#include "rec/msgset.h"
#include "replica/rmgr.h"
#include "store/lmgr.h"
#include "api_env.h"
#include "store/pidstate.h"
#include "store/plog.h"
#include "tcfg.h"
#include "tconf.h"

/* One partition waiting for its batch to commit (acks=all). */
typedef struct produce_wait {
    partition_t *part;
    int64_t required; /* the high watermark that commits it */
    int64_t min_isr;
    kp_produce_part_resp_t *out;
} produce_wait_t;

typedef struct produce_state {
    req_t *r;
    kp_produce_resp_t resp;
    produce_wait_t *waits;
    int nwaits;
    partition_t **parts; /* the waits' partitions, for parking */
    int64_t deadline_ms;
} produce_state_t;

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
        /* markers come from transaction coordinators only (WriteTxnMarkers); a
         * transactional batch needs its producer id (Kafka's LogValidator) */
        if ((h.attributes & BATCH_ATTR_CONTROL) ||
            ((h.attributes & BATCH_ATTR_TRANSACTIONAL) && h.producer_id < 0))
            return KERR_INVALID_RECORD;
        off += batch_size(&h);
        (*count)++;
    }
    return KERR_NONE;
}

/* The records of pp as one v2 batch in memory (up-converting a v0-2 MessageSet). */
static kerr_t api_produce_records(req_t *r, kp_produce_part_t *pp, uint8_t **data, size_t *len)
{
    *data = (uint8_t *)pp->records.p; /* the frame is ours: stamping in place is fine */
    *len = (size_t)pp->records.len;
    if (r->hdr.api_version > 2) return KERR_NONE;
    wbuf_t wb;
    wbuf_init(&wb);
    int32_t n = 0;
    kerr_t err =
        msgset_to_batch(*data, *len, ktime_wall_ms(), (size_t)r->env->max_request_bytes, &wb, &n);
    if (err) {
        wbuf_free(&wb);
        return err == KERR__TOO_LARGE ? KERR_MESSAGE_TOO_LARGE : KERR_CORRUPT_MESSAGE;
    }
    *data = arena_alloc(&r->arena, wb.len);
    memcpy(*data, wb.p, wb.len);
    *len = wb.len;
    wbuf_free(&wb);
    return KERR_NONE;
}

/* message.timestamp.type: LogAppendTime stamps the batch with the leader's clock (answered as
 * log_append_time_ms, and what consumers see); CreateTime keeps the producer's timestamps,
 * which must lie within message.timestamp.difference.max.ms of the leader's clock (checked on
 * the batch's first and max timestamps, INVALID_TIMESTAMP otherwise). */
static kerr_t api_produce_timestamp(api_env_t *env, const char *topic, uint8_t *data, size_t len,
                                    int64_t *append_time)
{
    char buf[32];
    const char *type = tconf_override(env->tconf, topic, "message.timestamp.type");
    if (!type) type = tcfg_default_str(env->cfg, "message.timestamp.type", buf, sizeof(buf));
    int64_t now = ktime_wall_ms();
    if (type && strcmp(type, "LogAppendTime") == 0) {
        batch_set_log_append_time(data, len, now);
        *append_time = now;
        return KERR_NONE;
    }
    int64_t max_diff = tconf_int(env->tconf, topic, "message.timestamp.difference.max.ms");
    if (max_diff == INT64_MAX) return KERR_NONE;
    batch_hdr_t h;
    batch_hdr_parse(data, len, &h);
    int64_t ts[2] = {h.base_timestamp, h.max_timestamp};
    for (int i = 0; i < 2; i++) {
        if (ts[i] < 0) continue; /* NO_TIMESTAMP */
        int64_t d = ts[i] > now ? ts[i] - now : now - ts[i];
        if (d > max_diff) return KERR_INVALID_TIMESTAMP;
    }
    return KERR_NONE;
}

/* Append one partition's batch. On success sets out->base_offset and *required (the high
 * watermark that commits it). */
static kerr_t api_produce_part(req_t *r, int16_t acks, const char *topic, kp_produce_part_t *pp,
                               kp_produce_part_resp_t *out, partition_t **partp, int64_t *required)
{
    api_env_t *env = r->env;
    partition_t *part = rmgr_get(env->rmgr, topic, pp->index);
    if (!part && lmgr_log_offline(env->lmgr, topic, pp->index)) return KERR_KAFKA_STORAGE_ERROR;
    if (!part || !part->is_leader) {
        return mdcache_part(env->md, topic, pp->index) ? KERR_NOT_LEADER_OR_FOLLOWER
                                                       : KERR_UNKNOWN_TOPIC_OR_PARTITION;
    }
    if (pp->records.len <= 0) return KERR_CORRUPT_MESSAGE;
    uint8_t *data;
    size_t len;
    kerr_t err = api_produce_records(r, pp, &data, &len);
    if (err) return err;
    int32_t nbatches;
    err = api_produce_validate(data, len, tconf_int(env->tconf, topic, "max.message.bytes"),
                               &nbatches);
    if (err == KERR_INVALID_RECORD && r->hdr.api_version < 8) err = KERR_CORRUPT_MESSAGE;
    if (err) return err;
    if (nbatches != 1) return r->hdr.api_version >= 8 ? KERR_INVALID_RECORD : KERR_CORRUPT_MESSAGE;
    int64_t min_isr = tconf_int(env->tconf, topic, "min.insync.replicas");
    if (acks == -1 && part->nisr < min_isr) return KERR_NOT_ENOUGH_REPLICAS;
    int64_t dup = -1;
    err = pidmap_check(part->pids, data, len, &dup);
    if (err == KERR_DUPLICATE_SEQUENCE_NUMBER) {
        /* already in the log: answer with where it went (and, for acks=all, once committed) */
        batch_hdr_t h;
        batch_hdr_parse(data, len, &h);
        out->base_offset = dup;
        out->log_start_offset = plog_start_offset(part->log);
        *required = dup + h.last_offset_delta + 1;
        *partp = part;
        log_debug("produce", "%s-%d: duplicate batch from producer %lld answered with offset %lld",
                  topic, pp->index, (long long)h.producer_id, (long long)dup);
        return KERR_NONE;
    }
    if (err) return err;
    err = api_produce_timestamp(env, topic, data, len, &out->log_append_time_ms);
    if (err) return err;
    plog_append_info_t info;
    err = rmgr_append(env->rmgr, part, data, len, &info);
    if (err) {
        log_error("produce", "append to %s-%d failed: %s", topic, pp->index, kerr_str(err));
        return err == KERR__TOO_LARGE ? KERR_MESSAGE_TOO_LARGE : KERR_KAFKA_STORAGE_ERROR;
    }
    metrics_produced(env->metrics, topic, info.records, len);
    out->base_offset = info.first_offset;
    out->log_start_offset = plog_start_offset(part->log);
    *required = info.last_offset + 1;
    *partp = part;
    return KERR_NONE;
}

/* Transactional producers need Write on their TransactionalId, every producer Write on the
 * topic (KafkaApis.handleProduceRequest). */
static kerr_t api_produce_authz(req_t *r, const kp_produce_req_t *req, kstr_t topic)
{
    if (req->transactional_id.len >= 0 &&
        !authz_authorize_k(r, ACL_OP_WRITE, ACL_RES_TXNID, req->transactional_id))
        return KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    return authz_authorize_k(r, ACL_OP_WRITE, ACL_RES_TOPIC, topic)
               ? KERR_NONE
               : KERR_TOPIC_AUTHORIZATION_FAILED;
}

/* producer_byte_rate: the throttle time for this request (0 when within quota). */
static int32_t produce_quota(req_t *r)
{
    quota_mgr_t *q = r->env->quota;
    if (!q || !quota_enabled(q, QUOTA_PRODUCE)) return 0;
    char client[256];
    int64_t ms =
        quota_record(q, QUOTA_PRODUCE, req_user(r), req_client_id(r, client, sizeof(client)),
                     (double)r->frame_len, ktime_mono_ms());
    r->throttle_ms = ms;
    return ms > INT32_MAX ? INT32_MAX : (int32_t)ms;
}

static void produce_respond(produce_state_t *ps)
{
    ps->resp.throttle_time_ms = produce_quota(ps->r);
    kp_produce_resp_encode(&ps->r->resp, ps->r->hdr.api_version, &ps->resp);
    req_done(ps->r);
}

/* Settle what can be settled; true when no partition waits any more. */
static bool produce_settle(produce_state_t *ps, bool timed_out)
{
    api_env_t *env = ps->r->env;
    int k = 0;
    for (int i = 0; i < ps->nwaits; i++) {
        produce_wait_t *w = &ps->waits[i];
        partition_t *part = w->part;
        kerr_t err;
        if (!part->is_leader || rmgr_get(env->rmgr, part->topic, part->index) != part)
            err = KERR_NOT_LEADER_OR_FOLLOWER;
        else if (part->hw >= w->required)
            err = part->nisr < w->min_isr ? KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND : KERR_NONE;
        else if (timed_out)
            err = KERR_REQUEST_TIMED_OUT;
        else {
            ps->waits[k] = *w;
            ps->parts[k++] = part;
            continue;
        }
        w->out->error_code = (int16_t)err;
        if (err) w->out->base_offset = -1;
    }
    ps->nwaits = k;
    return k == 0;
}

static void produce_woken(void *arg, bool timed_out)
{
    produce_state_t *ps = arg;
    int64_t left = ps->deadline_ms - ktime_mono_ms();
    if (produce_settle(ps, timed_out || left <= 0)) {
        produce_respond(ps);
        return;
    }
    rmgr_wait(ps->r->env->rmgr, ps->parts, ps->nwaits, RMGR_EV_HW, left, produce_woken, ps);
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
    produce_state_t *ps = arena_calloc(&r->arena, 1, sizeof(*ps));
    ps->r = r;
    kp_produce_resp_t *resp = &ps->resp;
    resp->ntopics = req.ntopics;
    resp->topics =
        arena_calloc(&r->arena, (size_t)(req.ntopics > 0 ? req.ntopics : 0), sizeof(*resp->topics));
    int total = 0;
    for (int32_t i = 0; i < req.ntopics; i++) total += req.topics[i].nparts;
    ps->waits = arena_calloc(&r->arena, (size_t)total + 1, sizeof(*ps->waits));
    ps->parts = arena_calloc(&r->arena, (size_t)total + 1, sizeof(*ps->parts));
    for (int32_t i = 0; i < req.ntopics; i++) {
        kp_produce_topic_t *t = &req.topics[i];
        kp_produce_topic_resp_t *tr = &resp->topics[i];
        tr->name = t->name;
        tr->nparts = t->nparts;
        tr->parts =
            arena_calloc(&r->arena, (size_t)(t->nparts > 0 ? t->nparts : 0), sizeof(*tr->parts));
        char *topic =
            arena_strndup(&r->arena, t->name.p, t->name.len > 0 ? (size_t)t->name.len : 0);
        kerr_t denied = api_produce_authz(r, &req, t->name);
        for (int32_t j = 0; j < t->nparts; j++) {
            kp_produce_part_resp_t *pr = &tr->parts[j];
            pr->index = t->parts[j].index;
            pr->base_offset = -1;
            pr->log_append_time_ms = -1;
            pr->log_start_offset = -1;
            if (bad_acks || denied) {
                pr->error_code = bad_acks ? KERR_INVALID_REQUIRED_ACKS : (int16_t)denied;
                continue;
            }
            partition_t *part = NULL;
            int64_t required = 0;
            pr->error_code =
                (int16_t)api_produce_part(r, acks, topic, &t->parts[j], pr, &part, &required);
            metrics_produce_part(r->env->metrics, topic, pr->error_code);
            if (pr->error_code || acks != -1 || !part || part->hw >= required) {
                if (!pr->error_code && acks == -1 && part &&
                    part->nisr < tconf_int(r->env->tconf, topic, "min.insync.replicas"))
                    pr->error_code = KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
                continue;
            }
            produce_wait_t *w = &ps->waits[ps->nwaits];
            w->part = part;
            w->required = required;
            w->min_isr = tconf_int(r->env->tconf, topic, "min.insync.replicas");
            w->out = pr;
            ps->parts[ps->nwaits++] = part;
        }
    }
    if (acks == 0) {
        produce_quota(r);
        req_done_noresp(r);
        return;
    }
    if (ps->nwaits == 0) {
        produce_respond(ps);
        return;
    }
    /* acks=all: wait for the ISR (the connection reads no further request meanwhile, so
     * responses stay in order) */
    int64_t timeout = req.timeout_ms > 0 ? req.timeout_ms : 0;
    ps->deadline_ms = ktime_mono_ms() + timeout;
    req_defer(r);
    rmgr_wait(r->env->rmgr, ps->parts, ps->nwaits, RMGR_EV_HW, timeout, produce_woken, ps);
}
