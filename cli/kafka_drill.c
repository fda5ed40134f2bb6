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
 * verifier under one mutex. The parts are listed in drill.h. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "drill.h"

cli_opt_t dr_opts[] = {
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

dr_undo_t dr_undo;

static void undo_pending(void)
{
    if (!dr_undo.pending) return;
    dr_undo.pending = false;
    fprintf(stderr, "%s: undoing the fault on %s (%s)\n", TOOL, dr_undo.n->name,
            dr_act_names[dr_undo.undo]);
    dr_node_act(dr_undo.c, dr_undo.n, dr_undo.undo);
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
    dr_sleep_ms((int64_t)(intptr_t)arg * 1000);
    fprintf(stderr, "%s: watchdog: the drill is still running after %d s; giving up\n", TOOL,
            (int)(intptr_t)arg);
    printf("result: FAIL: the drill did not finish in time (watchdog)\n");
    fflush(stdout);
    undo_pending();
    _exit(2);
    return NULL;
}

/* ---- main ---- */

static int opt_int(const char *name, int def, int min)
{
    const char *v = cli_val(dr_opts, name);
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

/* The cluster (--compose-project or --cluster-dir), its script and bootstrap servers. */
static void setup_cluster(dr_cluster_t *cl)
{
    if (cli_val(dr_opts, "compose-project")) {
        dr_cluster_compose(cl, cli_val(dr_opts, "compose-project"));
    } else {
        char dir[PATH_MAX];
        if (cli_val(dr_opts, "cluster-dir")) {
            snprintf(dir, sizeof(dir), "%s", cli_val(dr_opts, "cluster-dir"));
        } else {
            char root[PATH_MAX - 16];
            root_dir(root, sizeof(root));
            snprintf(dir, sizeof(dir), "%s/tmp/cluster", root);
        }
        dr_cluster_process(cl, dir);
    }
    if (cli_val(dr_opts, "cluster-script")) {
        snprintf(cl->script, sizeof(cl->script), "%s", cli_val(dr_opts, "cluster-script"));
    } else {
        char root[PATH_MAX - 32];
        root_dir(root, sizeof(root));
        snprintf(cl->script, sizeof(cl->script), "%s/scripts/cluster.sh", root);
    }
    if (cli_val(dr_opts, "bootstrap-server"))
        snprintf(cl->bootstrap, sizeof(cl->bootstrap), "%s", cli_val(dr_opts, "bootstrap-server"));
    if (!cl->bootstrap[0]) cli_die(TOOL, "no bootstrap servers known; give --bootstrap-server");
    cli_command_security(TOOL, cli_val(dr_opts, "command-config")); /* the metadata polls too */
}

/* The run's timing options. */
typedef struct run_opts {
    bool idem;
    int warmup_s, tail_s, recover_s, down_s, target;
} run_opts_t;

static void parse_run(const char *drill, const dr_cluster_t *cl, run_opts_t *r)
{
    r->idem = !cli_has(dr_opts, "no-idempotence");
    dr_transactional = cli_has(dr_opts, "transactional");
    dr_commit_interval_ms = opt_int("commit-interval-ms", 100, 1);
    if (dr_transactional && !r->idem) cli_die(TOOL, "--transactional needs idempotence");
    dr_rate = opt_int("rate", 200, 1);
    r->warmup_s = opt_int("warmup-s", 5, 0);
    r->tail_s = opt_int("tail-s", 5, 0);
    r->recover_s = opt_int("recover-timeout-s", 120, 1);
    /* A fault shorter than the ZooKeeper session is not seen as a broker loss: by default it
     * outlasts the session (kill, isolate) or outlasts it clearly (SIGSTOP). */
    int session_s = (cl->session_timeout_ms + 999) / 1000;
    int down_def = session_s + 4 > 10 ? session_s + 4 : 10;
    if (strcmp(drill, "stop-leader") == 0) down_def = session_s + 6;
    if (strcmp(drill, "full-restart") == 0) down_def = 2;
    r->down_s = opt_int("down-s", down_def, 0);
    r->target = opt_int("broker", 0, 0);

    unsigned long long rnd = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20);
    FILE *u = fopen("/dev/urandom", "r");
    if (u) {
        if (fread(&rnd, sizeof(rnd), 1, u) != 1) rnd ^= (unsigned long long)dr_now_us();
        fclose(u);
    }
    snprintf(dr_run_id, sizeof(dr_run_id), "%016llx", rnd);
    if (cli_val(dr_opts, "topic"))
        snprintf(dr_topic, sizeof(dr_topic), "%s", cli_val(dr_opts, "topic"));
    else
        snprintf(dr_topic, sizeof(dr_topic), "drill-%s-%d", drill, (int)getpid());
}

/* The metadata and admin handle, once the cluster answers; the topic created (RF and
 * min.insync.replicas into *rf, *min_isr) and led. */
static rd_kafka_t *setup_topic(const char *drill, const dr_cluster_t *cl, int *rf, int *min_isr)
{
    char err[512];
    rd_kafka_conf_t *mconf = dr_conf(cl->bootstrap);
    rd_kafka_t *meta = rd_kafka_new(RD_KAFKA_PRODUCER, mconf, err, sizeof(err));
    if (!meta) cli_die(TOOL, "%s", err);
    /* a cluster just started may take a while to answer everyone (seen once: not within
     * 15 s of cluster.sh saying its brokers listen) */
    const rd_kafka_metadata_t *md = NULL;
    int64_t reach_by = dr_now_us() + 60000000;
    while (rd_kafka_metadata(meta, 0, NULL, &md, 5000) != 0) {
        md = NULL;
        if (dr_now_us() > reach_by)
            cli_die(TOOL, "cannot reach the brokers at %s in 60 s", cl->bootstrap);
    }
    int live_brokers = md->broker_cnt;
    rd_kafka_metadata_destroy(md);
    *rf = opt_int("replication-factor", live_brokers < 3 ? live_brokers : 3, 1);
    *min_isr = opt_int("min-insync-replicas", *rf < 2 ? *rf : 2, 1);
    dr_nparts = opt_int("partitions", 1, 1);
    if (dr_nparts > MAX_PARTS) cli_die(TOOL, "--partitions: at most %d", MAX_PARTS);
    dr_say("%s drill on %s %s (%d brokers, %d ZooKeeper nodes), bootstrap %s", drill,
           cl->kind == CL_PROCESS ? "process cluster" : "compose project",
           cl->kind == CL_PROCESS ? cl->dir : cl->project, cl->nbrokers, cl->nzks, cl->bootstrap);
    if (dr_create_topic(meta, dr_nparts, *rf, *min_isr) != 0)
        cli_die(TOOL, "cannot create %s", dr_topic);
    dr_learn_brokers(meta);
    dr_tstate_t ts = {0};
    int64_t deadline = dr_now_us() + 60000000;
    while ((dr_topic_state(-1, &ts, 5000) != 0 || ts.nparts < 1 || dr_leader_of(0) < 0) &&
           dr_now_us() < deadline)
        dr_sleep_ms(250);
    if (ts.nparts < 1) cli_die(TOOL, "topic %s has no leader after 60 s", dr_topic);
    dr_nparts = ts.nparts < MAX_PARTS ? ts.nparts : MAX_PARTS;
    dr_say("topic %s: %d partition(s), leader of partition 0: broker %d", dr_topic, dr_nparts,
           ts.leader[0]);
    return meta;
}

/* Warm-up (acknowledgements flowing and a full ISR), the drill, then the tail. */
static void drive(dr_cluster_t *cl, rd_kafka_t *meta, const char *drill, const run_opts_t *r)
{
    int64_t deadline = dr_now_us() + 60000000;
    for (;;) {
        pthread_mutex_lock(&dr_sh.mu);
        int64_t acked = dv_nacked(dr_sh.dv);
        pthread_mutex_unlock(&dr_sh.mu);
        if (acked > 0) break;
        if (dr_now_us() > deadline) {
            dr_fail("no acknowledgement in 60 s (%s)",
                    dr_sh.last_error[0] ? dr_sh.last_error : "no error reported");
            break;
        }
        dr_sleep_ms(100);
    }
    if (!dr_failed_run && dr_wait_isr_full(-1, 60) < 0)
        dr_fail("the ISR of %s is not full before the drill", dr_topic);
    if (dr_failed_run) return;
    dr_say("producing: first acknowledgements received, ISR full; warming up %d s", r->warmup_s);
    dr_sleep_ms((int64_t)r->warmup_s * 1000);
    dr_ctx_t d = {cl, meta, r->down_s * 1000, r->recover_s, r->target};
    dr_run_drill(&d, drill);
    dr_say("tail: producing %d s more", r->tail_s);
    dr_sleep_ms((int64_t)r->tail_s * 1000);
}

/* The end offsets of the log as it is now; false when one could not be read. */
static bool end_offsets(rd_kafka_t *meta)
{
    bool complete = true;
    for (int p = 0; p < dr_nparts; p++) {
        int64_t lo, hi;
        rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__FAIL;
        for (int i = 0; i < 20 && e; i++) {
            e = rd_kafka_query_watermark_offsets(meta, dr_topic, p, &lo, &hi, 5000);
            if (e) { /* e.g. NOT_LEADER: librdkafka asks the leader it last knew of */
                const rd_kafka_metadata_t *md;
                if (rd_kafka_metadata(meta, 1, NULL, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR)
                    rd_kafka_metadata_destroy(md);
                dr_sleep_ms(500);
            }
        }
        if (e) {
            dr_say("cannot read the end offset of %s-%d: %s", dr_topic, p, rd_kafka_err2str(e));
            complete = false;
            hi = 0;
        }
        dr_sh.end_offsets[p] = hi;
    }
    return complete;
}

/* Stop the live consumer (thread ct) at the log's end, then read the whole log again from the
 * beginning; false when the end was not reached. */
static bool read_back(rd_kafka_t *meta, const char *bootstrap, dr_consumer_t *live, pthread_t ct)
{
    bool complete = end_offsets(meta);
    dr_sh.stop_consuming = 1;
    pthread_join(ct, NULL);
    rd_kafka_consumer_close(live->rk);
    rd_kafka_destroy(live->rk);
    dr_sh.stop_consuming = 0;
    for (int p = 0; p < dr_nparts; p++) dr_sh.next_offsets[p] = 0;
    dr_consumer_t final = {dr_consumer_new(bootstrap), false};
    pthread_create(&ct, NULL, dr_consumer_main, &final);
    int64_t deadline = dr_now_us() + 120000000;
    for (;;) {
        pthread_mutex_lock(&dr_sh.mu);
        bool done = dr_consumer_at_end();
        pthread_mutex_unlock(&dr_sh.mu);
        if (done) break;
        if (dr_now_us() > deadline) {
            dr_say("the final read did not reach the end of the log in 120 s");
            complete = false;
            break;
        }
        dr_sleep_ms(100);
    }
    dr_sh.stop_consuming = 1;
    pthread_join(ct, NULL);
    dr_say("read the log back (end offsets%s)", complete ? " reached" : " NOT reached");
    rd_kafka_consumer_close(final.rk);
    rd_kafka_destroy(final.rk);
    return complete;
}

int main(int argc, char **argv)
{
    cli_parse(TOOL,
              "Runs a failover drill against a cluster while an idempotent acks=all producer and "
              "a verifying consumer run, and reports what was lost.",
              dr_opts, argc, argv);
    const char *drill = cli_val(dr_opts, "drill");
    if (!drill) cli_die(TOOL, "--drill is required (see --help)");
    dr_t0 = dr_now_us();

    static dr_cluster_t cl;
    setup_cluster(&cl);
    run_opts_t r;
    parse_run(drill, &cl, &r);

    int budget = r.warmup_s + r.tail_s + (r.down_s + r.recover_s) * (cl.nbrokers + 1) + 420;
    pthread_t wd;
    pthread_create(&wd, NULL, watchdog_main, (void *)(intptr_t)budget);
    pthread_detach(wd);
    dr_sh.dv = dv_new();
    for (int p = 0; p < MAX_PARTS; p++) dr_sh.end_offsets[p] = -1;
    dr_undo.c = &cl;
    atexit(undo_pending);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    int rf, min_isr;
    rd_kafka_t *meta = setup_topic(drill, &cl, &rf, &min_isr);
    rd_kafka_t *prod = dr_producer_new(cl.bootstrap, r.idem);
    dr_consumer_t live = {dr_consumer_new(cl.bootstrap), true};
    pthread_t pt, ct;
    pthread_create(&pt, NULL, dr_producer_main, prod);
    pthread_create(&ct, NULL, dr_consumer_main, &live);

    drive(&cl, meta, drill, &r);

    dr_sh.stop_producing = 1;
    pthread_join(pt, NULL);
    dr_say("stopped producing after %" PRId64 " messages; flushing", dr_sh.sent);
    if (rd_kafka_flush(prod, 60000) != 0) {
        dr_say("flush timed out; %d message(s) still in flight are not acknowledged",
               rd_kafka_outq_len(prod));
        rd_kafka_purge(prod, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(prod, 1000);
    }

    bool complete = read_back(meta, cl.bootstrap, &live, ct);
    int rc = dr_report(drill, &cl, rf, min_isr, r.idem, cli_val(dr_opts, "report-json"), complete);
    rd_kafka_destroy(prod);
    rd_kafka_destroy(meta);
    dv_free(dr_sh.dv);
    return rc;
}
