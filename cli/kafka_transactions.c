/* kafka_transactions.c: kafka-transactions, as Kafka 3's TransactionsCommand (KIP-664):
 *   --bootstrap-server B [--command-config P] list
 *   --bootstrap-server B describe --transactional-id ID
 *   --bootstrap-server B abort --topic T --partition P
 *                          (--producer-id ID --producer-epoch E --coordinator-epoch C |
 *                           --start-offset N)
 *   --bootstrap-server B describe-producers --topic T --partition P [--broker-id N]
 *   --bootstrap-server B find-hanging (--broker-id N | --topic T [--partition P])
 * Tables are printed as Kafka prints them: every cell padded to its column's width and followed
 * by a tab. librdkafka 2.0 has none of these admin calls, so the tool speaks the protocol
 * itself (clireq.h with the broker's codecs): ListTransactions to every broker,
 * FindCoordinator + DescribeTransactions, WriteTxnMarkers ABORT to the partition leader.
 * describe-producers, abort --start-offset and find-hanging need DescribeProducers (API 61),
 * which the brokers do not serve yet: they say so and exit 1. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clireq.h"
#include "ktime.h"
#include "proto/kp_describetransactions.h"
#include "proto/kp_listtransactions.h"
#include "proto/kp_writetxnmarkers.h"

#define TOOL       "kafka-transactions"
#define TIMEOUT_MS 30000

static cli_opt_t opts[] = {
    CLI_OPT("bootstrap-server", true, "REQUIRED: the server(s) to use for bootstrapping"),
    CLI_OPT("command-config", true,
            "Property file containing configs to be passed to Admin Client."),
    CLI_OPT("transactional-id", true, "Transactional id (describe)"),
    CLI_OPT("topic", true, "Topic name"),
    CLI_OPT("partition", true, "Partition number"),
    CLI_OPT("start-offset", true, "Start offset of the transaction to abort"),
    CLI_OPT("producer-id", true, "Producer id of the transaction to abort"),
    CLI_OPT("producer-epoch", true, "Producer epoch of the transaction to abort"),
    CLI_OPT("coordinator-epoch", true, "Coordinator epoch of the transaction to abort"),
    CLI_OPT("broker-id", true, "Broker id"),
    CLI_OPT("max-transaction-timeout", true, "Maximum transaction timeout in minutes"),
    CLI_OPT("duration-filter", true, "List transactions running longer than this (ms)"),
    CLI_END,
};

static const char *const subcommands[] = {"list", "describe", "describe-producers", "abort",
                                          "find-hanging"};

/* ---------------------------------------------------------------- table printing */

typedef struct table {
    int ncols, nrows;
    const char *const *headers;
    char **cells; /* nrows * ncols, owned */
} table_t;

static void table_add(table_t *t, char **row)
{
    t->cells = realloc(t->cells, (size_t)(t->nrows + 1) * (size_t)t->ncols * sizeof(char *));
    if (!t->cells) abort();
    memcpy(&t->cells[(size_t)t->nrows * (size_t)t->ncols], row, (size_t)t->ncols * sizeof(char *));
    t->nrows++;
}

static void table_row(const table_t *t, const size_t *w, const char *const *row)
{
    for (int i = 0; i < t->ncols; i++) printf("%-*s\t", (int)w[i], row[i]);
    putchar('\n');
}

static void table_print(table_t *t)
{
    size_t w[16] = {0};
    for (int i = 0; i < t->ncols; i++) w[i] = strlen(t->headers[i]);
    for (int r = 0; r < t->nrows; r++)
        for (int i = 0; i < t->ncols; i++) {
            size_t l = strlen(t->cells[(size_t)r * (size_t)t->ncols + (size_t)i]);
            if (l > w[i]) w[i] = l;
        }
    table_row(t, w, t->headers);
    for (int r = 0; r < t->nrows; r++)
        table_row(t, w, (const char *const *)&t->cells[(size_t)r * (size_t)t->ncols]);
    for (int r = 0; r < t->nrows * t->ncols; r++) free(t->cells[r]);
    free(t->cells);
}

static char *xfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xfmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) abort();
    va_end(ap);
    return s;
}

/* ---------------------------------------------------------------- requests */

/* The cluster's brokers (Metadata from the first bootstrap server). */
static void txc_metadata(const char *bootstrap, int n, const char *const *topics, cli_md_t *md)
{
    char host[256];
    snprintf(host, sizeof(host), "%.*s", (int)strcspn(bootstrap, ","), bootstrap);
    char *colon = strrchr(host, ':');
    if (!colon) cli_die(TOOL, "invalid --bootstrap-server %s", bootstrap);
    *colon = '\0';
    if (!cli_metadata_from(host, atoi(colon + 1), n, topics, TIMEOUT_MS, md))
        cli_fail("Timed out waiting for a node assignment. Call: metadata");
}

static bool txc_call(const kp_metadata_broker_t *b, int16_t key, int16_t ver, bool flexible,
                     const wbuf_t *req, uint8_t **body, rbuf_t *rb)
{
    char host[256];
    snprintf(host, sizeof(host), "%.*s", (int)b->host.len, b->host.p);
    int fd = clireq_open(host, b->port, TIMEOUT_MS);
    if (fd < 0) return false;
    size_t len, hdr;
    bool ok = clireq_call(fd, key, ver, flexible, TOOL, req, body, &len, &hdr);
    close(fd);
    if (ok) rbuf_init(rb, *body + hdr, len - hdr);
    return ok;
}

static const kp_metadata_broker_t *txc_broker(const cli_md_t *md, int32_t id)
{
    for (int32_t i = 0; i < md->resp.nbrokers; i++)
        if (md->resp.brokers[i].node_id == id) return &md->resp.brokers[i];
    return NULL;
}

/* ---------------------------------------------------------------- list */

static int txc_list(const char *bootstrap)
{
    cli_md_t md;
    txc_metadata(bootstrap, 0, NULL, &md);
    const char *const headers[] = {"TransactionalId", "Coordinator", "ProducerId",
                                   "TransactionState"};
    table_t t = {.ncols = 4, .headers = headers};
    int64_t dur = cli_ll(TOOL, opts, "duration-filter", -1, -1, INT64_MAX);
    int failed = 0;
    for (int32_t i = 0; i < md.resp.nbrokers; i++) {
        const kp_metadata_broker_t *b = &md.resp.brokers[i];
        kp_ltxn_req_t req = {.duration_filter = dur};
        wbuf_t wb;
        wbuf_init(&wb);
        kp_ltxn_req_encode(&wb, dur >= 0 ? 1 : 0, &req);
        uint8_t *body = NULL;
        rbuf_t rb;
        arena_t a;
        arena_init(&a);
        kp_ltxn_resp_t resp;
        if (!txc_call(b, KAPI_LIST_TRANSACTIONS, dur >= 0 ? 1 : 0, true, &wb, &body, &rb) ||
            kp_ltxn_resp_decode(&rb, 0, &a, &resp) != KERR_NONE || resp.error_code) {
            fprintf(stderr, "Failed to list transactions for broker %d\n", b->node_id);
            failed = 1;
        } else {
            for (int32_t j = 0; j < resp.ntxns; j++) {
                const kp_ltxn_txn_t *x = &resp.txns[j];
                char *row[4] = {
                    xfmt("%.*s", (int)x->transactional_id.len, x->transactional_id.p),
                    xfmt("%d", b->node_id), xfmt("%lld", (long long)x->producer_id),
                    xfmt("%.*s", (int)x->transaction_state.len, x->transaction_state.p)};
                table_add(&t, row);
            }
        }
        arena_free(&a);
        free(body);
        wbuf_free(&wb);
    }
    table_print(&t);
    cli_md_free(&md);
    return failed;
}

/* ---------------------------------------------------------------- describe */

/* FindCoordinator v1 (key type TRANSACTION): the coordinator's node id, or -1 with *err. */
static int32_t txc_find_coordinator(const cli_md_t *md, const char *tid, int16_t *err)
{
    wbuf_t wb;
    wbuf_init(&wb);
    wbuf_str(&wb, tid, (int32_t)strlen(tid));
    wbuf_i8(&wb, 1);
    int32_t node = -1;
    *err = KERR_COORDINATOR_NOT_AVAILABLE;
    for (int32_t i = 0; i < md->resp.nbrokers && node < 0; i++) {
        uint8_t *body = NULL;
        rbuf_t rb;
        if (txc_call(&md->resp.brokers[i], KAPI_FIND_COORDINATOR, 1, false, &wb, &body, &rb)) {
            rbuf_i32(&rb); /* throttle */
            *err = rbuf_i16(&rb);
            rbuf_str(&rb); /* error message */
            int32_t id = rbuf_i32(&rb);
            if (!rbuf_err(&rb) && *err == 0) node = id;
        }
        free(body);
    }
    wbuf_free(&wb);
    return node;
}

static char *txc_partitions(const kp_dtxn_state_t *s)
{
    wbuf_t wb;
    wbuf_init(&wb);
    for (int32_t i = 0; i < s->ntopics; i++)
        for (int32_t j = 0; j < s->topics[i].nparts; j++)
            wbuf_printf(&wb, "%s%.*s-%d", wb.len ? "," : "", (int)s->topics[i].name.len,
                        s->topics[i].name.p, s->topics[i].parts[j]);
    char *out = xfmt("%.*s", (int)wb.len, wb.len ? (const char *)wb.p : "");
    wbuf_free(&wb);
    return out;
}

static int txc_describe(const char *bootstrap)
{
    const char *tid = cli_val(opts, "transactional-id");
    if (!tid) cli_die(TOOL, "Missing required argument \"[transactional-id]\"");
    cli_md_t md;
    txc_metadata(bootstrap, 0, NULL, &md);
    int16_t ferr;
    int32_t coord = -1;
    for (int tries = 0; tries < 20 && coord < 0; tries++) {
        coord = txc_find_coordinator(&md, tid, &ferr);
        if (coord < 0 && ferr != KERR_COORDINATOR_NOT_AVAILABLE && ferr != KERR_NOT_COORDINATOR)
            break;
        if (coord < 0) usleep(250 * 1000);
    }
    const kp_metadata_broker_t *b = coord >= 0 ? txc_broker(&md, coord) : NULL;
    if (!b)
        cli_fail("Failed to find the coordinator of transactional id %s: %s", tid,
                 kerr_name((kerr_t)ferr));
    kstr_t id = KSTR(tid);
    kp_dtxn_req_t req = {.nids = 1, .transactional_ids = &id};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_dtxn_req_encode(&wb, 0, &req);
    uint8_t *body = NULL;
    rbuf_t rb;
    arena_t a;
    arena_init(&a);
    kp_dtxn_resp_t resp;
    if (!txc_call(b, KAPI_DESCRIBE_TRANSACTIONS, 0, true, &wb, &body, &rb) ||
        kp_dtxn_resp_decode(&rb, 0, &a, &resp) != KERR_NONE || resp.nstates != 1)
        cli_fail("Failed to describe transactional id %s: no answer from broker %d", tid, coord);
    const kp_dtxn_state_t *s = &resp.states[0];
    if (s->error_code)
        cli_fail("org.apache.kafka.common.errors.%s: transactional id %s",
                 s->error_code == KERR_TRANSACTIONAL_ID_NOT_FOUND
                     ? "TransactionalIdNotFoundException"
                     : kerr_name((kerr_t)s->error_code),
                 tid);
    const char *const headers[] = {"CoordinatorId",
                                   "TransactionalId",
                                   "ProducerId",
                                   "ProducerEpoch",
                                   "TransactionState",
                                   "TransactionTimeoutMs",
                                   "CurrentTransactionStartTimeMs",
                                   "TransactionDurationMs",
                                   "TopicPartitions"};
    table_t t = {.ncols = 9, .headers = headers};
    int64_t start = s->transaction_start_time_ms;
    char *row[9] = {xfmt("%d", coord),
                    xfmt("%s", tid),
                    xfmt("%lld", (long long)s->producer_id),
                    xfmt("%d", s->producer_epoch),
                    xfmt("%.*s", (int)s->transaction_state.len, s->transaction_state.p),
                    xfmt("%d", s->transaction_timeout_ms),
                    start >= 0 ? xfmt("%lld", (long long)start) : xfmt("None"),
                    start >= 0 ? xfmt("%lld", (long long)(ktime_wall_ms() - start)) : xfmt("None"),
                    txc_partitions(s)};
    table_add(&t, row);
    table_print(&t);
    arena_free(&a);
    free(body);
    wbuf_free(&wb);
    cli_md_free(&md);
    return 0;
}

/* ---------------------------------------------------------------- abort */

static int txc_abort(const char *bootstrap)
{
    const char *topic = cli_val(opts, "topic");
    if (!topic) cli_die(TOOL, "Missing required argument \"[topic]\"");
    if (!cli_has(opts, "partition")) cli_die(TOOL, "Missing required argument \"[partition]\"");
    int32_t part = (int32_t)cli_ll(TOOL, opts, "partition", 0, 0, INT32_MAX);
    if (cli_has(opts, "start-offset") && !cli_has(opts, "producer-id"))
        cli_fail("Aborting by --start-offset needs DescribeProducers (API 61), which this "
                 "cluster does not support; give --producer-id, --producer-epoch and "
                 "--coordinator-epoch instead");
    if (!cli_has(opts, "producer-id") || !cli_has(opts, "producer-epoch") ||
        !cli_has(opts, "coordinator-epoch"))
        cli_fail("Either --start-offset or all of --producer-id, --producer-epoch and "
                 "--coordinator-epoch must be given");
    cli_md_t md;
    txc_metadata(bootstrap, 1, &topic, &md);
    const kp_metadata_topic_resp_t *mt = md.resp.ntopics == 1 ? &md.resp.topics[0] : NULL;
    const kp_metadata_part_resp_t *mp = NULL;
    for (int32_t i = 0; mt && i < mt->nparts; i++)
        if (mt->parts[i].partition_index == part) mp = &mt->parts[i];
    const kp_metadata_broker_t *b = mp ? txc_broker(&md, mp->leader_id) : NULL;
    if (!b)
        cli_fail("org.apache.kafka.common.errors.UnknownTopicOrPartitionException: %s-%d has "
                 "no known leader",
                 topic, part);
    kp_wtm_topic_t wt = {.name = KSTR(topic), .nparts = 1, .parts = &part};
    kp_wtm_marker_t m = {
        .producer_id = cli_ll(TOOL, opts, "producer-id", -1, 0, INT64_MAX),
        .producer_epoch = (int16_t)cli_ll(TOOL, opts, "producer-epoch", -1, 0, INT16_MAX),
        .commit = false,
        .ntopics = 1,
        .topics = &wt,
        .coordinator_epoch = (int32_t)cli_ll(TOOL, opts, "coordinator-epoch", -1, 0, INT32_MAX)};
    kp_wtm_req_t req = {.nmarkers = 1, .markers = &m};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_wtm_req_encode(&wb, 1, &req);
    uint8_t *body = NULL;
    rbuf_t rb;
    arena_t a;
    arena_init(&a);
    kp_wtm_resp_t resp;
    if (!txc_call(b, KAPI_WRITE_TXN_MARKERS, 1, true, &wb, &body, &rb) ||
        kp_wtm_resp_decode(&rb, 1, &a, &resp) != KERR_NONE)
        cli_fail("Failed to abort the transaction: no answer from broker %d", b->node_id);
    int16_t err = KERR_UNKNOWN_SERVER_ERROR;
    if (resp.nmarkers == 1 && resp.markers[0].ntopics == 1 && resp.markers[0].topics[0].nparts == 1)
        err = resp.markers[0].topics[0].parts[0].error_code;
    if (err)
        cli_fail("Failed to abort the transaction on %s-%d: %s", topic, part,
                 kerr_name((kerr_t)err));
    arena_free(&a);
    free(body);
    wbuf_free(&wb);
    cli_md_free(&md);
    return 0;
}

/* ---------------------------------------------------------------- main */

/* The subcommand: the first argument that is neither an option nor an option's value; it is
 * removed from argv. */
static const char *txc_subcommand(int *argc, char **argv)
{
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) == 0) {
            cli_opt_t *o = cli_opt(opts, a + 2);
            if (o && o->has_arg && !strchr(a, '=')) i++;
            continue;
        }
        for (size_t k = 0; k < sizeof(subcommands) / sizeof(subcommands[0]); k++)
            if (strcmp(a, subcommands[k]) == 0) {
                memmove(&argv[i], &argv[i + 1], (size_t)(*argc - i) * sizeof(char *));
                (*argc)--;
                return subcommands[k];
            }
        cli_die(TOOL,
                "invalid choice: '%s' (choose from 'list', 'describe', "
                "'describe-producers', 'abort', 'find-hanging')",
                a);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *sub = txc_subcommand(&argc, argv);
    cli_parse(TOOL,
              "This tool is used to analyze the transactional state of producers in the "
              "cluster. It can be used to detect and recover from hanging transactions.",
              opts, argc, argv);
    const char *bs = cli_val(opts, "bootstrap-server");
    if (!bs) cli_die(TOOL, "Missing required argument \"[bootstrap-server]\"");
    if (!sub)
        cli_die(TOOL, "too few arguments: a command is required (list, describe, "
                      "describe-producers, abort, find-hanging)");
    if (strcmp(sub, "list") == 0) return txc_list(bs);
    if (strcmp(sub, "describe") == 0) return txc_describe(bs);
    if (strcmp(sub, "abort") == 0) return txc_abort(bs);
    cli_fail("%s needs DescribeProducers (API 61), which this cluster does not support yet", sub);
}
