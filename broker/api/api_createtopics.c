/* api_createtopics.c: CreateTopics. The coordinator thread validates and writes the topic
 * znodes (as Kafka's AdminZkClient does); the answer waits, up to timeout_ms, until the
 * controller's metadata shows every partition of the new topics with a leader. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ctl.h"
#include "proto/kp_createtopics.h"
#include "api_env.h"

typedef struct ct_state {
    req_t *r;
    kp_createtopics_req_t req;
    kp_createtopics_resp_t resp;
    ctl_op_t *op;
    int *spec_of; /* request topic index -> op spec index, -1 when answered locally */
    api_created_wait_t wait;
} ct_state_t;

static void ct_respond(void *arg)
{
    ct_state_t *st = arg;
    req_t *r = st->r;
    kp_createtopics_resp_encode(&r->resp, r->hdr.api_version, &st->resp);
    ctl_op_free(st->op);
    req_done(r);
}

static void ct_late(void *arg, int32_t i)
{
    ct_state_t *st = arg;
    st->resp.topics[i].error_code = KERR_REQUEST_TIMED_OUT;
}

static void ct_done(ctl_op_t *op, void *arg)
{
    ct_state_t *st = arg;
    bool wait = false;
    for (int32_t i = 0; i < st->req.ntopics; i++) {
        int k = st->spec_of[i];
        if (k < 0) continue;
        ctl_topic_spec_t *s = &op->topics[k];
        kp_createtopics_topic_resp_t *tr = &st->resp.topics[i];
        tr->error_code = s->err;
        if (s->err) {
            tr->error_message = (kstr_t){arena_strndup(&st->r->arena, s->errmsg, strlen(s->errmsg)),
                                         (int32_t)strlen(s->errmsg)};
            continue;
        }
        memcpy(tr->topic_id, s->topic_id, 16);
        tr->num_partitions = s->result_partitions;
        tr->replication_factor = s->result_rf;
        if (!op->validate_only) wait = true;
    }
    if (wait && st->req.timeout_ms > 0 && st->r->c) {
        st->wait = (api_created_wait_t){st->r->env, op,         st->spec_of, st->req.ntopics,
                                        ct_late,    ct_respond, st};
        api_created_wait(&st->wait, st->req.timeout_ms);
        return;
    }
    ct_respond(st);
}

static char *ct_dup(kstr_t s)
{
    return s.len < 0 ? strdup("") : kstr_dup(s);
}

void api_createtopics(req_t *r, rbuf_t *rb)
{
    api_env_t *env = r->env;
    ct_state_t *st = arena_alloc(&r->arena, sizeof(*st));
    st->r = r;
    if (kp_createtopics_req_decode(rb, r->hdr.api_version, &r->arena, &st->req) != KERR_NONE) {
        req_fail(r, "malformed CreateTopics request");
        return;
    }
    kp_createtopics_req_t *req = &st->req;
    int32_t n = req->ntopics > 0 ? req->ntopics : 0;
    st->resp.ntopics = n;
    st->resp.topics = arena_calloc(&r->arena, (size_t)n, sizeof(*st->resp.topics));
    st->spec_of = arena_calloc(&r->arena, (size_t)n, sizeof(int));
    st->op = calloc(1, sizeof(ctl_op_t));
    if (!st->op) abort();
    st->op->type = CTL_OP_CREATE_TOPICS;
    st->op->validate_only = req->validate_only;
    st->op->topics = calloc((size_t)n + 1, sizeof(ctl_topic_spec_t));
    if (!st->op->topics) abort();
    for (int32_t i = 0; i < n; i++) {
        kp_createtopics_topic_t *t = &req->topics[i];
        kp_createtopics_topic_resp_t *tr = &st->resp.topics[i];
        tr->name = t->name;
        tr->num_partitions = -1;
        tr->replication_factor = -1;
        tr->nconfigs = -1;
        st->spec_of[i] = -1;
        bool dup = false;
        for (int32_t j = 0; j < n; j++)
            dup = dup || (j != i && t->name.len == req->topics[j].name.len &&
                          memcmp(t->name.p, req->topics[j].name.p, (size_t)t->name.len) == 0);
        if (dup || t->name.len < 0) {
            tr->error_code = KERR_INVALID_REQUEST;
            static const char msg[] =
                "Create topics request from client contains a duplicate topic";
            tr->error_message = (kstr_t){msg, (int32_t)sizeof(msg) - 1};
            continue;
        }
        if (!authz_may_create_topic(r, arena_strndup(&r->arena, t->name.p, (size_t)t->name.len))) {
            tr->error_code = KERR_TOPIC_AUTHORIZATION_FAILED;
            continue;
        }
        ctl_topic_spec_t *s = &st->op->topics[st->op->ntopics];
        st->spec_of[i] = st->op->ntopics++;
        s->name = ct_dup(t->name);
        s->num_partitions = t->num_partitions;
        s->replication_factor = t->replication_factor;
        if (t->nassignments > 0) {
            api_spec_assign_init(s, t->nassignments, t->assignments[0].nbroker_ids);
            for (int32_t a = 0; a < t->nassignments; a++) {
                const kp_createtopics_assignment_t *as = &t->assignments[a];
                if (as->partition_index != a ||
                    !api_spec_assign_row(s, a, as->broker_ids, as->nbroker_ids)) {
                    s->err = KERR_INVALID_REPLICA_ASSIGNMENT;
                    break;
                }
            }
        }
        if (t->nconfigs > 0) {
            s->cfg_keys = calloc((size_t)t->nconfigs, sizeof(char *));
            s->cfg_vals = calloc((size_t)t->nconfigs, sizeof(char *));
            if (!s->cfg_keys || !s->cfg_vals) abort();
            for (int32_t c = 0; c < t->nconfigs; c++) {
                if (t->configs[c].value.len < 0) continue; /* null value: use the default */
                s->cfg_keys[s->ncfg] = ct_dup(t->configs[c].name);
                s->cfg_vals[s->ncfg] = ct_dup(t->configs[c].value);
                s->ncfg++;
            }
        }
    }
    if (st->op->ntopics == 0) {
        ct_respond(st);
        return;
    }
    st->op->done = ct_done;
    st->op->arg = st;
    req_defer(r);
    ctl_submit(env->ctl, st->op);
}
