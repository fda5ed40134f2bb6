/* drill_cluster.c: kafka-drill's clock and output, its shell commands, and the cluster under
 * drill: a scripts/cluster.sh process cluster (PID files, network namespaces, node commands)
 * or a docker-compose project (docker kill/stop/start/network disconnect). See drill.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "drill.h"

/* ---- clock and output ---- */

int64_t dr_t0;

int64_t dr_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

double dr_rel(int64_t t)
{
    return (double)(t - dr_t0) / 1e6;
}

void dr_sleep_ms(int64_t ms)
{
    if (ms <= 0) return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void dr_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("[%8.3fs] ", dr_rel(dr_now_us()));
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
    va_end(ap);
}

/* ---- shell commands ---- */

/* Single-quoted for sh; from a rotating set of buffers, valid for a few calls. */
static const char *shq(const char *s)
{
    static char bufs[8][PATH_MAX + 64];
    static int next;
    char *b = bufs[next++ % 8], *o = b, *end = b + sizeof(bufs[0]) - 6;
    *o++ = '\'';
    for (; *s && o < end; s++) {
        if (*s == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *s;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return b;
}

/* Run a command; its output is returned (trimmed, NUL-terminated) in out when given, else it
 * goes to our stderr. Returns the exit status, or -1. */
static int run(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int run(char *out, size_t n, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (!out) {
        char full[8300];
        snprintf(full, sizeof(full), "%s 1>&2", cmd);
        int rc = system(full);
        return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    }
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t len = fread(out, 1, n - 1, p);
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' ')) len--;
    out[len] = '\0';
    char sink[4096];
    while (fread(sink, 1, sizeof(sink), p) > 0) {
    }
    int rc = pclose(p);
    return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) n--;
    buf[n] = '\0';
    return buf;
}

/* The last "key=value" of a properties or shell-variable file, or def. */
static long file_num(const char *path, const char *key, long def)
{
    FILE *f = fopen(path, "r");
    if (!f) return def;
    char line[1024];
    size_t kl = strlen(key);
    long v = def;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, key, kl) == 0 && line[kl] == '=') v = strtol(line + kl + 1, NULL, 10);
    fclose(f);
    return v;
}

void dr_cluster_process(dr_cluster_t *c, const char *dir)
{
    c->kind = CL_PROCESS;
    snprintf(c->dir, sizeof(c->dir), "%s", dir);
    char conf[PATH_MAX + 32];
    snprintf(conf, sizeof(conf), "%s/cluster.conf", dir);
    if (access(conf, R_OK) != 0)
        cli_die(TOOL, "no cluster in %s (start one with scripts/cluster.sh start --dir %s)", dir,
                dir);
    c->nbrokers = (int)file_num(conf, "brokers", 0);
    c->nzks = (int)file_num(conf, "zks", 1);
    c->netns = file_num(conf, "netns", 0) == 1;
    if (c->nbrokers < 1 || c->nbrokers > MAX_NODES || c->nzks < 1 || c->nzks > MAX_NODES)
        cli_die(TOOL, "%s: unexpected cluster size", conf);
    for (int i = 0; i < c->nbrokers; i++) {
        c->brokers[i].id = i + 1;
        snprintf(c->brokers[i].name, sizeof(c->brokers[i].name), "broker-%d", i + 1);
    }
    for (int i = 0; i < c->nzks; i++) {
        c->zks[i].id = i + 1;
        snprintf(c->zks[i].name, sizeof(c->zks[i].name), "zookeeper-%d", i + 1);
    }
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/bootstrap", dir);
    const char *b = slurp(path);
    if (b) snprintf(c->bootstrap, sizeof(c->bootstrap), "%s", b);
    snprintf(path, sizeof(path), "%s/broker-1/server.properties", dir);
    c->session_timeout_ms = (int)file_num(path, "zookeeper.session.timeout.ms", 18000);
}

static const char *env_get(json_t *env, const char *name)
{
    size_t i, nl = strlen(name);
    json_t *v;
    json_array_foreach(env, i, v)
    {
        const char *s = json_string_value(v);
        if (s && strncmp(s, name, nl) == 0 && s[nl] == '=') return s + nl + 1;
    }
    return NULL;
}

/* The host:port a client on this host uses: the advertised listener on 127.0.0.1 (the
 * published one), preferring one named EXTERNAL. */
static void host_listener(const char *adv, char *out, size_t n)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", adv);
    out[0] = '\0';
    for (char *save, *l = strtok_r(buf, ",", &save); l; l = strtok_r(NULL, ",", &save)) {
        const char *hp = strstr(l, "://");
        if (!hp) continue;
        if (strncmp(l, "EXTERNAL://", 11) == 0 || (!out[0] && strncmp(hp + 3, "127.", 4) == 0))
            snprintf(out, n, "%s", hp + 3);
    }
}

void dr_cluster_compose(dr_cluster_t *c, const char *project)
{
    c->kind = CL_COMPOSE;
    snprintf(c->project, sizeof(c->project), "%s", project);
    c->session_timeout_ms = 18000;
    char names[8192];
    if (run(names, sizeof(names),
            "docker ps -a --filter label=com.docker.compose.project=%s --format '{{.Names}}'",
            shq(project)) != 0 ||
        !names[0])
        cli_die(TOOL, "no containers of compose project %s", project);
    for (char *save, *nm = strtok_r(names, "\n", &save); nm; nm = strtok_r(NULL, "\n", &save)) {
        char js[65536];
        if (run(js, sizeof(js), "docker inspect %s", shq(nm)) != 0) continue;
        json_error_t jerr;
        json_t *root = json_loads(js, 0, &jerr);
        json_t *ct = json_array_get(root, 0);
        json_t *env = json_object_get(json_object_get(ct, "Config"), "Env");
        json_t *labels = json_object_get(json_object_get(ct, "Config"), "Labels");
        json_t *nets = json_object_get(json_object_get(ct, "NetworkSettings"), "Networks");
        const char *svc = json_string_value(json_object_get(labels, "com.docker.compose.service"));
        const char *bid = env_get(env, "KAFKA_BROKER_ID");
        const char *zid = env_get(env, "ZOOKEEPER_SERVER_ID");
        dr_node_t *n = NULL;
        if (bid && c->nbrokers < MAX_NODES) {
            n = &c->brokers[c->nbrokers++];
            n->id = atoi(bid);
            char hl[256];
            host_listener(env_get(env, "KAFKA_ADVERTISED_LISTENERS") ?: "", hl, sizeof(hl));
            if (hl[0])
                snprintf(c->bootstrap + strlen(c->bootstrap),
                         sizeof(c->bootstrap) - strlen(c->bootstrap), "%s%s",
                         c->bootstrap[0] ? "," : "", hl);
            const char *st = env_get(env, "KAFKA_ZOOKEEPER_SESSION_TIMEOUT_MS");
            if (st) c->session_timeout_ms = atoi(st);
        } else if (zid && c->nzks < MAX_NODES) {
            n = &c->zks[c->nzks++];
            n->id = atoi(zid);
            const char *cp = env_get(env, "ZOOKEEPER_CLIENT_PORT");
            n->zk_port = cp ? atoi(cp) : 2181;
        }
        if (n) {
            snprintf(n->name, sizeof(n->name), "%s", nm);
            snprintf(n->service, sizeof(n->service), "%s", svc ? svc : nm);
            const char *key;
            json_t *v;
            json_object_foreach(nets, key, v)
            {
                if (!n->network[0]) snprintf(n->network, sizeof(n->network), "%s", key);
                (void)v;
            }
        }
        json_decref(root);
    }
    if (c->nbrokers == 0) cli_die(TOOL, "compose project %s has no broker containers", project);
}

dr_node_t *dr_broker_by_id(dr_cluster_t *c, int id)
{
    for (int i = 0; i < c->nbrokers; i++)
        if (c->brokers[i].id == id) return &c->brokers[i];
    return NULL;
}

const char *const dr_act_names[] = {"kill -9", "stop (SIGTERM)", "SIGSTOP", "SIGCONT",
                                    "start",   "isolate",        "heal"};

static pid_t node_pid(dr_cluster_t *c, const dr_node_t *n)
{
    char path[PATH_MAX + 160];
    snprintf(path, sizeof(path), "%s/%s.pid", c->dir, n->name);
    const char *s = slurp(path);
    return s ? (pid_t)atol(s) : 0;
}

static bool pid_gone(pid_t pid)
{
    char path[64], st[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return true;
    size_t n = fread(st, 1, sizeof(st) - 1, f);
    fclose(f);
    st[n] = '\0';
    const char *p = strrchr(st, ')');
    return p && p[1] == ' ' && p[2] == 'Z'; /* a zombie has exited */
}

static bool docker_wait_healthy(const char *name, int timeout_s)
{
    int64_t deadline = dr_now_us() + (int64_t)timeout_s * 1000000;
    char st[128];
    while (dr_now_us() < deadline) {
        if (run(st, sizeof(st), "docker inspect -f '{{.State.Health.Status}}' %s", shq(name)) ==
                0 &&
            strcmp(st, "healthy") == 0)
            return true;
        dr_sleep_ms(500);
    }
    return false;
}

/* Apply one action to a node (zk: a ZooKeeper node). 0 on success. */
int dr_node_act(dr_cluster_t *c, dr_node_t *n, dr_act_t a)
{
    if (c->kind == CL_PROCESS) {
        static const int sigs[] = {[A_KILL] = SIGKILL, [A_STOP] = SIGSTOP, [A_CONT] = SIGCONT};
        if (a == A_KILL || a == A_STOP || a == A_CONT) {
            pid_t pid = node_pid(c, n);
            if (pid <= 0 || kill(pid, sigs[a]) != 0) {
                fprintf(stderr, "%s: %s %s: no such process (pid %d)\n", TOOL, dr_act_names[a],
                        n->name, (int)pid);
                return -1;
            }
            if (a == A_KILL) {
                int64_t deadline = dr_now_us() + 10000000;
                while (!pid_gone(pid) && dr_now_us() < deadline) dr_sleep_ms(20);
            }
            return 0;
        }
        static const char *const verbs[] = {[A_TERM] = "stop-node",
                                            [A_START] = "start-node",
                                            [A_ISOLATE] = "isolate",
                                            [A_HEAL] = "heal"};
        return run(NULL, 0, "bash %s %s %s --dir %s", shq(c->script), verbs[a], shq(n->name),
                   shq(c->dir));
    }
    switch (a) {
    case A_KILL:
        return run(NULL, 0, "docker kill -s KILL %s >/dev/null", shq(n->name));
    case A_STOP:
        return run(NULL, 0, "docker kill -s STOP %s >/dev/null", shq(n->name));
    case A_CONT:
        return run(NULL, 0, "docker kill -s CONT %s >/dev/null", shq(n->name));
    case A_TERM:
        return run(NULL, 0, "docker stop -t 60 %s >/dev/null", shq(n->name));
    case A_START:
        if (run(NULL, 0, "docker start %s >/dev/null", shq(n->name)) != 0) return -1;
        return docker_wait_healthy(n->name, 120) ? 0 : -1;
    case A_ISOLATE:
        return run(NULL, 0, "docker network disconnect %s %s", shq(n->network), shq(n->name));
    case A_HEAL:
        return run(NULL, 0, "docker network connect --alias %s %s %s", shq(n->service),
                   shq(n->network), shq(n->name));
    }
    return -1;
}

/* The ZooKeeper node in Mode: leader (`srvr`), or NULL. */
dr_node_t *dr_zk_leader(dr_cluster_t *c)
{
    char out[4096];
    if (c->kind == CL_PROCESS) {
        if (run(out, sizeof(out), "bash %s zk-leader --dir %s 2>/dev/null", shq(c->script),
                shq(c->dir)) != 0)
            return NULL;
        for (int i = 0; i < c->nzks; i++)
            if (strcmp(out, c->zks[i].name) == 0) return &c->zks[i];
        return NULL;
    }
    for (int i = 0; i < c->nzks; i++) {
        char script[256];
        snprintf(script, sizeof(script),
                 "exec 3<>/dev/tcp/127.0.0.1/%d && echo srvr >&3 && timeout 3 cat <&3",
                 c->zks[i].zk_port);
        if (run(out, sizeof(out), "docker exec %s bash -c %s 2>/dev/null", shq(c->zks[i].name),
                shq(script)) == 0 &&
            (strstr(out, "Mode: leader") || strstr(out, "Mode: standalone")))
            return &c->zks[i];
    }
    return NULL;
}
