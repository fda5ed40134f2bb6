/* ctl_zk.c: ZooKeeper helpers for the ctl thread (see ctl_int.h): synchronous calls, each
 * returning ZOK or the ZooKeeper error code, the count of asynchronous requests in flight
 * (ctl_zwait_t) and reads with all the requests in flight at once. None logs, so callers name
 * the operation in their logs. */
#include "ctl_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* ---------------------------------------------------------------- requests in flight */

/* Completions of asynchronous requests are counted here by the ZooKeeper client's IO thread
 * (ctl_zwait_end) while the ctl thread waits for them all (ctl_zwait_all). */
struct ctl_zwait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int remaining;
};

ctl_zwait_t *ctl_zwait_new(void)
{
    ctl_zwait_t *w = calloc(1, sizeof(*w));
    if (!w) abort();
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    return w;
}

void ctl_zwait_free(ctl_zwait_t *w)
{
    if (!w) return;
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

/* The waiter is woken only when the count reaches zero: once per set, not per answer. */
void ctl_zwait_add(ctl_zwait_t *w, int delta)
{
    pthread_mutex_lock(&w->mu);
    w->remaining += delta;
    if (w->remaining == 0) pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void ctl_zwait_end(ctl_zwait_t *w, bool *done)
{
    pthread_mutex_lock(&w->mu);
    *done = true;
    if (--w->remaining == 0) pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

bool ctl_zwait_all(ctl_t *c, ctl_zwait_t *w)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += c->conf.session_timeout_ms / 1000 + 10;
    pthread_mutex_lock(&w->mu);
    while (w->remaining > 0)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) != 0) break;
    bool all = w->remaining == 0;
    pthread_mutex_unlock(&w->mu);
    return all;
}

/* ---------------------------------------------------------------- pipelined reads */

/* ZooKeeper's IO thread: one read answered. */
static void ctl_zread_answered(int rc, const char *value, int value_len, const struct Stat *stat,
                               const void *data)
{
    ctl_zread_t *r = (ctl_zread_t *)data;
    r->rc = rc;
    if (rc == ZOK) {
        size_t len = value && value_len > 0 ? (size_t)value_len : 0;
        r->data = malloc(len + 1);
        if (!r->data) abort();
        if (len) memcpy(r->data, value, len);
        r->data[len] = '\0';
        if (stat) r->st = *stat;
    }
    ctl_zwait_end(r->wait, &r->done);
}

ctl_zread_t *ctl_zget_many(ctl_t *c, char *const *paths, int n, bool watch)
{
    ctl_zread_t *r = calloc((size_t)(n > 0 ? n : 1), sizeof(*r));
    if (!r) abort();
    if (n <= 0) return r;
    ctl_zwait_t *w = ctl_zwait_new();
    for (int i = 0; i < n; i++) {
        r[i].wait = w;
        ctl_zwait_add(w, 1);
        int rc = watch ? zoo_awget(c->zh, paths[i], ctl_watcher, c, ctl_zread_answered, &r[i])
                       : zoo_aget(c->zh, paths[i], 0, ctl_zread_answered, &r[i]);
        if (rc != ZOK) {
            r[i].rc = rc;
            r[i].done = true;
            ctl_zwait_add(w, -1);
        }
    }
    if (!ctl_zwait_all(c, w)) return NULL; /* r and w stay: the client may still write there */
    ctl_zwait_free(w);
    for (int i = 0; i < n; i++) r[i].wait = NULL;
    return r;
}

void ctl_zread_free(ctl_zread_t *r, int n)
{
    if (!r) return;
    for (int i = 0; i < n; i++) free(r[i].data);
    free(r);
}
