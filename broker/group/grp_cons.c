/* grp_cons.c: KIP-848 consumer groups (see grp_cons.h): partition sets, members, target
 * assignment through the server-side assignors (grp_assign.c), per-member reconciliation,
 * session and revocation timeouts, and the views other APIs take of such a group
 * (ConsumerGroupDescribe, ListGroups, OffsetCommit's member epoch check, OffsetDelete's
 * subscription check). ConsumerGroupHeartbeat itself is grp_cons_hb.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grp_assign.h"
#include "grp_cons.h"
#include "grp_int.h"
#include "ktime.h"
#include "log.h"
#include "mdcache.h"

#define GRP_CONS_TYPE "consumer"

/* ---------------------------------------------------------------- partition sets */

static int grp_tp_cmp(const grp_tp_t *a, const grp_tp_t *b)
{
    int c = memcmp(a->id, b->id, 16);
    return c ? c : (a->part > b->part) - (a->part < b->part);
}

bool grp_tps_has(const grp_tps_t *s, const grp_tp_t *tp)
{
    for (int i = 0; i < s->n; i++)
        if (grp_tp_cmp(&s->v[i], tp) == 0) return true;
    return false;
}

void grp_tps_add(grp_tps_t *s, const grp_tp_t *tp)
{
    if (grp_tps_has(s, tp)) return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->v = realloc(s->v, (size_t)s->cap * sizeof(*s->v));
        if (!s->v) abort();
    }
    int i = s->n++;
    while (i > 0 && grp_tp_cmp(&s->v[i - 1], tp) > 0) {
        s->v[i] = s->v[i - 1];
        i--;
    }
    s->v[i] = *tp;
}

void grp_tps_clear(grp_tps_t *s)
{
    free(s->v);
    *s = (grp_tps_t){0};
}

bool grp_tps_eq(const grp_tps_t *a, const grp_tps_t *b)
{
    if (a->n != b->n) return false;
    for (int i = 0; i < a->n; i++)
        if (grp_tp_cmp(&a->v[i], &b->v[i]) != 0) return false;
    return true;
}

static bool grp_tps_intersects(const grp_tps_t *a, const grp_tps_t *b)
{
    for (int i = 0; i < a->n; i++)
        if (grp_tps_has(b, &a->v[i])) return true;
    return false;
}

void grp_tps_copy(grp_tps_t *dst, const grp_tps_t *src)
{
    grp_tps_clear(dst);
    for (int i = 0; i < src->n; i++) grp_tps_add(dst, &src->v[i]);
}

/* ---------------------------------------------------------------- members */

void grp_cons_set(char **field, kstr_t v)
{
    if (v.len < 0) return;
    free(*field);
    *field = kstr_dup(v);
    if (!*field) abort();
}

static void grp_cmember_free(grp_cmember_t *m)
{
    ev_loop_t *loop = m->cg->g->gc->loop;
    if (m->session_timer) ev_timer_cancel(loop, m->session_timer);
    if (m->revoke_timer) ev_timer_cancel(loop, m->revoke_timer);
    for (int i = 0; i < m->nsubs; i++) free(m->subs[i]);
    free(m->subs);
    free(m->id);
    free(m->instance_id);
    free(m->rack_id);
    free(m->client_id);
    free(m->client_host);
    free(m->assignor);
    grp_tps_clear(&m->assigned);
    grp_tps_clear(&m->revoking);
    grp_tps_clear(&m->target);
    free(m);
}

grp_cmember_t *grp_cmember_find(grp_cons_t *cg, kstr_t id)
{
    for (grp_cmember_t *m = cg->members; m; m = m->next)
        if (kstr_eq(id, m->id)) return m;
    return NULL;
}

grp_cmember_t *grp_cmember_by_instance(grp_cons_t *cg, kstr_t instance_id)
{
    if (instance_id.len < 0) return NULL;
    for (grp_cmember_t *m = cg->members; m; m = m->next)
        if (m->instance_id && kstr_eq(instance_id, m->instance_id)) return m;
    return NULL;
}

void grp_cons_bump(grp_cons_t *cg, const char *why)
{
    cg->group_epoch++;
    log_debug("grp", "group %s: group epoch %d (%s)", cg->g->id, cg->group_epoch, why);
}

static void grp_cmember_unlink(grp_cons_t *cg, grp_cmember_t *m)
{
    for (grp_cmember_t **pp = &cg->members; *pp; pp = &(*pp)->next)
        if (*pp == m) {
            *pp = m->next;
            cg->nmembers--;
            break;
        }
    if (cg->nmembers == 0) grp_set_state(cg->g, GRP_EMPTY);
}

/* A member leaves the group (left, fenced or expired): the group epoch moves on. */
void grp_cmember_remove(grp_cons_t *cg, grp_cmember_t *m, const char *why)
{
    log_info("grp", "group %s: member %s (epoch %d) removed: %s", cg->g->id, m->id, m->epoch, why);
    grp_cmember_unlink(cg, m);
    grp_cmember_free(m);
    grp_cons_bump(cg, why);
}

static void grp_cmember_session_expired(ev_loop_t *loop, void *arg)
{
    (void)loop;
    grp_cmember_t *m = arg;
    m->session_timer = 0;
    grp_cmember_remove(m->cg, m, "its session timed out");
}

static void grp_cmember_revoke_expired(ev_loop_t *loop, void *arg)
{
    (void)loop;
    grp_cmember_t *m = arg;
    m->revoke_timer = 0;
    grp_cmember_remove(m->cg, m, "it did not revoke its partitions within the rebalance timeout");
}

void grp_cmember_touch(grp_cmember_t *m)
{
    grp_coord_t *gc = m->cg->g->gc;
    if (m->session_timer) ev_timer_cancel(gc->loop, m->session_timer);
    m->session_timer = ev_timer_add(gc->loop, gc->cons_session_ms, grp_cmember_session_expired, m);
}

grp_cmember_t *grp_cmember_add(grp_cons_t *cg, const char *id)
{
    grp_cmember_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->cg = cg;
    m->id = grp_strdup(id);
    m->client_id = grp_strdup("");
    m->client_host = grp_strdup("");
    m->rebalance_timeout_ms = 60000;
    grp_cmember_t **pp = &cg->members;
    while (*pp) pp = &(*pp)->next;
    *pp = m;
    if (cg->nmembers++ == 0) grp_set_state(cg->g, GRP_STABLE);
    return m;
}

static int grp_cons_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The request's topic names, sorted and without duplicates; true when they differ. */
bool grp_cmember_set_subs(grp_cmember_t *m, const kp_cgh_req_t *req)
{
    char **subs = calloc((size_t)req->nsubscribed + 1, sizeof(char *));
    if (!subs) abort();
    int n = 0;
    for (int32_t i = 0; i < req->nsubscribed; i++)
        if (req->subscribed[i].len > 0 && !(subs[n] = kstr_dup(req->subscribed[i])))
            abort();
        else if (req->subscribed[i].len > 0)
            n++;
    qsort(subs, (size_t)n, sizeof(char *), grp_cons_strcmp);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (k > 0 && strcmp(subs[k - 1], subs[i]) == 0)
            free(subs[i]);
        else
            subs[k++] = subs[i];
    }
    bool same = k == m->nsubs;
    for (int i = 0; same && i < k; i++) same = strcmp(subs[i], m->subs[i]) == 0;
    if (same) {
        for (int i = 0; i < k; i++) free(subs[i]);
        free(subs);
        return false;
    }
    for (int i = 0; i < m->nsubs; i++) free(m->subs[i]);
    free(m->subs);
    m->subs = subs;
    m->nsubs = k;
    return true;
}

static bool grp_cmember_subscribes(const grp_cmember_t *m, const char *topic)
{
    for (int i = 0; i < m->nsubs; i++)
        if (strcmp(m->subs[i], topic) == 0) return true;
    return false;
}

/* ---------------------------------------------------------------- group life */

grp_cons_t *grp_cons_new(grp_t *g)
{
    grp_cons_t *cg = calloc(1, sizeof(*cg));
    if (!cg) abort();
    cg->g = g;
    g->cons = cg;
    free(g->protocol_type);
    g->protocol_type = grp_strdup(GRP_CONS_TYPE);
    free(g->protocol);
    g->protocol = NULL;
    grp_set_state(g, GRP_EMPTY);
    log_info("grp", "group %s is a consumer group (KIP-848)", g->id);
    return cg;
}

static void grp_cons_meta_clear(grp_cons_t *cg)
{
    for (int i = 0; i < cg->nmeta; i++) free(cg->meta[i].name);
    free(cg->meta);
    cg->meta = NULL;
    cg->nmeta = 0;
}

void grp_cons_free(grp_cons_t *cg)
{
    if (!cg) return;
    while (cg->members) {
        grp_cmember_t *m = cg->members;
        cg->members = m->next;
        grp_cmember_free(m);
    }
    grp_cons_meta_clear(cg);
    free(cg->assignor);
    cg->g->cons = NULL;
    free(cg);
}

bool grp_cons_drop_if_empty(grp_t *g)
{
    if (!g->cons) return true;
    if (g->cons->nmembers > 0) return false;
    log_info("grp", "group %s: empty consumer group becomes a classic group", g->id);
    grp_cons_free(g->cons);
    return true;
}

/* ---------------------------------------------------------------- metadata, target */

/* The subscribed topics as the metadata shows them now; bumps the group epoch on change. */
void grp_cons_refresh_meta(grp_cons_t *cg)
{
    const mdcache_t *md = cg->g->gc->d.md;
    int cap = 0;
    for (grp_cmember_t *m = cg->members; m; m = m->next) cap += m->nsubs;
    char **names = calloc((size_t)cap + 1, sizeof(char *));
    if (!names) abort();
    int n = 0;
    for (grp_cmember_t *m = cg->members; m; m = m->next)
        for (int i = 0; i < m->nsubs; i++) names[n++] = m->subs[i];
    qsort(names, (size_t)n, sizeof(char *), grp_cons_strcmp);
    grp_cmeta_t *meta = calloc((size_t)n + 1, sizeof(*meta));
    if (!meta) abort();
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (k > 0 && strcmp(meta[k - 1].name, names[i]) == 0) continue;
        const md_topic_t *t = mdcache_topic(md, names[i]);
        meta[k].name = grp_strdup(names[i]);
        if (t) memcpy(meta[k].id, t->id, 16);
        meta[k++].nparts = t ? t->nparts : 0;
    }
    free(names);
    bool same = k == cg->nmeta;
    for (int i = 0; same && i < k; i++)
        same = strcmp(meta[i].name, cg->meta[i].name) == 0 &&
               meta[i].nparts == cg->meta[i].nparts && memcmp(meta[i].id, cg->meta[i].id, 16) == 0;
    grp_cons_meta_clear(cg);
    cg->meta = meta;
    cg->nmeta = k;
    if (!same) grp_cons_bump(cg, "the subscribed topics' metadata changed");
}

/* The assignor most members ask for (ties and none: the first configured). */
static const char *grp_cons_pick_assignor(grp_cons_t *cg)
{
    grp_coord_t *gc = cg->g->gc;
    int best = 0, best_n = -1;
    for (int a = 0; a < gc->ncons_assignors; a++) {
        int n = 0;
        for (grp_cmember_t *m = cg->members; m; m = m->next)
            n += m->assignor && strcmp(m->assignor, gc->cons_assignors[a]) == 0;
        if (n > best_n) {
            best = a;
            best_n = n;
        }
    }
    return gc->cons_assignors[best];
}

static int grp_cons_meta_index(const grp_cons_t *cg, const uint8_t id[16])
{
    for (int i = 0; i < cg->nmeta; i++)
        if (cg->meta[i].nparts > 0 && memcmp(cg->meta[i].id, id, 16) == 0) return i;
    return -1;
}

/* One member's assignor input: its topics and previous target as indexes into cg->meta. */
static void grp_cons_asg_member(grp_cons_t *cg, grp_cmember_t *m, grp_asg_member_t *am)
{
    int32_t *subs = calloc((size_t)m->nsubs + 1, sizeof(int32_t));
    grp_asg_tp_t *prev = calloc((size_t)m->target.n + 1, sizeof(grp_asg_tp_t));
    if (!subs || !prev) abort();
    for (int i = 0; i < m->nsubs; i++)
        for (int t = 0; t < cg->nmeta; t++)
            if (strcmp(cg->meta[t].name, m->subs[i]) == 0) subs[am->nsubs++] = t;
    for (int i = 0; i < m->target.n; i++) {
        int t = grp_cons_meta_index(cg, m->target.v[i].id);
        if (t >= 0) prev[am->nprev++] = (grp_asg_tp_t){t, m->target.v[i].part};
    }
    am->id = m->id;
    am->subs = subs;
    am->prev = prev;
}

/* Compute the target assignment of the current group epoch. */
void grp_cons_compute_target(grp_cons_t *cg)
{
    const char *assignor = grp_cons_pick_assignor(cg);
    grp_asg_member_t *am = calloc((size_t)cg->nmembers + 1, sizeof(*am));
    int32_t *nparts = calloc((size_t)cg->nmeta + 1, sizeof(int32_t));
    if (!am || !nparts) abort();
    for (int t = 0; t < cg->nmeta; t++) nparts[t] = cg->meta[t].nparts;
    int i = 0;
    for (grp_cmember_t *m = cg->members; m; m = m->next) grp_cons_asg_member(cg, m, &am[i++]);
    grp_assign_run(assignor, am, cg->nmembers, nparts, cg->nmeta);
    i = 0;
    for (grp_cmember_t *m = cg->members; m; m = m->next, i++) {
        grp_tps_clear(&m->target);
        for (int k = 0; k < am[i].nout; k++) {
            grp_tp_t tp = {.part = am[i].out[k].partition};
            memcpy(tp.id, cg->meta[am[i].out[k].topic].id, 16);
            grp_tps_add(&m->target, &tp);
        }
        free((void *)am[i].subs);
        free((void *)am[i].prev);
        free(am[i].out);
    }
    free(am);
    free(nparts);
    free(cg->assignor);
    cg->assignor = grp_strdup(assignor);
    cg->assignment_epoch = cg->group_epoch;
    log_info("grp", "group %s: target assignment for epoch %d by %s over %d members", cg->g->id,
             cg->assignment_epoch, assignor, cg->nmembers);
}

/* ---------------------------------------------------------------- reconciliation */

static bool grp_cons_held_by_other(const grp_cons_t *cg, const grp_cmember_t *self,
                                   const grp_tp_t *tp)
{
    for (const grp_cmember_t *m = cg->members; m; m = m->next)
        if (m != self && (grp_tps_has(&m->assigned, tp) || grp_tps_has(&m->revoking, tp)))
            return true;
    return false;
}

static void grp_cmember_set_epoch(grp_cmember_t *m, int32_t epoch)
{
    if (m->epoch == epoch) return;
    m->prev_epoch = m->epoch;
    m->epoch = epoch;
}

/* Kafka's CurrentAssignmentBuilder, one step towards the target. owned: what the member says
 * it holds (NULL: not sent, so it still holds everything it was given). */
static void grp_cmember_next(grp_cmember_t *m, const grp_tps_t *owned)
{
    grp_cons_t *cg = m->cg;
    grp_tps_t keep = {0}, revoke = {0};
    bool pending = false;
    for (int i = 0; i < m->assigned.n; i++)
        grp_tps_add(grp_tps_has(&m->target, &m->assigned.v[i]) ? &keep : &revoke,
                    &m->assigned.v[i]);
    if (revoke.n > 0 && (!owned || grp_tps_intersects(owned, &revoke))) {
        grp_tps_copy(&m->assigned, &keep);
        grp_tps_copy(&m->revoking, &revoke);
        m->state = GRP_CM_UNREVOKED;
        if (!m->revoke_timer)
            m->revoke_timer = ev_timer_add(cg->g->gc->loop, m->rebalance_timeout_ms,
                                           grp_cmember_revoke_expired, m);
    } else {
        grp_tps_clear(&m->revoking);
        for (int i = 0; i < m->target.n; i++) {
            const grp_tp_t *tp = &m->target.v[i];
            if (grp_tps_has(&keep, tp)) continue;
            if (grp_cons_held_by_other(cg, m, tp))
                pending = true;
            else
                grp_tps_add(&keep, tp);
        }
        grp_tps_copy(&m->assigned, &keep);
        grp_cmember_set_epoch(m, cg->assignment_epoch);
        m->state = pending ? GRP_CM_UNRELEASED : GRP_CM_STABLE;
        if (m->revoke_timer) ev_timer_cancel(cg->g->gc->loop, m->revoke_timer);
        m->revoke_timer = 0;
    }
    grp_tps_clear(&keep);
    grp_tps_clear(&revoke);
}

void grp_cmember_reconcile(grp_cmember_t *m, const grp_tps_t *owned)
{
    if (m->state == GRP_CM_UNREVOKED) {
        if (!owned || grp_tps_intersects(owned, &m->revoking)) return; /* still revoking */
        grp_tps_clear(&m->revoking);
    } else if (m->state == GRP_CM_STABLE && m->epoch == m->cg->assignment_epoch) {
        return;
    }
    grp_cmember_next(m, owned);
}

/* ---------------------------------------------------------------- other APIs' views */

const char *grp_cons_state(const grp_t *g)
{
    const grp_cons_t *cg = g->cons;
    if (cg->nmembers == 0) return "Empty";
    if (cg->group_epoch > cg->assignment_epoch) return "Assigning";
    for (const grp_cmember_t *m = cg->members; m; m = m->next)
        if (m->epoch != cg->assignment_epoch || m->state != GRP_CM_STABLE) return "Reconciling";
    return "Stable";
}

kerr_t grp_cons_commit_check(grp_t *g, int16_t ver, const kp_offsetcommit_req_t *req)
{
    grp_cons_t *cg = g->cons;
    if (req->generation_id < 0 && cg->nmembers == 0) return KERR_NONE; /* admin, standalone */
    grp_cmember_t *m = grp_cmember_find(cg, req->member_id);
    if (!m) return KERR_UNKNOWN_MEMBER_ID;
    if (ver < 9) return KERR_UNSUPPORTED_VERSION; /* KIP-848 members commit with v9+ */
    if (req->generation_id > m->epoch) return KERR_FENCED_MEMBER_EPOCH;
    if (req->generation_id < m->epoch) return KERR_STALE_MEMBER_EPOCH;
    return KERR_NONE;
}

bool grp_cons_subscribed(const grp_t *g, kstr_t topic)
{
    char *t = kstr_dup(topic);
    bool yes = false;
    for (const grp_cmember_t *m = g->cons->members; t && m && !yes; m = m->next)
        yes = grp_cmember_subscribes(m, t);
    free(t);
    return yes;
}

static kstr_t grp_cons_k(arena_t *a, const char *s)
{
    if (!s) return KSTR_NULL;
    size_t n = strlen(s);
    return (kstr_t){arena_strndup(a, s, n), (int32_t)n};
}

/* A partition set as ConsumerGroupDescribe shows it: topics with id and name. */
static void grp_cons_describe_tps(const grp_cons_t *cg, const grp_tps_t *s, arena_t *a,
                                  kp_cgd_assignment_t *out)
{
    out->topics = arena_calloc(a, (size_t)s->n + 1, sizeof(*out->topics));
    for (int i = 0; i < s->n; i++) {
        const grp_tp_t *tp = &s->v[i];
        kp_cgd_topic_t *t = out->ntopics ? &out->topics[out->ntopics - 1] : NULL;
        if (!t || memcmp(t->topic_id, tp->id, 16) != 0) {
            t = &out->topics[out->ntopics++];
            memcpy(t->topic_id, tp->id, 16);
            int mi = grp_cons_meta_index(cg, tp->id);
            t->name = mi >= 0 ? grp_cons_k(a, cg->meta[mi].name) : KSTR("");
            t->parts = arena_calloc(a, (size_t)s->n, sizeof(int32_t));
        }
        t->parts[t->nparts++] = tp->part;
    }
}

static void grp_cons_describe_member(const grp_cons_t *cg, const grp_cmember_t *m, arena_t *a,
                                     kp_cgd_member_t *dm)
{
    dm->member_id = grp_cons_k(a, m->id);
    dm->instance_id = grp_cons_k(a, m->instance_id);
    dm->rack_id = grp_cons_k(a, m->rack_id);
    dm->member_epoch = m->epoch;
    dm->client_id = grp_cons_k(a, m->client_id);
    dm->client_host = grp_cons_k(a, m->client_host);
    dm->nsubscribed = m->nsubs;
    dm->subscribed = arena_calloc(a, (size_t)m->nsubs + 1, sizeof(kstr_t));
    for (int i = 0; i < m->nsubs; i++) dm->subscribed[i] = grp_cons_k(a, m->subs[i]);
    dm->subscribed_regex = KSTR_NULL;
    grp_cons_describe_tps(cg, &m->assigned, a, &dm->assignment);
    grp_cons_describe_tps(cg, &m->target, a, &dm->target);
    dm->member_type = 1; /* KIP-1099: a consumer-protocol member */
}

static void grp_cons_describe_one(grp_coord_t *gc, kstr_t id, arena_t *a, kp_cgd_group_t *out)
{
    char msg[400];
    grp_t *g = NULL;
    out->group_id = id;
    out->group_state = KSTR("Dead");
    out->assignor_name = KSTR("");
    out->error_message = KSTR_NULL;
    out->authorized_operations = INT32_MIN;
    out->error_code = (int16_t)grp_lookup(gc, id, false, &g);
    if (out->error_code) return;
    if (!g || !g->cons) {
        out->error_code = KERR_GROUP_ID_NOT_FOUND;
        snprintf(msg, sizeof(msg),
                 g ? "Group %.*s is not a consumer group." : "Group %.*s not found.",
                 id.len > 300 ? 300 : id.len, id.p);
        out->error_message = grp_cons_k(a, msg);
        return;
    }
    const grp_cons_t *cg = g->cons;
    out->group_state = KSTR(grp_cons_state(g));
    out->group_epoch = cg->group_epoch;
    out->assignment_epoch = cg->assignment_epoch;
    out->assignor_name = grp_cons_k(a, cg->assignor ? cg->assignor : gc->cons_assignors[0]);
    out->members = arena_calloc(a, (size_t)cg->nmembers + 1, sizeof(*out->members));
    for (const grp_cmember_t *m = cg->members; m; m = m->next)
        grp_cons_describe_member(cg, m, a, &out->members[out->nmembers++]);
}

void grp_cons_describe(grp_coord_t *gc, const kp_cgd_req_t *req, arena_t *a, kp_cgd_resp_t *resp)
{
    resp->ngroups = req->ngroups;
    resp->groups = arena_calloc(a, (size_t)req->ngroups + 1, sizeof(*resp->groups));
    for (int32_t i = 0; i < req->ngroups; i++)
        grp_cons_describe_one(gc, req->groups[i], a, &resp->groups[i]);
}
