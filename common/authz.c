/* authz.c: the ACL cache and AclAuthorizer's decision (see authz.h). */
#include "authz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"

/* One resource pattern and its entries. */
typedef struct authz_res {
    int8_t restype, pattern;
    char *name;
    acl_entry_t *e;
    int n;
} authz_res_t;

struct authz {
    dict_t *res; /* authz_key() -> authz_res_t* */
    /* per resource type, the longest prefixed pattern name ever stored: a decision looks up
     * the name's prefixes up to that length only (none without prefixed ACLs) */
    size_t prefixed_max[ACL_RES_USER + 1];
    char **supers;
    int nsupers;
    bool allow_if_no_acl;
};

/* The cache key of a pattern: "<type>.<pattern>.<name>" (codes are single digits). */
static char *authz_key(char *buf, size_t n, int8_t restype, int8_t pattern, const char *name,
                       size_t name_len)
{
    size_t need = name_len + 5;
    char *k = need <= n ? buf : malloc(need);
    if (!k) abort();
    k[0] = (char)('0' + restype);
    k[1] = '.';
    k[2] = (char)('0' + pattern);
    k[3] = '.';
    memcpy(k + 4, name, name_len);
    k[4 + name_len] = '\0';
    return k;
}

static const authz_res_t *authz_find(const authz_t *a, int8_t restype, int8_t pattern,
                                     const char *name, size_t len)
{
    char buf[320];
    char *k = authz_key(buf, sizeof(buf), restype, pattern, name, len);
    const authz_res_t *r = dict_get(a->res, k);
    if (k != buf) free(k);
    return r;
}

static void authz_res_free(void *p)
{
    authz_res_t *r = p;
    acl_entries_free(r->e, r->n);
    free(r->name);
    free(r);
}

authz_t *authz_new(const char *super_users, bool allow_if_no_acl)
{
    authz_t *a = calloc(1, sizeof(*a));
    if (!a) abort();
    a->res = dict_new();
    a->allow_if_no_acl = allow_if_no_acl;
    char *copy = strdup(super_users ? super_users : "");
    if (!copy) abort();
    char *save = NULL;
    for (char *t = strtok_r(copy, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        while (*t == ' ' || *t == '\t') t++;
        size_t len = strlen(t);
        while (len && (t[len - 1] == ' ' || t[len - 1] == '\t')) t[--len] = '\0';
        if (!len) continue;
        a->supers = realloc(a->supers, (size_t)(a->nsupers + 1) * sizeof(char *));
        if (!a->supers || !(a->supers[a->nsupers] = strdup(t))) abort();
        a->nsupers++;
    }
    free(copy);
    return a;
}

void authz_free(authz_t *a)
{
    if (!a) return;
    dict_free(a->res, authz_res_free);
    for (int i = 0; i < a->nsupers; i++) free(a->supers[i]);
    free(a->supers);
    free(a);
}

void authz_set(authz_t *a, int8_t restype, int8_t pattern, const char *name, acl_entry_t *e, int n)
{
    char buf[320];
    char *k = authz_key(buf, sizeof(buf), restype, pattern, name, strlen(name));
    authz_res_t *old = dict_del(a->res, k);
    if (old) authz_res_free(old);
    if (n > 0) {
        authz_res_t *r = calloc(1, sizeof(*r));
        if (!r || !(r->name = strdup(name))) abort();
        r->restype = restype;
        r->pattern = pattern;
        r->e = e;
        r->n = n;
        dict_set(a->res, k, r);
        size_t len = strlen(name);
        if (pattern == ACL_PAT_PREFIXED && restype >= 0 && restype <= ACL_RES_USER &&
            len > a->prefixed_max[restype])
            a->prefixed_max[restype] = len;
    } else {
        acl_entries_free(e, n);
    }
    if (k != buf) free(k);
}

bool authz_super_user(const authz_t *a, const char *principal)
{
    for (int i = 0; i < a->nsupers; i++)
        if (strcmp(a->supers[i], principal) == 0) return true;
    return false;
}

/* Whether an ALLOW entry with op eop grants op (All, the op itself, or an implying op). */
static bool authz_op_grants(int8_t eop, int8_t op)
{
    if (eop == ACL_OP_ALL || eop == op) return true;
    if (op == ACL_OP_DESCRIBE)
        return eop == ACL_OP_READ || eop == ACL_OP_WRITE || eop == ACL_OP_DELETE ||
               eop == ACL_OP_ALTER;
    if (op == ACL_OP_DESCRIBE_CONFIGS) return eop == ACL_OP_ALTER_CONFIGS;
    return false;
}

/* The verdict of one pattern's entries, folded into *deny / *allow. */
static void authz_scan(const authz_res_t *r, const char *principal, const char *host, int8_t op,
                       bool *deny, bool *allow)
{
    for (int i = 0; i < r->n; i++) {
        const acl_entry_t *e = &r->e[i];
        if (strcmp(e->principal, principal) != 0 && strcmp(e->principal, ACL_WILDCARD_PRINCIPAL))
            continue;
        if (strcmp(e->host, host) != 0 && strcmp(e->host, ACL_WILDCARD) != 0) continue;
        if (e->perm == ACL_PERM_DENY && (e->op == op || e->op == ACL_OP_ALL)) *deny = true;
        if (e->perm == ACL_PERM_ALLOW && authz_op_grants(e->op, op)) *allow = true;
    }
}

bool authz_allowed(const authz_t *a, const char *principal, const char *host, int8_t op,
                   int8_t restype, const char *name)
{
    if (authz_super_user(a, principal)) return true;
    const authz_res_t *found[2];
    int nfound = 0;
    size_t len = strlen(name);
    const authz_res_t *r = authz_find(a, restype, ACL_PAT_LITERAL, name, len);
    if (r) found[nfound++] = r;
    if (strcmp(name, ACL_WILDCARD) != 0 &&
        (r = authz_find(a, restype, ACL_PAT_LITERAL, ACL_WILDCARD, 1)))
        found[nfound++] = r;
    bool deny = false, allow = false, any = nfound > 0;
    for (int i = 0; i < nfound; i++) authz_scan(found[i], principal, host, op, &deny, &allow);
    size_t upto = restype >= 0 && restype <= ACL_RES_USER ? a->prefixed_max[restype] : 0;
    for (size_t l = 1; l <= len && l <= upto && !deny; l++) {
        if (!(r = authz_find(a, restype, ACL_PAT_PREFIXED, name, l))) continue;
        any = true;
        authz_scan(r, principal, host, op, &deny, &allow);
    }
    if (!any) return a->allow_if_no_acl;
    return !deny && allow;
}

kerr_t authz_filter_check(const authz_filter_t *f, const char **why)
{
    *why = NULL;
    if (f->restype <= ACL_RES_UNKNOWN || f->restype > ACL_RES_USER)
        *why = "Resource type is UNKNOWN";
    else if (f->pattern <= ACL_PAT_UNKNOWN || f->pattern > ACL_PAT_PREFIXED)
        *why = "Resource pattern type is UNKNOWN";
    else if (f->op <= ACL_OP_UNKNOWN || f->op >= ACL_OP__MAX)
        *why = "Operation is UNKNOWN";
    else if (f->perm <= ACL_PERM_UNKNOWN || f->perm > ACL_PERM_ALLOW)
        *why = "Permission type is UNKNOWN";
    return *why ? KERR_INVALID_REQUEST : KERR_NONE;
}

/* Whether the filter's pattern part matches a stored pattern (Kafka's
 * ResourcePatternFilter.matches). */
static bool authz_pattern_matches(const authz_filter_t *f, const authz_res_t *r)
{
    if (f->restype != ACL_RES_ANY && f->restype != r->restype) return false;
    if (f->pattern != ACL_PAT_ANY && f->pattern != ACL_PAT_MATCH && f->pattern != r->pattern)
        return false;
    if (!f->name) return true;
    if (f->pattern != ACL_PAT_MATCH) return strcmp(f->name, r->name) == 0;
    if (r->pattern == ACL_PAT_LITERAL)
        return strcmp(f->name, r->name) == 0 || strcmp(r->name, ACL_WILDCARD) == 0;
    return strncmp(f->name, r->name, strlen(r->name)) == 0;
}

static bool authz_entry_matches(const authz_filter_t *f, const acl_entry_t *e)
{
    return (!f->principal || strcmp(f->principal, e->principal) == 0) &&
           (!f->host || strcmp(f->host, e->host) == 0) && (f->op == ACL_OP_ANY || f->op == e->op) &&
           (f->perm == ACL_PERM_ANY || f->perm == e->perm);
}

void authz_each(const authz_t *a, const authz_filter_t *f, authz_visit_fn *fn, void *arg)
{
    size_t it = 0;
    void *v;
    while (dict_next(a->res, &it, NULL, &v)) {
        const authz_res_t *r = v;
        if (!authz_pattern_matches(f, r)) continue;
        for (int i = 0; i < r->n; i++)
            if (authz_entry_matches(f, &r->e[i]))
                fn(arg, r->restype, r->pattern, r->name, &r->e[i]);
    }
}

/* Whether one entry applies to (principal, host) with permission perm for op. */
static bool authz_entry_applies(const acl_entry_t *e, const char *principal, const char *host,
                                int8_t op, int8_t perm)
{
    if (e->perm != perm) return false;
    if (strcmp(e->principal, principal) != 0 && strcmp(e->principal, ACL_WILDCARD_PRINCIPAL))
        return false;
    if (strcmp(e->host, host) != 0 && strcmp(e->host, ACL_WILDCARD) != 0) return false;
    return perm == ACL_PERM_DENY ? e->op == op || e->op == ACL_OP_ALL : authz_op_grants(e->op, op);
}

static bool authz_res_applies(const authz_res_t *r, const char *principal, const char *host,
                              int8_t op, int8_t perm)
{
    for (int i = 0; i < r->n; i++)
        if (authz_entry_applies(&r->e[i], principal, host, op, perm)) return true;
    return false;
}

/* Whether a DENY pattern d covers the allowed pattern p (the same literal name, the wildcard,
 * or a prefix of it). */
static bool authz_deny_covers(const authz_res_t *d, const authz_res_t *p)
{
    if (d->pattern == ACL_PAT_LITERAL)
        return strcmp(d->name, ACL_WILDCARD) == 0 ||
               (p->pattern == ACL_PAT_LITERAL && strcmp(d->name, p->name) == 0);
    return strncmp(p->name, d->name, strlen(d->name)) == 0;
}

static bool authz_denied_pattern(const authz_t *a, const authz_res_t *p, const char *principal,
                                 const char *host, int8_t op)
{
    size_t it = 0;
    void *v;
    while (dict_next(a->res, &it, NULL, &v)) {
        const authz_res_t *d = v;
        if (d->restype == p->restype && authz_deny_covers(d, p) &&
            authz_res_applies(d, principal, host, op, ACL_PERM_DENY))
            return true;
    }
    return false;
}

bool authz_allowed_on_any(const authz_t *a, const char *principal, const char *host, int8_t op,
                          int8_t restype)
{
    if (authz_super_user(a, principal)) return true;
    bool any = false;
    size_t it = 0;
    void *v;
    while (dict_next(a->res, &it, NULL, &v)) {
        const authz_res_t *r = v;
        if (r->restype != restype) continue;
        any = true;
        if (authz_res_applies(r, principal, host, op, ACL_PERM_ALLOW) &&
            !authz_denied_pattern(a, r, principal, host, op))
            return true;
    }
    return !any && a->allow_if_no_acl;
}
