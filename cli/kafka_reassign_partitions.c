/* kafka_reassign_partitions.c: kafka-reassign-partitions, as Kafka 3.x's
 * ReassignPartitionsCommand (KIP-455, --bootstrap-server only, as since Kafka 3.0):
 *   --generate --topics-to-move-json-file F --broker-list 1,2,3 [--disable-rack-aware]
 *   --execute  --reassignment-json-file F [--additional] [--throttle B/s] [--timeout ms]
 *   --verify   --reassignment-json-file F [--preserve-throttles]
 *   --cancel   --reassignment-json-file F [--preserve-throttles]
 *   --list
 * with Kafka's output lines. librdkafka 2.0 has no reassignment calls, so the tool sends
 * AlterPartitionReassignments / ListPartitionReassignments to the controller itself (clireq.h,
 * the broker's own codecs); --throttle sets the leader/follower replication throttles on the
 * topics and brokers involved (IncrementalAlterConfigs), --verify clears them once done.
 * This file holds the actions; the rest is in reassign_*.c (reassign.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "cli.h"
#include "ktime.h"
#include "reassign.h"

#define TOOL "kafka-reassign-partitions"

static cli_opt_t opts[] = {
    CLI_OPT("bootstrap-server", true, "REQUIRED: the server(s) to use for bootstrapping."),
    CLI_OPT("command-config", true,
            "Property file containing configs to be passed to Admin Client."),
    CLI_OPT("generate", false, "Generate a candidate partition reassignment configuration."),
    CLI_OPT("execute", false,
            "Kick off the reassignment as specified by the --reassignment-json-file option."),
    CLI_OPT("verify", false,
            "Verify if the reassignment completed as specified by the --reassignment-json-file "
            "option."),
    CLI_OPT("cancel", false, "Cancel an active reassignment."),
    CLI_OPT("list", false, "List all active partition reassignments."),
    CLI_OPT("reassignment-json-file", true,
            "The JSON file with the partition reassignment configuration."),
    CLI_OPT("topics-to-move-json-file", true,
            "Generate a reassignment configuration to move the partitions of the specified topics "
            "to the list of brokers specified by the --broker-list option."),
    CLI_OPT(
        "broker-list", true,
        "The list of brokers to which the partitions need to be reassigned in the form \"0,1,2\"."),
    CLI_OPT("disable-rack-aware", false, "Disable rack aware replica assignment"),
    CLI_OPT(
        "throttle", true,
        "The movement of partitions between brokers will be throttled to this value (bytes/sec)."),
    CLI_OPT("replica-alter-log-dirs-throttle", true,
            "The movement of replicas between log directories on the same broker will be throttled "
            "to this value (bytes/sec)."),
    CLI_OPT("timeout", true,
            "The maximum time in ms to wait for log directory replica assignment to begin."),
    CLI_OPT("additional", false,
            "Execute this reassignment in addition to any other ongoing ones."),
    CLI_OPT("preserve-throttles", false, "Do not modify broker or topic throttles."),
    CLI_END,
};
/* ---- actions ---- */

/* The brokers of the list with their racks (Metadata through the broker's own codec: the racks
 * are not in librdkafka 2.0's metadata), sorted by id, as Kafka's getBrokerMetadata gives them:
 * racks dropped with --disable-rack-aware, and a mix of brokers with and without one refused. */
static int rp_rack_brokers(rp_cluster_t *c, const int32_t *ids, int n, assign_broker_t *out)
{
    cli_md_t md;
    bool ok = false;
    for (int i = 0; i < c->md->broker_cnt && !ok; i++)
        ok = cli_metadata_from(c->md->brokers[i].host, c->md->brokers[i].port, 0, NULL, 10000, &md);
    if (!ok) rp_fail("Error: no broker answered Metadata");
    bool racks = !cli_has(opts, "disable-rack-aware");
    for (int i = 0; i < n; i++) {
        out[i].id = ids[i];
        out[i].rack[0] = '\0';
        for (int32_t j = 0; racks && j < md.resp.nbrokers; j++)
            if (md.resp.brokers[j].node_id == ids[i] && md.resp.brokers[j].rack.len > 0)
                snprintf(out[i].rack, sizeof(out[i].rack), "%.*s", md.resp.brokers[j].rack.len,
                         md.resp.brokers[j].rack.p);
    }
    cli_md_free(&md);
    qsort(out, (size_t)n, sizeof(*out), rp_cmp_id); /* by id (the first member) */
    if (assign_racks_mixed(out, n))
        rp_fail("Error: Not all brokers have rack information. Add --disable-rack-aware in "
                "command line to make replica assignment without rack information.");
    return n;
}

static void rp_generate(rp_cluster_t *c)
{
    json_t *js = rp_load(cli_val(opts, "topics-to-move-json-file"));
    int32_t brokers[1024];
    int nb = 0;
    for (const char *p = cli_val(opts, "broker-list"); *p && nb < 1024;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || (*end && *end != ',')) rp_fail("Error: For input string: \"%s\"", p);
        for (int i = 0; i < nb; i++)
            if (brokers[i] == v) rp_fail("Error: Broker list contains duplicate entries: %ld", v);
        if (rp_broker_known(c, (int32_t)v))
            brokers[nb++] = (int32_t)v; /* as Kafka: unknown ones drop */
        p = *end ? end + 1 : end;
    }
    if (nb > ASSIGN_MAX_BROKERS) rp_fail("Error: too many brokers in --broker-list");
    assign_broker_t ab[ASSIGN_MAX_BROKERS];
    rp_rack_brokers(c, brokers, nb, ab);
    rp_list_t cur = {0}, prop = {0};
    json_t *arr = json_object_get(js, "topics");
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        const char *t = json_string_value(json_object_get(e, "topic"));
        if (!t) rp_fail("Error: every entry of \"topics\" needs a \"topic\"");
        const rd_kafka_metadata_partition_t *p0 = rp_current(c, t, 0);
        if (!p0)
            rp_fail("Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: "
                    "Topic %s not found.",
                    t);
        int32_t np = 0;
        while (rp_current(c, t, np)) np++;
        int16_t rf = (int16_t)p0->replica_cnt;
        if (rf > nb)
            rp_fail("Error: Replication factor: %d larger than available brokers: %d.", rf, nb);
        int32_t *out = calloc((size_t)np * (size_t)rf + 1, sizeof(int32_t));
        assign_auto(ab, nb, true, 0, np, rf, rand() % nb, rand() % nb, out);
        for (int32_t p = 0; p < np; p++) {
            const rd_kafka_metadata_partition_t *mp = rp_current(c, t, p);
            rp_part_t *x = rp_add(&cur, t, p);
            for (int k = 0; k < mp->replica_cnt && k < RP_MAX_RF; k++)
                x->replicas[x->n++] = mp->replicas[k];
            rp_part_t *y = rp_add(&prop, t, p);
            y->n = rf;
            memcpy(y->replicas, out + (size_t)p * (size_t)rf, (size_t)rf * sizeof(int32_t));
        }
        free(out);
    }
    json_decref(js);
    printf("Current partition replica assignment\n");
    rp_print_json(&cur);
    printf("\n\nProposed partition reassignment configuration\n");
    rp_print_json(&prop);
    printf("\n");
}

static void rp_execute(rp_cluster_t *c)
{
    rp_list_t targets = {0}, ongoing = {0}, cur = {0};
    rp_parse_targets(cli_val(opts, "reassignment-json-file"), &targets, true);
    rp_ongoing(c, NULL, &ongoing, NULL, NULL);
    if (ongoing.n && !cli_has(opts, "additional"))
        rp_fail("Cannot execute because there is an existing partition assignment.  Use "
                "--additional to override this and create a new partition assignment in addition "
                "to the existing one. The --additional flag can also be used to change the "
                "throttle by resubmitting the current reassignment.");
    for (int i = 0; i < targets.n; i++)
        for (int32_t k = 0; k < targets.v[i].n; k++)
            if (!rp_broker_known(c, targets.v[i].replicas[k]))
                rp_fail("Error: Unknown broker id %d", targets.v[i].replicas[k]);
    rp_current_of(c, &targets, &cur);
    printf("Current partition replica assignment\n\n");
    rp_print_json(&cur);
    printf("\n\nSave this to use as the --reassignment-json-file option during rollback\n");
    long long throttle = cli_ll(TOOL, opts, "throttle", -1, -1, INT64_MAX);
    if (throttle >= 0 || cli_has(opts, "replica-alter-log-dirs-throttle")) {
        printf("Warning: You must run --verify periodically, until the reassignment completes, "
               "to ensure the throttle is removed.\n");
        if (cli_has(opts, "replica-alter-log-dirs-throttle"))
            rp_fail("Error: --replica-alter-log-dirs-throttle needs AlterReplicaLogDirs, which "
                    "this cluster does not serve");
        rp_throttle_set(c, &targets, &cur, throttle);
        printf("The inter-broker throttle limit was set to %lld B/s\n", throttle);
    }
    rp_alter(c, &targets, false);
    qsort(targets.v, (size_t)targets.n, sizeof(*targets.v), rp_cmp);
    printf("Successfully started partition reassignment%s for ", targets.n == 1 ? "" : "s");
    rp_print_tps(&targets);
    printf("\n");
}

/* Clear the throttles Kafka's tool clears once nothing is moving (unless --preserve-throttles). */
static void rp_clear(rp_cluster_t *c, const rp_list_t *targets)
{
    int32_t ids[1024];
    int n = 0;
    for (int i = 0; i < c->md->broker_cnt && n < 1024; i++) ids[n++] = c->md->brokers[i].id;
    for (int i = 0; i < targets->n; i++)
        for (int32_t k = 0; k < targets->v[i].n; k++)
            rp_ids_add(ids, &n, 1024, targets->v[i].replicas[k]);
    printf("Clearing broker-level throttles on broker%s ", n == 1 ? "" : "s");
    for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", ids[i]);
    printf("\n");
    const char *topics[1024];
    int nt = 0;
    for (int i = 0; i < targets->n && nt < 1024; i++) {
        bool seen = false;
        for (int j = 0; j < nt && !seen; j++) seen = strcmp(topics[j], targets->v[i].topic) == 0;
        if (!seen) topics[nt++] = targets->v[i].topic;
    }
    printf("Clearing topic-level throttles on topic%s ", nt == 1 ? "" : "s");
    for (int i = 0; i < nt; i++) printf("%s%s", i ? "," : "", topics[i]);
    printf("\n");
    rp_throttle_clear(c, ids, n, topics, nt);
}

static void rp_verify(rp_cluster_t *c)
{
    rp_list_t targets = {0}, ongoing = {0};
    rp_parse_targets(cli_val(opts, "reassignment-json-file"), &targets, false);
    rp_ongoing(c, NULL, &ongoing, NULL, NULL);
    qsort(targets.v, (size_t)targets.n, sizeof(*targets.v), rp_cmp);
    printf("Status of partition reassignment:\n");
    for (int i = 0; i < targets.n; i++) {
        const rp_part_t *t = &targets.v[i];
        if (rp_find(&ongoing, t->topic, t->partition)) {
            printf("Reassignment of partition %s-%d is still in progress.\n", t->topic,
                   t->partition);
            continue;
        }
        const rd_kafka_metadata_partition_t *mp = rp_current(c, t->topic, t->partition);
        bool same = mp && mp->replica_cnt == t->n;
        for (int32_t k = 0; same && k < t->n; k++) same = mp->replicas[k] == t->replicas[k];
        if (same) {
            printf("Reassignment of partition %s-%d is complete.\n", t->topic, t->partition);
            continue;
        }
        printf("There is no active reassignment of partition %s-%d, but replica set is ", t->topic,
               t->partition);
        for (int k = 0; mp && k < mp->replica_cnt; k++)
            printf("%s%d", k ? "," : "", mp->replicas[k]);
        printf(" rather than ");
        for (int32_t k = 0; k < t->n; k++) printf("%s%d", k ? "," : "", t->replicas[k]);
        printf(".\n");
    }
    if (ongoing.n == 0 && !cli_has(opts, "preserve-throttles")) {
        printf("\n");
        rp_clear(c, &targets);
    }
}

static void rp_cancel(rp_cluster_t *c)
{
    rp_list_t targets = {0}, active = {0}, adding = {0}, removing = {0};
    rp_parse_targets(cli_val(opts, "reassignment-json-file"), &targets, false);
    rp_ongoing(c, &targets, &active, &adding, &removing);
    if (active.n) {
        rp_alter(c, &active, true);
        qsort(active.v, (size_t)active.n, sizeof(*active.v), rp_cmp);
        printf("Successfully cancelled partition reassignment%s for: ", active.n == 1 ? "" : "s");
        rp_print_tps(&active);
        printf("\n");
    } else {
        printf("None of the specified partition reassignments are active.\n");
    }
    printf("None of the specified partition moves are active.\n");
    if (!cli_has(opts, "preserve-throttles")) rp_clear(c, &targets);
}

static void rp_print_ids(const char *label, const rp_part_t *x)
{
    if (!x || x->n == 0) return;
    printf(" %s: ", label);
    for (int32_t k = 0; k < x->n; k++) printf("%s%d", k ? "," : "", x->replicas[k]);
    printf(".");
}

static void rp_list(rp_cluster_t *c)
{
    rp_list_t ongoing = {0}, adding = {0}, removing = {0};
    rp_ongoing(c, NULL, &ongoing, &adding, &removing);
    if (ongoing.n == 0) {
        printf("No partition reassignments found.\n");
        return;
    }
    printf("Current partition reassignments:\n");
    qsort(ongoing.v, (size_t)ongoing.n, sizeof(*ongoing.v), rp_cmp);
    for (int i = 0; i < ongoing.n; i++) {
        const rp_part_t *x = &ongoing.v[i];
        printf("%s-%d: replicas: ", x->topic, x->partition);
        for (int32_t k = 0; k < x->n; k++) printf("%s%d", k ? "," : "", x->replicas[k]);
        printf(".");
        rp_print_ids("adding", rp_find(&adding, x->topic, x->partition));
        rp_print_ids("removing", rp_find(&removing, x->topic, x->partition));
        printf("\n");
    }
}

/* Kafka's validateAndParseArgs: one action, its required options, nothing foreign. */
static const char *rp_action(void)
{
    static const char *const actions[] = {"generate", "execute", "verify", "cancel", "list"};
    const char *act = NULL;
    int n = 0;
    for (size_t i = 0; i < 5; i++)
        if (cli_has(opts, actions[i])) act = actions[i], n++;
    if (n != 1)
        cli_die(TOOL, "Command must include exactly one action: --generate, --execute, --verify, "
                      "--cancel, --list");
    if (!cli_has(opts, "bootstrap-server")) cli_die(TOOL, "Please specify --bootstrap-server");
    static const struct {
        const char *action, *required[2], *permitted;
    } rules[] = {
        {"verify", {"reassignment-json-file"}, ",preserve-throttles,"},
        {"generate", {"topics-to-move-json-file", "broker-list"}, ",disable-rack-aware,"},
        {"execute",
         {"reassignment-json-file"},
         ",additional,throttle,replica-alter-log-dirs-throttle,timeout,"},
        {"cancel", {"reassignment-json-file"}, ",preserve-throttles,timeout,"},
        {"list", {NULL}, ","},
    };
    for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
        if (strcmp(rules[r].action, act) != 0) continue;
        for (int k = 0; k < 2 && rules[r].required[k]; k++)
            if (!cli_has(opts, rules[r].required[k]))
                cli_die(TOOL, "Missing required argument \"[%s]\"", rules[r].required[k]);
        for (cli_opt_t *o = opts; o->name; o++) {
            char key[80];
            snprintf(key, sizeof(key), ",%s,", o->name);
            bool req = (rules[r].required[0] && !strcmp(o->name, rules[r].required[0])) ||
                       (rules[r].required[1] && !strcmp(o->name, rules[r].required[1]));
            if (o->set && strcmp(o->name, act) && !req && strcmp(o->name, "bootstrap-server") &&
                strcmp(o->name, "command-config") && !strstr(rules[r].permitted, key))
                cli_die(TOOL, "Option \"[%s]\" can't be used with action \"[%s]\"", o->name, act);
        }
    }
    return act;
}

int main(int argc, char **argv)
{
    cli_parse_or_usage(TOOL, "This tool helps to move topic partitions between replicas.", opts,
                       argc, argv);
    const char *act = rp_action();
    srand((unsigned)ktime_wall_ms());
    rp_cluster_t c = {.rk = cli_admin_new(TOOL, cli_val(opts, "bootstrap-server"),
                                          cli_val(opts, "command-config"))};
    rp_refresh(&c);
    if (!strcmp(act, "generate")) rp_generate(&c);
    if (!strcmp(act, "execute")) rp_execute(&c);
    if (!strcmp(act, "verify")) rp_verify(&c);
    if (!strcmp(act, "cancel")) rp_cancel(&c);
    if (!strcmp(act, "list")) rp_list(&c);
    rd_kafka_metadata_destroy(c.md);
    rd_kafka_destroy(c.rk);
    return 0;
}
