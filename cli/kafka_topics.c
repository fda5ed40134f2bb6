/* kafka_topics.c: kafka-topics, as Kafka's tool: --create --describe --list --delete --alter,
 * either through ZooKeeper directly (--zookeeper host:port[/chroot], writing the znodes the
 * controller watches, as Kafka's old tool did) or through the Admin API (--bootstrap-server,
 * librdkafka). Output lines follow Kafka's. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include "assign.h"
#include "cli.h"
#include "md.h"
#include "tcfg.h"
#include "zkpath.h"

#define TOOL          "kafka-topics"
#define ZK_TIMEOUT_MS 10000

static cli_opt_t opts[] = {
    CLI_OPT("zookeeper", true,
            "ZooKeeper connection string host:port[/chroot] (talks to ZooKeeper directly)"),
    CLI_OPT("bootstrap-server", true, "Kafka server(s) to connect to (Admin API)"),
    CLI_OPT("command-config", true, "Properties file for the admin client"),
    CLI_OPT("create", false, "Create a new topic"),
    CLI_OPT("delete", false, "Delete a topic"),
    CLI_OPT("describe", false, "List details for the given topics"),
    CLI_OPT("list", false, "List all available topics"),
    CLI_OPT("alter", false, "Alter the number of partitions or the configs of a topic"),
    CLI_OPT("topic", true, "The topic to create, alter, describe or delete"),
    CLI_OPT("partitions", true, "The number of partitions for the topic"),
    CLI_OPT("replication-factor", true, "The replication factor for each partition"),
    CLI_OPT("replica-assignment", true, "Manual assignment: broker_id_for_part1_replica1:...,..."),
    CLI_OPT("config", true, "A topic configuration override key=value (repeatable)"),
    CLI_OPT("delete-config", true, "A topic configuration override to remove (with --alter)"),
    CLI_OPT("if-not-exists", false, "With --create: only create the topic if it does not exist"),
    CLI_OPT("if-exists", false,
            "With --alter, --describe or --delete: only act if the topic exists"),
    CLI_OPT("under-replicated-partitions", false,
            "With --describe: only partitions whose ISR is short"),
    CLI_OPT("unavailable-partitions", false,
            "With --describe: only partitions without a live leader"),
    CLI_OPT("under-min-isr-partitions", false,
            "With --describe: only partitions whose ISR is smaller than the topic's "
            "min.insync.replicas (or without a leader). Not supported with --zookeeper"),
    CLI_OPT("at-min-isr-partitions", false,
            "With --describe: only partitions whose ISR size equals the topic's "
            "min.insync.replicas. Not supported with --zookeeper"),
    CLI_OPT("exclude-internal", false, "Exclude internal topics from --list and --describe"),
    CLI_OPT("disable-rack-aware", false,
            "Disable rack aware replica assignment (--zookeeper --create only: with "
            "--bootstrap-server the broker assigns, as with Kafka's tool)"),
    CLI_END,
};

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "Error while executing topic command : ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static int parse_int(const char *name, const char *v)
{
    char *end;
    errno = 0;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || errno || *end || x < -1 || x > 1000000)
        cli_die(TOOL, "invalid --%s '%s'", name, v ? v : "");
    return (int)x;
}

/* ------------------------------------------------------------------ ZooKeeper mode */

static zhandle_t *zk_connect(const char *conn)
{
    zhandle_t *zh = cli_zk_connect(TOOL, conn, ZK_TIMEOUT_MS);
    if (!zh) fail("Timed out waiting for connection to ZooKeeper at %s", conn);
    return zh;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Live broker ids, sorted. */
static int zk_brokers(zhandle_t *zh, int32_t *ids, int max)
{
    struct String_vector sv;
    if (zoo_get_children(zh, ZKPATH_BROKER_IDS, 0, &sv) != ZOK) return 0;
    int n = 0;
    for (int i = 0; i < sv.count && n < max; i++) ids[n++] = atoi(sv.data[i]);
    deallocate_String_vector(&sv);
    qsort(ids, (size_t)n, sizeof(int32_t), cmp_i32);
    return n;
}

/* Live brokers (sorted by id) with the rack of their registration ("" = none). */
static int zk_broker_racks(zhandle_t *zh, assign_broker_t *out, int max)
{
    int32_t ids[ASSIGN_MAX_BROKERS];
    int n = zk_brokers(zh, ids, max < ASSIGN_MAX_BROKERS ? max : ASSIGN_MAX_BROKERS);
    for (int i = 0; i < n; i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%d", ZKPATH_BROKER_IDS, ids[i]);
        md_broker_t b;
        memset(&b, 0, sizeof(b));
        char *data = cli_zk_get(zh, path, NULL);
        if (data) zkpath_broker_parse(data, &b);
        free(data);
        out[i].id = ids[i];
        snprintf(out[i].rack, sizeof(out[i].rack), "%s", b.rack);
    }
    return n;
}

/* Kafka's AdminZkClient.getBrokerMetadatas + assignReplicasToBrokers for the --zookeeper
 * paths: with rack awareness enforced, some brokers with a rack and some without is an error;
 * disabled, racks are ignored. start < 0: random start and shift, as Kafka. */
static void zk_assign(zhandle_t *zh, bool rack_aware, int32_t first, int32_t nparts, int32_t rf,
                      int32_t first_replica, int32_t *out)
{
    assign_broker_t b[ASSIGN_MAX_BROKERS];
    int nb = zk_broker_racks(zh, b, ASSIGN_MAX_BROKERS);
    if (rack_aware && assign_racks_mixed(b, nb))
        fail("Not all brokers have rack information. Add --disable-rack-aware in command line to "
             "make replica assignment without rack information.");
    if (rf > nb) fail("Replication factor: %d larger than available brokers: %d.", rf, nb);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    int32_t start = rand() % nb, shift = rand() % nb;
    if (first_replica >= 0) start = shift = assign_start_after(b, nb, first_replica);
    assign_auto(b, nb, rack_aware, first, nparts, (int16_t)rf, start, shift, out);
}

/* --config k=v list -> validated arrays */
static int collect_configs(const char ***keys, const char ***vals)
{
    cli_opt_t *o = cli_opt(opts, "config");
    *keys = calloc((size_t)o->nvals + 1, sizeof(char *));
    *vals = calloc((size_t)o->nvals + 1, sizeof(char *));
    for (int i = 0; i < o->nvals; i++) {
        const char *eq = strchr(o->vals[i], '=');
        if (!eq) cli_die(TOOL, "--config '%s' is not of the form key=value", o->vals[i]);
        char *k = strndup(o->vals[i], (size_t)(eq - o->vals[i]));
        char why[256];
        if (tcfg_validate(k, eq + 1, why, sizeof(why)) != KERR_NONE) fail("%s", why);
        (*keys)[i] = k;
        (*vals)[i] = eq + 1;
    }
    return o->nvals;
}

static void zk_create(zhandle_t *zh, const char *topic)
{
    char why[256];
    if (md_topic_name_valid(topic, why, sizeof(why)) != KERR_NONE) fail("%s", why);
    char path[512];
    zkpath_topic(path, sizeof(path), topic);
    if (cli_zk_exists(zh, path)) {
        if (cli_has(opts, "if-not-exists")) return;
        fail("Topic '%s' already exists.", topic);
    }
    int32_t nparts, rf, *assign;
    const char *ra = cli_val(opts, "replica-assignment");
    if (ra) {
        /* "1:2,2:3" -> partitions separated by ',', replicas by ':' */
        nparts = 1;
        for (const char *p = ra; *p; p++) nparts += *p == ',';
        rf = 1;
        for (const char *p = ra; *p && *p != ','; p++) rf += *p == ':';
        assign = calloc((size_t)nparts * (size_t)rf, sizeof(int32_t));
        const char *p = ra;
        for (int32_t i = 0; i < nparts * rf; i++) {
            char *end;
            assign[i] = (int32_t)strtol(p, &end, 10);
            if (end == p) cli_die(TOOL, "invalid --replica-assignment '%s'", ra);
            p = *end ? end + 1 : end;
        }
    } else {
        if (!cli_has(opts, "partitions"))
            cli_die(TOOL, "missing required argument \"[partitions]\"");
        if (!cli_has(opts, "replication-factor"))
            cli_die(TOOL, "missing required argument \"[replication-factor]\"");
        nparts = parse_int("partitions", cli_val(opts, "partitions"));
        rf = parse_int("replication-factor", cli_val(opts, "replication-factor"));
        if (nparts <= 0) fail("The partitions must be greater than 0");
        if (rf <= 0) fail("The replication factor must be greater than 0");
        assign = calloc((size_t)nparts * (size_t)rf, sizeof(int32_t));
        zk_assign(zh, !cli_has(opts, "disable-rack-aware"), 0, nparts, rf, -1, assign);
    }
    const char **keys, **vals;
    int ncfg = collect_configs(&keys, &vals);
    char cpath[512];
    zkpath_topic_config(cpath, sizeof(cpath), topic);
    char *cjson = zkpath_config_json(ncfg, keys, vals);
    cli_zk_mkdirs(zh, ZKPATH_CONFIG_TOPICS);
    int rc = zoo_create(zh, cpath, cjson, (int)strlen(cjson), cli_zk_acl(cpath), 0, NULL, 0);
    if (rc == ZNODEEXISTS) rc = zoo_set(zh, cpath, cjson, (int)strlen(cjson), -1);
    if (rc != ZOK) fail("writing %s failed: %s", cpath, zerror(rc));
    char id[23];
    uint8_t raw[16];
    zkpath_uuid_new(id);
    zkpath_uuid_decode(id, raw);
    zkpath_topic_t zt;
    zkpath_topic_init(&zt, raw, nparts, rf, assign);
    char *tjson = zkpath_topic_json(&zt);
    cli_zk_mkdirs(zh, ZKPATH_BROKER_TOPICS);
    rc = zoo_create(zh, path, tjson, (int)strlen(tjson), cli_zk_acl(path), 0, NULL, 0);
    if (rc == ZNODEEXISTS) fail("Topic '%s' already exists.", topic);
    if (rc != ZOK) fail("writing %s failed: %s", path, zerror(rc));
    printf("Created topic %s.\n", topic);
}

static bool zk_is_live(const int32_t *b, int nb, int32_t id)
{
    for (int i = 0; i < nb; i++)
        if (b[i] == id) return true;
    return false;
}

static void ids_str(const int32_t *ids, int n, char *out, size_t sz)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < n && o < sz; i++)
        o += (size_t)snprintf(out + o, sz - o, "%s%d", i ? "," : "", ids[i]);
}

static bool zk_describe_one(zhandle_t *zh, const char *topic, const int32_t *live, int nlive)
{
    char path[512];
    zkpath_topic(path, sizeof(path), topic);
    char *data = cli_zk_get(zh, path, NULL);
    if (!data) return false;
    zkpath_topic_t zt;
    if (zkpath_topic_parse(data, &zt) != KERR_NONE) fail("malformed topic znode %s", path);
    free(data);
    char cfgs[4096] = "";
    zkpath_topic_config(path, sizeof(path), topic);
    data = cli_zk_get(zh, path, NULL);
    if (data) {
        int n;
        char **k, **v;
        if (zkpath_config_parse(data, &n, &k, &v) == KERR_NONE) {
            size_t o = 0;
            for (int i = 0; i < n; i++)
                o += (size_t)snprintf(cfgs + o, sizeof(cfgs) - o, "%s%s=%s", i ? "," : "", k[i],
                                      v[i]);
        }
        free(data);
    }
    bool filter_ur = cli_has(opts, "under-replicated-partitions");
    bool filter_un = cli_has(opts, "unavailable-partitions");
    char id[23];
    zkpath_uuid_encode(zt.id, id);
    if (!filter_ur && !filter_un)
        printf("Topic: %s\tTopicId: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: %s\n",
               topic, id, zt.nparts, zt.nparts ? zt.nreplicas[0] : 0, cfgs);
    for (int32_t p = 0; p < zt.nparts; p++) {
        zkpath_partition_state(path, sizeof(path), topic, p);
        data = cli_zk_get(zh, path, NULL);
        zkpath_pstate_t ps = {.leader = -1};
        if (data) zkpath_pstate_parse(data, &ps);
        free(data);
        bool unavailable = ps.leader < 0 || !zk_is_live(live, nlive, ps.leader);
        if (filter_ur && ps.nisr >= zt.nreplicas[p]) continue;
        if (filter_un && !unavailable) continue;
        char reps[512], isr[512], leader[16];
        ids_str(zt.replicas[p], zt.nreplicas[p], reps, sizeof(reps));
        ids_str(ps.isr, ps.nisr, isr, sizeof(isr));
        if (ps.leader < 0)
            snprintf(leader, sizeof(leader), "none");
        else
            snprintf(leader, sizeof(leader), "%d", ps.leader);
        printf("\tTopic: %s\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s\n", topic, p, leader,
               reps, isr);
    }
    zkpath_topic_clear(&zt);
    return true;
}

static int zk_topics(zhandle_t *zh, char ***out)
{
    struct String_vector sv;
    if (zoo_get_children(zh, ZKPATH_BROKER_TOPICS, 0, &sv) != ZOK) {
        *out = NULL;
        return 0;
    }
    char **names = calloc((size_t)sv.count + 1, sizeof(char *));
    for (int i = 0; i < sv.count; i++) names[i] = strdup(sv.data[i]);
    int n = sv.count;
    deallocate_String_vector(&sv);
    qsort(names, (size_t)n, sizeof(char *), cmp_str);
    *out = names;
    return n;
}

static bool internal_topic(const char *t)
{
    return strcmp(t, "__consumer_offsets") == 0 || strcmp(t, "__transaction_state") == 0;
}

static int zk_main(const char *conn, const char *topic)
{
    if (cli_has(opts, "create") && !cli_has(opts, "replica-assignment")) {
        if (!cli_has(opts, "partitions"))
            cli_die(TOOL, "missing required argument \"[partitions]\"");
        if (!cli_has(opts, "replication-factor"))
            cli_die(TOOL, "missing required argument \"[replication-factor]\"");
    }
    zhandle_t *zh = zk_connect(conn);
    char path[512];
    if (cli_has(opts, "create")) {
        zk_create(zh, topic);
    } else if (cli_has(opts, "list")) {
        char **names;
        int n = zk_topics(zh, &names);
        for (int i = 0; i < n; i++) {
            if (cli_has(opts, "exclude-internal") && internal_topic(names[i])) continue;
            snprintf(path, sizeof(path), "%s/%s", ZKPATH_ADMIN_DELETE_TOPICS, names[i]);
            printf("%s%s\n", names[i], cli_zk_exists(zh, path) ? " - marked for deletion" : "");
        }
    } else if (cli_has(opts, "describe")) {
        int32_t live[256];
        int nlive = zk_brokers(zh, live, 256);
        if (topic) {
            if (!zk_describe_one(zh, topic, live, nlive) && !cli_has(opts, "if-exists"))
                fail("Topic '%s' does not exist as expected", topic);
        } else {
            char **names;
            int n = zk_topics(zh, &names);
            for (int i = 0; i < n; i++)
                if (!(cli_has(opts, "exclude-internal") && internal_topic(names[i])))
                    zk_describe_one(zh, names[i], live, nlive);
        }
    } else if (cli_has(opts, "delete")) {
        zkpath_topic(path, sizeof(path), topic);
        if (!cli_zk_exists(zh, path)) {
            if (cli_has(opts, "if-exists")) goto out;
            fail("Topic '%s' does not exist as expected", topic);
        }
        if (internal_topic(topic))
            fail("Topic %s is a kafka internal topic and is not allowed to be marked for deletion.",
                 topic);
        snprintf(path, sizeof(path), "%s/%s", ZKPATH_ADMIN_DELETE_TOPICS, topic);
        cli_zk_mkdirs(zh, ZKPATH_ADMIN_DELETE_TOPICS);
        int rc = zoo_create(zh, path, NULL, -1, cli_zk_acl(path), 0, NULL, 0);
        if (rc == ZNODEEXISTS) {
            printf("Topic %s is already marked for deletion.\n", topic);
        } else if (rc != ZOK) {
            fail("marking %s for deletion failed: %s", topic, zerror(rc));
        } else {
            printf("Topic %s is marked for deletion.\n"
                   "Note: This will have no impact if delete.topic.enable is not set to true.\n",
                   topic);
        }
    } else if (cli_has(opts, "alter")) {
        zkpath_topic(path, sizeof(path), topic);
        struct Stat st;
        char *data = cli_zk_get(zh, path, &st);
        if (!data) {
            if (cli_has(opts, "if-exists")) goto out;
            fail("Topic '%s' does not exist as expected", topic);
        }
        if (cli_has(opts, "config") || cli_has(opts, "delete-config")) {
            /* overrides: merge into /config/topics/<t>, then notify through /config/changes */
            char cpath[512];
            zkpath_topic_config(cpath, sizeof(cpath), topic);
            zkpath_config_t cs;
            cli_zk_config_read(zh, cpath, &cs);
            const char **nk, **nv;
            int add = collect_configs(&nk, &nv);
            for (int i = 0; i < add; i++) zkpath_config_put(&cs, nk[i], nv[i]);
            cli_opt_t *del = cli_opt(opts, "delete-config");
            for (int d = 0; d < del->nvals; d++) zkpath_config_del(&cs, del->vals[d]);
            int rc = cli_zk_config_write(zh, cpath, "topics", topic, &cs);
            if (rc != ZOK) fail("updating %s failed: %s", cpath, zerror(rc));
            zkpath_config_clear(&cs);
            printf("Updated config for topic %s.\n", topic);
        }
        if (cli_has(opts, "partitions")) {
            zkpath_topic_t zt;
            if (zkpath_topic_parse(data, &zt) != KERR_NONE) fail("malformed topic znode %s", path);
            int want = parse_int("partitions", cli_val(opts, "partitions"));
            if (want <= zt.nparts)
                fail("The number of partitions for a topic can only be increased. Topic %s "
                     "currently has %d partitions, %d would not be an increase.",
                     topic, zt.nparts, want);
            int32_t rf = zt.nparts ? zt.nreplicas[0] : 1;
            int32_t *assign = calloc((size_t)(want - zt.nparts) * (size_t)rf, sizeof(int32_t));
            /* Kafka 2.8's --alter: rack awareness enforced (--disable-rack-aware is not
             * consulted), new partitions start after partition 0's first replica */
            zk_assign(zh, true, zt.nparts, want - zt.nparts, rf,
                      zt.nparts && zt.nreplicas[0] ? zt.replicas[0][0] : 0, assign);
            zkpath_topic_add(&zt, want - zt.nparts, rf, assign);
            char *j = zkpath_topic_json(&zt);
            int rc = zoo_set(zh, path, j, (int)strlen(j), st.version);
            if (rc != ZOK) fail("updating %s failed: %s", path, zerror(rc));
            printf("WARNING: If partitions are increased for a topic that has a key, the partition "
                   "logic or ordering of the messages will be affected\nAdding partitions "
                   "succeeded!\n");
        }
        free(data);
    }
out:
    zookeeper_close(zh);
    return 0;
}

/* ------------------------------------------------------------------ Admin API mode */

static rd_kafka_t *admin_client(const char *bootstrap)
{
    return cli_admin_new(TOOL, bootstrap, cli_val(opts, "command-config"));
}

static const rd_kafka_metadata_t *admin_metadata(rd_kafka_t *rk)
{
    const rd_kafka_metadata_t *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, 15000);
    if (e) fail("cannot get metadata from the cluster: %s", rd_kafka_err2str(e));
    return md;
}

static rd_kafka_event_t *admin_wait(rd_kafka_queue_t *q, rd_kafka_event_type_t type)
{
    for (;;) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 60000);
        if (!ev) fail("timed out waiting for the cluster");
        if (rd_kafka_event_type(ev) == type) return ev;
        rd_kafka_event_destroy(ev);
    }
}

static const rd_kafka_metadata_topic_t *md_topic(const rd_kafka_metadata_t *md, const char *t)
{
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, t) == 0 && !md->topics[i].err) return &md->topics[i];
    return NULL;
}

static int cmp_md_topic(const void *a, const void *b)
{
    return strcmp(((const rd_kafka_metadata_topic_t *)a)->topic,
                  ((const rd_kafka_metadata_topic_t *)b)->topic);
}

static void admin_describe_one(rd_kafka_t *rk, rd_kafka_queue_t *q, const rd_kafka_metadata_t *md,
                               const rd_kafka_metadata_topic_t *t, const uint8_t topic_id[16])
{
    char cfgs[4096] = "";
    int min_isr = -1; /* the topic's min.insync.replicas; -1 when not described */
    rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t->topic);
    rd_kafka_DescribeConfigs(rk, &res, 1, NULL, q);
    rd_kafka_event_t *ev = admin_wait(q, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT);
    const rd_kafka_DescribeConfigs_result_t *r = rd_kafka_event_DescribeConfigs_result(ev);
    size_t nres;
    const rd_kafka_ConfigResource_t **rs = rd_kafka_DescribeConfigs_result_resources(r, &nres);
    size_t o = 0;
    for (size_t i = 0; i < nres; i++) {
        size_t ncfg;
        const rd_kafka_ConfigEntry_t **ce = rd_kafka_ConfigResource_configs(rs[i], &ncfg);
        for (size_t j = 0; j < ncfg; j++) {
            const char *v = rd_kafka_ConfigEntry_value(ce[j]);
            if (strcmp(rd_kafka_ConfigEntry_name(ce[j]), "min.insync.replicas") == 0 && v)
                min_isr = atoi(v);
            if (rd_kafka_ConfigEntry_source(ce[j]) != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG)
                continue;
            o += (size_t)snprintf(cfgs + o, sizeof(cfgs) - o, "%s%s=%s", o ? "," : "",
                                  rd_kafka_ConfigEntry_name(ce[j]),
                                  rd_kafka_ConfigEntry_value(ce[j]));
        }
    }
    rd_kafka_event_destroy(ev);
    rd_kafka_ConfigResource_destroy(res);
    bool filter_ur = cli_has(opts, "under-replicated-partitions");
    bool filter_un = cli_has(opts, "unavailable-partitions");
    bool filter_umi = cli_has(opts, "under-min-isr-partitions");
    bool filter_ami = cli_has(opts, "at-min-isr-partitions");
    char id[23];
    zkpath_uuid_encode(topic_id, id);
    if (!filter_ur && !filter_un && !filter_umi && !filter_ami)
        printf("Topic: %s\tTopicId: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: %s\n",
               t->topic, id, t->partition_cnt, t->partition_cnt ? t->partitions[0].replica_cnt : 0,
               cfgs);
    for (int p = 0; p < t->partition_cnt; p++) {
        const rd_kafka_metadata_partition_t *mp = NULL;
        for (int k = 0; k < t->partition_cnt; k++)
            if (t->partitions[k].id == p) mp = &t->partitions[k];
        if (!mp) continue;
        bool live = false;
        for (int b = 0; b < md->broker_cnt; b++) live = live || md->brokers[b].id == mp->leader;
        if (filter_ur && mp->isr_cnt >= mp->replica_cnt) continue;
        if (filter_un && live) continue;
        /* TopicCommand's isUnderMinIsr / isAtMinIsrPartitions */
        if (filter_umi && !(mp->leader < 0 || (min_isr >= 0 && mp->isr_cnt < min_isr))) continue;
        if (filter_ami && mp->isr_cnt != min_isr) continue;
        char reps[512], isr[512], leader[16];
        ids_str(mp->replicas, mp->replica_cnt, reps, sizeof(reps));
        ids_str(mp->isrs, mp->isr_cnt, isr, sizeof(isr));
        if (mp->leader < 0)
            snprintf(leader, sizeof(leader), "none");
        else
            snprintf(leader, sizeof(leader), "%d", mp->leader);
        printf("\tTopic: %s\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s\n", t->topic, p,
               leader, reps, isr);
    }
}

static void admin_check_result(const rd_kafka_topic_result_t **tr, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[i]);
        if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && cli_has(opts, "if-not-exists")) continue;
        if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && cli_has(opts, "if-exists")) continue;
        if (e) {
            const char *msg = rd_kafka_topic_result_error_string(tr[i]);
            fail("%s", msg && *msg ? msg : rd_kafka_err2str(e));
        }
    }
}

/* One topic Admin call of librdkafka's API X (CreateTopics, DeleteTopics: same shape, other
 * types, hence a macro) on obj with a 30 s operation timeout, through the caller's rk, q and
 * err: the result event into ev, its topic results into tr and n; an event-level error ends
 * the tool. */
#define TOPICS_CALL(X, OP, EV, obj, ev, tr, n)                                                     \
    do {                                                                                           \
        rd_kafka_AdminOptions_t *ao_ = rd_kafka_AdminOptions_new(rk, OP);                          \
        rd_kafka_AdminOptions_set_operation_timeout(ao_, 30000, err, sizeof(err));                 \
        rd_kafka_##X(rk, &(obj), 1, ao_, q);                                                       \
        (ev) = admin_wait(q, EV);                                                                  \
        rd_kafka_AdminOptions_destroy(ao_);                                                        \
        (tr) = rd_kafka_##X##_result_topics(rd_kafka_event_##X##_result(ev), &(n));                \
        if (rd_kafka_event_error(ev)) fail("%s", rd_kafka_event_error_string(ev));                 \
    } while (0)

static int admin_main(const char *bootstrap, const char *topic)
{
    rd_kafka_t *rk = admin_client(bootstrap);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    char err[512];
    if (cli_has(opts, "create")) {
        int np =
            cli_has(opts, "partitions") ? parse_int("partitions", cli_val(opts, "partitions")) : -1;
        int rf = cli_has(opts, "replication-factor")
                     ? parse_int("replication-factor", cli_val(opts, "replication-factor"))
                     : -1;
        rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, np, rf, err, sizeof(err));
        if (!nt) fail("%s", err);
        const char **keys, **vals;
        int ncfg = collect_configs(&keys, &vals);
        for (int i = 0; i < ncfg; i++) rd_kafka_NewTopic_set_config(nt, keys[i], vals[i]);
        rd_kafka_event_t *ev;
        const rd_kafka_topic_result_t **tr;
        size_t n;
        TOPICS_CALL(CreateTopics, RD_KAFKA_ADMIN_OP_CREATETOPICS,
                    RD_KAFKA_EVENT_CREATETOPICS_RESULT, nt, ev, tr, n);
        bool existed =
            n && rd_kafka_topic_result_error(tr[0]) == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
        admin_check_result(tr, n);
        if (!existed) printf("Created topic %s.\n", topic);
    } else if (cli_has(opts, "delete")) {
        rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(topic);
        rd_kafka_event_t *ev;
        const rd_kafka_topic_result_t **tr;
        size_t n;
        TOPICS_CALL(DeleteTopics, RD_KAFKA_ADMIN_OP_DELETETOPICS,
                    RD_KAFKA_EVENT_DELETETOPICS_RESULT, dt, ev, tr, n);
        for (size_t i = 0; i < n; i++)
            if (rd_kafka_topic_result_error(tr[i]) == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
                !cli_has(opts, "if-exists"))
                fail("Topic '%s' does not exist as expected", topic);
        admin_check_result(tr, n);
    } else if (cli_has(opts, "list") || cli_has(opts, "describe")) {
        const rd_kafka_metadata_t *md = admin_metadata(rk);
        rd_kafka_metadata_topic_t *ts = malloc(sizeof(*ts) * (size_t)(md->topic_cnt + 1));
        memcpy(ts, md->topics, sizeof(*ts) * (size_t)md->topic_cnt);
        qsort(ts, (size_t)md->topic_cnt, sizeof(*ts), cmp_md_topic);
        if (cli_has(opts, "describe") && topic && !md_topic(md, topic)) {
            if (!cli_has(opts, "if-exists")) fail("Topic '%s' does not exist as expected", topic);
        }
        const char **names = malloc(sizeof(*names) * (size_t)(md->topic_cnt + 1));
        int nnames = 0;
        for (int i = 0; i < md->topic_cnt; i++) {
            if (ts[i].err) continue;
            if (cli_has(opts, "exclude-internal") && internal_topic(ts[i].topic)) continue;
            if (topic && strcmp(topic, ts[i].topic) != 0) continue;
            ts[nnames] = ts[i];
            names[nnames++] = ts[i].topic;
        }
        uint8_t(*ids)[16] = calloc((size_t)nnames + 1, 16);
        if (cli_has(opts, "describe") && nnames)
            cli_topic_ids(md, nnames, names, ids, 10000); /* else printed as the zero id */
        for (int i = 0; i < nnames; i++) {
            if (cli_has(opts, "list"))
                printf("%s\n", ts[i].topic);
            else
                admin_describe_one(rk, q, md, &ts[i], ids[i]);
        }
        free(ids);
        free(names);
        free(ts);
        rd_kafka_metadata_destroy(md);
    } else if (cli_has(opts, "alter")) {
        if (cli_has(opts, "config") || cli_has(opts, "delete-config"))
            cli_die(TOOL, "Option combination \"[bootstrap-server],[config]\" can't be used with "
                          "option \"[alter]\" (the kafka-configs CLI supports altering topic "
                          "configs with a --bootstrap-server option)");
        if (!cli_has(opts, "partitions")) cli_die(TOOL, "--alter needs --partitions or --config");
        rd_kafka_NewPartitions_t *np = rd_kafka_NewPartitions_new(
            topic, (size_t)parse_int("partitions", cli_val(opts, "partitions")), err, sizeof(err));
        if (!np) fail("%s", err);
        rd_kafka_CreatePartitions(rk, &np, 1, NULL, q);
        rd_kafka_event_t *ev = admin_wait(q, RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT);
        size_t n;
        const rd_kafka_topic_result_t **tr =
            rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
        admin_check_result(tr, n);
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return 0;
}

/* TopicCommand's checks on the replication report options: --describe only, one at a time,
 * the min-ISR ones not with --zookeeper. */
static void check_report_opts(bool zk)
{
    static const char *const reports[] = {"under-replicated-partitions", "under-min-isr-partitions",
                                          "at-min-isr-partitions", "unavailable-partitions"};
    static const char *const actions[] = {"alter", "create", "list", "delete"};
    for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
        if (!cli_has(opts, reports[i])) continue;
        const char *bad = NULL;
        for (size_t j = 0; j < sizeof(actions) / sizeof(actions[0]) && !bad; j++)
            if (cli_has(opts, actions[j])) bad = actions[j];
        for (size_t j = 0; j < sizeof(reports) / sizeof(reports[0]) && !bad; j++)
            if (j != i && cli_has(opts, reports[j])) bad = reports[j];
        if (!bad && zk && i > 0 && i < 3) bad = "zookeeper";
        if (bad)
            cli_die(TOOL, "Option \"[%s]\" can't be used with option \"[%s]\"", reports[i], bad);
    }
}

int main(int argc, char **argv)
{
    cli_parse(TOOL, "Create, delete, describe, or change a topic.", opts, argc, argv);
    const char *zk = cli_val(opts, "zookeeper");
    const char *bs = cli_val(opts, "bootstrap-server");
    int actions = cli_has(opts, "create") + cli_has(opts, "delete") + cli_has(opts, "describe") +
                  cli_has(opts, "list") + cli_has(opts, "alter");
    if (actions != 1)
        cli_die(TOOL, "exactly one of --create, --delete, --describe, --list or --alter is needed");
    if (!zk == !bs) cli_die(TOOL, "exactly one of --bootstrap-server or --zookeeper is needed");
    check_report_opts(zk != NULL);
    const char *topic = cli_val(opts, "topic");
    if (!topic && (cli_has(opts, "create") || cli_has(opts, "delete") || cli_has(opts, "alter")))
        cli_die(TOOL, "missing required argument \"[topic]\"");
    return zk ? zk_main(zk, topic) : admin_main(bs, topic);
}
