/* check_assign.c: replica assignment against Kafka's own layouts and properties
 * (AdminRackAwareTest, AdminUtils tests): the rack-alternated broker list, exact assignments
 * for a fixed start, and for every start/shift: each partition on distinct brokers and on as
 * many racks as it can, leaders and replicas spread evenly. */
#include <check.h>
#include <string.h>

#include "assign.h"
#include "testutil.h"

/* brokers from "id:rack" pairs given as parallel arrays */
static int mk(assign_broker_t *b, const int32_t *ids, const char *const *racks, int n)
{
    for (int i = 0; i < n; i++) {
        b[i].id = ids[i];
        snprintf(b[i].rack, sizeof(b[i].rack), "%s", racks ? racks[i] : "");
    }
    return n;
}

static const char *rack_of(const assign_broker_t *b, int nb, int32_t id)
{
    for (int i = 0; i < nb; i++)
        if (b[i].id == id) return b[i].rack;
    ck_abort_msg("broker %d not in the list", id);
    return NULL;
}

static int distinct_racks(const assign_broker_t *b, int nb, const int32_t *row, int rf)
{
    int n = 0;
    for (int j = 0; j < rf; j++) {
        bool seen = false;
        for (int k = 0; k < j && !seen; k++)
            seen = strcmp(rack_of(b, nb, row[k]), rack_of(b, nb, row[j])) == 0;
        n += !seen;
    }
    return n;
}

enum { V_RACKS = 1, V_LEADERS = 2, V_REPLICAS = 4 };

/* Kafka's checkReplicaDistribution: distinct brokers always; racks: rf distinct racks per
 * partition; leaders: nparts/nb per broker; replicas: nparts*rf/nb per broker. */
static void check_distribution(const assign_broker_t *b, int nb, const int32_t *a, int nparts,
                               int rf, unsigned what, const char *ctx)
{
    for (int p = 0; p < nparts; p++) {
        const int32_t *row = &a[p * rf];
        for (int j = 0; j < rf; j++)
            for (int k = 0; k < j; k++)
                ck_assert_msg(row[j] != row[k], "%s: partition %d has broker %d twice", ctx, p,
                              row[j]);
        if (what & V_RACKS)
            ck_assert_msg(distinct_racks(b, nb, row, rf) == rf,
                          "%s: partition %d spans %d racks, not %d", ctx, p,
                          distinct_racks(b, nb, row, rf), rf);
    }
    for (int i = 0; i < nb; i++) {
        int leaders = 0, replicas = 0;
        for (int p = 0; p < nparts; p++) {
            leaders += a[p * rf] == b[i].id;
            for (int j = 0; j < rf; j++) replicas += a[p * rf + j] == b[i].id;
        }
        if (what & V_LEADERS)
            ck_assert_msg(leaders == nparts / nb, "%s: broker %d leads %d, not %d", ctx, b[i].id,
                          leaders, nparts / nb);
        if (what & V_REPLICAS)
            ck_assert_msg(replicas == nparts * rf / nb, "%s: broker %d holds %d, not %d", ctx,
                          b[i].id, replicas, nparts * rf / nb);
    }
}

/* the same check for every start index and shift (Kafka draws them at random) */
static void check_every_start(const assign_broker_t *b, int nb, int first, int nparts, int rf,
                              unsigned what)
{
    int32_t a[512];
    for (int start = 0; start < nb; start++) {
        for (int shift = 0; shift < nb; shift++) {
            ck_assert_int_eq(assign_auto(b, nb, true, first, nparts, (int16_t)rf, start, shift, a),
                             KERR_NONE);
            char ctx[64];
            snprintf(ctx, sizeof(ctx), "start %d shift %d", start, shift);
            check_distribution(b, nb, a, nparts, rf, what, ctx);
        }
    }
}

/* the exact layout for a fixed start index 0 (Kafka's tests) */
static void expect_layout(const assign_broker_t *b, int nb, int nparts, int rf, const int32_t *want)
{
    int32_t a[64];
    ck_assert_int_eq(assign_auto(b, nb, true, 0, nparts, (int16_t)rf, 0, 0, a), KERR_NONE);
    ck_assert_mem_eq(a, want, (size_t)(nparts * rf) * sizeof(int32_t));
}

static const int32_t ids6[] = {0, 1, 2, 3, 4, 5};
static const char *const racks_2each[] = {"rack1", "rack2", "rack2", "rack3", "rack3", "rack1"};

START_TEST(test_rack_alternated_list_and_exact_layouts)
{
    static const char *const racks[] = {"rack1", "rack3", "rack3", "rack2", "rack2", "rack1"};
    assign_broker_t b[6];
    mk(b, ids6, racks, 6);
    int32_t alt[6];
    assign_rack_alternated(b, 6, alt);
    int32_t want[] = {0, 3, 1, 5, 4, 2};
    ck_assert_mem_eq(alt, want, sizeof(want));
    assign_rack_alternated(b, 5, alt); /* without broker 5 */
    int32_t want5[] = {0, 3, 1, 4, 2};
    ck_assert_mem_eq(alt, want5, sizeof(want5));
    /* AdminRackAwareTest: 7 partitions, RF 3, fixed start 0 */
    int32_t layout[] = {0, 3, 1, 3, 1, 5, 1, 5, 4, 5, 4, 2, 4, 2, 0, 2, 0, 3, 0, 4, 2};
    expect_layout(b, 6, 7, 3, layout);
    /* AdminUtilsTest: no racks, 5 brokers, 10 partitions, RF 3 */
    mk(b, ids6, NULL, 5);
    int32_t plain[] = {0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 0, 4, 0, 1,
                       0, 2, 3, 1, 3, 4, 2, 4, 0, 3, 0, 1, 4, 1, 2};
    expect_layout(b, 5, 10, 3, plain);
}
END_TEST

START_TEST(test_rack_aware_distribution)
{
    assign_broker_t b[6];
    mk(b, ids6, racks_2each, 6);
    int32_t a[18];
    ck_assert_int_eq(assign_auto(b, 6, true, 0, 6, 3, 2, 2, a), KERR_NONE); /* fixed start 2 */
    check_distribution(b, 6, a, 6, 3, V_RACKS | V_LEADERS | V_REPLICAS, "fixed start 2");
    check_every_start(b, 6, 0, 6, 3, V_RACKS | V_LEADERS | V_REPLICAS);
    check_every_start(b, 6, 0, 12, 2, V_RACKS | V_LEADERS | V_REPLICAS); /* RF 2 */
    check_every_start(b, 6, 0, 6, 2, V_RACKS | V_LEADERS | V_REPLICAS);
    check_every_start(b, 6, 0, 13, 3, V_RACKS); /* uneven replicas */
}
END_TEST

START_TEST(test_rack_aware_uneven_racks_and_expansion)
{
    static const char *const uneven[] = {"rack1", "rack1", "rack2", "rack3", "rack3", "rack1"};
    assign_broker_t b[12];
    mk(b, ids6, uneven, 6);
    check_every_start(b, 6, 0, 12, 3, V_RACKS | V_LEADERS);
    /* adding partitions 12..23 over brokers 6..11 */
    static const int32_t ids[] = {6, 7, 8, 9, 10, 11};
    mk(b, ids, racks_2each, 6);
    check_every_start(b, 6, 12, 12, 2, V_RACKS | V_LEADERS | V_REPLICAS);
    /* 3 brokers on 3 racks */
    static const int32_t ids3[] = {0, 1, 4};
    static const char *const r3[] = {"rack1", "rack2", "rack3"};
    mk(b, ids3, r3, 3);
    check_every_start(b, 3, 0, 3, 2, V_RACKS | V_LEADERS | V_REPLICAS);
    /* 12 brokers, 96 partitions */
    static const int32_t ids12[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    static const char *const r12[] = {"rack1", "rack2", "rack2", "rack3", "rack3", "rack1",
                                      "rack1", "rack2", "rack2", "rack3", "rack1", "rack3"};
    mk(b, ids12, r12, 12);
    int32_t a[96 * 3];
    ck_assert_int_eq(assign_auto(b, 12, true, 0, 96, 3, 5, 7, a), KERR_NONE);
    check_distribution(b, 12, a, 96, 3, V_RACKS | V_LEADERS | V_REPLICAS, "96 partitions");
}
END_TEST

START_TEST(test_more_or_fewer_replicas_than_racks_and_one_rack)
{
    static const char *const racks[] = {"rack1", "rack2", "rack2", "rack3", "rack3", "rack2"};
    assign_broker_t b[6];
    mk(b, ids6, racks, 6);
    int32_t a[36];
    for (int start = 0; start < 6; start++) {
        ck_assert_int_eq(assign_auto(b, 6, true, 0, 6, 5, start, start, a), KERR_NONE);
        check_distribution(b, 6, a, 6, 5, 0, "RF 5");
        for (int p = 0; p < 6; p++) ck_assert_int_eq(distinct_racks(b, 6, &a[p * 5], 5), 3);
        ck_assert_int_eq(assign_auto(b, 6, true, 0, 6, 2, start, start, a), KERR_NONE);
        for (int p = 0; p < 6; p++) ck_assert_int_eq(distinct_racks(b, 6, &a[p * 2], 2), 2);
    }
    static const char *const one[] = {"rack1", "rack1", "rack1", "rack1", "rack1", "rack1"};
    mk(b, ids6, one, 6);
    ck_assert_int_eq(assign_auto(b, 6, true, 0, 6, 3, 1, 4, a), KERR_NONE);
    check_distribution(b, 6, a, 6, 3, V_LEADERS, "one rack");
    for (int p = 0; p < 6; p++) ck_assert_int_eq(distinct_racks(b, 6, &a[p * 3], 3), 1);
    /* testSkipBrokerWithReplicaAlreadyAssigned: racks a,b,c,a,a, RF 4, fixed start 2 */
    static const char *const abc[] = {"a", "b", "c", "a", "a"};
    mk(b, ids6, abc, 5);
    ck_assert_int_eq(assign_auto(b, 5, true, 0, 6, 4, 2, 2, a), KERR_NONE);
    check_distribution(b, 5, a, 6, 4, 0, "skip assigned broker");
}
END_TEST

START_TEST(test_mixed_racks_refused_unless_disabled)
{
    static const char *const mixed[] = {"a", "", "b"};
    assign_broker_t b[3];
    mk(b, ids6, mixed, 3);
    ck_assert(assign_racks_mixed(b, 3));
    int32_t a[6], plain[6];
    ck_assert_int_eq(assign_auto(b, 3, true, 0, 3, 2, 0, 0, a), KERR__INVAL);
    ck_assert_int_eq(assign_auto(b, 3, false, 0, 3, 2, 1, 2, a), KERR_NONE);
    assign_replicas(ids6, 3, 0, 3, 2, 1, 2, plain);
    ck_assert_mem_eq(a, plain, sizeof(plain));
    /* with racks everywhere, disabled means the plain layout too */
    mk(b, ids6, racks_2each, 3);
    ck_assert(!assign_racks_mixed(b, 3));
    ck_assert_int_eq(assign_auto(b, 3, false, 0, 3, 2, 1, 2, a), KERR_NONE);
    ck_assert_mem_eq(a, plain, sizeof(plain));
    /* the start index for new partitions: first broker id >= partition 0's leader */
    static const int32_t ids[] = {2, 5, 9};
    mk(b, ids, NULL, 3);
    ck_assert_int_eq(assign_start_after(b, 3, 5), 1);
    ck_assert_int_eq(assign_start_after(b, 3, 6), 2);
    ck_assert_int_eq(assign_start_after(b, 3, 10), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("assign");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_rack_alternated_list_and_exact_layouts);
    tcase_add_test(tc, test_rack_aware_distribution);
    tcase_add_test(tc, test_rack_aware_uneven_racks_and_expansion);
    tcase_add_test(tc, test_more_or_fewer_replicas_than_racks_and_one_rack);
    tcase_add_test(tc, test_mixed_racks_refused_unless_disabled);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
