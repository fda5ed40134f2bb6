/* api_createpartitions.c: CreatePartitions. The coordinator extends the topic's assignment
 * znode; the answer waits, up to timeout_ms, until every new partition has a leader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ctl.h"
#include "mdcache.h"
#include "proto/kp_createpartitions.h"
#include "api_env.h"

bool api_topic_ready(api_env_t *env, const char *name, int32_t nparts);

typedef struct cp_state {
    req_t *r;
    kp_createpartitions_req_t req;
    kp_createpartitions_resp_t resp;
    ctl_op_t *op;
    int *spec_of;
} cp_state_t;

static void cp_respond(cp_state_t *st)
{
    kp_createpartitions_resp_encode(&st->r->resp, st->r->hdr.api_version, &st->resp);
    ctl_op_free(st->op);
    req_done(st->r);
}

static void cp_set_error(cp_state_t *st, int32_t i, kerr_t err, const char *msg)
{
    st->resp.results[i].error_code = err;
    if (msg && *msg)
        st->resp.results[i].error_message =
            (kstr_t){arena_strndup(&st->r->arena, msg, strlen(msg)), (int32_t)strlen(msg)};
}

static bool cp_check(void *arg, bool timed_out)
{
    cp_state_t *st = arg;
    bool all = true;
    for (int32_t i = 0; i < st->resp.nresults; i++) {
        int k = st->spec_of[i];
        if (k < 0 || st->op->topics[k].err) continue;
        ctl_topic_spec_t *s = &st->op->topics[k];
        if (api_topic_ready(st->r->env, s->name, s->num_partitions)) continue;
        all = false;
        if (timed_out) cp_set_error(st, i, KERR_REQUEST_TIMED_OUT, NULL);
    }
    if (!all && !timed_out) return false;
    cp_respond(st);
    return true;
}

static void cp_done(ctl_op_t *op, void *arg)
{
    cp_state_t *st = arg;
    for (int32_t i = 0; i < st->resp.nresults; i++) {
        int k = st->spec_of[i];
        if (k < 0) continue;
        cp_set_error(st, i, op->topics[k].err, op->topics[k].errmsg);
    }
    if (!op->validate_only && st->req.timeout_ms > 0 && st->r->c) {
        mdcache_wait(st->r->env->md, st->req.timeout_ms, cp_check, st);
        return;
    }
    cp_respond(st);
}

void api_createpartitions(req_t *r, rbuf_t *rb)
{
    cp_state_t *st = arena_alloc(&r->arena, sizeof(*st));
    st->r = r;
    if (kp_createpartitions_req_decode(rb, r->hdr.api_version, &r->arena, &st->req) != KERR_NONE) {
        req_fail(r, "malformed CreatePartitions request");
        return;
    }
    int32_t n = st->req.ntopics > 0 ? st->req.ntopics : 0;
    st->resp.nresults = n;
    st->resp.results = arena_calloc(&r->arena, (size_t)n, sizeof(*st->resp.results));
    st->spec_of = arena_calloc(&r->arena, (size_t)n, sizeof(int));
    st->op = calloc(1, sizeof(ctl_op_t));
    if (!st->op) abort();
    st->op->type = CTL_OP_CREATE_PARTITIONS;
    st->op->validate_only = st->req.validate_only;
    st->op->topics = calloc((size_t)n + 1, sizeof(ctl_topic_spec_t));
    if (!st->op->topics) abort();
    for (int32_t i = 0; i < n; i++) {
        kp_createpartitions_topic_t *t = &st->req.topics[i];
        st->resp.results[i].name = t->name;
        st->spec_of[i] = -1;
        if (t->name.len < 0) {
            cp_set_error(st, i, KERR_INVALID_REQUEST, "null topic name");
            continue;
        }
        if (!authz_authorize_k(r, ACL_OP_ALTER, ACL_RES_TOPIC, t->name)) {
            cp_set_error(st, i, KERR_TOPIC_AUTHORIZATION_FAILED, NULL);
            continue;
        }
        ctl_topic_spec_t *s = &st->op->topics[st->op->ntopics];
        st->spec_of[i] = st->op->ntopics++;
        s->name = kstr_dup(t->name);
        s->num_partitions = t->count;
        if (t->nassignments > 0) {
            s->nassign = t->nassignments;
            s->assign_rf = t->assignments[0].nbroker_ids;
            s->assign = calloc((size_t)s->nassign * (size_t)(s->assign_rf ? s->assign_rf : 1),
                               sizeof(int32_t));
            if (!s->assign) abort();
            for (int32_t a = 0; a < t->nassignments; a++) {
                if (t->assignments[a].nbroker_ids != s->assign_rf) {
                    s->err = KERR_INVALID_REPLICA_ASSIGNMENT;
                    snprintf(s->errmsg, sizeof(s->errmsg), "Inconsistent replication factor");
                    break;
                }
                memcpy(&s->assign[a * s->assign_rf], t->assignments[a].broker_ids,
                       (size_t)s->assign_rf * sizeof(int32_t));
            }
        }
    }
    if (st->op->ntopics == 0) {
        cp_respond(st);
        return;
    }
    st->op->done = cp_done;
    st->op->arg = st;
    req_defer(r);
    ctl_submit(r->env->ctl, st->op);
}
