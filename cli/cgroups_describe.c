/* cgroups_describe.c: kafka-consumer-groups --describe (offsets and lag, --members, --state),
 * with Kafka's ConsumerGroupCommand's tables and messages. See cgroups.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups.h"
#include "cli.h"

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

static rd_kafka_event_t *describe_groups(char **groups, int n,
                                         const rd_kafka_ConsumerGroupDescription_t ***descs,
                                         size_t *cnt)
{
    cg_find_coordinators(groups, n);
    rd_kafka_AdminOptions_t *ao = cg_admin_options(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
    rd_kafka_DescribeConsumerGroups(cg_rk, (const char **)groups, (size_t)n, ao, cg_q);
    rd_kafka_event_t *ev = cg_await(RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT);
    rd_kafka_AdminOptions_destroy(ao);
    *descs = rd_kafka_DescribeConsumerGroups_result_groups(
        rd_kafka_event_DescribeConsumerGroups_result(ev), cnt);
    return ev;
}

rd_kafka_event_t *cg_describe_selected(int *n, const rd_kafka_ConsumerGroupDescription_t ***descs,
                                       size_t *cnt)
{
    char **groups = cg_selected_groups(n);
    return *n ? describe_groups(groups, *n, descs, cnt) : NULL;
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
        cg_group_error("Consumer group '%s' does not exist.", g);
        return false;
    }
    if (e) {
        cg_group_error("Executing consumer group command failed due to %s: %s",
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
    rd_kafka_topic_partition_list_t *committed = cg_committed_offsets(g);
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
            rows[nrows++] =
                (row_t){a->elems[k].topic,
                        a->elems[k].partition,
                        cg_offset_of(committed, a->elems[k].topic, a->elems[k].partition),
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
        cg_list_offsets(all, RD_KAFKA_OFFSET_END);
        int wg = maxw(15, g), wt = 15, wc = 15, wh = 15;
        for (size_t i = 0; i < nrows; i++) {
            rows[i].end = cg_offset_of(all, rows[i].topic, rows[i].partition);
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
            cg_sort_parts(s);
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

void cg_do_describe(void)
{
    int n;
    const rd_kafka_ConsumerGroupDescription_t **d;
    size_t cnt;
    rd_kafka_event_t *ev = cg_describe_selected(&n, &d, &cnt);
    if (!ev) return;
    for (size_t i = 0; i < cnt; i++) {
        if (cli_has(cg_opts, "members"))
            print_members(d[i], cli_has(cg_opts, "verbose"));
        else if (cli_has(cg_opts, "state"))
            print_state(d[i]);
        else
            print_offsets(d[i]);
    }
    rd_kafka_event_destroy(ev);
}
