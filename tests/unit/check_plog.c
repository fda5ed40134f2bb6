/* check_plog.c: the partition log and the log manager: append/read back, offsets across
 * reopen, roll by size, index lookups, high-watermark cap, KIP-74, time lookups, torn-tail and
 * corruption recovery, retention, truncation, epochs, checkpoint files, meta.properties, and a
 * log dir failing on a write error (KIP-112). */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/lmgr.h"
#include "store/plog.h"
#include "testutil.h"

static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_plog.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static plog_t *open_log(const plog_cfg_t *cfg, bool clean, int64_t rp)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/t-0", tmpdir);
    plog_t *log;
    ck_assert_int_eq(plog_open(dir, "t", 0, cfg, rp, 0, clean, &log), KERR_NONE);
    return log;
}

/* Append `batches` batches of `per` records; returns the last append's info. */
/* Append one batch of n records "<prefix>-<i>" (timestamps from ts0) at leader epoch epoch. */
static kerr_t append_batch(plog_t *log, int n, const char *prefix, int64_t ts0, int32_t epoch,
                           int64_t now, plog_append_info_t *info)
{
    wbuf_t wb;
    wbuf_init(&wb);
    tu_batch(&wb, n, prefix, ts0);
    kerr_t err = plog_append(log, wb.p, wb.len, epoch, now, info);
    wbuf_free(&wb);
    return err;
}

static plog_append_info_t append_n(plog_t *log, int batches, int per, int64_t ts)
{
    plog_append_info_t info = {0};
    for (int i = 0; i < batches; i++)
        ck_assert_int_eq(append_batch(log, per, "rec", ts + i, 3, ts, &info), KERR_NONE);
    return info;
}

/* Read every batch from offset 0 through plog_read and check offsets are dense. */
static int64_t read_all(plog_t *log)
{
    int64_t next = plog_start_offset(log);
    uint8_t *buf = malloc(1 << 22);
    for (;;) {
        plog_slice_t sl;
        ck_assert_int_eq(plog_read(log, next, 1 << 20, INT64_MAX, &sl), KERR_NONE);
        if (sl.len == 0) break;
        ck_assert_int_eq(pread(sl.fd, buf, sl.len, sl.pos), (ssize_t)sl.len);
        size_t off = 0;
        while (off < sl.len) {
            batch_hdr_t h;
            ck_assert_int_eq(batch_validate(buf + off, sl.len - off, &h), KERR_NONE);
            if (batch_last_offset(&h) >= next) {
                ck_assert_int_le(h.base_offset, next);
                next = batch_last_offset(&h) + 1;
            }
            off += batch_size(&h);
        }
    }
    free(buf);
    return next;
}

/* Append n batches of 2 records "x-0", "x-1" at leader epoch 0. */
static void append_pairs(plog_t *log, int n)
{
    plog_append_info_t info;
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(append_batch(log, 2, "x", 1, 0, 1, &info), KERR_NONE);
}

static int count_files(const char *suffix)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/t-0", tmpdir);
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name), s = strlen(suffix);
        if (l > s && strcmp(de->d_name + l - s, suffix) == 0) n++;
    }
    closedir(d);
    return n;
}

START_TEST(test_append_and_read_back)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    plog_t *log = open_log(&cfg, true, 0);
    plog_append_info_t info = append_n(log, 100, 10, 1000);
    ck_assert_int_eq(info.first_offset, 990);
    ck_assert_int_eq(info.last_offset, 999);
    ck_assert_int_eq(plog_end_offset(log), 1000);
    ck_assert_int_eq(read_all(log), 1000);
    /* an offset inside a batch starts at that batch */
    plog_slice_t sl;
    ck_assert_int_eq(plog_read(log, 555, 1, INT64_MAX, &sl), KERR_NONE);
    ck_assert_int_eq(sl.first_offset, 550);
    ck_assert_uint_gt(sl.len, 0);
    /* out of range */
    ck_assert_int_eq(plog_read(log, 1001, 100, INT64_MAX, &sl), KERR_OFFSET_OUT_OF_RANGE);
    ck_assert_int_eq(plog_read(log, 1000, 100, INT64_MAX, &sl), KERR_NONE);
    ck_assert_uint_eq(sl.len, 0);
    plog_close(log);
}
END_TEST

START_TEST(test_high_watermark_caps_reads_and_kip74)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    plog_t *log = open_log(&cfg, true, 0);
    append_n(log, 10, 10, 1);
    plog_slice_t sl;
    ck_assert_int_eq(plog_read(log, 0, 1 << 20, 30, &sl), KERR_NONE);
    /* batches 0-9, 10-19, 20-29 only */
    uint8_t buf[4096];
    ck_assert_int_eq(pread(sl.fd, buf, sl.len, sl.pos), (ssize_t)sl.len);
    batch_hdr_t h;
    size_t off = 0;
    int n = 0;
    while (off < sl.len && batch_hdr_parse(buf + off, sl.len - off, &h) == KERR_NONE) {
        off += batch_size(&h);
        n++;
    }
    ck_assert_int_eq(n, 3);
    /* max_bytes smaller than one batch: that batch anyway (KIP-74) */
    ck_assert_int_eq(plog_read(log, 0, 10, INT64_MAX, &sl), KERR_NONE);
    ck_assert_uint_gt(sl.len, 10);
    plog_close(log);
}
END_TEST

START_TEST(test_offsets_continue_after_reopen)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    plog_t *log = open_log(&cfg, true, 0);
    append_n(log, 7, 3, 1);
    ck_assert_int_eq(plog_flush(log), KERR_NONE);
    plog_close(log);
    log = open_log(&cfg, true, 21);
    ck_assert_int_eq(plog_end_offset(log), 21);
    plog_append_info_t info = append_n(log, 1, 3, 1);
    ck_assert_int_eq(info.first_offset, 21);
    ck_assert_int_eq(read_all(log), 24);
    plog_close(log);
}
END_TEST

START_TEST(test_roll_by_size_names_segments_by_base_offset)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    cfg.segment_bytes = 2000;
    cfg.index_interval_bytes = 100;
    plog_t *log = open_log(&cfg, true, 0);
    append_n(log, 60, 5, 1);
    ck_assert_int_gt(plog_segment_count(log), 3);
    ck_assert_int_eq(count_files(".log"), plog_segment_count(log));
    ck_assert_int_eq(count_files(".index"), plog_segment_count(log));
    ck_assert_int_eq(count_files(".timeindex"), plog_segment_count(log));
    char p[400];
    snprintf(p, sizeof(p), "%s/t-0/00000000000000000000.log", tmpdir);
    ck_assert_int_eq(access(p, F_OK), 0);
    ck_assert_int_eq(read_all(log), 300);
    /* every offset is found through the index */
    for (int64_t o = 0; o < 300; o += 7) {
        plog_slice_t sl;
        ck_assert_int_eq(plog_read(log, o, 1, INT64_MAX, &sl), KERR_NONE);
        ck_assert_int_le(sl.first_offset, o);
        ck_assert_int_gt(sl.first_offset + 5, o);
    }
    plog_close(log);
    /* clean reopen loads the indexes and finds the same end */
    log = open_log(&cfg, true, 300);
    ck_assert_int_eq(plog_end_offset(log), 300);
    ck_assert_int_eq(read_all(log), 300);
    plog_close(log);
}
END_TEST

START_TEST(test_offset_for_time)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    cfg.index_interval_bytes = 50;
    plog_t *log = open_log(&cfg, true, 0);
    /* batch i has records with timestamps 1000*i + 0..4 */
    for (int i = 0; i < 20; i++) {
        wbuf_t wb;
        wbuf_init(&wb);
        tu_batch(&wb, 5, "r", 1000 * i);
        plog_append_info_t info;
        ck_assert_int_eq(plog_append(log, wb.p, wb.len, 0, 0, &info), KERR_NONE);
        wbuf_free(&wb);
    }
    int64_t off, ts;
    ck_assert_int_eq(plog_offset_for_time(log, 7002, &off, &ts), KERR_NONE);
    ck_assert_int_eq(off, 37);
    ck_assert_int_eq(ts, 7002);
    ck_assert_int_eq(plog_offset_for_time(log, 0, &off, &ts), KERR_NONE);
    ck_assert_int_eq(off, 0);
    ck_assert_int_eq(plog_offset_for_time(log, 99999, &off, &ts), KERR__NOENT);
    ck_assert_int_eq(plog_max_timestamp(log, &off, &ts), KERR_NONE);
    ck_assert_int_eq(ts, 19004);
    ck_assert_int_eq(off, 99);
    plog_close(log);
}
END_TEST

static int64_t file_size(const char *name)
{
    char p[400];
    snprintf(p, sizeof(p), "%s/t-0/%s", tmpdir, name);
    struct stat st;
    return stat(p, &st) == 0 ? st.st_size : -1;
}

START_TEST(test_torn_tail_truncated_on_unclean_open)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    plog_t *log = open_log(&cfg, true, 0);
    append_n(log, 10, 4, 1);
    plog_close(log);
    int64_t good = file_size("00000000000000000000.log");
    char p[400];
    snprintf(p, sizeof(p), "%s/t-0/00000000000000000000.log", tmpdir);
    ck_assert_int_eq(truncate(p, good - 7), 0); /* tear the last batch */
    log = open_log(&cfg, false, 0);
    ck_assert_int_eq(plog_end_offset(log), 36); /* batch 10 gone, 9 intact */
    ck_assert_int_eq(read_all(log), 36);
    plog_append_info_t info = append_n(log, 1, 4, 1);
    ck_assert_int_eq(info.first_offset, 36); /* no gap, no reuse */
    plog_close(log);
}
END_TEST

START_TEST(test_corrupt_batch_after_recovery_point_truncates_from_there)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    plog_t *log = open_log(&cfg, true, 0);
    append_n(log, 10, 4, 1);
    plog_close(log);
    int64_t size = file_size("00000000000000000000.log");
    int64_t per = size / 10;
    char p[400];
    snprintf(p, sizeof(p), "%s/t-0/00000000000000000000.log", tmpdir);
    int fd = open(p, O_RDWR);
    uint8_t b;
    ck_assert_int_eq(pread(fd, &b, 1, per * 6 + 70), 1);
    b ^= 0xff;
    ck_assert_int_eq(pwrite(fd, &b, 1, per * 6 + 70), 1); /* corrupt batch 7 (offsets 24..27) */
    close(fd);
    /* a clean open trusts the data */
    log = open_log(&cfg, true, 40);
    ck_assert_int_eq(plog_end_offset(log), 40);
    plog_close(log);
    /* an unclean open checks every CRC and cuts at the bad batch */
    log = open_log(&cfg, false, 0);
    ck_assert_int_eq(plog_end_offset(log), 24);
    ck_assert_int_eq(file_size("00000000000000000000.log"), per * 6);
    plog_close(log);
}
END_TEST

START_TEST(test_retention_by_size_and_time)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    cfg.segment_bytes = 1500;
    cfg.retention_bytes = 4000;
    plog_t *log = open_log(&cfg, true, 0);
    append_n(log, 50, 5, 1000);
    int before = plog_segment_count(log);
    int del = plog_retention(log, 2000);
    ck_assert_int_gt(del, 0);
    ck_assert_int_eq(plog_segment_count(log), before - del);
    ck_assert_int_gt(plog_start_offset(log), 0);
    ck_assert_int_le(plog_size_bytes(log), 4000 + 1500);
    ck_assert_int_eq(plog_read(log, 0, 100, INT64_MAX, &(plog_slice_t){0}),
                     KERR_OFFSET_OUT_OF_RANGE);
    ck_assert_int_eq(read_all(log), 250);
    /* time: every closed segment is older than 10 s at now = 100000 */
    cfg.retention_bytes = -1;
    cfg.retention_ms = 10000;
    plog_set_cfg(log, &cfg);
    plog_retention(log, 100000);
    ck_assert_int_eq(plog_segment_count(log), 1);
    ck_assert_int_eq(plog_end_offset(log), 250);
    plog_close(log);
}
END_TEST

START_TEST(test_truncate_and_epochs)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    cfg.segment_bytes = 1000;
    plog_t *log = open_log(&cfg, true, 0);
    plog_epoch_assign(log, 0, 0);
    append_n(log, 10, 5, 1);
    plog_epoch_assign(log, 2, 50);
    append_n(log, 10, 5, 1);
    int32_t fe;
    ck_assert_int_eq(plog_epoch_end_offset(log, 0, &fe), 50);
    ck_assert_int_eq(fe, 0);
    ck_assert_int_eq(plog_epoch_end_offset(log, 1, &fe), 50);
    ck_assert_int_eq(fe, 0);
    ck_assert_int_eq(plog_epoch_end_offset(log, 2, &fe), 100);
    ck_assert_int_eq(plog_truncate_to(log, 35), KERR_NONE);
    ck_assert_int_eq(plog_end_offset(log), 35);
    ck_assert_int_eq(read_all(log), 35);
    plog_append_info_t info = append_n(log, 1, 5, 1);
    ck_assert_int_eq(info.first_offset, 35);
    plog_close(log);
}
END_TEST

/* A new leader's epoch (plog_epoch_begin) is answered from memory at once, reaches
 * leader-epoch-checkpoint before the first batch written in it, and is not needed on disk
 * when no batch was: a crash then (the log reopened unclean) loses only an empty epoch. */
/* Copy batches of 10 records stamped at leader epoch epoch, from offset base on, as a follower. */
static void copy_epoch(plog_t *log, int64_t base, int nbatches, int32_t epoch)
{
    for (int i = 0; i < nbatches; i++) {
        wbuf_t wb;
        wbuf_init(&wb);
        tu_batch(&wb, 10, "r", 1);
        batch_set_base_offset(wb.p, base + 10 * i);
        batch_set_leader_epoch(wb.p, epoch);
        plog_append_info_t info;
        ck_assert_int_eq(plog_append_replica(log, wb.p, wb.len, &info), KERR_NONE);
        wbuf_free(&wb);
    }
}

/* KIP-279: our epochs 0 (offsets 0-49) and 3 (50-79); the leader's 0 (0-39), 2 (40-59), 4 (60-).
 * Asked about 3, the leader answers epoch 2 ending at 60, an epoch we lack: our epoch-0
 * records at 40-49 are not its epoch-2 records there. Cutting at min(50, 60) and fetching from
 * 50 kept them; the answer is a cut at 50 and a question about epoch 0, which ends at 40. */
START_TEST(test_divergence_asks_again_about_an_epoch_the_leader_shares)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    plog_t *log = open_log(&cfg, true, 0);
    copy_epoch(log, 0, 5, 0);
    copy_epoch(log, 50, 3, 3);
    int32_t next;
    ck_assert_int_eq(plog_divergence(log, 2, 60, &next), 50);
    ck_assert_int_eq(next, 0);
    ck_assert_int_eq(plog_truncate_to(log, 50), KERR_NONE);
    ck_assert_int_eq(plog_divergence(log, 0, 40, &next), 40); /* an epoch we have: done */
    ck_assert_int_eq(next, -1);
    ck_assert_int_eq(plog_divergence(log, 0, 70, &next), 50); /* never past our end */
    ck_assert_int_eq(next, -1);
    ck_assert_int_eq(plog_divergence(log, 1, 45, &next), 45); /* newer than ours: the leader's */
    ck_assert_int_eq(next, -1);
    plog_close(log);
}
END_TEST

START_TEST(test_new_leader_epoch_written_before_its_first_batch)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    plog_t *log = open_log(&cfg, true, 0);
    plog_epoch_assign(log, 1, 0);
    append_n(log, 2, 5, 1);
    plog_epoch_begin(log, 4, 10);
    int32_t fe;
    ck_assert_int_eq(plog_latest_epoch(log), 4);
    ck_assert_int_eq(plog_epoch_end_offset(log, 1, &fe), 10);
    ck_assert_int_eq(plog_epoch_end_offset(log, 4, &fe), 10);
    plog_close(log); /* as a kill -9 would leave it: nothing flushed */
    log = open_log(&cfg, false, 0);
    ck_assert_int_eq(plog_latest_epoch(log), 1); /* the empty epoch 4 is gone, harmlessly */
    ck_assert_int_eq(plog_epoch_end_offset(log, 1, &fe), 10);

    plog_epoch_begin(log, 6, 10);
    append_n(log, 1, 5, 1); /* the first batch in epoch 6 writes the file first */
    plog_close(log);
    log = open_log(&cfg, false, 0);
    ck_assert_int_eq(plog_latest_epoch(log), 6);
    ck_assert_int_eq(plog_epoch_end_offset(log, 1, &fe), 10);
    ck_assert_int_eq(plog_epoch_end_offset(log, 6, &fe), 15);

    plog_epoch_begin(log, 7, 15);
    ck_assert_int_eq(plog_flush(log), KERR_NONE); /* a flush writes it too */
    plog_close(log);
    log = open_log(&cfg, true, 15);
    ck_assert_int_eq(plog_latest_epoch(log), 7);
    ck_assert_int_eq(plog_epoch_end_offset(log, 6, &fe), 15);
    plog_close(log);
}
END_TEST

/* Kafka's LeaderEpochFileCache.endOffsetFor (KIP-101/279), the follower's side of epochs
 * (learned from copied batches), truncation dropping epochs, and reset to an offset. */
START_TEST(test_epoch_end_offsets_follower_epochs_and_reset)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    plog_t *log = open_log(&cfg, true, 0);
    int32_t fe;
    ck_assert_int_eq(plog_epoch_end_offset(log, 0, &fe), -1); /* no epochs: undefined */
    ck_assert_int_eq(plog_latest_epoch(log), -1);
    /* a follower copies batches stamped by leaders at epochs 2 (offsets 0-9) and 5 (10-19) */
    for (int e = 0; e < 2; e++) {
        wbuf_t wb;
        wbuf_init(&wb);
        tu_batch(&wb, 10, "r", 1);
        batch_set_base_offset(wb.p, e * 10);
        batch_set_leader_epoch(wb.p, e == 0 ? 2 : 5);
        plog_append_info_t info;
        ck_assert_int_eq(plog_append_replica(log, wb.p, wb.len, &info), KERR_NONE);
        wbuf_free(&wb);
    }
    ck_assert_int_eq(plog_latest_epoch(log), 5);
    ck_assert_int_eq(plog_epoch_end_offset(log, 5, &fe), 20); /* latest: the log end */
    ck_assert_int_eq(fe, 5);
    ck_assert_int_eq(plog_epoch_end_offset(log, 3, &fe), 10); /* between: floor epoch 2 */
    ck_assert_int_eq(fe, 2);
    ck_assert_int_eq(plog_epoch_end_offset(log, 1, &fe), 0); /* before the first */
    ck_assert_int_eq(fe, 1);
    ck_assert_int_eq(plog_epoch_end_offset(log, 7, &fe), -1); /* newer than all: undefined */
    ck_assert_int_eq(fe, -1);
    /* cutting at 10 drops epoch 5; it survives a reopen */
    ck_assert_int_eq(plog_truncate_to(log, 10), KERR_NONE);
    ck_assert_int_eq(plog_latest_epoch(log), 2);
    plog_close(log);
    log = open_log(&cfg, true, 0);
    ck_assert_int_eq(plog_latest_epoch(log), 2);
    ck_assert_int_eq(plog_epoch_end_offset(log, 2, &fe), 10);
    /* a follower far behind the leader's log start starts over there */
    ck_assert_int_eq(plog_reset(log, 500), KERR_NONE);
    ck_assert_int_eq(plog_start_offset(log), 500);
    ck_assert_int_eq(plog_end_offset(log), 500);
    ck_assert_int_eq(plog_latest_epoch(log), -1);
    plog_append_info_t info = append_n(log, 1, 5, 1);
    ck_assert_int_eq(info.first_offset, 500);
    plog_close(log);
    log = open_log(&cfg, true, 0);
    ck_assert_int_eq(plog_end_offset(log), 505);
    ck_assert_int_eq(plog_segment_count(log), 1);
    plog_close(log);
}
END_TEST

START_TEST(test_lmgr_checkpoints_marker_and_meta)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    char err[256];
    lmgr_t *m;
    ck_assert_int_eq(lmgr_open(tmpdir, 5, NULL, &cfg, &m, err, sizeof(err)), KERR_NONE);
    plog_t *log;
    ck_assert_int_eq(lmgr_get_or_create(m, "orders", 2, &cfg, &log), KERR_NONE);
    ck_assert_ptr_eq(lmgr_get(m, "orders", 2), log);
    append_pairs(log, 3);
    lmgr_close(m, true);
    char p[400], line[256];
    snprintf(p, sizeof(p), "%s/.kafka_cleanshutdown", tmpdir);
    ck_assert_int_eq(access(p, F_OK), 0);
    snprintf(p, sizeof(p), "%s/recovery-point-offset-checkpoint", tmpdir);
    FILE *f = fopen(p, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
    ck_assert_str_eq(line, "0\n");
    ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
    ck_assert_str_eq(line, "1\n");
    ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
    ck_assert_str_eq(line, "orders 2 6\n");
    fclose(f);
    /* reopen: the marker is consumed and the log is back */
    ck_assert_int_eq(lmgr_open(tmpdir, 5, NULL, &cfg, &m, err, sizeof(err)), KERR_NONE);
    snprintf(p, sizeof(p), "%s/.kafka_cleanshutdown", tmpdir);
    ck_assert_int_ne(access(p, F_OK), 0);
    ck_assert_int_eq(plog_end_offset(lmgr_get(m, "orders", 2)), 6);
    ck_assert_int_eq(lmgr_delete(m, "orders", 2), KERR_NONE);
    ck_assert_ptr_null(lmgr_get(m, "orders", 2));
    snprintf(p, sizeof(p), "%s/orders-2", tmpdir);
    ck_assert_int_ne(access(p, F_OK), 0);
    lmgr_close(m, false);
    /* another broker id is refused, naming the dir */
    ck_assert_int_ne(lmgr_open(tmpdir, 6, NULL, &cfg, &m, err, sizeof(err)), KERR_NONE);
    ck_assert_ptr_nonnull(strstr(err, "broker.id"));
}
END_TEST

START_TEST(test_advance_start_deletes_whole_segments_below)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    cfg.segment_bytes = 1500;
    plog_t *log = open_log(&cfg, true, 0);
    append_n(log, 40, 5, 1000); /* offsets 0..199 over several segments */
    int before = plog_segment_count(log);
    ck_assert_int_gt(before, 3);
    int deleted = -1;
    ck_assert_int_eq(plog_advance_start(log, 201, &deleted), KERR_OFFSET_OUT_OF_RANGE);
    ck_assert_int_eq(plog_advance_start(log, 103, &deleted), KERR_NONE);
    ck_assert_int_gt(deleted, 0);
    ck_assert_int_eq(plog_segment_count(log), before - deleted);
    ck_assert_int_eq(plog_start_offset(log), 103);
    /* below the start is out of range; the start itself reads (from its batch) */
    ck_assert_int_eq(plog_read(log, 102, 100, INT64_MAX, &(plog_slice_t){0}),
                     KERR_OFFSET_OUT_OF_RANGE);
    plog_slice_t sl;
    ck_assert_int_eq(plog_read(log, 103, 100, INT64_MAX, &sl), KERR_NONE);
    ck_assert_int_eq(sl.first_offset, 100);
    /* moving down is a no-op; the start survives a reopen through its checkpointed value */
    ck_assert_int_eq(plog_advance_start(log, 50, &deleted), KERR_NONE);
    ck_assert_int_eq(deleted, 0);
    ck_assert_int_eq(plog_start_offset(log), 103);
    plog_close(log);
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/t-0", tmpdir);
    ck_assert_int_eq(plog_open(dir, "t", 0, &cfg, 200, 103, true, &log), KERR_NONE);
    ck_assert_int_eq(plog_start_offset(log), 103);
    ck_assert_int_eq(plog_end_offset(log), 200);
    /* up to the end: everything but the active segment goes */
    ck_assert_int_eq(plog_advance_start(log, 200, NULL), KERR_NONE);
    ck_assert_int_eq(plog_segment_count(log), 1);
    ck_assert_int_eq(plog_start_offset(log), 200);
    plog_close(log);
}
END_TEST

static int count_lines_with(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[256];
    int n = 0;
    while (fgets(line, sizeof(line), f)) n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

START_TEST(test_lmgr_two_dirs_fewest_partitions_and_log_start_checkpoint)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    char dirs[700], a[320], b[320], err[256];
    snprintf(a, sizeof(a), "%s/a", tmpdir);
    snprintf(b, sizeof(b), "%s/b", tmpdir);
    snprintf(dirs, sizeof(dirs), "%s,%s", a, b);
    lmgr_t *m;
    ck_assert_int_eq(lmgr_open(dirs, 1, NULL, &cfg, &m, err, sizeof(err)), KERR_NONE);
    ck_assert_int_eq(lmgr_dir_count(m), 2);
    ck_assert_str_eq(lmgr_dir_path(m, 1), b);
    plog_t *log;
    /* a tie goes to the first dir, then the emptier one */
    ck_assert_int_eq(lmgr_get_or_create(m, "t", 0, &cfg, &log), KERR_NONE);
    ck_assert_int_eq(lmgr_log_dir(m, "t", 0), 0);
    ck_assert_int_eq(lmgr_get_or_create(m, "t", 1, &cfg, &log), KERR_NONE);
    ck_assert_int_eq(lmgr_log_dir(m, "t", 1), 1);
    ck_assert_int_eq(lmgr_get_or_create(m, "t", 2, &cfg, &log), KERR_NONE);
    ck_assert_int_eq(lmgr_log_dir(m, "t", 2), 0);
    ck_assert_int_eq(lmgr_delete(m, "t", 1), KERR_NONE);
    ck_assert_int_eq(lmgr_get_or_create(m, "u", 0, &cfg, &log), KERR_NONE);
    ck_assert_int_eq(lmgr_log_dir(m, "u", 0), 1); /* b holds none now */
    ck_assert_int_eq(lmgr_log_dir(m, "nope", 0), -1);
    append_pairs(log, 4);
    ck_assert_int_eq(plog_advance_start(log, 5, NULL), KERR_NONE);
    lmgr_checkpoint_log_start(m, log);
    char p[400];
    snprintf(p, sizeof(p), "%s/log-start-offset-checkpoint", b);
    ck_assert_int_eq(count_lines_with(p, "u 0 5"), 1);
    snprintf(p, sizeof(p), "%s/meta.properties", b);
    ck_assert_int_eq(count_lines_with(p, "broker.id=1"), 1);
    lmgr_close(m, false);
    /* reopened after an unclean stop: the logs are found in their dirs, the start kept */
    ck_assert_int_eq(lmgr_open(dirs, 1, NULL, &cfg, &m, err, sizeof(err)), KERR_NONE);
    ck_assert_int_eq(lmgr_log_dir(m, "u", 0), 1);
    ck_assert_int_eq(lmgr_log_dir(m, "t", 2), 0);
    ck_assert_int_eq(plog_start_offset(lmgr_get(m, "u", 0)), 5);
    lmgr_close(m, true);
}
END_TEST

START_TEST(test_lmgr_future_log_promoted_and_leftovers_removed)
{
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    char dirs[700], a[320], b[320], err[256], p[700];
    snprintf(a, sizeof(a), "%s/a", tmpdir);
    snprintf(b, sizeof(b), "%s/b", tmpdir);
    snprintf(dirs, sizeof(dirs), "%s,%s", a, b);
    lmgr_t *m;
    ck_assert_int_eq(lmgr_open(dirs, 1, NULL, &cfg, &m, err, sizeof(err)), KERR_NONE);
    ck_assert_int_eq(lmgr_dir_index(m, b), 1);
    ck_assert_int_eq(lmgr_dir_index(m, "/nowhere"), -1);
    /* a preferred dir wins over the emptier one */
    lmgr_prefer_dir(m, "t", 0, 1);
    plog_t *log, *fut, *now;
    ck_assert_int_eq(lmgr_get_or_create(m, "t", 0, &cfg, &log), KERR_NONE);
    ck_assert_int_eq(lmgr_log_dir(m, "t", 0), 1);
    append_pairs(log, 3);
    ck_assert_ptr_null(lmgr_future(m, "t", 0, NULL));
    ck_assert_int_eq(lmgr_future_open(m, "t", 0, 0, &cfg, &fut), KERR_NONE);
    int fdir = -1;
    ck_assert_ptr_eq(lmgr_future(m, "t", 0, &fdir), fut);
    ck_assert_int_eq(fdir, 0);
    ck_assert_ptr_nonnull(strstr(plog_dir(fut), "-future"));
    /* copy the batches as the mover does, then promote */
    plog_slice_t sl;
    ck_assert_int_eq(plog_read(log, 0, 1 << 20, INT64_MAX, &sl), KERR_NONE);
    uint8_t *buf = malloc(sl.len);
    ck_assert_int_eq(pread(sl.fd, buf, sl.len, sl.pos), (ssize_t)sl.len);
    plog_append_info_t info;
    ck_assert_int_eq(plog_append_replica(fut, buf, sl.len, &info), KERR_NONE);
    free(buf);
    ck_assert_int_eq(plog_end_offset(fut), 6);
    /* a leader's epoch begun at the log end (no batch yet) moves with the epochs */
    plog_epoch_begin(log, 7, 6);
    plog_copy_epochs(fut, log);
    ck_assert_int_eq(lmgr_future_promote(m, "t", 0, &now), KERR_NONE);
    ck_assert_int_eq(plog_latest_epoch(now), 7);
    int32_t found;
    ck_assert_int_eq(plog_epoch_end_offset(now, 0, &found), 6);
    ck_assert_ptr_eq(now, fut);
    ck_assert_int_eq(lmgr_log_dir(m, "t", 0), 0);
    ck_assert_ptr_eq(lmgr_get(m, "t", 0), now);
    snprintf(p, sizeof(p), "%s/t-0", a);
    ck_assert_str_eq(plog_dir(now), p);
    ck_assert_int_eq(access(p, F_OK), 0);
    snprintf(p, sizeof(p), "%s/t-0", b);
    ck_assert_int_ne(access(p, F_OK), 0); /* the old log is gone */
    append_pairs(now, 1);                 /* and the moved one takes appends */
    ck_assert_int_eq(plog_end_offset(now), 8);
    /* an unfinished copy is removed at the next start */
    ck_assert_int_eq(lmgr_future_open(m, "t", 0, 1, &cfg, &fut), KERR_NONE);
    snprintf(p, sizeof(p), "%s", plog_dir(fut));
    lmgr_close(m, true);
    ck_assert_int_eq(lmgr_open(dirs, 1, NULL, &cfg, &m, err, sizeof(err)), KERR_NONE);
    ck_assert_int_ne(access(p, F_OK), 0);
    ck_assert_int_eq(plog_end_offset(lmgr_get(m, "t", 0)), 8);
    lmgr_close(m, true);
    /* the same partition in both dirs (a stop between a move's renames) stops the start */
    char cmd[2000];
    snprintf(cmd, sizeof(cmd), "cp -r %s/t-0 %s/t-0", a, b);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_ne(lmgr_open(dirs, 1, NULL, &cfg, &m, err, sizeof(err)), KERR_NONE);
    ck_assert_ptr_nonnull(strstr(err, "Duplicate log directories for t-0"));
}
END_TEST

/* ---- log dir failure: real write errors from RLIMIT_FSIZE (EFBIG; each test is forked) */

typedef struct fail_rec {
    int calls;
    int dirs[8];
} fail_rec_t;

static void record_fail(void *arg, int dir)
{
    fail_rec_t *f = arg;
    if (f->calls < 8) f->dirs[f->calls] = dir;
    f->calls++;
}

static void limit_file_size(rlim_t bytes)
{
    signal(SIGXFSZ, SIG_IGN); /* the write fails with EFBIG instead of killing us */
    struct rlimit rl = {bytes, RLIM_INFINITY};
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static void unlimit_file_size(void)
{
    struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static lmgr_t *open_two_dirs(fail_rec_t *rec)
{
    char dirs[600], err[256];
    snprintf(dirs, sizeof(dirs), "%s/a,%s/b", tmpdir, tmpdir);
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    lmgr_t *m;
    ck_assert_int_eq(lmgr_open(dirs, 1, NULL, &cfg, &m, err, sizeof(err)), KERR_NONE);
    lmgr_set_fail_fn(m, record_fail, rec);
    return m;
}

START_TEST(test_lmgr_write_error_takes_dir_offline)
{
    fail_rec_t rec = {0};
    lmgr_t *m = open_two_dirs(&rec);
    plog_cfg_t cfg;
    plog_cfg_defaults(&cfg);
    plog_t *l0, *l1;
    ck_assert_int_eq(lmgr_get_or_create(m, "t", 0, &cfg, &l0), KERR_NONE);
    ck_assert_int_eq(lmgr_get_or_create(m, "t", 1, &cfg, &l1), KERR_NONE);
    ck_assert_int_eq(lmgr_log_dir(m, "t", 1), 1);
    append_n(l1, 2, 5, 1000);
    int64_t size = plog_size_bytes(l1);
    /* the next batch does not fit under the limit: the append fails, nothing stays written */
    limit_file_size((rlim_t)size + 10);
    plog_append_info_t info;
    ck_assert_int_eq(append_batch(l1, 5, "rec", 2000, 3, 2000, &info), KERR__IO);
    unlimit_file_size();
    ck_assert_int_eq(plog_size_bytes(l1), size);
    ck_assert_int_eq(plog_end_offset(l1), 10);
    char seg[700];
    snprintf(seg, sizeof(seg), "%s/b/t-1/%020d.log", tmpdir, 0);
    struct stat st;
    ck_assert_int_eq(stat(seg, &st), 0);
    ck_assert_int_eq(st.st_size, size); /* the partial write was cut off */
    lmgr_log_failed(m, l1, "append");
    ck_assert_int_eq(rec.calls, 1);
    ck_assert_int_eq(rec.dirs[0], 1);
    lmgr_take_offline(m, 1);
    ck_assert(lmgr_dir_is_offline(m, 1) && !lmgr_dir_is_offline(m, 0));
    ck_assert_int_eq(lmgr_online_dirs(m), 1);
    ck_assert_ptr_null(lmgr_get(m, "t", 1));
    ck_assert(lmgr_log_offline(m, "t", 1) && !lmgr_log_offline(m, "t", 0));
    char **topics;
    int32_t *parts;
    ck_assert_int_eq(lmgr_offline_logs(m, &topics, &parts), 1);
    ck_assert_str_eq(topics[0], "t");
    ck_assert_int_eq(parts[0], 1);
    free(topics[0]);
    free(topics);
    free(parts);
    /* not re-created elsewhere until a restart; new logs go to the healthy dir */
    plog_t *again;
    ck_assert_int_eq(lmgr_get_or_create(m, "t", 1, &cfg, &again), KERR_KAFKA_STORAGE_ERROR);
    ck_assert_int_eq(lmgr_get_or_create(m, "u", 0, &cfg, &again), KERR_NONE);
    ck_assert_int_eq(lmgr_get_or_create(m, "u", 1, &cfg, &again), KERR_NONE);
    ck_assert_int_eq(lmgr_log_dir(m, "u", 0), 0);
    ck_assert_int_eq(lmgr_log_dir(m, "u", 1), 0);
    lmgr_log_failed(m, l0, "append"); /* dir 0 still reports */
    ck_assert_int_eq(rec.calls, 2);
    ck_assert_int_eq(rec.dirs[1], 0);
    lmgr_close(m, true);
    /* the offline dir got no clean-shutdown marker; the healthy one did */
    char path[700];
    snprintf(path, sizeof(path), "%s/b/.kafka_cleanshutdown", tmpdir);
    ck_assert_int_ne(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/a/.kafka_cleanshutdown", tmpdir);
    ck_assert_int_eq(access(path, F_OK), 0);
}
END_TEST

START_TEST(test_lmgr_checkpoint_write_error_reported_per_dir)
{
    fail_rec_t rec = {0};
    lmgr_t *m = open_two_dirs(&rec);
    limit_file_size(1);
    lmgr_checkpoint(m);
    unlimit_file_size();
    ck_assert_int_ge(rec.calls, 2);
    bool seen[2] = {false, false};
    for (int i = 0; i < rec.calls && i < 8; i++) seen[rec.dirs[i]] = true;
    ck_assert(seen[0] && seen[1]);
    lmgr_take_offline(m, 0);
    rec.calls = 0;
    limit_file_size(1);
    lmgr_checkpoint(m); /* the offline dir is not written again */
    unlimit_file_size();
    for (int i = 0; i < rec.calls && i < 8; i++) ck_assert_int_eq(rec.dirs[i], 1);
    lmgr_close(m, false);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("plog");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_append_and_read_back);
    tcase_add_test(tc, test_high_watermark_caps_reads_and_kip74);
    tcase_add_test(tc, test_offsets_continue_after_reopen);
    tcase_add_test(tc, test_roll_by_size_names_segments_by_base_offset);
    tcase_add_test(tc, test_offset_for_time);
    tcase_add_test(tc, test_torn_tail_truncated_on_unclean_open);
    tcase_add_test(tc, test_corrupt_batch_after_recovery_point_truncates_from_there);
    tcase_add_test(tc, test_retention_by_size_and_time);
    tcase_add_test(tc, test_truncate_and_epochs);
    tcase_add_test(tc, test_epoch_end_offsets_follower_epochs_and_reset);
    tcase_add_test(tc, test_divergence_asks_again_about_an_epoch_the_leader_shares);
    tcase_add_test(tc, test_new_leader_epoch_written_before_its_first_batch);
    tcase_add_test(tc, test_lmgr_checkpoints_marker_and_meta);
    tcase_add_test(tc, test_advance_start_deletes_whole_segments_below);
    tcase_add_test(tc, test_lmgr_two_dirs_fewest_partitions_and_log_start_checkpoint);
    tcase_add_test(tc, test_lmgr_future_log_promoted_and_leftovers_removed);
    tcase_add_test(tc, test_lmgr_write_error_takes_dir_offline);
    tcase_add_test(tc, test_lmgr_checkpoint_write_error_reported_per_dir);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
