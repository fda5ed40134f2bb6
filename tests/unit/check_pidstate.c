/* check_pidstate.c: idempotent producer state: Kafka's sequence rules (in order, duplicates
 * of the last five answered with their offset, gaps, unknown producers, epoch fencing and
 * bumps, sequence wrap-around), and the state surviving a restart through the snapshot and
 * through a replay of the log alone. */
#include <check.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/pidstate.h"
#include "store/plog.h"
#include "testutil.h"

static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_pidstate.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

/* One batch of n records from producer pid/epoch starting at sequence seq. */
static void pid_batch(wbuf_t *wb, int n, int64_t pid, int16_t epoch, int32_t seq)
{
    wbuf_reset(wb);
    tu_batch(wb, n, "v", 1000);
    uint8_t *p = wb->p;
    bytes_put_be64(p + 43, (uint64_t)pid);
    bytes_put_be16(p + 51, (uint16_t)epoch);
    bytes_put_be32(p + 53, (uint32_t)seq);
    tu_fix_crc(p, wb->len);
}

static plog_t *open_log(void)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/t-0", tmpdir);
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    plog_t *log;
    ck_assert_int_eq(plog_open(dir, "t", 0, &cfg, 0, 0, true, &log), KERR_NONE);
    return log;
}

/* Check, and when accepted append and record, as the leader does. */
static kerr_t produce(plog_t *log, pidmap_t *m, int n, int64_t pid, int16_t epoch, int32_t seq,
                      int64_t *offset)
{
    wbuf_t wb;
    wbuf_init(&wb);
    pid_batch(&wb, n, pid, epoch, seq);
    int64_t dup = -1;
    kerr_t err = pidmap_check(m, wb.p, wb.len, &dup);
    if (err == KERR_NONE) {
        plog_append_info_t info;
        ck_assert_int_eq(plog_append(log, wb.p, wb.len, 0, 1000, &info), KERR_NONE);
        pidmap_update(m, log, wb.p, wb.len);
        if (offset) *offset = info.first_offset;
    } else if (err == KERR_DUPLICATE_SEQUENCE_NUMBER && offset) {
        *offset = dup;
    }
    wbuf_free(&wb);
    return err;
}

START_TEST(test_sequence_rules)
{
    plog_t *log = open_log();
    pidmap_t *m = pidmap_load(log);
    int64_t off = -1;
    ck_assert_int_eq(produce(log, m, 3, 7, 0, 5, NULL), KERR_UNKNOWN_PRODUCER_ID);
    ck_assert_int_eq(produce(log, m, 3, 7, 0, 0, &off), KERR_NONE); /* seqs 0-2 at 0 */
    ck_assert_int_eq(off, 0);
    ck_assert_int_eq(produce(log, m, 2, 7, 0, 3, &off), KERR_NONE); /* 3-4 at 3 */
    ck_assert_int_eq(produce(log, m, 2, 7, 0, 6, NULL), KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* a retry of a batch already in the log is answered with its original offset */
    ck_assert_int_eq(produce(log, m, 3, 7, 0, 0, &off), KERR_DUPLICATE_SEQUENCE_NUMBER);
    ck_assert_int_eq(off, 0);
    ck_assert_int_eq(produce(log, m, 2, 7, 0, 3, &off), KERR_DUPLICATE_SEQUENCE_NUMBER);
    ck_assert_int_eq(off, 3);
    ck_assert_int_eq(plog_end_offset(log), 5); /* duplicates were not appended */
    /* five more batches push the first out of the last five: no longer a known duplicate */
    for (int i = 0; i < 5; i++) ck_assert_int_eq(produce(log, m, 1, 7, 0, 5 + i, NULL), KERR_NONE);
    ck_assert_int_eq(produce(log, m, 3, 7, 0, 0, NULL), KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* epochs: an older one is fenced, a newer one must start at 0 */
    ck_assert_int_eq(produce(log, m, 1, 7, 1, 4, NULL), KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    ck_assert_int_eq(produce(log, m, 1, 7, 1, 0, NULL), KERR_NONE);
    ck_assert_int_eq(produce(log, m, 1, 7, 0, 10, NULL), KERR_INVALID_PRODUCER_EPOCH);
    /* batches without a producer id always pass */
    ck_assert_int_eq(produce(log, m, 1, -1, -1, -1, NULL), KERR_NONE);
    ck_assert_uint_eq(pidmap_count(m), 1);
    pidmap_free(m);
    plog_close(log);
}
END_TEST

/* Write a snapshot by hand (Kafka's layout) for producer pid whose last batch ended at
 * last_seq, offset last_off. */
static void write_snapshot(int64_t at, int64_t pid, int16_t epoch, int32_t last_seq,
                           int64_t last_off)
{
    wbuf_t wb;
    wbuf_init(&wb);
    wbuf_i16(&wb, 1);
    wbuf_u32(&wb, 0);
    wbuf_i32(&wb, 1);
    wbuf_i64(&wb, pid);
    wbuf_i16(&wb, epoch);
    wbuf_i32(&wb, last_seq);
    wbuf_i64(&wb, last_off);
    wbuf_i32(&wb, 0); /* offset delta */
    wbuf_i64(&wb, 1000);
    wbuf_i32(&wb, -1);
    wbuf_i64(&wb, -1);
    bytes_put_be32(wb.p + 2, crc32c(0, wb.p + 6, wb.len - 6));
    char path[400];
    snprintf(path, sizeof(path), "%s/t-0/%020lld.snapshot", tmpdir, (long long)at);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(wb.p, 1, wb.len, f), wb.len);
    fclose(f);
    wbuf_free(&wb);
}

START_TEST(test_sequence_wraps_after_int32_max)
{
    plog_t *log = open_log();
    pidmap_t *m = pidmap_load(log);
    ck_assert_int_eq(produce(log, m, 1, -1, -1, -1, NULL), KERR_NONE); /* offset 0, no pid */
    pidmap_free(m);
    write_snapshot(1, 9, 0, INT32_MAX - 1, 0); /* producer 9 is at sequence INT32_MAX - 1 */
    m = pidmap_load(log);
    ck_assert_int_eq(produce(log, m, 2, 9, 0, 0, NULL), KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* a batch of 2 starting at INT32_MAX ends at sequence 0; the next starts at 1 */
    ck_assert_int_eq(produce(log, m, 2, 9, 0, INT32_MAX, NULL), KERR_NONE);
    ck_assert_int_eq(produce(log, m, 2, 9, 0, 1, NULL), KERR_NONE);
    int64_t off;
    ck_assert_int_eq(produce(log, m, 2, 9, 0, INT32_MAX, &off), KERR_DUPLICATE_SEQUENCE_NUMBER);
    ck_assert_int_eq(off, 1);
    pidmap_free(m);
    plog_close(log);
}
END_TEST

START_TEST(test_state_survives_restart_with_and_without_snapshot)
{
    plog_t *log = open_log();
    pidmap_t *m = pidmap_load(log);
    for (int i = 0; i < 4; i++) ck_assert_int_eq(produce(log, m, 2, 42, 3, 2 * i, NULL), KERR_NONE);
    ck_assert_int_eq(pidmap_snapshot(m, log), KERR_NONE);
    /* after the snapshot two more batches, known only from the log */
    ck_assert_int_eq(produce(log, m, 2, 42, 3, 8, NULL), KERR_NONE);
    ck_assert_int_eq(produce(log, m, 2, 43, 0, 0, NULL), KERR_NONE);
    pidmap_free(m);
    plog_close(log);

    char snap[400];
    snprintf(snap, sizeof(snap), "%s/t-0/%020d.snapshot", tmpdir, 8);
    ck_assert_int_eq(access(snap, F_OK), 0);
    log = open_log();
    m = pidmap_load(log); /* snapshot at 8 + replay of offsets 8..11 */
    ck_assert_uint_eq(pidmap_count(m), 2);
    int64_t off = -1;
    ck_assert_int_eq(produce(log, m, 2, 42, 3, 8, &off), KERR_DUPLICATE_SEQUENCE_NUMBER);
    ck_assert_int_eq(off, 8);
    ck_assert_int_eq(produce(log, m, 2, 42, 3, 10, NULL), KERR_NONE);
    ck_assert_int_eq(produce(log, m, 2, 43, 0, 4, NULL), KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    pidmap_free(m);

    unlink(snap); /* without the snapshot the whole log is replayed */
    m = pidmap_load(log);
    ck_assert_int_eq(produce(log, m, 2, 42, 3, 10, &off), KERR_DUPLICATE_SEQUENCE_NUMBER);
    ck_assert_int_eq(produce(log, m, 2, 43, 0, 2, NULL), KERR_NONE);
    pidmap_free(m);
    plog_close(log);
}
END_TEST

START_TEST(test_snapshot_past_truncation_is_dropped)
{
    plog_t *log = open_log();
    pidmap_t *m = pidmap_load(log);
    for (int i = 0; i < 3; i++) ck_assert_int_eq(produce(log, m, 1, 5, 0, i, NULL), KERR_NONE);
    ck_assert_int_eq(pidmap_snapshot(m, log), KERR_NONE); /* at offset 3 */
    pidmap_free(m);
    ck_assert_int_eq(plog_truncate_to(log, 1), KERR_NONE); /* a follower cuts its log */
    m = pidmap_load(log);
    /* the snapshot describes data that is gone: only sequence 0 remains */
    ck_assert_int_eq(produce(log, m, 1, 5, 0, 1, NULL), KERR_NONE);
    pidmap_free(m);
    char snap[400];
    snprintf(snap, sizeof(snap), "%s/t-0/%020d.snapshot", tmpdir, 3);
    ck_assert_int_ne(access(snap, F_OK), 0);
    plog_close(log);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pidstate");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_sequence_rules);
    tcase_add_test(tc, test_sequence_wraps_after_int32_max);
    tcase_add_test(tc, test_state_survives_restart_with_and_without_snapshot);
    tcase_add_test(tc, test_snapshot_past_truncation_is_dropped);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
