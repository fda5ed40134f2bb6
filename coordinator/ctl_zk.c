/* ctl_zk.c: synchronous ZooKeeper helpers for the ctl thread (see ctl_int.h). Each returns
 * ZOK or the ZooKeeper error code; none logs, so callers name the operation in their logs. */
#include "ctl_int.h"

#include <stdlib.h>
#include <string.h>

#define CTL_ZK_BUF (1024 * 1024)

/* Get data (NUL-terminated copy, caller frees) with an optional watch. ZOK or the ZK rc. */
int ctl_zget(ctl_t *c, const char *path, bool watch, char **out, struct Stat *st)
{
    int len = CTL_ZK_BUF;
    char *buf = malloc((size_t)len + 1);
    if (!buf) abort();
    struct Stat s;
    int rc = watch ? zoo_wget(c->zh, path, ctl_watcher, c, buf, &len, &s)
                   : zoo_get(c->zh, path, 0, buf, &len, &s);
    if (rc != ZOK) {
        free(buf);
        *out = NULL;
        return rc;
    }
    if (len < 0) len = 0;
    buf[len] = '\0';
    *out = buf;
    if (st) *st = s;
    return ZOK;
}

int ctl_zchildren(ctl_t *c, const char *path, bool watch, struct String_vector *sv)
{
    memset(sv, 0, sizeof(*sv));
    return watch ? zoo_wget_children(c->zh, path, ctl_watcher, c, sv)
                 : zoo_get_children(c->zh, path, 0, sv);
}

int ctl_zcreate(ctl_t *c, const char *path, const char *data, int flags)
{
    return zoo_create(c->zh, path, data, data ? (int)strlen(data) : -1,
                      zkauth_acl(&c->conf.zkauth, path), flags, NULL, 0);
}

/* Create path and any missing ancestors (persistent, empty). */
int ctl_zmkdirs(ctl_t *c, const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        int rc = ctl_zcreate(c, tmp, NULL, 0);
        *p = '/';
        if (rc != ZOK && rc != ZNODEEXISTS) return rc;
    }
    int rc = ctl_zcreate(c, tmp, NULL, 0);
    return rc == ZNODEEXISTS ? ZOK : rc;
}

/* Create path with data, creating missing ancestors first. */
int ctl_zcreate_p(ctl_t *c, const char *path, const char *data, int flags)
{
    int rc = ctl_zcreate(c, path, data, flags);
    if (rc != ZNONODE) return rc;
    char parent[1024];
    snprintf(parent, sizeof(parent), "%s", path);
    char *slash = strrchr(parent, '/');
    if (!slash || slash == parent) return rc;
    *slash = '\0';
    rc = ctl_zmkdirs(c, parent);
    if (rc != ZOK) return rc;
    return ctl_zcreate(c, path, data, flags);
}

int ctl_zdelete_recursive(ctl_t *c, const char *path)
{
    struct String_vector sv;
    int rc = ctl_zchildren(c, path, false, &sv);
    if (rc == ZNONODE) return ZOK;
    if (rc != ZOK) return rc;
    for (int i = 0; i < sv.count; i++) {
        char child[1024];
        snprintf(child, sizeof(child), "%s/%s", path, sv.data[i]);
        rc = ctl_zdelete_recursive(c, child);
        if (rc != ZOK) break;
    }
    deallocate_String_vector(&sv);
    if (rc != ZOK) return rc;
    rc = zoo_delete(c->zh, path, -1);
    return rc == ZNONODE ? ZOK : rc;
}
