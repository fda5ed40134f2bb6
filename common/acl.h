/* acl.h: Kafka's ACL vocabulary and how ZooKeeper stores it (AclAuthorizer, KIP-290).
 *
 * Codes are Kafka's wire values (ResourceType, PatternType, AclOperation, AclPermissionType).
 * Two spellings of each name: the wire/CLI one ("TOPIC", "WRITE", "ALLOW", as Kafka's enums
 * print) and the ZooKeeper one ("Topic", "Write", "Allow", as SecurityUtils writes them).
 *
 * ZooKeeper layout (paths in zkpath.h):
 *   /kafka-acl/<Type>/<name>                       literal patterns (incl. the wildcard "*")
 *   /kafka-acl-extended/prefixed/<Type>/<name>     prefixed patterns
 *     data {"version":1,"acls":[{"principal":..,"permissionType":"Allow","operation":"Write",
 *           "host":"*"}]}
 *   /kafka-acl-changes/acl_changes_<seq>           data "<TYPE>:<name>" (literal)
 *   /kafka-acl-extended-changes/acl_changes_<seq>  data {"version":1,"resourceType":"TOPIC",
 *                                                  "name":..,"patternType":"PREFIXED"}
 * Owner: strings returned by the *_json functions and the entries of acl_entries_parse are
 * the caller's (free / acl_entries_free). Any thread. */
#ifndef ACL_H
#define ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

enum {
    ACL_RES_UNKNOWN = 0,
    ACL_RES_ANY = 1,
    ACL_RES_TOPIC = 2,
    ACL_RES_GROUP = 3,
    ACL_RES_CLUSTER = 4,
    ACL_RES_TXNID = 5,
    ACL_RES_TOKEN = 6,
    ACL_RES_USER = 7,
};
enum {
    ACL_PAT_UNKNOWN = 0,
    ACL_PAT_ANY = 1,
    ACL_PAT_MATCH = 2,
    ACL_PAT_LITERAL = 3,
    ACL_PAT_PREFIXED = 4,
};
enum {
    ACL_OP_UNKNOWN = 0,
    ACL_OP_ANY = 1,
    ACL_OP_ALL = 2,
    ACL_OP_READ = 3,
    ACL_OP_WRITE = 4,
    ACL_OP_CREATE = 5,
    ACL_OP_DELETE = 6,
    ACL_OP_ALTER = 7,
    ACL_OP_DESCRIBE = 8,
    ACL_OP_CLUSTER_ACTION = 9,
    ACL_OP_DESCRIBE_CONFIGS = 10,
    ACL_OP_ALTER_CONFIGS = 11,
    ACL_OP_IDEMPOTENT_WRITE = 12,
    ACL_OP__MAX = 13,
};
enum {
    ACL_PERM_UNKNOWN = 0,
    ACL_PERM_ANY = 1,
    ACL_PERM_DENY = 2,
    ACL_PERM_ALLOW = 3,
};

#define ACL_WILDCARD           "*"
#define ACL_WILDCARD_PRINCIPAL "User:*"
#define ACL_CLUSTER_NAME       "kafka-cluster"

/* One access control entry of a resource pattern. */
typedef struct acl_entry {
    char *principal; /* "User:alice", "User:*" */
    char *host;      /* an IP or "*" */
    int8_t op;
    int8_t perm;
} acl_entry_t;

/* Names: wire spelling (TOPIC, WRITE, ALLOW, LITERAL); "UNKNOWN" for other codes. */
const char *acl_res_name(int8_t t);
const char *acl_pat_name(int8_t p);
const char *acl_op_name(int8_t op);
const char *acl_perm_name(int8_t p);
/* ZooKeeper spelling (Topic, TransactionalId, Write, IdempotentWrite, Allow). */
const char *acl_res_zkname(int8_t t);
const char *acl_op_zkname(int8_t op);
/* Case-insensitive parse of either spelling (TransactionalId and TRANSACTIONAL_ID);
 * ACL_*_UNKNOWN (0) when unrecognised. */
int8_t acl_res_parse(const char *s);
int8_t acl_pat_parse(const char *s);
int8_t acl_op_parse(const char *s);
int8_t acl_perm_parse(const char *s);

/* The resource znode of a pattern (literal or prefixed); KERR__TOO_LARGE when out is small,
 * KERR_INVALID_REQUEST for a pattern type that is stored nowhere. */
kerr_t acl_zk_path(char *out, size_t n, int8_t restype, int8_t pattern, const char *name);
/* The ACL znode's JSON, and its parse (entries with unknown names are skipped). */
char *acl_entries_json(const acl_entry_t *e, int n);
kerr_t acl_entries_parse(const char *json, acl_entry_t **out, int *n);
void acl_entries_free(acl_entry_t *e, int n);
/* Add x to (or remove it from) the entries *e (realloc'd; copies made); whether they changed
 * (adding one already there, or removing one absent, changes nothing). */
bool acl_entries_apply(acl_entry_t **e, int *n, const acl_entry_t *x, bool remove);
/* A change notice's data for a pattern (literal: "TOPIC:name"; prefixed: JSON), and its
 * parse; extended says which change path the notice came from. */
char *acl_change_data(int8_t restype, int8_t pattern, const char *name);
kerr_t acl_change_parse(const char *data, bool extended, int8_t *restype, int8_t *pattern,
                        char *name, size_t n);

#endif
