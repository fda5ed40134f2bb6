/* api_describelogdirs.c: DescribeLogDirs (KIP-113; kafka-log-dirs --describe): every log dir of
 * this broker (absolute path, as Kafka answers) with the partition logs it holds, each with
 * its size in bytes and offset lag (high watermark - log end, never below 0; -1 for a log this
 * broker does not host as a replica). A replica being moved to another dir (AlterReplicaLogDirs)
 * also shows its copy there, is_future_key true, with the lag of the copy behind the log. A dir
 * taken offline by an I/O error (KIP-112) answers KAFKA_STORAGE_ERROR and no partitions, as
 * Kafka's; the others error 0. v4's total and usable bytes come from statvfs. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "api.h"
#include "authz.h"
#include "proto/kp_describelogdirs.h"
#include "replica/rmgr.h"
#include "api_env.h"
#include "store/lmgr.h"
#include "store/plog.h"

typedef struct dld_log {
    plog_t *log;
    int dir;
    bool future;
} dld_log_t;

typedef struct dld_ctx {
    api_env_t *env;
    const kp_describelogdirs_req_t *req;
    dld_log_t *logs;
    int n, cap;
} dld_ctx_t;

static bool dld_wanted(const kp_describelogdirs_req_t *req, const char *topic, int32_t p)
{
    if (req->ntopics < 0) return true;
    for (int32_t i = 0; i < req->ntopics; i++) {
        if (!kstr_eq(req->topics[i].name, topic)) continue;
        for (int32_t j = 0; j < req->topics[i].nparts; j++)
            if (req->topics[i].parts[j] == p) return true;
    }
    return false;
}

static void dld_add(dld_ctx_t *c, plog_t *log, int dir, bool future)
{
    if (!dld_wanted(c->req, plog_topic(log), plog_partition(log))) return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->logs = realloc(c->logs, (size_t)c->cap * sizeof(*c->logs));
        if (!c->logs) abort();
    }
    c->logs[c->n++] = (dld_log_t){log, dir, future};
}

static void dld_collect(plog_t *log, void *arg)
{
    dld_ctx_t *c = arg;
    dld_add(c, log, lmgr_log_dir(c->env->lmgr, plog_topic(log), plog_partition(log)), false);
}

static void dld_collect_future(plog_t *log, int dir, void *arg)
{
    dld_add(arg, log, dir, true);
}

static int dld_cmp(const void *a, const void *b)
{
    const dld_log_t *x = a, *y = b;
    if (x->dir != y->dir) return x->dir < y->dir ? -1 : 1;
    int c = strcmp(plog_topic(x->log), plog_topic(y->log));
    if (c) return c;
    if (plog_partition(x->log) != plog_partition(y->log))
        return plog_partition(x->log) < plog_partition(y->log) ? -1 : 1;
    return (int)x->future - (int)y->future;
}

/* The dir's path made absolute (Kafka answers File.getAbsolutePath). */
static kstr_t dld_abs_path(arena_t *a, const char *dir)
{
    char buf[PATH_MAX * 2], cwd[PATH_MAX];
    if (dir[0] == '/' || !getcwd(cwd, sizeof(cwd)))
        snprintf(buf, sizeof(buf), "%s", dir);
    else
        snprintf(buf, sizeof(buf), "%s/%s", cwd, dir);
    char *p = arena_strndup(a, buf, strlen(buf));
    return (kstr_t){p, (int32_t)strlen(p)};
}

/* One dir's result from the sorted logs [from, to) that live in it. */
static void dld_result(req_t *r, int d, const dld_log_t *logs, int from, int to,
                       kp_logdir_result_t *out)
{
    api_env_t *env = r->env;
    const char *path = lmgr_dir_path(env->lmgr, d);
    out->log_dir = dld_abs_path(&r->arena, path);
    struct statvfs vfs;
    out->total_bytes = out->usable_bytes = -1;
    if (lmgr_dir_is_offline(env->lmgr, d)) {
        out->error_code = KERR_KAFKA_STORAGE_ERROR;
        return;
    }
    if (statvfs(path, &vfs) == 0) {
        out->total_bytes = (int64_t)vfs.f_blocks * (int64_t)vfs.f_frsize;
        out->usable_bytes = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
    }
    out->topics = arena_calloc(&r->arena, (size_t)(to - from) + 1, sizeof(*out->topics));
    for (int i = from; i < to; i++) {
        const char *topic = plog_topic(logs[i].log);
        if (out->ntopics == 0 || !kstr_eq(out->topics[out->ntopics - 1].name, topic)) {
            kp_logdir_topic_t *t = &out->topics[out->ntopics++];
            t->name = (kstr_t){topic, (int32_t)strlen(topic)};
            t->parts = arena_calloc(&r->arena, (size_t)(to - i) + 1, sizeof(*t->parts));
        }
        kp_logdir_topic_t *t = &out->topics[out->ntopics - 1];
        kp_logdir_part_t *p = &t->parts[t->nparts++];
        plog_t *log = logs[i].log;
        p->partition_index = plog_partition(log);
        p->partition_size = plog_size_bytes(log);
        partition_t *part = rmgr_get(env->rmgr, topic, p->partition_index);
        p->is_future_key = logs[i].future;
        if (!part || !part->log) {
            p->offset_lag = -1;
        } else if (logs[i].future) {
            p->offset_lag = plog_end_offset(part->log) - plog_end_offset(log);
        } else {
            int64_t lag = part->hw - plog_end_offset(log);
            p->offset_lag = lag < 0 ? 0 : lag;
        }
    }
}

void api_describelogdirs(req_t *r, rbuf_t *rb)
{
    kp_describelogdirs_req_t req;
    if (kp_describelogdirs_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed DescribeLogDirs request");
        return;
    }
    if (!authz_authorize(r, ACL_OP_DESCRIBE, ACL_RES_CLUSTER, ACL_CLUSTER_NAME)) {
        kp_describelogdirs_resp_t denied = {.error_code = KERR_CLUSTER_AUTHORIZATION_FAILED};
        kp_describelogdirs_resp_encode(&r->resp, r->hdr.api_version, &denied); /* v0-2: empty */
        req_done(r);
        return;
    }
    api_env_t *env = r->env;
    dld_ctx_t c = {.env = env, .req = &req};
    lmgr_foreach(env->lmgr, dld_collect, &c);
    lmgr_foreach_future(env->lmgr, dld_collect_future, &c);
    if (c.n > 1) qsort(c.logs, (size_t)c.n, sizeof(*c.logs), dld_cmp);
    kp_describelogdirs_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    int nd = lmgr_dir_count(env->lmgr);
    resp.nresults = nd;
    resp.results = arena_calloc(&r->arena, (size_t)nd + 1, sizeof(*resp.results));
    int i = 0;
    for (int d = 0; d < nd; d++) {
        int from = i;
        while (i < c.n && c.logs[i].dir == d) i++;
        dld_result(r, d, c.logs, from, i, &resp.results[d]);
    }
    kp_describelogdirs_resp_encode(&r->resp, r->hdr.api_version, &resp);
    free(c.logs);
    req_done(r);
}
