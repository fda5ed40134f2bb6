/* check_cfg.c: properties parsing, precedence file < environment < override, Confluent env
 * names, Kafka's retention precedence, invalid values named, listeners, topic configs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cfg.h"
#include "tcfg.h"
#include "testutil.h"

static const char *write_props(const char *text)
{
    static char path[] = "/tmp/check_cfg.XXXXXX";
    strcpy(path, "/tmp/check_cfg.XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

START_TEST(test_properties_file_syntax)
{
    const char *p = write_props("# comment\n! also comment\n"
                                "broker.id = 7\n"
                                "log.dirs:/data/a,\\\n    /data/b\n"
                                "zookeeper.connect 127.0.0.1:2181/kafka\n"
                                "num.partitions=3\n\n");
    cfg_t *c = cfg_new();
    char err[256];
    ck_assert_int_eq(cfg_load_file(c, p, err, sizeof(err)), KERR_NONE);
    ck_assert_int_eq(cfg_int(c, "broker.id"), 7);
    ck_assert_str_eq(cfg_log_dirs(c), "/data/a,/data/b");
    ck_assert_str_eq(cfg_str(c, "zookeeper.connect"), "127.0.0.1:2181/kafka");
    ck_assert_int_eq(cfg_int(c, "num.partitions"), 3);
    ck_assert_int_eq(cfg_int(c, "default.replication.factor"), 1); /* Kafka's default */
    ck_assert(cfg_is_default(c, "message.max.bytes"));
    ck_assert_int_eq(cfg_int(c, "message.max.bytes"), 1048588);
    ck_assert_int_eq(cfg_finish(c, err, sizeof(err)), KERR_NONE);
    unlink(p);
    cfg_free(c);
}
END_TEST

START_TEST(test_precedence_file_env_override)
{
    const char *p = write_props("broker.id=1\nzookeeper.connect=z:1\nnum.partitions=2\n"
                                "log.retention.hours=1\n");
    cfg_t *c = cfg_new();
    char err[256];
    ck_assert_int_eq(cfg_load_file(c, p, err, sizeof(err)), KERR_NONE);
    char *env[] = {"KAFKA_NUM_PARTITIONS=5",
                   "KAFKA_HEAP_OPTS=-Xmx1G",
                   "KAFKA_LOG_RETENTION_MS=1234",
                   "KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://h:1",
                   "KAFKA_LOG4J_OPTS=x",
                   "KAFKA_LISTENER_NAME_EXTERNAL_SCRAM___SHA___512_SASL_JAAS_CONFIG=j",
                   "KAFKA_NO_SUCH_THING=1",
                   "PATH=/bin",
                   NULL};
    ck_assert_int_eq(cfg_apply_env(c, env, err, sizeof(err)), KERR_NONE);
    ck_assert_int_eq(cfg_int(c, "num.partitions"), 5);
    ck_assert_str_eq(cfg_str(c, "advertised.listeners"), "PLAINTEXT://h:1");
    ck_assert_int_eq(cfg_retention_ms(c), 1234); /* ms beats hours */
    /* per-listener keys are configs too; unknown others are not */
    ck_assert_str_eq(cfg_str(c, "listener.name.external.scram-sha-512.sasl.jaas.config"), "j");
    ck_assert_str_eq(cfg_str(c, "no.such.thing"), "");
    ck_assert_int_eq(cfg_set(c, "num.partitions", "9", "--override", err, sizeof(err)), KERR_NONE);
    ck_assert_int_eq(cfg_int(c, "num.partitions"), 9);
    unlink(p);
    cfg_free(c);
}
END_TEST

START_TEST(test_retention_and_roll_precedence)
{
    cfg_t *c = cfg_new();
    char err[256];
    ck_assert_int_eq(cfg_retention_ms(c), 168LL * 3600000);
    cfg_set(c, "log.retention.minutes", "10", NULL, err, sizeof(err));
    ck_assert_int_eq(cfg_retention_ms(c), 600000);
    cfg_set(c, "log.retention.hours", "-1", NULL, err, sizeof(err));
    ck_assert_int_eq(cfg_retention_ms(c), 600000); /* minutes still wins over hours */
    ck_assert_int_eq(cfg_roll_ms(c), 168LL * 3600000);
    cfg_set(c, "log.roll.ms", "5000", NULL, err, sizeof(err));
    ck_assert_int_eq(cfg_roll_ms(c), 5000);
    cfg_free(c);
}
END_TEST

START_TEST(test_invalid_values_name_the_key)
{
    cfg_t *c = cfg_new();
    char err[256];
    ck_assert_int_ne(cfg_set(c, "num.partitions", "abc", "file", err, sizeof(err)), KERR_NONE);
    ck_assert_ptr_nonnull(strstr(err, "num.partitions"));
    ck_assert_ptr_nonnull(strstr(err, "abc"));
    ck_assert_int_ne(cfg_set(c, "num.partitions", "0", "file", err, sizeof(err)), KERR_NONE);
    ck_assert_int_ne(cfg_set(c, "auto.create.topics.enable", "maybe", NULL, err, sizeof(err)),
                     KERR_NONE);
    ck_assert_ptr_nonnull(strstr(err, "auto.create.topics.enable"));
    ck_assert_int_ne(cfg_set(c, "log.message.timestamp.type", "Wall", NULL, err, sizeof(err)),
                     KERR_NONE);
    /* KIP-848: the server-side assignors are a list of uniform / range */
    ck_assert_int_ne(
        cfg_set(c, "group.consumer.assignors", "uniform,sticky", NULL, err, sizeof(err)),
        KERR_NONE);
    ck_assert_ptr_nonnull(strstr(err, "group.consumer.assignors"));
    ck_assert_int_ne(cfg_set(c, "group.consumer.assignors", "", NULL, err, sizeof(err)), KERR_NONE);
    ck_assert_int_eq(
        cfg_set(c, "group.consumer.assignors", "range, uniform", NULL, err, sizeof(err)),
        KERR_NONE);
    ck_assert_int_ne(cfg_set(c, "group.consumer.session.timeout.ms", "0", NULL, err, sizeof(err)),
                     KERR_NONE);
    /* unknown keys are kept (a warning), not fatal */
    ck_assert_int_eq(cfg_set(c, "some.plugin.key", "x", NULL, err, sizeof(err)), KERR_NONE);
    ck_assert_str_eq(cfg_str(c, "some.plugin.key"), "x");
    /* zookeeper.connect is required */
    cfg_set(c, "broker.id", "1", NULL, err, sizeof(err));
    ck_assert_int_ne(cfg_finish(c, err, sizeof(err)), KERR_NONE);
    ck_assert_ptr_nonnull(strstr(err, "zookeeper.connect"));
    cfg_free(c);
}
END_TEST

START_TEST(test_listeners)
{
    cfg_t *c = cfg_new();
    char err[256];
    cfg_set(c, "listeners", "PLAINTEXT://127.0.0.1:9092, INTERNAL://:29092", NULL, err,
            sizeof(err));
    cfg_listener_t ls[4];
    ck_assert_int_eq(cfg_listeners(c, "listeners", ls, 4, err, sizeof(err)), 2);
    ck_assert_str_eq(ls[0].name, "PLAINTEXT");
    ck_assert_str_eq(ls[0].host, "127.0.0.1");
    ck_assert_int_eq(ls[0].port, 9092);
    ck_assert_str_eq(ls[1].name, "INTERNAL");
    ck_assert_str_eq(ls[1].host, "");
    ck_assert_int_eq(ls[1].port, 29092);
    cfg_set(c, "zookeeper.connect", "z:1", NULL, err, sizeof(err));
    cfg_set(c, "broker.id", "1", NULL, err, sizeof(err));
    /* INTERNAL is not in the protocol map */
    ck_assert_int_ne(cfg_finish(c, err, sizeof(err)), KERR_NONE);
    cfg_set(c, "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT", NULL,
            err, sizeof(err));
    ck_assert_int_eq(cfg_finish(c, err, sizeof(err)), KERR_NONE);
    cfg_set(c, "listeners", "nonsense", NULL, err, sizeof(err));
    ck_assert_int_eq(cfg_listeners(c, "listeners", ls, 4, err, sizeof(err)), -1);
    cfg_free(c);
}
END_TEST

START_TEST(test_topic_configs)
{
    char why[256];
    ck_assert_int_eq(tcfg_validate("retention.ms", "1000", why, sizeof(why)), KERR_NONE);
    ck_assert_int_eq(tcfg_validate("retention.ms", "soon", why, sizeof(why)), KERR_INVALID_CONFIG);
    ck_assert_ptr_nonnull(strstr(why, "retention.ms"));
    ck_assert_int_eq(tcfg_validate("no.such.config", "1", why, sizeof(why)), KERR_INVALID_CONFIG);
    ck_assert_int_eq(tcfg_validate("cleanup.policy", "compact", why, sizeof(why)), KERR_NONE);
    ck_assert_int_eq(tcfg_validate("cleanup.policy", "shred", why, sizeof(why)),
                     KERR_INVALID_CONFIG);
    cfg_t *c = cfg_new();
    char err[256];
    cfg_set(c, "log.retention.hours", "2", NULL, err, sizeof(err));
    cfg_set(c, "message.max.bytes", "5000", NULL, err, sizeof(err));
    ck_assert_int_eq(tcfg_default_int(c, "retention.ms"), 7200000);
    ck_assert_int_eq(tcfg_default_int(c, "max.message.bytes"), 5000);
    ck_assert_int_eq(tcfg_default_int(c, "segment.bytes"), 1073741824);
    char buf[64];
    ck_assert_str_eq(tcfg_default_str(c, "cleanup.policy", buf, sizeof(buf)), "delete");
    cfg_free(c);
}
END_TEST

START_TEST(test_replica_selector)
{
    cfg_t *c = cfg_new();
    char err[256];
    cfg_set(c, "zookeeper.connect", "z:1", NULL, err, sizeof(err));
    cfg_set(c, "broker.id", "1", NULL, err, sizeof(err));
    ck_assert_int_eq(cfg_finish(c, err, sizeof(err)), KERR_NONE);
    ck_assert_int_eq(cfg_replica_selector(c), CFG_SELECTOR_LEADER); /* unset: the leader */
    cfg_set(c, "replica.selector.class", "org.apache.kafka.common.replica.RackAwareReplicaSelector",
            NULL, err, sizeof(err));
    ck_assert_int_eq(cfg_finish(c, err, sizeof(err)), KERR_NONE);
    ck_assert_int_eq(cfg_replica_selector(c), CFG_SELECTOR_RACK_AWARE);
    cfg_set(c, "replica.selector.class", "org.apache.kafka.common.replica.LeaderSelector", NULL,
            err, sizeof(err));
    ck_assert_int_eq(cfg_finish(c, err, sizeof(err)), KERR_NONE);
    ck_assert_int_eq(cfg_replica_selector(c), CFG_SELECTOR_LEADER);
    cfg_set(c, "replica.selector.class", "com.example.NearestSelector", NULL, err, sizeof(err));
    ck_assert_int_ne(cfg_finish(c, err, sizeof(err)), KERR_NONE);
    ck_assert_ptr_nonnull(strstr(err, "replica.selector.class"));
    ck_assert_ptr_nonnull(strstr(err, "com.example.NearestSelector"));
    cfg_free(c);
}
END_TEST

/* One validator for broker and topic keys: the same value gets the same message from both. */
START_TEST(test_one_validator_for_broker_and_topic_keys)
{
    char err[256], why[256];
    cfg_t *c = cfg_new();
    ck_assert_int_eq(cfg_set(c, "min.insync.replicas", "0", NULL, err, sizeof(err)), KERR__INVAL);
    ck_assert_str_eq(err, "Invalid value 0 for configuration min.insync.replicas: Value must be "
                          "at least 1");
    ck_assert_int_eq(tcfg_validate("min.insync.replicas", "0", why, sizeof(why)),
                     KERR_INVALID_CONFIG);
    ck_assert_str_eq(why, err);
    ck_assert_int_eq(
        cfg_set(c, "offsets.topic.replication.factor", "40000", NULL, err, sizeof(err)),
        KERR__INVAL);
    ck_assert_str_eq(err, "Invalid value 40000 for configuration offsets.topic.replication.factor: "
                          "Not a number of type SHORT");
    ck_assert_int_eq(cfg_set(c, "log.cleaner.min.cleanable.ratio", "1.5", NULL, err, sizeof(err)),
                     KERR__INVAL);
    ck_assert_int_eq(tcfg_validate("min.cleanable.dirty.ratio", "1.5", why, sizeof(why)),
                     KERR_INVALID_CONFIG);
    ck_assert_str_eq(why, "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value "
                          "must be in [0, 1]");
    ck_assert_int_eq(tcfg_validate("preallocate", "yes", why, sizeof(why)), KERR_INVALID_CONFIG);
    ck_assert_str_eq(why, "Invalid value yes for configuration preallocate: Expected value to be "
                          "either true or false");
    ck_assert_int_eq(tcfg_validate("message.timestamp.type", "Now", why, sizeof(why)),
                     KERR_INVALID_CONFIG);
    ck_assert_str_eq(why, "Invalid value Now for configuration message.timestamp.type: String "
                          "must be one of: CreateTime|LogAppendTime");
    /* cleanup.policy is a list of delete and compact, in any order */
    ck_assert_int_eq(tcfg_validate("cleanup.policy", "delete,compact", why, sizeof(why)),
                     KERR_NONE);
    ck_assert_int_eq(tcfg_validate("cleanup.policy", "compact", why, sizeof(why)), KERR_NONE);
    ck_assert_int_eq(tcfg_validate("cleanup.policy", "", why, sizeof(why)), KERR_INVALID_CONFIG);
    ck_assert_int_eq(tcfg_validate("retention.bytes", "-5", why, sizeof(why)), KERR_NONE);
    ck_assert_int_eq(tcfg_validate("retention.ms", "-2", why, sizeof(why)), KERR_INVALID_CONFIG);
    int64_t v;
    ck_assert(cval_parse_long(" 42 ", &v) && v == 42);
    ck_assert(!cval_parse_long("42x", &v));
    ck_assert(!cval_parse_long("99999999999999999999", &v));
    cfg_free(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("cfg");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_properties_file_syntax);
    tcase_add_test(tc, test_precedence_file_env_override);
    tcase_add_test(tc, test_retention_and_roll_precedence);
    tcase_add_test(tc, test_invalid_values_name_the_key);
    tcase_add_test(tc, test_listeners);
    tcase_add_test(tc, test_topic_configs);
    tcase_add_test(tc, test_one_validator_for_broker_and_topic_keys);
    tcase_add_test(tc, test_replica_selector);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
