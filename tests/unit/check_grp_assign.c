/* check_grp_assign.c: the KIP-848 server-side assignors (broker/group/grp_assign.c): range
 * gives contiguous per-topic ranges in member-id order; uniform balances within one partition,
 * keeps a member's previous partitions when it can (sticky), and only gives a topic's
 * partitions to its subscribers. */
#include <check.h>
#include <stdlib.h>

#include "group/grp_assign.h"
#include "testutil.h"

static void free_out(grp_asg_member_t *m, int n)
{
    for (int i = 0; i < n; i++) free(m[i].out);
}

/* Each partition of each topic in nparts owned exactly once over the members. */
static void assert_complete(const grp_asg_member_t *m, int n, const int32_t *nparts, int nt)
{
    for (int t = 0; t < nt; t++)
        for (int32_t p = 0; p < nparts[t]; p++) {
            int owners = 0;
            for (int i = 0; i < n; i++)
                for (int k = 0; k < m[i].nout; k++)
                    owners += m[i].out[k].topic == t && m[i].out[k].partition == p;
            ck_assert_int_eq(owners, 1);
        }
}

START_TEST(test_range_contiguous_in_member_order)
{
    int32_t subs[] = {0, 1};
    int32_t nparts[] = {5, 5};
    /* given out of id order: "b" then "a"; "a" takes the first (larger) ranges */
    grp_asg_member_t m[] = {{.id = "b", .nsubs = 2, .subs = subs},
                            {.id = "a", .nsubs = 2, .subs = subs}};
    ck_assert(grp_assign_run("range", m, 2, nparts, 2));
    assert_complete(m, 2, nparts, 2);
    ck_assert_int_eq(m[1].nout, 6); /* a: t0 0-2, t1 0-2 (co-partitioned) */
    ck_assert_int_eq(m[0].nout, 4);
    ck_assert(m[1].out[0].partition == 0 && m[1].out[2].partition == 2);
    ck_assert(m[1].out[3].topic == 1 && m[1].out[3].partition == 0);
    ck_assert(m[0].out[0].topic == 0 && m[0].out[0].partition == 3);
    free_out(m, 2);
}
END_TEST

START_TEST(test_uniform_balanced_and_sticky)
{
    int32_t subs[] = {0};
    int32_t nparts[] = {6};
    grp_asg_member_t two[] = {{.id = "a", .nsubs = 1, .subs = subs},
                              {.id = "b", .nsubs = 1, .subs = subs}};
    ck_assert(grp_assign_run("uniform", two, 2, nparts, 1));
    assert_complete(two, 2, nparts, 1);
    ck_assert(two[0].nout == 3 && two[1].nout == 3);
    /* a third member joins: everyone keeps two of what it had; c gets one from each */
    grp_asg_member_t three[] = {
        {.id = "a", .nsubs = 1, .subs = subs, .nprev = two[0].nout, .prev = two[0].out},
        {.id = "b", .nsubs = 1, .subs = subs, .nprev = two[1].nout, .prev = two[1].out},
        {.id = "c", .nsubs = 1, .subs = subs}};
    ck_assert(grp_assign_run("uniform", three, 3, nparts, 1));
    assert_complete(three, 3, nparts, 1);
    for (int i = 0; i < 3; i++) ck_assert_int_eq(three[i].nout, 2);
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < three[i].nout; k++) {
            bool kept = false;
            for (int j = 0; j < two[i].nout; j++)
                kept |= two[i].out[j].partition == three[i].out[k].partition;
            ck_assert(kept); /* a and b only lost partitions, never swapped */
        }
    free_out(two, 2);
    free_out(three, 3);
}
END_TEST

START_TEST(test_uniform_remainder_spread)
{
    /* 5 partitions, 4 members, previous owners held 3 and 2: counts must end 2,1,1,1 */
    int32_t subs[] = {0};
    int32_t nparts[] = {5};
    grp_asg_tp_t pa[] = {{0, 0}, {0, 1}, {0, 2}}, pb[] = {{0, 3}, {0, 4}};
    grp_asg_member_t m[] = {{.id = "a", .nsubs = 1, .subs = subs, .nprev = 3, .prev = pa},
                            {.id = "b", .nsubs = 1, .subs = subs, .nprev = 2, .prev = pb},
                            {.id = "c", .nsubs = 1, .subs = subs},
                            {.id = "d", .nsubs = 1, .subs = subs}};
    ck_assert(grp_assign_run("uniform", m, 4, nparts, 1));
    assert_complete(m, 4, nparts, 1);
    int max = 0, min = 99;
    for (int i = 0; i < 4; i++) {
        max = m[i].nout > max ? m[i].nout : max;
        min = m[i].nout < min ? m[i].nout : min;
    }
    ck_assert(max == 2 && min == 1);
    free_out(m, 4);
}
END_TEST

START_TEST(test_only_subscribers_get_a_topic)
{
    int32_t s0[] = {0}, s01[] = {0, 1};
    int32_t nparts[] = {2, 4};
    grp_asg_member_t m[] = {{.id = "a", .nsubs = 1, .subs = s0},
                            {.id = "b", .nsubs = 2, .subs = s01}};
    for (int pass = 0; pass < 2; pass++) {
        ck_assert(grp_assign_run(pass ? "range" : "uniform", m, 2, nparts, 2));
        assert_complete(m, 2, nparts, 2);
        for (int k = 0; k < m[0].nout; k++) ck_assert_int_eq(m[0].out[k].topic, 0);
        free_out(m, 2);
    }
    /* no members, an unknown assignor, a topic with no partitions: no crash */
    ck_assert(grp_assign_run("uniform", NULL, 0, nparts, 2));
    ck_assert(!grp_assign_run("sticky", m, 2, nparts, 2));
    ck_assert(m[0].nout == 0 && m[1].nout == 0);
    free_out(m, 2);
    ck_assert(grp_assign_known("range") && grp_assign_known("uniform") && !grp_assign_known("x"));
}
END_TEST

static Suite *grp_assign_suite(void)
{
    Suite *s = suite_create("grp_assign");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_range_contiguous_in_member_order);
    tcase_add_test(tc, test_uniform_balanced_and_sticky);
    tcase_add_test(tc, test_uniform_remainder_spread);
    tcase_add_test(tc, test_only_subscribers_get_a_topic);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(grp_assign_suite)
