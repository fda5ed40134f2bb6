/* api_deletetopics.c: DeleteTopics. The coordinator queues each deletion under
 * /admin/delete_topics; the answer waits, up to timeout_ms, until the controller has removed
 * the topic from the metadata. Topic ids (v6) are resolved through the metadata cache. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ctl.h"
#include "mdcache.h"
#include "proto/kp_deletetopics.h"
#include "api_env.h"

typedef struct dt_state {
    req_t *r;
    kp_deletetopics_req_t req;
    kp_deletetopics_resp_t resp;
    ctl_op_t *op;
    int *spec_of;
} dt_state_t;

static void dt_respond(dt_state_t *st)
{
    kp_deletetopics_resp_encode(&st->r->resp, st->r->hdr.api_version, &st->resp);
    ctl_op_free(st->op);
    req_done(st->r);
}

static bool dt_check(void *arg, bool timed_out)
{
    dt_state_t *st = arg;
    bool all = true;
    for (int32_t i = 0; i < st->resp.nresponses; i++) {
        int k = st->spec_of[i];
        if (k < 0 || st->op->topics[k].err) continue;
        if (!mdcache_topic(st->r->env->md, st->op->topics[k].name)) continue;
        all = false;
        if (timed_out) st->resp.responses[i].error_code = KERR_REQUEST_TIMED_OUT;
    }
    if (!all && !timed_out) return false;
    dt_respond(st);
    return true;
}

static void dt_done(ctl_op_t *op, void *arg)
{
    dt_state_t *st = arg;
    for (int32_t i = 0; i < st->resp.nresponses; i++) {
        int k = st->spec_of[i];
        if (k < 0) continue;
        st->resp.responses[i].error_code = op->topics[k].err;
    }
    if (st->req.timeout_ms > 0 && st->r->c) {
        mdcache_wait(st->r->env->md, st->req.timeout_ms, dt_check, st);
        return;
    }
    dt_respond(st);
}

/* Name of a topic by id, from the metadata cache (NULL if unknown). */
static const char *dt_name_by_id(api_env_t *env, const uint8_t id[16])
{
    size_t it = 0;
    const md_topic_t *t;
    while ((t = mdcache_next_topic(env->md, &it)))
        if (memcmp(t->id, id, 16) == 0) return t->name;
    return NULL;
}

void api_deletetopics(req_t *r, rbuf_t *rb)
{
    api_env_t *env = r->env;
    dt_state_t *st = arena_alloc(&r->arena, sizeof(*st));
    st->r = r;
    if (kp_deletetopics_req_decode(rb, r->hdr.api_version, &r->arena, &st->req) != KERR_NONE) {
        req_fail(r, "malformed DeleteTopics request");
        return;
    }
    kp_deletetopics_req_t *req = &st->req;
    int32_t n = req->ntopics > 0 ? req->ntopics : 0;
    st->resp.nresponses = n;
    st->resp.responses = arena_calloc(&r->arena, (size_t)n, sizeof(*st->resp.responses));
    st->spec_of = arena_calloc(&r->arena, (size_t)n, sizeof(int));
    st->op = calloc(1, sizeof(ctl_op_t));
    if (!st->op) abort();
    st->op->type = CTL_OP_DELETE_TOPICS;
    st->op->topics = calloc((size_t)n + 1, sizeof(ctl_topic_spec_t));
    if (!st->op->topics) abort();
    for (int32_t i = 0; i < n; i++) {
        kp_deletetopics_topic_t *t = &req->topics[i];
        kp_deletetopics_topic_resp_t *tr = &st->resp.responses[i];
        tr->name = t->name;
        memcpy(tr->topic_id, t->topic_id, 16);
        st->spec_of[i] = -1;
        const char *name = NULL;
        char *owned = NULL;
        if (t->name.len >= 0) {
            owned = kstr_dup(t->name);
            name = owned;
        } else {
            name = dt_name_by_id(env, t->topic_id);
            if (!name) {
                tr->error_code = KERR_UNKNOWN_TOPIC_ID;
                continue;
            }
            tr->name =
                (kstr_t){arena_strndup(&r->arena, name, strlen(name)), (int32_t)strlen(name)};
        }
        if (!authz_authorize(r, ACL_OP_DELETE, ACL_RES_TOPIC, name)) {
            tr->error_code = KERR_TOPIC_AUTHORIZATION_FAILED;
            free(owned);
            continue;
        }
        ctl_topic_spec_t *s = &st->op->topics[st->op->ntopics];
        st->spec_of[i] = st->op->ntopics++;
        s->name = owned ? owned : strdup(name);
    }
    if (st->op->ntopics == 0) {
        dt_respond(st);
        return;
    }
    st->op->done = dt_done;
    st->op->arg = st;
    req_defer(r);
    ctl_submit(env->ctl, st->op);
}
