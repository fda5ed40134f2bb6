/* check_cleaner.c: log compaction: the last value of each key survives with its offset, older
 * ones and expired tombstones go, young tombstones stay, the active segment is never touched,
 * a crash mid-swap is finished at the next open, and recovery accepts compacted batches. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rec/batch.h"
#include "store/cleaner.h"
#include "store/plog.h"
#include "testutil.h"

static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_cleaner.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static plog_t *open_compacted(bool clean)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    cfg.segment_bytes = 600;
    cfg.cleanup_policy = PLOG_CLEANUP_COMPACT;
    cfg.delete_retention_ms = 1000;
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/c-0", tmpdir);
    plog_t *log;
    ck_assert_int_eq(plog_open(dir, "c", 0, &cfg, 0, 0, clean, &log), KERR_NONE);
    return log;
}

/* One batch of one record key=k value=v (v NULL: tombstone) at timestamp ts. */
static void put(plog_t *log, const char *k, const char *v, int64_t ts)
{
    batch_builder_t bb;
    batch_builder_init(&bb, ts);
    batch_builder_add(&bb, 0, ts, k, (int32_t)strlen(k), v, v ? (int32_t)strlen(v) : -1, 0, NULL,
                      0);
    wbuf_t wb;
    wbuf_init(&wb);
    batch_builder_finish(&bb, NULL, &wb);
    batch_builder_free(&bb);
    plog_append_info_t info;
    ck_assert_int_eq(plog_append(log, wb.p, wb.len, 0, ts, &info), KERR_NONE);
    wbuf_free(&wb);
}

typedef struct seen {
    int n;
    int64_t off[512];
    char kv[512][32];
} seen_t;

/* Every record of the log: offset and "key=value" ("key=" for a tombstone). */
static void read_all(plog_t *log, seen_t *s)
{
    s->n = 0;
    int64_t next = plog_start_offset(log);
    while (next < plog_end_offset(log)) {
        plog_slice_t sl;
        ck_assert_int_eq(plog_read(log, next, 1 << 20, INT64_MAX, &sl), KERR_NONE);
        if (sl.len == 0) break;
        uint8_t *buf = malloc(sl.len);
        ck_assert_int_eq(pread(sl.fd, buf, sl.len, sl.pos), (ssize_t)sl.len);
        size_t off = 0;
        while (off < sl.len) {
            batch_hdr_t h;
            ck_assert_int_eq(batch_validate_stored(buf + off, sl.len - off, &h), KERR_NONE);
            rbuf_t rb;
            rbuf_init(&rb, buf + off + BATCH_HDR_SIZE, batch_size(&h) - BATCH_HDR_SIZE);
            batch_rec_t r;
            while (batch_rec_next(&rb, &r)) {
                s->off[s->n] = h.base_offset + r.offset_delta;
                snprintf(s->kv[s->n], 32, "%.*s=%.*s", r.key.len, (const char *)r.key.p,
                         r.value.len > 0 ? r.value.len : 0,
                         r.value.len > 0 ? (const char *)r.value.p : "");
                s->n++;
            }
            next = batch_last_offset(&h) + 1;
            off += batch_size(&h);
        }
        free(buf);
    }
}

static int count_key(const seen_t *s, const char *prefix)
{
    int n = 0;
    for (int i = 0; i < s->n; i++) n += strncmp(s->kv[i], prefix, strlen(prefix)) == 0;
    return n;
}

/* 5 keys x 10 updates, then a tombstone for k0 (old) and k1 (young), then filler. */
static void fill(plog_t *log, int64_t now)
{
    for (int u = 0; u < 10; u++)
        for (int k = 0; k < 5; k++) {
            char key[8], val[16];
            snprintf(key, sizeof(key), "k%d", k);
            snprintf(val, sizeof(val), "v%d", u);
            put(log, key, val, now - 100000);
        }
    put(log, "k0", NULL, now - 100000); /* offset 50: old enough to drop */
    for (int i = 0; i < 10; i++) put(log, "old", "z", now - 100000); /* fills its segment */
    for (int i = 0; i < 30; i++) {                                   /* later segments, young */
        char key[8];
        snprintf(key, sizeof(key), "f%d", i);
        put(log, key, "x", now);
    }
    put(log, "k1", NULL, now); /* offset 91: young tombstone */
    for (int i = 0; i < 30; i++) put(log, "tail", "y", now);
}

START_TEST(test_cleaner_keeps_last_value_per_key_and_offsets)
{
    int64_t now = 1700000000000;
    plog_t *log = open_compacted(true);
    fill(log, now);
    int64_t end = plog_end_offset(log);
    ck_assert_int_gt(plog_segment_count(log), 3);
    cleaner_stats_t st;
    ck_assert_int_eq(cleaner_clean_log(log, now, 1 << 30, &st), KERR_NONE);
    ck_assert_int_gt(st.segments, 0);
    ck_assert_int_eq(st.tombstones_dropped, 1);
    ck_assert_int_eq(plog_end_offset(log), end); /* offsets never change */
    seen_t s;
    read_all(log, &s);
    ck_assert_int_eq(count_key(&s, "k0="), 0); /* value and old tombstone gone */
    ck_assert_int_eq(count_key(&s, "k1="), 1); /* only the young tombstone */
    for (int k = 2; k < 5; k++) {
        char want[16];
        snprintf(want, sizeof(want), "k%d=v9", k);
        ck_assert_int_eq(count_key(&s, want), 1);
        snprintf(want, sizeof(want), "k%d=", k);
        ck_assert_int_eq(count_key(&s, want), 1);
    }
    for (int i = 1; i < s.n; i++) ck_assert_int_gt(s.off[i], s.off[i - 1]);
    /* the active segment still has its records; a second pass changes nothing */
    ck_assert_int_ge(count_key(&s, "tail="), 1);
    int before = s.n;
    ck_assert_int_eq(cleaner_clean_log(log, now, 1 << 30, &st), KERR_NONE);
    read_all(log, &s);
    ck_assert_int_eq(s.n, before);
    plog_close(log);
    /* reopened after an unclean stop: recovery accepts the gaps, nothing is truncated */
    log = open_compacted(false);
    ck_assert_int_eq(plog_end_offset(log), end);
    read_all(log, &s);
    ck_assert_int_eq(s.n, before);
    plog_close(log);
}
END_TEST

START_TEST(test_cleaner_bounded_pass_never_drops_later_superseded_values_wrongly)
{
    int64_t now = 1700000000000;
    plog_t *log = open_compacted(true);
    fill(log, now);
    cleaner_stats_t st;
    /* a budget of one segment: only the first segment is mapped and cleaned */
    ck_assert_int_eq(cleaner_clean_log(log, now, 1, &st), KERR_NONE);
    plog_seg_info_t si;
    ck_assert_int_eq(plog_segment_info(log, 1, &si), KERR_NONE);
    ck_assert_int_le(st.cleaned_to, si.base);
    seen_t s;
    read_all(log, &s);
    for (int k = 0; k < 5; k++) { /* every key still has its last value */
        char want[16];
        snprintf(want, sizeof(want), "k%d=v9", k);
        ck_assert_int_eq(count_key(&s, want), 1);
    }
    plog_close(log);
}
END_TEST

START_TEST(test_interrupted_swap_is_finished_at_open)
{
    int64_t now = 1700000000000;
    plog_t *log = open_compacted(true);
    fill(log, now);
    plog_seg_info_t first;
    ck_assert_int_eq(plog_segment_info(log, 0, &first), KERR_NONE);
    int64_t end = plog_end_offset(log);
    plog_close(log);
    /* crash between "rename .cleaned to .swap" and "rename .swap to .log": the swap holds a
     * copy of the segment (here: unchanged) and the old files are gone */
    char p[400], q[400];
    snprintf(p, sizeof(p), "%s/c-0/%020lld.log", tmpdir, (long long)first.base);
    snprintf(q, sizeof(q), "%s.swap", p);
    ck_assert_int_eq(rename(p, q), 0);
    snprintf(p, sizeof(p), "%s/c-0/%020lld.log.cleaned", tmpdir, 999LL);
    FILE *f = fopen(p, "w");
    fputs("half", f);
    fclose(f);
    log = open_compacted(false);
    ck_assert_int_eq(plog_start_offset(log), first.base);
    ck_assert_int_eq(plog_end_offset(log), end);
    ck_assert_int_ne(access(q, F_OK), 0);
    ck_assert_int_ne(access(p, F_OK), 0); /* the unfinished .cleaned file is removed */
    plog_close(log);
}
END_TEST

static Suite *cleaner_suite(void)
{
    Suite *s = suite_create("cleaner");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_cleaner_keeps_last_value_per_key_and_offsets);
    tcase_add_test(tc, test_cleaner_bounded_pass_never_drops_later_superseded_values_wrongly);
    tcase_add_test(tc, test_interrupted_swap_is_finished_at_open);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(cleaner_suite)
