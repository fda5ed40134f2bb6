/* check_zkpath.c: znode paths and Kafka's JSON formats, byte for byte what we write, round
 * trips, and malformed input rejected. */
#include <check.h>
#include <stdlib.h>

#include "testutil.h"
#include "zkpath.h"

START_TEST(test_paths)
{
    char b[128];
    ck_assert_int_eq(zkpath_broker(b, sizeof(b), 3), KERR_NONE);
    ck_assert_str_eq(b, "/brokers/ids/3");
    zkpath_partition_state(b, sizeof(b), "orders", 7);
    ck_assert_str_eq(b, "/brokers/topics/orders/partitions/7/state");
    zkpath_topic_config(b, sizeof(b), "orders");
    ck_assert_str_eq(b, "/config/topics/orders");
    ck_assert_int_eq(zkpath_topic(b, 10, "a-very-long-topic"), KERR__TOO_LARGE);
}
END_TEST

START_TEST(test_broker_registration)
{
    md_broker_t b = {.id = 1, .nendpoints = 2};
    strcpy(b.ep[0].listener, "PLAINTEXT");
    strcpy(b.ep[0].host, "127.0.0.1");
    b.ep[0].port = 9092;
    strcpy(b.ep[1].listener, "INTERNAL");
    strcpy(b.ep[1].host, "kafka1");
    b.ep[1].port = 29092;
    char *j = zkpath_broker_json(&b, "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT", 1700000000000);
    ck_assert_str_eq(j, "{\"features\":{},\"listener_security_protocol_map\":{\"PLAINTEXT\":"
                        "\"PLAINTEXT\",\"INTERNAL\":\"PLAINTEXT\"},\"endpoints\":[\"PLAINTEXT://"
                        "127.0.0.1:9092\",\"INTERNAL://kafka1:29092\"],\"jmx_port\":-1,\"port\":"
                        "9092,\"host\":\"127.0.0.1\",\"version\":5,\"timestamp\":"
                        "\"1700000000000\"}");
    md_broker_t back;
    memset(&back, 0, sizeof(back));
    ck_assert_int_eq(zkpath_broker_parse(j, &back), KERR_NONE);
    ck_assert_int_eq(back.nendpoints, 2);
    ck_assert_str_eq(back.ep[1].host, "kafka1");
    ck_assert_int_eq(back.ep[1].port, 29092);
    free(j);
    ck_assert_int_eq(zkpath_broker_parse("{\"endpoints\":[\"nonsense\"]}", &back), KERR__BAD_MSG);
    ck_assert_int_eq(zkpath_broker_parse("not json", &back), KERR__BAD_MSG);
}
END_TEST

START_TEST(test_topic_assignment)
{
    uint8_t id[16];
    for (int i = 0; i < 16; i++) id[i] = (uint8_t)i;
    int32_t assign[] = {1, 2, 2, 3, 3, 1};
    zkpath_topic_t t;
    zkpath_topic_init(&t, id, 3, 2, assign);
    char *j = zkpath_topic_json(&t);
    ck_assert_str_eq(j, "{\"partitions\":{\"0\":[1,2],\"1\":[2,3],\"2\":[3,1]},\"topic_id\":"
                        "\"AAECAwQFBgcICQoLDA0ODw\",\"adding_replicas\":{},\"removing_replicas\":"
                        "{},\"version\":3}");
    zkpath_topic_t back;
    ck_assert_int_eq(zkpath_topic_parse(j, &back), KERR_NONE);
    ck_assert_int_eq(back.nparts, 3);
    ck_assert_int_eq(back.replicas[2][0], 3);
    ck_assert(memcmp(back.id, id, 16) == 0);
    int32_t more[] = {1, 2};
    zkpath_topic_add(&back, 1, 2, more);
    ck_assert_int_eq(back.nparts, 4);
    zkpath_topic_clear(&back);
    zkpath_topic_clear(&t);
    free(j);
    /* a gap in partition numbers is malformed */
    ck_assert_int_eq(zkpath_topic_parse("{\"partitions\":{\"0\":[1],\"2\":[1]}}", &back),
                     KERR__BAD_MSG);
}
END_TEST

START_TEST(test_topic_reassignment_sets)
{
    uint8_t id[16] = {0};
    int32_t assign[] = {4, 2, 3, 1, 1, 2};
    zkpath_topic_t t;
    zkpath_topic_init(&t, id, 1, 4, assign);
    zkpath_topic_add(&t, 1, 2, assign + 4);
    int32_t add[] = {4}, rem[] = {1};
    zkpath_topic_set_reassign(&t, 0, 1, add, 1, rem);
    char *j = zkpath_topic_json(&t);
    ck_assert_ptr_nonnull(
        strstr(j, "\"adding_replicas\":{\"0\":[4]},\"removing_replicas\":{\"0\":[1]}"));
    zkpath_topic_t back;
    ck_assert_int_eq(zkpath_topic_parse(j, &back), KERR_NONE);
    ck_assert_int_eq(back.nadding[0], 1);
    ck_assert_int_eq(back.adding[0][0], 4);
    ck_assert_int_eq(back.removing[0][0], 1);
    ck_assert_int_eq(back.nadding[1] + back.nremoving[1], 0);
    int32_t more[] = {2, 1};
    zkpath_topic_add(&back, 1, 2, more); /* a new partition is not being reassigned */
    ck_assert_int_eq(back.nadding[2], 0);
    zkpath_topic_clear(&back);
    zkpath_topic_clear(&t);
    free(j);
    /* a set for a partition the topic lacks is malformed */
    ck_assert_int_eq(
        zkpath_topic_parse("{\"partitions\":{\"0\":[1]},\"adding_replicas\":{\"3\":[2]}}", &back),
        KERR__BAD_MSG);
    /* /admin/reassign_partitions round trip; a bad entry is skipped */
    zkpath_reassign_t *e = NULL;
    int n = 0;
    ck_assert_int_eq(
        zkpath_reassign_parse("{\"version\":1,\"partitions\":[{\"topic\":\"a\",\"partition\":1,"
                              "\"replicas\":[2,3]},{\"topic\":\"b\",\"partition\":0}]}",
                              &n, &e),
        KERR_NONE);
    ck_assert_int_eq(n, 1);
    char *rj = zkpath_reassign_json(n, e);
    ck_assert_str_eq(
        rj,
        "{\"version\":1,\"partitions\":[{\"topic\":\"a\",\"partition\":1,\"replicas\":[2,3]}]}");
    free(rj);
    free(e[0].topic);
    free(e);
}
END_TEST

START_TEST(test_partition_state_controller_config)
{
    zkpath_pstate_t s = {
        .controller_epoch = 4, .leader = 2, .leader_epoch = 9, .nisr = 2, .isr = {2, 3}};
    char *j = zkpath_pstate_json(&s);
    ck_assert_str_eq(j, "{\"controller_epoch\":4,\"leader\":2,\"version\":1,\"leader_epoch\":9,"
                        "\"isr\":[2,3]}");
    zkpath_pstate_t b;
    ck_assert_int_eq(zkpath_pstate_parse(j, &b), KERR_NONE);
    ck_assert_int_eq(b.leader_epoch, 9);
    ck_assert_int_eq(b.isr[1], 3);
    free(j);
    ck_assert_int_eq(zkpath_pstate_parse("{\"leader\":\"x\"}", &b), KERR__BAD_MSG);
    /* Kafka 2.8+ adds leader_recovery_state: accepted */
    ck_assert_int_eq(zkpath_pstate_parse("{\"controller_epoch\":1,\"leader\":1,\"version\":1,"
                                         "\"leader_epoch\":0,\"isr\":[1],"
                                         "\"leader_recovery_state\":0}",
                                         &b),
                     KERR_NONE);
    j = zkpath_controller_json(5, 42);
    ck_assert_str_eq(j, "{\"version\":2,\"brokerid\":5,\"timestamp\":\"42\"}");
    int32_t id;
    ck_assert_int_eq(zkpath_controller_parse(j, &id), KERR_NONE);
    ck_assert_int_eq(id, 5);
    free(j);
    ck_assert_int_eq(
        zkpath_controller_parse("{\"version\":1,\"brokerid\":7,\"timestamp\":\"1\"}", &id),
        KERR_NONE);
    ck_assert_int_eq(id, 7);
    const char *keys[] = {"retention.ms"}, *vals[] = {"1000"};
    j = zkpath_config_json(1, keys, vals);
    ck_assert_str_eq(j, "{\"version\":1,\"config\":{\"retention.ms\":\"1000\"}}");
    int n;
    char **k, **v;
    ck_assert_int_eq(zkpath_config_parse(j, &n, &k, &v), KERR_NONE);
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(v[0], "1000");
    free(k[0]);
    free(v[0]);
    free(k);
    free(v);
    free(j);
    j = zkpath_cluster_id_json("abc");
    ck_assert_str_eq(j, "{\"version\":\"1\",\"id\":\"abc\"}");
    char out[32];
    ck_assert_int_eq(zkpath_cluster_id_parse(j, out, sizeof(out)), KERR_NONE);
    ck_assert_str_eq(out, "abc");
    free(j);
}
END_TEST

START_TEST(test_config_set_and_entity_paths)
{
    zkpath_config_t c = {0};
    ck_assert_int_eq(
        zkpath_config_parse("{\"version\":1,\"config\":{\"a\":\"1\"}}", &c.n, &c.keys, &c.vals),
        KERR_NONE);
    zkpath_config_put(&c, "b", "2");
    zkpath_config_put(&c, "a", "3"); /* replaces in place */
    ck_assert_int_eq(c.n, 2);
    ck_assert_str_eq(c.vals[zkpath_config_find(&c, "a")], "3");
    ck_assert(zkpath_config_del(&c, "a"));
    ck_assert(!zkpath_config_del(&c, "a"));
    char *json = zkpath_config_json(c.n, (const char *const *)c.keys, (const char *const *)c.vals);
    ck_assert_str_eq(json, "{\"version\":1,\"config\":{\"b\":\"2\"}}");
    free(json);
    zkpath_config_clear(&c);
    ck_assert_int_eq(c.n, 0);
    char buf[64];
    zkpath_broker_config(buf, sizeof(buf), 3);
    ck_assert_str_eq(buf, "/config/brokers/3");
    zkpath_broker_config(buf, sizeof(buf), -1);
    ck_assert_str_eq(buf, "/config/brokers/<default>");
    zkpath_config_entity(buf, sizeof(buf), "topics", "t");
    ck_assert_str_eq(buf, "topics/t");
}
END_TEST

START_TEST(test_uuid)
{
    char a[23], b[23];
    zkpath_uuid_new(a);
    zkpath_uuid_new(b);
    ck_assert_int_eq(strlen(a), 22);
    ck_assert_str_ne(a, b);
    uint8_t raw[16];
    ck_assert_int_eq(zkpath_uuid_decode(a, raw), KERR_NONE);
    char again[23];
    zkpath_uuid_encode(raw, again);
    ck_assert_str_eq(a, again);
    ck_assert_int_eq(zkpath_uuid_decode("short", raw), KERR__BAD_MSG);
    ck_assert_int_eq(zkpath_uuid_decode("!!!!!!!!!!!!!!!!!!!!!!", raw), KERR__BAD_MSG);
}
END_TEST

START_TEST(test_log_dir_event_round_trip)
{
    const char *topics[] = {"a", "b.c"};
    const int32_t parts[] = {0, 7};
    char *json = zkpath_logdir_event_json(3, 4294967296LL, 2, topics, parts);
    zkpath_logdir_event_t e;
    ck_assert_int_eq(zkpath_logdir_event_parse(json, &e), KERR_NONE);
    free(json);
    ck_assert_int_eq(e.broker, 3);
    ck_assert_int_eq(e.event, ZKPATH_LOG_DIR_FAILURE_EVENT);
    ck_assert_int_eq(e.broker_epoch, 4294967296LL);
    ck_assert_int_eq(e.n, 2);
    ck_assert_str_eq(e.topics[1], "b.c");
    ck_assert_int_eq(e.parts[1], 7);
    zkpath_logdir_event_clear(&e);
    /* Kafka's own notification: no epoch, no partitions */
    ck_assert_int_eq(zkpath_logdir_event_parse("{\"version\":1,\"broker\":2,\"event\":1}", &e),
                     KERR_NONE);
    ck_assert_int_eq(e.broker, 2);
    ck_assert_int_eq(e.broker_epoch, -1);
    ck_assert_int_eq(e.n, 0);
    zkpath_logdir_event_clear(&e);
    ck_assert_int_eq(zkpath_logdir_event_parse("{\"version\":1}", &e), KERR__BAD_MSG);
    ck_assert_int_eq(zkpath_logdir_event_parse("[1]", &e), KERR__BAD_MSG);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("zkpath");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_paths);
    tcase_add_test(tc, test_broker_registration);
    tcase_add_test(tc, test_topic_assignment);
    tcase_add_test(tc, test_topic_reassignment_sets);
    tcase_add_test(tc, test_partition_state_controller_config);
    tcase_add_test(tc, test_uuid);
    tcase_add_test(tc, test_log_dir_event_round_trip);
    tcase_add_test(tc, test_config_set_and_entity_paths);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
