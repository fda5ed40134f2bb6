/* api_clientquotas.c: DescribeClientQuotas and AlterClientQuotas, as Kafka's ZooKeeper-mode
 * brokers serve them (KIP-546). Entities are made of "user" and "client-id" parts (a null
 * name is the default); "ip" entities are not served (INVALID_REQUEST).
 *
 * Alter: each entry is checked here (entity types, known keys, positive values, integers
 * for the byte rates), then the coordinator thread rewrites the entity's znode under
 * /config/users or /config/clients and writes a /config/changes notice every broker follows
 * (CTL_OP_ALTER_CLIENT_QUOTAS); this broker applies the new values before answering.
 * Describe: answered from this broker's copy of the entities (quota.h), which every broker
 * keeps from ZooKeeper. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ctl.h"
#include "proto/kp_alterclientquotas.h"
#include "proto/kp_describeclientquotas.h"
#include "qcfg.h"
#include "quota.h"
#include "api_env.h"
#include "zkpath.h"

#define ACQ_NAME_MAX 768

/* The request's entity parts as a zkpath entity (names copied into user/client). */
static kerr_t acq_entity(const kp_quota_entity_t *parts, int32_t n, zkpath_qentity_t *e, char *user,
                         char *client, char *why, size_t wn)
{
    memset(e, 0, sizeof(*e));
    if (n <= 0) {
        snprintf(why, wn, "Invalid empty client quota entity");
        return KERR_INVALID_REQUEST;
    }
    for (int32_t i = 0; i < n; i++) {
        const kp_quota_entity_t *p = &parts[i];
        bool is_user = kstr_eq(p->entity_type, "user");
        bool is_client = kstr_eq(p->entity_type, "client-id");
        if (!is_user && !is_client) {
            snprintf(why, wn, "Unhandled client quota entity type: %.*s", p->entity_type.len,
                     p->entity_type.p);
            return KERR_INVALID_REQUEST;
        }
        if ((is_user && e->has_user) || (is_client && e->has_client)) {
            snprintf(why, wn, "Duplicate %.*s entity in the client quota entity",
                     p->entity_type.len, p->entity_type.p);
            return KERR_INVALID_REQUEST;
        }
        if (p->entity_name.len == 0 || p->entity_name.len >= ACQ_NAME_MAX) {
            snprintf(why, wn, "%s %.*s not supported", p->entity_name.len ? "Long" : "Empty",
                     p->entity_type.len, p->entity_type.p);
            return KERR_INVALID_REQUEST;
        }
        char *buf = is_user ? user : client;
        const char *name = NULL;
        if (p->entity_name.len > 0) {
            snprintf(buf, ACQ_NAME_MAX, "%.*s", p->entity_name.len, p->entity_name.p);
            name = buf;
        }
        if (is_user) {
            e->has_user = true;
            e->user = name;
        } else {
            e->has_client = true;
            e->client = name;
        }
    }
    return KERR_NONE;
}

/* ---- AlterClientQuotas ---- */

typedef struct acq_state {
    req_t *r;
    kp_alterclientquotas_resp_t resp;
    ctl_op_t *op;
    int *spec_of; /* entry -> spec index, -1 when answered here */
} acq_state_t;

static void acq_respond(acq_state_t *st)
{
    kp_alterclientquotas_resp_encode(&st->r->resp, st->r->hdr.api_version, &st->resp);
    ctl_op_free(st->op);
    req_done(st->r);
}

static void acq_fail(acq_state_t *st, int32_t i, kerr_t err, const char *msg)
{
    st->resp.entries[i].error_code = (int16_t)err;
    st->resp.entries[i].error_message = arena_strndup(&st->r->arena, msg, strlen(msg));
}

static void acq_done(ctl_op_t *op, void *arg)
{
    acq_state_t *st = arg;
    for (int32_t i = 0; i < st->resp.nentries; i++) {
        int k = st->spec_of[i];
        if (k >= 0 && op->topics[k].err) acq_fail(st, i, op->topics[k].err, op->topics[k].errmsg);
    }
    acq_respond(st);
}

/* Check an entry's ops and turn them into a spec (heap copies, freed by ctl_op_free). */
static kerr_t acq_spec(const kp_acq_entry_t *e, const char *entity_path, ctl_topic_spec_t *s,
                       char *why, size_t wn)
{
    for (int32_t j = 0; j < e->nops; j++) {
        char key[128];
        snprintf(key, sizeof(key), "%.*s", e->ops[j].key.len, e->ops[j].key.p);
        for (int32_t k = 0; k < j; k++)
            if (kstr_eq(e->ops[k].key, key)) {
                snprintf(why, wn, "Duplicate quota key %s", key);
                return KERR_INVALID_REQUEST;
            }
        kerr_t err = e->ops[j].remove ? (qcfg_key(key) < 0 ? KERR_INVALID_REQUEST : KERR_NONE)
                                      : qcfg_check(key, e->ops[j].value, why, wn);
        if (err == KERR_INVALID_REQUEST && e->ops[j].remove)
            snprintf(why, wn, "Invalid configuration key %s", key);
        if (err) return err;
    }
    size_t n = (size_t)e->nops + 1;
    s->name = strdup(entity_path);
    s->ncfg = e->nops;
    s->cfg_keys = calloc(n, sizeof(char *));
    s->cfg_vals = calloc(n, sizeof(char *));
    s->cfg_ops = calloc(n, sizeof(int8_t));
    if (!s->name || !s->cfg_keys || !s->cfg_vals || !s->cfg_ops) abort();
    for (int32_t j = 0; j < e->nops; j++) {
        char val[64] = "";
        s->cfg_keys[j] = kstr_dup(e->ops[j].key);
        if (!e->ops[j].remove)
            qcfg_store_str((qcfg_key_t)qcfg_key(s->cfg_keys[j]), e->ops[j].value, val, sizeof(val));
        s->cfg_vals[j] = strdup(val);
        s->cfg_ops[j] = e->ops[j].remove ? CTL_CFG_DELETE : CTL_CFG_SET;
    }
    return KERR_NONE;
}

void api_alterclientquotas(req_t *r, rbuf_t *rb)
{
    kp_alterclientquotas_req_t req;
    if (kp_alterclientquotas_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed AlterClientQuotas request");
        return;
    }
    acq_state_t *st = arena_calloc(&r->arena, 1, sizeof(*st));
    st->r = r;
    int32_t n = req.nentries;
    st->resp.nentries = n;
    st->resp.entries = arena_calloc(&r->arena, (size_t)n + 1, sizeof(*st->resp.entries));
    st->spec_of = arena_calloc(&r->arena, (size_t)n + 1, sizeof(int));
    st->op = calloc(1, sizeof(ctl_op_t));
    if (!st->op) abort();
    st->op->type = CTL_OP_ALTER_CLIENT_QUOTAS;
    st->op->validate_only = req.validate_only;
    st->op->topics = calloc((size_t)n + 1, sizeof(ctl_topic_spec_t));
    if (!st->op->topics) abort();
    for (int32_t i = 0; i < n; i++) {
        const kp_acq_entry_t *e = &req.entries[i];
        st->resp.entries[i].nentity = e->nentity;
        st->resp.entries[i].entity = e->entity;
        st->spec_of[i] = -1;
        char user[ACQ_NAME_MAX], client[ACQ_NAME_MAX], why[512], path[1600];
        zkpath_qentity_t ent;
        kerr_t err = acq_entity(e->entity, e->nentity, &ent, user, client, why, sizeof(why));
        if (!err && !authz_authorize(r, ACL_OP_ALTER_CONFIGS, ACL_RES_CLUSTER, ACL_CLUSTER_NAME)) {
            err = KERR_CLUSTER_AUTHORIZATION_FAILED;
            snprintf(why, sizeof(why), "Cluster authorization failed.");
        }
        if (!err && zkpath_qentity_path(path, sizeof(path), &ent) != KERR_NONE) {
            err = KERR_INVALID_REQUEST;
            snprintf(why, sizeof(why), "Client quota entity name too long");
        }
        if (!err) err = acq_spec(e, path, &st->op->topics[st->op->ntopics], why, sizeof(why));
        if (err) {
            acq_fail(st, i, err, why);
            continue;
        }
        st->spec_of[i] = st->op->ntopics++;
    }
    if (st->op->ntopics == 0) {
        acq_respond(st);
        return;
    }
    st->op->done = acq_done;
    st->op->arg = st;
    req_defer(r);
    ctl_submit(r->env->ctl, st->op);
}

/* ---- DescribeClientQuotas ---- */

/* Whether the entity part (present?, name or NULL = default) passes component c. */
static bool dcq_part_matches(const kp_dcq_component_t *c, bool present, const char *name)
{
    if (!present) return false;
    switch (c->match_type) {
    case KP_QUOTA_MATCH_EXACT:
        return name && c->match.len >= 0 && kstr_eq(c->match, name);
    case KP_QUOTA_MATCH_DEFAULT:
        return !name;
    default: /* any specified name */
        return true;
    }
}

static bool dcq_matches(const kp_describeclientquotas_req_t *req, const zkpath_qentity_t *e)
{
    bool want_user = false, want_client = false;
    for (int32_t i = 0; i < req->ncomponents; i++) {
        const kp_dcq_component_t *c = &req->components[i];
        bool is_user = kstr_eq(c->entity_type, "user");
        want_user |= is_user;
        want_client |= !is_user;
        if (!dcq_part_matches(c, is_user ? e->has_user : e->has_client,
                              is_user ? e->user : e->client))
            return false;
    }
    if (req->strict && ((e->has_user && !want_user) || (e->has_client && !want_client)))
        return false;
    return true;
}

/* Validate the filter; KERR_NONE or the error with a message. */
static kerr_t dcq_check(const kp_describeclientquotas_req_t *req, char *why, size_t n)
{
    for (int32_t i = 0; i < req->ncomponents; i++) {
        const kp_dcq_component_t *c = &req->components[i];
        if (!kstr_eq(c->entity_type, "user") && !kstr_eq(c->entity_type, "client-id")) {
            snprintf(why, n, "Unhandled client quota entity type: %.*s", c->entity_type.len,
                     c->entity_type.p);
            return KERR_INVALID_REQUEST;
        }
        for (int32_t j = 0; j < i; j++)
            if (kstr_eq(req->components[j].entity_type, "user") ==
                kstr_eq(c->entity_type, "user")) {
                snprintf(why, n, "Duplicate entity type in filter: %.*s", c->entity_type.len,
                         c->entity_type.p);
                return KERR_INVALID_REQUEST;
            }
        if (c->match_type < KP_QUOTA_MATCH_EXACT || c->match_type > KP_QUOTA_MATCH_ANY ||
            (c->match_type == KP_QUOTA_MATCH_EXACT && c->match.len < 0)) {
            snprintf(why, n, "Unexpected match type %d", c->match_type);
            return KERR_INVALID_REQUEST;
        }
    }
    return KERR_NONE;
}

/* Fill one response entry from an entity (strings copied into the arena). */
static void dcq_entry(arena_t *a, const zkpath_qentity_t *e, const double *vals, const bool *has,
                      kp_dcq_entry_t *out)
{
    out->entity = arena_calloc(a, 2, sizeof(*out->entity));
    if (e->has_user)
        out->entity[out->nentity++] = (kp_quota_entity_t){
            KSTR("user"),
            e->user ? (kstr_t){arena_strndup(a, e->user, strlen(e->user)), (int32_t)strlen(e->user)}
                    : (kstr_t){NULL, -1}};
    if (e->has_client)
        out->entity[out->nentity++] = (kp_quota_entity_t){
            KSTR("client-id"), e->client ? (kstr_t){arena_strndup(a, e->client, strlen(e->client)),
                                                    (int32_t)strlen(e->client)}
                                         : (kstr_t){NULL, -1}};
    out->values = arena_calloc(a, QCFG_NKEYS, sizeof(*out->values));
    for (int k = 0; k < QCFG_NKEYS; k++)
        if (has[k])
            out->values[out->nvalues++] =
                (kp_quota_value_t){KSTR(qcfg_name((qcfg_key_t)k)), vals[k]};
}

void api_describeclientquotas(req_t *r, rbuf_t *rb)
{
    kp_describeclientquotas_req_t req;
    if (kp_describeclientquotas_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed DescribeClientQuotas request");
        return;
    }
    kp_describeclientquotas_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    char why[512];
    kerr_t err = dcq_check(&req, why, sizeof(why));
    if (!err && !authz_authorize(r, ACL_OP_DESCRIBE_CONFIGS, ACL_RES_CLUSTER, ACL_CLUSTER_NAME)) {
        err = KERR_CLUSTER_AUTHORIZATION_FAILED;
        snprintf(why, sizeof(why), "Cluster authorization failed.");
    }
    if (err) {
        resp.error_code = (int16_t)err;
        resp.error_message = why;
        resp.nentries = -1;
    } else {
        size_t it = 0, cap = 8;
        const char *path;
        double vals[QCFG_NKEYS];
        bool has[QCFG_NKEYS];
        resp.entries = arena_calloc(&r->arena, cap, sizeof(*resp.entries));
        while (quota_next(r->env->quota, &it, &path, vals, has)) {
            zkpath_qentity_t e;
            char user[ACQ_NAME_MAX], client[ACQ_NAME_MAX];
            if (zkpath_qentity_parse(path, &e, user, sizeof(user), client, sizeof(client)) ||
                !dcq_matches(&req, &e))
                continue;
            if ((size_t)resp.nentries == cap) {
                kp_dcq_entry_t *more = arena_calloc(&r->arena, cap * 2, sizeof(*more));
                memcpy(more, resp.entries, cap * sizeof(*more));
                resp.entries = more;
                cap *= 2;
            }
            dcq_entry(&r->arena, &e, vals, has, &resp.entries[resp.nentries++]);
        }
    }
    kp_describeclientquotas_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
