/* rdk_txn.c: librdkafka's transactional API against the cluster, for the integration tests.
 *
 *   rdk_txn -b BOOTSTRAP -i INPUT -o OUTPUT -g GROUP -x TRANSACTIONAL_ID -n COUNT
 *
 * INPUT must hold COUNT messages. The program: init_transactions; a transaction of 10
 * "aborted-*" messages to OUTPUT, aborted; then consume-transform-produce: a read_committed
 * consumer in GROUP reads all of INPUT, one transaction produces "out-<value>" for each to
 * OUTPUT and sends the consumer's positions with send_offsets_to_transaction, committed.
 * Verifies with a read_committed consumer that OUTPUT holds exactly the COUNT transformed
 * values and no aborted one, and that GROUP's committed offsets add up to COUNT. Prints
 * "OK committed=N aborted=0" and exits 0, or names the mismatch and exits 1. */
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *boot, *in_topic, *out_topic, *group, *txn_id;
static int count;

static void die(const char *what, const char *why)
{
    fprintf(stderr, "rdk_txn: %s: %s\n", what, why);
    exit(1);
}

static void check_err(const char *what, rd_kafka_error_t *err)
{
    if (!err) return;
    fprintf(stderr, "rdk_txn: %s: %s (%s)\n", what, rd_kafka_error_string(err),
            rd_kafka_error_name(err));
    rd_kafka_error_destroy(err);
    exit(1);
}

static rd_kafka_conf_t *conf_new(void)
{
    char err[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (rd_kafka_conf_set(c, "bootstrap.servers", boot, err, sizeof(err)) != RD_KAFKA_CONF_OK)
        die("bootstrap.servers", err);
    return c;
}

static void conf_set(rd_kafka_conf_t *c, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) die(k, err);
}

static rd_kafka_t *consumer_new(const char *grp)
{
    rd_kafka_conf_t *c = conf_new();
    conf_set(c, "group.id", grp);
    conf_set(c, "auto.offset.reset", "earliest");
    conf_set(c, "enable.auto.commit", "false");
    conf_set(c, "isolation.level", "read_committed");
    char err[256];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
    if (!rk) die("consumer", err);
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

static void produce(rd_kafka_t *p, const char *value, int32_t partition)
{
    rd_kafka_resp_err_t e =
        rd_kafka_producev(p, RD_KAFKA_V_TOPIC(out_topic), RD_KAFKA_V_PARTITION(partition),
                          RD_KAFKA_V_VALUE((void *)value, strlen(value)),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (e) die("produce", rd_kafka_err2str(e));
}

/* Consume-transform-produce of all of INPUT in one transaction. */
static void transform(rd_kafka_t *p)
{
    rd_kafka_t *c = consumer_new(group);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, in_topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(c, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    check_err("begin_transaction", rd_kafka_begin_transaction(p));
    int got = 0;
    time_t deadline = time(NULL) + 60;
    while (got < count && time(NULL) < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 500);
        if (!m) continue;
        if (!m->err) {
            char v[256];
            snprintf(v, sizeof(v), "out-%.*s", (int)m->len, (const char *)m->payload);
            produce(p, v, m->partition);
            got++;
        }
        rd_kafka_message_destroy(m);
    }
    if (got != count) die("consume input", "not every message arrived");
    rd_kafka_topic_partition_list_t *pos;
    rd_kafka_assignment(c, &pos);
    rd_kafka_position(c, pos);
    rd_kafka_consumer_group_metadata_t *gm = rd_kafka_consumer_group_metadata(c);
    check_err("send_offsets_to_transaction",
              rd_kafka_send_offsets_to_transaction(p, pos, gm, 30000));
    rd_kafka_consumer_group_metadata_destroy(gm);
    rd_kafka_topic_partition_list_destroy(pos);
    check_err("commit_transaction", rd_kafka_commit_transaction(p, 60000));
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
}

/* OUTPUT under read_committed: the transformed values, none aborted; returns how many. */
static int verify_output(int *aborted)
{
    char grp[64];
    snprintf(grp, sizeof(grp), "rdk-txn-verify-%ld", (long)getpid());
    rd_kafka_t *c = consumer_new(grp);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, out_topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(c, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    int n = 0;
    *aborted = 0;
    time_t deadline = time(NULL) + 60, quiet = 0;
    while (time(NULL) < deadline && (n < count || !quiet || time(NULL) < quiet + 2)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 300);
        if (!m) {
            if (n >= count && !quiet) quiet = time(NULL);
            continue;
        }
        if (!m->err) {
            if (m->len >= 8 && memcmp(m->payload, "aborted-", 8) == 0)
                (*aborted)++;
            else if (m->len >= 4 && memcmp(m->payload, "out-", 4) == 0)
                n++;
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return n;
}

static int64_t committed_total(void)
{
    rd_kafka_t *c = consumer_new(group);
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *t = rd_kafka_topic_new(c, in_topic, NULL);
    if (rd_kafka_metadata(c, 0, t, &md, 10000) || md->topic_cnt != 1) die("metadata", in_topic);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (int i = 0; i < md->topics[0].partition_cnt; i++)
        rd_kafka_topic_partition_list_add(l, in_topic, md->topics[0].partitions[i].id);
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    rd_kafka_resp_err_t e = rd_kafka_committed(c, l, 30000);
    if (e) die("committed", rd_kafka_err2str(e));
    int64_t sum = 0;
    for (int i = 0; i < l->cnt; i++) sum += l->elems[i].offset > 0 ? l->elems[i].offset : 0;
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_destroy(c);
    return sum;
}

int main(int argc, char **argv)
{
    int o;
    while ((o = getopt(argc, argv, "b:i:o:g:x:n:")) != -1) {
        switch (o) {
        case 'b':
            boot = optarg;
            break;
        case 'i':
            in_topic = optarg;
            break;
        case 'o':
            out_topic = optarg;
            break;
        case 'g':
            group = optarg;
            break;
        case 'x':
            txn_id = optarg;
            break;
        case 'n':
            count = atoi(optarg);
            break;
        default:
            die("usage", "-b BOOTSTRAP -i IN -o OUT -g GROUP -x TXN_ID -n COUNT");
        }
    }
    if (!boot || !in_topic || !out_topic || !group || !txn_id || count <= 0)
        die("usage", "-b BOOTSTRAP -i IN -o OUT -g GROUP -x TXN_ID -n COUNT");
    rd_kafka_conf_t *pc = conf_new();
    conf_set(pc, "transactional.id", txn_id);
    char err[256];
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof(err));
    if (!p) die("producer", err);
    check_err("init_transactions", rd_kafka_init_transactions(p, 60000));
    check_err("begin_transaction", rd_kafka_begin_transaction(p));
    for (int i = 0; i < 10; i++) {
        char v[32];
        snprintf(v, sizeof(v), "aborted-%d", i);
        produce(p, v, RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_flush(p, 30000);
    check_err("abort_transaction", rd_kafka_abort_transaction(p, 60000));
    transform(p);
    rd_kafka_destroy(p);
    int aborted;
    int n = verify_output(&aborted);
    int64_t sum = committed_total();
    printf("committed=%d aborted=%d group_offsets=%lld\n", n, aborted, (long long)sum);
    if (n != count || aborted != 0 || sum != count) die("verify", "mismatch");
    printf("OK committed=%d aborted=%d\n", n, aborted);
    return 0;
}
