/* api_scram.c: DescribeUserScramCredentials (50) and AlterUserScramCredentials (51), as Kafka's
 * ZooKeeper-mode broker answers them.
 *
 * Describe reads the credentials this broker holds (sasl.c's copy of /config/users, kept
 * current through /config/changes): per user the mechanisms and iteration counts, never the
 * keys. Alter checks each credential (known mechanism, a user name, 4096..16384 iterations, no
 * user and mechanism twice, a deletion of something that exists), turns a client's salt and
 * salted password into stored and server keys, and has the coordinator thread write the user's
 * /config/users znode and the /config/changes notice every broker follows (the same entity
 * edit as AlterClientQuotas). One result per user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "conn.h"
#include "ctl.h"
#include "proto/kp_scram.h"
#include "sasl.h"
#include "scram.h"
#include "api_env.h"
#include "zkpath.h"

static int ausc_mech(int8_t m)
{
    return m == KP_SCRAM_SHA_256 ? SCRAM_SHA_256 : m == KP_SCRAM_SHA_512 ? SCRAM_SHA_512 : 0;
}

/* ---- Describe ---- */

static void dusc_user(req_t *r, kp_dusc_result_t *x, const char *user)
{
    x->user = user;
    x->creds = arena_calloc(&r->arena, 2, sizeof(*x->creds));
    static const int mechs[2] = {SCRAM_SHA_256, SCRAM_SHA_512};
    for (int k = 0; k < 2; k++) {
        int it = sasl_user_iterations(r->env->users, user, mechs[k]);
        if (!it) continue;
        x->creds[x->ncreds].mechanism = (int8_t)(k + 1);
        x->creds[x->ncreds++].iterations = it;
    }
    if (x->ncreds == 0) {
        x->error_code = KERR_RESOURCE_NOT_FOUND;
        x->error_message = "Attempt to describe a user credential that does not exist";
    }
}

void api_describescram(req_t *r, rbuf_t *rb)
{
    kp_dusc_req_t req;
    if (kp_dusc_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed DescribeUserScramCredentials request");
        return;
    }
    kp_dusc_resp_t resp = {0};
    if ((resp.error_code = (int16_t)authz_cluster(r, ACL_OP_DESCRIBE))) { /* Describe on Cluster */
        resp.error_message = "Cluster authorization failed.";
    } else if (req.nusers <= 0) { /* null or empty: every user with a credential */
        size_t it = 0, n = 0;
        const char *u;
        while (sasl_users_next(r->env->users, &it, &u)) n++;
        resp.results = arena_calloc(&r->arena, n + 1, sizeof(*resp.results));
        it = 0;
        while (sasl_users_next(r->env->users, &it, &u))
            dusc_user(r, &resp.results[resp.nresults++], arena_strndup(&r->arena, u, strlen(u)));
    } else {
        resp.results = arena_calloc(&r->arena, (size_t)req.nusers, sizeof(*resp.results));
        for (int32_t i = 0; i < req.nusers; i++) {
            kp_dusc_result_t *x = &resp.results[resp.nresults++];
            kstr_t name = req.users[i];
            char *user =
                arena_strndup(&r->arena, name.p ? name.p : "", name.len > 0 ? (size_t)name.len : 0);
            bool dup = false;
            for (int32_t j = 0; j < req.nusers; j++)
                dup |= j != i && req.users[j].len == name.len && name.len >= 0 &&
                       memcmp(req.users[j].p, name.p, (size_t)name.len) == 0;
            if (dup) {
                x->user = user;
                x->error_code = KERR_DUPLICATE_RESOURCE;
                x->error_message = "Cannot describe SCRAM credentials for the same user twice in "
                                   "a single request";
                continue;
            }
            dusc_user(r, x, user);
        }
    }
    kp_dusc_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}

/* ---- Alter ---- */

typedef struct ausc_ops { /* what one user's znode gets */
    const char *key[2];
    char *val[2];
    bool del[2];
    int n;
} ausc_ops_t;

typedef struct ausc_state {
    req_t *r;
    ctl_op_t *op;
    kp_ausc_resp_t resp;
    ausc_ops_t *ops; /* per result */
    int *spec_of;    /* result index -> op spec, -1 when answered already */
} ausc_state_t;

static void ausc_respond(ausc_state_t *st)
{
    kp_ausc_resp_encode(&st->r->resp, st->r->hdr.api_version, &st->resp);
    ctl_op_free(st->op);
    req_done(st->r);
}

static void ausc_done(ctl_op_t *op, void *arg)
{
    ausc_state_t *st = arg;
    for (int32_t i = 0; i < st->resp.nresults; i++) {
        int k = st->spec_of[i];
        if (k < 0 || !op->topics[k].err) continue;
        st->resp.results[i].error_code = (int16_t)op->topics[k].err;
        st->resp.results[i].error_message =
            arena_strndup(&st->r->arena, op->topics[k].errmsg, strlen(op->topics[k].errmsg));
    }
    ausc_respond(st);
}

/* The result slot of user (added when new). */
static int32_t ausc_slot(ausc_state_t *st, kstr_t name)
{
    for (int32_t i = 0; i < st->resp.nresults; i++)
        if (kstr_eq(name, st->resp.results[i].user)) return i;
    kp_ausc_result_t *x = &st->resp.results[st->resp.nresults];
    x->user =
        arena_strndup(&st->r->arena, name.p ? name.p : "", name.len > 0 ? (size_t)name.len : 0);
    return st->resp.nresults++;
}

/* One deletion or upsertion checked: NULL, or Kafka's message (with *err set). */
static const char *ausc_check(ausc_state_t *st, kstr_t name, int8_t mech, bool del,
                              int32_t iterations, kerr_t *err)
{
    char user[256];
    snprintf(user, sizeof(user), "%.*s", name.len > 0 ? name.len : 0, name.p ? name.p : "");
    *err = KERR_UNACCEPTABLE_CREDENTIAL;
    if (!user[0]) return "Username must not be empty";
    *err = KERR_UNSUPPORTED_SASL_MECHANISM;
    if (!ausc_mech(mech)) return "Unknown SCRAM mechanism";
    *err = KERR_RESOURCE_NOT_FOUND;
    if (del && !sasl_user_iterations(st->r->env->users, user, ausc_mech(mech)))
        return "Attempt to delete a user credential that does not exist";
    *err = KERR_UNACCEPTABLE_CREDENTIAL;
    if (!del && iterations < SCRAM_MIN_ITERATIONS) return "Too few iterations";
    if (!del && iterations > SCRAM_MAX_ITERATIONS) return "Too many iterations";
    *err = KERR_NONE;
    return NULL;
}

/* The spec of one user's ops (heap copies, freed by ctl_op_free). */
static void ausc_spec(ausc_state_t *st, int32_t slot)
{
    const ausc_ops_t *o = &st->ops[slot];
    ctl_topic_spec_t *s = &st->op->topics[st->op->ntopics];
    char san[800], path[900];
    zkpath_sanitize(st->resp.results[slot].user, san, sizeof(san));
    snprintf(path, sizeof(path), "users/%s", san);
    s->name = strdup(path);
    s->cfg_keys = calloc(3, sizeof(char *));
    s->cfg_vals = calloc(3, sizeof(char *));
    s->cfg_ops = calloc(3, sizeof(int8_t));
    if (!s->name || !s->cfg_keys || !s->cfg_vals || !s->cfg_ops) abort();
    for (int i = 0; i < o->n; i++) {
        s->cfg_keys[i] = strdup(o->key[i]);
        s->cfg_vals[i] = strdup(o->val[i]);
        s->cfg_ops[i] = o->del[i] ? CTL_CFG_DELETE : CTL_CFG_SET;
    }
    s->ncfg = o->n;
    st->spec_of[slot] = st->op->ntopics++;
}

/* The same user and mechanism twice in the request (deletions and upsertions together). */
static bool ausc_dup(const kp_ausc_req_t *q, kstr_t name, int8_t mech)
{
    int seen = 0;
    for (int32_t i = 0; i < q->ndeletions; i++)
        seen += q->deletions[i].mechanism == mech && q->deletions[i].name.len == name.len &&
                name.len >= 0 && !memcmp(q->deletions[i].name.p, name.p, (size_t)name.len);
    for (int32_t i = 0; i < q->nupsertions; i++)
        seen += q->upsertions[i].mechanism == mech && q->upsertions[i].name.len == name.len &&
                name.len >= 0 && !memcmp(q->upsertions[i].name.p, name.p, (size_t)name.len);
    return seen > 1;
}

static void ausc_one(ausc_state_t *st, const kp_ausc_req_t *q, kstr_t name, int8_t mech,
                     const kp_ausc_upsertion_t *up)
{
    int32_t slot = ausc_slot(st, name);
    kp_ausc_result_t *x = &st->resp.results[slot];
    if (x->error_code) return; /* one error per user */
    kerr_t err;
    const char *why = ausc_check(st, name, mech, up == NULL, up ? up->iterations : 0, &err);
    if (!why && ausc_dup(q, name, mech)) {
        err = KERR_DUPLICATE_RESOURCE;
        why = "A user credential cannot be altered twice in the same request";
    }
    char cred[1024];
    scram_cred_t c;
    if (!why && up &&
        (up->salt.len <= 0 ||
         scram_cred_from_salted((scram_mech_t)ausc_mech(mech), up->salt.p, (size_t)up->salt.len,
                                up->salted_password.p,
                                (size_t)(up->salted_password.len > 0 ? up->salted_password.len : 0),
                                up->iterations, &c) != 0 ||
         scram_cred_format(&c, cred, sizeof(cred)) != 0)) {
        err = KERR_UNACCEPTABLE_CREDENTIAL;
        why = "Invalid salt or salted password";
    }
    if (why) {
        x->error_code = (int16_t)err;
        x->error_message = why;
        return;
    }
    ausc_ops_t *o = &st->ops[slot];
    if (o->n == 2) return; /* two mechanisms at most: a third would be a duplicate */
    o->key[o->n] = scram_mech_name((scram_mech_t)ausc_mech(mech));
    o->val[o->n] = arena_strndup(&st->r->arena, up ? cred : "", up ? strlen(cred) : 0);
    o->del[o->n++] = up == NULL;
}

/* CLUSTER_AUTHORIZATION_FAILED for every user the request names (Kafka's getErrorResponse). */
static void ausc_refuse_all(ausc_state_t *st, const kp_ausc_req_t *q)
{
    for (int32_t i = 0; i < q->ndeletions + q->nupsertions; i++) {
        kstr_t name =
            i < q->ndeletions ? q->deletions[i].name : q->upsertions[i - q->ndeletions].name;
        kp_ausc_result_t *x = &st->resp.results[ausc_slot(st, name)];
        x->error_code = KERR_CLUSTER_AUTHORIZATION_FAILED;
        x->error_message = "Cluster authorization failed.";
    }
}

void api_alterscram(req_t *r, rbuf_t *rb)
{
    kp_ausc_req_t q;
    if (kp_ausc_req_decode(rb, r->hdr.api_version, &r->arena, &q) != KERR_NONE) {
        req_fail(r, "malformed AlterUserScramCredentials request");
        return;
    }
    ausc_state_t *st = arena_calloc(&r->arena, 1, sizeof(*st));
    st->r = r;
    size_t n = (size_t)q.ndeletions + (size_t)q.nupsertions + 1;
    st->resp.results = arena_calloc(&r->arena, n, sizeof(*st->resp.results));
    st->spec_of = arena_calloc(&r->arena, n, sizeof(int));
    st->ops = arena_calloc(&r->arena, n, sizeof(*st->ops));
    for (size_t i = 0; i < n; i++) st->spec_of[i] = -1;
    st->op = calloc(1, sizeof(ctl_op_t));
    if (!st->op) abort();
    st->op->type = CTL_OP_ALTER_CLIENT_QUOTAS; /* the entity edit of /config/users/<u> */
    st->op->topics = calloc(n, sizeof(ctl_topic_spec_t));
    if (!st->op->topics) abort();
    if (authz_cluster(r, ACL_OP_ALTER)) { /* Alter on Cluster: one refusal per user */
        ausc_refuse_all(st, &q);
        ausc_respond(st);
        return;
    }
    for (int32_t i = 0; i < q.ndeletions; i++)
        ausc_one(st, &q, q.deletions[i].name, q.deletions[i].mechanism, NULL);
    for (int32_t i = 0; i < q.nupsertions; i++)
        ausc_one(st, &q, q.upsertions[i].name, q.upsertions[i].mechanism, &q.upsertions[i]);
    for (int32_t i = 0; i < st->resp.nresults; i++) /* users refused: no write at all */
        if (!st->resp.results[i].error_code && st->ops[i].n) ausc_spec(st, i);
    if (st->op->ntopics == 0) {
        ausc_respond(st);
        return;
    }
    st->op->done = ausc_done;
    st->op->arg = st;
    req_defer(r);
    ctl_submit(r->env->ctl, st->op);
}
