/* check_quota.c: client quotas (broker/quota.c, common/qcfg.c, the entity paths in zkpath.c):
 * Kafka's sampled rate and throttle formula, the eight-level precedence, the request-time cap,
 * Sanitizer names and Java's double format. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "qcfg.h"
#include "quota.h"
#include "zkpath.h"
#include "testutil.h"

static void set1(quota_mgr_t *q, const char *path, const char *key, const char *val)
{
    const char *k[1] = {key}, *v[1] = {val};
    quota_set_entity(q, path, val ? 1 : 0, k, v);
}

START_TEST(test_quota_new_sensor_counts_ten_idle_windows_then_throttles_by_kafkas_formula)
{
    quota_mgr_t *q = quota_new(11, 1);
    set1(q, "clients/slow", "producer_byte_rate", "1000");
    /* 9000 bytes at once: 9000 / 10 s = 900 B/s, within quota */
    ck_assert_int_eq(quota_record(q, QUOTA_PRODUCE, "ANONYMOUS", "slow", 9000, 100000), 0);
    /* 2000 more: 1100 B/s over a 10 s window: (1100 - 1000) / 1000 * 10000 ms */
    ck_assert_int_eq(quota_record(q, QUOTA_PRODUCE, "ANONYMOUS", "slow", 2000, 100000), 1000);
    /* another client id is not measured with it, nor limited */
    ck_assert_int_eq(quota_record(q, QUOTA_PRODUCE, "ANONYMOUS", "other", 1e9, 100000), 0);
    /* 11 windows later the samples have expired */
    ck_assert_int_eq(quota_record(q, QUOTA_PRODUCE, "ANONYMOUS", "slow", 5000, 111000), 0);
    /* a taken-back fetch leaves the rate where it was */
    set1(q, "clients/slow", "consumer_byte_rate", "1000");
    ck_assert_int_gt(quota_record(q, QUOTA_FETCH, "ANONYMOUS", "slow", 20000, 200000), 0);
    quota_unrecord(q, QUOTA_FETCH, "ANONYMOUS", "slow", 20000, 200000);
    ck_assert_int_eq(quota_record(q, QUOTA_FETCH, "ANONYMOUS", "slow", 9000, 200000), 0);
    quota_free(q);
}
END_TEST

START_TEST(test_quota_precedence_is_kafkas_eight_levels)
{
    quota_mgr_t *q = quota_new(11, 1);
    ck_assert(!quota_enabled(q, QUOTA_PRODUCE));
    ck_assert(quota_max_in_window(q, QUOTA_PRODUCE, "ANONYMOUS", "a") < 0);
    set1(q, "clients/<default>", "producer_byte_rate", "100");
    ck_assert(quota_enabled(q, QUOTA_PRODUCE));
    ck_assert(!quota_enabled(q, QUOTA_FETCH));
    /* max in window = quota x (samples - 1) x window */
    ck_assert_double_eq(quota_max_in_window(q, QUOTA_PRODUCE, "ANONYMOUS", "a"), 1000);
    set1(q, "clients/a", "producer_byte_rate", "20");
    ck_assert_double_eq(quota_max_in_window(q, QUOTA_PRODUCE, "ANONYMOUS", "a"), 200);
    set1(q, "users/<default>", "producer_byte_rate", "30"); /* level 6 beats 7 */
    ck_assert_double_eq(quota_max_in_window(q, QUOTA_PRODUCE, "ANONYMOUS", "a"), 300);
    set1(q, "users/ANONYMOUS", "producer_byte_rate", "50"); /* level 3 */
    ck_assert_double_eq(quota_max_in_window(q, QUOTA_PRODUCE, "ANONYMOUS", "a"), 500);
    set1(q, "users/<default>/clients/a", "producer_byte_rate", "40"); /* level 4 below 3 */
    ck_assert_double_eq(quota_max_in_window(q, QUOTA_PRODUCE, "ANONYMOUS", "a"), 500);
    set1(q, "users/ANONYMOUS/clients/<default>", "producer_byte_rate", "60"); /* level 2 */
    ck_assert_double_eq(quota_max_in_window(q, QUOTA_PRODUCE, "ANONYMOUS", "b"), 600);
    set1(q, "users/ANONYMOUS/clients/a", "producer_byte_rate", "7"); /* level 1 */
    ck_assert_double_eq(quota_max_in_window(q, QUOTA_PRODUCE, "ANONYMOUS", "a"), 70);
    /* a quota of another type does not count for this one */
    set1(q, "users/ANONYMOUS/clients/a", "consumer_byte_rate", "9");
    ck_assert_double_eq(quota_max_in_window(q, QUOTA_PRODUCE, "ANONYMOUS", "a"), 600);
    /* removing levels falls back */
    set1(q, "users/ANONYMOUS/clients/<default>", NULL, NULL);
    set1(q, "users/ANONYMOUS", NULL, NULL);
    set1(q, "users/<default>/clients/a", NULL, NULL);
    set1(q, "users/<default>", NULL, NULL);
    ck_assert_double_eq(quota_max_in_window(q, QUOTA_PRODUCE, "ANONYMOUS", "b"), 1000);
    quota_free(q);
}
END_TEST

START_TEST(test_quota_request_time_throttle_is_capped_at_one_window)
{
    quota_mgr_t *q = quota_new(11, 1);
    set1(q, "clients/<default>", "request_percentage", "1");
    /* 500 percent-seconds over 10 s = 50% of a thread, 50x the quota */
    ck_assert_int_eq(quota_record(q, QUOTA_REQUEST, "ANONYMOUS", "c", 500, 0), 1000);
    quota_free(q);
}
END_TEST

START_TEST(test_quota_entity_names_are_sanitized_as_kafka)
{
    char out[64], back[64];
    ck_assert_int_eq(zkpath_sanitize("c 1*/é", out, sizeof(out)), KERR_NONE);
    ck_assert_str_eq(out, "c%201%2A%2F%C3%A9");
    ck_assert_int_eq(zkpath_desanitize(out, back, sizeof(back)), KERR_NONE);
    ck_assert_str_eq(back, "c 1*/é");
    zkpath_qentity_t e = {true, true, "User 1", NULL}, p;
    char path[128], u[64], c[64];
    ck_assert_int_eq(zkpath_qentity_path(path, sizeof(path), &e), KERR_NONE);
    ck_assert_str_eq(path, "users/User%201/clients/<default>");
    ck_assert_int_eq(zkpath_qentity_parse(path, &p, u, sizeof(u), c, sizeof(c)), KERR_NONE);
    ck_assert(p.has_user && p.has_client && p.client == NULL);
    ck_assert_str_eq(p.user, "User 1");
    ck_assert_int_eq(zkpath_qentity_parse("topics/t", &p, u, sizeof(u), c, sizeof(c)),
                     KERR__BAD_MSG);
    ck_assert_int_eq(zkpath_qentity_parse("users/a/b/c", &p, u, sizeof(u), c, sizeof(c)),
                     KERR__BAD_MSG);
}
END_TEST

START_TEST(test_qcfg_values_and_java_doubles)
{
    char s[64], why[256];
    double v;
    qcfg_java_double(1024, s, sizeof(s));
    ck_assert_str_eq(s, "1024.0");
    qcfg_java_double(10485760, s, sizeof(s));
    ck_assert_str_eq(s, "1.048576E7");
    qcfg_java_double(0.5, s, sizeof(s));
    ck_assert_str_eq(s, "0.5");
    qcfg_store_str(QCFG_PRODUCER_BYTE_RATE, 1024, s, sizeof(s));
    ck_assert_str_eq(s, "1024");
    qcfg_store_str(QCFG_REQUEST_PERCENTAGE, 50, s, sizeof(s));
    ck_assert_str_eq(s, "50.0");
    ck_assert_int_eq(qcfg_parse("producer_byte_rate", "abc", &v, why, sizeof(why)),
                     KERR_INVALID_CONFIG);
    ck_assert_int_eq(qcfg_check("producer_byte_rate", -1, why, sizeof(why)), KERR_INVALID_CONFIG);
    ck_assert_int_eq(qcfg_check("producer_byte_rate", 1.5, why, sizeof(why)), KERR_INVALID_REQUEST);
    ck_assert_int_eq(qcfg_check("request_percentage", 1.5, why, sizeof(why)), KERR_NONE);
    ck_assert_int_eq(qcfg_check("nope", 1, why, sizeof(why)), KERR_INVALID_REQUEST);
}
END_TEST

static Suite *quota_suite(void)
{
    Suite *s = suite_create("quota");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc,
                   test_quota_new_sensor_counts_ten_idle_windows_then_throttles_by_kafkas_formula);
    tcase_add_test(tc, test_quota_precedence_is_kafkas_eight_levels);
    tcase_add_test(tc, test_quota_request_time_throttle_is_capped_at_one_window);
    tcase_add_test(tc, test_quota_entity_names_are_sanitized_as_kafka);
    tcase_add_test(tc, test_qcfg_values_and_java_doubles);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(quota_suite)
