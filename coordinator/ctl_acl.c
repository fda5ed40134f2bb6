/* ctl_acl.c: the ACLs in ZooKeeper, on the ctl thread (formats in common/acl.h).
 *
 * Like Kafka's AclAuthorizer, a broker with an authorizer reads every resource pattern's ACLs
 * when its session starts and then follows /kafka-acl-changes and
 * /kafka-acl-extended-changes (children watched): each new notice names one pattern, read
 * again and delivered to the reactor (CTL_MSG_ACL), so a change reaches every broker without a
 * restart. CreateAcls and DeleteAcls arrive as CTL_OP_ACLS: each pattern's znode is edited with
 * a version-checked write (retried on a concurrent writer), emptied patterns are deleted, and a
 * notice is written for every pattern changed. Notices are kept (Kafka expires them after 15
 * minutes; here they stay until removed by hand). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "ctl_int.h"
#include "log.h"
#include "zkpath.h"

static const char *const ctl_acl_change_paths[2] = {ZKPATH_ACL_CHANGES,
                                                    ZKPATH_ACL_EXTENDED_CHANGES};

/* Read one pattern's znode and hand it to the reactor. */
static void ctl_acl_deliver(ctl_t *c, int8_t restype, int8_t pattern, const char *name)
{
    char path[1024];
    if (acl_zk_path(path, sizeof(path), restype, pattern, name) != KERR_NONE) return;
    char *data = NULL;
    if (ctl_zget(c, path, false, &data, NULL) != ZOK) {
        free(data);
        data = NULL;
    }
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m || !(m->topic = strdup(name))) abort();
    m->type = CTL_MSG_ACL;
    m->acl_restype = restype;
    m->acl_pattern = pattern;
    m->why = data;
    ctl_send(c, m);
}

/* Every pattern under root (/kafka-acl or /kafka-acl-extended/prefixed). */
static void ctl_acl_load_root(ctl_t *c, const char *root, int8_t pattern)
{
    struct String_vector types;
    if (ctl_zchildren(c, root, false, &types) != ZOK) return;
    for (int i = 0; i < types.count; i++) {
        int8_t restype = acl_res_parse(types.data[i]);
        if (restype < ACL_RES_TOPIC) continue;
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/%s", root, types.data[i]);
        struct String_vector names;
        if (ctl_zchildren(c, dir, false, &names) != ZOK) continue;
        for (int j = 0; j < names.count; j++) ctl_acl_deliver(c, restype, pattern, names.data[j]);
        deallocate_String_vector(&names);
    }
    deallocate_String_vector(&types);
}

static int ctl_acl_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* New notices of change path ext (0 literal, 1 extended), in sequence order; skip: only
 * remember the newest (session start, before every pattern is read). Re-arms the watch. */
static void ctl_acl_changes(ctl_t *c, int ext, bool skip)
{
    struct String_vector sv;
    const char *dir = ctl_acl_change_paths[ext];
    if (ctl_zchildren(c, dir, true, &sv) != ZOK) return;
    qsort(sv.data, (size_t)sv.count, sizeof(char *), ctl_acl_cmp);
    char *last = c->last_acl_change[ext];
    for (int i = 0; i < sv.count; i++) {
        if (strcmp(sv.data[i], last) <= 0) continue;
        char path[512], *data = NULL, name[512];
        snprintf(path, sizeof(path), "%s/%s", dir, sv.data[i]);
        int8_t restype, pattern;
        if (!skip && ctl_zget(c, path, false, &data, NULL) == ZOK) {
            if (acl_change_parse(data, ext == 1, &restype, &pattern, name, sizeof(name)) ==
                KERR_NONE)
                ctl_acl_deliver(c, restype, pattern, name);
            else
                log_warn("ctl", "malformed ACL change notice %s ignored", path);
        }
        free(data);
        snprintf(last, sizeof(c->last_acl_change[0]), "%s", sv.data[i]);
    }
    deallocate_String_vector(&sv);
}

void ctl_acl_load_all(ctl_t *c)
{
    if (!c->conf.acls) return;
    const char *paths[] = {ZKPATH_ACL, ZKPATH_ACL_PREFIXED, ZKPATH_ACL_CHANGES,
                           ZKPATH_ACL_EXTENDED_CHANGES};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) ctl_zmkdirs(c, paths[i]);
    /* first session: every pattern is read below, older notices say nothing new; a later
     * session reads the notices it missed too (patterns emptied meanwhile are named only
     * there) */
    ctl_acl_changes(c, 0, !c->acls_loaded);
    ctl_acl_changes(c, 1, !c->acls_loaded);
    ctl_acl_load_root(c, ZKPATH_ACL, ACL_PAT_LITERAL);
    ctl_acl_load_root(c, ZKPATH_ACL_PREFIXED, ACL_PAT_PREFIXED);
    c->acls_loaded = true;
}

bool ctl_acl_watch(ctl_t *c, const char *path)
{
    for (int ext = 0; ext < 2; ext++) {
        if (strcmp(path, ctl_acl_change_paths[ext]) != 0) continue;
        if (c->conf.acls) ctl_acl_changes(c, ext, false);
        return true;
    }
    return false;
}

static bool ctl_acl_same_pattern(const ctl_acl_t *a, const ctl_acl_t *b)
{
    return a->restype == b->restype && a->pattern == b->pattern && strcmp(a->name, b->name) == 0;
}

/* Apply the bindings of acls[from..n) that share acls[from]'s pattern to entries (grown as
 * needed); returns whether anything changed. */
static bool ctl_acl_edit(ctl_acl_t *acls, int from, int n, acl_entry_t **e, int *ne)
{
    bool changed = false;
    for (int i = from; i < n; i++) {
        ctl_acl_t *a = &acls[i];
        if (a->err || !ctl_acl_same_pattern(a, &acls[from])) continue;
        acl_entry_t x = {a->principal, a->host, a->op, a->perm};
        changed = acl_entries_apply(e, ne, &x, a->remove) || changed;
    }
    return changed;
}

/* Write the new entries of a pattern znode read at version (ZNONODE: absent). */
static int ctl_acl_write(ctl_t *c, const char *path, int rc_read, int version, const acl_entry_t *e,
                         int ne)
{
    if (ne == 0) return rc_read == ZNONODE ? ZOK : zoo_delete(c->zh, path, version);
    char *json = acl_entries_json(e, ne);
    int rc = rc_read == ZNONODE ? ctl_zcreate_p(c, path, json, 0)
                                : zoo_set(c->zh, path, json, (int)strlen(json), version);
    free(json);
    return rc;
}

/* One pattern: read, edit, write (retried when another writer got there first). */
static kerr_t ctl_acl_update(ctl_t *c, ctl_acl_t *acls, int from, int n, bool *changed)
{
    char path[1024];
    ctl_acl_t *p = &acls[from];
    if (acl_zk_path(path, sizeof(path), p->restype, p->pattern, p->name) != KERR_NONE)
        return KERR_INVALID_REQUEST;
    for (int attempt = 0; attempt < 5; attempt++) {
        char *data = NULL;
        struct Stat st = {0};
        int rc = ctl_zget(c, path, false, &data, &st);
        if (rc != ZOK && rc != ZNONODE) {
            free(data);
            return KERR_UNKNOWN_SERVER_ERROR;
        }
        acl_entry_t *e = NULL;
        int ne = 0;
        if (rc == ZOK && acl_entries_parse(data, &e, &ne) != KERR_NONE)
            log_warn("ctl", "malformed ACL JSON at %s replaced", path);
        free(data);
        *changed = ctl_acl_edit(acls, from, n, &e, &ne);
        int wrc = *changed ? ctl_acl_write(c, path, rc, st.version, e, ne) : ZOK;
        acl_entries_free(e, ne);
        if (wrc == ZBADVERSION || wrc == ZNODEEXISTS || wrc == ZNONODE) continue;
        if (wrc != ZOK) {
            log_warn("ctl", "write ACLs at %s failed: %s", path, zerror(wrc));
            return KERR_UNKNOWN_SERVER_ERROR;
        }
        return KERR_NONE;
    }
    return KERR_UNKNOWN_SERVER_ERROR;
}

/* The change notice for a pattern: every broker reads it again. */
static void ctl_acl_notify(ctl_t *c, const ctl_acl_t *p)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/" ZKPATH_ACL_CHANGE_SEQ,
             ctl_acl_change_paths[p->pattern == ACL_PAT_LITERAL ? 0 : 1]);
    char *data = acl_change_data(p->restype, p->pattern, p->name);
    int rc = ctl_zcreate_p(c, path, data, ZOO_SEQUENCE);
    free(data);
    if (rc != ZOK) log_warn("ctl", "ACL change notification failed: %s", zerror(rc));
}

void ctl_acl_apply(ctl_t *c, ctl_op_t *op)
{
    for (int i = 0; i < op->nacls; i++) {
        ctl_acl_t *a = &op->acls[i];
        if (a->err) continue;
        bool first = true; /* the first binding of its pattern does the whole pattern */
        for (int j = 0; j < i && first; j++) first = !ctl_acl_same_pattern(&op->acls[j], a);
        if (!first) continue;
        bool changed = false;
        kerr_t err = c->connected ? ctl_acl_update(c, op->acls, i, op->nacls, &changed)
                                  : KERR_REQUEST_TIMED_OUT;
        for (int j = i; j < op->nacls; j++)
            if (!op->acls[j].err && ctl_acl_same_pattern(&op->acls[j], a)) op->acls[j].err = err;
        if (err != KERR_NONE || !changed) continue;
        ctl_acl_notify(c, a);
        ctl_acl_deliver(c, a->restype, a->pattern, a->name); /* ours before the answer */
        log_info("ctl", "updated the ACLs of %s:%s:%s", acl_res_name(a->restype),
                 acl_pat_name(a->pattern), a->name);
    }
}
