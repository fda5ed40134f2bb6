/* cgroups.h: what the parts of kafka-consumer-groups share: kafka_consumer_groups.c (options,
 * the Admin client, listing, deleting, topic arguments, main), cgroups_describe.c (--describe)
 * and cgroups_reset.c (--reset-offsets). The handle, queue and options are the tool's, set up
 * once by main; errors end the tool (cg_command_failed) or mark the exit code (cg_group_error).
 * Single-threaded. */
#ifndef CGROUPS_H
#define CGROUPS_H

#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "cli.h"

#define TOOL "kafka-consumer-groups"

extern cli_opt_t cg_opts[];
extern rd_kafka_t *cg_rk;
extern rd_kafka_queue_t *cg_q;
extern int cg_timeout_ms; /* --timeout */

/* printError("Executing consumer group command failed due to ...") and exit 1. */
void cg_command_failed(rd_kafka_resp_err_t err, const char *msg) __attribute__((noreturn));
/* A group-level error on stderr (the command goes on with the other groups; exit code 1). */
void cg_group_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* qsort order of char * strings. */
int cg_cmp_str(const void *a, const void *b);
/* Sort by topic, then partition. */
void cg_sort_parts(rd_kafka_topic_partition_list_t *l);
/* The next Admin result of type (caller destroys); an event-level error ends the tool. */
rd_kafka_event_t *cg_await(rd_kafka_event_type_t type);
rd_kafka_AdminOptions_t *cg_admin_options(rd_kafka_admin_op_t op);

/* One group Admin call of librdkafka's API X (ListConsumerGroupOffsets,
 * AlterConsumerGroupOffsets, DeleteConsumerGroupOffsets: one request each, same shape) with
 * admin op OP: sends req, waits for the result event EV, frees the request; the event (caller
 * destroys) into ev, its group results into gr and n. A macro, as the API's types differ. */
#define CG_GROUP_CALL(X, OP, EV, req, ev, gr, n)                                                   \
    do {                                                                                           \
        rd_kafka_AdminOptions_t *ao_ = cg_admin_options(OP);                                       \
        rd_kafka_##X(cg_rk, &(req), 1, ao_, cg_q);                                                 \
        (ev) = cg_await(EV);                                                                       \
        rd_kafka_AdminOptions_destroy(ao_);                                                        \
        rd_kafka_##X##_destroy(req);                                                               \
        (gr) = rd_kafka_##X##_result_groups(rd_kafka_event_##X##_result(ev), &(n));                \
    } while (0)
/* The partitions of a group result; a group-level error ends the tool. */
const rd_kafka_topic_partition_list_t *cg_group_parts(const rd_kafka_group_result_t *g);

typedef struct cg_listing {
    char *group;
    rd_kafka_consumer_group_state_t state;
} cg_listing_t;

/* Every consumer group (sorted), of the given states when nstates > 0; the cluster must
 * serve groups. */
cg_listing_t *cg_list_groups(int *n, const rd_kafka_consumer_group_state_t *states, int nstates);
/* One consumer's offset fetch per group first: see kafka_consumer_groups.c. */
void cg_find_coordinators(char **groups, int n);
/* --group values or, with --all-groups, every group; sorted. */
char **cg_selected_groups(int *n);
/* End the tool when the cluster serves no consumer groups. */
void cg_require_groups(void);

/* The committed offsets of group (partitions without one left out), sorted; caller destroys. */
rd_kafka_topic_partition_list_t *cg_committed_offsets(const char *group);
/* Each partition's offset set to ListOffsets' answer for spec (-1 latest, -2 earliest, or a
 * timestamp). */
void cg_list_offsets(rd_kafka_topic_partition_list_t *parts, int64_t spec);
/* The offset of topic-p in l, -1 when absent. */
int64_t cg_offset_of(const rd_kafka_topic_partition_list_t *l, const char *topic, int32_t p);
/* The partitions of the --topic arguments (t or t:p,p...); caller destroys. */
rd_kafka_topic_partition_list_t *cg_topic_args(void);

/* cgroups_describe.c */
/* DescribeConsumerGroups of the selected groups (cg_selected_groups, their count in *n;
 * coordinators found first); the event (caller destroys) owns *descs. NULL when none. */
rd_kafka_event_t *cg_describe_selected(int *n, const rd_kafka_ConsumerGroupDescription_t ***descs,
                                       size_t *cnt);
void cg_do_describe(void);

/* cgroups_reset.c */
void cg_do_reset(void);

#endif
