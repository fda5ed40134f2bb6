/* fetcher.c: follower fetchers (see fetcher.h). Each request in flight carries a context
 * naming the partitions it covers with the leader epoch they had when it was sent; answers
 * for a partition that left the fetcher, or changed epoch since, are dropped. */
#include "fetcher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "cfg.h"
#include "ktime.h"
#include "log.h"
#include "peer.h"
#include "proto/kp.h"
#include "proto/kp_fetch.h"
#include "proto/kp_offsetforleaderepoch.h"
#include "rec/batch.h"
#include "rec/crc32c.h"
#include "fshandler.h"
#include "partition.h"
#include "rthrottle.h"
#include "store/plog.h"

typedef struct fetch_ent {
    partition_t *part; /* NULL once removed */
    int32_t epoch;
} fetch_ent_t;

typedef struct fetch_ctx {
    struct fetcher *f;
    bool ofle;
    bool full; /* a full fetch (KIP-227): it opens the fetch session */
    int n;
    fetch_ent_t *e;
    int cursor; /* where fetcher_match looks first: just after its last match */
} fetch_ctx_t;

struct fetcher {
    fetcher_deps_t d; /* loop, settings, this broker's id and the log callbacks */
    int32_t leader;
    peer_t *peer;
    partition_t **parts; /* sorted by topic name, so requests group topics without a sort */
    int nparts, cap;
    fetch_ctx_t *inflight;
    fshandler_t *sess; /* our fetch session on the leader */
    int64_t backoff_until_ms;
    ev_timer_id_t retry_timer; /* wakes the fetcher when a delay ends */
    int64_t retry_at_ms;
    /* settings (Kafka's replica.fetch.*) */
    int32_t wait_ms, min_bytes, max_bytes, part_max_bytes;
    int64_t backoff_ms, socket_timeout_ms;
};

static void fetcher_retry_cb(ev_loop_t *loop, void *arg)
{
    (void)loop;
    fetcher_t *f = arg;
    f->retry_timer = 0;
    fetcher_kick(f);
}

/* Make sure the fetcher looks again at when_ms (monotonic). */
static void fetcher_arm(fetcher_t *f, int64_t when_ms)
{
    if (f->retry_timer && f->retry_at_ms <= when_ms) return;
    if (f->retry_timer) ev_timer_cancel(f->d.loop, f->retry_timer);
    int64_t d = when_ms - ktime_mono_ms();
    f->retry_at_ms = when_ms;
    f->retry_timer = ev_timer_add(f->d.loop, d > 0 ? d : 0, fetcher_retry_cb, f);
}

static int64_t fetcher_cfg(const cfg_t *cfg, const char *key, int64_t dflt)
{
    return cfg ? cfg_int(cfg, key) : dflt;
}

fetcher_t *fetcher_new(const fetcher_deps_t *deps, int32_t leader, const char *host, int port)
{
    fetcher_t *f = calloc(1, sizeof(*f));
    if (!f) abort();
    f->d = *deps;
    const cfg_t *cfg = deps->cfg;
    ev_loop_t *loop = deps->loop;
    int32_t self = deps->self;
    f->leader = leader;
    f->sess = fshandler_new();
    f->wait_ms = (int32_t)fetcher_cfg(cfg, "replica.fetch.wait.max.ms", 500);
    f->min_bytes = (int32_t)fetcher_cfg(cfg, "replica.fetch.min.bytes", 1);
    f->max_bytes = (int32_t)fetcher_cfg(cfg, "replica.fetch.response.max.bytes", 10485760);
    f->part_max_bytes = (int32_t)fetcher_cfg(cfg, "replica.fetch.max.bytes", 1048576);
    f->backoff_ms = fetcher_cfg(cfg, "replica.fetch.backoff.ms", 1000);
    f->socket_timeout_ms = fetcher_cfg(cfg, "replica.socket.timeout.ms", 30000);
    char name[32], cid[64];
    snprintf(name, sizeof(name), "broker %d", leader);
    snprintf(cid, sizeof(cid), "broker-%d-fetcher-0", self);
    size_t max_resp = (size_t)f->max_bytes + (size_t)f->part_max_bytes + (1u << 20);
    f->peer = peer_new(loop, name, cid, host, port, max_resp);
    log_info("fetcher", "replica fetcher for broker %d at %s:%d started", leader, host, port);
    return f;
}

void fetcher_free(fetcher_t *f)
{
    if (f->retry_timer) ev_timer_cancel(f->d.loop, f->retry_timer);
    if (f->inflight) f->inflight->f = NULL; /* the answer (KERR__DESTROY) frees the context */
    for (int i = 0; i < f->nparts; i++) f->parts[i]->fetcher = NULL;
    peer_free(f->peer);
    fshandler_free(f->sess);
    free(f->parts);
    free(f);
}

int32_t fetcher_leader(const fetcher_t *f)
{
    return f->leader;
}

void fetcher_set_addr(fetcher_t *f, const char *host, int port)
{
    if (peer_addr_is(f->peer, host, port)) return;
    peer_set_addr(f->peer, host, port);
    fshandler_reset(f->sess); /* a re-registered leader may be a new process without sessions */
}

bool fetcher_idle(const fetcher_t *f)
{
    return f->nparts == 0 && !f->inflight;
}

void fetcher_add(fetcher_t *f, partition_t *part)
{
    if (f->nparts == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->parts = realloc(f->parts, (size_t)f->cap * sizeof(*f->parts));
        if (!f->parts) abort();
    }
    /* after the last partition whose topic sorts at or before part's (binary search) */
    int lo = 0, hi = f->nparts;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(f->parts[mid]->topic, part->topic) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(&f->parts[lo + 1], &f->parts[lo], (size_t)(f->nparts - lo) * sizeof(*f->parts));
    f->parts[lo] = part;
    f->nparts++;
    part->fetcher = f;
    part->fstate = FETCH_TRUNCATE;
    part->trunc_epoch = -1;
    part->delay_until_ms = 0;
    fshandler_reset(f->sess);
    fetcher_kick(f);
}

void fetcher_remove(fetcher_t *f, partition_t *part)
{
    for (int i = 0; i < f->nparts; i++) {
        if (f->parts[i] != part) continue;
        f->nparts--;
        memmove(&f->parts[i], &f->parts[i + 1], (size_t)(f->nparts - i) * sizeof(*f->parts));
        break;
    }
    if (f->inflight)
        for (int i = 0; i < f->inflight->n; i++)
            if (f->inflight->e[i].part == part) f->inflight->e[i].part = NULL;
    part->fetcher = NULL;
    part->fstate = FETCH_NONE;
    fshandler_reset(f->sess);
}

/* Leadership is moving (the leader has not heard yet, or we have not): retry soon. */
#define FETCHER_EPOCH_RETRY_MS 100

static void fetcher_delay_for(fetcher_t *f, partition_t *part, int64_t ms, const char *why)
{
    fshandler_reset(f->sess); /* the next fetch leaves part out: say so in a full one */
    part->delay_until_ms = ktime_mono_ms() + ms;
    fetcher_arm(f, part->delay_until_ms);
    log_info("fetcher", "%s-%d: fetch from broker %d: %s; retrying in %lld ms", part->topic,
             part->index, f->leader, why, (long long)ms);
}

static void fetcher_delay(fetcher_t *f, partition_t *part, kerr_t err)
{
    bool moving = err == KERR_NOT_LEADER_OR_FOLLOWER || err == KERR_UNKNOWN_LEADER_EPOCH ||
                  err == KERR_FENCED_LEADER_EPOCH || err == KERR_REPLICA_NOT_AVAILABLE ||
                  err == KERR_UNKNOWN_TOPIC_OR_PARTITION;
    fetcher_delay_for(f, part, moving ? FETCHER_EPOCH_RETRY_MS : f->backoff_ms, kerr_name(err));
}

static void fetcher_backoff(fetcher_t *f)
{
    f->backoff_until_ms = ktime_mono_ms() + f->backoff_ms;
    fetcher_arm(f, f->backoff_until_ms);
}

/* The context entry for (topic, partition), if still current. Leaders answer in the order we
 * asked, so the search starts after the previous match and wraps around: one step per
 * partition instead of a scan of the whole request (10,000 partitions made that O(n^2)). A
 * partition appears at most once in a context, so the start does not change the answer. */
static partition_t *fetcher_match(fetch_ctx_t *ctx, kstr_t topic, int32_t p, fetch_ent_t **ent)
{
    for (int k = 0; k < ctx->n; k++) {
        int i = ctx->cursor + k < ctx->n ? ctx->cursor + k : ctx->cursor + k - ctx->n;
        fetch_ent_t *e = &ctx->e[i];
        if (!e->part || e->part->index != p || !kstr_eq(topic, e->part->topic)) continue;
        ctx->cursor = i + 1 < ctx->n ? i + 1 : 0;
        if (e->part->leader_epoch != e->epoch || e->part->fetcher != ctx->f) return NULL;
        *ent = e;
        return e->part;
    }
    return NULL;
}

static void fetcher_done(fetcher_t *f, fetch_ctx_t *ctx)
{
    if (f) f->inflight = NULL;
    free(ctx->e);
    free(ctx);
}

/* Acts on a decoded answer: KERR_NONE when it decoded (and, for Fetch, had no top-level
 * error), anything else backs the whole fetcher off. Decoded structures go in a. */
typedef kerr_t fetcher_answer_fn(fetcher_t *f, fetch_ctx_t *ctx, rbuf_t *body, arena_t *a);

/* What both answers share: drop one for a fetcher that is gone, back off after a failed
 * request or an answer that does not decode, else apply it and send the next request. */
static void fetcher_on_answer(fetch_ctx_t *ctx, kerr_t err, rbuf_t *body, fetcher_answer_fn *fn)
{
    fetcher_t *f = ctx->f;
    if (err == KERR__DESTROY || !f) {
        fetcher_done(f, ctx);
        return;
    }
    arena_t a;
    arena_init(&a);
    bool ok = !err && fn(f, ctx, body, &a) == KERR_NONE;
    if (!ok) fetcher_backoff(f);
    arena_free(&a);
    fetcher_done(f, ctx);
    if (ok) fetcher_kick(f);
}

/* ---------------------------------------------------------------- truncation */

/* Cut part's log at offset; the next fetch is a full one, naming part's new fetch offset. */
static kerr_t fetcher_truncate(fetcher_t *f, partition_t *part, int64_t offset)
{
    fshandler_reset(f->sess);
    return f->d.truncate(f->d.arg, part, offset);
}

/* Where our log stops agreeing with the leader's (KIP-101/279); *again when we must cut there
 * and ask about an older epoch (plog_divergence). */
static int64_t fetcher_trunc_offset(partition_t *part, const kp_ofle_part_resp_t *r, bool *again)
{
    int64_t leo = plog_end_offset(part->log);
    *again = false;
    if (r->leader_epoch < 0 || r->end_offset < 0) return part->hw < leo ? part->hw : leo;
    int32_t next;
    int64_t to = plog_divergence(part->log, r->leader_epoch, r->end_offset, &next);
    part->trunc_epoch = next;
    *again = next >= 0;
    return to;
}

static kerr_t fetcher_ofle_answer(fetcher_t *f, fetch_ctx_t *ctx, rbuf_t *body, arena_t *a)
{
    kp_ofle_resp_t resp;
    kerr_t err = kp_ofle_resp_decode(body, FETCHER_OFLE_VERSION, a, &resp);
    if (err) return err;
    for (int32_t i = 0; i < resp.ntopics; i++) {
        kp_ofle_topic_resp_t *t = &resp.topics[i];
        for (int32_t j = 0; j < t->nparts; j++) {
            kp_ofle_part_resp_t *r = &t->parts[j];
            fetch_ent_t *e;
            partition_t *part = fetcher_match(ctx, t->topic, r->partition, &e);
            if (!part || part->fstate != FETCH_TRUNCATE) continue;
            if (r->error_code) {
                fetcher_delay(f, part, (kerr_t)r->error_code);
                continue;
            }
            bool again;
            int64_t to = fetcher_trunc_offset(part, r, &again);
            if (fetcher_truncate(f, part, to) != KERR_NONE) {
                part->trunc_epoch = -1;
                fetcher_delay_for(f, part, f->backoff_ms, "truncation failed");
                continue;
            }
            if (again) {
                log_info("fetcher",
                         "%s-%d: leader %d has epoch %d up to offset %lld, an epoch we lack; "
                         "our log ends at %lld: asking about epoch %d",
                         part->topic, part->index, f->leader, r->leader_epoch,
                         (long long)r->end_offset, (long long)plog_end_offset(part->log),
                         part->trunc_epoch);
                continue; /* still FETCH_TRUNCATE */
            }
            log_info("fetcher",
                     "%s-%d: leader %d has epoch %d up to offset %lld; our log ends "
                     "at %lld after truncation",
                     part->topic, part->index, f->leader, r->leader_epoch, (long long)r->end_offset,
                     (long long)plog_end_offset(part->log));
            part->fstate = FETCH_ACTIVE;
        }
    }
    return KERR_NONE;
}

static void fetcher_on_ofle(void *arg, kerr_t err, rbuf_t *body)
{
    fetcher_on_answer(arg, err, body, fetcher_ofle_answer);
}

/* ---------------------------------------------------------------- fetch */

/* Append the complete, CRC-valid batches of records at or after the log end. */
static void fetcher_append(fetcher_t *f, partition_t *part, const kp_fetch_part_resp_t *r)
{
    if (r->rec_len <= 0) return;
    uint8_t *p = (uint8_t *)r->rec_mem; /* the response buffer is ours until we return */
    size_t len = (size_t)r->rec_len, off = 0, start = 0, end = 0;
    int64_t leo = plog_end_offset(part->log);
    while (off < len) {
        batch_hdr_t h;
        kerr_t err = batch_hdr_parse(p + off, len - off, &h);
        if (err == KERR__AGAIN) break; /* a partial batch at the end of the response */
        if (err || h.magic != BATCH_MAGIC_V2 ||
            crc32c(0, p + off + 21, batch_size(&h) - 21) != h.crc) {
            log_warn("fetcher",
                     "%s-%d: corrupt batch at offset %lld from broker %d; dropping "
                     "the rest of the response",
                     part->topic, part->index, (long long)h.base_offset, f->leader);
            break;
        }
        if (batch_last_offset(&h) < leo) start = off + batch_size(&h); /* already have it */
        off += batch_size(&h);
        end = off;
    }
    if (end <= start) return;
    plog_append_info_t info;
    kerr_t err = f->d.append(f->d.arg, part, p + start, end - start, &info);
    if (err) fetcher_delay_for(f, part, f->backoff_ms, kerr_name(err));
}

/* A session error answer (KIP-227) costs only a full request, sent at once. */
static bool fetcher_sess_lost(kerr_t err)
{
    return err == KERR_FETCH_SESSION_ID_NOT_FOUND || err == KERR_INVALID_FETCH_SESSION_EPOCH;
}

static kerr_t fetcher_fetch_answer(fetcher_t *f, fetch_ctx_t *ctx, rbuf_t *body, arena_t *a)
{
    kp_fetch_resp_t resp;
    kerr_t err = kp_fetch_resp_decode(body, FETCHER_VERSION, a, &resp);
    if (!err) err = (kerr_t)resp.error_code;
    fshandler_answer(f->sess, ctx->full, err, err ? 0 : resp.session_id);
    if (err) {
        log_info("fetcher", "fetch from broker %d: %s; next fetch is full", f->leader,
                 kerr_name(err));
        /* a full request never names a session: an error to one is not the session's */
        return fetcher_sess_lost(err) && !ctx->full ? KERR_NONE : err;
    }
    for (int32_t i = 0; i < resp.ntopics; i++) {
        kp_fetch_topic_resp_t *t = &resp.topics[i];
        for (int32_t j = 0; j < t->nparts; j++) {
            kp_fetch_part_resp_t *r = &t->parts[j];
            fetch_ent_t *e;
            partition_t *part = fetcher_match(ctx, t->topic, r->partition_index, &e);
            if (!part || part->fstate != FETCH_ACTIVE) continue;
            switch ((kerr_t)r->error_code) {
            case KERR_NONE:
                if (r->rec_len > 0 &&
                    rthrottle_applies(f->d.throttle, RTHROTTLE_FOLLOWER, part, f->d.self))
                    rthrottle_record(f->d.throttle, RTHROTTLE_FOLLOWER, (size_t)r->rec_len,
                                     ktime_mono_ms());
                fetcher_append(f, part, r);
                f->d.leader_hw(f->d.arg, part, r->high_watermark);
                f->d.leader_log_start(f->d.arg, part, r->log_start_offset);
                break;
            case KERR_OFFSET_OUT_OF_RANGE:
                if (r->log_start_offset > plog_end_offset(part->log)) {
                    /* the leader no longer has what we lack: start over at its log start */
                    if (plog_reset(part->log, r->log_start_offset) == KERR_NONE) {
                        part->hw = r->log_start_offset;
                        fetcher_truncate(f, part, r->log_start_offset);
                    }
                } else {
                    part->fstate = FETCH_TRUNCATE; /* we are ahead: find the divergence */
                    part->trunc_epoch = -1;
                    fshandler_reset(f->sess);
                }
                break;
            default:
                fetcher_delay(f, part, (kerr_t)r->error_code);
                break;
            }
        }
    }
    return KERR_NONE;
}

static void fetcher_on_fetch(void *arg, kerr_t err, rbuf_t *body)
{
    fetch_ctx_t *ctx = arg;
    /* a request that failed may or may not have reached the leader's session: start over */
    if (err && err != KERR__DESTROY && ctx->f) fshandler_reset(ctx->f->sess);
    fetcher_on_answer(arg, err, body, fetcher_fetch_answer);
}

static fetch_ctx_t *fetcher_ctx(fetcher_t *f, bool ofle, int n)
{
    fetch_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) abort();
    ctx->f = f;
    ctx->ofle = ofle;
    ctx->e = calloc((size_t)(n ? n : 1), sizeof(*ctx->e));
    if (!ctx->e) abort();
    return ctx;
}

/* A partition the follower's replication throttle keeps out of fetches now. */
static bool fetcher_held_back(fetcher_t *f, partition_t *part, int64_t now)
{
    rthrottle_t *th = f->d.throttle;
    return rthrottle_applies(th, RTHROTTLE_FOLLOWER, part, f->d.self) &&
           rthrottle_exceeded(th, RTHROTTLE_FOLLOWER, now);
}

/* Partitions of f in state st and not delayed, grouped by topic as f->parts is (pointers into
 * f->parts). */
static int fetcher_pick(fetcher_t *f, follow_state_t st, int64_t now, partition_t **out)
{
    int n = 0;
    for (int i = 0; i < f->nparts; i++) {
        partition_t *part = f->parts[i];
        if (part->fstate != st || part->delay_until_ms > now) continue;
        if (st == FETCH_ACTIVE && fetcher_held_back(f, part, now)) continue;
        out[n++] = part;
    }
    return n;
}

static bool fetcher_same_topic(const partition_t *a, const partition_t *b)
{
    return a->topic == b->topic || strcmp(a->topic, b->topic) == 0;
}

/* The request's topic slot for parts[i] (parts come grouped by topic, fetcher_pick): a new
 * slot starts where the topic changes. *run is then how many partitions from i on share the
 * topic (what the slot's partition array needs), else left alone. */
static int fetcher_topic_slot(partition_t **parts, int n, int i, int32_t *ntopics, int *run)
{
    if (i == 0 || !fetcher_same_topic(parts[i - 1], parts[i])) {
        (*ntopics)++;
        int j = i + 1;
        while (j < n && fetcher_same_topic(parts[i], parts[j])) j++;
        *run = j - i;
    }
    return *ntopics - 1;
}

/* Send an encoded request for ctx (the fetcher's one request in flight). */
static void fetcher_send(fetcher_t *f, fetch_ctx_t *ctx, int16_t key, int16_t ver, bool flex,
                         const wbuf_t *wb, int64_t timeout, peer_resp_fn *cb)
{
    f->inflight = ctx;
    peer_request(f->peer, key, ver, flex, wb, timeout, cb, ctx);
}

static void fetcher_send_ofle(fetcher_t *f, partition_t **parts, int n)
{
    fetch_ctx_t *ctx = fetcher_ctx(f, true, n);
    arena_t a;
    arena_init(&a);
    kp_ofle_req_t req = {.replica_id = f->d.self};
    req.topics = arena_calloc(&a, (size_t)n, sizeof(kp_ofle_topic_t));
    for (int i = 0; i < n; i++) {
        partition_t *part = parts[i];
        int run = 0;
        kp_ofle_topic_t *t = &req.topics[fetcher_topic_slot(parts, n, i, &req.ntopics, &run)];
        if (!t->parts) {
            t->topic = KSTR(part->topic);
            t->parts = arena_calloc(&a, (size_t)run, sizeof(kp_ofle_part_t));
        }
        kp_ofle_part_t *p = &t->parts[t->nparts++];
        p->partition = part->index;
        p->current_leader_epoch = part->leader_epoch;
        p->leader_epoch = part->trunc_epoch >= 0 ? part->trunc_epoch : plog_latest_epoch(part->log);
        ctx->e[ctx->n++] = (fetch_ent_t){part, part->leader_epoch};
    }
    wbuf_t wb;
    wbuf_init(&wb);
    kp_ofle_req_encode(&wb, FETCHER_OFLE_VERSION, &req);
    arena_free(&a);
    fetcher_send(f, ctx, KAPI_OFFSET_FOR_LEADER_EPOCH, FETCHER_OFLE_VERSION,
                 kp_ofle_flexible(FETCHER_OFLE_VERSION), &wb, f->socket_timeout_ms,
                 fetcher_on_ofle);
    wbuf_free(&wb);
}

/* A fetch for the active partitions parts[n]. Its context covers them all (an incremental
 * answer may carry any partition of the session) while the request carries only those the
 * leader's session does not have right (fshandler.h): every one on a full request. */
static void fetcher_send_fetch(fetcher_t *f, partition_t **parts, int n)
{
    fetch_ctx_t *ctx = fetcher_ctx(f, false, n);
    arena_t a;
    arena_init(&a);
    kp_fetch_req_t req;
    memset(&req, 0, sizeof(req));
    req.replica_id = f->d.self;
    req.max_wait_ms = f->wait_ms;
    req.min_bytes = f->min_bytes;
    req.max_bytes = f->max_bytes;
    req.rack_id = KSTR("");
    ctx->full = fshandler_begin(f->sess, &req);
    partition_t **sent = arena_calloc(&a, (size_t)n, sizeof(*sent));
    kp_fetch_part_t *pd = arena_calloc(&a, (size_t)n, sizeof(*pd));
    int nsent = 0;
    for (int i = 0; i < n; i++) {
        partition_t *part = parts[i];
        ctx->e[ctx->n++] = (fetch_ent_t){part, part->leader_epoch};
        pd[nsent] = (kp_fetch_part_t){.partition = part->index,
                                      .current_leader_epoch = part->leader_epoch,
                                      .fetch_offset = plog_end_offset(part->log),
                                      .last_fetched_epoch = -1,
                                      .log_start_offset = plog_start_offset(part->log),
                                      .partition_max_bytes = f->part_max_bytes};
        if (fshandler_include(f->sess, part->topic, &pd[nsent]))
            sent[nsent++] = part; /* a subsequence of parts: still grouped by topic */
    }
    req.topics = arena_calloc(&a, (size_t)nsent + 1, sizeof(kp_fetch_topic_t));
    for (int i = 0; i < nsent; i++) {
        int run = 0;
        kp_fetch_topic_t *t = &req.topics[fetcher_topic_slot(sent, nsent, i, &req.ntopics, &run)];
        if (!t->parts) {
            t->topic = KSTR(sent[i]->topic);
            t->parts = arena_calloc(&a, (size_t)run, sizeof(kp_fetch_part_t));
        }
        t->parts[t->nparts++] = pd[i];
    }
    fshandler_end(f->sess, &a, &req);
    wbuf_t wb;
    wbuf_init(&wb);
    kp_fetch_req_encode(&wb, FETCHER_VERSION, &req);
    arena_free(&a);
    fetcher_send(f, ctx, KAPI_FETCH, FETCHER_VERSION, kp_fetch_flexible(FETCHER_VERSION), &wb,
                 f->wait_ms + f->socket_timeout_ms, fetcher_on_fetch);
    wbuf_free(&wb);
}

/* Send the next request: truncation first, then a fetch for the active partitions. */
void fetcher_kick(fetcher_t *f)
{
    int64_t now = ktime_mono_ms();
    if (f->inflight || now < f->backoff_until_ms || f->nparts == 0) return;
    partition_t **parts = malloc((size_t)f->nparts * sizeof(*parts));
    if (!parts) abort();
    int n = fetcher_pick(f, FETCH_TRUNCATE, now, parts);
    /* without any leader epoch there is nothing to compare: an empty log is in agreement,
     * anything else falls back to the high watermark (pre-KIP-101 logs) */
    int k = 0;
    for (int i = 0; i < n; i++) {
        partition_t *part = parts[i];
        if (plog_latest_epoch(part->log) >= 0) {
            parts[k++] = part;
            continue;
        }
        if (plog_end_offset(part->log) > part->hw) fetcher_truncate(f, part, part->hw);
        part->fstate = FETCH_ACTIVE;
    }
    if (k > 0) {
        fetcher_send_ofle(f, parts, k);
    } else {
        n = fetcher_pick(f, FETCH_ACTIVE, now, parts);
        if (n > 0) fetcher_send_fetch(f, parts, n);
    }
    free(parts);
}
