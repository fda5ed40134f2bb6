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
 * FindCoordinator + DescribeTransactions, DescribeProducers to partition leaders and
 * WriteTxnMarkers ABORT to the partition leader. find-hanging reports an open transaction of a
 * partition (older than --max-transaction-timeout minutes, default 15) whose producer id no
 * coordinator lists with that partition. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clireq.h"
#include "ktime.h"
#include "proto/kp_describeproducers.h"
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

/* ---------------------------------------------------------------- partitions, producers */

/* The leader of topic-part in md, or NULL. */
static const kp_metadata_broker_t *txc_leader(const cli_md_t *md, const char *topic, int32_t part)
{
    for (int32_t t = 0; t < md->resp.ntopics; t++) {
        const kp_metadata_topic_resp_t *mt = &md->resp.topics[t];
        if (!kstr_eq(mt->name, topic)) continue;
        for (int32_t i = 0; i < mt->nparts; i++)
            if (mt->parts[i].partition_index == part) return txc_broker(md, mt->parts[i].leader_id);
    }
    return NULL;
}

/* DescribeProducers for topic-part at broker b: the partition's answer (from a), or NULL after
 * printing why to stderr. */
static const kp_dprod_part_t *txc_producers(const kp_metadata_broker_t *b, const char *topic,
                                            int32_t part, arena_t *a, uint8_t **body)
{
    kp_topic_parts_t tp = {.name = KSTR(topic), .nparts = 1, .parts = &part};
    kp_dprod_req_t req = {.ntopics = 1, .topics = &tp};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_dprod_req_encode(&wb, 0, &req);
    rbuf_t rb;
    kp_dprod_resp_t resp;
    bool ok = txc_call(b, KAPI_DESCRIBE_PRODUCERS, 0, true, &wb, body, &rb) &&
              kp_dprod_resp_decode(&rb, 0, a, &resp) == KERR_NONE && resp.ntopics == 1 &&
              resp.topics[0].nparts == 1;
    wbuf_free(&wb);
    if (!ok) {
        fprintf(stderr, "Failed to describe producers of %s-%d: no answer from broker %d\n", topic,
                part, b->node_id);
        return NULL;
    }
    const kp_dprod_part_t *p = &resp.topics[0].parts[0];
    if (p->error_code) {
        fprintf(stderr, "Failed to describe producers of %s-%d: %s\n", topic, part,
                kerr_name((kerr_t)p->error_code));
        return NULL;
    }
    return p;
}

static int32_t txc_partition_opt(void)
{
    if (!cli_has(opts, "partition")) cli_die(TOOL, "Missing required argument \"[partition]\"");
    return (int32_t)cli_ll(TOOL, opts, "partition", 0, 0, INT32_MAX);
}

static char *txc_opt_num(int64_t v)
{
    return v < 0 ? xfmt("None") : xfmt("%lld", (long long)v);
}

static int txc_describe_producers(const char *bootstrap)
{
    const char *topic = cli_val(opts, "topic");
    if (!topic) cli_die(TOOL, "Missing required argument \"[topic]\"");
    int32_t part = txc_partition_opt();
    cli_md_t md;
    txc_metadata(bootstrap, 1, &topic, &md);
    const kp_metadata_broker_t *b =
        cli_has(opts, "broker-id")
            ? txc_broker(&md, (int32_t)cli_ll(TOOL, opts, "broker-id", -1, 0, INT32_MAX))
            : txc_leader(&md, topic, part);
    if (!b)
        cli_fail("org.apache.kafka.common.errors.UnknownTopicOrPartitionException: %s-%d has "
                 "no known leader",
                 topic, part);
    arena_t a;
    arena_init(&a);
    uint8_t *body = NULL;
    const kp_dprod_part_t *p = txc_producers(b, topic, part, &a, &body);
    if (!p) exit(1);
    const char *const headers[] = {
        "ProducerId",   "ProducerEpoch", "LatestCoordinatorEpoch",
        "LastSequence", "LastTimestamp", "CurrentTransactionStartOffset"};
    table_t t = {.ncols = 6, .headers = headers};
    for (int32_t i = 0; i < p->nproducers; i++) {
        const kp_dprod_producer_t *x = &p->producers[i];
        char *row[6] = {
            xfmt("%lld", (long long)x->producer_id),    xfmt("%d", x->producer_epoch),
            txc_opt_num(x->coordinator_epoch),          xfmt("%d", x->last_sequence),
            xfmt("%lld", (long long)x->last_timestamp), txc_opt_num(x->current_txn_start_offset)};
        table_add(&t, row);
    }
    table_print(&t);
    free(body);
    arena_free(&a);
    cli_md_free(&md);
    return 0;
}

/* ---------------------------------------------------------------- abort */

/* WriteTxnMarkers ABORT for one producer on topic-part, at its leader b. */
static void txc_write_abort(const kp_metadata_broker_t *b, const char *topic, int32_t part,
                            int64_t pid, int16_t epoch, int32_t coord_epoch)
{
    kp_wtm_topic_t wt = {.name = KSTR(topic), .nparts = 1, .parts = &part};
    kp_wtm_marker_t m = {.producer_id = pid,
                         .producer_epoch = epoch,
                         .commit = false,
                         .ntopics = 1,
                         .topics = &wt,
                         .coordinator_epoch = coord_epoch};
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
}

static int txc_abort(const char *bootstrap)
{
    const char *topic = cli_val(opts, "topic");
    if (!topic) cli_die(TOOL, "Missing required argument \"[topic]\"");
    int32_t part = txc_partition_opt();
    bool by_offset = cli_has(opts, "start-offset");
    bool by_pid = cli_has(opts, "producer-id") && cli_has(opts, "producer-epoch") &&
                  cli_has(opts, "coordinator-epoch");
    if (by_offset == by_pid)
        cli_fail("Exactly one of --start-offset or all of --producer-id, --producer-epoch and "
                 "--coordinator-epoch must be given");
    cli_md_t md;
    txc_metadata(bootstrap, 1, &topic, &md);
    const kp_metadata_broker_t *b = txc_leader(&md, topic, part);
    if (!b)
        cli_fail("org.apache.kafka.common.errors.UnknownTopicOrPartitionException: %s-%d has "
                 "no known leader",
                 topic, part);
    if (by_pid) {
        txc_write_abort(b, topic, part, cli_ll(TOOL, opts, "producer-id", -1, 0, INT64_MAX),
                        (int16_t)cli_ll(TOOL, opts, "producer-epoch", -1, 0, INT16_MAX),
                        (int32_t)cli_ll(TOOL, opts, "coordinator-epoch", -1, 0, INT32_MAX));
    } else {
        int64_t start = cli_ll(TOOL, opts, "start-offset", -1, 0, INT64_MAX);
        arena_t a;
        arena_init(&a);
        uint8_t *body = NULL;
        const kp_dprod_part_t *p = txc_producers(b, topic, part, &a, &body);
        if (!p) exit(1);
        const kp_dprod_producer_t *x = NULL;
        for (int32_t i = 0; i < p->nproducers && !x; i++)
            if (p->producers[i].current_txn_start_offset == start) x = &p->producers[i];
        if (!x)
            cli_fail("Could not find any open transactions starting at offset %lld on "
                     "partition %s-%d",
                     (long long)start, topic, part);
        txc_write_abort(b, topic, part, x->producer_id, (int16_t)x->producer_epoch,
                        x->coordinator_epoch < 0 ? 0 : x->coordinator_epoch);
        free(body);
        arena_free(&a);
    }
    cli_md_free(&md);
    return 0;
}

/* ---------------------------------------------------------------- find-hanging */

/* Is pid's transaction known to its coordinator as open on topic-part? Asks every broker's
 * ListTransactions for the producer id, then the coordinator's DescribeTransactions. */
static bool txc_coordinator_has(const cli_md_t *md, int64_t pid, const char *topic, int32_t part)
{
    for (int32_t i = 0; i < md->resp.nbrokers; i++) {
        const kp_metadata_broker_t *b = &md->resp.brokers[i];
        kp_ltxn_req_t lreq = {.npids = 1, .producer_id_filters = &pid, .duration_filter = -1};
        wbuf_t wb;
        wbuf_init(&wb);
        kp_ltxn_req_encode(&wb, 0, &lreq);
        arena_t a;
        arena_init(&a);
        uint8_t *body = NULL, *body2 = NULL;
        rbuf_t rb;
        kp_ltxn_resp_t lr;
        bool found = false;
        if (txc_call(b, KAPI_LIST_TRANSACTIONS, 0, true, &wb, &body, &rb) &&
            kp_ltxn_resp_decode(&rb, 0, &a, &lr) == KERR_NONE) {
            for (int32_t k = 0; k < lr.ntxns && !found; k++) {
                kp_dtxn_req_t dreq = {.nids = 1, .transactional_ids = &lr.txns[k].transactional_id};
                wbuf_reset(&wb);
                kp_dtxn_req_encode(&wb, 0, &dreq);
                kp_dtxn_resp_t dr;
                free(body2);
                body2 = NULL;
                if (!txc_call(b, KAPI_DESCRIBE_TRANSACTIONS, 0, true, &wb, &body2, &rb) ||
                    kp_dtxn_resp_decode(&rb, 0, &a, &dr) != KERR_NONE || dr.nstates != 1)
                    continue;
                const kp_dtxn_state_t *s = &dr.states[0];
                for (int32_t t = 0; t < s->ntopics && !found; t++)
                    for (int32_t j = 0; j < s->topics[t].nparts && !found; j++)
                        found = s->producer_id == pid && kstr_eq(s->topics[t].name, topic) &&
                                s->topics[t].parts[j] == part;
            }
        }
        free(body);
        free(body2);
        arena_free(&a);
        wbuf_free(&wb);
        if (found) return true;
    }
    return false;
}

static void txc_hanging_part(const cli_md_t *md, const kp_metadata_broker_t *b, const char *topic,
                             int32_t part, int64_t max_ms, table_t *t)
{
    arena_t a;
    arena_init(&a);
    uint8_t *body = NULL;
    const kp_dprod_part_t *p = txc_producers(b, topic, part, &a, &body);
    int64_t now = ktime_wall_ms();
    for (int32_t i = 0; p && i < p->nproducers; i++) {
        const kp_dprod_producer_t *x = &p->producers[i];
        if (x->current_txn_start_offset < 0 || now - x->last_timestamp < max_ms) continue;
        if (txc_coordinator_has(md, x->producer_id, topic, part)) continue;
        char *row[8] = {xfmt("%s", topic),
                        xfmt("%d", part),
                        xfmt("%lld", (long long)x->producer_id),
                        xfmt("%d", x->producer_epoch),
                        xfmt("%d", x->coordinator_epoch),
                        xfmt("%lld", (long long)x->current_txn_start_offset),
                        xfmt("%lld", (long long)x->last_timestamp),
                        xfmt("%lld", (long long)((now - x->last_timestamp) / 60000))};
        table_add(t, row);
    }
    free(body);
    arena_free(&a);
}

static int txc_find_hanging(const char *bootstrap)
{
    const char *topic = cli_val(opts, "topic");
    bool by_broker = cli_has(opts, "broker-id");
    if (by_broker == (topic != NULL))
        cli_fail("Exactly one of --broker-id or --topic must be given");
    int32_t broker = (int32_t)cli_ll(TOOL, opts, "broker-id", -1, 0, INT32_MAX);
    int32_t only = cli_has(opts, "partition") ? txc_partition_opt() : -1;
    int64_t max_ms = cli_ll(TOOL, opts, "max-transaction-timeout", 15, 0, INT32_MAX) * 60000;
    cli_md_t md;
    txc_metadata(bootstrap, topic ? 1 : -1, topic ? &topic : NULL, &md);
    const char *const headers[] = {"Topic",         "Partition",        "ProducerId",
                                   "ProducerEpoch", "CoordinatorEpoch", "StartOffset",
                                   "LastTimestamp", "Duration(min)"};
    table_t t = {.ncols = 8, .headers = headers};
    for (int32_t i = 0; i < md.resp.ntopics; i++) {
        const kp_metadata_topic_resp_t *mt = &md.resp.topics[i];
        char *name = kstr_dup(mt->name);
        for (int32_t j = 0; name && j < mt->nparts; j++) {
            const kp_metadata_part_resp_t *mp = &mt->parts[j];
            bool replica = false;
            for (int32_t k = 0; k < mp->nreplicas; k++) replica |= mp->replica_nodes[k] == broker;
            if ((by_broker && !replica) || (only >= 0 && mp->partition_index != only)) continue;
            const kp_metadata_broker_t *b = txc_broker(&md, mp->leader_id);
            if (b) txc_hanging_part(&md, b, name, mp->partition_index, max_ms, &t);
        }
        free(name);
    }
    if (t.nrows == 0)
        printf("No hanging transactions found\n");
    else
        table_print(&t);
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
    cli_command_security(TOOL, cli_val(opts, "command-config"));
    if (strcmp(sub, "list") == 0) return txc_list(bs);
    if (strcmp(sub, "describe") == 0) return txc_describe(bs);
    if (strcmp(sub, "abort") == 0) return txc_abort(bs);
    if (strcmp(sub, "describe-producers") == 0) return txc_describe_producers(bs);
    return txc_find_hanging(bs);
}
