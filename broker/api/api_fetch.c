/* api_fetch.c: Fetch, for consumers and for followers (replica_id >= 0).
 * A consumer reads each partition up to its high watermark; a follower up to the log end, and
 * its fetch offset tells the leader how far it has replicated (rmgr_follower_fetch), which may
 * advance the high watermark and the ISR. Whole batches are served from the segment file with
 * sendfile. When fewer than min_bytes are available the request parks in the replica
 * manager's purgatory until the high watermark (consumers) or the log end (followers) of one
 * of its partitions moves, or max_wait_ms: no polling.
 *
 * Fetch sessions (KIP-227, v7+, replica/fsess.h): epoch -1 is a full fetch without a session
 * (closing the one named), epoch 0 opens a session holding the request's partitions (id 0 in
 * the answer when the cache has no slot), epoch N > 0 is an incremental fetch of that session:
 * its partitions update the session, forgotten_topics_data leave it, and the fetch covers all
 * the session's partitions (followers' replica state included) while the answer lists only
 * those with records, an error, or a high watermark, LSO or log start offset changed since the
 * client last heard. An unknown id answers FETCH_SESSION_ID_NOT_FOUND, another epoch
 * INVALID_FETCH_SESSION_EPOCH, as Kafka's FetchManager.
 *
 * KIP-392 (Fetch v11+): followers serve consumers too, up to their own high watermark (learnt
 * from the leader). With replica.selector.class=RackAwareReplicaSelector a leader answers a
 * consumer that names its rack (rack_id) with preferred_read_replica, an in-sync replica in
 * that rack (rsel.h), and no records, at once, as Kafka's ReplicaManager does.
 *
 * Consumers' fetches count against consumer_byte_rate as Kafka's do: the request's max_bytes
 * is capped at what one quota window allows, the response's size is recorded, and a response
 * that takes the client over its quota is replaced by an empty one (the size taken back)
 * carrying throttle_time_ms, the connection then muted that long. Followers are exempt.
 *
 * Transactions (KIP-98): every answer carries the partition's last stable offset; a
 * read_committed consumer (isolation_level 1) reads only below it and gets the aborted
 * transactions (producer id, first offset) overlapping what it may read, from the log's
 * aborted transaction index, so it can drop their records. read_uncommitted is unchanged. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "authz.h"
#include "ktime.h"
#include "log.h"
#include "mdcache.h"
#include "metrics.h"
#include "proto/kp_fetch.h"
#include "quota.h"
#include "replica/fsess.h"
#include "replica/rmgr.h"
#include "store/lmgr.h"
#include "replica/rsel.h"
#include "replica/rthrottle.h"
#include "api_env.h"
#include "store/plog.h"
#include "store/txnidx.h"

enum { FETCH_NOSESS, FETCH_SESS_FULL, FETCH_SESS_INCR };

typedef struct fetch_state {
    req_t *r;
    kp_fetch_req_t req;
    bool replica;        /* a follower's fetch */
    bool any_replica;    /* a consumer's fetch that followers may serve (v11+, KIP-392) */
    bool redirect;       /* some partition has a preferred read replica: answer now */
    int32_t *pref;       /* per request partition: preferred read replica, -1 none */
    kerr_t *perr;        /* per request partition: an error found when the fetch arrived */
    int64_t deadline_ms; /* monotonic */
    partition_t **parts; /* per request partition (flattened), NULL when not served here */
    int nparts;
    char **names;       /* per request topic, NUL-terminated */
    int64_t *log_start; /* follower fetches: the follower's log start offset, per partition */
    int sess_mode;      /* FETCH_NOSESS, or the topics are the session's parts, in order */
    int32_t sess_id;
    uint64_t sess_gen; /* the session's gen when the topics were built from it */
} fetch_state_t;

/* A follower's partition whose data the leader's replication throttle holds back now. */
static bool fetch_held_back(fetch_state_t *fs, partition_t *part)
{
    rthrottle_t *th = rmgr_throttle(fs->r->env->rmgr);
    return fs->replica && rthrottle_applies(th, RTHROTTLE_LEADER, part, fs->req.replica_id) &&
           rthrottle_exceeded(th, RTHROTTLE_LEADER, ktime_mono_ms());
}

/* How far a consumer may read: the high watermark, or for read_committed the LSO. */
static int64_t fetch_visible(const fetch_state_t *fs, const partition_t *part)
{
    return fs->req.isolation_level == 1 ? rmgr_lso(part) : part->hw;
}

/* read_committed: the aborted transactions overlapping [from, upto) into pr. */
static void fetch_aborted(fetch_state_t *fs, partition_t *part, int64_t from, int64_t upto,
                          kp_fetch_part_resp_t *pr)
{
    pr->naborted = 0;
    size_t n = plog_aborted_txns(part->log, from, upto, NULL, 0);
    if (n == 0) return;
    txnidx_ent_t *e = arena_alloc(&fs->r->arena, n * sizeof(*e));
    kp_fetch_aborted_t *out = arena_alloc(&fs->r->arena, n * sizeof(*out));
    n = plog_aborted_txns(part->log, from, upto, e, n);
    for (size_t i = 0; i < n; i++) {
        out[i].producer_id = e[i].producer_id;
        out[i].first_offset = e[i].first_offset;
    }
    pr->aborted = out;
    pr->naborted = (int32_t)n;
}

/* Count the bytes available for the request without building a response. Returns true when
 * the response should be sent now (enough bytes, or an error to report). */
static bool fetch_ready(fetch_state_t *fs, size_t *avail)
{
    api_env_t *env = fs->r->env;
    size_t total = 0;
    int k = 0;
    bool error = false;
    for (int32_t i = 0; i < fs->req.ntopics; i++) {
        kp_fetch_topic_t *t = &fs->req.topics[i];
        for (int32_t j = 0; j < t->nparts; j++, k++) {
            partition_t *part = fs->parts[k];
            kp_fetch_part_t *fp = &t->parts[j];
            if (!part || !(part->is_leader || fs->any_replica) || fs->perr[k] ||
                rmgr_get(env->rmgr, part->topic, part->index) != part) {
                error = true;
                continue;
            }
            int64_t leo = plog_end_offset(part->log);
            if (fp->fetch_offset < plog_start_offset(part->log) || fp->fetch_offset > leo) {
                error = true;
                continue;
            }
            if (fs->replica && fs->log_start[k] >= 0 &&
                plog_start_offset(part->log) > fs->log_start[k]) {
                error = true; /* DeleteRecords moved the log start: tell the follower now */
                continue;
            }
            int64_t upto = fs->replica ? leo : fetch_visible(fs, part);
            if (fetch_held_back(fs, part)) continue; /* its bytes do not count (Kafka's too) */
            if (fs->req.min_bytes <= 1) {
                /* any byte will do (the usual case): readable offsets mean data, no need to
                 * locate batches that fetch_respond() will read anyway */
                if (fp->fetch_offset < upto) total += 1;
                continue;
            }
            plog_slice_t sl;
            if (plog_read(part->log, fp->fetch_offset, (size_t)fp->partition_max_bytes, upto,
                          &sl) == KERR_NONE)
                total += sl.len;
        }
    }
    *avail = total;
    return error || fs->redirect || fs->req.min_bytes <= 0 || total >= (size_t)fs->req.min_bytes;
}

/* The answer for request partition k (fp) into pr. budget: what is left of the request's
 * max_bytes; first: no partition has records yet. */
static void fetch_answer_part(fetch_state_t *fs, int k, const char *topic, kp_fetch_part_t *fp,
                              kp_fetch_part_resp_t *pr, int64_t *budget, bool *first)
{
    api_env_t *env = fs->r->env;
    pr->partition_index = fp->partition;
    pr->high_watermark = -1;
    pr->last_stable_offset = -1;
    pr->log_start_offset = -1;
    pr->preferred_read_replica = -1;
    pr->naborted = -1;
    pr->rec_fd = -1;
    pr->rec_len = 0; /* empty records, not null: clients expect bytes */
    pr->rec_mem = (const uint8_t *)"";
    partition_t *part = fs->parts[k];
    if (part && rmgr_get(env->rmgr, part->topic, part->index) != part) part = NULL;
    if (fs->perr[k] == KERR_TOPIC_AUTHORIZATION_FAILED) {
        pr->error_code = KERR_TOPIC_AUTHORIZATION_FAILED;
        return;
    }
    if (!part) {
        pr->error_code = lmgr_log_offline(env->lmgr, topic, pr->partition_index)
                             ? KERR_KAFKA_STORAGE_ERROR
                         : mdcache_topic(env->md, topic) ? KERR_NOT_LEADER_OR_FOLLOWER
                                                         : KERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    if (!part->is_leader && !fs->any_replica) {
        pr->error_code = KERR_NOT_LEADER_OR_FOLLOWER;
        return;
    }
    if (fs->perr[k]) {
        pr->error_code = (int16_t)fs->perr[k];
        return;
    }
    if (fp->current_leader_epoch >= 0 && fp->current_leader_epoch != part->leader_epoch) {
        pr->error_code = fp->current_leader_epoch < part->leader_epoch ? KERR_FENCED_LEADER_EPOCH
                                                                       : KERR_UNKNOWN_LEADER_EPOCH;
        return;
    }
    pr->high_watermark = part->hw;
    pr->last_stable_offset = rmgr_lso(part);
    pr->log_start_offset = plog_start_offset(part->log);
    if (!fs->replica && fs->req.isolation_level == 1) pr->naborted = 0; /* a list, as Kafka */
    if (fs->pref[k] >= 0 && part->is_leader) {
        pr->preferred_read_replica = fs->pref[k]; /* no records: read there */
        return;
    }
    if (fetch_held_back(fs, part)) return; /* empty records, positions as usual */
    size_t maxb = (size_t)(fp->partition_max_bytes > 0 ? fp->partition_max_bytes : 0);
    /* KIP-74: what is left of the request's max_bytes bounds every partition; the first batch
     * of the first non-empty partition comes whole even when larger (plog_read returns at
     * least one batch), so a consumer always progresses */
    if ((int64_t)maxb > *budget) maxb = *budget > 0 ? (size_t)*budget : 0;
    plog_slice_t sl;
    int64_t upto = fs->replica ? INT64_MAX : fetch_visible(fs, part);
    kerr_t err = plog_read(part->log, fp->fetch_offset, maxb, upto, &sl);
    if (err) {
        pr->error_code =
            err == KERR_OFFSET_OUT_OF_RANGE ? KERR_OFFSET_OUT_OF_RANGE : KERR_KAFKA_STORAGE_ERROR;
        return;
    }
    if (sl.len > 0 && (*first || (int64_t)sl.len <= *budget)) {
        int fd = dup(sl.fd);
        if (fd < 0) {
            pr->error_code = KERR_KAFKA_STORAGE_ERROR;
            return;
        }
        pr->rec_fd = fd;
        pr->rec_off = sl.pos;
        pr->rec_flen = sl.len;
        if (!fs->replica && fs->req.isolation_level == 1) {
            /* as Kafka, only those overlapping the records sent */
            int64_t end = plog_slice_end_bound(part->log, &sl);
            fetch_aborted(fs, part, fp->fetch_offset, end < upto ? end : upto, pr);
        }
        *budget -= (int64_t)sl.len;
        *first = false;
        rthrottle_t *th = rmgr_throttle(fs->r->env->rmgr);
        if (fs->replica && rthrottle_applies(th, RTHROTTLE_LEADER, part, fs->req.replica_id))
            rthrottle_record(th, RTHROTTLE_LEADER, sl.len, ktime_mono_ms());
    }
}

/* BrokerTopicMetrics for a consumer's fetch: per partition its answer and the bytes sent. */
static void fetch_count(fetch_state_t *fs, char **names, const kp_fetch_resp_t *resp)
{
    metrics_t *m = fs->r->env->metrics;
    if (!m || !m->on) return;
    for (int32_t i = 0; i < resp->ntopics; i++)
        for (int32_t j = 0; j < resp->topics[i].nparts; j++) {
            const kp_fetch_part_resp_t *pr = &resp->topics[i].parts[j];
            metrics_fetch_part(m, names[i], pr->error_code, pr->rec_fd >= 0 ? pr->rec_flen : 0);
        }
}

/* consumer_byte_rate: record the encoded response; over the quota, answer empty instead (what
 * Kafka's getThrottledResponse sends) with the throttle time. true when throttled. */
static bool fetch_quota(req_t *r, size_t hdr_len, int32_t session_id)
{
    quota_mgr_t *q = r->env->quota;
    if (!q || !quota_enabled(q, QUOTA_FETCH)) return false;
    char client[256];
    req_client_id(r, client, sizeof(client));
    double size = (double)(wbuf_total(&r->resp) - hdr_len);
    int64_t now = ktime_mono_ms();
    int64_t ms = quota_record(q, QUOTA_FETCH, req_user(r), client, size, now);
    if (ms <= 0) return false;
    quota_unrecord(q, QUOTA_FETCH, req_user(r), client, size, now);
    uint8_t hdr[16];
    memcpy(hdr, r->resp.p, hdr_len); /* size placeholder and response header */
    wbuf_free(&r->resp);             /* closes the file ranges' fds */
    wbuf_init(&r->resp);
    wbuf_append(&r->resp, hdr, hdr_len);
    kp_fetch_resp_t empty;
    memset(&empty, 0, sizeof(empty));
    empty.throttle_time_ms = ms > INT32_MAX ? INT32_MAX : (int32_t)ms;
    empty.session_id = session_id; /* the session goes on; the client asks again */
    kp_fetch_resp_encode(&r->resp, r->hdr.api_version, &empty);
    r->throttle_ms = ms;
    return true;
}

/* KIP-227's rule: an incremental answer carries a partition only when it has something new. */
static bool fetch_part_news(const kp_fetch_part_resp_t *pr, const fsess_part_t *sp)
{
    return pr->rec_fd >= 0 || pr->error_code != 0 || pr->preferred_read_replica >= 0 ||
           pr->high_watermark != sp->sent_hw || pr->last_stable_offset != sp->sent_lso ||
           pr->log_start_offset != sp->sent_log_start;
}

/* The incremental answer: the partitions of full with news (topics without any dropped), and
 * their names into names. */
static void fetch_sess_filter(fetch_state_t *fs, fsess_t *s, const kp_fetch_resp_t *full,
                              kp_fetch_resp_t *out, char **names)
{
    arena_t *a = &fs->r->arena;
    *out = *full;
    out->ntopics = 0;
    out->topics = arena_calloc(a, (size_t)full->ntopics + 1, sizeof(*out->topics));
    int k = 0;
    for (int32_t i = 0; i < full->ntopics; i++) {
        const kp_fetch_topic_resp_t *t = &full->topics[i];
        kp_fetch_topic_resp_t *o = &out->topics[out->ntopics];
        *o = *t;
        o->nparts = 0;
        o->parts = arena_calloc(a, (size_t)t->nparts + 1, sizeof(*o->parts));
        for (int32_t j = 0; j < t->nparts; j++, k++)
            if (fetch_part_news(&t->parts[j], &s->parts[k])) o->parts[o->nparts++] = t->parts[j];
        if (o->nparts) names[out->ntopics++] = fs->names[i];
    }
}

/* What the client now knows, for the next incremental answer. */
static void fetch_sess_sent(fsess_t *s, const kp_fetch_resp_t *full)
{
    int k = 0;
    for (int32_t i = 0; i < full->ntopics; i++)
        for (int32_t j = 0; j < full->topics[i].nparts; j++, k++) {
            const kp_fetch_part_resp_t *pr = &full->topics[i].parts[j];
            s->parts[k].sent_hw = pr->high_watermark;
            s->parts[k].sent_lso = pr->last_stable_offset;
            s->parts[k].sent_log_start = pr->log_start_offset;
        }
}

/* Build and send the response from the current state of the logs. */
static void fetch_respond(fetch_state_t *fs)
{
    req_t *r = fs->r;
    kp_fetch_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.ntopics = fs->req.ntopics;
    resp.topics = arena_calloc(&r->arena, (size_t)resp.ntopics, sizeof(*resp.topics));
    int64_t budget = fs->req.max_bytes > 0 ? fs->req.max_bytes : INT32_MAX;
    bool first = true;
    int k = 0;
    for (int32_t i = 0; i < fs->req.ntopics; i++) {
        kp_fetch_topic_t *t = &fs->req.topics[i];
        kp_fetch_topic_resp_t *tr = &resp.topics[i];
        tr->topic = t->topic;
        tr->nparts = t->nparts;
        tr->parts = arena_calloc(&r->arena, (size_t)t->nparts, sizeof(*tr->parts));
        for (int32_t j = 0; j < t->nparts; j++, k++)
            fetch_answer_part(fs, k, fs->names[i], &t->parts[j], &tr->parts[j], &budget, &first);
    }
    /* the session may have changed shape (or gone) while the fetch waited: then answer all */
    fsess_t *s = fs->sess_mode ? fsess_get(r->env->fsess, fs->sess_id) : NULL;
    if (s && s->gen != fs->sess_gen) s = NULL;
    kp_fetch_resp_t *out = &resp, incr;
    char **names = fs->names;
    resp.session_id = fs->sess_mode ? fs->sess_id : 0;
    if (s && fs->sess_mode == FETCH_SESS_INCR) {
        names = arena_calloc(&r->arena, (size_t)resp.ntopics + 1, sizeof(char *));
        fetch_sess_filter(fs, s, &resp, &incr, names);
        out = &incr;
    }
    size_t hdr_len = wbuf_total(&r->resp);
    kp_fetch_resp_encode(&r->resp, r->hdr.api_version, out);
    bool throttled = !fs->replica && fetch_quota(r, hdr_len, resp.session_id);
    if (!fs->replica && !throttled) fetch_count(fs, names, out);
    if (s && !throttled) fetch_sess_sent(s, &resp);
    req_done(r);
}

static void fetch_woken(void *arg, bool timed_out)
{
    fetch_state_t *fs = arg;
    size_t avail;
    int64_t left = fs->deadline_ms - ktime_mono_ms();
    if (timed_out || left <= 0 || fetch_ready(fs, &avail)) {
        fetch_respond(fs);
        return;
    }
    rmgr_wait(fs->r->env->rmgr, fs->parts, fs->nparts, fs->replica ? RMGR_EV_LEO : RMGR_EV_HW, left,
              fetch_woken, fs);
}

/* A session error answers at once, without partitions and with session id 0 (Kafka's). */
static void fetch_sess_error(fetch_state_t *fs, kerr_t err)
{
    kp_fetch_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.error_code = (int16_t)err;
    kp_fetch_resp_encode(&fs->r->resp, fs->r->hdr.api_version, &resp);
    req_done(fs->r);
}

/* The request's topics become the session's partitions (grouped by topic, names copied into
 * the request's arena: the session may go while the fetch waits). */
static void fetch_sess_expand(fetch_state_t *fs, fsess_t *s)
{
    arena_t *a = &fs->r->arena;
    int32_t nt = 0;
    for (int i = 0; i < s->nparts; i++)
        nt += i == 0 || strcmp(s->parts[i].topic, s->parts[i - 1].topic) != 0;
    fs->req.ntopics = nt;
    fs->req.topics = arena_calloc(a, (size_t)nt + 1, sizeof(*fs->req.topics));
    kp_fetch_topic_t *t = NULL;
    for (int i = 0; i < s->nparts; i++) {
        const fsess_part_t *sp = &s->parts[i];
        if (!t || strcmp(sp->topic, s->parts[i - 1].topic) != 0) {
            t = t ? t + 1 : fs->req.topics;
            size_t len = strlen(sp->topic);
            t->topic = (kstr_t){.p = arena_strndup(a, sp->topic, len), .len = (int32_t)len};
            int j = i;
            while (j < s->nparts && strcmp(s->parts[j].topic, sp->topic) == 0) j++;
            t->parts = arena_calloc(a, (size_t)(j - i), sizeof(*t->parts));
        }
        t->parts[t->nparts++] = (kp_fetch_part_t){.partition = sp->partition,
                                                  .current_leader_epoch = sp->current_leader_epoch,
                                                  .fetch_offset = sp->fetch_offset,
                                                  .last_fetched_epoch = sp->last_fetched_epoch,
                                                  .log_start_offset = sp->log_start_offset,
                                                  .partition_max_bytes = sp->max_bytes};
    }
}

/* KIP-227: find or open the request's session and fold the request into it (FetchManager's
 * newContext). false when the request was answered with a session error. */
static bool fetch_sess_open(fetch_state_t *fs)
{
    req_t *r = fs->r;
    fsess_cache_t *c = r->env->fsess;
    kp_fetch_req_t *q = &fs->req;
    int64_t now = ktime_mono_ms();
    if (r->hdr.api_version < 7 || !c) return true;
    fsess_t *s;
    if (q->session_epoch == 0 || q->session_epoch == -1) { /* a full fetch */
        if (q->session_id != 0) fsess_remove(c, q->session_id);
        if (q->session_epoch == -1) return true;
        int n = 0;
        for (int32_t i = 0; i < q->ntopics; i++) n += q->topics[i].nparts;
        s = fsess_create(c, q->replica_id >= 0, n, now);
        if (!s) return true; /* no slot: a sessionless answer, id 0 */
        fs->sess_mode = FETCH_SESS_FULL;
    } else {
        s = fsess_get(c, q->session_id);
        if (!s || s->epoch != q->session_epoch) {
            fetch_sess_error(fs, !s ? KERR_FETCH_SESSION_ID_NOT_FOUND
                                    : KERR_INVALID_FETCH_SESSION_EPOCH);
            return false;
        }
        s->epoch = s->epoch == INT32_MAX ? 1 : s->epoch + 1; /* wraps as Kafka's nextEpoch */
        s->last_used_ms = now;
        fs->sess_mode = FETCH_SESS_INCR;
        fsess_count_incremental(c);
    }
    char name[256];
    for (int32_t i = 0; i < q->ntopics; i++) {
        kp_fetch_topic_t *t = &q->topics[i];
        snprintf(name, sizeof(name), "%.*s", t->topic.len > 0 ? (int)t->topic.len : 0,
                 t->topic.p ? t->topic.p : "");
        for (int32_t j = 0; j < t->nparts; j++) {
            kp_fetch_part_t *p = &t->parts[j];
            fsess_set(s, name, p->partition, p->current_leader_epoch, p->fetch_offset,
                      p->last_fetched_epoch, p->log_start_offset, p->partition_max_bytes);
        }
    }
    for (int32_t i = 0; fs->sess_mode == FETCH_SESS_INCR && i < q->nforgotten; i++) {
        kp_fetch_forgotten_t *g = &q->forgotten[i];
        snprintf(name, sizeof(name), "%.*s", g->topic.len > 0 ? (int)g->topic.len : 0,
                 g->topic.p ? g->topic.p : "");
        for (int32_t j = 0; j < g->nparts; j++) fsess_forget(s, name, g->parts[j]);
    }
    fsess_sort(s);
    fetch_sess_expand(fs, s);
    fs->sess_id = s->id;
    fs->sess_gen = s->gen;
    return true;
}

/* Followers need ClusterAction on the cluster, consumers Read on the topic; either way a
 * refused partition answers TOPIC_AUTHORIZATION_FAILED (KafkaApis.handleFetchRequest). */
static bool api_fetch_authorized(fetch_state_t *fs, kstr_t topic)
{
    if (fs->replica)
        return authz_authorize(fs->r, ACL_OP_CLUSTER_ACTION, ACL_RES_CLUSTER, ACL_CLUSTER_NAME);
    return authz_authorize_k(fs->r, ACL_OP_READ, ACL_RES_TOPIC, topic);
}

void api_fetch(req_t *r, rbuf_t *rb)
{
    api_env_t *env = r->env;
    fetch_state_t *fs = arena_alloc(&r->arena, sizeof(*fs));
    fs->r = r;
    if (kp_fetch_req_decode(rb, r->hdr.api_version, &r->arena, &fs->req) != KERR_NONE) {
        req_fail(r, "malformed Fetch request");
        return;
    }
    if (!fetch_sess_open(fs)) return;
    for (int32_t i = 0; i < fs->req.ntopics; i++) fs->nparts += fs->req.topics[i].nparts;
    fs->parts = arena_calloc(&r->arena, (size_t)fs->nparts + 1, sizeof(partition_t *));
    fs->perr = arena_calloc(&r->arena, (size_t)fs->nparts + 1, sizeof(kerr_t));
    fs->pref = arena_alloc(&r->arena, ((size_t)fs->nparts + 1) * sizeof(int32_t));
    fs->replica = fs->req.replica_id >= 0;
    fs->any_replica = !fs->replica && r->hdr.api_version >= 11;
    /* the selector runs only for a consumer naming its rack, when configured */
    bool use_selector = fs->any_replica && fs->req.rack_id.len > 0 && env->rack_selector;
    if (fs->replica) req_quota_exempt(r);
    if (!fs->replica && quota_enabled(env->quota, QUOTA_FETCH)) {
        char client[256];
        double cap = quota_max_in_window(env->quota, QUOTA_FETCH, req_user(r),
                                         req_client_id(r, client, sizeof(client)));
        if (cap >= 0 && (fs->req.max_bytes <= 0 || cap < fs->req.max_bytes))
            fs->req.max_bytes = cap < 1 ? 1 : (int32_t)cap;
        if (fs->req.min_bytes > fs->req.max_bytes) fs->req.min_bytes = fs->req.max_bytes;
    }
    fs->log_start = arena_calloc(&r->arena, (size_t)fs->nparts + 1, sizeof(int64_t));
    fs->names = arena_calloc(&r->arena, (size_t)fs->req.ntopics + 1, sizeof(char *));
    int k = 0;
    for (int32_t i = 0; i < fs->req.ntopics; i++) {
        kp_fetch_topic_t *t = &fs->req.topics[i];
        char *name =
            arena_strndup(&r->arena, t->topic.p, t->topic.len > 0 ? (size_t)t->topic.len : 0);
        fs->names[i] = name;
        bool denied = !api_fetch_authorized(fs, t->topic);
        for (int32_t j = 0; j < t->nparts; j++, k++) {
            kp_fetch_part_t *fp = &t->parts[j];
            fs->parts[k] = denied ? NULL : rmgr_get(env->rmgr, name, fp->partition);
            if (denied) fs->perr[k] = KERR_TOPIC_AUTHORIZATION_FAILED;
            fs->pref[k] = -1;
            if (use_selector && fs->parts[k]) {
                fs->pref[k] = rsel_preferred(env->md, env->broker_id, fs->parts[k],
                                             fs->req.rack_id.p, (size_t)fs->req.rack_id.len,
                                             conn_listener(r->c)->name, fp->fetch_offset);
                fs->redirect = fs->redirect || fs->pref[k] >= 0;
            }
            fs->log_start[k] = fp->log_start_offset;
            if (fs->replica && fs->parts[k])
                fs->perr[k] = rmgr_follower_fetch(env->rmgr, fs->parts[k], fs->req.replica_id,
                                                  fp->current_leader_epoch, fp->fetch_offset,
                                                  fp->log_start_offset);
        }
    }
    fs->deadline_ms = ktime_mono_ms() + (fs->req.max_wait_ms > 0 ? fs->req.max_wait_ms : 0);
    size_t avail;
    if (fs->req.max_wait_ms <= 0 || fetch_ready(fs, &avail)) {
        fetch_respond(fs);
        return;
    }
    req_defer(r);
    rmgr_wait(env->rmgr, fs->parts, fs->nparts, fs->replica ? RMGR_EV_LEO : RMGR_EV_HW,
              fs->req.max_wait_ms, fetch_woken, fs);
}
