/* kafka_drill.c: kafka-drill, the failover drill tool. It runs one drill against a local
 * process cluster (scripts/cluster.sh: its PID files, network namespaces and node commands) or
 * a docker-compose cluster (docker kill/stop/start/network disconnect) while
 *   - a producer sends sequence-numbered messages (enable.idempotence=true, acks=all; with
 *     --no-idempotence acks=all only) at a fixed rate, round-robin over the partitions, and
 *   - a consumer reads the topic back as it runs;
 * then reads the whole log again and prints a report: messages acknowledged, lost,
 * duplicated, out of order, the unavailability window around each fault (last ack before it
 * to first ack after it) and the time until the ISR is full again.
 * Exit status: 0 nothing acknowledged lost; 1 something acknowledged was lost (or a message a
 * consumer had read vanished from the log); 3 duplicates or reordering with idempotence on;
 * 2 the drill could not run or the cluster did not recover (no ack after a fault, ISR not
 * full again in time, the log could not be read back).
 * --transactional: the producer is transactional (transactional.id kafka-drill-<run id>, a
 * commit every --commit-interval-ms): a message counts as acknowledged once its transaction
 * committed, messages of aborted transactions as failed; the consumers read read_committed
 * (librdkafka's default), so a message read back that was never acknowledged is data of an
 * aborted (or unfinished) transaction made visible: exit 3 as well.
 * The arithmetic is in drill_verify.c. Threads: the main thread runs the drill and polls
 * metadata; one thread produces (and serves delivery reports), one consumes; they share the
 * verifier under one mutex. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "drill_verify.h"

#define TOOL       "kafka-drill"
#define MAX_NODES  32
#define MAX_PARTS  64
#define MAX_EVENTS 64

static cli_opt_t opts[] = {
    CLI_OPT("drill", true,
            "kill-leader, kill-controller, stop-leader, isolate, rolling-restart, "
            "full-restart, kill-zk-leader or none"),
    CLI_OPT("cluster-dir", true,
            "A scripts/cluster.sh cluster (default <repo>/tmp/cluster): PIDs, netns, nodes"),
    CLI_OPT("compose-project", true,
            "A docker-compose project of kafka-c containers (instead of --cluster-dir)"),
    CLI_OPT("bootstrap-server", true,
            "Brokers to connect to (default: the cluster's bootstrap file, or the "
            "compose brokers' 127.0.0.1 advertised listeners)"),
    CLI_OPT("topic", true, "Topic to use (default drill-<drill>-<pid>; created if missing)"),
    CLI_OPT("partitions", true, "Partitions of a created topic (default 1)"),
    CLI_OPT("replication-factor", true, "Of a created topic (default min(3, brokers))"),
    CLI_OPT("min-insync-replicas", true, "Of a created topic (default min(2, RF))"),
    CLI_OPT("broker", true, "Broker id the fault hits (default: the drill's choice)"),
    CLI_OPT("rate", true, "Messages per second (default 200)"),
    CLI_OPT("warmup-s", true, "Producing before the fault, seconds (default 5)"),
    CLI_OPT("down-s", true,
            "How long the fault lasts, seconds (default: the ZooKeeper session + 4, at least "
            "10; stop-leader: session + 6; full-restart: 2)"),
    CLI_OPT("tail-s", true, "Producing after the cluster recovered, seconds (default 5)"),
    CLI_OPT("recover-timeout-s", true, "Wait for a full ISR after a fault, seconds (default 120)"),
    CLI_OPT("no-idempotence", false, "acks=all without enable.idempotence (duplicates allowed)"),
    CLI_OPT("cluster-script", true, "Path of cluster.sh (default: next to this binary)"),
    CLI_OPT("report-json", true, "Also write the report as JSON to this file"),
    CLI_OPT("producer-property", true, "A producer config key=value (repeatable)"),
    CLI_OPT("command-config", true,
            "Client security properties (TLS, SASL) for every client of the drill"),
    CLI_OPT("transactional", false,
            "A transactional producer (read_committed consumers); aborted data read back fails"),
    CLI_OPT("commit-interval-ms", true, "--transactional: one transaction per interval (100)"),
    CLI_END,
};

/* ---- clock and output ---- */

static int64_t t0;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double rel(int64_t t)
{
    return (double)(t - t0) / 1e6;
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0) return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("[%8.3fs] ", rel(now_us()));
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

/* ---- the cluster under drill ---- */

typedef enum { CL_PROCESS, CL_COMPOSE } cl_kind_t;

typedef struct node {
    int id;            /* broker.id, or the ZooKeeper server id */
    char name[128];    /* broker-I / zookeeper-I, or the container's name */
    char service[128]; /* compose service (the network alias to restore) */
    char network[128]; /* compose network to cut */
    int zk_port;       /* ZooKeeper client port inside the container */
} node_t;

typedef struct cluster {
    cl_kind_t kind;
    char dir[PATH_MAX];
    char script[PATH_MAX];
    char project[128];
    node_t brokers[MAX_NODES], zks[MAX_NODES];
    int nbrokers, nzks;
    bool netns;
    char bootstrap[2048];
    int session_timeout_ms;
} cluster_t;

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

static void cluster_process(cluster_t *c, const char *dir)
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

static void cluster_compose(cluster_t *c, const char *project)
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
        node_t *n = NULL;
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

static node_t *broker_by_id(cluster_t *c, int id)
{
    for (int i = 0; i < c->nbrokers; i++)
        if (c->brokers[i].id == id) return &c->brokers[i];
    return NULL;
}

typedef enum { A_KILL, A_TERM, A_STOP, A_CONT, A_START, A_ISOLATE, A_HEAL } act_t;
static const char *const act_names[] = {"kill -9", "stop (SIGTERM)", "SIGSTOP", "SIGCONT",
                                        "start",   "isolate",        "heal"};

static pid_t node_pid(cluster_t *c, const node_t *n)
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
    int64_t deadline = now_us() + (int64_t)timeout_s * 1000000;
    char st[128];
    while (now_us() < deadline) {
        if (run(st, sizeof(st), "docker inspect -f '{{.State.Health.Status}}' %s", shq(name)) ==
                0 &&
            strcmp(st, "healthy") == 0)
            return true;
        sleep_ms(500);
    }
    return false;
}

/* Apply one action to a node (zk: a ZooKeeper node). 0 on success. */
static int node_act(cluster_t *c, node_t *n, act_t a)
{
    if (c->kind == CL_PROCESS) {
        static const int sigs[] = {[A_KILL] = SIGKILL, [A_STOP] = SIGSTOP, [A_CONT] = SIGCONT};
        if (a == A_KILL || a == A_STOP || a == A_CONT) {
            pid_t pid = node_pid(c, n);
            if (pid <= 0 || kill(pid, sigs[a]) != 0) {
                fprintf(stderr, "%s: %s %s: no such process (pid %d)\n", TOOL, act_names[a],
                        n->name, (int)pid);
                return -1;
            }
            if (a == A_KILL) {
                int64_t deadline = now_us() + 10000000;
                while (!pid_gone(pid) && now_us() < deadline) sleep_ms(20);
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
static node_t *zk_leader(cluster_t *c)
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

/* A fault left in place when the drill stops early is undone on the way out. */
static struct {
    cluster_t *c;
    node_t *n;
    act_t undo;
    bool pending;
} undo;

static void undo_pending(void)
{
    if (!undo.pending) return;
    undo.pending = false;
    fprintf(stderr, "%s: undoing the fault on %s (%s)\n", TOOL, undo.n->name, act_names[undo.undo]);
    node_act(undo.c, undo.n, undo.undo);
}

static void on_signal(int sig)
{
    (void)sig;
    exit(2); /* atexit undoes a pending fault */
}

/* The watchdog: a drill that outlives every timeout it has (a client call stuck on a broker
 * that never answers) undoes its fault and exits 2 rather than hang its caller. */
static void *watchdog_main(void *arg)
{
    sleep_ms((int64_t)(intptr_t)arg * 1000);
    fprintf(stderr, "%s: watchdog: the drill is still running after %d s; giving up\n", TOOL,
            (int)(intptr_t)arg);
    printf("result: FAIL: the drill did not finish in time (watchdog)\n");
    fflush(stdout);
    undo_pending();
    _exit(2);
    return NULL;
}

/* ---- producer and consumer threads ---- */

static struct {
    pthread_mutex_t mu;
    dv_t *dv;
    int64_t sent;
    char last_error[512];
    int64_t errors;
    volatile int stop_producing, stop_consuming;
    int64_t end_offsets[MAX_PARTS]; /* consumer target, -1 until known */
    int64_t next_offsets[MAX_PARTS];
} sh = {.mu = PTHREAD_MUTEX_INITIALIZER};

static char run_id[32];
static char topic[256];
static int nparts = 1;
static int rate = 200;
static bool transactional;
static int commit_interval_ms = 100;

/* --transactional: deliveries of the open transaction, acknowledged when it commits (under
 * sh.mu). */
static struct {
    int64_t *seq, *offset;
    int32_t *partition;
    int n, cap;
} txp;

static void txp_add(int64_t seq, int32_t partition, int64_t offset)
{
    if (txp.n == txp.cap) {
        txp.cap = txp.cap ? txp.cap * 2 : 256;
        txp.seq = realloc(txp.seq, (size_t)txp.cap * sizeof(int64_t));
        txp.offset = realloc(txp.offset, (size_t)txp.cap * sizeof(int64_t));
        txp.partition = realloc(txp.partition, (size_t)txp.cap * sizeof(int32_t));
        if (!txp.seq || !txp.offset || !txp.partition) abort();
    }
    txp.seq[txp.n] = seq;
    txp.offset[txp.n] = offset;
    txp.partition[txp.n++] = partition;
}

/* The open transaction ended: its deliveries are acknowledged (committed) or failed. */
static void txp_settle(bool committed)
{
    int64_t t = now_us();
    pthread_mutex_lock(&sh.mu);
    for (int i = 0; i < txp.n; i++) {
        if (committed)
            dv_acked(sh.dv, txp.seq[i], txp.partition[i], txp.offset[i], t);
        else
            dv_failed(sh.dv, txp.seq[i]);
    }
    txp.n = 0;
    pthread_mutex_unlock(&sh.mu);
}

static void note_error(const char *what, const char *reason)
{
    pthread_mutex_lock(&sh.mu);
    if (sh.errors++ < 20) fprintf(stderr, "[%8.3fs] %s: %s\n", rel(now_us()), what, reason);
    snprintf(sh.last_error, sizeof(sh.last_error), "%s: %s", what, reason);
    pthread_mutex_unlock(&sh.mu);
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk, (void)opaque;
    int64_t seq = (int64_t)(intptr_t)m->_private;
    int64_t t = now_us();
    pthread_mutex_lock(&sh.mu);
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && transactional)
        txp_add(seq, m->partition, m->offset); /* acknowledged by the commit */
    else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
        dv_acked(sh.dv, seq, m->partition, m->offset, t);
    else
        dv_failed(sh.dv, seq);
    pthread_mutex_unlock(&sh.mu);
    if (m->err) note_error("delivery failed", rd_kafka_err2str(m->err));
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk, (void)err, (void)opaque;
    note_error("client", reason);
}

/* Send message seq (round-robin partition). false when the producer failed fatally. */
static bool produce_one(rd_kafka_t *rk, int64_t seq)
{
    char val[96];
    int vl = snprintf(val, sizeof(val), "kafka-drill %s %" PRId64, run_id, seq);
    pthread_mutex_lock(&sh.mu);
    dv_sent(sh.dv, seq, now_us());
    pthread_mutex_unlock(&sh.mu);
    rd_kafka_resp_err_t e;
    while ((e = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION((int32_t)(seq % nparts)),
                RD_KAFKA_V_VALUE(val, (size_t)vl), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_OPAQUE((void *)(intptr_t)seq), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL &&
           !sh.stop_producing)
        rd_kafka_poll(rk, 10);
    if (e) {
        note_error("produce", rd_kafka_err2str(e));
        pthread_mutex_lock(&sh.mu);
        dv_failed(sh.dv, seq);
        pthread_mutex_unlock(&sh.mu);
    }
    pthread_mutex_lock(&sh.mu);
    sh.sent = seq + 1;
    pthread_mutex_unlock(&sh.mu);
    return e != RD_KAFKA_RESP_ERR__FATAL;
}

/* Produce at the rate until stop or until_us (0: no end). false after a fatal error. */
static bool produce_until(rd_kafka_t *rk, int64_t *seq, int64_t *next, int64_t until_us)
{
    int64_t interval = 1000000 / (rate > 0 ? rate : 1);
    while (!sh.stop_producing && (until_us == 0 || now_us() < until_us)) {
        int64_t t = now_us();
        if (t < *next) {
            rd_kafka_poll(rk, (int)((*next - t) / 1000 > 50 ? 50 : (*next - t + 999) / 1000));
            continue;
        }
        if (t - *next > 1000000) *next = t; /* fell behind (an outage): do not burst */
        if (!produce_one(rk, (*seq)++)) return false;
        *next += interval;
        rd_kafka_poll(rk, 0);
    }
    return true;
}

static bool txn_error(const char *what, rd_kafka_error_t *e, bool *retriable, bool *abortable)
{
    if (!e) return false;
    note_error(what, rd_kafka_error_string(e));
    *retriable = rd_kafka_error_is_retriable(e);
    *abortable = rd_kafka_error_txn_requires_abort(e);
    rd_kafka_error_destroy(e);
    return true;
}

/* Commit the open transaction (retrying what is retriable; aborting when it must). false
 * when the producer failed fatally. */
static bool txn_finish(rd_kafka_t *rk)
{
    bool retriable = false, abortable = false;
    while (txn_error("commit_transaction", rd_kafka_commit_transaction(rk, 60000), &retriable,
                     &abortable)) {
        if (retriable && !sh.stop_producing) continue;
        if (!abortable) {
            txp_settle(false);
            return false;
        }
        while (txn_error("abort_transaction", rd_kafka_abort_transaction(rk, 60000), &retriable,
                         &abortable))
            if (!retriable || sh.stop_producing) {
                txp_settle(false);
                return false;
            }
        txp_settle(false);
        return true;
    }
    txp_settle(true);
    return true;
}

static void *producer_main(void *arg)
{
    rd_kafka_t *rk = arg;
    int64_t next = now_us(), seq = 0;
    if (!transactional) {
        produce_until(rk, &seq, &next, 0);
        return NULL;
    }
    bool retriable, abortable;
    while (!sh.stop_producing) {
        if (txn_error("begin_transaction", rd_kafka_begin_transaction(rk), &retriable, &abortable))
            break;
        bool ok = produce_until(rk, &seq, &next, now_us() + commit_interval_ms * 1000);
        if (!txn_finish(rk) || !ok) break;
    }
    return NULL;
}

/* Parse "kafka-drill <run id> <seq>"; -1 when it is another run's. */
static int64_t msg_seq(const rd_kafka_message_t *m)
{
    char buf[96], id[32];
    if (!m->payload || m->len >= sizeof(buf)) return -1;
    memcpy(buf, m->payload, m->len);
    buf[m->len] = '\0';
    long long seq;
    if (sscanf(buf, "kafka-drill %31s %lld", id, &seq) != 2 || strcmp(id, run_id) != 0) return -1;
    return seq;
}

typedef struct consumer {
    rd_kafka_t *rk;
    bool live; /* the consumer running during the drill, or the final pass */
} consumer_t;

/* A client config for bootstrap with the --command-config properties (security) applied. */
static rd_kafka_conf_t *drill_conf(const char *bootstrap)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    cli_conf_set(TOOL, conf, "bootstrap.servers", bootstrap);
    cli_conf_set(TOOL, conf, "log_level", "3");
    const char *cc = cli_val(opts, "command-config");
    if (cc) cli_conf_file(TOOL, conf, cc);
    return conf;
}

static rd_kafka_t *consumer_new(const char *bootstrap)
{
    rd_kafka_conf_t *conf = drill_conf(bootstrap);
    char gid[64];
    snprintf(gid, sizeof(gid), "kafka-drill-%s", run_id);
    cli_conf_set(TOOL, conf, "group.id", gid); /* required by librdkafka; never joined */
    cli_conf_set(TOOL, conf, "enable.auto.commit", "false");
    cli_conf_set(TOOL, conf, "enable.partition.eof", "true");
    cli_conf_set(TOOL, conf, "auto.offset.reset", "earliest");
    cli_conf_set(TOOL, conf, "fetch.wait.max.ms", "100");
    cli_conf_set(TOOL, conf, "reconnect.backoff.max.ms", "1000"); /* as the producer's */
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!rk) cli_die(TOOL, "%s", err);
    rd_kafka_topic_partition_list_t *tl = rd_kafka_topic_partition_list_new(nparts);
    for (int p = 0; p < nparts; p++)
        rd_kafka_topic_partition_list_add(tl, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, tl);
    rd_kafka_topic_partition_list_destroy(tl);
    return rk;
}

static bool consumer_at_end(void)
{
    for (int p = 0; p < nparts; p++)
        if (sh.end_offsets[p] < 0 || sh.next_offsets[p] < sh.end_offsets[p]) return false;
    return true;
}

static void *consumer_main(void *arg)
{
    consumer_t *cs = arg;
    while (!sh.stop_consuming) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(cs->rk, 100);
        if (!m) {
            pthread_mutex_lock(&sh.mu);
            bool done = consumer_at_end();
            pthread_mutex_unlock(&sh.mu);
            if (done) break;
            continue;
        }
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                note_error(cs->live ? "consumer" : "final read", rd_kafka_message_errstr(m));
            else if (m->partition >= 0 && m->partition < nparts) {
                pthread_mutex_lock(&sh.mu);
                if (m->offset > sh.next_offsets[m->partition])
                    sh.next_offsets[m->partition] = m->offset;
                pthread_mutex_unlock(&sh.mu);
            }
            rd_kafka_message_destroy(m);
            continue;
        }
        int64_t seq = msg_seq(m);
        pthread_mutex_lock(&sh.mu);
        if (seq >= 0) {
            if (cs->live)
                dv_read_live(sh.dv, m->partition, m->offset, seq);
            else
                dv_read(sh.dv, m->partition, m->offset, seq);
        }
        if (m->partition >= 0 && m->partition < nparts &&
            m->offset + 1 > sh.next_offsets[m->partition])
            sh.next_offsets[m->partition] = m->offset + 1;
        pthread_mutex_unlock(&sh.mu);
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

/* ---- metadata ---- */

typedef struct tstate {
    int nparts;
    int32_t controller;
    int leader[MAX_PARTS], nreplicas[MAX_PARTS], nisr[MAX_PARTS];
} tstate_t;

/* The brokers' addresses (learn_brokers), so that each can be asked on its own. */
static struct {
    int32_t id;
    char host[256];
    int port;
} baddr[MAX_NODES];
static int nbaddr;

static void learn_brokers(rd_kafka_t *rk)
{
    int64_t deadline = now_us() + 60000000;
    while (nbaddr == 0 && now_us() < deadline) {
        const rd_kafka_metadata_t *md;
        if (rd_kafka_metadata(rk, 0, NULL, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            for (int i = 0; i < md->broker_cnt && nbaddr < MAX_NODES; i++) {
                baddr[nbaddr].id = md->brokers[i].id;
                snprintf(baddr[nbaddr].host, sizeof(baddr[nbaddr].host), "%s", md->brokers[i].host);
                baddr[nbaddr++].port = md->brokers[i].port;
            }
            rd_kafka_metadata_destroy(md);
        }
        if (nbaddr == 0) sleep_ms(250);
    }
    if (nbaddr == 0) cli_die(TOOL, "no broker answered Metadata within 60 s");
}

/* The topic as the first broker other than `avoid` (-1: any) that answers sees it, asked with
 * a Metadata request of our own: librdkafka picks the broker itself, and a broker just woken
 * from SIGSTOP or healed from a network cut answers from its stale cache (the old leader, a
 * full ISR) until the controller's UpdateMetadata reaches it (a lone broker is asked anyway).
 * 0, or -1 when none answered. */
static int topic_state(int avoid, tstate_t *ts, int timeout_ms)
{
    if (nbaddr == 1) avoid = -1; /* a lone broker is the only one to ask */
    for (int b = 0; b < nbaddr; b++) {
        if (baddr[b].id == avoid) continue;
        cli_md_t m;
        const char *t1 = topic;
        if (!cli_metadata_from(baddr[b].host, baddr[b].port, 1, &t1, timeout_ms, &m)) continue;
        const kp_metadata_resp_t *r = &m.resp;
        int rc = -1;
        if (r->ntopics == 1 && r->topics[0].error_code == 0) {
            const kp_metadata_topic_resp_t *t = &r->topics[0];
            memset(ts, 0, sizeof(*ts));
            ts->controller = r->controller_id;
            ts->nparts = t->nparts < MAX_PARTS ? t->nparts : MAX_PARTS;
            for (int32_t i = 0; i < t->nparts; i++) {
                int32_t p = t->parts[i].partition_index;
                if (p < 0 || p >= MAX_PARTS) continue;
                ts->leader[p] = t->parts[i].error_code ? -1 : t->parts[i].leader_id;
                ts->nreplicas[p] = t->parts[i].nreplicas;
                ts->nisr[p] = t->parts[i].nisr;
            }
            rc = 0;
        }
        cli_md_free(&m);
        if (rc == 0) return 0;
    }
    return -1;
}

static bool isr_full(int avoid)
{
    tstate_t ts;
    if (topic_state(avoid, &ts, 2000) != 0 || ts.nparts < nparts) return false;
    for (int p = 0; p < nparts; p++)
        if (ts.leader[p] < 0 || ts.nisr[p] < ts.nreplicas[p]) return false;
    return true;
}

/* Time the ISR was first seen full again by a broker other than avoid (polling every 250 ms),
 * or -1 after timeout_s. */
static int64_t wait_isr_full(int avoid, int timeout_s)
{
    int64_t deadline = now_us() + (int64_t)timeout_s * 1000000;
    while (now_us() < deadline) {
        int64_t t = now_us();
        if (isr_full(avoid)) return t;
        sleep_ms(250);
    }
    return -1;
}

static int leader_of(int partition)
{
    tstate_t ts;
    for (int i = 0; i < 40; i++) {
        if (topic_state(-1, &ts, 5000) == 0 && partition < ts.nparts && ts.leader[partition] >= 0)
            return ts.leader[partition];
        sleep_ms(250);
    }
    return -1;
}

static int create_topic(rd_kafka_t *rk, int partitions, int rf, int min_isr)
{
    rd_kafka_NewTopic_t *nt;
    char err[512], mis[16];
    nt = rd_kafka_NewTopic_new(topic, partitions, rf, err, sizeof(err));
    if (!nt) cli_die(TOOL, "topic %s: %s", topic, err);
    snprintf(mis, sizeof(mis), "%d", min_isr);
    rd_kafka_NewTopic_set_config(nt, "min.insync.replicas", mis);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    int rc = -1;
    if (ev && rd_kafka_event_error(ev) == 0) {
        size_t n;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        rd_kafka_resp_err_t e = n ? rd_kafka_topic_result_error(res[0]) : RD_KAFKA_RESP_ERR__FAIL;
        if (e == 0 || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            rc = 0;
        else
            fprintf(stderr, "%s: create topic %s: %s\n", TOOL, topic,
                    rd_kafka_topic_result_error_string(res[0]) ?: rd_kafka_err2str(e));
    } else {
        fprintf(stderr, "%s: create topic %s: %s\n", TOOL, topic,
                ev ? rd_kafka_event_error_string(ev) : "timed out");
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

/* ---- the drills ---- */

typedef struct event {
    char what[200];
    int64_t t_fault, t_heal, t_isr; /* t_isr -1: not full again in time */
    /* A broker fault: the partitions it led and whether it was the controller when the fault
     * began, and when the metadata first showed all of that moved to others (-1: not while the
     * fault lasted). This is the cluster's failover time, apart from how long clients took. */
    bool led[MAX_PARTS], was_controller;
    int nled;
    int64_t t_moved;
} event_t;

static event_t events[MAX_EVENTS];
static int nevents;
static bool failed_run;
static char fail_reason[512];

static void drill_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void drill_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!failed_run) vsnprintf(fail_reason, sizeof(fail_reason), fmt, ap);
    va_end(ap);
    failed_run = true;
    say("drill failed: %s", fail_reason);
}

typedef struct drill_ctx {
    cluster_t *c;
    rd_kafka_t *meta;
    int down_ms, recover_s, target;
} drill_ctx_t;

static bool is_broker(const cluster_t *c, const node_t *n)
{
    return n >= c->brokers && n < c->brokers + c->nbrokers;
}

static void clear_roles(event_t *ev)
{
    ev->t_moved = -1;
    ev->nled = 0;
    ev->was_controller = false;
}

/* Before a broker fault that lasts a while: what n leads (partitions, controller). */
static void note_roles(drill_ctx_t *d, const node_t *n, event_t *ev)
{
    tstate_t ts;
    clear_roles(ev);
    if (!is_broker(d->c, n) || topic_state(-1, &ts, 5000) != 0) return;
    for (int p = 0; p < ts.nparts && p < nparts; p++) {
        ev->led[p] = ts.leader[p] == n->id;
        ev->nled += ev->led[p];
    }
    ev->was_controller = ts.controller == n->id;
}

/* Everything n held has another holder in the metadata. A short timeout: a stopped or cut-off
 * broker may be the one asked, and the watch must not outlast the fault by much. */
static bool roles_moved(const node_t *n, const event_t *ev)
{
    tstate_t ts;
    if (topic_state(n->id, &ts, 1000) != 0) return false;
    for (int p = 0; p < ts.nparts && p < nparts; p++)
        if (ev->led[p] && (ts.leader[p] < 0 || ts.leader[p] == n->id)) return false;
    return !ev->was_controller || (ts.controller >= 0 && ts.controller != n->id);
}

/* Hold the fault for down_ms, watching for the moment n's roles moved. */
static void hold_fault(const node_t *n, event_t *ev, int down_ms)
{
    int64_t end = ev->t_fault + (int64_t)down_ms * 1000;
    bool watch = ev->nled > 0 || ev->was_controller;
    while (now_us() < end) {
        if (watch && ev->t_moved < 0 && roles_moved(n, ev)) {
            ev->t_moved = now_us();
            say("broker %d's leadership%s moved to others (%.1f s after the fault)", n->id,
                ev->was_controller ? " and the controller role" : "",
                (double)(ev->t_moved - ev->t_fault) / 1e6);
        }
        int64_t left_ms = (end - now_us()) / 1000;
        if (left_ms > 0) sleep_ms(watch && ev->t_moved < 0 && left_ms > 100 ? 100 : (int)left_ms);
    }
}

/* One fault: apply `fault` to n, wait down_ms, apply `heal`, wait for a full ISR. */
static void fault_and_heal(drill_ctx_t *d, node_t *n, act_t fault, act_t heal, int down_ms,
                           const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void fault_and_heal(drill_ctx_t *d, node_t *n, act_t fault, act_t heal, int down_ms,
                           const char *fmt, ...)
{
    if (nevents >= MAX_EVENTS) return;
    event_t *ev = &events[nevents++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->what, sizeof(ev->what), fmt, ap);
    va_end(ap);
    if (down_ms > 0) /* a restart (down_ms 0) moves leaders in its controlled shutdown */
        note_roles(d, n, ev);
    else
        clear_roles(ev);
    say("%s", ev->what);
    undo.c = d->c;
    undo.n = n;
    undo.undo = heal;
    undo.pending = true;
    /* the fault's time is when it is done to the node: taken before note_roles' metadata
     * requests, a loaded machine let messages sent in between be acked "after" the kill */
    ev->t_fault = now_us();
    if (node_act(d->c, n, fault) != 0) {
        undo.pending = false;
        ev->t_heal = ev->t_isr = -1;
        drill_fail("could not %s %s", act_names[fault], n->name);
        return;
    }
    hold_fault(n, ev, down_ms);
    say("%s %s", act_names[heal], n->name);
    undo.pending = false;
    if (node_act(d->c, n, heal) != 0) drill_fail("could not %s %s", act_names[heal], n->name);
    ev->t_heal = now_us();
    ev->t_isr = wait_isr_full(is_broker(d->c, n) ? n->id : -1, d->recover_s);
    if (ev->t_isr < 0)
        drill_fail("ISR not full again %d s after %s %s", d->recover_s, act_names[heal], n->name);
    else
        say("ISR full again (%.1f s after the fault)", (double)(ev->t_isr - ev->t_fault) / 1e6);
}

static node_t *target_broker(drill_ctx_t *d, int id, const char *role)
{
    if (d->target > 0) id = d->target;
    node_t *n = id >= 0 ? broker_by_id(d->c, id) : NULL;
    if (!n) drill_fail("no broker for the %s (broker id %d)", role, id);
    return n;
}

static void run_drill(drill_ctx_t *d, const char *drill)
{
    cluster_t *c = d->c;
    if (strcmp(drill, "none") == 0) {
        say("no fault (baseline)");
        sleep_ms(d->down_ms);
    } else if (strcmp(drill, "kill-leader") == 0 || strcmp(drill, "stop-leader") == 0 ||
               strcmp(drill, "isolate") == 0) {
        int leader = leader_of(0);
        node_t *n = target_broker(d, leader, "leader of partition 0");
        if (!n) return;
        const char *role = n->id == leader ? " (leader of partition 0)" : "";
        if (drill[0] == 'k')
            fault_and_heal(d, n, A_KILL, A_START, d->down_ms, "kill -9 broker %d%s", n->id, role);
        else if (drill[0] == 's')
            fault_and_heal(d, n, A_STOP, A_CONT, d->down_ms,
                           "SIGSTOP broker %d%s for %.1f s (ZooKeeper session %.1f s)", n->id, role,
                           d->down_ms / 1e3, c->session_timeout_ms / 1e3);
        else
            fault_and_heal(d, n, A_ISOLATE, A_HEAL, d->down_ms,
                           "isolate broker %d%s from the network for %.1f s", n->id, role,
                           d->down_ms / 1e3);
    } else if (strcmp(drill, "kill-controller") == 0) {
        int ctl = rd_kafka_controllerid(d->meta, 5000);
        node_t *n = target_broker(d, ctl, "controller");
        if (n)
            fault_and_heal(d, n, A_KILL, A_START, d->down_ms, "kill -9 broker %d%s", n->id,
                           n->id == ctl ? " (the controller)" : "");
    } else if (strcmp(drill, "rolling-restart") == 0) {
        /* one broker at a time, the controller last, each back in the ISR before the next */
        int ctl = rd_kafka_controllerid(d->meta, 5000);
        node_t *order[MAX_NODES];
        int k = 0;
        for (int i = 0; i < c->nbrokers; i++)
            if (c->brokers[i].id != ctl) order[k++] = &c->brokers[i];
        for (int i = 0; i < c->nbrokers; i++)
            if (c->brokers[i].id == ctl) order[k++] = &c->brokers[i];
        for (int i = 0; i < k && !failed_run; i++) {
            fault_and_heal(d, order[i], A_TERM, A_START, 0, "restart broker %d%s", order[i]->id,
                           order[i]->id == ctl ? " (the controller)" : "");
            sleep_ms(2000);
        }
    } else if (strcmp(drill, "full-restart") == 0) {
        event_t *ev = &events[nevents++];
        snprintf(ev->what, sizeof(ev->what), "stop all %d brokers, start them again", c->nbrokers);
        ev->t_fault = now_us();
        clear_roles(ev);
        say("%s", ev->what);
        for (int i = 0; i < c->nbrokers; i++)
            if (node_act(c, &c->brokers[i], A_TERM) != 0)
                drill_fail("could not stop broker %d", c->brokers[i].id);
        say("all brokers stopped");
        sleep_ms(d->down_ms);
        for (int i = 0; i < c->nbrokers; i++)
            if (node_act(c, &c->brokers[i], A_START) != 0)
                drill_fail("could not start broker %d", c->brokers[i].id);
        ev->t_heal = now_us();
        say("all brokers started");
        ev->t_isr = wait_isr_full(-1, d->recover_s);
        if (ev->t_isr < 0) drill_fail("ISR not full again %d s after the restart", d->recover_s);
    } else if (strcmp(drill, "kill-zk-leader") == 0) {
        node_t *z = zk_leader(c);
        if (!z) {
            drill_fail("no ZooKeeper node is leading");
            return;
        }
        fault_and_heal(d, z, A_KILL, A_START, d->down_ms, "kill -9 ZooKeeper node %s (leader)",
                       z->name);
        int64_t deadline = now_us() + 60000000;
        while (!zk_leader(c) && now_us() < deadline) sleep_ms(500);
        node_t *nl = zk_leader(c);
        if (!nl)
            drill_fail("the ZooKeeper ensemble has no leader again");
        else
            say("ZooKeeper leader: %s", nl->name);
    } else {
        cli_die(TOOL, "unknown drill '%s' (see --help)", drill);
    }
}

/* ---- report ---- */

static int report(const char *drill, cluster_t *c, int rf, int min_isr, bool idem,
                  const char *json_path, bool read_complete)
{
    dv_counts_t k;
    pthread_mutex_lock(&sh.mu);
    dv_count(sh.dv, &k);
    dv_window_t w[MAX_EVENTS];
    for (int i = 0; i < nevents; i++) {
        /* the longest gap is looked for until the ISR is full and acks flow again */
        int64_t end = events[i].t_isr > 0 ? events[i].t_isr : now_us();
        dv_window(sh.dv, events[i].t_fault, end, &w[i]);
        if (w[i].first_after > end) dv_window(sh.dv, events[i].t_fault, w[i].first_after, &w[i]);
    }
    pthread_mutex_unlock(&sh.mu);

    int rc = 0;
    const char *verdict = "PASS: nothing acknowledged was lost";
    if (!read_complete) { /* what was not read back cannot be told lost or kept */
        rc = 2;
        verdict = "FAIL: could not read the log back to its end";
    } else if (k.lost > 0 || k.rewritten > 0) {
        rc = 1;
        verdict = "FAIL: acknowledged messages were lost";
    } else if (failed_run) {
        rc = 2;
        verdict = "FAIL: the drill did not complete";
    } else if (idem && (k.duplicated > 0 || k.out_of_order > 0)) {
        rc = 3;
        verdict = "FAIL: duplicates or reordering with the idempotent producer";
    } else if (transactional && k.unacked_written > 0) {
        rc = 3;
        verdict = "FAIL: data of aborted transactions visible to read_committed";
    }
    for (int i = 0; i < nevents && rc == 0; i++)
        if (w[i].first_after < 0) {
            rc = 2;
            verdict = "FAIL: no acknowledgement after a fault";
        }

    printf("\n== kafka-drill report: %s on %s %s\n", drill,
           c->kind == CL_PROCESS ? "process cluster" : "compose project",
           c->kind == CL_PROCESS ? c->dir : c->project);
    printf("topic %s: %d partition(s), replication factor %d, min.insync.replicas %d; "
           "producer acks=all, idempotence %s, %d msg/s%s\n",
           topic, nparts, rf, min_isr, idem ? "on" : "off", rate,
           transactional ? ", transactional" : "");
    printf("  messages sent:            %" PRId64 "\n", k.sent);
    printf("  acknowledged:             %" PRId64 "\n", k.acked);
    printf("  failed deliveries:        %" PRId64 "\n", k.failed);
    printf("  read back (distinct):     %" PRId64 "\n", k.consumed);
    printf("  lost (acked, not read):   %" PRId64, k.lost);
    if (k.first_lost >= 0) printf(" (first: seq %" PRId64 ")", k.first_lost);
    printf("\n");
    printf("  duplicated:               %" PRId64 "\n", k.duplicated);
    printf("  out of order:             %" PRId64 "\n", k.out_of_order);
    printf("  written, not acked:       %" PRId64 "\n", k.unacked_written);
    printf("  ack offset mismatches:    %" PRId64 "\n", k.offset_mismatch);
    printf("  consumed, then vanished:  %" PRId64 "\n", k.rewritten);
    for (int i = 0; i < nevents; i++) {
        const event_t *e = &events[i];
        printf("  fault %d at +%.3fs: %s\n", i + 1, rel(e->t_fault), e->what);
        if (w[i].gap_partition >= 0)
            printf("    unavailability:         %.3f s on partition %d (no ack from +%.3fs to "
                   "+%.3fs)\n",
                   (double)w[i].longest_gap / 1e6, w[i].gap_partition, rel(w[i].gap_from),
                   rel(w[i].gap_to));
        else
            printf("    unavailability:         no ack before the fault\n");
        if (w[i].window >= 0)
            printf("    first ack after:        %.3f s (partition %d: last ack before the fault "
                   "+%.3fs, first ack of a message sent after it +%.3fs)\n",
                   (double)w[i].window / 1e6, w[i].partition, rel(w[i].last_before),
                   rel(w[i].first_after));
        else
            printf("    first ack after:        none on partition %d\n", w[i].partition);
        if (e->t_moved >= 0)
            printf("    leadership moved:       %.3f s after the fault (%d partition(s)%s; seen "
                   "in metadata)\n",
                   (double)(e->t_moved - e->t_fault) / 1e6, e->nled,
                   e->was_controller ? " and the controller" : "");
        else if (e->nled > 0 || e->was_controller)
            printf("    leadership moved:       not while the fault lasted\n");
        if (e->t_isr >= 0)
            printf("    ISR full again:         %.3f s after the fault (%.3f s after recovery)\n",
                   (double)(e->t_isr - e->t_fault) / 1e6, (double)(e->t_isr - e->t_heal) / 1e6);
        else
            printf("    ISR full again:         not within the timeout\n");
    }
    if (failed_run) printf("  problem: %s\n", fail_reason);
    if (sh.last_error[0]) printf("  last client error: %s\n", sh.last_error);
    printf("result: %s\n", verdict);
    fflush(stdout);

    if (json_path) {
        FILE *f = fopen(json_path, "w");
        if (!f) cli_die(TOOL, "cannot write %s: %s", json_path, strerror(errno));
        fprintf(f,
                "{\"drill\":\"%s\",\"topic\":\"%s\",\"idempotence\":%s,\"transactional\":%s,"
                "\"exit\":%d,"
                "\"sent\":%" PRId64 ",\"acked\":%" PRId64 ",\"failed\":%" PRId64
                ",\"consumed\":%" PRId64 ",\"lost\":%" PRId64 ",\"duplicated\":%" PRId64
                ",\"out_of_order\":%" PRId64 ",\"unacked_written\":%" PRId64
                ",\"offset_mismatch\":%" PRId64 ",\"rewritten\":%" PRId64 ",\"faults\":[",
                drill, topic, idem ? "true" : "false", transactional ? "true" : "false", rc, k.sent,
                k.acked, k.failed, k.consumed, k.lost, k.duplicated, k.out_of_order,
                k.unacked_written, k.offset_mismatch, k.rewritten);
        for (int i = 0; i < nevents; i++) {
            const event_t *e = &events[i];
            fprintf(f,
                    "%s{\"what\":\"%s\",\"unavailable_ms\":%.1f,\"first_ack_after_ms\":%.1f,"
                    "\"leadership_moved_ms\":%.1f,\"isr_full_ms\":%.1f}",
                    i ? "," : "", e->what, w[i].longest_gap / 1e3,
                    w[i].window >= 0 ? w[i].window / 1e3 : -1.0,
                    e->t_moved >= 0 ? (e->t_moved - e->t_fault) / 1e3 : -1.0,
                    e->t_isr >= 0 ? (e->t_isr - e->t_fault) / 1e3 : -1.0);
        }
        fprintf(f, "]}\n");
        fclose(f);
    }
    return rc;
}

/* ---- main ---- */

static int opt_int(const char *name, int def, int min)
{
    const char *v = cli_val(opts, name);
    if (!v) return def;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < min || n > INT_MAX) cli_die(TOOL, "--%s: '%s' is not a valid number", name, v);
    return (int)n;
}

/* <dir of this binary>/..: the repository (bin/kafka-drill) or /opt/kafka-c in the image */
static void root_dir(char *out, size_t n)
{
    char self[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (l <= 0) cli_die(TOOL, "cannot find my own path; give --cluster-dir and --cluster-script");
    self[l] = '\0';
    char *slash = strrchr(self, '/');
    if (slash) *slash = '\0';
    snprintf(out, n, "%s/..", self);
}

int main(int argc, char **argv)
{
    cli_parse(TOOL,
              "Runs a failover drill against a cluster while an idempotent acks=all producer and "
              "a verifying consumer run, and reports what was lost.",
              opts, argc, argv);
    const char *drill = cli_val(opts, "drill");
    if (!drill) cli_die(TOOL, "--drill is required (see --help)");
    t0 = now_us();

    static cluster_t cl;
    if (cli_val(opts, "compose-project")) {
        cluster_compose(&cl, cli_val(opts, "compose-project"));
    } else {
        char dir[PATH_MAX];
        if (cli_val(opts, "cluster-dir")) {
            snprintf(dir, sizeof(dir), "%s", cli_val(opts, "cluster-dir"));
        } else {
            char root[PATH_MAX - 16];
            root_dir(root, sizeof(root));
            snprintf(dir, sizeof(dir), "%s/tmp/cluster", root);
        }
        cluster_process(&cl, dir);
    }
    if (cli_val(opts, "cluster-script")) {
        snprintf(cl.script, sizeof(cl.script), "%s", cli_val(opts, "cluster-script"));
    } else {
        char root[PATH_MAX - 32];
        root_dir(root, sizeof(root));
        snprintf(cl.script, sizeof(cl.script), "%s/scripts/cluster.sh", root);
    }
    if (cli_val(opts, "bootstrap-server"))
        snprintf(cl.bootstrap, sizeof(cl.bootstrap), "%s", cli_val(opts, "bootstrap-server"));
    if (!cl.bootstrap[0]) cli_die(TOOL, "no bootstrap servers known; give --bootstrap-server");
    cli_command_security(TOOL, cli_val(opts, "command-config")); /* the metadata polls too */

    bool idem = !cli_has(opts, "no-idempotence");
    transactional = cli_has(opts, "transactional");
    commit_interval_ms = opt_int("commit-interval-ms", 100, 1);
    if (transactional && !idem) cli_die(TOOL, "--transactional needs idempotence");
    rate = opt_int("rate", 200, 1);
    int warmup_s = opt_int("warmup-s", 5, 0);
    int tail_s = opt_int("tail-s", 5, 0);
    int recover_s = opt_int("recover-timeout-s", 120, 1);
    /* A fault shorter than the ZooKeeper session is not seen as a broker loss: by default it
     * outlasts the session (kill, isolate) or outlasts it clearly (SIGSTOP). */
    int session_s = (cl.session_timeout_ms + 999) / 1000;
    int down_def = session_s + 4 > 10 ? session_s + 4 : 10;
    if (strcmp(drill, "stop-leader") == 0) down_def = session_s + 6;
    if (strcmp(drill, "full-restart") == 0) down_def = 2;
    int down_s = opt_int("down-s", down_def, 0);
    int target = opt_int("broker", 0, 0);

    {
        unsigned long long r =
            (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20);
        FILE *u = fopen("/dev/urandom", "r");
        if (u) {
            if (fread(&r, sizeof(r), 1, u) != 1) r ^= (unsigned long long)now_us();
            fclose(u);
        }
        snprintf(run_id, sizeof(run_id), "%016llx", r);
    }
    if (cli_val(opts, "topic"))
        snprintf(topic, sizeof(topic), "%s", cli_val(opts, "topic"));
    else
        snprintf(topic, sizeof(topic), "drill-%s-%d", drill, (int)getpid());

    int budget = warmup_s + tail_s + (down_s + recover_s) * (cl.nbrokers + 1) + 420;
    pthread_t wd;
    pthread_create(&wd, NULL, watchdog_main, (void *)(intptr_t)budget);
    pthread_detach(wd);
    sh.dv = dv_new();
    for (int p = 0; p < MAX_PARTS; p++) sh.end_offsets[p] = -1;
    undo.c = &cl;
    atexit(undo_pending);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    /* metadata and admin handle */
    char err[512];
    rd_kafka_conf_t *mconf = drill_conf(cl.bootstrap);
    rd_kafka_t *meta = rd_kafka_new(RD_KAFKA_PRODUCER, mconf, err, sizeof(err));
    if (!meta) cli_die(TOOL, "%s", err);
    /* a cluster just started may take a while to answer everyone (seen once: not within
     * 15 s of cluster.sh saying its brokers listen) */
    const rd_kafka_metadata_t *md = NULL;
    int64_t reach_by = now_us() + 60000000;
    while (rd_kafka_metadata(meta, 0, NULL, &md, 5000) != 0) {
        md = NULL;
        if (now_us() > reach_by)
            cli_die(TOOL, "cannot reach the brokers at %s in 60 s", cl.bootstrap);
    }
    int live_brokers = md->broker_cnt;
    rd_kafka_metadata_destroy(md);
    int rf = opt_int("replication-factor", live_brokers < 3 ? live_brokers : 3, 1);
    int min_isr = opt_int("min-insync-replicas", rf < 2 ? rf : 2, 1);
    nparts = opt_int("partitions", 1, 1);
    if (nparts > MAX_PARTS) cli_die(TOOL, "--partitions: at most %d", MAX_PARTS);
    say("%s drill on %s %s (%d brokers, %d ZooKeeper nodes), bootstrap %s", drill,
        cl.kind == CL_PROCESS ? "process cluster" : "compose project",
        cl.kind == CL_PROCESS ? cl.dir : cl.project, cl.nbrokers, cl.nzks, cl.bootstrap);
    if (create_topic(meta, nparts, rf, min_isr) != 0) cli_die(TOOL, "cannot create %s", topic);
    learn_brokers(meta);
    tstate_t ts = {0};
    int64_t deadline = now_us() + 60000000;
    while ((topic_state(-1, &ts, 5000) != 0 || ts.nparts < 1 || leader_of(0) < 0) &&
           now_us() < deadline)
        sleep_ms(250);
    if (ts.nparts < 1) cli_die(TOOL, "topic %s has no leader after 60 s", topic);
    nparts = ts.nparts < MAX_PARTS ? ts.nparts : MAX_PARTS;
    say("topic %s: %d partition(s), leader of partition 0: broker %d", topic, nparts, ts.leader[0]);

    /* producer */
    rd_kafka_conf_t *pconf = drill_conf(cl.bootstrap);
    cli_conf_set(TOOL, pconf, "acks", "all");
    cli_conf_set(TOOL, pconf, "enable.idempotence", idem ? "true" : "false");
    cli_conf_set(TOOL, pconf, "linger.ms", "5");
    cli_conf_set(TOOL, pconf, "message.timeout.ms", "300000");
    cli_conf_set(TOOL, pconf, "retry.backoff.ms", "100");
    /* Java clients' 1 s, not librdkafka's 10 s: while a broker is down the backoff grows, and
     * when it returns as a new leader a producer could sit out the rest of it (6 s seen). */
    cli_conf_set(TOOL, pconf, "reconnect.backoff.max.ms", "1000");
    cli_opt_t *pp = cli_opt(opts, "producer-property");
    for (int i = 0; i < pp->nvals; i++) cli_conf_kv(TOOL, pconf, pp->vals[i]);
    rd_kafka_conf_set_dr_msg_cb(pconf, dr_cb);
    rd_kafka_conf_set_error_cb(pconf, error_cb);
    char tid[64];
    snprintf(tid, sizeof(tid), "kafka-drill-%s", run_id);
    if (transactional) {
        cli_conf_set(TOOL, pconf, "transactional.id", tid);
        /* librdkafka wants message.timeout.ms <= transaction.timeout.ms */
        cli_conf_set(TOOL, pconf, "transaction.timeout.ms", "300000");
    }
    rd_kafka_t *prod = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof(err));
    if (!prod) cli_die(TOOL, "%s", err);
    if (transactional) {
        rd_kafka_error_t *te = rd_kafka_init_transactions(prod, 60000);
        if (te) cli_die(TOOL, "init_transactions: %s", rd_kafka_error_string(te));
    }

    consumer_t live = {consumer_new(cl.bootstrap), true};
    pthread_t pt, ct;
    pthread_create(&pt, NULL, producer_main, prod);
    pthread_create(&ct, NULL, consumer_main, &live);

    /* warm-up: acknowledgements flowing and a full ISR */
    deadline = now_us() + 60000000;
    for (;;) {
        pthread_mutex_lock(&sh.mu);
        int64_t acked = dv_nacked(sh.dv);
        pthread_mutex_unlock(&sh.mu);
        if (acked > 0) break;
        if (now_us() > deadline) {
            drill_fail("no acknowledgement in 60 s (%s)",
                       sh.last_error[0] ? sh.last_error : "no error reported");
            break;
        }
        sleep_ms(100);
    }
    if (!failed_run && wait_isr_full(-1, 60) < 0)
        drill_fail("the ISR of %s is not full before the drill", topic);
    if (!failed_run) {
        say("producing: first acknowledgements received, ISR full; warming up %d s", warmup_s);
        sleep_ms((int64_t)warmup_s * 1000);
        drill_ctx_t d = {&cl, meta, down_s * 1000, recover_s, target};
        run_drill(&d, drill);
        say("tail: producing %d s more", tail_s);
        sleep_ms((int64_t)tail_s * 1000);
    }

    sh.stop_producing = 1;
    pthread_join(pt, NULL);
    say("stopped producing after %" PRId64 " messages; flushing", sh.sent);
    if (rd_kafka_flush(prod, 60000) != 0) {
        say("flush timed out; %d message(s) still in flight are not acknowledged",
            rd_kafka_outq_len(prod));
        rd_kafka_purge(prod, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(prod, 1000);
    }

    /* the log as it is now: its end, then a final pass from the beginning */
    bool complete = true;
    for (int p = 0; p < nparts; p++) {
        int64_t lo, hi;
        rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__FAIL;
        for (int i = 0; i < 20 && e; i++) {
            e = rd_kafka_query_watermark_offsets(meta, topic, p, &lo, &hi, 5000);
            if (e) { /* e.g. NOT_LEADER: librdkafka asks the leader it last knew of */
                const rd_kafka_metadata_t *md;
                if (rd_kafka_metadata(meta, 1, NULL, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR)
                    rd_kafka_metadata_destroy(md);
                sleep_ms(500);
            }
        }
        if (e) {
            say("cannot read the end offset of %s-%d: %s", topic, p, rd_kafka_err2str(e));
            complete = false;
            hi = 0;
        }
        sh.end_offsets[p] = hi;
    }
    sh.stop_consuming = 1;
    pthread_join(ct, NULL);
    rd_kafka_consumer_close(live.rk);
    rd_kafka_destroy(live.rk);
    sh.stop_consuming = 0;
    for (int p = 0; p < nparts; p++) sh.next_offsets[p] = 0;
    consumer_t final = {consumer_new(cl.bootstrap), false};
    pthread_create(&ct, NULL, consumer_main, &final);
    deadline = now_us() + 120000000;
    for (;;) {
        pthread_mutex_lock(&sh.mu);
        bool done = consumer_at_end();
        pthread_mutex_unlock(&sh.mu);
        if (done) break;
        if (now_us() > deadline) {
            say("the final read did not reach the end of the log in 120 s");
            complete = false;
            break;
        }
        sleep_ms(100);
    }
    sh.stop_consuming = 1;
    pthread_join(ct, NULL);
    say("read the log back (end offsets%s)", complete ? " reached" : " NOT reached");
    rd_kafka_consumer_close(final.rk);
    rd_kafka_destroy(final.rk);

    int rc = report(drill, &cl, rf, min_isr, idem, cli_val(opts, "report-json"), complete);
    rd_kafka_destroy(prod);
    rd_kafka_destroy(meta);
    dv_free(sh.dv);
    return rc;
}
