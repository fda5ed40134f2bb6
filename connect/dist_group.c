/* dist_group.c: the worker group (dist.h): FindCoordinator, JoinGroup v1 (protocol type
 * "connect", protocol "default"), SyncGroup v1, Heartbeat v1 and LeaveGroup v1 as blocking
 * exchanges on one coordinator connection (cli/clireq), ConnectProtocol v0 metadata and
 * assignments, the leader's round-robin assignment, and applying an assignment to the herder.
 * Runs on the group thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clireq.h"
#include "dist.h"
#include "log.h"

#define API_FIND_COORDINATOR 10
#define API_JOIN_GROUP       11
#define API_HEARTBEAT        12
#define API_LEAVE_GROUP      13
#define API_SYNC_GROUP       14
#define CONNECT_TASK_ID      (-1) /* ConnectProtocol: a connector's own entry in its task list */

typedef struct grp {
    dist_t *d;
    kc_herder_t *h;
    const char *group;
    int fd;
    char member[256];
    int32_t generation;
    int session_ms, rebalance_ms, heartbeat_ms;
    int next_bootstrap; /* index of the bootstrap server to ask first */
} grp_t;

static void wstr(wbuf_t *wb, const char *s)
{
    wbuf_str(wb, s, (int32_t)strlen(s));
}

/* One exchange; *rb reads the body after the response header. false on an I/O error. */
static bool call(grp_t *g, int16_t api, int16_t ver, const wbuf_t *req, uint8_t **buf, rbuf_t *rb)
{
    size_t len, hdr;
    if (g->fd < 0 || !clireq_call(g->fd, api, ver, false, "connect-worker", req, buf, &len, &hdr))
        return false;
    rbuf_init(rb, *buf + hdr, len - hdr);
    return true;
}

/* host:port of the first bootstrap server. */
/* host:port of the i-th bootstrap server (false past the last). */
static bool bootstrap_addr(grp_t *g, int i, char *host, size_t n, int *port)
{
    char list[1024];
    snprintf(list, sizeof list, "%s", kc_wcfg_str(g->h->wcfg, "bootstrap.servers"));
    char *save = NULL, *tok = strtok_r(list, ",", &save);
    for (int k = 0; tok && k < i; k++) tok = strtok_r(NULL, ",", &save);
    if (!tok) return false;
    while (*tok == ' ') tok++;
    char *colon = strrchr(tok, ':');
    if (!colon) return false;
    *colon = '\0';
    snprintf(host, n, "%s", tok);
    *port = atoi(colon + 1);
    return true;
}

/* Find the coordinator of the group and connect to it. */
static bool connect_coordinator(grp_t *g)
{
    if (g->fd >= 0) close(g->fd);
    g->fd = -1;
    char host[256];
    int port;
    /* the first bootstrap server that answers (the next try starts with the next one) */
    for (int tries = 0; g->fd < 0 && tries < 16; tries++, g->next_bootstrap++) {
        if (!bootstrap_addr(g, g->next_bootstrap, host, sizeof host, &port)) {
            if (g->next_bootstrap == 0) return false;
            g->next_bootstrap = -1; /* wrap around */
            continue;
        }
        g->fd = clireq_open(host, port, 10000);
    }
    if (g->fd < 0) return false;
    wbuf_t req;
    wbuf_init(&req);
    wstr(&req, g->group);
    wbuf_i8(&req, 0);
    uint8_t *buf = NULL;
    rbuf_t rb;
    bool ok = call(g, API_FIND_COORDINATOR, 1, &req, &buf, &rb);
    wbuf_free(&req);
    close(g->fd);
    g->fd = -1;
    if (!ok) return false;
    rbuf_i32(&rb);
    int16_t err = rbuf_i16(&rb);
    rbuf_str(&rb);
    rbuf_i32(&rb);
    kstr_t ch = rbuf_str(&rb);
    int32_t cport = rbuf_i32(&rb);
    char chost[256] = "";
    if (!rbuf_err(&rb) && ch.len > 0 && (size_t)ch.len < sizeof chost)
        memcpy(chost, ch.p, (size_t)ch.len);
    free(buf);
    if (err || !chost[0]) return false;
    g->fd = clireq_open(chost, cport, g->rebalance_ms + 10000);
    return g->fd >= 0;
}

/* --- ConnectProtocol v0 --- */

static void encode_metadata(grp_t *g, wbuf_t *wb)
{
    wbuf_i16(wb, 0);
    wstr(wb, g->h->url);
    pthread_mutex_lock(&g->h->lock);
    int64_t off = dist_config_offset(g->d);
    pthread_mutex_unlock(&g->h->lock);
    wbuf_i64(wb, off);
}

typedef struct member {
    char id[256];
    char url[320];
} member_t;

/* Leader: connectors round robin over the members, then tasks round robin. assignments[i]
 * becomes member i's encoded assignment. Lock held. */
static void assign_all(grp_t *g, const member_t *m, int n, wbuf_t *out, const char *leader_url)
{
    kc_herder_t *h = g->h;
    (void)m;                                       /* members are already in assignment order */
    json_t **per = calloc((size_t)n, sizeof *per); /* member -> {name: [task ids]} */
    for (int i = 0; i < n; i++) per[i] = json_object();
    int next_conn = 0, next_task = 0;
    const char *name;
    json_t *cfg;
    json_object_foreach(h->configs, name, cfg)
    {
        json_t *l = json_object_get(per[next_conn], name);
        if (!l) json_object_set_new(per[next_conn], name, l = json_array());
        json_array_append_new(l, json_integer(CONNECT_TASK_ID));
        next_conn = (next_conn + 1) % n;
        size_t nt = json_array_size(json_object_get(h->task_configs, name));
        for (size_t t = 0; t < nt; t++) {
            l = json_object_get(per[next_task], name);
            if (!l) json_object_set_new(per[next_task], name, l = json_array());
            json_array_append_new(l, json_integer((json_int_t)t));
            next_task = (next_task + 1) % n;
        }
    }
    int64_t off = dist_config_offset(g->d);
    for (int i = 0; i < n; i++) {
        wbuf_init(&out[i]);
        wbuf_i16(&out[i], 0);
        wbuf_i16(&out[i], 0); /* error: none */
        wstr(&out[i], g->member);
        wstr(&out[i], leader_url);
        wbuf_i64(&out[i], off);
        wbuf_i32(&out[i], (int32_t)json_object_size(per[i]));
        json_t *ids;
        json_object_foreach(per[i], name, ids)
        {
            wstr(&out[i], name);
            wbuf_i32(&out[i], (int32_t)json_array_size(ids));
            size_t k;
            json_t *id;
            json_array_foreach(ids, k, id) wbuf_i32(&out[i], (int32_t)json_integer_value(id));
        }
        json_decref(per[i]);
    }
    free(per);
}

static int cmp_member(const void *a, const void *b)
{
    return strcmp(((const member_t *)a)->id, ((const member_t *)b)->id);
}

/* JoinGroup. Returns 0 and fills members (leader only) / -1 on I/O / the Kafka error code. */
static int join(grp_t *g, bool *leader, member_t **members, int *nmembers)
{
    wbuf_t req, meta;
    wbuf_init(&req);
    wbuf_init(&meta);
    encode_metadata(g, &meta);
    wstr(&req, g->group);
    wbuf_i32(&req, g->session_ms);
    wbuf_i32(&req, g->rebalance_ms);
    wstr(&req, g->member);
    wstr(&req, "connect");
    wbuf_i32(&req, 1);
    wstr(&req, "default");
    wbuf_i32(&req, (int32_t)meta.len);
    wbuf_append(&req, meta.p, meta.len);
    wbuf_free(&meta);
    uint8_t *buf = NULL;
    rbuf_t rb;
    bool ok = call(g, API_JOIN_GROUP, 1, &req, &buf, &rb);
    wbuf_free(&req);
    if (!ok) return -1;
    int16_t err = rbuf_i16(&rb);
    int32_t gen = rbuf_i32(&rb);
    rbuf_str(&rb);
    kstr_t lid = rbuf_str(&rb), mid = rbuf_str(&rb);
    int32_t n = rbuf_array_len(&rb, false, 6);
    if (!rbuf_err(&rb) && mid.len > 0 && (size_t)mid.len < sizeof g->member) {
        memcpy(g->member, mid.p, (size_t)mid.len);
        g->member[mid.len] = '\0';
    }
    if (err) {
        free(buf);
        return err;
    }
    g->generation = gen;
    *leader = lid.len == mid.len && lid.len > 0 && memcmp(lid.p, mid.p, (size_t)lid.len) == 0;
    *nmembers = n > 0 ? n : 0;
    *members = calloc((size_t)(*nmembers + 1), sizeof **members);
    for (int i = 0; i < *nmembers; i++) {
        kstr_t id = rbuf_str(&rb);
        kbytes_t md = rbuf_bytes(&rb);
        rbuf_t mr;
        rbuf_init(&mr, md.p, md.len > 0 ? (size_t)md.len : 0);
        rbuf_i16(&mr);
        kstr_t url = rbuf_str(&mr);
        if (id.len > 0 && (size_t)id.len < sizeof(*members)[i].id)
            memcpy((*members)[i].id, id.p, (size_t)id.len);
        if (!rbuf_err(&mr) && url.len > 0 && (size_t)url.len < sizeof(*members)[i].url)
            memcpy((*members)[i].url, url.p, (size_t)url.len);
    }
    int bad = rbuf_err(&rb) ? -1 : 0;
    free(buf);
    return bad;
}

/* SyncGroup: our assignment bytes (caller frees) or NULL; *kerr the Kafka error. */
static uint8_t *sync_group(grp_t *g, const member_t *m, int n, wbuf_t *assignments, size_t *len,
                           int *kerr)
{
    wbuf_t req;
    wbuf_init(&req);
    wstr(&req, g->group);
    wbuf_i32(&req, g->generation);
    wstr(&req, g->member);
    wbuf_i32(&req, assignments ? n : 0);
    for (int i = 0; assignments && i < n; i++) {
        wstr(&req, m[i].id);
        wbuf_i32(&req, (int32_t)assignments[i].len);
        wbuf_append(&req, assignments[i].p, assignments[i].len);
    }
    uint8_t *buf = NULL;
    rbuf_t rb;
    bool ok = call(g, API_SYNC_GROUP, 1, &req, &buf, &rb);
    wbuf_free(&req);
    *kerr = -1;
    if (!ok) return NULL;
    rbuf_i32(&rb);
    *kerr = rbuf_i16(&rb);
    kbytes_t a = rbuf_bytes(&rb);
    uint8_t *out = NULL;
    if (!rbuf_err(&rb) && !*kerr && a.len >= 0) {
        out = malloc((size_t)a.len + 1);
        memcpy(out, a.p, (size_t)a.len);
        *len = (size_t)a.len;
    }
    free(buf);
    return out;
}

/* Apply an assignment: what runs here, who leads, then reconcile. */
static void apply_assignment(grp_t *g, const uint8_t *p, size_t len)
{
    kc_herder_t *h = g->h;
    rbuf_t rb;
    rbuf_init(&rb, p, len);
    rbuf_i16(&rb);
    rbuf_i16(&rb);
    kstr_t leader = rbuf_str(&rb), lurl = rbuf_str(&rb);
    int64_t off = rbuf_i64(&rb);
    json_t *conns = json_array(), *tasks = json_array();
    int32_t n = rbuf_array_len(&rb, false, 6);
    for (int32_t i = 0; i < n && !rbuf_err(&rb); i++) {
        kstr_t name = rbuf_str(&rb);
        int32_t nt = rbuf_array_len(&rb, false, 4);
        for (int32_t k = 0; k < nt && !rbuf_err(&rb); k++) {
            int32_t id = rbuf_i32(&rb);
            char item[600];
            snprintf(item, sizeof item, "%.*s-%d", name.len, name.p, id);
            if (id == CONNECT_TASK_ID)
                json_array_append_new(conns, json_stringn(name.p, (size_t)name.len));
            else
                json_array_append_new(tasks, json_string(item));
        }
    }
    (void)off;
    dist_sync(g->d, (int)kc_wcfg_int(h->wcfg, "worker.sync.timeout.ms"));
    pthread_mutex_lock(&h->lock);
    json_decref(h->assigned_conns);
    json_decref(h->assigned_tasks);
    h->assigned_conns = conns;
    h->assigned_tasks = tasks;
    bool me = leader.len == (int32_t)strlen(g->member) &&
              memcmp(leader.p, g->member, (size_t)leader.len) == 0;
    free(h->leader_url);
    h->leader_url = me ? NULL : strndup(lurl.p, lurl.len > 0 ? (size_t)lurl.len : 0);
    h->generation = g->generation;
    h->rebalancing = false;
    log_info("connect",
             "joined group %s generation %d as %s (%s); assigned connectors %zu, "
             "tasks %zu",
             g->group, g->generation, g->member, me ? "leader" : "follower", json_array_size(conns),
             json_array_size(tasks));
    kc_herder_reconcile(h);
    pthread_mutex_unlock(&h->lock);
}

/* Eager revocation before a join: stop everything that runs here. */
static void revoke_all(grp_t *g)
{
    kc_herder_t *h = g->h;
    pthread_mutex_lock(&h->lock);
    h->rebalancing = true;
    json_decref(h->assigned_conns);
    json_decref(h->assigned_tasks);
    h->assigned_conns = json_array();
    h->assigned_tasks = json_array();
    kc_herder_stop_all(h);
    pthread_mutex_unlock(&h->lock);
}

/* One join + sync round. true when an assignment was applied. */
static bool rebalance(grp_t *g)
{
    if (g->fd < 0 && !connect_coordinator(g)) return false;
    bool leader = false;
    member_t *m = NULL;
    int n = 0;
    int rc = join(g, &leader, &m, &n);
    if (rc != 0) {
        free(m);
        if (rc == 25 /* UNKNOWN_MEMBER_ID */ || rc == 22 /* ILLEGAL_GENERATION */)
            g->member[0] = '\0';
        if (rc == -1 || rc == 14 || rc == 15 || rc == 16) { /* I/O, coordinator moved */
            close(g->fd);
            g->fd = -1;
        }
        return false;
    }
    wbuf_t *as = NULL;
    if (leader) {
        qsort(m, (size_t)n, sizeof *m, cmp_member);
        const char *lurl = g->h->url;
        for (int i = 0; i < n; i++)
            if (strcmp(m[i].id, g->member) == 0) lurl = m[i].url;
        as = calloc((size_t)n, sizeof *as);
        pthread_mutex_lock(&g->h->lock);
        assign_all(g, m, n, as, lurl);
        pthread_mutex_unlock(&g->h->lock);
    }
    size_t len = 0;
    int kerr;
    uint8_t *mine = sync_group(g, m, n, as, &len, &kerr);
    for (int i = 0; as && i < n; i++) wbuf_free(&as[i]);
    free(as);
    free(m);
    if (!mine) {
        if (kerr == -1) {
            close(g->fd);
            g->fd = -1;
        }
        return false;
    }
    apply_assignment(g, mine, len);
    free(mine);
    return true;
}

static int heartbeat(grp_t *g)
{
    wbuf_t req;
    wbuf_init(&req);
    wstr(&req, g->group);
    wbuf_i32(&req, g->generation);
    wstr(&req, g->member);
    uint8_t *buf = NULL;
    rbuf_t rb;
    bool ok = call(g, API_HEARTBEAT, 1, &req, &buf, &rb);
    wbuf_free(&req);
    if (!ok) return -1;
    rbuf_i32(&rb);
    int err = rbuf_i16(&rb);
    free(buf);
    return err;
}

static void leave(grp_t *g)
{
    if (g->fd < 0 || !g->member[0]) return;
    wbuf_t req;
    wbuf_init(&req);
    wstr(&req, g->group);
    wstr(&req, g->member);
    uint8_t *buf = NULL;
    rbuf_t rb;
    if (call(g, API_LEAVE_GROUP, 1, &req, &buf, &rb)) free(buf);
    wbuf_free(&req);
}

/* Heartbeat until the group rebalances, a rejoin is wanted, or we stop. */
static void stay(grp_t *g)
{
    kc_herder_t *h = g->h;
    int64_t next = kc_now_ms() + g->heartbeat_ms;
    for (;;) {
        pthread_mutex_lock(&h->lock);
        bool rejoin = dist_take_rejoin(g->d);
        if (!rejoin && !dist_stopping(g->d) && kc_now_ms() < next) {
            struct timespec dl;
            clock_gettime(CLOCK_REALTIME, &dl);
            dl.tv_nsec += 100 * 1000000;
            if (dl.tv_nsec >= 1000000000) {
                dl.tv_sec++;
                dl.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&h->changed, &h->lock, &dl);
        }
        pthread_mutex_unlock(&h->lock);
        if (rejoin || dist_stopping(g->d)) return;
        if (kc_now_ms() < next) continue;
        next = kc_now_ms() + g->heartbeat_ms;
        int err = heartbeat(g);
        if (err == 0) continue;
        if (err == 25 || err == 22) g->member[0] = '\0';
        if (err == -1 || err == 14 || err == 15 || err == 16) {
            close(g->fd);
            g->fd = -1;
        }
        return; /* 27 REBALANCE_IN_PROGRESS and the rest: rejoin */
    }
}

void *dist_group_main(void *arg)
{
    dist_t *d = arg;
    kc_herder_t *h = dist_herder(d);
    grp_t g = {.d = d, .h = h, .group = kc_wcfg_str(h->wcfg, "group.id"), .fd = -1};
    g.session_ms = (int)kc_wcfg_int(h->wcfg, "session.timeout.ms");
    g.rebalance_ms = (int)kc_wcfg_int(h->wcfg, "rebalance.timeout.ms");
    g.heartbeat_ms = (int)kc_wcfg_int(h->wcfg, "heartbeat.interval.ms");
    while (!dist_stopping(d)) {
        revoke_all(&g);
        if (!rebalance(&g)) {
            usleep(200 * 1000);
            continue;
        }
        stay(&g);
    }
    leave(&g);
    if (g.fd >= 0) close(g.fd);
    return NULL;
}
