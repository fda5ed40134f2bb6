/* acl.c: ACL names and the ZooKeeper formats AclAuthorizer writes (see acl.h). */
#include "acl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zkpath.h"

typedef struct acl_name {
    int8_t code;
    const char *wire, *zk;
} acl_name_t;

static const acl_name_t acl_res_names[] = {
    {ACL_RES_ANY, "ANY", "Any"},
    {ACL_RES_TOPIC, "TOPIC", "Topic"},
    {ACL_RES_GROUP, "GROUP", "Group"},
    {ACL_RES_CLUSTER, "CLUSTER", "Cluster"},
    {ACL_RES_TXNID, "TRANSACTIONAL_ID", "TransactionalId"},
    {ACL_RES_TOKEN, "DELEGATION_TOKEN", "DelegationToken"},
    {ACL_RES_USER, "USER", "User"},
    {0, NULL, NULL},
};
static const acl_name_t acl_pat_names[] = {
    {ACL_PAT_ANY, "ANY", "Any"},
    {ACL_PAT_MATCH, "MATCH", "Match"},
    {ACL_PAT_LITERAL, "LITERAL", "Literal"},
    {ACL_PAT_PREFIXED, "PREFIXED", "Prefixed"},
    {0, NULL, NULL},
};
static const acl_name_t acl_op_names[] = {
    {ACL_OP_ANY, "ANY", "Any"},
    {ACL_OP_ALL, "ALL", "All"},
    {ACL_OP_READ, "READ", "Read"},
    {ACL_OP_WRITE, "WRITE", "Write"},
    {ACL_OP_CREATE, "CREATE", "Create"},
    {ACL_OP_DELETE, "DELETE", "Delete"},
    {ACL_OP_ALTER, "ALTER", "Alter"},
    {ACL_OP_DESCRIBE, "DESCRIBE", "Describe"},
    {ACL_OP_CLUSTER_ACTION, "CLUSTER_ACTION", "ClusterAction"},
    {ACL_OP_DESCRIBE_CONFIGS, "DESCRIBE_CONFIGS", "DescribeConfigs"},
    {ACL_OP_ALTER_CONFIGS, "ALTER_CONFIGS", "AlterConfigs"},
    {ACL_OP_IDEMPOTENT_WRITE, "IDEMPOTENT_WRITE", "IdempotentWrite"},
    {0, NULL, NULL},
};
static const acl_name_t acl_perm_names[] = {
    {ACL_PERM_ANY, "ANY", "Any"},
    {ACL_PERM_DENY, "DENY", "Deny"},
    {ACL_PERM_ALLOW, "ALLOW", "Allow"},
    {0, NULL, NULL},
};

static const char *acl_name_of(const acl_name_t *t, int8_t code, bool zk)
{
    for (; t->wire; t++)
        if (t->code == code) return zk ? t->zk : t->wire;
    return zk ? "Unknown" : "UNKNOWN";
}

static int8_t acl_code_of(const acl_name_t *t, const char *s)
{
    if (!s) return 0;
    for (; t->wire; t++)
        if (strcasecmp(s, t->wire) == 0 || strcasecmp(s, t->zk) == 0) return t->code;
    return 0;
}

const char *acl_res_name(int8_t t)
{
    return acl_name_of(acl_res_names, t, false);
}
const char *acl_pat_name(int8_t p)
{
    return acl_name_of(acl_pat_names, p, false);
}
const char *acl_op_name(int8_t op)
{
    return acl_name_of(acl_op_names, op, false);
}
const char *acl_perm_name(int8_t p)
{
    return acl_name_of(acl_perm_names, p, false);
}
const char *acl_res_zkname(int8_t t)
{
    return acl_name_of(acl_res_names, t, true);
}
const char *acl_op_zkname(int8_t op)
{
    return acl_name_of(acl_op_names, op, true);
}
int8_t acl_res_parse(const char *s)
{
    return acl_code_of(acl_res_names, s);
}
int8_t acl_pat_parse(const char *s)
{
    return acl_code_of(acl_pat_names, s);
}
int8_t acl_op_parse(const char *s)
{
    return acl_code_of(acl_op_names, s);
}
int8_t acl_perm_parse(const char *s)
{
    return acl_code_of(acl_perm_names, s);
}

kerr_t acl_zk_path(char *out, size_t n, int8_t restype, int8_t pattern, const char *name)
{
    const char *root = pattern == ACL_PAT_LITERAL    ? ZKPATH_ACL
                       : pattern == ACL_PAT_PREFIXED ? ZKPATH_ACL_PREFIXED
                                                     : NULL;
    if (!root || restype < ACL_RES_TOPIC || restype > ACL_RES_USER) return KERR_INVALID_REQUEST;
    int r = snprintf(out, n, "%s/%s/%s", root, acl_res_zkname(restype), name);
    return r < 0 || (size_t)r >= n ? KERR__TOO_LARGE : KERR_NONE;
}

char *acl_entries_json(const acl_entry_t *e, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "principal", json_string(e[i].principal));
        json_object_set_new(o, "permissionType",
                            json_string(e[i].perm == ACL_PERM_DENY ? "Deny" : "Allow"));
        json_object_set_new(o, "operation", json_string(acl_op_zkname(e[i].op)));
        json_object_set_new(o, "host", json_string(e[i].host));
        json_array_append_new(arr, o);
    }
    json_t *root = json_object();
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "acls", arr);
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!s) abort();
    return s;
}

/* One entry of the "acls" array into e; false when a field is missing or unknown. */
static bool acl_entry_parse(json_t *o, acl_entry_t *e)
{
    const char *pr = json_string_value(json_object_get(o, "principal"));
    const char *host = json_string_value(json_object_get(o, "host"));
    int8_t op = acl_op_parse(json_string_value(json_object_get(o, "operation")));
    int8_t perm = acl_perm_parse(json_string_value(json_object_get(o, "permissionType")));
    if (!pr || !host || op < ACL_OP_ALL || perm < ACL_PERM_DENY) return false;
    e->principal = strdup(pr);
    e->host = strdup(host);
    if (!e->principal || !e->host) abort();
    e->op = op;
    e->perm = perm;
    return true;
}

kerr_t acl_entries_parse(const char *json, acl_entry_t **out, int *n)
{
    *out = NULL;
    *n = 0;
    json_error_t err;
    json_t *root = json ? json_loads(json, 0, &err) : NULL;
    json_t *arr = json_object_get(root, "acls");
    if (!json_is_array(arr)) {
        json_decref(root);
        return KERR__BAD_MSG;
    }
    size_t len = json_array_size(arr);
    acl_entry_t *e = calloc(len ? len : 1, sizeof(*e));
    if (!e) abort();
    int k = 0;
    for (size_t i = 0; i < len; i++)
        if (acl_entry_parse(json_array_get(arr, i), &e[k])) k++;
    json_decref(root);
    *out = e;
    *n = k;
    return KERR_NONE;
}

void acl_entries_free(acl_entry_t *e, int n)
{
    for (int i = 0; i < n; i++) {
        free(e[i].principal);
        free(e[i].host);
    }
    free(e);
}

bool acl_entries_apply(acl_entry_t **e, int *n, const acl_entry_t *x, bool remove)
{
    int at = -1;
    for (int j = 0; j < *n && at < 0; j++) {
        const acl_entry_t *y = &(*e)[j];
        if (y->op == x->op && y->perm == x->perm && strcmp(y->principal, x->principal) == 0 &&
            strcmp(y->host, x->host) == 0)
            at = j;
    }
    if (remove) {
        if (at < 0) return false;
        free((*e)[at].principal);
        free((*e)[at].host);
        (*e)[at] = (*e)[--*n];
        return true;
    }
    if (at >= 0) return false;
    *e = realloc(*e, (size_t)(*n + 1) * sizeof(**e));
    if (!*e) abort();
    acl_entry_t *y = &(*e)[(*n)++];
    y->principal = strdup(x->principal);
    y->host = strdup(x->host);
    if (!y->principal || !y->host) abort();
    y->op = x->op;
    y->perm = x->perm;
    return true;
}

char *acl_change_data(int8_t restype, int8_t pattern, const char *name)
{
    char *s = NULL;
    if (pattern == ACL_PAT_LITERAL) {
        if (asprintf(&s, "%s:%s", acl_res_name(restype), name) < 0) abort();
        return s;
    }
    json_t *o = json_object();
    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "resourceType", json_string(acl_res_name(restype)));
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "patternType", json_string(acl_pat_name(pattern)));
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!s) abort();
    return s;
}

kerr_t acl_change_parse(const char *data, bool extended, int8_t *restype, int8_t *pattern,
                        char *name, size_t n)
{
    if (!data) return KERR__BAD_MSG;
    if (!extended) {
        const char *colon = strchr(data, ':');
        if (!colon || (size_t)(colon - data) >= 32) return KERR__BAD_MSG;
        char type[32];
        memcpy(type, data, (size_t)(colon - data));
        type[colon - data] = '\0';
        *restype = acl_res_parse(type);
        *pattern = ACL_PAT_LITERAL;
        snprintf(name, n, "%s", colon + 1);
        return *restype >= ACL_RES_TOPIC ? KERR_NONE : KERR__BAD_MSG;
    }
    json_error_t err;
    json_t *o = json_loads(data, 0, &err);
    const char *nm = json_string_value(json_object_get(o, "name"));
    *restype = acl_res_parse(json_string_value(json_object_get(o, "resourceType")));
    *pattern = acl_pat_parse(json_string_value(json_object_get(o, "patternType")));
    if (nm) snprintf(name, n, "%s", nm);
    json_decref(o);
    bool ok = nm && *restype >= ACL_RES_TOPIC && *pattern >= ACL_PAT_LITERAL;
    return ok ? KERR_NONE : KERR__BAD_MSG;
}
