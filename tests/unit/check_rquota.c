/* check_rquota.c: replication quotas measure as Kafka's Rate (the span of all samples but one
 * at least), and the throttled-replica lists parse as Kafka's. */
#include <check.h>
#include <stdlib.h>

#include "replica/rquota.h"
#include "tcfg.h"
#include "testutil.h"

START_TEST(test_fresh_meter_allows_about_ten_seconds_then_the_rate)
{
    rquota_t q;
    rquota_init(&q, 1000); /* 1000 B/s */
    ck_assert(!rquota_exceeded(&q, 0));
    rquota_record(&q, 9000, 0); /* 9 s worth at once: under 10 windows' span */
    ck_assert(!rquota_exceeded(&q, 0));
    rquota_record(&q, 2000, 100); /* 11 s worth */
    ck_assert(rquota_exceeded(&q, 100));
    /* 20 s later every sample is obsolete: free again */
    ck_assert(!rquota_exceeded(&q, 20100));
    ck_assert(rquota_measure(&q, 20100) == 0);
}
END_TEST

START_TEST(test_steady_rate_measures_close_to_it)
{
    rquota_t q;
    rquota_init(&q, -1); /* no bound: never exceeded */
    for (int64_t t = 0; t < 30000; t += 100) rquota_record(&q, 50, t); /* 500 B/s */
    double r = rquota_measure(&q, 30000);
    ck_assert_msg(r > 450 && r < 550, "measured %f", r);
    ck_assert(!rquota_exceeded(&q, 30000));
    q.rate = 400;
    ck_assert(rquota_exceeded(&q, 30000));
}
END_TEST

START_TEST(test_throttled_replica_lists)
{
    ck_assert(tcfg_replicas_listed("0:1,0:2,1:4", 0, 2));
    ck_assert(tcfg_replicas_listed("0:1,0:2,1:4", 1, 4));
    ck_assert(!tcfg_replicas_listed("0:1,0:2,1:4", 1, 2));
    ck_assert(tcfg_replicas_listed("*", 7, 9));
    ck_assert(!tcfg_replicas_listed("", 0, 1));
    ck_assert(tcfg_replicas_valid(""));
    ck_assert(tcfg_replicas_valid("*"));
    ck_assert(tcfg_replicas_valid("0:1, 1:2"));
    ck_assert(!tcfg_replicas_valid("0:1,x"));
    ck_assert(!tcfg_replicas_valid("0-1"));
    ck_assert(!tcfg_replicas_valid("0:"));
    char why[256];
    ck_assert_int_eq(
        tcfg_validate("leader.replication.throttled.replicas", "1:a", why, sizeof(why)),
        KERR_INVALID_CONFIG);
    ck_assert_int_eq(
        tcfg_validate("follower.replication.throttled.replicas", "0:4", why, sizeof(why)),
        KERR_NONE);
}
END_TEST

static Suite *rquota_suite(void)
{
    Suite *s = suite_create("rquota");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_fresh_meter_allows_about_ten_seconds_then_the_rate);
    tcase_add_test(tc, test_steady_rate_measures_close_to_it);
    tcase_add_test(tc, test_throttled_replica_lists);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(rquota_suite)
