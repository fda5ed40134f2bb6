/* api_createpartitions.c: CreatePartitions. The coordinator extends the topic's assignment
 * znode; the answer waits, up to timeout_ms, until every new partition has a leader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ctl.h"
#include "proto/kp_createpartitions.h"
#include "api_env.h"

typedef struct cp_state {
    req_t *r;
    kp_createpartitions_req_t req;
    kp_createpartitions_resp_t resp;
    ctl_op_t *op;
    int *spec_of;
    api_created_wait_t wait;
} cp_state_t;

static void cp_respond(void *arg)
{
    cp_state_t *st = arg;
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

static void cp_late(void *arg, int32_t i)
{
    cp_set_error(arg, i, KERR_REQUEST_TIMED_OUT, NULL);
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
        st->wait = (api_created_wait_t){st->r->env, op,         st->spec_of, st->resp.nresults,
                                        cp_late,    cp_respond, st};
        api_created_wait(&st->wait, st->req.timeout_ms);
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
            api_spec_assign_init(s, t->nassignments, t->assignments[0].nbroker_ids);
            for (int32_t a = 0; a < t->nassignments; a++) {
                const kp_createpartitions_assignment_t *as = &t->assignments[a];
                if (!api_spec_assign_row(s, a, as->broker_ids, as->nbroker_ids)) {
                    s->err = KERR_INVALID_REPLICA_ASSIGNMENT;
                    snprintf(s->errmsg, sizeof(s->errmsg), "Inconsistent replication factor");
                    break;
                }
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
