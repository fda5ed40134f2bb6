/* cgroups_reset.c: kafka-consumer-groups --reset-offsets: the plan of each scenario (--to-offset,
 * --shift-by, --to-datetime, --by-duration, --to-earliest, --to-latest, --to-current,
 * --from-file), clamped to the log's range, then printed (--dry-run, --export) or committed
 * (--execute). See cgroups.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroups.h"
#include "cli.h"
#include "ktime.h"

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
    const char *path = cli_val(cg_opts, "from-file");
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
    cg_sort_parts(l);
    return l;
}

/* Kafka's checkOffsetsRange: clamp into [log start, log end] with a warning */
static void clamp_offsets(rd_kafka_topic_partition_list_t *plan)
{
    rd_kafka_topic_partition_list_t *lo = rd_kafka_topic_partition_list_copy(plan),
                                    *hi = rd_kafka_topic_partition_list_copy(plan);
    cg_list_offsets(lo, RD_KAFKA_OFFSET_BEGINNING);
    cg_list_offsets(hi, RD_KAFKA_OFFSET_END);
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
    cg_list_offsets(plan, ts);
    rd_kafka_topic_partition_list_t *empty = rd_kafka_topic_partition_list_new(4);
    for (int i = 0; i < plan->cnt; i++)
        if (plan->elems[i].offset < 0) {
            printf("\nWarn: Partition %d from topic %s is empty. Falling back to latest known "
                   "offset.\n",
                   plan->elems[i].partition, plan->elems[i].topic);
            rd_kafka_topic_partition_list_add(empty, plan->elems[i].topic,
                                              plan->elems[i].partition);
        }
    cg_list_offsets(empty, RD_KAFKA_OFFSET_END);
    for (int i = 0; i < empty->cnt; i++)
        rd_kafka_topic_partition_list_find(plan, empty->elems[i].topic, empty->elems[i].partition)
            ->offset = empty->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(empty);
}

/* The new offsets of group's partitions (plan->offset), by the chosen scenario; NULL after an
 * error was reported. */
static rd_kafka_topic_partition_list_t *prepare_reset(const char *group)
{
    rd_kafka_topic_partition_list_t *committed = cg_committed_offsets(group), *plan;
    if (cli_has(cg_opts, "from-file")) {
        bool found;
        plan = plan_from_file(group, &found);
        if (!found) {
            cg_group_error("No reset plan for group %s found", group);
            rd_kafka_topic_partition_list_destroy(committed);
            rd_kafka_topic_partition_list_destroy(plan);
            return NULL;
        }
        clamp_offsets(plan);
    } else {
        if (cli_has(cg_opts, "all-topics"))
            plan = rd_kafka_topic_partition_list_copy(committed);
        else if (cli_has(cg_opts, "topic"))
            plan = cg_topic_args();
        else
            cli_fail("One of the reset scopes should be defined: --all-topics, --topic.");
        if (cli_has(cg_opts, "to-offset")) {
            int64_t off = cli_ll(TOOL, cg_opts, "to-offset", 0, INT64_MIN, INT64_MAX);
            for (int i = 0; i < plan->cnt; i++) plan->elems[i].offset = off;
            clamp_offsets(plan);
        } else if (cli_has(cg_opts, "to-earliest")) {
            cg_list_offsets(plan, RD_KAFKA_OFFSET_BEGINNING);
        } else if (cli_has(cg_opts, "to-latest")) {
            cg_list_offsets(plan, RD_KAFKA_OFFSET_END);
        } else if (cli_has(cg_opts, "shift-by")) {
            int64_t by = cli_ll(TOOL, cg_opts, "shift-by", 0, INT64_MIN, INT64_MAX);
            for (int i = 0; i < plan->cnt; i++) {
                rd_kafka_topic_partition_t *p = &plan->elems[i];
                int64_t cur = cg_offset_of(committed, p->topic, p->partition);
                if (cur < 0)
                    cli_fail("Cannot shift offset for partition %s-%d since there is no "
                             "current committed offset",
                             p->topic, p->partition);
                p->offset = cur + by;
            }
            clamp_offsets(plan);
        } else if (cli_has(cg_opts, "to-datetime")) {
            offsets_by_time(plan, parse_datetime(cli_val(cg_opts, "to-datetime")));
        } else if (cli_has(cg_opts, "by-duration")) {
            offsets_by_time(plan,
                            ktime_wall_ms() - parse_duration_ms(cli_val(cg_opts, "by-duration")));
        } else if (cli_has(cg_opts, "to-current")) {
            rd_kafka_topic_partition_list_t *none = rd_kafka_topic_partition_list_new(4);
            for (int i = 0; i < plan->cnt; i++) {
                rd_kafka_topic_partition_t *p = &plan->elems[i];
                p->offset = cg_offset_of(committed, p->topic, p->partition);
                if (p->offset < 0) rd_kafka_topic_partition_list_add(none, p->topic, p->partition);
            }
            cg_list_offsets(none, RD_KAFKA_OFFSET_END);
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
    rd_kafka_event_t *ev;
    const rd_kafka_group_result_t **gr;
    size_t cnt;
    CG_GROUP_CALL(AlterConsumerGroupOffsets, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS,
                  RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT, req, ev, gr, cnt);
    for (size_t i = 0; i < cnt; i++) {
        const rd_kafka_topic_partition_list_t *p = cg_group_parts(gr[i]);
        for (int k = 0; p && k < p->cnt; k++)
            if (p->elems[k].err) {
                char msg[512];
                snprintf(msg, sizeof(msg), "committing the offset of %s-%d: %s", p->elems[k].topic,
                         p->elems[k].partition, rd_kafka_err2str(p->elems[k].err));
                cg_command_failed(p->elems[k].err, msg);
            }
    }
    rd_kafka_event_destroy(ev);
}

void cg_do_reset(void)
{
    bool execute = cli_has(cg_opts, "execute");
    if (!execute && !cli_has(cg_opts, "dry-run"))
        fprintf(stderr,
                "WARN: No action will be performed as the --execute option is missing.In a future "
                "major release, the default behavior of this command will be to prompt the user "
                "before executing the reset rather than doing a dry run. You should add the "
                "--dry-run option explicitly if you are scripting this command and want to keep "
                "the current default behavior without prompting.\n");
    int n;
    const rd_kafka_ConsumerGroupDescription_t **d;
    size_t cnt;
    rd_kafka_event_t *ev = cg_describe_selected(&n, &d, &cnt);
    if (!ev) return;
    rd_kafka_topic_partition_list_t **plans = calloc(cnt + 1, sizeof(*plans));
    for (size_t i = 0; i < cnt; i++) {
        const char *g = rd_kafka_ConsumerGroupDescription_group_id(d[i]);
        const rd_kafka_error_t *e = rd_kafka_ConsumerGroupDescription_error(d[i]);
        rd_kafka_consumer_group_state_t st = rd_kafka_ConsumerGroupDescription_state(d[i]);
        if (e && rd_kafka_error_code(e) != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
            cg_command_failed(rd_kafka_error_code(e), rd_kafka_error_string(e));
        if (!e && st != RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY &&
            st != RD_KAFKA_CONSUMER_GROUP_STATE_DEAD) {
            cg_group_error("Assignments can only be reset if the group '%s' is inactive, but the "
                           "current state is %s.",
                           g, rd_kafka_consumer_group_state_name(st));
            continue;
        }
        plans[i] = prepare_reset(g);
        if (plans[i] && execute) commit_plan(g, plans[i]);
    }
    if (cli_has(cg_opts, "export")) {
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
