/* authz.h: the authorizer (Kafka's AclAuthorizer semantics), answered from memory.
 *
 * The cache holds every ACL of the cluster by resource pattern (type, pattern type, name), as
 * the ctl thread reads them from ZooKeeper at start-up and after each change notice (ctl_acl.c
 * delivers them; authz_set replaces one pattern's entries). A decision never touches
 * ZooKeeper.
 *
 * A request (principal, host, op) on resource (type, name) is allowed when the principal is in
 * super.users; otherwise the ACLs that match the resource are its literal ACLs, the literal
 * wildcard "*" ones and the prefixed ones whose name is a prefix of the resource's. No
 * matching ACL at all: allow.everyone.if.no.acl.found decides. Else a DENY for the principal
 * (or User:*), the host (or *) and op (or All) refuses; else an ALLOW for the principal and host
 * with op, All, or an op that implies op (Read/Write/Delete/Alter imply Describe; AlterConfigs
 * implies DescribeConfigs) allows; else refused.
 *
 * srv->authz is NULL when authorizer.class.name is empty: nothing is checked (authz_authorize
 * answers true at the cost of one pointer test).
 * Owner: the server (authz_free). Reactor thread only. */
#ifndef AUTHZ_H
#define AUTHZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acl.h"
#include "kerr.h"
#include "proto/kp.h"

typedef struct authz authz_t;
typedef struct req req_t;
typedef struct cfg cfg_t;

/* super_users: "User:admin;User:broker" (may be NULL or empty). */
authz_t *authz_new(const char *super_users, bool allow_if_no_acl);
void authz_free(authz_t *a);
/* Replace the entries of one resource pattern (takes ownership of e; n == 0 removes it). */
void authz_set(authz_t *a, int8_t restype, int8_t pattern, const char *name, acl_entry_t *e, int n);
/* The decision for principal at host. */
bool authz_allowed(const authz_t *a, const char *principal, const char *host, int8_t op,
                   int8_t restype, const char *name);
bool authz_super_user(const authz_t *a, const char *principal);
/* Kafka's authorizeByResourceType: op is allowed on at least one resource of restype (an
 * ALLOW pattern no DENY of the same, the wildcard or a prefix covers). */
bool authz_allowed_on_any(const authz_t *a, const char *principal, const char *host, int8_t op,
                          int8_t restype);

/* A binding filter (DescribeAcls, DeleteAcls): ANY / NULL fields match everything; pattern
 * MATCH on a named resource matches its literal, wildcard and prefixed patterns. */
typedef struct authz_filter {
    int8_t restype, pattern;
    const char *name; /* NULL = any */
    const char *principal, *host;
    int8_t op, perm;
} authz_filter_t;

/* KERR_NONE, or KERR_INVALID_REQUEST with a reason (an UNKNOWN code in the filter). */
kerr_t authz_filter_check(const authz_filter_t *f, const char **why);
typedef void authz_visit_fn(void *arg, int8_t restype, int8_t pattern, const char *name,
                            const acl_entry_t *e);
/* Call fn for each binding the filter matches, grouped by resource pattern. */
void authz_each(const authz_t *a, const authz_filter_t *f, authz_visit_fn *fn, void *arg);

/* From the config: NULL when authorizer.class.name is empty, *err set for an unknown class. */
authz_t *authz_from_cfg(const cfg_t *cfg, char *err, size_t n);
/* A pattern's ACLs as the ctl thread read them (CTL_MSG_ACL): replace them in the cache. */
struct ctl_msg;
void authz_on_ctl_msg(authz_t *a, const struct ctl_msg *m);
/* The one check a handler makes: whether the request's principal may do op on the resource
 * (always true without an authorizer). */
bool authz_authorize(const req_t *r, int8_t op, int8_t restype, const char *name);
/* Create on the cluster or on the topic (CreateTopics, Metadata's auto-creation). */
bool authz_may_create_topic(const req_t *r, const char *topic);
/* InitProducerId without a transactional id (KIP-679): IdempotentWrite on the cluster, or
 * Write allowed on some topic. */
bool authz_may_idempotent_write(const req_t *r);
/* The same for a name that is a view into the request (copied to a C string first). */
struct kstr;
bool authz_authorize_k(const req_t *r, int8_t op, int8_t restype, struct kstr name);

/* Topics refused before an operation (TOPIC_AUTHORIZATION_FAILED on each partition) joined to
 * the topics of its answer: *topics becomes an arena copy holding both. */
/* Fill d as a refused topic: name, nparts partitions all answering err (the caller sets the
 * partition indexes). Returns d->parts. */
kp_part_err_t *authz_topic_refused(arena_t *a, kp_topic_errs_t *d, kstr_t name, int32_t nparts,
                                   kerr_t err);
void authz_topic_errs_append(arena_t *a, kp_topic_errs_t **topics, int32_t *n,
                             const kp_topic_errs_t *extra, int32_t nextra);
/* Submit an op that needs acl_op on the cluster (reassignments, elections, the brokers' own
 * requests): without it, op->err = CLUSTER_AUTHORIZATION_FAILED and op->done runs at once.
 * The request is deferred either way. */
struct ctl_op;
void authz_submit_cluster_op(req_t *r, struct ctl_op *op, int8_t acl_op);
/* Describe/AlterConfigs on a ConfigResource (type 2 topic: TOPIC_AUTHORIZATION_FAILED; broker
 * and logger: the cluster, CLUSTER_AUTHORIZATION_FAILED). */
kerr_t authz_config_resource(const req_t *r, int8_t acl_op, int8_t config_type, struct kstr name);
/* op on the TransactionalId: KERR_NONE or TRANSACTIONAL_ID_AUTHORIZATION_FAILED. */
kerr_t authz_txn_id(const req_t *r, int8_t acl_op, struct kstr txn_id);
/* op on the cluster: KERR_NONE or CLUSTER_AUTHORIZATION_FAILED. */
kerr_t authz_cluster(const req_t *r, int8_t acl_op);
/* The topics of topics[0..n) op is refused on: refused[i] set (an arena array of n), the count
 * returned. internal_refused: internal topics are refused whatever the ACLs (Kafka's
 * AddPartitionsToTxn), without an authorizer too. */
int32_t authz_topics_refused(req_t *r, int8_t acl_op, const kp_topic_parts_t *topics, int32_t n,
                             bool internal_refused, bool **refused);
/* An (Txn)OffsetCommit's checks: every topic refused with first_err when it is set (the
 * TransactionalId's refusal), else Read on the group (GROUP_AUTHORIZATION_FAILED) and on each
 * topic (TOPIC_AUTHORIZATION_FAILED). Refused topics leave req and go to *denied (arena). */
struct kp_offsetcommit_req;
void authz_offsetcommit(req_t *r, struct kp_offsetcommit_req *req, kerr_t first_err,
                        kp_topic_errs_t **denied, int32_t *ndenied);

#endif
