/* check_drill_verify.c: kafka-drill's verifier on synthetic sequences: a clean run, a gap
 * (an acknowledged message never read back), a duplicate, a reordering, a consumer re-reading
 * after a rewind, a log rewritten under what a live consumer read, and the unavailability window
 * around a fault. */
#include <check.h>
#include <stdint.h>

#include "cli/drill_verify.h"
#include "testutil.h"

/* seqs 0..n-1 sent and acknowledged at offset = seq in partition 0, one ack per 10 ms */
static dv_t *acked_run(int n)
{
    dv_t *dv = dv_new();
    for (int i = 0; i < n; i++) {
        dv_sent(dv, i, 999000 + i * 10000);
        dv_acked(dv, i, 0, i, 1000000 + i * 10000);
    }
    return dv;
}

START_TEST(test_drill_verify_clean_run)
{
    dv_t *dv = acked_run(100);
    for (int i = 0; i < 100; i++) dv_read(dv, 0, i, i);
    dv_counts_t c;
    dv_count(dv, &c);
    ck_assert_int_eq(c.sent, 100);
    ck_assert_int_eq(c.acked, 100);
    ck_assert_int_eq(c.consumed, 100);
    ck_assert_int_eq(c.lost, 0);
    ck_assert_int_eq(c.duplicated, 0);
    ck_assert_int_eq(c.out_of_order, 0);
    ck_assert_int_eq(c.offset_mismatch, 0);
    ck_assert_int_eq(c.first_lost, -1);
    dv_free(dv);
}
END_TEST

START_TEST(test_drill_verify_gap_duplicate_reorder)
{
    /* 10 sent and acknowledged; the log holds 0 1 2 4 3 5 5 7 9 6: 8 is missing (lost),
     * 5 twice (a duplicate), 3 after 4 and 6 after 9 (two out of order). */
    dv_t *dv = dv_new();
    const int64_t log[] = {0, 1, 2, 4, 3, 5, 5, 7, 9, 6};
    for (int i = 0; i < 10; i++) dv_sent(dv, i, i * 1000 - 1);
    for (int i = 0; i < 10; i++) {
        int64_t off = -1;
        for (int k = 0; k < 10; k++)
            if (log[k] == i && off < 0) off = k;
        dv_acked(dv, i, 0, off < 0 ? 8 : off, i * 1000);
    }
    for (int k = 0; k < 10; k++) dv_read(dv, 0, k, log[k]);
    dv_counts_t c;
    dv_count(dv, &c);
    ck_assert_int_eq(c.acked, 10);
    ck_assert_int_eq(c.consumed, 10);
    ck_assert_int_eq(c.lost, 1);
    ck_assert_int_eq(c.first_lost, 8);
    ck_assert_int_eq(c.duplicated, 1);
    ck_assert_int_eq(c.out_of_order, 2);
    /* 8 was acknowledged at offset 8, which holds 9 */
    ck_assert_int_eq(c.offset_mismatch, 1);
    dv_free(dv);
}
END_TEST

START_TEST(test_drill_verify_rereads_are_not_duplicates)
{
    /* a consumer that rewinds reads offsets 3..5 twice: the log has each message once */
    dv_t *dv = acked_run(8);
    for (int i = 0; i < 6; i++) dv_read(dv, 0, i, i);
    for (int i = 3; i < 8; i++) dv_read(dv, 0, i, i);
    dv_counts_t c;
    dv_count(dv, &c);
    ck_assert_int_eq(c.consumed, 8);
    ck_assert_int_eq(c.duplicated, 0);
    ck_assert_int_eq(c.out_of_order, 0);
    ck_assert_int_eq(c.lost, 0);
    ck_assert_int_eq(c.rewritten, 0);
    dv_free(dv);
}
END_TEST

START_TEST(test_drill_verify_unacked_failed_and_foreign)
{
    /* 0..3 acked on two partitions; 4 failed but was written; 5 never reported; a record
     * with a seq never sent (another run's) is ignored; the order check is per partition. */
    dv_t *dv = dv_new();
    for (int i = 0; i < 6; i++) dv_sent(dv, i, i);
    dv_acked(dv, 0, 0, 0, 10);
    dv_acked(dv, 1, 1, 0, 20);
    dv_acked(dv, 2, 0, 1, 30);
    dv_acked(dv, 3, 1, 1, 40);
    dv_failed(dv, 4);
    dv_read(dv, 0, 0, 0);
    dv_read(dv, 0, 1, 2);
    dv_read(dv, 1, 0, 1);
    dv_read(dv, 1, 1, 3);
    dv_read(dv, 1, 2, 4);
    dv_read(dv, 1, 3, 999);
    dv_counts_t c;
    dv_count(dv, &c);
    ck_assert_int_eq(c.sent, 6);
    ck_assert_int_eq(c.acked, 4);
    ck_assert_int_eq(c.failed, 1);
    ck_assert_int_eq(c.consumed, 5);
    ck_assert_int_eq(c.unacked_written, 1);
    ck_assert_int_eq(c.lost, 0);
    ck_assert_int_eq(c.out_of_order, 0);
    dv_free(dv);
}
END_TEST

START_TEST(test_drill_verify_rewritten_offset)
{
    /* A live consumer read seq 2 at offset 2; the final log holds 0 1 3: the log was truncated
     * and rewritten under an acknowledged, already consumed message. */
    dv_t *dv = dv_new();
    for (int i = 0; i < 4; i++) dv_sent(dv, i, i);
    dv_acked(dv, 0, 0, 0, 10);
    dv_acked(dv, 1, 0, 1, 20);
    dv_acked(dv, 2, 0, 2, 30);
    dv_acked(dv, 3, 0, 2, 40);
    for (int i = 0; i < 3; i++) dv_read_live(dv, 0, i, i);
    dv_read(dv, 0, 0, 0);
    dv_read(dv, 0, 1, 1);
    dv_read(dv, 0, 2, 3);
    dv_counts_t c;
    dv_count(dv, &c);
    ck_assert_int_eq(c.rewritten, 1);
    ck_assert_int_eq(c.lost, 1);
    ck_assert_int_eq(c.first_lost, 2);
    ck_assert_int_eq(c.offset_mismatch, 1);
    ck_assert_int_eq(c.consumed, 3);
    dv_free(dv);
}
END_TEST

/* seq sent at t - 2 ms, acknowledged at t, on partition p */
static void send_ack(dv_t *dv, int64_t *seq, int32_t p, int64_t t_sent, int64_t t_ack)
{
    dv_sent(dv, *seq, t_sent);
    dv_acked(dv, *seq, p, *seq, t_ack);
    (*seq)++;
}

START_TEST(test_drill_verify_unavailability_window)
{
    /* Partition 0: acks every 10 ms until 1.50 s; a fault at 1.505 s; one ack at 1.507 s of a
     * message sent before the fault (in flight: not availability); then acks from 3.2 s.
     * Partition 1 (another leader) acks every 10 ms all along. */
    dv_t *dv = dv_new();
    int64_t seq = 0;
    for (int64_t t = 1000000; t <= 1500000; t += 10000) send_ack(dv, &seq, 0, t - 2000, t);
    send_ack(dv, &seq, 0, 1503000, 1507000);
    for (int64_t t = 3200000; t < 3300000; t += 10000) send_ack(dv, &seq, 0, t - 2000, t);
    for (int64_t t = 1000000; t < 3300000; t += 10000) send_ack(dv, &seq, 1, t - 2000, t);
    dv_window_t w;
    dv_window(dv, 1505000, 4000000, &w);
    ck_assert_int_eq(w.partition, 0);
    ck_assert_int_eq(w.last_before, 1500000);
    ck_assert_int_eq(w.first_after, 3200000);
    ck_assert_int_eq(w.window, 1700000);
    ck_assert_int_eq(w.longest_gap, 3200000 - 1507000);
    ck_assert_int_eq(w.gap_partition, 0);
    ck_assert_int_eq(w.gap_from, 1507000);
    ck_assert_int_eq(w.gap_to, 3200000);
    dv_window(dv, 1505000, 5500000, &w);
    ck_assert_int_eq(w.longest_gap, 5500000 - 3290000); /* the quiet tail is longer */
    /* no ack after the fault at all */
    dv_window(dv, 3500000, 4000000, &w);
    ck_assert_int_eq(w.first_after, -1);
    ck_assert_int_eq(w.window, -1);
    ck_assert_int_eq(dv_last_ack(dv), 3290000);
    dv_free(dv);
}
END_TEST

START_TEST(test_drill_verify_window_one_partition_never_back)
{
    /* partition 1 stops acking at the fault and never comes back: that is the verdict, even
     * though partition 0 has a longer finite window */
    dv_t *dv = dv_new();
    int64_t seq = 0;
    for (int64_t t = 0; t <= 100000; t += 10000) send_ack(dv, &seq, 0, t - 1000, t);
    for (int64_t t = 900000; t <= 950000; t += 10000) send_ack(dv, &seq, 0, t - 1000, t);
    for (int64_t t = 0; t <= 100000; t += 10000) send_ack(dv, &seq, 1, t - 1000, t);
    dv_window_t w;
    dv_window(dv, 105000, 1000000, &w);
    ck_assert_int_eq(w.partition, 1);
    ck_assert_int_eq(w.window, -1);
    ck_assert_int_eq(w.longest_gap, 900000);
    ck_assert_int_eq(w.gap_partition, 1);
    ck_assert_int_eq(w.gap_from, 100000);
    ck_assert_int_eq(w.gap_to, 1000000);
    dv_free(dv);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("drill_verify");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_drill_verify_clean_run);
    tcase_add_test(tc, test_drill_verify_gap_duplicate_reorder);
    tcase_add_test(tc, test_drill_verify_rereads_are_not_duplicates);
    tcase_add_test(tc, test_drill_verify_unacked_failed_and_foreign);
    tcase_add_test(tc, test_drill_verify_rewritten_offset);
    tcase_add_test(tc, test_drill_verify_unavailability_window);
    tcase_add_test(tc, test_drill_verify_window_one_partition_never_back);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
