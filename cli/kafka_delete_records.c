/* kafka_delete_records.c: kafka-delete-records, as Kafka's DeleteRecordsCommand:
 *   --bootstrap-server B --offset-json-file F [--command-config P]
 * F is Kafka's JSON {"partitions":[{"topic":"t","partition":0,"offset":3}],"version":1}
 * (offset -1: the high watermark). Records below each offset are deleted through librdkafka's
 * DeleteRecords (sent to each partition's leader, which answers once every live replica moved
 * its log start). Output as Kafka's tool:
 *   Executing records delete operation
 *   Records delete operation completed:
 *   partition: t-0\tlow_watermark: 3
 *   partition: t-1\terror: org.apache.kafka.common.errors.OffsetOutOfRangeException: ...
 * the partitions in the order of Kafka's result map (a java.util.HashMap, jhash.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jhash.h"

#define TOOL       "kafka-delete-records"
#define TIMEOUT_MS 30000

static cli_opt_t opts[] = {
    CLI_OPT("bootstrap-server", true, "REQUIRED: The server to connect to."),
    CLI_OPT("offset-json-file", true,
            "REQUIRED: The JSON file with offset per partition. The format to use is:\n"
            "{\"partitions\":\n  [{\"topic\": \"foo\", \"partition\": 1, \"offset\": 1}],\n"
            " \"version\":1\n}"),
    CLI_OPT("command-config", true,
            "A property file containing configs to be passed to Admin Client."),
    CLI_END,
};

/* Kafka's exception and default message for the errors a partition can get. */
static const struct {
    rd_kafka_resp_err_t err;
    const char *exception, *message;
} dr_errors[] = {
    {RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, "OffsetOutOfRangeException",
     "The requested offset is not within the range of offsets maintained by the server."},
    {RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "UnknownTopicOrPartitionException",
     "This server does not host this topic-partition."},
    {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, "NotLeaderOrFollowerException",
     "For requests intended only for the leader, this error indicates that the broker is not "
     "the current leader. For requests intended for any replica, this error indicates that the "
     "broker is not a replica of the topic partition."},
    {RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, "LeaderNotAvailableException",
     "There is no leader for this topic-partition as we are in the middle of a leadership "
     "election."},
    {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, "TimeoutException", "The request timed out."},
    {RD_KAFKA_RESP_ERR_POLICY_VIOLATION, "PolicyViolationException",
     "Request parameters do not satisfy the configured policy."},
};

static void print_error(const char *topic, int32_t p, rd_kafka_resp_err_t err)
{
    for (size_t i = 0; i < sizeof(dr_errors) / sizeof(dr_errors[0]); i++)
        if (dr_errors[i].err == err) {
            printf("partition: %s-%d\terror: org.apache.kafka.common.errors.%s: %s\n", topic, p,
                   dr_errors[i].exception, dr_errors[i].message);
            return;
        }
    printf("partition: %s-%d\terror: %s: %s\n", topic, p, cli_java_exception(err),
           rd_kafka_err2str(err));
}

/* The file's partitions as a librdkafka list (offsets = the delete-before offsets). */
static rd_kafka_topic_partition_list_t *parse_file(const char *path)
{
    json_error_t jerr;
    json_t *js = json_load_file(path, 0, &jerr);
    if (!js) {
        FILE *f = fopen(path, "r");
        if (!f) cli_fail("%s (No such file or directory)", path);
        fclose(f);
        cli_fail("The input string is not a valid JSON");
    }
    json_t *v = json_object_get(js, "version");
    if (v && (!json_is_integer(v) || json_integer_value(v) != 1))
        cli_fail("Not supported version field value %s",
                 json_is_integer(v) ? json_dumps(v, JSON_ENCODE_ANY) : "(not a number)");
    json_t *parts = json_object_get(js, "partitions");
    size_t n = json_is_array(parts) ? json_array_size(parts) : 0;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)n + 1);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(parts, i);
        json_t *t = json_object_get(e, "topic"), *p = json_object_get(e, "partition"),
               *o = json_object_get(e, "offset");
        if (!json_is_string(t) || !json_is_integer(p) || !json_is_integer(o))
            cli_fail("Each partition needs \"topic\" (string), \"partition\" and \"offset\" "
                     "(numbers)");
        const char *topic = json_string_value(t);
        int32_t part = (int32_t)json_integer_value(p);
        if (rd_kafka_topic_partition_list_find(l, topic, part))
            cli_fail("Offset json file contains duplicate topic partitions: %s-%d", topic, part);
        rd_kafka_topic_partition_list_add(l, topic, part)->offset = json_integer_value(o);
    }
    json_decref(js);
    return l;
}

/* Print the results in java.util.HashMap<TopicPartition, ...> order (file order on ties). */
static void print_results(const rd_kafka_topic_partition_list_t *asked,
                          const rd_kafka_topic_partition_list_t *res)
{
    int n = asked->cnt;
    int32_t *h = calloc((size_t)n + 1, sizeof(*h));
    int *order = calloc((size_t)n + 1, sizeof(*order));
    for (int i = 0; i < n; i++) h[i] = jhash_tp(asked->elems[i].topic, asked->elems[i].partition);
    jhash_java_order(h, n, jhash_java_capacity(n, 0), order);
    for (int k = 0; k < n; k++) {
        const rd_kafka_topic_partition_t *a = &asked->elems[order[k]];
        const rd_kafka_topic_partition_t *r =
            res ? rd_kafka_topic_partition_list_find(res, a->topic, a->partition) : NULL;
        if (!r)
            print_error(a->topic, a->partition, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
        else if (r->err)
            print_error(a->topic, a->partition, r->err);
        else
            printf("partition: %s-%d\tlow_watermark: %lld\n", a->topic, a->partition,
                   (long long)r->offset);
    }
    free(h);
    free(order);
}

int main(int argc, char **argv)
{
    cli_parse_or_usage(TOOL,
                       "This tool helps to delete records of the given partitions down to the "
                       "specified offset.",
                       opts, argc, argv);
    const char *bs = cli_val(opts, "bootstrap-server");
    const char *file = cli_val(opts, "offset-json-file");
    if (!bs) cli_die(TOOL, "Missing required argument \"[bootstrap-server]\"");
    if (!file) cli_die(TOOL, "Missing required argument \"[offset-json-file]\"");
    rd_kafka_topic_partition_list_t *asked = parse_file(file);
    rd_kafka_t *rk = cli_admin_new(TOOL, bs, cli_val(opts, "command-config"));
    cli_wait_cluster(TOOL, rk);
    printf("Executing records delete operation\n");
    fflush(stdout);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteRecords_t *dr = rd_kafka_DeleteRecords_new(asked);
    rd_kafka_AdminOptions_t *ao =
        cli_admin_options(rk, RD_KAFKA_ADMIN_OP_DELETERECORDS, TIMEOUT_MS);
    rd_kafka_DeleteRecords(rk, &dr, 1, ao, q);
    rd_kafka_event_t *ev =
        cli_admin_wait(TOOL, q, RD_KAFKA_EVENT_DELETERECORDS_RESULT, TIMEOUT_MS + 5000);
    const rd_kafka_topic_partition_list_t *res =
        rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev));
    rd_kafka_resp_err_t everr = rd_kafka_event_error(ev);
    printf("Records delete operation completed:\n");
    if (everr && !res) {
        /* the whole request failed (e.g. unknown topic in the metadata): every partition */
        for (int i = 0; i < asked->cnt; i++) asked->elems[i].err = everr;
        print_results(asked, asked);
    } else {
        print_results(asked, res);
    }
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_DeleteRecords_destroy(dr);
    rd_kafka_topic_partition_list_destroy(asked);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return 0;
}
