/* api_acls.c: CreateAcls, DescribeAcls and DeleteAcls, as Kafka's AclAuthorizer answers them.
 *
 * Without an authorizer every one answers SECURITY_DISABLED ("No Authorizer is configured.").
 * CreateAcls and DeleteAcls need ALTER on the cluster, DescribeAcls DESCRIBE
 * (CLUSTER_AUTHORIZATION_FAILED otherwise). DescribeAcls answers from the cache. CreateAcls
 * checks each binding (INVALID_REQUEST for an UNKNOWN or ANY code, a pattern type other than
 * LITERAL or PREFIXED, an empty name, a cluster not named kafka-cluster, a principal without
 * "Type:"), then the ctl thread writes ZooKeeper (CTL_OP_ACLS); DeleteAcls matches its filters
 * against the cache and has the ctl thread remove what matched. Either answers once this
 * broker's cache holds the new state (the ctl thread delivers it before the op's answer). */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ctl.h"
#include "proto/kp_acls.h"
#include "api_env.h"

#define API_ACLS_NO_AUTHORIZER "No Authorizer is configured."

static kstr_t api_acls_msg(req_t *r, const char *msg)
{
    if (!msg) return KSTR_NULL;
    char *s = arena_strndup(&r->arena, msg, strlen(msg));
    return (kstr_t){s, (int32_t)strlen(s)};
}

static char *api_acls_dup(kstr_t s)
{
    char *d = kstr_dup(s.len < 0 ? KSTR("") : s);
    if (!d) abort();
    return d;
}

/* Why a creation cannot be stored (NULL when it can). */
static const char *api_acls_invalid(const kp_acl_binding_t *b)
{
    if (b->restype < ACL_RES_TOPIC || b->restype > ACL_RES_USER) return "Invalid resource type";
    if (b->pattern != ACL_PAT_LITERAL && b->pattern != ACL_PAT_PREFIXED)
        return "Invalid resource pattern type";
    if (b->op < ACL_OP_ALL || b->op >= ACL_OP__MAX) return "Invalid operation";
    if (b->perm != ACL_PERM_ALLOW && b->perm != ACL_PERM_DENY) return "Invalid permission type";
    if (b->name.len <= 0) return "Invalid empty resource name";
    if (memchr(b->name.p, '\0', (size_t)b->name.len)) return "Invalid resource name";
    if (b->restype == ACL_RES_CLUSTER && !kstr_eq(b->name, ACL_CLUSTER_NAME))
        return "The only valid name for the CLUSTER resource is kafka-cluster";
    if (b->principal.len <= 0 || !memchr(b->principal.p, ':', (size_t)b->principal.len))
        return "Invalid principal";
    if (b->host.len <= 0) return "Invalid host";
    return NULL;
}

static void api_acls_fill(ctl_acl_t *a, const kp_acl_binding_t *b, bool remove)
{
    a->restype = b->restype;
    a->pattern = b->pattern;
    a->name = api_acls_dup(b->name);
    a->principal = api_acls_dup(b->principal);
    a->host = api_acls_dup(b->host);
    a->op = b->op;
    a->perm = b->perm;
    a->remove = remove;
}

/* ---- CreateAcls ---- */

typedef struct api_acls_state {
    req_t *r;
    kp_createacls_resp_t cresp;
    kp_deleteacls_resp_t dresp;
} api_acls_state_t;

static void api_createacls_done(ctl_op_t *op, void *arg)
{
    api_acls_state_t *st = arg;
    for (int i = 0; i < op->nacls; i++) {
        kp_acl_err_t *e = &st->cresp.results[i];
        if (e->error_code == 0 && op->acls[i].err)
            *e = (kp_acl_err_t){(int16_t)op->acls[i].err, KSTR_NULL};
    }
    kp_createacls_resp_encode(&st->r->resp, st->r->hdr.api_version, &st->cresp);
    ctl_op_free(op);
    req_done(st->r);
}

void api_createacls(req_t *r, rbuf_t *rb)
{
    kp_createacls_req_t req;
    if (kp_createacls_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed CreateAcls request");
        return;
    }
    api_acls_state_t *st = arena_calloc(&r->arena, 1, sizeof(*st));
    st->r = r;
    st->cresp.n = req.n;
    st->cresp.results = arena_calloc(&r->arena, (size_t)req.n + 1, sizeof(kp_acl_err_t));
    bool allowed = authz_authorize(r, ACL_OP_ALTER, ACL_RES_CLUSTER, ACL_CLUSTER_NAME);
    ctl_op_t *op = calloc(1, sizeof(*op));
    if (!op || !(op->acls = calloc((size_t)req.n + 1, sizeof(ctl_acl_t)))) abort();
    op->type = CTL_OP_ACLS;
    op->nacls = req.n;
    for (int32_t i = 0; i < req.n; i++) {
        kp_acl_err_t *e = &st->cresp.results[i];
        const char *why = api_acls_invalid(&req.creations[i]);
        api_acls_fill(&op->acls[i], &req.creations[i], false);
        if (!r->env->authz)
            *e = (kp_acl_err_t){KERR_SECURITY_DISABLED, api_acls_msg(r, API_ACLS_NO_AUTHORIZER)};
        else if (!allowed)
            *e = (kp_acl_err_t){KERR_CLUSTER_AUTHORIZATION_FAILED, KSTR_NULL};
        else if (why)
            *e = (kp_acl_err_t){KERR_INVALID_REQUEST, api_acls_msg(r, why)};
        op->acls[i].err = (kerr_t)e->error_code;
    }
    op->done = api_createacls_done;
    op->arg = st;
    req_defer(r);
    ctl_submit(r->env->ctl, op);
}

/* ---- DescribeAcls ---- */

static void api_acls_filter_of(const kp_acl_binding_t *b, authz_filter_t *f, char **owned)
{
    owned[0] = b->name.len >= 0 ? api_acls_dup(b->name) : NULL;
    owned[1] = b->principal.len >= 0 ? api_acls_dup(b->principal) : NULL;
    owned[2] = b->host.len >= 0 ? api_acls_dup(b->host) : NULL;
    *f = (authz_filter_t){b->restype, b->pattern, owned[0], owned[1], owned[2], b->op, b->perm};
}

typedef struct api_acls_found {
    req_t *r;
    kp_acl_binding_t *b;
    int32_t n, cap;
} api_acls_found_t;

static void api_acls_collect(void *arg, int8_t t, int8_t p, const char *name, const acl_entry_t *e)
{
    api_acls_found_t *f = arg;
    if (f->n == f->cap) {
        int32_t cap = f->cap ? f->cap * 2 : 16;
        kp_acl_binding_t *nb = arena_alloc(&f->r->arena, (size_t)cap * sizeof(*nb));
        if (f->n) memcpy(nb, f->b, (size_t)f->n * sizeof(*nb));
        f->b = nb;
        f->cap = cap;
    }
    /* the cache's strings outlive the request: it runs on the reactor, as does the answer */
    f->b[f->n++] = (kp_acl_binding_t){t,
                                      api_acls_msg(f->r, name),
                                      p,
                                      api_acls_msg(f->r, e->principal),
                                      api_acls_msg(f->r, e->host),
                                      e->op,
                                      e->perm};
}

void api_describeacls(req_t *r, rbuf_t *rb)
{
    kp_describeacls_req_t req;
    if (kp_describeacls_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed DescribeAcls request");
        return;
    }
    kp_describeacls_resp_t resp = {0};
    authz_filter_t f;
    char *owned[3];
    api_acls_filter_of(&req.filter, &f, owned);
    const char *why = NULL;
    if (!r->env->authz)
        resp.err = (kp_acl_err_t){KERR_SECURITY_DISABLED, api_acls_msg(r, API_ACLS_NO_AUTHORIZER)};
    else if (!authz_authorize(r, ACL_OP_DESCRIBE, ACL_RES_CLUSTER, ACL_CLUSTER_NAME))
        resp.err = (kp_acl_err_t){KERR_CLUSTER_AUTHORIZATION_FAILED, KSTR_NULL};
    else if (authz_filter_check(&f, &why) != KERR_NONE)
        resp.err = (kp_acl_err_t){KERR_INVALID_REQUEST, api_acls_msg(r, why)};
    else {
        api_acls_found_t found = {r, NULL, 0, 0};
        authz_each(r->env->authz, &f, api_acls_collect, &found);
        kp_acl_resources_group(&r->arena, found.b, found.n, &resp);
    }
    for (int i = 0; i < 3; i++) free(owned[i]);
    kp_describeacls_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}

/* ---- DeleteAcls ---- */

static void api_deleteacls_done(ctl_op_t *op, void *arg)
{
    api_acls_state_t *st = arg;
    int k = 0; /* op->acls are the matches of every filter, in order */
    for (int32_t i = 0; i < st->dresp.n; i++) {
        kp_deleteacls_result_t *res = &st->dresp.results[i];
        for (int32_t j = 0; j < res->nmatching && k < op->nacls; j++, k++)
            if (op->acls[k].err)
                res->matching[j].err = (kp_acl_err_t){(int16_t)op->acls[k].err, KSTR_NULL};
    }
    kp_deleteacls_resp_encode(&st->r->resp, st->r->hdr.api_version, &st->dresp);
    ctl_op_free(op);
    req_done(st->r);
}

/* The bindings filter i matches now, into res (its err set for an invalid filter). */
static void api_deleteacls_match(req_t *r, const kp_acl_binding_t *fb, kp_deleteacls_result_t *res)
{
    authz_filter_t f;
    char *owned[3];
    api_acls_filter_of(fb, &f, owned);
    const char *why = NULL;
    if (authz_filter_check(&f, &why) != KERR_NONE) {
        res->err = (kp_acl_err_t){KERR_INVALID_REQUEST, api_acls_msg(r, why)};
    } else {
        api_acls_found_t found = {r, NULL, 0, 0};
        authz_each(r->env->authz, &f, api_acls_collect, &found);
        res->nmatching = found.n;
        res->matching = arena_calloc(&r->arena, (size_t)found.n + 1, sizeof(kp_acl_match_t));
        for (int32_t j = 0; j < found.n; j++) res->matching[j].acl = found.b[j];
    }
    for (int i = 0; i < 3; i++) free(owned[i]);
}

/* One ctl binding per match of every filter, in response order. */
static ctl_op_t *api_deleteacls_op(const kp_deleteacls_resp_t *resp)
{
    int total = 0;
    for (int32_t i = 0; i < resp->n; i++) total += resp->results[i].nmatching;
    ctl_op_t *op = calloc(1, sizeof(*op));
    if (!op || !(op->acls = calloc((size_t)total + 1, sizeof(ctl_acl_t)))) abort();
    op->type = CTL_OP_ACLS;
    for (int32_t i = 0; i < resp->n; i++)
        for (int32_t j = 0; j < resp->results[i].nmatching; j++)
            api_acls_fill(&op->acls[op->nacls++], &resp->results[i].matching[j].acl, true);
    return op;
}

void api_deleteacls(req_t *r, rbuf_t *rb)
{
    kp_deleteacls_req_t req;
    if (kp_deleteacls_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed DeleteAcls request");
        return;
    }
    api_acls_state_t *st = arena_calloc(&r->arena, 1, sizeof(*st));
    st->r = r;
    st->dresp.n = req.n;
    st->dresp.results = arena_calloc(&r->arena, (size_t)req.n + 1, sizeof(kp_deleteacls_result_t));
    bool allowed = authz_authorize(r, ACL_OP_ALTER, ACL_RES_CLUSTER, ACL_CLUSTER_NAME);
    for (int32_t i = 0; i < req.n; i++) {
        kp_deleteacls_result_t *res = &st->dresp.results[i];
        if (!r->env->authz)
            res->err =
                (kp_acl_err_t){KERR_SECURITY_DISABLED, api_acls_msg(r, API_ACLS_NO_AUTHORIZER)};
        else if (!allowed)
            res->err = (kp_acl_err_t){KERR_CLUSTER_AUTHORIZATION_FAILED, KSTR_NULL};
        else
            api_deleteacls_match(r, &req.filters[i], res);
    }
    ctl_op_t *op = api_deleteacls_op(&st->dresp);
    op->done = api_deleteacls_done;
    op->arg = st;
    req_defer(r);
    ctl_submit(r->env->ctl, op);
}
