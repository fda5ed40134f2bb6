/* grp.c: group membership, Kafka's rebalance protocol. A group moves
 *   Empty --join--> PreparingRebalance --all joined / rebalance timeout--> CompletingRebalance
 *   --leader's SyncGroup stored--> Stable --join with new metadata / leave / expiry-->
 *   PreparingRebalance ...; with no member left it becomes Empty (generation + 1).
 * JoinGroup and SyncGroup answers wait on the member (join_cb / sync_cb). Answers are queued
 * with copies of what they show and delivered after the state change is complete
 * (grp_answers_flush), because a delivered answer lets that connection run its next request,
 * which may re-enter the coordinator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "grp_int.h"
#include "ktime.h"
#include "log.h"

const char *const grp_state_names[] = {"Empty", "PreparingRebalance", "CompletingRebalance",
                                       "Stable", "Dead"};

/* ---------------------------------------------------------------- queued answers */

typedef struct grp_answer {
    struct grp_answer *next;
    arena_t a; /* the copies the response points into */
    grp_join_cb *join_cb;
    grp_sync_cb *sync_cb;
    void *arg;
    kp_joingroup_resp_t join;
    kp_syncgroup_resp_t sync;
} grp_answer_t;

static grp_answer_t *grp_answers, **grp_answers_tail = &grp_answers;

static grp_answer_t *grp_answer_new(void *arg)
{
    grp_answer_t *an = calloc(1, sizeof(*an));
    if (!an) abort();
    arena_init(&an->a);
    an->arg = arg;
    *grp_answers_tail = an;
    grp_answers_tail = &an->next;
    return an;
}

static kstr_t grp_kcopy(arena_t *a, const char *s)
{
    if (!s) return KSTR_NULL;
    size_t n = strlen(s);
    return (kstr_t){arena_strndup(a, s, n), (int32_t)n};
}

static kbytes_t grp_bcopy(arena_t *a, const uint8_t *p, int32_t n)
{
    if (!p || n <= 0) return (kbytes_t){(const uint8_t *)"", 0};
    uint8_t *d = arena_alloc(a, (size_t)n);
    memcpy(d, p, (size_t)n);
    return (kbytes_t){d, n};
}

/* Deliver every queued answer (re-entrant: a nested call continues the same queue). */
void grp_answers_flush(void)
{
    while (grp_answers) {
        grp_answer_t *an = grp_answers;
        grp_answers = an->next;
        if (!grp_answers) grp_answers_tail = &grp_answers;
        if (an->join_cb) an->join_cb(an->arg, &an->join);
        if (an->sync_cb) an->sync_cb(an->arg, &an->sync);
        arena_free(&an->a);
        free(an);
    }
}

void grp_join_answer_err(grp_join_cb *cb, void *arg, kerr_t err, const char *member_id)
{
    grp_answer_t *an = grp_answer_new(arg);
    an->join_cb = cb;
    an->join.error_code = (int16_t)err;
    an->join.generation_id = -1;
    an->join.protocol_type = KSTR_NULL;
    an->join.protocol_name = KSTR_NULL;
    an->join.leader = KSTR("");
    an->join.member_id = member_id ? grp_kcopy(&an->a, member_id) : KSTR("");
}

void grp_sync_answer(grp_t *g, grp_sync_cb *cb, void *arg, kerr_t err, const uint8_t *as,
                     int32_t as_len)
{
    grp_answer_t *an = grp_answer_new(arg);
    an->sync_cb = cb;
    an->sync.error_code = (int16_t)err;
    an->sync.protocol_type = err || !g ? KSTR_NULL : grp_kcopy(&an->a, g->protocol_type);
    an->sync.protocol_name = err || !g ? KSTR_NULL : grp_kcopy(&an->a, g->protocol);
    an->sync.assignment = err ? (kbytes_t){(const uint8_t *)"", 0} : grp_bcopy(&an->a, as, as_len);
}

/* ---------------------------------------------------------------- members */

char *grp_strdup(const char *s)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

void grp_new_member_id(kstr_t prefix, char *out, size_t n)
{
    uint8_t u[16];
    if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u))
        for (int i = 0; i < 16; i++) u[i] = (uint8_t)rand();
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4, as java.util.UUID.randomUUID */
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    snprintf(out, n, "%.*s-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             prefix.len > 0 ? (int)(prefix.len > 200 ? 200 : prefix.len) : 0,
             prefix.len > 0 ? prefix.p : "", u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8],
             u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static void grp_member_protos_clear(grp_member_t *m)
{
    for (int i = 0; i < m->nprotos; i++) {
        free(m->protos[i].name);
        free(m->protos[i].meta);
    }
    free(m->protos);
    m->protos = NULL;
    m->nprotos = 0;
}

void grp_member_set_protos(grp_member_t *m, const kp_joingroup_req_t *req)
{
    grp_member_protos_clear(m);
    m->protos = calloc((size_t)req->nprotocols + 1, sizeof(*m->protos));
    if (!m->protos) abort();
    for (int32_t i = 0; i < req->nprotocols; i++) {
        grp_proto_t *p = &m->protos[m->nprotos++];
        p->name = kstr_dup(req->protocols[i].name);
        p->meta_len = req->protocols[i].metadata.len;
        p->meta = malloc((size_t)p->meta_len + 1);
        if (!p->name || !p->meta) abort();
        if (p->meta_len) memcpy(p->meta, req->protocols[i].metadata.p, (size_t)p->meta_len);
    }
}

const grp_proto_t *grp_member_proto(const grp_member_t *m, const char *name)
{
    for (int i = 0; name && i < m->nprotos; i++)
        if (strcmp(m->protos[i].name, name) == 0) return &m->protos[i];
    return NULL;
}

bool grp_member_same_protos(const grp_member_t *m, const kp_joingroup_req_t *req)
{
    if (m->nprotos != req->nprotocols) return false;
    for (int i = 0; i < m->nprotos; i++) {
        const kp_joingroup_protocol_t *p = &req->protocols[i];
        if (!kstr_eq(p->name, m->protos[i].name) || p->metadata.len != m->protos[i].meta_len ||
            (p->metadata.len && memcmp(p->metadata.p, m->protos[i].meta, (size_t)p->metadata.len)))
            return false;
    }
    return true;
}

void grp_member_set_assignment(grp_member_t *m, const uint8_t *p, int32_t n)
{
    free(m->assignment);
    m->assignment = NULL;
    m->assignment_len = 0;
    if (!p || n <= 0) return;
    m->assignment = malloc((size_t)n);
    if (!m->assignment) abort();
    memcpy(m->assignment, p, (size_t)n);
    m->assignment_len = n;
}

void grp_member_free(grp_member_t *m)
{
    if (!m) return;
    if (m->hb_timer) ev_timer_cancel(m->g->gc->loop, m->hb_timer);
    grp_member_protos_clear(m);
    free(m->id);
    free(m->instance_id);
    free(m->client_id);
    free(m->client_host);
    free(m->assignment);
    free(m);
}

grp_member_t *grp_member_add(grp_t *g, const char *id, const char *instance_id)
{
    grp_member_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->g = g;
    m->id = grp_strdup(id);
    m->instance_id = grp_strdup(instance_id);
    m->client_id = grp_strdup("");
    m->client_host = grp_strdup("");
    grp_member_t **pp = &g->members; /* keep join order: the first member leads */
    while (*pp) pp = &(*pp)->next;
    *pp = m;
    g->nmembers++;
    if (!g->leader) g->leader = grp_strdup(id);
    return m;
}

grp_member_t *grp_member_find(grp_t *g, kstr_t id)
{
    for (grp_member_t *m = g->members; m; m = m->next)
        if (kstr_eq(id, m->id)) return m;
    return NULL;
}

grp_member_t *grp_member_by_instance(grp_t *g, kstr_t instance_id)
{
    if (instance_id.len < 0) return NULL;
    for (grp_member_t *m = g->members; m; m = m->next)
        if (m->instance_id && kstr_eq(instance_id, m->instance_id)) return m;
    return NULL;
}

static void grp_member_expire(ev_loop_t *loop, void *arg);

void grp_member_schedule(grp_member_t *m)
{
    ev_loop_t *loop = m->g->gc->loop;
    if (m->hb_timer) ev_timer_cancel(loop, m->hb_timer);
    m->hb_timer = ev_timer_add(loop, m->session_timeout_ms, grp_member_expire, m);
}

/* Fencing of static members (KIP-345): the instance id must map to this member id. */
bool grp_member_fenced(grp_t *g, kstr_t member_id, kstr_t instance_id)
{
    if (instance_id.len < 0) return false;
    grp_member_t *m = grp_member_by_instance(g, instance_id);
    return m && !kstr_eq(member_id, m->id);
}

/* ---------------------------------------------------------------- state changes */

void grp_set_state(grp_t *g, grp_state_t s)
{
    if (g->state != s)
        log_debug("grp", "group %s: %s -> %s (generation %d)", g->id, grp_state_names[g->state],
                  grp_state_names[s], g->generation);
    g->state = s;
    g->state_ts = ktime_wall_ms();
}

void grp_answer_join(grp_t *g, grp_member_t *m, kerr_t err)
{
    if (!m->join_cb) return;
    grp_answer_t *an = grp_answer_new(m->join_arg);
    an->join_cb = m->join_cb;
    m->join_cb = NULL;
    m->is_new = false;
    kp_joingroup_resp_t *r = &an->join;
    r->error_code = (int16_t)err;
    r->generation_id = err ? -1 : g->generation;
    r->protocol_type = grp_kcopy(&an->a, g->protocol_type);
    r->protocol_name = grp_kcopy(&an->a, g->protocol);
    r->leader = g->leader ? grp_kcopy(&an->a, g->leader) : KSTR("");
    r->member_id = grp_kcopy(&an->a, m->id);
    if (err || !g->leader || strcmp(g->leader, m->id) != 0) return;
    r->members = arena_calloc(&an->a, (size_t)g->nmembers, sizeof(*r->members));
    for (grp_member_t *o = g->members; o; o = o->next) {
        const grp_proto_t *p = grp_member_proto(o, g->protocol);
        kp_joingroup_member_t *jm = &r->members[r->nmembers++];
        jm->member_id = grp_kcopy(&an->a, o->id);
        jm->group_instance_id = grp_kcopy(&an->a, o->instance_id);
        jm->metadata = p ? grp_bcopy(&an->a, p->meta, p->meta_len) : grp_bcopy(&an->a, NULL, 0);
    }
}

void grp_answer_sync(grp_member_t *m, kerr_t err)
{
    if (!m->sync_cb) return;
    grp_sync_cb *cb = m->sync_cb;
    m->sync_cb = NULL;
    grp_sync_answer(m->g, cb, m->sync_arg, err, m->assignment, m->assignment_len);
}

void grp_fail_pending(grp_t *g, kerr_t err)
{
    ev_loop_t *loop = g->gc->loop;
    if (g->join_timer) ev_timer_cancel(loop, g->join_timer);
    g->join_timer = 0;
    g->initial_delay_left = 0;
    for (grp_member_t *m = g->members; m; m = m->next) {
        grp_answer_join(g, m, err);
        grp_answer_sync(m, err);
        if (m->hb_timer) ev_timer_cancel(loop, m->hb_timer);
        m->hb_timer = 0;
    }
    while (g->pending) {
        grp_pending_t *p = g->pending;
        g->pending = p->next;
        ev_timer_cancel(loop, p->timer);
        free(p->id);
        free(p);
    }
    grp_answers_flush();
}

static void grp_unlink_member(grp_t *g, grp_member_t *m)
{
    for (grp_member_t **pp = &g->members; *pp; pp = &(*pp)->next) {
        if (*pp != m) continue;
        *pp = m->next;
        g->nmembers--;
        break;
    }
    if (g->leader && strcmp(g->leader, m->id) == 0) {
        free(g->leader);
        g->leader = g->members ? grp_strdup(g->members->id) : NULL;
    }
    grp_member_free(m);
}

static int32_t grp_max_rebalance_timeout(grp_t *g)
{
    int32_t t = 0;
    for (grp_member_t *m = g->members; m; m = m->next)
        if (m->rebalance_timeout_ms > t) t = m->rebalance_timeout_ms;
    return t;
}

/* The protocol every member supports that most members list first (ties: the leader's
 * preference order). */
static char *grp_select_protocol(grp_t *g)
{
    grp_member_t *first = g->members;
    int best = -1, best_votes = -1;
    for (int i = 0; i < first->nprotos; i++) {
        const char *cand = first->protos[i].name;
        bool all = true;
        for (grp_member_t *m = g->members; m && all; m = m->next)
            all = grp_member_proto(m, cand) != NULL;
        if (!all) continue;
        int votes = 0;
        for (grp_member_t *m = g->members; m; m = m->next) {
            /* m votes for its first protocol that everyone supports */
            for (int k = 0; k < m->nprotos; k++) {
                bool ok = true;
                for (grp_member_t *o = g->members; o && ok; o = o->next)
                    ok = grp_member_proto(o, m->protos[k].name) != NULL;
                if (!ok) continue;
                votes += strcmp(m->protos[k].name, cand) == 0;
                break;
            }
        }
        if (votes > best_votes) {
            best = i;
            best_votes = votes;
        }
    }
    return best >= 0 ? grp_strdup(first->protos[best].name) : NULL;
}

static void grp_stored_empty(void *arg, kerr_t err)
{
    char *id = arg;
    if (err) log_warn("grp", "storing empty group %s failed: %s", id, kerr_name(err));
    free(id);
}

/* Kafka's onCompleteJoin: drop members that did not rejoin, start the next generation. */
static void grp_complete_join(grp_t *g)
{
    ev_loop_t *loop = g->gc->loop;
    if (g->join_timer) ev_timer_cancel(loop, g->join_timer);
    g->join_timer = 0;
    g->initial_delay_left = 0;
    grp_member_t *m = g->members;
    while (m) {
        grp_member_t *next = m->next;
        if (!m->join_cb) {
            log_info("grp", "group %s: member %s did not rejoin in time; removed", g->id, m->id);
            grp_answer_sync(m, KERR_REBALANCE_IN_PROGRESS);
            grp_unlink_member(g, m);
        }
        m = next;
    }
    g->generation++;
    free(g->protocol);
    g->protocol = NULL;
    if (g->nmembers == 0) {
        grp_set_state(g, GRP_EMPTY);
        log_info("grp", "group %s is empty at generation %d", g->id, g->generation);
        grp_store_group(g, grp_stored_empty, grp_strdup(g->id));
        return;
    }
    g->protocol = grp_select_protocol(g);
    grp_set_state(g, GRP_COMPLETING_REBALANCE);
    log_info("grp", "group %s: generation %d with %d members, protocol %s, leader %s", g->id,
             g->generation, g->nmembers, g->protocol ? g->protocol : "-", g->leader);
    for (m = g->members; m; m = m->next) {
        grp_answer_join(g, m, KERR_NONE);
        grp_member_schedule(m);
    }
}

static bool grp_all_joined(grp_t *g)
{
    if (g->pending) return false;
    for (grp_member_t *m = g->members; m; m = m->next)
        if (!m->join_cb) return false;
    return true;
}

void grp_try_complete_join(grp_t *g)
{
    if (g->state != GRP_PREPARING_REBALANCE || g->initial_delay_left > 0) return;
    if (grp_all_joined(g)) grp_complete_join(g);
}

static void grp_join_timeout(ev_loop_t *loop, void *arg)
{
    (void)loop;
    grp_t *g = arg;
    g->join_timer = 0;
    if (g->state == GRP_PREPARING_REBALANCE) grp_complete_join(g);
    grp_answers_flush();
}

/* group.initial.rebalance.delay.ms: while members keep arriving, wait up to another delay,
 * never past the rebalance timeout (Kafka's InitialDelayedJoin). */
static void grp_initial_delay(ev_loop_t *loop, void *arg)
{
    grp_t *g = arg;
    g->join_timer = 0;
    int32_t delay = g->gc->initial_delay_ms;
    int64_t left = g->initial_delay_left - 1; /* stored + 1 so that 0 means "not delaying" */
    if (g->joined_during_delay && left > 0) {
        g->joined_during_delay = false;
        int64_t d = left < delay ? left : delay;
        g->initial_delay_left = (left - delay > 0 ? left - delay : 0) + 1;
        g->join_timer = ev_timer_add(loop, d, grp_initial_delay, g);
        return;
    }
    g->initial_delay_left = 0;
    if (g->state == GRP_PREPARING_REBALANCE) grp_complete_join(g);
    grp_answers_flush();
}

void grp_prepare_rebalance(grp_t *g, const char *why)
{
    ev_loop_t *loop = g->gc->loop;
    if (g->state == GRP_COMPLETING_REBALANCE) {
        for (grp_member_t *m = g->members; m; m = m->next) {
            grp_member_set_assignment(m, NULL, 0);
            grp_answer_sync(m, KERR_REBALANCE_IN_PROGRESS);
        }
    }
    bool initial = g->state == GRP_EMPTY;
    if (g->join_timer) ev_timer_cancel(loop, g->join_timer);
    g->join_timer = 0;
    grp_set_state(g, GRP_PREPARING_REBALANCE);
    log_info("grp", "group %s: preparing to rebalance (generation %d): %s", g->id, g->generation,
             why);
    int32_t timeout = grp_max_rebalance_timeout(g);
    int32_t delay = g->gc->initial_delay_ms;
    if (initial && delay > 0) {
        g->joined_during_delay = false;
        g->initial_delay_left = (timeout - delay > 0 ? timeout - delay : 0) + 1;
        g->join_timer = ev_timer_add(loop, delay, grp_initial_delay, g);
        return;
    }
    g->join_timer = ev_timer_add(loop, timeout, grp_join_timeout, g);
    grp_try_complete_join(g);
}

void grp_maybe_rebalance(grp_t *g, const char *why)
{
    if (g->state == GRP_STABLE || g->state == GRP_COMPLETING_REBALANCE || g->state == GRP_EMPTY)
        grp_prepare_rebalance(g, why);
}

/* Kafka's removeMemberAndUpdateGroup. */
void grp_remove_member(grp_t *g, grp_member_t *m, const char *why)
{
    log_info("grp", "group %s: member %s leaves (%s)", g->id, m->id, why);
    grp_answer_join(g, m, KERR_UNKNOWN_MEMBER_ID);
    grp_answer_sync(m, KERR_UNKNOWN_MEMBER_ID);
    grp_unlink_member(g, m);
    if (g->state == GRP_STABLE || g->state == GRP_COMPLETING_REBALANCE)
        grp_prepare_rebalance(g, why);
    else if (g->state == GRP_PREPARING_REBALANCE)
        grp_try_complete_join(g);
}

static void grp_member_expire(ev_loop_t *loop, void *arg)
{
    (void)loop;
    grp_member_t *m = arg;
    m->hb_timer = 0;
    if (m->join_cb) { /* waiting in a rebalance: kept alive */
        grp_member_schedule(m);
        return;
    }
    grp_remove_member(m->g, m, "session timeout expired");
    grp_answers_flush();
}
