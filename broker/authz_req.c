/* authz_req.c: the authorizer's wiring: built from the broker config, asked by handlers with
 * the request's principal (conn_principal) and host (api_client_host). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "authz.h"
#include "buf.h"
#include "cfg.h"
#include "conn.h"
#include "log.h"
#include "ctl.h"
#include "proto/kp_offsetcommit.h"
#include "server.h"

/* The class names Kafka 3.x accepts for its ZooKeeper-mode authorizer. */
static const char *const authz_classes[] = {
    "kafka.security.authorizer.AclAuthorizer",
    "kafka.security.auth.SimpleAclAuthorizer",
    NULL,
};

authz_t *authz_from_cfg(const cfg_t *cfg, char *err, size_t n)
{
    err[0] = '\0';
    const char *cls = cfg_str(cfg, "authorizer.class.name");
    if (!cls || !*cls) return NULL;
    for (int i = 0; authz_classes[i]; i++)
        if (strcmp(cls, authz_classes[i]) == 0)
            return authz_new(cfg_str(cfg, "super.users"),
                             cfg_bool(cfg, "allow.everyone.if.no.acl.found"));
    snprintf(err, n,
             "Invalid value %s for configuration authorizer.class.name: Class %s cannot be "
             "found (supported: kafka.security.authorizer.AclAuthorizer)",
             cls, cls);
    return NULL;
}

bool authz_authorize(const req_t *r, int8_t op, int8_t restype, const char *name)
{
    const authz_t *a = r->env->authz;
    if (!a) return true;
    if (!r->c) return false;
    char host[128];
    api_client_host(r, host, sizeof(host));
    const char *principal = conn_principal(r->c);
    bool ok = authz_allowed(a, principal, host, op, restype, name);
    if (!ok)
        log_debug("authz",
                  "Principal = %s is Denied Operation = %s from host = %s on resource "
                  "= %s:LITERAL:%s for request = %s",
                  principal, acl_op_name(op), host, acl_res_name(restype), name,
                  kp_api_name(r->hdr.api_key));
    return ok;
}

bool authz_authorize_k(const req_t *r, int8_t op, int8_t restype, kstr_t name)
{
    if (!r->env->authz) return true;
    char buf[512];
    if (name.len < 0) name.len = 0;
    /* a name with a NUL byte is no name an ACL can hold (CreateAcls refuses them): judged as
     * a resource without ACLs (super users, allow.everyone.if.no.acl.found) */
    if (name.len > 0 && memchr(name.p, '\0', (size_t)name.len))
        return authz_authorize(r, ACL_OP_ALL, ACL_RES_UNKNOWN, "");
    if ((size_t)name.len >= sizeof(buf)) {
        char *big = kstr_dup(name);
        bool ok = authz_authorize(r, op, restype, big ? big : "");
        free(big);
        return ok;
    }
    memcpy(buf, name.p, (size_t)name.len);
    buf[name.len] = '\0';
    return authz_authorize(r, op, restype, buf);
}

void authz_on_ctl_msg(authz_t *a, const ctl_msg_t *m)
{
    if (!a || !m->topic) return;
    acl_entry_t *e = NULL;
    int n = 0;
    if (m->why && acl_entries_parse(m->why, &e, &n) != KERR_NONE)
        log_warn("authz", "malformed ACLs of %s:%s:%s ignored", acl_res_name(m->acl_restype),
                 acl_pat_name(m->acl_pattern), m->topic);
    authz_set(a, m->acl_restype, m->acl_pattern, m->topic, e, n);
    log_debug("authz", "ACLs of %s:%s:%s: %d entries", acl_res_name(m->acl_restype),
              acl_pat_name(m->acl_pattern), m->topic, n);
}

bool authz_may_create_topic(const req_t *r, const char *topic)
{
    return authz_authorize(r, ACL_OP_CREATE, ACL_RES_CLUSTER, ACL_CLUSTER_NAME) ||
           authz_authorize(r, ACL_OP_CREATE, ACL_RES_TOPIC, topic);
}

bool authz_may_idempotent_write(const req_t *r)
{
    const authz_t *a = r->env->authz;
    if (!a || authz_authorize(r, ACL_OP_IDEMPOTENT_WRITE, ACL_RES_CLUSTER, ACL_CLUSTER_NAME))
        return true;
    if (!r->c) return false;
    char host[128];
    api_client_host(r, host, sizeof(host));
    return authz_allowed_on_any(a, conn_principal(r->c), host, ACL_OP_WRITE, ACL_RES_TOPIC);
}

void authz_submit_cluster_op(req_t *r, ctl_op_t *op, int8_t acl_op)
{
    req_defer(r);
    if (authz_authorize(r, acl_op, ACL_RES_CLUSTER, ACL_CLUSTER_NAME)) {
        ctl_submit(r->env->ctl, op);
        return;
    }
    op->err = KERR_CLUSTER_AUTHORIZATION_FAILED;
    op->done(op, op->arg);
}

kerr_t authz_config_resource(const req_t *r, int8_t acl_op, int8_t config_type, kstr_t name)
{
    if (config_type == 2) /* ConfigResource TOPIC */
        return authz_authorize_k(r, acl_op, ACL_RES_TOPIC, name) ? KERR_NONE
                                                                 : KERR_TOPIC_AUTHORIZATION_FAILED;
    return authz_authorize(r, acl_op, ACL_RES_CLUSTER, ACL_CLUSTER_NAME)
               ? KERR_NONE
               : KERR_CLUSTER_AUTHORIZATION_FAILED; /* BROKER, BROKER_LOGGER */
}

void authz_topic_errs_append(arena_t *a, kp_topic_errs_t **topics, int32_t *n,
                             const kp_topic_errs_t *extra, int32_t nextra)
{
    if (nextra <= 0) return;
    kp_topic_errs_t *all = arena_calloc(a, (size_t)(*n + nextra), sizeof(*all));
    if (*n > 0) memcpy(all, *topics, (size_t)*n * sizeof(*all));
    memcpy(all + *n, extra, (size_t)nextra * sizeof(*all));
    *topics = all;
    *n += nextra;
}

kp_part_err_t *authz_topic_refused(arena_t *a, kp_topic_errs_t *d, kstr_t name, int32_t nparts,
                                   kerr_t err)
{
    d->name = name;
    d->nparts = nparts;
    d->parts = arena_calloc(a, (size_t)nparts + 1, sizeof(kp_part_err_t));
    for (int32_t j = 0; j < nparts; j++) d->parts[j].error_code = (int16_t)err;
    return d->parts;
}

kerr_t authz_txn_id(const req_t *r, int8_t acl_op, kstr_t txn_id)
{
    return authz_authorize_k(r, acl_op, ACL_RES_TXNID, txn_id)
               ? KERR_NONE
               : KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
}

kerr_t authz_cluster(const req_t *r, int8_t acl_op)
{
    return authz_authorize(r, acl_op, ACL_RES_CLUSTER, ACL_CLUSTER_NAME)
               ? KERR_NONE
               : KERR_CLUSTER_AUTHORIZATION_FAILED;
}

/* Kafka's Topic.isInternal. */
static bool authz_internal_topic(kstr_t name)
{
    return kstr_eq(name, "__consumer_offsets") || kstr_eq(name, "__transaction_state");
}

int32_t authz_topics_refused(req_t *r, int8_t acl_op, const kp_topic_parts_t *topics, int32_t n,
                             bool internal_refused, bool **refused)
{
    *refused = arena_calloc(&r->arena, (size_t)n + 1, sizeof(bool));
    int32_t k = 0;
    for (int32_t i = 0; i < n; i++) {
        (*refused)[i] = (internal_refused && authz_internal_topic(topics[i].name)) ||
                        !authz_authorize_k(r, acl_op, ACL_RES_TOPIC, topics[i].name);
        k += (*refused)[i];
    }
    return k;
}

void authz_offsetcommit(req_t *r, kp_offsetcommit_req_t *req, kerr_t first_err,
                        kp_topic_errs_t **denied, int32_t *ndenied)
{
    kerr_t all = first_err;
    if (!all && !authz_authorize_k(r, ACL_OP_READ, ACL_RES_GROUP, req->group_id))
        all = KERR_GROUP_AUTHORIZATION_FAILED;
    *denied = arena_calloc(&r->arena, (size_t)req->ntopics + 1, sizeof(kp_topic_errs_t));
    *ndenied = 0;
    int32_t k = 0;
    for (int32_t i = 0; i < req->ntopics; i++) {
        kp_offsetcommit_topic_t *t = &req->topics[i];
        kerr_t err = all ? all
                     : authz_authorize_k(r, ACL_OP_READ, ACL_RES_TOPIC, t->name)
                         ? KERR_NONE
                         : KERR_TOPIC_AUTHORIZATION_FAILED;
        if (!err) {
            req->topics[k++] = *t;
            continue;
        }
        kp_part_err_t *pe =
            authz_topic_refused(&r->arena, &(*denied)[(*ndenied)++], t->name, t->nparts, err);
        for (int32_t j = 0; j < t->nparts; j++) pe[j].partition_index = t->parts[j].partition_index;
    }
    req->ntopics = k;
}
