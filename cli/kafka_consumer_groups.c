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
 * A cluster that serves no consumer groups (ListGroups unsupported) is a one-line error. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "ktime.h"

#define TOOL "kafka-consumer-groups"

static cli_opt_t opts[] = {
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

static rd_kafka_t *rk;
static rd_kafka_queue_t *q;
static int timeout_ms = 5000;
static int rc;

/* printError("Executing consumer group command failed due to ...") */
static void command_failed(rd_kafka_resp_err_t err, const char *msg) __attribute__((noreturn));
static void command_failed(rd_kafka_resp_err_t err, const char *msg)
{
    fprintf(stderr, "Error: Executing consumer group command failed due to %s: %s\n",
            cli_java_exception(err), msg && *msg ? msg : rd_kafka_err2str(err));
    exit(1);
}

/* A group-level error (the command goes on with the other groups). */
static void group_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void group_error(const char *fmt, ...)
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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_tp(const void *a, const void *b)
{
    const rd_kafka_topic_partition_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

static void sort_parts(rd_kafka_topic_partition_list_t *l)
{
    qsort(l->elems, (size_t)l->cnt, sizeof(*l->elems), cmp_tp);
}

static rd_kafka_event_t *await(rd_kafka_event_type_t type)
{
    rd_kafka_event_t *ev = cli_admin_wait(TOOL, q, type, timeout_ms + 5000);
    if (rd_kafka_event_error(ev))
        command_failed(rd_kafka_event_error(ev), rd_kafka_event_error_string(ev));
    return ev;
}

static rd_kafka_AdminOptions_t *admin_options(rd_kafka_admin_op_t op)
{
    return cli_admin_options(rk, op, timeout_ms);
}

/* ------------------------------------------------------------------ listing */

typedef struct listing {
    char *group;
    rd_kafka_consumer_group_state_t state;
} listing_t;

static int cmp_listing(const void *a, const void *b)
{
    return strcmp(((const listing_t *)a)->group, ((const listing_t *)b)->group);
}

/* Every consumer group (sorted); the cluster must serve groups. */
static listing_t *list_groups(int *n, const rd_kafka_consumer_group_state_t *states, int nstates)
{
    rd_kafka_AdminOptions_t *ao = admin_options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
    if (nstates) {
        rd_kafka_error_t *e =
            rd_kafka_AdminOptions_set_match_consumer_group_states(ao, states, (size_t)nstates);
        if (e) command_failed(rd_kafka_error_code(e), rd_kafka_error_string(e));
    }
    rd_kafka_ListConsumerGroups(rk, ao, q);
    rd_kafka_event_t *ev = await(RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT);
    rd_kafka_AdminOptions_destroy(ao);
    const rd_kafka_ListConsumerGroups_result_t *r = rd_kafka_event_ListConsumerGroups_result(ev);
    size_t nerr, nvalid;
    const rd_kafka_error_t **errs = rd_kafka_ListConsumerGroups_result_errors(r, &nerr);
    for (size_t i = 0; i < nerr; i++) {
        rd_kafka_resp_err_t e = rd_kafka_error_code(errs[i]);
        if (e == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ||
            e == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION)
            command_failed(e, "this cluster serves no consumer groups (ListGroups is not "
                              "supported by its brokers)");
        command_failed(e, rd_kafka_error_string(errs[i]));
    }
    const rd_kafka_ConsumerGroupListing_t **v =
        rd_kafka_ListConsumerGroups_result_valid(r, &nvalid);
    listing_t *out = calloc(nvalid + 1, sizeof(*out));
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
    const char *filter = cli_val(opts, "state");
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
    listing_t *g = list_groups(&n, list_states, nlist_states);
    if (!cli_has(opts, "state")) {
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

/* The committed offsets of group (partitions without one left out), sorted; caller destroys. */
static rd_kafka_topic_partition_list_t *committed_offsets(const char *group)
{
    rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
    rd_kafka_AdminOptions_t *ao = admin_options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, ao, q);
    rd_kafka_event_t *ev = await(RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    size_t n;
    const rd_kafka_group_result_t **gr = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
    rd_kafka_topic_partition_list_t *out = rd_kafka_topic_partition_list_new(16);
    for (size_t i = 0; i < n; i++) {
        const rd_kafka_error_t *e = rd_kafka_group_result_error(gr[i]);
        if (e) command_failed(rd_kafka_error_code(e), rd_kafka_error_string(e));
        const rd_kafka_topic_partition_list_t *p = rd_kafka_group_result_partitions(gr[i]);
        for (int k = 0; p && k < p->cnt; k++)
            if (p->elems[k].offset >= 0 && !p->elems[k].err)
                rd_kafka_topic_partition_list_add(out, p->elems[k].topic, p->elems[k].partition)
                    ->offset = p->elems[k].offset;
    }
    rd_kafka_event_destroy(ev);
    sort_parts(out);
    return out;
}

/* Set each partition's offset to ListOffsets' answer for spec: -1 latest, -2 earliest, or a
 * timestamp (the first offset at or after it, -1 when there is none). */
static void list_offsets(rd_kafka_topic_partition_list_t *parts, int64_t spec)
{
    if (parts->cnt == 0) return;
    for (int i = 0; i < parts->cnt; i++) parts->elems[i].offset = spec;
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(rk, parts, timeout_ms);
    if (e) command_failed(e, rd_kafka_err2str(e));
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *p = &parts->elems[i];
        if (p->err) {
            char msg[512];
            snprintf(msg, sizeof(msg), "listing offsets of %s-%d: %s", p->topic, p->partition,
                     rd_kafka_err2str(p->err));
            command_failed(p->err, msg);
        }
    }
}

static int64_t offset_of(const rd_kafka_topic_partition_list_t *l, const char *topic, int32_t p)
{
    rd_kafka_topic_partition_t *x =
        rd_kafka_topic_partition_list_find((rd_kafka_topic_partition_list_t *)l, topic, p);
    return x ? x->offset : -1;
}

/* ------------------------------------------------------------------ describe */

typedef struct row {
    const char *topic;
    int32_t partition; /* -1: no partition (a member without assignment) */
    int64_t current, end;
    const char *consumer_id, *host, *client_id;
} row_t;

static int cmp_row(const void *a, const void *b)
{
    const row_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* librdkafka 2.0's admin requests give up on a group's coordinator after two quick
 * FindCoordinator retries and then wait out the whole timeout (while a fresh cluster is still
 * creating __consumer_offsets, the coordinator is briefly unavailable). A consumer's offset
 * fetch keeps looking for the coordinator until it answers: one first, per group, makes the
 * admin requests after it find the coordinator at once. Errors are left to those requests. */
static void find_coordinators(char **groups, int n)
{
    for (int i = 0; i < n; i++) {
        rd_kafka_conf_t *conf = cli_conf_new(TOOL, cli_val(opts, "bootstrap-server"), NULL);
        if (cli_val(opts, "command-config"))
            cli_conf_file(TOOL, conf, cli_val(opts, "command-config"));
        cli_conf_set(TOOL, conf, "group.id", groups[i]);
        cli_conf_set(TOOL, conf, "enable.auto.commit", "false");
        rd_kafka_t *c = cli_rk_new(TOOL, RD_KAFKA_CONSUMER, conf);
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, "__consumer_offsets", 0);
        rd_kafka_committed(c, l, timeout_ms);
        rd_kafka_topic_partition_list_destroy(l);
        rd_kafka_destroy_flags(c, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
}

static rd_kafka_event_t *describe_groups(char **groups, int n,
                                         const rd_kafka_ConsumerGroupDescription_t ***descs,
                                         size_t *cnt)
{
    find_coordinators(groups, n);
    rd_kafka_AdminOptions_t *ao = admin_options(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
    rd_kafka_DescribeConsumerGroups(rk, (const char **)groups, (size_t)n, ao, q);
    rd_kafka_event_t *ev = await(RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT);
    rd_kafka_AdminOptions_destroy(ao);
    *descs = rd_kafka_DescribeConsumerGroups_result_groups(
        rd_kafka_event_DescribeConsumerGroups_result(ev), cnt);
    return ev;
}

/* Kafka's shouldPrintMemberState: messages for dead, empty and rebalancing groups; whether the
 * table follows. */
static bool group_printable(const rd_kafka_ConsumerGroupDescription_t *d, size_t nrows)
{
    const char *g = rd_kafka_ConsumerGroupDescription_group_id(d);
    const rd_kafka_error_t *e = rd_kafka_ConsumerGroupDescription_error(d);
    rd_kafka_consumer_group_state_t st = rd_kafka_ConsumerGroupDescription_state(d);
    if ((e && rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) ||
        (!e && st == RD_KAFKA_CONSUMER_GROUP_STATE_DEAD)) {
        group_error("Consumer group '%s' does not exist.", g);
        return false;
    }
    if (e) {
        group_error("Executing consumer group command failed due to %s: %s",
                    cli_java_exception(rd_kafka_error_code(e)), rd_kafka_error_string(e));
        return false;
    }
    fflush(stdout);
    if (st == RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY)
        fprintf(stderr, "\nConsumer group '%s' has no active members.\n", g);
    else if (st == RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE ||
             st == RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE)
        fprintf(stderr, "\nWarning: Consumer group '%s' is rebalancing.\n", g);
    return nrows > 0;
}

static int maxw(int w, const char *s)
{
    int l = (int)strlen(s);
    return l > w ? l : w;
}

static void print_offsets(const rd_kafka_ConsumerGroupDescription_t *d)
{
    const char *g = rd_kafka_ConsumerGroupDescription_group_id(d);
    if (rd_kafka_ConsumerGroupDescription_error(d)) {
        group_printable(d, 0);
        return;
    }
    rd_kafka_topic_partition_list_t *committed = committed_offsets(g);
    /* rows: members' assignments (most partitions first), then committed partitions nobody
     * owns */
    size_t nm = rd_kafka_ConsumerGroupDescription_member_count(d);
    const rd_kafka_MemberDescription_t **members = calloc(nm + 1, sizeof(*members));
    for (size_t i = 0; i < nm; i++) members[i] = rd_kafka_ConsumerGroupDescription_member(d, i);
    for (size_t i = 1; i < nm; i++) /* insertion sort by assignment size, descending */
        for (size_t j = i; j > 0; j--) {
            int a = rd_kafka_MemberAssignment_partitions(
                        rd_kafka_MemberDescription_assignment(members[j - 1]))
                        ->cnt,
                b = rd_kafka_MemberAssignment_partitions(
                        rd_kafka_MemberDescription_assignment(members[j]))
                        ->cnt;
            if (a >= b) break;
            const rd_kafka_MemberDescription_t *t = members[j];
            members[j] = members[j - 1];
            members[j - 1] = t;
        }
    rd_kafka_topic_partition_list_t *all = rd_kafka_topic_partition_list_new(16);
    size_t cap = (size_t)committed->cnt + 16, nrows = 0;
    row_t *rows = calloc(cap, sizeof(*rows));
    for (size_t i = 0; i < nm; i++) {
        const rd_kafka_topic_partition_list_t *a =
            rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(members[i]));
        size_t first = nrows;
        for (int k = 0; k < a->cnt; k++) {
            if (nrows == cap) rows = realloc(rows, (cap *= 2) * sizeof(*rows));
            rows[nrows++] = (row_t){a->elems[k].topic,
                                    a->elems[k].partition,
                                    offset_of(committed, a->elems[k].topic, a->elems[k].partition),
                                    -1,
                                    rd_kafka_MemberDescription_consumer_id(members[i]),
                                    rd_kafka_MemberDescription_host(members[i]),
                                    rd_kafka_MemberDescription_client_id(members[i])};
            rd_kafka_topic_partition_list_add(all, a->elems[k].topic, a->elems[k].partition);
        }
        qsort(rows + first, nrows - first, sizeof(*rows), cmp_row);
    }
    for (int k = 0; k < committed->cnt; k++) {
        rd_kafka_topic_partition_t *c = &committed->elems[k];
        if (rd_kafka_topic_partition_list_find(all, c->topic, c->partition)) continue;
        if (nrows == cap) rows = realloc(rows, (cap *= 2) * sizeof(*rows));
        rows[nrows++] = (row_t){c->topic, c->partition, c->offset, -1, "-", "-", "-"};
        rd_kafka_topic_partition_list_add(all, c->topic, c->partition);
    }
    if (group_printable(d, nrows)) {
        list_offsets(all, RD_KAFKA_OFFSET_END);
        int wg = maxw(15, g), wt = 15, wc = 15, wh = 15;
        for (size_t i = 0; i < nrows; i++) {
            rows[i].end = offset_of(all, rows[i].topic, rows[i].partition);
            wt = maxw(wt, rows[i].topic);
            wc = maxw(wc, rows[i].consumer_id);
            wh = maxw(wh, rows[i].host);
        }
        printf("\n%-*s %-*s %-10s %-15s %-15s %-15s %-*s %-*s %s\n", wg, "GROUP", wt, "TOPIC",
               "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", wc, "CONSUMER-ID", wh,
               "HOST", "CLIENT-ID");
        for (size_t i = 0; i < nrows; i++) {
            row_t *r = &rows[i];
            char part[16], cur[24], end[24], lag[24];
            snprintf(part, sizeof(part), "%d", r->partition);
            snprintf(cur, sizeof(cur), r->current >= 0 ? "%lld" : "-", (long long)r->current);
            snprintf(end, sizeof(end), r->end >= 0 ? "%lld" : "-", (long long)r->end);
            if (r->current >= 0 && r->end >= 0)
                snprintf(lag, sizeof(lag), "%lld", (long long)(r->end - r->current));
            else
                snprintf(lag, sizeof(lag), "-");
            printf("%-*s %-*s %-10s %-15s %-15s %-15s %-*s %-*s %s\n", wg, g, wt, r->topic, part,
                   cur, end, lag, wc, r->consumer_id, wh, r->host, r->client_id);
        }
    }
    fflush(stdout);
    free(rows);
    free(members);
    rd_kafka_topic_partition_list_destroy(all);
}

static void print_members(const rd_kafka_ConsumerGroupDescription_t *d, bool verbose)
{
    const char *g = rd_kafka_ConsumerGroupDescription_group_id(d);
    size_t nm = rd_kafka_ConsumerGroupDescription_member_count(d);
    if (!group_printable(d, nm)) return;
    int wg = maxw(15, g), wc = 15, wi = 17, wh = 15, wcl = 15;
    bool instance = false;
    for (size_t i = 0; i < nm; i++) {
        const rd_kafka_MemberDescription_t *m = rd_kafka_ConsumerGroupDescription_member(d, i);
        const char *gi = rd_kafka_MemberDescription_group_instance_id(m);
        wc = maxw(wc, rd_kafka_MemberDescription_consumer_id(m));
        wh = maxw(wh, rd_kafka_MemberDescription_host(m));
        wcl = maxw(wcl, rd_kafka_MemberDescription_client_id(m));
        if (gi && *gi) {
            instance = true;
            wi = maxw(wi, gi);
        }
    }
    putchar('\n');
    if (instance)
        printf("%-*s %-*s %-*s %-*s %-*s %-15s ", wg, "GROUP", wc, "CONSUMER-ID", wi,
               "GROUP-INSTANCE-ID", wh, "HOST", wcl, "CLIENT-ID", "#PARTITIONS");
    else
        printf("%-*s %-*s %-*s %-*s %-15s ", wg, "GROUP", wc, "CONSUMER-ID", wh, "HOST", wcl,
               "CLIENT-ID", "#PARTITIONS");
    if (verbose) printf("ASSIGNMENT");
    putchar('\n');
    for (size_t i = 0; i < nm; i++) {
        const rd_kafka_MemberDescription_t *m = rd_kafka_ConsumerGroupDescription_member(d, i);
        const rd_kafka_topic_partition_list_t *a =
            rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(m));
        char np[16];
        snprintf(np, sizeof(np), "%d", a->cnt);
        const char *gi = rd_kafka_MemberDescription_group_instance_id(m);
        if (instance)
            printf("%-*s %-*s %-*s %-*s %-*s %-15s ", wg, g, wc,
                   rd_kafka_MemberDescription_consumer_id(m), wi, gi ? gi : "", wh,
                   rd_kafka_MemberDescription_host(m), wcl, rd_kafka_MemberDescription_client_id(m),
                   np);
        else
            printf("%-*s %-*s %-*s %-*s %-15s ", wg, g, wc,
                   rd_kafka_MemberDescription_consumer_id(m), wh,
                   rd_kafka_MemberDescription_host(m), wcl, rd_kafka_MemberDescription_client_id(m),
                   np);
        if (verbose) {
            /* topic(0,1), topic2(3): topics sorted, partitions sorted */
            rd_kafka_topic_partition_list_t *s = rd_kafka_topic_partition_list_copy(a);
            sort_parts(s);
            if (s->cnt == 0) printf("-");
            for (int k = 0; k < s->cnt; k++) {
                bool first = k == 0 || strcmp(s->elems[k - 1].topic, s->elems[k].topic) != 0;
                bool last =
                    k + 1 == s->cnt || strcmp(s->elems[k + 1].topic, s->elems[k].topic) != 0;
                if (first) printf("%s%s(", k ? ", " : "", s->elems[k].topic);
                printf("%s%d", first ? "" : ",", s->elems[k].partition);
                if (last) printf(")");
            }
            rd_kafka_topic_partition_list_destroy(s);
        }
        putchar('\n');
    }
}

static void print_state(const rd_kafka_ConsumerGroupDescription_t *d)
{
    if (!group_printable(d, 1)) return;
    const rd_kafka_Node_t *c = rd_kafka_ConsumerGroupDescription_coordinator(d);
    char coord[300];
    snprintf(coord, sizeof(coord), "%s:%u (%d)", c ? rd_kafka_Node_host(c) : "-",
             c ? rd_kafka_Node_port(c) : 0, c ? rd_kafka_Node_id(c) : -1);
    int w = maxw(25, coord);
    const char *assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(d);
    char nmem[16];
    snprintf(nmem, sizeof(nmem), "%zu", rd_kafka_ConsumerGroupDescription_member_count(d));
    /* Kafka's format: the GROUP column is as wide as the coordinator's */
    printf("\n%-*s %-25s %-20s %-15s %s", w, "GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY",
           "STATE", "#MEMBERS");
    printf("\n%-*s %-25s %-20s %-15s %s", w, rd_kafka_ConsumerGroupDescription_group_id(d), coord,
           assignor ? assignor : "",
           rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(d)), nmem);
    putchar('\n');
}

/* --group values or, with --all-groups, every group; sorted (Kafka's TreeMap order). */
static char **selected_groups(int *n)
{
    char **g;
    if (cli_has(opts, "all-groups")) {
        listing_t *l = list_groups(n, NULL, 0);
        g = calloc((size_t)*n + 1, sizeof(char *));
        for (int i = 0; i < *n; i++) g[i] = l[i].group;
    } else {
        cli_opt_t *o = cli_opt(opts, "group");
        *n = o->nvals;
        g = calloc((size_t)*n + 1, sizeof(char *));
        for (int i = 0; i < *n; i++) g[i] = (char *)o->vals[i];
    }
    qsort(g, (size_t)*n, sizeof(char *), cmp_str);
    return g;
}

static void require_groups(void)
{
    if (!cli_groups_supported(TOOL, rk, timeout_ms))
        command_failed(RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE,
                       "this cluster serves no consumer groups (ListGroups is not supported by "
                       "its brokers)");
}

static void do_describe(void)
{
    int n;
    char **groups = selected_groups(&n);
    if (n == 0) return;
    const rd_kafka_ConsumerGroupDescription_t **d;
    size_t cnt;
    rd_kafka_event_t *ev = describe_groups(groups, n, &d, &cnt);
    for (size_t i = 0; i < cnt; i++) {
        if (cli_has(opts, "members"))
            print_members(d[i], cli_has(opts, "verbose"));
        else if (cli_has(opts, "state"))
            print_state(d[i]);
        else
            print_offsets(d[i]);
    }
    rd_kafka_event_destroy(ev);
}

/* ------------------------------------------------------------------ delete */

static void do_delete(void)
{
    int n;
    char **groups = selected_groups(&n);
    if (n == 0) return;
    find_coordinators(groups, n);
    rd_kafka_DeleteGroup_t **dg = calloc((size_t)n, sizeof(*dg));
    for (int i = 0; i < n; i++) dg[i] = rd_kafka_DeleteGroup_new(groups[i]);
    rd_kafka_AdminOptions_t *ao = admin_options(RD_KAFKA_ADMIN_OP_DELETEGROUPS);
    rd_kafka_DeleteGroups(rk, dg, (size_t)n, ao, q);
    rd_kafka_event_t *ev = await(RD_KAFKA_EVENT_DELETEGROUPS_RESULT);
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
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const rd_kafka_metadata_t *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
    rd_kafka_topic_destroy(rkt);
    if (e) command_failed(e, rd_kafka_err2str(e));
    rd_kafka_resp_err_t te =
        md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    int n = md->topic_cnt ? md->topics[0].partition_cnt : 0;
    rd_kafka_metadata_destroy(md);
    if (te == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || (!te && n == 0)) {
        char msg[512];
        snprintf(msg, sizeof(msg), "Topic '%s' does not exist", topic);
        command_failed(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, msg);
    }
    if (te) command_failed(te, rd_kafka_err2str(te));
    return n;
}

/* --topic t (every partition) or t:0,1,2 (repeatable) */
static rd_kafka_topic_partition_list_t *topic_args(void)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(16);
    cli_opt_t *o = cli_opt(opts, "topic");
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
    sort_parts(l);
    return l;
}

static void do_delete_offsets(void)
{
    const char *g = cli_val(opts, "group");
    rd_kafka_topic_partition_list_t *parts = topic_args();
    find_coordinators((char **)&g, 1);
    rd_kafka_DeleteConsumerGroupOffsets_t *req = rd_kafka_DeleteConsumerGroupOffsets_new(g, parts);
    rd_kafka_AdminOptions_t *ao = admin_options(RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS);
    rd_kafka_DeleteConsumerGroupOffsets(rk, &req, 1, ao, q);
    rd_kafka_event_t *ev = await(RD_KAFKA_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_DeleteConsumerGroupOffsets_destroy(req);
    size_t cnt;
    const rd_kafka_group_result_t **gr = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
        rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &cnt);
    const rd_kafka_error_t *e = cnt ? rd_kafka_group_result_error(gr[0]) : NULL;
    const rd_kafka_topic_partition_list_t *res =
        cnt ? rd_kafka_group_result_partitions(gr[0]) : NULL;
    if (e) {
        switch (rd_kafka_error_code(e)) {
        case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID:
            group_error("'%s' is not valid.", g);
            break;
        case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
            group_error("'%s' does not exist.", g);
            break;
        case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
            group_error("Deleting offsets of a consumer group '%s' is forbidden if the group is "
                        "not empty.",
                        g);
            break;
        default:
            group_error("Encounter some unknown error: %s", rd_kafka_error_string(e));
        }
    } else {
        bool partial = false;
        for (int i = 0; res && i < res->cnt; i++) partial = partial || res->elems[i].err;
        char topics[2048] = "";
        size_t o = 0;
        cli_opt_t *t = cli_opt(opts, "topic");
        for (int i = 0; i < t->nvals; i++)
            o += (size_t)snprintf(topics + o, o < sizeof(topics) ? sizeof(topics) - o : 0, "%s%s",
                                  i ? ", " : "", t->vals[i]);
        if (partial)
            group_error("Encounter some partition level error, see the follow-up details:");
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

/* ------------------------------------------------------------------ reset-offsets */

/* Utils.getDateTime: 'YYYY-MM-DDTHH:mm:SS.sss' with an optional zone (Z, +hh:mm, -hhmm);
 * without one the time is UTC. */
static int64_t parse_datetime(const char *s)
{
    const char *t = strchr(s, 'T');
    if (!t)
        cli_fail("Error parsing timestamp. It does not contain a 'T' according to ISO8601 "
                 "format");
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int ms = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &n) != 5)
        goto bad;
    const char *p = s + n;
    if (*p == ':') {
        int k = 0;
        if (sscanf(p, ":%2d%n", &tm.tm_sec, &k) != 1) goto bad;
        p += k;
        if (*p == '.') {
            p++;
            int digits = 0;
            while (isdigit((unsigned char)*p)) {
                if (digits < 3) ms = ms * 10 + (*p - '0');
                digits++;
                p++;
            }
            if (!digits) goto bad;
            for (; digits < 3; digits++) ms *= 10;
        }
    }
    long off = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, hh = 0, mm = 0;
        p++;
        if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1])) goto bad;
        hh = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (*p == ':') p++;
        if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1])) {
            mm = (p[0] - '0') * 10 + (p[1] - '0');
            p += 2;
        }
        off = sign * (hh * 3600L + mm * 60L);
    }
    if (*p) goto bad;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60)
        goto bad;
    return ((int64_t)timegm(&tm) - off) * 1000 + ms;
bad:
    cli_fail("Unparseable date: \"%s\"", s);
}

/* java.time.Duration.parse: [-]P[nD][T[nH][nM][n[.f]S]], each number optionally signed. */
static int64_t parse_duration_ms(const char *s)
{
    const char *p = s;
    int sign = 1;
    if (*p == '-' || *p == '+') sign = *p++ == '-' ? -1 : 1;
    if (*p != 'P' && *p != 'p') goto bad;
    p++;
    double total = 0;
    bool in_time = false, any = false;
    while (*p) {
        if (*p == 'T' || *p == 't') {
            if (in_time) goto bad;
            in_time = true;
            p++;
            if (!*p) goto bad;
            continue;
        }
        char *end;
        double v = strtod(p, &end);
        if (end == p) goto bad;
        char unit = (char)toupper((unsigned char)*end);
        double mul = unit == 'D' && !in_time  ? 86400e3
                     : unit == 'H' && in_time ? 3600e3
                     : unit == 'M' && in_time ? 60e3
                     : unit == 'S' && in_time ? 1e3
                                              : 0;
        if (mul == 0 || (unit != 'S' && v != (double)(long long)v)) goto bad;
        total += v * mul;
        any = true;
        p = end + 1;
    }
    if (!any) goto bad;
    return (int64_t)(sign * total);
bad:
    cli_fail("Text cannot be parsed to a Duration: %s", s);
}

/* --from-file: "topic,partition,offset" (one group) or "group,topic,partition,offset" lines */
static rd_kafka_topic_partition_list_t *plan_from_file(const char *group, bool *found)
{
    const char *path = cli_val(opts, "from-file");
    FILE *f = fopen(path, "r");
    if (!f) cli_fail("%s (No such file or directory)", path);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(16);
    char line[4096];
    *found = false;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!*line) continue;
        char *f1 = strtok(line, ","), *f2 = strtok(NULL, ","), *f3 = strtok(NULL, ","),
             *f4 = strtok(NULL, ",");
        const char *g = group, *topic = f1, *part = f2, *off = f3;
        if (f4) {
            g = f1;
            topic = f2;
            part = f3;
            off = f4;
        }
        if (!topic || !part || !off) cli_fail("Invalid reset plan line in %s: %s", path, line);
        if (strcmp(g, group) != 0) continue;
        *found = true;
        rd_kafka_topic_partition_list_add(l, topic, atoi(part))->offset = atoll(off);
    }
    fclose(f);
    sort_parts(l);
    return l;
}

/* Kafka's checkOffsetsRange: clamp into [log start, log end] with a warning */
static void clamp_offsets(rd_kafka_topic_partition_list_t *plan)
{
    rd_kafka_topic_partition_list_t *lo = rd_kafka_topic_partition_list_copy(plan),
                                    *hi = rd_kafka_topic_partition_list_copy(plan);
    list_offsets(lo, RD_KAFKA_OFFSET_BEGINNING);
    list_offsets(hi, RD_KAFKA_OFFSET_END);
    for (int i = 0; i < plan->cnt; i++) {
        rd_kafka_topic_partition_t *p = &plan->elems[i];
        int64_t start = lo->elems[i].offset, end = hi->elems[i].offset;
        if (p->offset > end) {
            fprintf(stderr,
                    "WARN New offset (%lld) is higher than latest offset for topic partition "
                    "%s-%d. Value will be set to %lld\n",
                    (long long)p->offset, p->topic, p->partition, (long long)end);
            p->offset = end;
        } else if (p->offset < start) {
            fprintf(stderr,
                    "WARN New offset (%lld) is lower than earliest offset for topic partition "
                    "%s-%d. Value will be set to %lld\n",
                    (long long)p->offset, p->topic, p->partition, (long long)start);
            p->offset = start;
        }
    }
    rd_kafka_topic_partition_list_destroy(lo);
    rd_kafka_topic_partition_list_destroy(hi);
}

/* Offsets by time: empty partitions fall back to the log end, as Kafka's tool does. */
static void offsets_by_time(rd_kafka_topic_partition_list_t *plan, int64_t ts)
{
    list_offsets(plan, ts);
    rd_kafka_topic_partition_list_t *empty = rd_kafka_topic_partition_list_new(4);
    for (int i = 0; i < plan->cnt; i++)
        if (plan->elems[i].offset < 0) {
            printf("\nWarn: Partition %d from topic %s is empty. Falling back to latest known "
                   "offset.\n",
                   plan->elems[i].partition, plan->elems[i].topic);
            rd_kafka_topic_partition_list_add(empty, plan->elems[i].topic,
                                              plan->elems[i].partition);
        }
    list_offsets(empty, RD_KAFKA_OFFSET_END);
    for (int i = 0; i < empty->cnt; i++)
        rd_kafka_topic_partition_list_find(plan, empty->elems[i].topic, empty->elems[i].partition)
            ->offset = empty->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(empty);
}

/* The new offsets of group's partitions (plan->offset), by the chosen scenario; NULL after an
 * error was reported. */
static rd_kafka_topic_partition_list_t *prepare_reset(const char *group)
{
    rd_kafka_topic_partition_list_t *committed = committed_offsets(group), *plan;
    if (cli_has(opts, "from-file")) {
        bool found;
        plan = plan_from_file(group, &found);
        if (!found) {
            group_error("No reset plan for group %s found", group);
            rd_kafka_topic_partition_list_destroy(committed);
            rd_kafka_topic_partition_list_destroy(plan);
            return NULL;
        }
        clamp_offsets(plan);
    } else {
        if (cli_has(opts, "all-topics"))
            plan = rd_kafka_topic_partition_list_copy(committed);
        else if (cli_has(opts, "topic"))
            plan = topic_args();
        else
            cli_fail("One of the reset scopes should be defined: --all-topics, --topic.");
        if (cli_has(opts, "to-offset")) {
            int64_t off = cli_ll(TOOL, opts, "to-offset", 0, INT64_MIN, INT64_MAX);
            for (int i = 0; i < plan->cnt; i++) plan->elems[i].offset = off;
            clamp_offsets(plan);
        } else if (cli_has(opts, "to-earliest")) {
            list_offsets(plan, RD_KAFKA_OFFSET_BEGINNING);
        } else if (cli_has(opts, "to-latest")) {
            list_offsets(plan, RD_KAFKA_OFFSET_END);
        } else if (cli_has(opts, "shift-by")) {
            int64_t by = cli_ll(TOOL, opts, "shift-by", 0, INT64_MIN, INT64_MAX);
            for (int i = 0; i < plan->cnt; i++) {
                rd_kafka_topic_partition_t *p = &plan->elems[i];
                int64_t cur = offset_of(committed, p->topic, p->partition);
                if (cur < 0)
                    cli_fail("Cannot shift offset for partition %s-%d since there is no "
                             "current committed offset",
                             p->topic, p->partition);
                p->offset = cur + by;
            }
            clamp_offsets(plan);
        } else if (cli_has(opts, "to-datetime")) {
            offsets_by_time(plan, parse_datetime(cli_val(opts, "to-datetime")));
        } else if (cli_has(opts, "by-duration")) {
            offsets_by_time(plan,
                            ktime_wall_ms() - parse_duration_ms(cli_val(opts, "by-duration")));
        } else if (cli_has(opts, "to-current")) {
            rd_kafka_topic_partition_list_t *none = rd_kafka_topic_partition_list_new(4);
            for (int i = 0; i < plan->cnt; i++) {
                rd_kafka_topic_partition_t *p = &plan->elems[i];
                p->offset = offset_of(committed, p->topic, p->partition);
                if (p->offset < 0) rd_kafka_topic_partition_list_add(none, p->topic, p->partition);
            }
            list_offsets(none, RD_KAFKA_OFFSET_END);
            for (int i = 0; i < none->cnt; i++)
                rd_kafka_topic_partition_list_find(plan, none->elems[i].topic,
                                                   none->elems[i].partition)
                    ->offset = none->elems[i].offset;
            rd_kafka_topic_partition_list_destroy(none);
        } else {
            cli_fail("Option '[reset-offsets]' requires one of the following scenarios: "
                     "[to-offset], [shift-by], [to-datetime], [by-duration], [to-earliest], "
                     "[to-latest], [to-current], [from-file]");
        }
    }
    rd_kafka_topic_partition_list_destroy(committed);
    return plan;
}

static void commit_plan(const char *group, const rd_kafka_topic_partition_list_t *plan)
{
    rd_kafka_AlterConsumerGroupOffsets_t *req = rd_kafka_AlterConsumerGroupOffsets_new(group, plan);
    rd_kafka_AdminOptions_t *ao = admin_options(RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
    rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, ao, q);
    rd_kafka_event_t *ev = await(RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    size_t cnt;
    const rd_kafka_group_result_t **gr = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &cnt);
    for (size_t i = 0; i < cnt; i++) {
        const rd_kafka_error_t *e = rd_kafka_group_result_error(gr[i]);
        if (e) command_failed(rd_kafka_error_code(e), rd_kafka_error_string(e));
        const rd_kafka_topic_partition_list_t *p = rd_kafka_group_result_partitions(gr[i]);
        for (int k = 0; p && k < p->cnt; k++)
            if (p->elems[k].err) {
                char msg[512];
                snprintf(msg, sizeof(msg), "committing the offset of %s-%d: %s", p->elems[k].topic,
                         p->elems[k].partition, rd_kafka_err2str(p->elems[k].err));
                command_failed(p->elems[k].err, msg);
            }
    }
    rd_kafka_event_destroy(ev);
}

static void do_reset(void)
{
    bool execute = cli_has(opts, "execute");
    if (!execute && !cli_has(opts, "dry-run"))
        fprintf(stderr,
                "WARN: No action will be performed as the --execute option is missing.In a future "
                "major release, the default behavior of this command will be to prompt the user "
                "before executing the reset rather than doing a dry run. You should add the "
                "--dry-run option explicitly if you are scripting this command and want to keep "
                "the current default behavior without prompting.\n");
    int n;
    char **groups = selected_groups(&n);
    if (n == 0) return;
    const rd_kafka_ConsumerGroupDescription_t **d;
    size_t cnt;
    rd_kafka_event_t *ev = describe_groups(groups, n, &d, &cnt);
    rd_kafka_topic_partition_list_t **plans = calloc(cnt + 1, sizeof(*plans));
    for (size_t i = 0; i < cnt; i++) {
        const char *g = rd_kafka_ConsumerGroupDescription_group_id(d[i]);
        const rd_kafka_error_t *e = rd_kafka_ConsumerGroupDescription_error(d[i]);
        rd_kafka_consumer_group_state_t st = rd_kafka_ConsumerGroupDescription_state(d[i]);
        if (e && rd_kafka_error_code(e) != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
            command_failed(rd_kafka_error_code(e), rd_kafka_error_string(e));
        if (!e && st != RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY &&
            st != RD_KAFKA_CONSUMER_GROUP_STATE_DEAD) {
            group_error("Assignments can only be reset if the group '%s' is inactive, but the "
                        "current state is %s.",
                        g, rd_kafka_consumer_group_state_name(st));
            continue;
        }
        plans[i] = prepare_reset(g);
        if (plans[i] && execute) commit_plan(g, plans[i]);
    }
    if (cli_has(opts, "export")) {
        for (size_t i = 0; i < cnt; i++)
            for (int k = 0; plans[i] && k < plans[i]->cnt; k++) {
                rd_kafka_topic_partition_t *p = &plans[i]->elems[k];
                if (n == 1)
                    printf("%s,%d,%lld\n", p->topic, p->partition, (long long)p->offset);
                else
                    printf("%s,%s,%d,%lld\n", rd_kafka_ConsumerGroupDescription_group_id(d[i]),
                           p->topic, p->partition, (long long)p->offset);
            }
        putchar('\n');
    } else if (cnt) {
        printf("\n%-30s %-30s %-10s %-15s\n", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
        for (size_t i = 0; i < cnt; i++)
            for (int k = 0; plans[i] && k < plans[i]->cnt; k++) {
                rd_kafka_topic_partition_t *p = &plans[i]->elems[k];
                char part[16], off[24];
                snprintf(part, sizeof(part), "%d", p->partition);
                snprintf(off, sizeof(off), "%lld", (long long)p->offset);
                printf("%-30s %-30s %-10s %-15s\n",
                       rd_kafka_ConsumerGroupDescription_group_id(d[i]), p->topic, part, off);
            }
    }
    rd_kafka_event_destroy(ev);
}

/* ------------------------------------------------------------------ arguments */

/* CommandLineUtils.checkInvalidArgs for one option against a set */
static void check_invalid(const char *used, const char *const *others, int n)
{
    if (!cli_has(opts, used)) return;
    for (int i = 0; i < n; i++)
        if (strcmp(others[i], used) != 0 && cli_has(opts, others[i]))
            cli_fail("Option \"[%s]\" can't be used with option \"[%s]\"", used, others[i]);
}

static void check_args(void)
{
    static const char *actions[] = {"list", "describe", "delete", "reset-offsets",
                                    "delete-offsets"};
    int nact = 0;
    for (int i = 0; i < 5; i++) nact += cli_has(opts, actions[i]);
    if (!cli_has(opts, "bootstrap-server"))
        cli_fail("Missing required argument \"[bootstrap-server]\"");
    if (nact != 1)
        cli_fail("Command must include exactly one action: --list, --describe, --delete, "
                 "--reset-offsets, --delete-offsets");
    bool scope = cli_has(opts, "group") || cli_has(opts, "all-groups");
    if (cli_has(opts, "describe")) {
        if (!scope) cli_fail("Option [describe] takes one of these options: [group], [all-groups]");
        if (cli_has(opts, "members") + cli_has(opts, "offsets") + cli_has(opts, "state") > 1)
            cli_fail("Option [describe] takes at most one of these options: [members], "
                     "[offsets], [state]");
        if (cli_val(opts, "state")) cli_fail("Option [describe] does not take a value for [state]");
    } else {
        static const char *desc_only[] = {"members", "offsets", "verbose"};
        for (int i = 0; i < 3; i++)
            if (cli_has(opts, desc_only[i]))
                cli_fail("Option [%s] can only be used with [describe]", desc_only[i]);
        if (cli_has(opts, "state") && !cli_has(opts, "list"))
            cli_fail("Option [state] can only be used with [describe] or [list]");
    }
    if (cli_has(opts, "delete")) {
        if (!scope) cli_fail("Option [delete] takes one of these options: [group], [all-groups]");
        if (cli_has(opts, "topic"))
            cli_fail("The consumer does not support topic-specific offset deletion from a "
                     "consumer group.");
    }
    if (cli_has(opts, "delete-offsets") && (!cli_has(opts, "group") || !cli_has(opts, "topic")))
        cli_fail("Option [delete-offsets] takes the following options: [group], [topic]");
    if (cli_has(opts, "reset-offsets")) {
        if (cli_has(opts, "dry-run") && cli_has(opts, "execute"))
            cli_fail("Option [reset-offsets] only accepts one of [execute] and [dry-run]");
        if (!scope)
            cli_fail("Option [reset-offsets] takes one of these options: [group], [all-groups]");
        for (int i = 0; i < NSCENARIOS; i++)
            check_invalid(reset_scenarios[i], reset_scenarios, NSCENARIOS);
        if (cli_has(opts, "topic") && cli_has(opts, "all-topics"))
            cli_fail("Option \"[topic]\" can't be used with option \"[all-topics]\"");
    } else {
        static const char *reset_only[] = {"dry-run", "execute", "export", "all-topics"};
        for (int i = 0; i < 4; i++)
            if (cli_has(opts, reset_only[i]))
                cli_fail("Option [%s] can only be used with [reset-offsets]", reset_only[i]);
        for (int i = 0; i < NSCENARIOS; i++)
            if (cli_has(opts, reset_scenarios[i]))
                cli_fail("Option [%s] can only be used with [reset-offsets]", reset_scenarios[i]);
    }
    if (cli_has(opts, "group") && cli_has(opts, "all-groups"))
        cli_fail("Option \"[group]\" can't be used with option \"[all-groups]\"");
    if (cli_has(opts, "group") && cli_has(opts, "list"))
        cli_fail("Option \"[group]\" can't be used with option \"[list]\"");
    if (cli_has(opts, "topic") && (cli_has(opts, "list") || cli_has(opts, "describe")))
        cli_fail("Option \"[topic]\" can't be used with option \"[%s]\"",
                 cli_has(opts, "list") ? "list" : "describe");
    if (cli_has(opts, "delete-offsets") && cli_opt(opts, "group")->nvals > 1)
        cli_fail("Option [delete-offsets] supports one consumer group at the time");
    if (cli_has(opts, "list")) parse_list_states();
}

int main(int argc, char **argv)
{
    const char *summary = "This tool helps to list all consumer groups, describe a consumer "
                          "group, delete consumer group info, or reset consumer group offsets.";
    cli_parse_or_usage(TOOL, summary, opts, argc, argv);
    check_args();
    timeout_ms = (int)cli_ll(TOOL, opts, "timeout", 5000, 1, INT32_MAX / 2);
    rk = cli_admin_new(TOOL, cli_val(opts, "bootstrap-server"), cli_val(opts, "command-config"));
    cli_wait_cluster(TOOL, rk);
    q = rd_kafka_queue_new(rk);
    if (cli_has(opts, "list")) {
        do_list();
    } else {
        require_groups();
        if (cli_has(opts, "describe"))
            do_describe();
        else if (cli_has(opts, "delete"))
            do_delete();
        else if (cli_has(opts, "delete-offsets"))
            do_delete_offsets();
        else
            do_reset();
    }
    fflush(stdout);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}
