/* cli.c: shared helpers of the command-line tools. */
#include "cli.h"

#include "clireq.h"
#include "clisec.h"

#include "net.h"
#include "proto/kp_metadata.h"
#include "zkauth.h"
#include "zkpath.h"

#include <jansson.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cli_die(const char *tool, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", tool);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

cli_opt_t *cli_opt(cli_opt_t *opts, const char *name)
{
    for (cli_opt_t *o = opts; o->name; o++)
        if (strcmp(o->name, name) == 0) return o;
    return NULL;
}

const char *cli_val(cli_opt_t *opts, const char *name)
{
    cli_opt_t *o = cli_opt(opts, name);
    return o && o->nvals ? o->vals[o->nvals - 1] : NULL;
}

bool cli_has(cli_opt_t *opts, const char *name)
{
    cli_opt_t *o = cli_opt(opts, name);
    return o && o->set;
}

static void cli_usage(const char *tool, const char *summary, cli_opt_t *opts)
{
    printf("%s\nOption                                   Description\n"
           "------                                   -----------\n",
           summary);
    for (cli_opt_t *o = opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof(left), "--%s%s", o->name,
                 o->multi     ? " <String> [...]"
                 : o->has_arg ? " <String>"
                              : "");
        printf("%-40s %s\n", left, o->help);
    }
    (void)tool;
}

static void cli_opt_add(cli_opt_t *o, const char *v)
{
    o->vals = realloc(o->vals, (size_t)(o->nvals + 2) * sizeof(char *));
    if (!o->vals) abort();
    o->vals[o->nvals++] = v;
    o->vals[o->nvals] = NULL;
}

void cli_parse(const char *tool, const char *summary, cli_opt_t *opts, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_usage(tool, summary, opts);
            exit(0);
        }
        if (strncmp(a, "--", 2) != 0)
            cli_die(tool, "unexpected argument '%s' (options start with --; see --help)", a);
        char name[128];
        const char *eq = strchr(a + 2, '=');
        snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - (a + 2) : (long)strlen(a + 2)), a + 2);
        cli_opt_t *o = cli_opt(opts, name);
        if (!o) cli_die(tool, "'%s' is not a recognized option (see --help)", a);
        o->set = true;
        if (o->optional) {
            if (eq)
                cli_opt_add(o, eq + 1);
            else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
                cli_opt_add(o, argv[++i]);
            continue;
        }
        if (!o->has_arg) {
            if (eq) cli_die(tool, "option --%s takes no value", name);
            continue;
        }
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v) cli_die(tool, "option --%s requires an argument", name);
        cli_opt_add(o, v);
        while (o->multi && i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
            cli_opt_add(o, argv[++i]);
    }
}

void cli_conf_set(const char *tool, rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char err[512];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
        cli_die(tool, "invalid property %s=%s: %s", k, v, err);
}

void cli_conf_kv(const char *tool, rd_kafka_conf_t *conf, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) cli_die(tool, "property '%s' is not of the form key=value", kv);
    char k[256];
    snprintf(k, sizeof(k), "%.*s", (int)(eq - kv), kv);
    cli_conf_set(tool, conf, k, eq + 1);
}

void cli_conf_file(const char *tool, rd_kafka_conf_t *conf, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) cli_die(tool, "cannot read %s: %s", path, strerror(errno));
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        char *s = line;
        while (isspace((unsigned char)*s)) s++;
        s[strcspn(s, "\r\n")] = '\0';
        if (!*s || *s == '#' || *s == '!') continue;
        char *eq = strchr(s, '=');
        if (!eq) continue;
        *eq = '\0';
        char *k = s, *v = eq + 1;
        for (char *e = k + strlen(k); e > k && isspace((unsigned char)e[-1]);) *--e = '\0';
        while (isspace((unsigned char)*v)) v++;
        char err[640];
        clisec_rc_t sec = clisec_conf_set(conf, k, v, err, sizeof(err)); /* Java keys: clisec.h */
        if (sec == CLISEC_ERR) cli_die(tool, "%s", err);
        if (sec == CLISEC_SET) continue;
        if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
            fprintf(stderr, "WARN The configuration '%s' was supplied but isn't a known config.\n",
                    k);
    }
    fclose(f);
}

/* Java client keys librdkafka spells differently (value scale: bytes -> kbytes when 1024). */
static const struct {
    const char *java, *rdkafka;
    int div;
} cli_java_keys[] = {
    {"buffer.memory", "queue.buffering.max.kbytes", 1024},
    {"send.buffer.bytes", "socket.send.buffer.bytes", 1},
    {"receive.buffer.bytes", "socket.receive.buffer.bytes", 1},
    {"max.partition.fetch.bytes", "fetch.message.max.bytes", 1},
};

void cli_conf_kv_lenient(const char *tool, rd_kafka_conf_t *conf, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) cli_die(tool, "Invalid property: %s", kv);
    char k[256], err[512];
    snprintf(k, sizeof(k), "%.*s", (int)(eq - kv), kv);
    const char *v = eq + 1;
    rd_kafka_conf_res_t res = rd_kafka_conf_set(conf, k, v, err, sizeof(err));
    if (res == RD_KAFKA_CONF_OK) return;
    if (res == RD_KAFKA_CONF_INVALID) cli_die(tool, "invalid property %s=%s: %s", k, v, err);
    for (size_t i = 0; i < sizeof(cli_java_keys) / sizeof(cli_java_keys[0]); i++) {
        if (strcmp(k, cli_java_keys[i].java) != 0) continue;
        char conv[32];
        long long n = strtoll(v, NULL, 10) / cli_java_keys[i].div;
        snprintf(conv, sizeof(conv), "%lld", n > 0 ? n : 1);
        cli_conf_set(tool, conf, cli_java_keys[i].rdkafka, conv);
        return;
    }
    fprintf(stderr, "WARN The configuration '%s' was supplied but isn't a known config.\n", k);
}

rd_kafka_conf_t *cli_conf_new(const char *tool, const char *bootstrap, const char *client_id)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (bootstrap) cli_conf_set(tool, conf, "bootstrap.servers", bootstrap);
    if (client_id) cli_conf_set(tool, conf, "client.id", client_id);
    cli_conf_set(tool, conf, "log_level", "0");
    return conf;
}

rd_kafka_t *cli_rk_new(const char *tool, rd_kafka_type_t type, rd_kafka_conf_t *conf)
{
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (!rk) cli_die(tool, "%s", err);
    return rk;
}

/* bootstrap.servers of a handle, for messages (static buffer). */
static const char *cli_bootstrap(rd_kafka_t *rk)
{
    static char buf[512];
    size_t sz = sizeof(buf);
    if (rd_kafka_conf_get(rd_kafka_conf(rk), "bootstrap.servers", buf, &sz) != RD_KAFKA_CONF_OK)
        snprintf(buf, sizeof(buf), "(bootstrap.servers unset)");
    return buf;
}

static void cli_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

rd_kafka_t *cli_admin_new(const char *tool, const char *bootstrap, const char *command_config)
{
    rd_kafka_conf_t *conf = cli_conf_new(tool, bootstrap, NULL);
    /* looking a topic up must never create it (a producer handle would ask for that) */
    cli_conf_set(tool, conf, "allow.auto.create.topics", "false");
    if (command_config) {
        cli_conf_file(tool, conf, command_config);
        cli_command_security(tool, command_config); /* the tool's raw-protocol requests too */
    }
    return cli_rk_new(tool, RD_KAFKA_PRODUCER, conf);
}

void cli_command_security(const char *tool, const char *command_config)
{
    if (!command_config) return;
    char err[512];
    if (clireq_set_security(command_config, err, sizeof(err)) != 0) cli_die(tool, "%s", err);
}

void cli_wait_cluster(const char *tool, rd_kafka_t *rk)
{
    const rd_kafka_metadata_t *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, NULL, &md, CLI_REACH_MS);
    if (e)
        cli_die(tool, "cannot reach the brokers at %s within %d ms: %s", cli_bootstrap(rk),
                CLI_REACH_MS, rd_kafka_err2str(e));
    rd_kafka_metadata_destroy(md);
}

rd_kafka_event_t *cli_admin_wait(const char *tool, rd_kafka_queue_t *q, rd_kafka_event_type_t type,
                                 int timeout_ms)
{
    int64_t deadline = cli_mono_ns() / 1000000 + timeout_ms;
    for (;;) {
        int64_t left = deadline - cli_mono_ns() / 1000000;
        rd_kafka_event_t *ev = left > 0 ? rd_kafka_queue_poll(q, (int)left) : NULL;
        if (!ev) cli_die(tool, "timed out after %d ms waiting for the cluster", timeout_ms);
        if (rd_kafka_event_type(ev) == type) return ev;
        rd_kafka_event_destroy(ev);
    }
}

rd_kafka_AdminOptions_t *cli_admin_options(rd_kafka_t *rk, rd_kafka_admin_op_t op, int timeout_ms)
{
    char err[256];
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, op);
    rd_kafka_AdminOptions_set_request_timeout(ao, timeout_ms, err, sizeof(err));
    rd_kafka_AdminOptions_set_operation_timeout(ao, timeout_ms, err, sizeof(err));
    return ao;
}

int cli_topic_partitions(const char *tool, rd_kafka_t *rk, const char *topic, int timeout_ms)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int64_t deadline = cli_mono_ns() / 1000000 + timeout_ms;
    rd_kafka_resp_err_t terr = RD_KAFKA_RESP_ERR_NO_ERROR;
    int nparts = 0, unknown = 0;
    for (;;) {
        int64_t left = deadline - cli_mono_ns() / 1000000;
        const rd_kafka_metadata_t *md;
        int wait = left > CLI_REACH_MS ? CLI_REACH_MS : left > 100 ? (int)left : 100;
        rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, wait);
        if (e)
            cli_die(tool, "cannot reach the brokers at %s within %d ms: %s", cli_bootstrap(rk),
                    wait, rd_kafka_err2str(e));
        terr = md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
        nparts = md->topic_cnt ? md->topics[0].partition_cnt : 0;
        bool leaders = nparts > 0;
        for (int p = 0; p < nparts; p++)
            leaders = leaders && md->topics[0].partitions[p].leader >= 0;
        rd_kafka_metadata_destroy(md);
        if (!terr && leaders) break;
        if (terr && terr != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE &&
            terr != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            cli_die(tool, "topic %s: %s", topic, rd_kafka_err2str(terr));
        /* a consumer never creates topics: a few confirmations that it is unknown suffice; a
         * producer's metadata request asks for auto-creation, which takes a moment */
        if (terr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
            ++unknown >= (rd_kafka_type(rk) == RD_KAFKA_CONSUMER ? 4 : 25))
            break;
        if (cli_mono_ns() / 1000000 >= deadline) break;
        cli_sleep_ms(200);
    }
    rd_kafka_topic_destroy(rkt);
    if (terr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        cli_die(tool, "Topic %s does not exist", topic);
    if (terr || nparts == 0)
        cli_die(tool, "topic %s has no leader for all its partitions after %d ms: %s", topic,
                timeout_ms, rd_kafka_err2str(terr));
    return nparts;
}

bool cli_groups_supported(const char *tool, rd_kafka_t *rk, int timeout_ms)
{
    char err[256];
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *ao =
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
    rd_kafka_AdminOptions_set_request_timeout(ao, timeout_ms, err, sizeof(err));
    rd_kafka_ListConsumerGroups(rk, ao, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 5000);
    rd_kafka_AdminOptions_destroy(ao);
    if (!ev) cli_die(tool, "timed out after %d ms waiting for the cluster", timeout_ms);
    if (rd_kafka_event_error(ev))
        cli_die(tool, "cannot reach the brokers at %s: %s", cli_bootstrap(rk),
                rd_kafka_event_error_string(ev));
    const rd_kafka_ListConsumerGroups_result_t *r = rd_kafka_event_ListConsumerGroups_result(ev);
    size_t nerr = 0;
    const rd_kafka_error_t **errs = r ? rd_kafka_ListConsumerGroups_result_errors(r, &nerr) : NULL;
    bool ok = true;
    for (size_t i = 0; i < nerr; i++) {
        rd_kafka_resp_err_t e = rd_kafka_error_code(errs[i]);
        if (e == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ||
            e == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION)
            ok = false;
        else if (e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR__TRANSPORT)
            cli_die(tool, "cannot reach the brokers at %s: %s", cli_bootstrap(rk),
                    rd_kafka_error_string(errs[i]));
    }
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    return ok;
}

long long cli_ll(const char *tool, cli_opt_t *opts, const char *name, long long dflt, long long min,
                 long long max)
{
    const char *v = cli_val(opts, name);
    if (!v) return dflt;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end) cli_die(tool, "option --%s: '%s' is not a number", name, v);
    if (x < min || x > max)
        cli_die(tool, "option --%s: %lld is out of range [%lld, %lld]", name, x, min, max);
    return x;
}

double cli_double(const char *tool, cli_opt_t *opts, const char *name, double dflt)
{
    const char *v = cli_val(opts, name);
    if (!v) return dflt;
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end) cli_die(tool, "option --%s: '%s' is not a number", name, v);
    return x;
}

void cli_fmt_date(const char *pattern, int64_t wall_ms, char *out, size_t n)
{
    time_t secs = (time_t)(wall_ms / 1000);
    struct tm tm;
    localtime_r(&secs, &tm);
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = pattern; *p && o + 1 < n;) {
        size_t run = 1;
        while (p[run] == *p) run++;
        long v = -1;
        switch (*p) {
        case 'y':
            v = tm.tm_year + 1900;
            break;
        case 'M':
            v = tm.tm_mon + 1;
            break;
        case 'd':
            v = tm.tm_mday;
            break;
        case 'H':
            v = tm.tm_hour;
            break;
        case 'm':
            v = tm.tm_min;
            break;
        case 's':
            v = tm.tm_sec;
            break;
        case 'S':
            v = (long)(wall_ms % 1000);
            break;
        case '\'': {
            const char *q = strchr(p + 1, '\'');
            size_t len = q ? (size_t)(q - p - 1) : strlen(p + 1);
            o += (size_t)snprintf(out + o, n - o, "%.*s", (int)len, p + 1);
            p += len + (q ? 2 : 1);
            continue;
        }
        }
        if (v >= 0) {
            if (*p == 'y' && run == 2) v %= 100;
            o += (size_t)snprintf(out + o, n - o, "%0*ld", (int)run, v);
        } else {
            o += (size_t)snprintf(out + o, n - o, "%.*s", (int)run, p);
        }
        p += run;
        if (o >= n) o = n - 1;
    }
}

int64_t cli_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---------------------------------------------------------------- --print-metrics */

static char *cli_stats_json;
static int64_t cli_stats_at_ns;

static int cli_stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    (void)rk;
    (void)len;
    (void)opaque;
    free(cli_stats_json);
    cli_stats_json = json; /* kept: returning 1 hands the buffer to us */
    cli_stats_at_ns = cli_mono_ns();
    return 1;
}

void cli_stats_enable(const char *tool, rd_kafka_conf_t *conf)
{
    cli_conf_set(tool, conf, "statistics.interval.ms", "1000");
    rd_kafka_conf_set_stats_cb(conf, cli_stats_cb);
}

static double cli_metric_value(json_t *root, const cli_metric_t *m, const char *topic,
                               double elapsed_s, double extra)
{
    double v = 0;
    int n = 0;
    const char *bname;
    json_t *b;
    switch (m->src) {
    case CLI_M_TOP:
    case CLI_M_RATE:
        v = (double)json_integer_value(json_object_get(root, m->key));
        if (m->src == CLI_M_RATE) v = elapsed_s > 0 ? v / elapsed_s : 0;
        break;
    case CLI_M_BROKERS_SUM:
        json_object_foreach(json_object_get(root, "brokers"), bname, b)
        {
            v += (double)json_integer_value(json_object_get(b, m->key));
        }
        break;
    case CLI_M_BROKERS_AVG:
        json_object_foreach(json_object_get(root, "brokers"), bname, b)
        {
            json_t *w = json_object_get(b, m->key);
            if (json_integer_value(json_object_get(w, "cnt")) <= 0) continue;
            v += (double)json_integer_value(json_object_get(w, "avg"));
            n++;
        }
        v = n ? v / n : 0;
        break;
    case CLI_M_TOPIC_AVG:
        v = (double)json_integer_value(json_object_get(
            json_object_get(json_object_get(json_object_get(root, "topics"), topic), m->key),
            "avg"));
        break;
    case CLI_M_VALUE:
        v = extra;
        break;
    }
    return v * (m->scale != 0 ? m->scale : 1);
}

void cli_metrics_print(rd_kafka_t *rk, const cli_metric_t *m, int n, const char *client_id,
                       const char *topic, double elapsed_s, const double *extra)
{
    int64_t asked = cli_mono_ns();
    while (cli_stats_at_ns <= asked && cli_mono_ns() - asked < 3000000000LL) {
        if (rd_kafka_type(rk) == RD_KAFKA_CONSUMER) { /* its queue is the consumer queue */
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
            if (m) rd_kafka_message_destroy(m);
        } else {
            rd_kafka_poll(rk, 100);
        }
    }
    json_t *root = cli_stats_json ? json_loads(cli_stats_json, 0, NULL) : NULL;
    char names[64][192];
    int width = 0;
    if (n > 64) n = 64;
    for (int i = 0; i < n; i++) {
        snprintf(names[i], sizeof(names[i]), "%s:%s:{client-id=%s}", m[i].group, m[i].name,
                 client_id);
        int len = (int)strlen(names[i]);
        if (len > width) width = len;
    }
    printf("\n%-*s   %s\n", width, "Metric Name", "Value");
    for (int i = 0; i < n; i++)
        printf("%-*s : %.3f\n", width, names[i],
               root ? cli_metric_value(root, &m[i], topic, elapsed_s, extra ? extra[i] : 0) : 0.0);
    json_decref(root);
}

/* ---------------------------------------------------------------- ZooKeeper */

static zkauth_t cli_zkauth; /* this process's ZooKeeper login, set by cli_zk_connect */

const struct ACL_vector *cli_zk_acl(const char *path)
{
    return zkauth_acl(&cli_zkauth, path);
}

zhandle_t *cli_zk_connect(const char *tool, const char *conn, int timeout_ms)
{
    /* the client's own connection-retry chatter would bury our one-line errors */
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) zoo_set_log_stream(devnull);
    char err[512];
    zkauth_free(&cli_zkauth);
    if (zkauth_load(&cli_zkauth, false, getenv("KAFKA_OPTS"), err, sizeof(err)) != 0)
        cli_die(tool, "%s", err);
    cli_zkauth.set_acl = zkauth_enabled(&cli_zkauth);
    zhandle_t *zh = zookeeper_init(conn, NULL, timeout_ms, NULL, NULL, 0);
    if (!zh) cli_die(tool, "cannot connect to ZooKeeper at %s: %s", conn, strerror(errno));
    int rc = zkauth_apply(&cli_zkauth, zh);
    if (rc != ZOK) cli_die(tool, "ZooKeeper digest login failed: %s", zerror(rc));
    for (int i = 0; i < timeout_ms / 50; i++) {
        if (zoo_state(zh) == ZOO_CONNECTED_STATE) return zh;
        cli_sleep_ms(50);
    }
    zookeeper_close(zh);
    return NULL;
}

char *cli_zk_get(zhandle_t *zh, const char *path, struct Stat *st)
{
    int len = 1 << 20;
    char *buf = malloc((size_t)len + 1);
    if (!buf) abort();
    struct Stat s;
    int rc = zoo_get(zh, path, 0, buf, &len, &s);
    if (rc != ZOK) {
        free(buf);
        return NULL;
    }
    buf[len < 0 ? 0 : len] = '\0';
    if (st) *st = s;
    return buf;
}

bool cli_zk_exists(zhandle_t *zh, const char *path)
{
    struct Stat st;
    return zoo_exists(zh, path, 0, &st) == ZOK;
}

void cli_zk_mkdirs(zhandle_t *zh, const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        zoo_create(zh, tmp, NULL, -1, cli_zk_acl(tmp), 0, NULL, 0);
        *p = '/';
    }
    zoo_create(zh, tmp, NULL, -1, cli_zk_acl(tmp), 0, NULL, 0);
}

void cli_zk_config_read(zhandle_t *zh, const char *path, zkpath_config_t *cs)
{
    memset(cs, 0, sizeof(*cs));
    char *data = cli_zk_get(zh, path, NULL);
    if (data && *data && zkpath_config_parse(data, &cs->n, &cs->keys, &cs->vals) != KERR_NONE)
        memset(cs, 0, sizeof(*cs));
    free(data);
}

int cli_zk_config_write(zhandle_t *zh, const char *path, const char *entity_type,
                        const char *entity_name, const zkpath_config_t *cs)
{
    char *json =
        zkpath_config_json(cs->n, (const char *const *)cs->keys, (const char *const *)cs->vals);
    int rc = zoo_set(zh, path, json, (int)strlen(json), -1);
    if (rc == ZNONODE) {
        char parent[512];
        snprintf(parent, sizeof(parent), "%s", path);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) *slash = '\0';
        cli_zk_mkdirs(zh, parent);
        rc = zoo_create(zh, path, json, (int)strlen(json), cli_zk_acl(path), 0, NULL, 0);
    }
    free(json);
    if (rc != ZOK) return rc;
    char entity[600];
    zkpath_config_entity(entity, sizeof(entity), entity_type, entity_name);
    char *notice = zkpath_config_change_json(entity);
    cli_zk_mkdirs(zh, ZKPATH_CONFIG_CHANGES);
    rc = zoo_create(zh, ZKPATH_CONFIG_CHANGE_PREFIX, notice, (int)strlen(notice),
                    cli_zk_acl(ZKPATH_CONFIG_CHANGES), ZOO_SEQUENCE, NULL, 0);
    free(notice);
    return rc;
}

/* ---------------------------------------------------------------- Java names */

static const struct {
    rd_kafka_resp_err_t err;
    const char *name;
} cli_exceptions[] = {
    {RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "UnknownTopicOrPartitionException"},
    {RD_KAFKA_RESP_ERR_INVALID_CONFIG, "InvalidConfigurationException"},
    {RD_KAFKA_RESP_ERR_INVALID_REQUEST, "InvalidRequestException"},
    {RD_KAFKA_RESP_ERR_POLICY_VIOLATION, "PolicyViolationException"},
    {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, "TimeoutException"},
    {RD_KAFKA_RESP_ERR__TIMED_OUT, "TimeoutException"},
    {RD_KAFKA_RESP_ERR__TRANSPORT, "TimeoutException"},
    {RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND, "GroupIdNotFoundException"},
    {RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP, "GroupNotEmptyException"},
    {RD_KAFKA_RESP_ERR_INVALID_GROUP_ID, "InvalidGroupIdException"},
    {RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, "CoordinatorNotAvailableException"},
    {RD_KAFKA_RESP_ERR_NOT_COORDINATOR, "NotCoordinatorException"},
    {RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID, "UnknownMemberIdException"},
    {RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE, "UnsupportedVersionException"},
    {RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION, "UnsupportedVersionException"},
    {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "TopicAuthorizationException"},
    {RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED, "GroupAuthorizationException"},
};

const char *cli_java_exception(rd_kafka_resp_err_t err)
{
    static char buf[128];
    for (size_t i = 0; i < sizeof(cli_exceptions) / sizeof(cli_exceptions[0]); i++)
        if (cli_exceptions[i].err == err) {
            snprintf(buf, sizeof(buf), "org.apache.kafka.common.errors.%s", cli_exceptions[i].name);
            return buf;
        }
    return "org.apache.kafka.common.KafkaException";
}

void cli_parse_or_usage(const char *tool, const char *summary, cli_opt_t *opts, int argc,
                        char **argv)
{
    if (argc <= 1) {
        cli_usage(tool, summary, opts);
        exit(0);
    }
    cli_parse(tool, summary, opts, argc, argv);
}

bool cli_metadata_from(const char *host, int port, int n, const char *const *topics, int timeout_ms,
                       cli_md_t *out)
{
    enum { VER = 12 };
    memset(out, 0, sizeof(*out));
    arena_init(&out->arena);
    kp_metadata_req_topic_t *rt = calloc((size_t)n + 1, sizeof(*rt));
    for (int i = 0; i < n; i++) rt[i].name = KSTR(topics[i]);
    kp_metadata_req_t req = {.ntopics = n, .topics = rt};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_metadata_req_encode(&wb, VER, &req);
    free(rt);
    bool ok = false;
    int fd = clireq_open(host, port, timeout_ms);
    size_t len, hdr;
    if (fd >= 0 &&
        clireq_call(fd, KAPI_METADATA, VER, true, "kafka-topics", &wb, &out->body, &len, &hdr)) {
        rbuf_t rb;
        rbuf_init(&rb, out->body + hdr, len - hdr);
        ok = kp_metadata_resp_decode(&rb, VER, &out->arena, &out->resp) == KERR_NONE;
    }
    if (fd >= 0) close(fd);
    wbuf_free(&wb);
    if (!ok) cli_md_free(out);
    return ok;
}

bool cli_request(const char *bootstrap, int16_t api_key, int16_t ver, const wbuf_t *req,
                 int timeout_ms, uint8_t **body, size_t *len)
{
    char host[256];
    snprintf(host, sizeof(host), "%.*s", (int)strcspn(bootstrap, ","), bootstrap);
    char *colon = strrchr(host, ':');
    if (!colon) return false;
    *colon = '\0';
    int port = atoi(colon + 1);
    int fd = clireq_open(host, port, timeout_ms);
    if (fd < 0) return false;
    uint8_t *all;
    size_t n, hdr;
    bool ok = clireq_call(fd, api_key, ver, true, "kafka-configs", req, &all, &n, &hdr);
    close(fd);
    if (!ok) return false;
    memmove(all, all + hdr, n - hdr);
    *body = all;
    *len = n - hdr;
    return true;
}

void cli_md_free(cli_md_t *m)
{
    free(m->body);
    m->body = NULL;
    arena_free(&m->arena);
}

bool cli_topic_ids(const rd_kafka_metadata_t *md, int n, const char *const *topics,
                   uint8_t (*ids)[16], int timeout_ms)
{
    memset(ids, 0, sizeof(*ids) * (size_t)n);
    for (int b = 0; b < md->broker_cnt; b++) {
        cli_md_t m;
        if (!cli_metadata_from(md->brokers[b].host, md->brokers[b].port, n, topics, timeout_ms, &m))
            continue;
        for (int32_t t = 0; t < m.resp.ntopics; t++)
            for (int i = 0; i < n; i++)
                if (m.resp.topics[t].error_code == 0 && kstr_eq(m.resp.topics[t].name, topics[i]))
                    memcpy(ids[i], m.resp.topics[t].topic_id, 16);
        cli_md_free(&m);
        return true;
    }
    return false;
}
