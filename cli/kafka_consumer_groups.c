/* kafka_consumer_groups.c: kafka-consumer-groups, as Kafka's ConsumerGroupCommand, on
 * librdkafka's Admin API:
 *   --list [--state [s1,s2]]            group ids (or GROUP STATE)
 *   --describe --group G|--all-groups   [--offsets] (default): GROUP TOPIC PARTITION
 *       CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID; --members [--verbose];
 *       --state: GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE #MEMBERS
 *   --delete --group G...|--all-groups
 *   --delete-offsets --group G --topic t[:p,..]
 *   --reset-offsets --group G|--all-groups --topic t[:p,..]|--all-topics with --to-earliest,
 *       --to-latest, --to-current, --to-offset N, --shift-by N, --to-datetime, --by-duration,
 *       --from-file; --dry-run (default) prints the plan (GROUP TOPIC PARTITION NEW-OFFSET),
 *       --execute commits it, --export prints it as CSV.
 * Log end/start offsets and offsets by time come from ListOffsets (rd_kafka_offsets_for_times).
 *
 * Kafka prints its errors ("Error: ...") on stdout and exits 0 after some of them; this tool
 * prints each on one stderr line and exits 1, so scripts see failures (unknown groups too).
 * A cluster that serves no consumer groups (ListGroups unsupported) is a one-line error.
 * --describe is in cgroups_describe.c, --reset-offsets in cgroups_reset.c (cgroups.h). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cgroups.h"
#include "cli.h"
#include "ktime.h"

cli_opt_t cg_opts[] = {
    CLI_OPT("bootstrap-server", true, "REQUIRED: The server(s) to connect to."),
    CLI_OPT("group", true, "The consumer group we wish to act on."),
    CLI_OPT("topic", true,
            "The topic whose consumer group information should be deleted or topic whose should "
            "be included in the reset offset process. In `reset-offsets` case, partitions can be "
            "specified using this format: `topic1:0,1,2`. Reset-offsets also supports multiple "
            "topic inputs."),
    CLI_OPT("all-topics", false,
            "Consider all topics assigned to a group in the `reset-offsets` process."),
    CLI_OPT("list", false, "List all consumer groups."),
    CLI_OPT("describe", false,
            "Describe consumer group and list offset lag (number of messages not yet processed) "
            "related to given group."),
    CLI_OPT("all-groups", false, "Apply to all consumer groups."),
    CLI_OPT("delete", false,
            "Pass in groups to delete topic partition offsets and ownership information over the "
            "entire consumer group. For instance --group g1 --group g2"),
    CLI_OPT("delete-offsets", false,
            "Delete offsets of consumer group. Supports one consumer group at the time, and "
            "multiple topics."),
    CLI_OPT("timeout", true,
            "The timeout that can be set for some use cases, in ms (default: 5000)."),
    CLI_OPT("command-config", true,
            "Property file containing configs to be passed to Admin Client and Consumer."),
    CLI_OPT("reset-offsets", false,
            "Reset offsets of consumer group. Supports one consumer group at the time, and "
            "instances should be inactive. --dry-run (the default) plans, --execute updates."),
    CLI_OPT("dry-run", false, "Only show results without executing changes on Consumer Groups."),
    CLI_OPT("execute", false, "Execute operation. Supported operations: reset-offsets."),
    CLI_OPT("export", false, "Export operation execution to a CSV file."),
    CLI_OPT("to-offset", true, "Reset offsets to a specific offset."),
    CLI_OPT("from-file", true, "Reset offsets to values defined in CSV file."),
    CLI_OPT("to-datetime", true,
            "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'"),
    CLI_OPT("by-duration", true,
            "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'"),
    CLI_OPT("to-earliest", false, "Reset offsets to earliest offset."),
    CLI_OPT("to-latest", false, "Reset offsets to latest offset."),
    CLI_OPT("to-current", false, "Reset offsets to current offset."),
    CLI_OPT("shift-by", true,
            "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative."),
    CLI_OPT("members", false, "Describe members of the group (with --describe)."),
    CLI_OPT("verbose", false, "Provide additional information, if any, when describing the group."),
    CLI_OPT("offsets", false,
            "Describe the group and list all topic partitions in the group along with their offset "
            "lag (the default sub-action of --describe)."),
    CLI_OPT_OPTIONAL("state",
                     "With --describe, the state of the group; with --list, the state of all "
                     "groups, optionally only those in the given states (stable,empty,...)."),
    CLI_END,
};

static const char *reset_scenarios[] = {"to-offset",   "shift-by",  "to-datetime", "by-duration",
                                        "to-earliest", "to-latest", "to-current",  "from-file"};
#define NSCENARIOS ((int)(sizeof(reset_scenarios) / sizeof(reset_scenarios[0])))

rd_kafka_t *cg_rk;
rd_kafka_queue_t *cg_q;
int cg_timeout_ms = 5000;
static int rc;

/* printError("Executing consumer group command failed due to ...") */
void cg_command_failed(rd_kafka_resp_err_t err, const char *msg)
{
    fprintf(stderr, "Error: Executing consumer group command failed due to %s: %s\n",
            cli_java_exception(err), msg && *msg ? msg : rd_kafka_err2str(err));
    exit(1);
}

/* A group-level error (the command goes on with the other groups). */
void cg_group_error(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("Error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    rc = 1;
}

int cg_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_tp(const void *a, const void *b)
{
    const rd_kafka_topic_partition_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

void cg_sort_parts(rd_kafka_topic_partition_list_t *l)
{
    qsort(l->elems, (size_t)l->cnt, sizeof(*l->elems), cmp_tp);
}

rd_kafka_event_t *cg_await(rd_kafka_event_type_t type)
{
    rd_kafka_event_t *ev = cli_admin_wait(TOOL, cg_q, type, cg_timeout_ms + 5000);
    if (rd_kafka_event_error(ev))
        cg_command_failed(rd_kafka_event_error(ev), rd_kafka_event_error_string(ev));
    return ev;
}

rd_kafka_AdminOptions_t *cg_admin_options(rd_kafka_admin_op_t op)
{
    return cli_admin_options(cg_rk, op, cg_timeout_ms);
}

/* ------------------------------------------------------------------ cg_listing */

static int cmp_listing(const void *a, const void *b)
{
    return strcmp(((const cg_listing_t *)a)->group, ((const cg_listing_t *)b)->group);
}

/* Every consumer group (sorted); the cluster must serve groups. */
cg_listing_t *cg_list_groups(int *n, const rd_kafka_consumer_group_state_t *states, int nstates)
{
    rd_kafka_AdminOptions_t *ao = cg_admin_options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
    if (nstates) {
        rd_kafka_error_t *e =
            rd_kafka_AdminOptions_set_match_consumer_group_states(ao, states, (size_t)nstates);
        if (e) cg_command_failed(rd_kafka_error_code(e), rd_kafka_error_string(e));
    }
    rd_kafka_ListConsumerGroups(cg_rk, ao, cg_q);
    rd_kafka_event_t *ev = cg_await(RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT);
    rd_kafka_AdminOptions_destroy(ao);
    const rd_kafka_ListConsumerGroups_result_t *r = rd_kafka_event_ListConsumerGroups_result(ev);
    size_t nerr, nvalid;
    const rd_kafka_error_t **errs = rd_kafka_ListConsumerGroups_result_errors(r, &nerr);
    for (size_t i = 0; i < nerr; i++) {
        rd_kafka_resp_err_t e = rd_kafka_error_code(errs[i]);
        if (e == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ||
            e == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION)
            cg_command_failed(e, "this cluster serves no consumer groups (ListGroups is not "
                                 "supported by its brokers)");
        cg_command_failed(e, rd_kafka_error_string(errs[i]));
    }
    const rd_kafka_ConsumerGroupListing_t **v =
        rd_kafka_ListConsumerGroups_result_valid(r, &nvalid);
    cg_listing_t *out = calloc(nvalid + 1, sizeof(*out));
    for (size_t i = 0; i < nvalid; i++) {
        out[i].group = strdup(rd_kafka_ConsumerGroupListing_group_id(v[i]));
        out[i].state = rd_kafka_ConsumerGroupListing_state(v[i]);
    }
    rd_kafka_event_destroy(ev);
    qsort(out, nvalid, sizeof(*out), cmp_listing);
    *n = (int)nvalid;
    return out;
}

static bool state_parse(const char *s, rd_kafka_consumer_group_state_t *out)
{
    for (int st = 0; st < RD_KAFKA_CONSUMER_GROUP_STATE__CNT; st++)
        if (strcasecmp(s, rd_kafka_consumer_group_state_name(st)) == 0 &&
            st != RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN) {
            *out = st;
            return true;
        }
    return false;
}

static rd_kafka_consumer_group_state_t list_states[RD_KAFKA_CONSUMER_GROUP_STATE__CNT];
static int nlist_states;

/* --list --state s1,s2 */
static void parse_list_states(void)
{
    rd_kafka_consumer_group_state_t *states = list_states;
    int nstates = 0;
    const char *filter = cli_val(cg_opts, "state");
    if (filter && *filter) {
        char *copy = strdup(filter);
        for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            while (isspace((unsigned char)*t)) t++;
            if (nstates >= RD_KAFKA_CONSUMER_GROUP_STATE__CNT || !state_parse(t, &states[nstates]))
                cli_fail("Invalid state list '%s'. Valid states are: PreparingRebalance, "
                         "CompletingRebalance, Stable, Dead, Empty",
                         filter);
            nstates++;
        }
        free(copy);
    }
    nlist_states = nstates;
}

static void do_list(void)
{
    int n;
    cg_listing_t *g = cg_list_groups(&n, list_states, nlist_states);
    if (!cli_has(cg_opts, "state")) {
        for (int i = 0; i < n; i++) printf("%s\n", g[i].group);
        return;
    }
    int w = 15;
    for (int i = 0; i < n; i++)
        if ((int)strlen(g[i].group) > w) w = (int)strlen(g[i].group);
    w += 10;
    printf("%-*s %-20s\n", w, "GROUP", "STATE");
    for (int i = 0; i < n; i++)
        printf("%-*s %-20s\n", w, g[i].group, rd_kafka_consumer_group_state_name(g[i].state));
}

/* ------------------------------------------------------------------ offsets */

const rd_kafka_topic_partition_list_t *cg_group_parts(const rd_kafka_group_result_t *g)
{
    const rd_kafka_error_t *e = rd_kafka_group_result_error(g);
    if (e) cg_command_failed(rd_kafka_error_code(e), rd_kafka_error_string(e));
    return rd_kafka_group_result_partitions(g);
}

/* The committed offsets of group (partitions without one left out), sorted; caller destroys. */
rd_kafka_topic_partition_list_t *cg_committed_offsets(const char *group)
{
    rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
    rd_kafka_event_t *ev;
    const rd_kafka_group_result_t **gr;
    size_t n;
    CG_GROUP_CALL(ListConsumerGroupOffsets, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
                  RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, req, ev, gr, n);
    rd_kafka_topic_partition_list_t *out = rd_kafka_topic_partition_list_new(16);
    for (size_t i = 0; i < n; i++) {
        const rd_kafka_topic_partition_list_t *p = cg_group_parts(gr[i]);
        for (int k = 0; p && k < p->cnt; k++)
            if (p->elems[k].offset >= 0 && !p->elems[k].err)
                rd_kafka_topic_partition_list_add(out, p->elems[k].topic, p->elems[k].partition)
                    ->offset = p->elems[k].offset;
    }
    rd_kafka_event_destroy(ev);
    cg_sort_parts(out);
    return out;
}

/* Set each partition's offset to ListOffsets' answer for spec: -1 latest, -2 earliest, or a
 * timestamp (the first offset at or after it, -1 when there is none). */
void cg_list_offsets(rd_kafka_topic_partition_list_t *parts, int64_t spec)
{
    if (parts->cnt == 0) return;
    for (int i = 0; i < parts->cnt; i++) parts->elems[i].offset = spec;
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(cg_rk, parts, cg_timeout_ms);
    if (e) cg_command_failed(e, rd_kafka_err2str(e));
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *p = &parts->elems[i];
        if (p->err) {
            char msg[512];
            snprintf(msg, sizeof(msg), "listing offsets of %s-%d: %s", p->topic, p->partition,
                     rd_kafka_err2str(p->err));
            cg_command_failed(p->err, msg);
        }
    }
}

int64_t cg_offset_of(const rd_kafka_topic_partition_list_t *l, const char *topic, int32_t p)
{
    rd_kafka_topic_partition_t *x =
        rd_kafka_topic_partition_list_find((rd_kafka_topic_partition_list_t *)l, topic, p);
    return x ? x->offset : -1;
}

/* librdkafka 2.0's admin requests give up on a group's coordinator after two quick
 * FindCoordinator retries and then wait out the whole timeout (while a fresh cluster is still
 * creating __consumer_offsets, the coordinator is briefly unavailable). A consumer's offset
 * fetch keeps looking for the coordinator until it answers: one first, per group, makes the
 * admin requests after it find the coordinator at once. Errors are left to those requests. */
void cg_find_coordinators(char **groups, int n)
{
    for (int i = 0; i < n; i++) {
        rd_kafka_conf_t *conf = cli_conf_new(TOOL, cli_val(cg_opts, "bootstrap-server"), NULL);
        if (cli_val(cg_opts, "command-config"))
            cli_conf_file(TOOL, conf, cli_val(cg_opts, "command-config"));
        cli_conf_set(TOOL, conf, "group.id", groups[i]);
        cli_conf_set(TOOL, conf, "enable.auto.commit", "false");
        rd_kafka_t *c = cli_rk_new(TOOL, RD_KAFKA_CONSUMER, conf);
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, "__consumer_offsets", 0);
        rd_kafka_committed(c, l, cg_timeout_ms);
        rd_kafka_topic_partition_list_destroy(l);
        rd_kafka_destroy_flags(c, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
}

/* --group values or, with --all-groups, every group; sorted (Kafka's TreeMap order). */
char **cg_selected_groups(int *n)
{
    char **g;
    if (cli_has(cg_opts, "all-groups")) {
        cg_listing_t *l = cg_list_groups(n, NULL, 0);
        g = calloc((size_t)*n + 1, sizeof(char *));
        for (int i = 0; i < *n; i++) g[i] = l[i].group;
    } else {
        cli_opt_t *o = cli_opt(cg_opts, "group");
        *n = o->nvals;
        g = calloc((size_t)*n + 1, sizeof(char *));
        for (int i = 0; i < *n; i++) g[i] = (char *)o->vals[i];
    }
    qsort(g, (size_t)*n, sizeof(char *), cg_cmp_str);
    return g;
}

void cg_require_groups(void)
{
    if (!cli_groups_supported(TOOL, cg_rk, cg_timeout_ms))
        cg_command_failed(RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE,
                          "this cluster serves no consumer groups (ListGroups is not supported by "
                          "its brokers)");
}

/* ------------------------------------------------------------------ delete */

static void do_delete(void)
{
    int n;
    char **groups = cg_selected_groups(&n);
    if (n == 0) return;
    cg_find_coordinators(groups, n);
    rd_kafka_DeleteGroup_t **dg = calloc((size_t)n, sizeof(*dg));
    for (int i = 0; i < n; i++) dg[i] = rd_kafka_DeleteGroup_new(groups[i]);
    rd_kafka_AdminOptions_t *ao = cg_admin_options(RD_KAFKA_ADMIN_OP_DELETEGROUPS);
    rd_kafka_DeleteGroups(cg_rk, dg, (size_t)n, ao, cg_q);
    rd_kafka_event_t *ev = cg_await(RD_KAFKA_EVENT_DELETEGROUPS_RESULT);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_DeleteGroup_destroy_array(dg, (size_t)n);
    size_t cnt;
    const rd_kafka_group_result_t **gr =
        rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &cnt);
    char ok[4096] = "";
    size_t o = 0;
    int failed = 0;
    for (size_t i = 0; i < cnt; i++)
        if (!rd_kafka_group_result_error(gr[i]))
            o += (size_t)snprintf(ok + o, o < sizeof(ok) ? sizeof(ok) - o : 0, "%s'%s'",
                                  o ? ", " : "", rd_kafka_group_result_name(gr[i]));
        else
            failed++;
    if (!failed) {
        printf("Deletion of requested consumer groups (%s) was successful.\n", ok);
    } else {
        fflush(stdout);
        fprintf(stderr, "Error: Deletion of some consumer groups failed:");
        for (size_t i = 0; i < cnt; i++) {
            const rd_kafka_error_t *e = rd_kafka_group_result_error(gr[i]);
            if (!e) continue;
            const char *msg = rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND
                                  ? "The group id does not exist."
                              : rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP
                                  ? "The group is not empty."
                                  : rd_kafka_error_string(e);
            fprintf(stderr, " Group '%s' could not be deleted due to: %s: %s%s",
                    rd_kafka_group_result_name(gr[i]), cli_java_exception(rd_kafka_error_code(e)),
                    msg, --failed ? ";" : "");
        }
        fputc('\n', stderr);
        if (o) printf("These consumer groups were deleted successfully: %s\n", ok);
        rc = 1;
    }
    rd_kafka_event_destroy(ev);
}

/* ------------------------------------------------------------------ topic arguments */

static int partitions_of(const char *topic)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(cg_rk, topic, NULL);
    const rd_kafka_metadata_t *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(cg_rk, 0, rkt, &md, cg_timeout_ms);
    rd_kafka_topic_destroy(rkt);
    if (e) cg_command_failed(e, rd_kafka_err2str(e));
    rd_kafka_resp_err_t te =
        md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    int n = md->topic_cnt ? md->topics[0].partition_cnt : 0;
    rd_kafka_metadata_destroy(md);
    if (te == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || (!te && n == 0)) {
        char msg[512];
        snprintf(msg, sizeof(msg), "Topic '%s' does not exist", topic);
        cg_command_failed(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, msg);
    }
    if (te) cg_command_failed(te, rd_kafka_err2str(te));
    return n;
}

/* --topic t (every partition) or t:0,1,2 (repeatable) */
rd_kafka_topic_partition_list_t *cg_topic_args(void)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(16);
    cli_opt_t *o = cli_opt(cg_opts, "topic");
    for (int i = 0; i < o->nvals; i++) {
        const char *arg = o->vals[i], *colon = strchr(arg, ':');
        if (!colon) {
            int n = partitions_of(arg);
            for (int p = 0; p < n; p++) rd_kafka_topic_partition_list_add(l, arg, p);
            continue;
        }
        char topic[512];
        snprintf(topic, sizeof(topic), "%.*s", (int)(colon - arg), arg);
        if (!*topic || !colon[1] || strchr(colon + 1, ':'))
            cli_fail("Invalid topic arg '%s', expected topic name and partitions", arg);
        char *copy = strdup(colon + 1);
        for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            char *end;
            long p = strtol(t, &end, 10);
            if (end == t || *end || p < 0 || p > INT32_MAX)
                cli_fail("Invalid partition '%s' specified in topic arg '%s''", t, arg);
            rd_kafka_topic_partition_list_add(l, topic, (int32_t)p);
        }
        free(copy);
    }
    cg_sort_parts(l);
    return l;
}

static void do_delete_offsets(void)
{
    const char *g = cli_val(cg_opts, "group");
    rd_kafka_topic_partition_list_t *parts = cg_topic_args();
    cg_find_coordinators((char **)&g, 1);
    rd_kafka_DeleteConsumerGroupOffsets_t *req = rd_kafka_DeleteConsumerGroupOffsets_new(g, parts);
    rd_kafka_event_t *ev;
    const rd_kafka_group_result_t **gr;
    size_t cnt;
    CG_GROUP_CALL(DeleteConsumerGroupOffsets, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS,
                  RD_KAFKA_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT, req, ev, gr, cnt);
    const rd_kafka_error_t *e = cnt ? rd_kafka_group_result_error(gr[0]) : NULL;
    const rd_kafka_topic_partition_list_t *res =
        cnt ? rd_kafka_group_result_partitions(gr[0]) : NULL;
    if (e) {
        switch (rd_kafka_error_code(e)) {
        case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID:
            cg_group_error("'%s' is not valid.", g);
            break;
        case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
            cg_group_error("'%s' does not exist.", g);
            break;
        case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
            cg_group_error("Deleting offsets of a consumer group '%s' is forbidden if the group is "
                           "not empty.",
                           g);
            break;
        default:
            cg_group_error("Encounter some unknown error: %s", rd_kafka_error_string(e));
        }
    } else {
        bool partial = false;
        for (int i = 0; res && i < res->cnt; i++) partial = partial || res->elems[i].err;
        char topics[2048] = "";
        size_t o = 0;
        cli_opt_t *t = cli_opt(cg_opts, "topic");
        for (int i = 0; i < t->nvals; i++)
            o += (size_t)snprintf(topics + o, o < sizeof(topics) ? sizeof(topics) - o : 0, "%s%s",
                                  i ? ", " : "", t->vals[i]);
        if (partial)
            cg_group_error("Encounter some partition level error, see the follow-up details:");
        else
            printf("Request succeed for deleting offsets with topic %s group %s\n", topics, g);
    }
    printf("\n%-30s %-15s %-15s\n", "TOPIC", "PARTITION", "STATUS");
    for (int i = 0; res && i < res->cnt; i++) {
        char status[512];
        if (res->elems[i].err)
            snprintf(status, sizeof(status), "Error: %s", rd_kafka_err2str(res->elems[i].err));
        else
            snprintf(status, sizeof(status), "Successful");
        char part[16];
        snprintf(part, sizeof(part), "%d", res->elems[i].partition);
        printf("%-30s %-15s %-15s\n", res->elems[i].topic, part, status);
    }
    rd_kafka_event_destroy(ev);
    rd_kafka_topic_partition_list_destroy(parts);
}

/* ------------------------------------------------------------------ arguments */

/* CommandLineUtils.checkInvalidArgs for one option against a set */
static void check_invalid(const char *used, const char *const *others, int n)
{
    if (!cli_has(cg_opts, used)) return;
    for (int i = 0; i < n; i++)
        if (strcmp(others[i], used) != 0 && cli_has(cg_opts, others[i]))
            cli_fail("Option \"[%s]\" can't be used with option \"[%s]\"", used, others[i]);
}

static void check_args(void)
{
    static const char *actions[] = {"list", "describe", "delete", "reset-offsets",
                                    "delete-offsets"};
    int nact = 0;
    for (int i = 0; i < 5; i++) nact += cli_has(cg_opts, actions[i]);
    if (!cli_has(cg_opts, "bootstrap-server"))
        cli_fail("Missing required argument \"[bootstrap-server]\"");
    if (nact != 1)
        cli_fail("Command must include exactly one action: --list, --describe, --delete, "
                 "--reset-offsets, --delete-offsets");
    bool scope = cli_has(cg_opts, "group") || cli_has(cg_opts, "all-groups");
    if (cli_has(cg_opts, "describe")) {
        if (!scope) cli_fail("Option [describe] takes one of these options: [group], [all-groups]");
        if (cli_has(cg_opts, "members") + cli_has(cg_opts, "offsets") + cli_has(cg_opts, "state") >
            1)
            cli_fail("Option [describe] takes at most one of these options: [members], "
                     "[offsets], [state]");
        if (cli_val(cg_opts, "state"))
            cli_fail("Option [describe] does not take a value for [state]");
    } else {
        static const char *desc_only[] = {"members", "offsets", "verbose"};
        for (int i = 0; i < 3; i++)
            if (cli_has(cg_opts, desc_only[i]))
                cli_fail("Option [%s] can only be used with [describe]", desc_only[i]);
        if (cli_has(cg_opts, "state") && !cli_has(cg_opts, "list"))
            cli_fail("Option [state] can only be used with [describe] or [list]");
    }
    if (cli_has(cg_opts, "delete")) {
        if (!scope) cli_fail("Option [delete] takes one of these options: [group], [all-groups]");
        if (cli_has(cg_opts, "topic"))
            cli_fail("The consumer does not support topic-specific offset deletion from a "
                     "consumer group.");
    }
    if (cli_has(cg_opts, "delete-offsets") &&
        (!cli_has(cg_opts, "group") || !cli_has(cg_opts, "topic")))
        cli_fail("Option [delete-offsets] takes the following options: [group], [topic]");
    if (cli_has(cg_opts, "reset-offsets")) {
        if (cli_has(cg_opts, "dry-run") && cli_has(cg_opts, "execute"))
            cli_fail("Option [reset-offsets] only accepts one of [execute] and [dry-run]");
        if (!scope)
            cli_fail("Option [reset-offsets] takes one of these options: [group], [all-groups]");
        for (int i = 0; i < NSCENARIOS; i++)
            check_invalid(reset_scenarios[i], reset_scenarios, NSCENARIOS);
        if (cli_has(cg_opts, "topic") && cli_has(cg_opts, "all-topics"))
            cli_fail("Option \"[topic]\" can't be used with option \"[all-topics]\"");
    } else {
        static const char *reset_only[] = {"dry-run", "execute", "export", "all-topics"};
        for (int i = 0; i < 4; i++)
            if (cli_has(cg_opts, reset_only[i]))
                cli_fail("Option [%s] can only be used with [reset-offsets]", reset_only[i]);
        for (int i = 0; i < NSCENARIOS; i++)
            if (cli_has(cg_opts, reset_scenarios[i]))
                cli_fail("Option [%s] can only be used with [reset-offsets]", reset_scenarios[i]);
    }
    if (cli_has(cg_opts, "group") && cli_has(cg_opts, "all-groups"))
        cli_fail("Option \"[group]\" can't be used with option \"[all-groups]\"");
    if (cli_has(cg_opts, "group") && cli_has(cg_opts, "list"))
        cli_fail("Option \"[group]\" can't be used with option \"[list]\"");
    if (cli_has(cg_opts, "topic") && (cli_has(cg_opts, "list") || cli_has(cg_opts, "describe")))
        cli_fail("Option \"[topic]\" can't be used with option \"[%s]\"",
                 cli_has(cg_opts, "list") ? "list" : "describe");
    if (cli_has(cg_opts, "delete-offsets") && cli_opt(cg_opts, "group")->nvals > 1)
        cli_fail("Option [delete-offsets] supports one consumer group at the time");
    if (cli_has(cg_opts, "list")) parse_list_states();
}

int main(int argc, char **argv)
{
    const char *summary = "This tool helps to list all consumer groups, describe a consumer "
                          "group, delete consumer group info, or reset consumer group offsets.";
    cli_parse_or_usage(TOOL, summary, cg_opts, argc, argv);
    check_args();
    cg_timeout_ms = (int)cli_ll(TOOL, cg_opts, "timeout", 5000, 1, INT32_MAX / 2);
    cg_rk = cli_admin_new(TOOL, cli_val(cg_opts, "bootstrap-server"),
                          cli_val(cg_opts, "command-config"));
    cli_wait_cluster(TOOL, cg_rk);
    cg_q = rd_kafka_queue_new(cg_rk);
    if (cli_has(cg_opts, "list")) {
        do_list();
    } else {
        cg_require_groups();
        if (cli_has(cg_opts, "describe"))
            cg_do_describe();
        else if (cli_has(cg_opts, "delete"))
            do_delete();
        else if (cli_has(cg_opts, "delete-offsets"))
            do_delete_offsets();
        else
            cg_do_reset();
    }
    fflush(stdout);
    rd_kafka_queue_destroy(cg_q);
    rd_kafka_destroy(cg_rk);
    return rc;
}
