/* grp_classic.c: the classic group APIs on grp.c's state machine: JoinGroup (member ids,
 * static members, MEMBER_ID_REQUIRED), SyncGroup (the leader's assignment stored before the
 * answers), Heartbeat, LeaveGroup, and the checks OffsetCommit makes of a classic member. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grp_int.h"
#include "ktime.h"
#include "log.h"

/* ---------------------------------------------------------------- JoinGroup */

static bool grp_supports(grp_t *g, const kp_joingroup_req_t *req)
{
    if (g->nmembers == 0) return req->protocol_type.len > 0 && req->nprotocols > 0;
    if (!g->protocol_type || !kstr_eq(req->protocol_type, g->protocol_type)) return false;
    for (int32_t i = 0; i < req->nprotocols; i++) {
        char *name = kstr_dup(req->protocols[i].name);
        bool all = true;
        for (grp_member_t *m = g->members; m && all; m = m->next)
            all = grp_member_proto(m, name) != NULL;
        free(name);
        if (all) return true;
    }
    return false;
}

static void grp_pending_expire(ev_loop_t *loop, void *arg)
{
    (void)loop;
    grp_pending_t *p = arg;
    grp_t *g = p->g;
    for (grp_pending_t **pp = &g->pending; *pp; pp = &(*pp)->next) {
        if (*pp != p) continue;
        *pp = p->next;
        break;
    }
    free(p->id);
    free(p);
    grp_try_complete_join(g);
    grp_answers_flush();
}

static grp_pending_t *grp_pending_take(grp_t *g, kstr_t id)
{
    for (grp_pending_t **pp = &g->pending; *pp; pp = &(*pp)->next) {
        grp_pending_t *p = *pp;
        if (!kstr_eq(id, p->id)) continue;
        *pp = p->next;
        ev_timer_cancel(g->gc->loop, p->timer);
        return p;
    }
    return NULL;
}

static void grp_member_update(grp_member_t *m, const kp_joingroup_req_t *req, kstr_t client_id,
                              const char *client_host, grp_join_cb *cb, void *arg, int16_t ver)
{
    m->session_timeout_ms = req->session_timeout_ms;
    m->rebalance_timeout_ms = req->rebalance_timeout_ms;
    free(m->client_id);
    m->client_id = client_id.len > 0 ? kstr_dup(client_id) : grp_strdup("");
    free(m->client_host);
    m->client_host = malloc(strlen(client_host) + 2);
    if (!m->client_id || !m->client_host) abort();
    sprintf(m->client_host, "/%s", client_host);
    grp_member_set_protos(m, req);
    if (m->join_cb && m->join_cb != cb) /* an older join of the same member */
        grp_answer_join(m->g, m, KERR_REBALANCE_IN_PROGRESS);
    m->join_cb = cb;
    m->join_arg = arg;
    m->join_ver = ver;
}

static void grp_add_and_rebalance(grp_t *g, const char *member_id, const kp_joingroup_req_t *req,
                                  kstr_t client_id, const char *client_host, grp_join_cb *cb,
                                  void *arg, int16_t ver)
{
    char *inst = req->group_instance_id.len >= 0 ? kstr_dup(req->group_instance_id) : NULL;
    if (g->nmembers == 0) {
        free(g->protocol_type);
        g->protocol_type = kstr_dup(req->protocol_type);
    }
    grp_member_t *m = grp_member_add(g, member_id, inst);
    free(inst);
    m->is_new = true;
    grp_member_update(m, req, client_id, client_host, cb, arg, ver);
    if (g->state == GRP_PREPARING_REBALANCE && g->initial_delay_left > 0)
        g->joined_during_delay = true;
    if (g->state == GRP_PREPARING_REBALANCE)
        grp_try_complete_join(g);
    else
        grp_maybe_rebalance(g, "a new member joined");
}

/* Answer a known member at once with the current generation (no rebalance needed). */
static void grp_answer_current(grp_t *g, grp_member_t *m, grp_join_cb *cb, void *arg)
{
    m->join_cb = cb;
    m->join_arg = arg;
    grp_answer_join(g, m, KERR_NONE);
    grp_member_schedule(m);
}

static void grp_join_static_known(grp_t *g, grp_member_t *old, const kp_joingroup_req_t *req,
                                  kstr_t client_id, const char *client_host, grp_join_cb *cb,
                                  void *arg, int16_t ver)
{
    char new_id[320];
    grp_new_member_id(req->group_instance_id, new_id, sizeof(new_id));
    /* the previous incarnation is fenced */
    grp_answer_join(g, old, KERR_FENCED_INSTANCE_ID);
    grp_answer_sync(old, KERR_FENCED_INSTANCE_ID);
    bool was_leader = g->leader && strcmp(g->leader, old->id) == 0;
    log_info("grp", "group %s: static member %.*s rejoins: member id %s replaces %s", g->id,
             req->group_instance_id.len, req->group_instance_id.p, new_id, old->id);
    free(old->id);
    old->id = grp_strdup(new_id);
    if (was_leader) {
        free(g->leader);
        g->leader = grp_strdup(new_id);
    }
    bool same = grp_member_same_protos(old, req);
    grp_member_update(old, req, client_id, client_host, cb, arg, ver);
    old->join_cb = NULL;
    if (g->state == GRP_STABLE && same && !was_leader) {
        grp_answer_current(g, old, cb, arg);
        return;
    }
    old->join_cb = cb;
    if (g->state == GRP_PREPARING_REBALANCE)
        grp_try_complete_join(g);
    else
        grp_maybe_rebalance(g, "a static member rejoined with new metadata");
}

static void grp_join_unknown(grp_t *g, int16_t ver, const kp_joingroup_req_t *req, kstr_t client_id,
                             const char *client_host, grp_join_cb *cb, void *arg)
{
    kerr_t err = g->state == GRP_DEAD    ? KERR_COORDINATOR_NOT_AVAILABLE
                 : !grp_supports(g, req) ? KERR_INCONSISTENT_GROUP_PROTOCOL
                                         : KERR_NONE;
    if (err) {
        grp_join_answer_err(cb, arg, err, NULL);
        return;
    }
    grp_member_t *old = grp_member_by_instance(g, req->group_instance_id);
    if (old) {
        grp_join_static_known(g, old, req, client_id, client_host, cb, arg, ver);
        return;
    }
    char id[320];
    kstr_t prefix = req->group_instance_id.len >= 0 ? req->group_instance_id : client_id;
    grp_new_member_id(prefix, id, sizeof(id));
    if (ver >= 4 && req->group_instance_id.len < 0) {
        /* KIP-394: hand out the id; the member joins again with it */
        grp_pending_t *p = calloc(1, sizeof(*p));
        if (!p) abort();
        p->g = g;
        p->id = grp_strdup(id);
        p->next = g->pending;
        g->pending = p;
        p->timer = ev_timer_add(g->gc->loop, req->session_timeout_ms, grp_pending_expire, p);
        grp_join_answer_err(cb, arg, KERR_MEMBER_ID_REQUIRED, id);
        return;
    }
    grp_add_and_rebalance(g, id, req, client_id, client_host, cb, arg, ver);
}

static void grp_join_known(grp_t *g, int16_t ver, const kp_joingroup_req_t *req, kstr_t client_id,
                           const char *client_host, grp_join_cb *cb, void *arg)
{
    char *mid = kstr_dup(req->member_id);
    if (g->state == GRP_DEAD) {
        grp_join_answer_err(cb, arg, KERR_COORDINATOR_NOT_AVAILABLE, mid);
    } else if (!grp_supports(g, req)) {
        grp_join_answer_err(cb, arg, KERR_INCONSISTENT_GROUP_PROTOCOL, mid);
    } else if (grp_member_fenced(g, req->member_id, req->group_instance_id)) {
        grp_join_answer_err(cb, arg, KERR_FENCED_INSTANCE_ID, mid);
    } else {
        grp_pending_t *p = grp_pending_take(g, req->member_id);
        grp_member_t *m = grp_member_find(g, req->member_id);
        if (p) {
            grp_add_and_rebalance(g, p->id, req, client_id, client_host, cb, arg, ver);
            free(p->id);
            free(p);
        } else if (!m) {
            grp_join_answer_err(cb, arg, KERR_UNKNOWN_MEMBER_ID, mid);
        } else if (g->state == GRP_PREPARING_REBALANCE) {
            grp_member_update(m, req, client_id, client_host, cb, arg, ver);
            grp_try_complete_join(g);
        } else {
            bool same = grp_member_same_protos(m, req);
            bool leader = g->leader && strcmp(g->leader, m->id) == 0;
            if (same &&
                (g->state == GRP_COMPLETING_REBALANCE || (g->state == GRP_STABLE && !leader))) {
                grp_answer_current(g, m, cb, arg);
            } else {
                grp_member_update(m, req, client_id, client_host, cb, arg, ver);
                grp_maybe_rebalance(g, same ? "the leader rejoined"
                                            : "a member rejoined with new metadata");
            }
        }
    }
    free(mid);
}

void grp_join(grp_coord_t *gc, int16_t ver, const kp_joingroup_req_t *req, kstr_t client_id,
              const char *client_host, grp_join_cb *cb, void *arg)
{
    grp_t *g = NULL;
    bool unknown = req->member_id.len == 0;
    kerr_t err = grp_lookup(gc, req->group_id, unknown, &g);
    if (!err && (req->session_timeout_ms < gc->min_session_ms ||
                 req->session_timeout_ms > gc->max_session_ms))
        err = KERR_INVALID_SESSION_TIMEOUT;
    if (!err && req->rebalance_timeout_ms <= 0) err = KERR_INVALID_REQUEST;
    if (!err && !g) err = KERR_UNKNOWN_MEMBER_ID;
    if (!err && !grp_cons_drop_if_empty(g)) err = KERR_INCONSISTENT_GROUP_PROTOCOL; /* KIP-848 */
    if (err) {
        char *mid = kstr_dup(req->member_id);
        grp_join_answer_err(cb, arg, err, mid);
        free(mid);
    } else if (unknown) {
        grp_join_unknown(g, ver, req, client_id, client_host, cb, arg);
    } else {
        grp_join_known(g, ver, req, client_id, client_host, cb, arg);
    }
    grp_answers_flush();
}

/* ---------------------------------------------------------------- SyncGroup */

typedef struct grp_sync_ctx {
    grp_coord_t *gc;
    char *id;
    int32_t generation;
} grp_sync_ctx_t;

static void grp_sync_stored(void *arg, kerr_t err)
{
    grp_sync_ctx_t *ctx = arg;
    grp_t *g = grp_get(ctx->gc, ctx->id);
    if (g && g->generation == ctx->generation && g->state == GRP_COMPLETING_REBALANCE) {
        if (err) {
            log_warn("grp", "group %s: storing generation %d failed: %s", g->id, g->generation,
                     kerr_name(err));
            for (grp_member_t *m = g->members; m; m = m->next) {
                grp_member_set_assignment(m, NULL, 0);
                grp_answer_sync(m, err);
            }
            grp_prepare_rebalance(g, "the group metadata could not be stored");
        } else {
            grp_set_state(g, GRP_STABLE);
            for (grp_member_t *m = g->members; m; m = m->next) grp_answer_sync(m, KERR_NONE);
        }
    }
    free(ctx->id);
    free(ctx);
    grp_answers_flush();
}

static kerr_t grp_sync_check(grp_t *g, grp_member_t *m, int16_t ver, const kp_syncgroup_req_t *req)
{
    if (!m) return KERR_UNKNOWN_MEMBER_ID;
    if (grp_member_fenced(g, req->member_id, req->group_instance_id))
        return KERR_FENCED_INSTANCE_ID;
    if (req->generation_id != g->generation) return KERR_ILLEGAL_GENERATION;
    if (ver >= 5 && ((req->protocol_type.len >= 0 &&
                      (!g->protocol_type || !kstr_eq(req->protocol_type, g->protocol_type))) ||
                     (req->protocol_name.len >= 0 &&
                      (!g->protocol || !kstr_eq(req->protocol_name, g->protocol)))))
        return KERR_INCONSISTENT_GROUP_PROTOCOL;
    switch (g->state) {
    case GRP_EMPTY:
        return KERR_UNKNOWN_MEMBER_ID;
    case GRP_DEAD:
        return KERR_COORDINATOR_NOT_AVAILABLE;
    case GRP_PREPARING_REBALANCE:
        return KERR_REBALANCE_IN_PROGRESS;
    default:
        return KERR_NONE;
    }
}

void grp_sync(grp_coord_t *gc, int16_t ver, const kp_syncgroup_req_t *req, grp_sync_cb *cb,
              void *arg)
{
    grp_t *g = NULL;
    kerr_t err = grp_lookup(gc, req->group_id, false, &g);
    grp_member_t *m = g ? grp_member_find(g, req->member_id) : NULL;
    if (!err && g && g->cons) err = KERR_GROUP_ID_NOT_FOUND; /* not a classic group */
    if (!err) err = g ? grp_sync_check(g, m, ver, req) : KERR_UNKNOWN_MEMBER_ID;
    if (err) {
        grp_sync_answer(g, cb, arg, err, NULL, 0);
    } else if (g->state == GRP_STABLE) {
        grp_member_schedule(m);
        grp_sync_answer(g, cb, arg, KERR_NONE, m->assignment, m->assignment_len);
    } else { /* CompletingRebalance: wait for the leader's assignment to be stored */
        grp_member_schedule(m);
        grp_answer_sync(m, KERR_REBALANCE_IN_PROGRESS); /* an older SyncGroup of this member */
        m->sync_cb = cb;
        m->sync_arg = arg;
        m->sync_ver = ver;
        if (g->leader && strcmp(g->leader, m->id) == 0) {
            for (grp_member_t *o = g->members; o; o = o->next) {
                grp_member_set_assignment(o, NULL, 0);
                for (int32_t i = 0; i < req->nassignments; i++)
                    if (kstr_eq(req->assignments[i].member_id, o->id))
                        grp_member_set_assignment(o, req->assignments[i].assignment.p,
                                                  req->assignments[i].assignment.len);
            }
            grp_sync_ctx_t *ctx = calloc(1, sizeof(*ctx));
            if (!ctx) abort();
            ctx->gc = gc;
            ctx->id = grp_strdup(g->id);
            ctx->generation = g->generation;
            grp_store_group(g, grp_sync_stored, ctx);
        }
    }
    grp_answers_flush();
}

/* ---------------------------------------------------------------- Heartbeat, LeaveGroup */

int16_t grp_heartbeat(grp_coord_t *gc, const kp_heartbeat_req_t *req)
{
    grp_t *g = NULL;
    kerr_t err = grp_lookup(gc, req->group_id, false, &g);
    if (err) return (int16_t)err;
    if (!g) return KERR_UNKNOWN_MEMBER_ID;
    if (g->cons) return KERR_GROUP_ID_NOT_FOUND; /* not a classic group */
    grp_member_t *m = grp_member_find(g, req->member_id);
    if (g->state == GRP_DEAD) return KERR_COORDINATOR_NOT_AVAILABLE;
    if (grp_member_fenced(g, req->member_id, req->group_instance_id))
        return KERR_FENCED_INSTANCE_ID;
    if (!m || g->state == GRP_EMPTY) return KERR_UNKNOWN_MEMBER_ID;
    if (req->generation_id != g->generation) return KERR_ILLEGAL_GENERATION;
    grp_member_schedule(m);
    return g->state == GRP_PREPARING_REBALANCE ? KERR_REBALANCE_IN_PROGRESS : KERR_NONE;
}

static kerr_t grp_leave_one(grp_t *g, const kp_leavegroup_member_t *lm)
{
    grp_member_t *m = lm->member_id.len > 0 ? grp_member_find(g, lm->member_id)
                                            : grp_member_by_instance(g, lm->group_instance_id);
    if (!m && lm->member_id.len > 0) {
        grp_pending_t *p = grp_pending_take(g, lm->member_id);
        if (!p) return KERR_UNKNOWN_MEMBER_ID;
        free(p->id);
        free(p);
        grp_try_complete_join(g);
        return KERR_NONE;
    }
    if (!m) return KERR_UNKNOWN_MEMBER_ID;
    if (lm->group_instance_id.len >= 0 &&
        (!m->instance_id || !kstr_eq(lm->group_instance_id, m->instance_id)))
        return KERR_FENCED_INSTANCE_ID;
    grp_remove_member(g, m, "the member left the group");
    return KERR_NONE;
}

void grp_leave(grp_coord_t *gc, const kp_leavegroup_req_t *req, arena_t *a,
               kp_leavegroup_resp_t *resp)
{
    grp_t *g = NULL;
    kerr_t err = grp_lookup(gc, req->group_id, false, &g);
    if (!err && g && g->cons) err = KERR_GROUP_ID_NOT_FOUND; /* not a classic group */
    resp->nmembers = req->nmembers;
    resp->members = arena_calloc(a, (size_t)req->nmembers + 1, sizeof(*resp->members));
    for (int32_t i = 0; i < req->nmembers; i++) {
        kp_leavegroup_member_t *rm = &resp->members[i];
        rm->member_id = req->members[i].member_id;
        rm->group_instance_id = req->members[i].group_instance_id;
        if (!err && (!g || g->state == GRP_DEAD))
            rm->error_code = g ? KERR_COORDINATOR_NOT_AVAILABLE : KERR_UNKNOWN_MEMBER_ID;
        else if (!err)
            rm->error_code = (int16_t)grp_leave_one(g, &req->members[i]);
    }
    resp->error_code = (int16_t)err; /* v0-2 put members[0]'s error here (the handler) */
    grp_answers_flush();
}

/* ---------------------------------------------------------------- OffsetCommit checks */

kerr_t grp_txn_commit_check(grp_t *g, const kp_offsetcommit_req_t *req)
{
    if (g->state == GRP_DEAD) return KERR_COORDINATOR_NOT_AVAILABLE;
    if (g->cons) return req->generation_id < 0 ? KERR_NONE : grp_cons_commit_check(g, 9, req);
    if (grp_member_fenced(g, req->member_id, req->group_instance_id))
        return KERR_FENCED_INSTANCE_ID;
    if (req->member_id.len > 0 && !grp_member_find(g, req->member_id))
        return KERR_UNKNOWN_MEMBER_ID;
    if (req->generation_id >= 0 && req->generation_id != g->generation)
        return KERR_ILLEGAL_GENERATION;
    return KERR_NONE;
}

kerr_t grp_commit_check(grp_t *g, int16_t ver, const kp_offsetcommit_req_t *req)
{
    if (g->state == GRP_DEAD) return KERR_COORDINATOR_NOT_AVAILABLE;
    if (g->cons) return grp_cons_commit_check(g, ver, req);
    if (grp_member_fenced(g, req->member_id, req->group_instance_id))
        return KERR_FENCED_INSTANCE_ID;
    if (req->generation_id < 0 && g->state == GRP_EMPTY) return KERR_NONE; /* standalone */
    if (g->state == GRP_COMPLETING_REBALANCE) return KERR_REBALANCE_IN_PROGRESS;
    grp_member_t *m = grp_member_find(g, req->member_id);
    if (!m) return KERR_UNKNOWN_MEMBER_ID;
    if (req->generation_id != g->generation) return KERR_ILLEGAL_GENERATION;
    grp_member_schedule(m); /* a commit counts as a heartbeat */
    return KERR_NONE;
}
