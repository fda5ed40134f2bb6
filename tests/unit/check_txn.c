/* check_txn.c: transactions on the partition side: markers (build and read back), producer
 * state tracking ongoing transactions (first unstable offset) and recording aborts in the
 * aborted transaction index, that state surviving a snapshot and a replay of the log alone,
 * the index's files (34-byte entries, truncation, rebuild of a recovered segment), the
 * overlap query a read_committed fetch uses, and the log cleaner dropping aborted data. */
#include <check.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rec/txnmark.h"
#include "store/cleaner.h"
#include "store/pidstate.h"
#include "store/plog.h"
#include "store/txnidx.h"
#include "testutil.h"

static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_txn.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static plog_t *open_log(bool clean, bool compact)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/t-0", tmpdir);
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    if (compact) {
        cfg.segment_bytes = 400;
        cfg.cleanup_policy = PLOG_CLEANUP_COMPACT;
    }
    plog_t *log;
    ck_assert_int_eq(plog_open(dir, "t", 0, &cfg, 0, 0, clean, &log), KERR_NONE);
    return log;
}

/* A transactional batch of one keyed record from pid (epoch 0, sequence seq). */
static void txn_put(plog_t *log, pidmap_t *m, int64_t pid, int32_t seq, const char *k,
                    const char *v)
{
    batch_builder_t bb;
    batch_builder_init(&bb, 1000);
    batch_builder_add(&bb, 0, 1000, k, (int32_t)strlen(k), v, (int32_t)strlen(v), 0, NULL, 0);
    batch_hdr_t t = {.partition_leader_epoch = -1,
                     .attributes = BATCH_ATTR_TRANSACTIONAL,
                     .producer_id = pid,
                     .base_sequence = seq};
    wbuf_t wb;
    wbuf_init(&wb);
    batch_builder_finish(&bb, &t, &wb);
    batch_builder_free(&bb);
    int64_t dup;
    ck_assert_int_eq(pidmap_check(m, wb.p, wb.len, &dup), KERR_NONE);
    plog_append_info_t info;
    ck_assert_int_eq(plog_append(log, wb.p, wb.len, 0, 1000, &info), KERR_NONE);
    pidmap_update(m, log, wb.p, wb.len);
    wbuf_free(&wb);
}

static int64_t mark(plog_t *log, pidmap_t *m, int64_t pid, bool commit)
{
    ck_assert_int_eq(pidmap_check_marker(m, pid, 0, 3), KERR_NONE);
    wbuf_t wb;
    wbuf_init(&wb);
    txnmark_build(&wb, pid, 0, commit, 3, 1000);
    plog_append_info_t info;
    ck_assert_int_eq(plog_append(log, wb.p, wb.len, 0, 1000, &info), KERR_NONE);
    pidmap_update(m, log, wb.p, wb.len);
    wbuf_free(&wb);
    return info.first_offset;
}

START_TEST(test_marker_roundtrip)
{
    wbuf_t wb;
    wbuf_init(&wb);
    txnmark_build(&wb, 42, 7, true, 9, 1234);
    batch_hdr_t h;
    ck_assert_int_eq(batch_validate(wb.p, wb.len, &h), KERR_NONE);
    ck_assert(h.attributes & BATCH_ATTR_CONTROL);
    ck_assert(h.attributes & BATCH_ATTR_TRANSACTIONAL);
    ck_assert_int_eq(h.producer_id, 42);
    ck_assert_int_eq(h.producer_epoch, 7);
    ck_assert_int_eq(h.base_sequence, -1);
    int32_t ce = 0;
    ck_assert_int_eq(txnmark_type(wb.p, wb.len, &ce), TXNMARK_COMMIT);
    ck_assert_int_eq(ce, 9);
    wbuf_reset(&wb);
    txnmark_build(&wb, 42, 7, false, 9, 1234);
    ck_assert_int_eq(txnmark_type(wb.p, wb.len, NULL), TXNMARK_ABORT);
    ck_assert_int_eq(txnmark_type(wb.p, 40, NULL), -1); /* too short */
    wbuf_reset(&wb);
    tu_batch(&wb, 1, "x", 1);
    ck_assert_int_eq(txnmark_type(wb.p, wb.len, NULL), -1); /* not a control batch */
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_ongoing_commit_abort_and_index)
{
    plog_t *log = open_log(true, false);
    pidmap_t *m = pidmap_load(log);
    ck_assert_int_eq(pidmap_first_unstable(m), -1);
    txn_put(log, m, 5, 0, "a", "1"); /* 0: pid 5 opens */
    txn_put(log, m, 6, 0, "b", "1"); /* 1: pid 6 opens */
    txn_put(log, m, 5, 1, "a", "2"); /* 2 */
    ck_assert_int_eq(pidmap_first_unstable(m), 0);
    ck_assert_int_eq(pidmap_ongoing(m), 2);
    ck_assert_int_eq(mark(log, m, 5, true), 3); /* pid 5 commits */
    ck_assert_int_eq(pidmap_first_unstable(m), 1);
    ck_assert_int_eq(plog_first_unstable(log), 1);
    ck_assert_int_eq(mark(log, m, 6, false), 4); /* pid 6 aborts */
    ck_assert_int_eq(pidmap_first_unstable(m), -1);
    txnidx_ent_t e[4];
    ck_assert_int_eq(plog_aborted_txns(log, 0, 100, e, 4), 1);
    ck_assert_int_eq(e[0].producer_id, 6);
    ck_assert_int_eq(e[0].first_offset, 1);
    ck_assert_int_eq(e[0].last_offset, 4);
    ck_assert_int_eq(e[0].lso, 5);
    ck_assert_int_eq(plog_aborted_txns(log, 5, 100, e, 4), 0); /* ends before the range */
    ck_assert_int_eq(plog_aborted_txns(log, 0, 1, e, 4), 0);   /* begins after it */
    /* a stale epoch or coordinator epoch is refused */
    ck_assert_int_eq(pidmap_check_marker(m, 6, -1, 3), KERR_INVALID_PRODUCER_EPOCH);
    ck_assert_int_eq(pidmap_check_marker(m, 6, 0, 2), KERR_TRANSACTION_COORDINATOR_FENCED);
    /* the file: one 34-byte entry */
    char p[400];
    snprintf(p, sizeof(p), "%s/t-0/%020d.txnindex", tmpdir, 0);
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_size, TXNIDX_ENTRY_SIZE);
    ck_assert_int_eq(plog_flush(log), KERR_NONE); /* the .txnindex is synced with the log */
    /* an open transaction and a snapshot; reopening keeps both */
    txn_put(log, m, 7, 0, "c", "1"); /* 5 */
    { /* while it is open, pid 7 may not write outside the transaction */
        batch_builder_t bb;
        batch_builder_init(&bb, 1000);
        batch_builder_add(&bb, 0, 1000, "c", 1, "2", 1, 0, NULL, 0);
        batch_hdr_t t = {.partition_leader_epoch = -1, .producer_id = 7, .base_sequence = 1};
        wbuf_t wb;
        wbuf_init(&wb);
        batch_builder_finish(&bb, &t, &wb);
        batch_builder_free(&bb);
        int64_t dup;
        ck_assert_int_eq(pidmap_check(m, wb.p, wb.len, &dup), KERR_INVALID_TXN_STATE);
        wbuf_free(&wb);
    }
    ck_assert_int_eq(pidmap_snapshot(m, log), KERR_NONE);
    pidmap_free(m);
    plog_close(log);
    log = open_log(true, false);
    m = pidmap_load(log);
    ck_assert_int_eq(pidmap_first_unstable(m), 5);
    ck_assert_int_eq(plog_aborted_txns(log, 0, 100, e, 4), 1);
    /* truncation below the abort marker drops the entry and trims the file */
    pidmap_free(m);
    ck_assert_int_eq(plog_truncate_to(log, 4), KERR_NONE);
    ck_assert_int_eq(plog_aborted_txns(log, 0, 100, e, 4), 0);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    m = pidmap_load(log); /* the snapshot past the end is dropped: replay from the log */
    ck_assert_int_eq(pidmap_first_unstable(m), 1); /* pid 6 is open again */
    pidmap_free(m);
    plog_close(log);
}
END_TEST

START_TEST(test_slice_end_bounds_the_aborted_list)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/t-0", tmpdir);
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    cfg.index_interval_bytes = 1; /* every batch indexed */
    plog_t *log;
    ck_assert_int_eq(plog_open(dir, "t", 0, &cfg, 0, 0, true, &log), KERR_NONE);
    pidmap_t *m = pidmap_load(log);
    txn_put(log, m, 5, 0, "a", "1"); /* 0 */
    mark(log, m, 5, false);          /* 1 */
    txn_put(log, m, 5, 1, "a", "2"); /* 2 */
    mark(log, m, 5, false);          /* 3 */
    plog_slice_t sl;
    ck_assert_int_eq(plog_read(log, 0, 1, INT64_MAX, &sl), KERR_NONE); /* the first batch */
    ck_assert_int_eq(plog_slice_end_bound(log, &sl), 1);
    txnidx_ent_t e[2];
    ck_assert_int_eq(plog_aborted_txns(log, 0, plog_slice_end_bound(log, &sl), e, 2), 1);
    ck_assert_int_eq(plog_read(log, 2, 1 << 20, INT64_MAX, &sl), KERR_NONE); /* to the end */
    ck_assert_int_eq(plog_slice_end_bound(log, &sl), 4);
    ck_assert_int_eq(plog_aborted_txns(log, 0, 4, e, 2), 2);
    pidmap_free(m);
    plog_close(log);
}
END_TEST

START_TEST(test_unclean_recovery_rebuilds_index_from_log)
{
    plog_t *log = open_log(true, false);
    pidmap_t *m = pidmap_load(log);
    txn_put(log, m, 8, 0, "a", "1");
    mark(log, m, 8, false);
    txn_put(log, m, 8, 1, "a", "2");
    pidmap_free(m);
    plog_close(log);
    char p[400];
    snprintf(p, sizeof(p), "%s/t-0/%020d.txnindex", tmpdir, 0);
    ck_assert_int_eq(unlink(p), 0);
    log = open_log(false, false); /* unclean: the segment is re-read */
    m = pidmap_load(log);
    txnidx_ent_t e[2];
    ck_assert_int_eq(plog_aborted_txns(log, 0, 100, e, 2), 1);
    ck_assert_int_eq(e[0].first_offset, 0);
    ck_assert_int_eq(e[0].last_offset, 1);
    ck_assert_int_eq(pidmap_first_unstable(m), 2);
    ck_assert_int_eq(access(p, F_OK), 0); /* written again */
    pidmap_free(m);
    plog_close(log);
}
END_TEST

/* The batches of log below offset end: their bytes appended to out (may be NULL); returns how
 * many are markers. */
static int read_range(plog_t *log, int64_t end, wbuf_t *out)
{
    int markers = 0;
    int64_t next = plog_start_offset(log);
    while (next < end) {
        plog_slice_t sl;
        ck_assert_int_eq(plog_read(log, next, 1 << 20, INT64_MAX, &sl), KERR_NONE);
        if (sl.len == 0) break;
        uint8_t *buf = malloc(sl.len);
        ck_assert_int_eq(pread(sl.fd, buf, sl.len, sl.pos), (ssize_t)sl.len);
        for (size_t off = 0; off < sl.len;) {
            batch_hdr_t h;
            ck_assert_int_eq(batch_hdr_parse(buf + off, sl.len - off, &h), KERR_NONE);
            if (h.base_offset < end) {
                if (h.attributes & BATCH_ATTR_CONTROL) markers++;
                if (out) wbuf_append(out, buf + off, batch_size(&h));
            }
            next = batch_last_offset(&h) + 1;
            off += batch_size(&h);
        }
        free(buf);
    }
    return markers;
}

START_TEST(test_cleaner_drops_aborted_data_keeps_markers)
{
    plog_t *log = open_log(true, true);
    pidmap_t *m = pidmap_load(log);
    txn_put(log, m, 1, 0, "k", "committed");                     /* 0 */
    mark(log, m, 1, true);                                       /* 1 */
    txn_put(log, m, 2, 0, "k", "aborted");                       /* 2: must not shadow offset 0 */
    txn_put(log, m, 2, 1, "j", "aborted");                       /* 3 */
    mark(log, m, 2, false);                                      /* 4 */
    for (int i = 0; i < 8; i++) txn_put(log, m, 3, i, "f", "x"); /* 5..: pid 3 stays open */
    ck_assert_int_gt(plog_segment_count(log), 2);
    cleaner_stats_t st;
    ck_assert_int_eq(cleaner_clean_log(log, 1000, 1 << 30, &st), KERR_NONE);
    ck_assert_int_le(st.cleaned_to, 5); /* not past the open transaction */
    wbuf_t bytes;
    wbuf_init(&bytes);
    int markers = read_range(log, 5, &bytes);
    bool committed = memmem(bytes.p, bytes.len, "committed", 9) != NULL;
    bool aborted = memmem(bytes.p, bytes.len, "aborted", 7) != NULL;
    wbuf_free(&bytes);
    ck_assert(committed);
    ck_assert(!aborted);
    ck_assert_int_eq(markers, 2);
    pidmap_free(m);
    plog_close(log);
}
END_TEST

START_TEST(test_cleaner_drops_markers_once_nothing_is_left)
{
    plog_t *log = open_log(true, true);
    pidmap_t *m = pidmap_load(log);
    txn_put(log, m, 1, 0, "k", "committed"); /* 0: the latest k: its marker stays */
    mark(log, m, 1, true);                   /* 1 */
    txn_put(log, m, 2, 0, "k", "aborted");   /* 2 */
    mark(log, m, 2, false);                  /* 3: nothing left after cleaning: goes */
    txn_put(log, m, 4, 0, "z", "old");       /* 4: superseded below */
    mark(log, m, 4, true);                   /* 5: goes */
    for (int i = 0; i < 10; i++) txn_put(log, m, 9, i, "z", "new");
    mark(log, m, 9, true);
    ck_assert_int_gt(plog_segment_count(log), 2);
    cleaner_stats_t st;
    /* young: every marker stays */
    ck_assert_int_eq(cleaner_clean_log(log, 1000, 1 << 30, &st), KERR_NONE);
    ck_assert_int_eq(st.markers_dropped, 0);
    ck_assert_int_eq(read_range(log, 6, NULL), 3);
    /* past delete.retention.ms */
    ck_assert_int_eq(cleaner_clean_log(log, 1000 + 2 * 86400000LL, 1 << 30, &st), KERR_NONE);
    ck_assert_int_eq(st.markers_dropped, 2);
    ck_assert_int_eq(read_range(log, 6, NULL), 1);
    pidmap_free(m);
    plog_close(log);
}
END_TEST

static Suite *txn_suite(void)
{
    Suite *s = suite_create("txn");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_marker_roundtrip);
    tcase_add_test(tc, test_ongoing_commit_abort_and_index);
    tcase_add_test(tc, test_slice_end_bounds_the_aborted_list);
    tcase_add_test(tc, test_unclean_recovery_rebuilds_index_from_log);
    tcase_add_test(tc, test_cleaner_drops_aborted_data_keeps_markers);
    tcase_add_test(tc, test_cleaner_drops_markers_once_nothing_is_left);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(txn_suite)
