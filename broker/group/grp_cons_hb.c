/* grp_cons_hb.c: ConsumerGroupHeartbeat (KIP-848, see grp_cons.h) on grp_cons.c's groups and
 * members: validation, join with epoch 0, heartbeat, leave with -1, static leave with -2, the
 * member's epoch checks and its assignment in the answer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grp_cons.h"
#include "grp_int.h"
#include "log.h"
#include "zkpath.h"

/* ---------------------------------------------------------------- the heartbeat */

typedef struct grp_cons_hb {
    grp_coord_t *gc;
    int16_t ver;
    const kp_cgh_req_t *req;
    kstr_t client_id;
    const char *client_host;
    arena_t *a;
    kp_cgh_resp_t *resp;
} grp_cons_hb_t;

static kerr_t grp_cons_fail(grp_cons_hb_t *hb, kerr_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static kerr_t grp_cons_fail(grp_cons_hb_t *hb, kerr_t err, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    size_t n = strlen(buf);
    hb->resp->error_message = (kstr_t){arena_strndup(hb->a, buf, n), (int32_t)n};
    return err;
}

static bool grp_cons_assignor_ok(const grp_coord_t *gc, kstr_t name)
{
    for (int i = 0; i < gc->ncons_assignors; i++)
        if (kstr_eq(name, gc->cons_assignors[i])) return true;
    return false;
}

/* Kafka's request checks (throwIfConsumerGroupHeartbeatRequestIsInvalid). */
static kerr_t grp_cons_validate(grp_cons_hb_t *hb)
{
    const kp_cgh_req_t *r = hb->req;
    const kerr_t inval = KERR_INVALID_REQUEST;
    if (r->group_id.len <= 0) return grp_cons_fail(hb, inval, "GroupId can't be empty.");
    if (r->instance_id.len == 0) return grp_cons_fail(hb, inval, "InstanceId can't be empty.");
    if (r->rack_id.len == 0) return grp_cons_fail(hb, inval, "RackId can't be empty.");
    if (r->member_id.len == 0 && (hb->ver >= 1 || r->member_epoch != 0))
        return grp_cons_fail(hb, inval, "MemberId can't be empty.");
    if (r->member_epoch < -2) return grp_cons_fail(hb, inval, "MemberEpoch is invalid.");
    if (r->member_epoch == -2 && r->instance_id.len < 0)
        return grp_cons_fail(hb, inval, "InstanceId can't be null.");
    if (r->member_epoch == 0 && r->rebalance_timeout_ms == -1)
        return grp_cons_fail(hb, inval, "RebalanceTimeoutMs must be provided in first request.");
    if (r->member_epoch == 0 && r->nowned != 0)
        return grp_cons_fail(hb, inval, "TopicPartitions must be empty when (re-)joining.");
    if (r->member_epoch == 0 && r->nsubscribed < 0 && r->subscribed_regex.len < 0)
        return grp_cons_fail(hb, inval,
                             "SubscribedTopicNames or SubscribedTopicRegex must be set in first "
                             "request.");
    if (r->subscribed_regex.len >= 0)
        return grp_cons_fail(hb, KERR_INVALID_REGULAR_EXPRESSION,
                             "SubscribedTopicRegex is not supported by this broker; subscribe "
                             "with SubscribedTopicNames.");
    if (r->server_assignor.len >= 0 && !grp_cons_assignor_ok(hb->gc, r->server_assignor))
        return grp_cons_fail(hb, KERR_UNSUPPORTED_ASSIGNOR, "ServerAssignor %.*s is not supported.",
                             r->server_assignor.len, r->server_assignor.p);
    return KERR_NONE;
}

/* The group as a consumer group: created or converted from an empty classic group on a
 * join; a classic group with members is not one (Kafka: GROUP_ID_NOT_FOUND). */
static kerr_t grp_cons_group(grp_cons_hb_t *hb, grp_cons_t **out)
{
    grp_t *g = NULL;
    bool join = hb->req->member_epoch == 0;
    kerr_t err = grp_lookup(hb->gc, hb->req->group_id, join, &g);
    if (err) return err;
    if (g && g->state == GRP_DEAD) return KERR_COORDINATOR_NOT_AVAILABLE;
    if (g && !g->cons && (g->nmembers > 0 || g->pending || g->state != GRP_EMPTY))
        return grp_cons_fail(hb, KERR_GROUP_ID_NOT_FOUND, "Group %s is not a consumer group.",
                             g->id);
    if (!g || (!g->cons && !join))
        return grp_cons_fail(hb, KERR_UNKNOWN_MEMBER_ID,
                             "Member %.*s is not a member of the group.", hb->req->member_id.len,
                             hb->req->member_id.p);
    *out = g->cons ? g->cons : grp_cons_new(g);
    return KERR_NONE;
}

/* A static member comes back under a new member id: it takes the old member's place. */
static grp_cmember_t *grp_cons_replace_static(grp_cons_t *cg, grp_cmember_t *old, kstr_t new_id)
{
    log_info("grp", "group %s: static member %s rejoins as %.*s", cg->g->id, old->instance_id,
             new_id.len, new_id.p);
    free(old->id);
    old->id = kstr_dup(new_id);
    if (!old->id) abort();
    old->epoch = 0;
    return old;
}

static kerr_t grp_cons_join(grp_cons_hb_t *hb, grp_cons_t *cg, grp_cmember_t **out)
{
    const kp_cgh_req_t *r = hb->req;
    grp_cmember_t *m = r->member_id.len > 0 ? grp_cmember_find(cg, r->member_id) : NULL;
    grp_cmember_t *st = grp_cmember_by_instance(cg, r->instance_id);
    if (st && st != m) {
        if (st->epoch != -2)
            return grp_cons_fail(hb, KERR_UNRELEASED_INSTANCE_ID,
                                 "Static member %s with instance id %s is not released yet.",
                                 st->id, st->instance_id);
        if (m) grp_cmember_remove(cg, m, "its instance id was taken over");
        m = grp_cons_replace_static(cg, st, r->member_id);
    }
    if (!m) {
        if (cg->nmembers >= hb->gc->cons_max_size)
            return grp_cons_fail(hb, KERR_GROUP_MAX_SIZE_REACHED,
                                 "The consumer group has reached its maximum capacity of %d "
                                 "members.",
                                 hb->gc->cons_max_size);
        char gen[23];
        if (r->member_id.len == 0) zkpath_uuid_new(gen); /* v0: the coordinator names it */
        char *id = r->member_id.len > 0 ? kstr_dup(r->member_id) : grp_strdup(gen);
        m = grp_cmember_add(cg, id);
        free(id);
        log_info("grp", "group %s: member %s joins", cg->g->id, m->id);
        grp_cons_bump(cg, "a member joined");
    }
    m->epoch = m->epoch > 0 ? m->epoch : 0;
    *out = m;
    return KERR_NONE;
}

/* The member epoch a heartbeat carries must be the member's (or its previous one, when the
 * member's owned partitions show it only missed our last answer). */
static kerr_t grp_cons_check_epoch(grp_cons_hb_t *hb, grp_cmember_t *m, const grp_tps_t *owned)
{
    int32_t e = hb->req->member_epoch;
    if (e == m->epoch) return KERR_NONE;
    if (e < m->epoch && e == m->prev_epoch && owned) {
        bool subset = true;
        for (int i = 0; subset && i < owned->n; i++)
            subset = grp_tps_has(&m->assigned, &owned->v[i]);
        if (subset) return KERR_NONE;
    }
    return grp_cons_fail(hb, KERR_FENCED_MEMBER_EPOCH,
                         "The consumer group member has a member epoch (%d) which is %s than the "
                         "one known by the group coordinator (%d).",
                         e, e > m->epoch ? "larger" : "smaller", m->epoch);
}

static void grp_cons_update_member(grp_cons_hb_t *hb, grp_cons_t *cg, grp_cmember_t *m)
{
    const kp_cgh_req_t *r = hb->req;
    grp_cons_set(&m->instance_id, r->instance_id);
    grp_cons_set(&m->rack_id, r->rack_id);
    if (r->rebalance_timeout_ms > 0) m->rebalance_timeout_ms = r->rebalance_timeout_ms;
    grp_cons_set(&m->client_id, hb->client_id.len >= 0 ? hb->client_id : KSTR(""));
    free(m->client_host);
    m->client_host = malloc(strlen(hb->client_host) + 2);
    if (!m->client_host) abort();
    sprintf(m->client_host, "/%s", hb->client_host);
    if (r->nsubscribed >= 0 && grp_cmember_set_subs(m, r))
        grp_cons_bump(cg, "a member's subscription changed");
    if (r->server_assignor.len >= 0 &&
        (!m->assignor || !kstr_eq(r->server_assignor, m->assignor))) {
        grp_cons_set(&m->assignor, r->server_assignor);
        grp_cons_bump(cg, "a member's server assignor changed");
    }
}

/* The member's assignment as the response carries it (topics by id). */
static void grp_cons_resp_assignment(grp_cons_hb_t *hb, const grp_cmember_t *m)
{
    kp_cgh_topic_t *t = arena_calloc(hb->a, (size_t)m->assigned.n + 1, sizeof(*t));
    int32_t n = 0;
    for (int i = 0; i < m->assigned.n; i++) {
        const grp_tp_t *tp = &m->assigned.v[i];
        if (n == 0 || memcmp(t[n - 1].topic_id, tp->id, 16) != 0) {
            memcpy(t[n].topic_id, tp->id, 16);
            t[n].parts = arena_calloc(hb->a, (size_t)m->assigned.n, sizeof(int32_t));
            n++;
        }
        t[n - 1].parts[t[n - 1].nparts++] = tp->part;
    }
    hb->resp->has_assignment = true;
    hb->resp->nassigned = n;
    hb->resp->assigned = t;
}

static void grp_cons_owned(const kp_cgh_req_t *r, grp_tps_t *owned)
{
    for (int32_t i = 0; i < r->nowned; i++)
        for (int32_t j = 0; j < r->owned[i].nparts; j++) {
            grp_tp_t tp = {.part = r->owned[i].parts[j]};
            memcpy(tp.id, r->owned[i].topic_id, 16);
            grp_tps_add(owned, &tp);
        }
}

static kerr_t grp_cons_leave(grp_cons_hb_t *hb, grp_cons_t *cg)
{
    const kp_cgh_req_t *r = hb->req;
    grp_cmember_t *m = grp_cmember_find(cg, r->member_id);
    if (!m)
        return grp_cons_fail(hb, KERR_UNKNOWN_MEMBER_ID, "Member %.*s is not a member of group %s.",
                             r->member_id.len, r->member_id.p, cg->g->id);
    hb->resp->member_id = r->member_id;
    hb->resp->member_epoch = r->member_epoch;
    if (r->member_epoch == -2 && m->instance_id) {
        log_info("grp", "group %s: static member %s (%s) leaves for now", cg->g->id, m->id,
                 m->instance_id);
        m->epoch = -2; /* keeps its partitions until it returns or its session ends */
        return KERR_NONE;
    }
    grp_cmember_remove(cg, m, "the member left the group");
    return KERR_NONE;
}

/* A join or a heartbeat of a known member: update, maybe reassign, reconcile, answer. */
static kerr_t grp_cons_beat(grp_cons_hb_t *hb, grp_cons_t *cg)
{
    const kp_cgh_req_t *r = hb->req;
    grp_tps_t owned = {0};
    grp_cons_owned(r, &owned);
    grp_cmember_t *m = NULL;
    kerr_t err = KERR_NONE;
    if (r->member_epoch == 0) {
        err = grp_cons_join(hb, cg, &m);
    } else if (!(m = grp_cmember_find(cg, r->member_id))) {
        err = grp_cons_fail(hb, KERR_UNKNOWN_MEMBER_ID, "Member %.*s is not a member of group %s.",
                            r->member_id.len, r->member_id.p, cg->g->id);
    } else {
        err = grp_cons_check_epoch(hb, m, r->nowned >= 0 ? &owned : NULL);
    }
    if (!err) {
        grp_cons_update_member(hb, cg, m);
        grp_cons_refresh_meta(cg);
        if (cg->group_epoch > cg->assignment_epoch) grp_cons_compute_target(cg);
        grp_tps_t before = {0};
        grp_tps_copy(&before, &m->assigned);
        grp_cmember_reconcile(m, r->nowned >= 0 ? &owned : NULL);
        grp_cmember_touch(m);
        bool full = r->member_epoch == 0 ||
                    (r->rebalance_timeout_ms != -1 && r->nsubscribed >= 0 && r->nowned >= 0);
        if (full || !grp_tps_eq(&before, &m->assigned)) grp_cons_resp_assignment(hb, m);
        grp_tps_clear(&before);
        hb->resp->member_id =
            (kstr_t){arena_strndup(hb->a, m->id, strlen(m->id)), (int32_t)strlen(m->id)};
        hb->resp->member_epoch = m->epoch;
    }
    grp_tps_clear(&owned);
    return err;
}

void grp_cons_heartbeat(grp_coord_t *gc, int16_t ver, const kp_cgh_req_t *req, kstr_t client_id,
                        const char *client_host, arena_t *a, kp_cgh_resp_t *resp)
{
    memset(resp, 0, sizeof(*resp));
    resp->error_message = KSTR_NULL;
    resp->member_id = KSTR_NULL;
    resp->heartbeat_interval_ms = gc->cons_hb_ms;
    grp_cons_hb_t hb = {gc, ver, req, client_id, client_host, a, resp};
    grp_cons_t *cg = NULL;
    kerr_t err = grp_cons_validate(&hb);
    if (!err) err = grp_cons_group(&hb, &cg);
    if (!err) err = req->member_epoch < 0 ? grp_cons_leave(&hb, cg) : grp_cons_beat(&hb, cg);
    if (err) {
        resp->error_code = (int16_t)err;
        resp->member_id = KSTR_NULL;
        resp->member_epoch = 0;
        resp->heartbeat_interval_ms = 0;
        resp->has_assignment = false;
    }
}
