/* check_fdcache.c: the file descriptors of partition logs: the fd cache's LRU bound, fds per
 * partition bounded (only the active segment's log file stays open), index files that reach
 * disk at roll and flush and are rebuilt after a crash, and running out of fds failing the one
 * operation (KERR__NOFD) without taking the log dir offline. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/fdcache.h"
#include "store/lmgr.h"
#include "store/plog.h"
#include "testutil.h"

static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_fdcache.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.') n++;
    closedir(d);
    return n - 1; /* the one opendir holds */
}

static plog_t *open_part(const plog_cfg_t *cfg, int32_t p, bool clean, int64_t rp)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/t-%d", tmpdir, p);
    plog_t *log;
    ck_assert_int_eq(plog_open(dir, "t", p, cfg, rp, 0, clean, &log), KERR_NONE);
    return log;
}

static kerr_t append_batch(plog_t *log, int n)
{
    wbuf_t wb;
    wbuf_init(&wb);
    tu_batch(&wb, n, "rec", 1000);
    plog_append_info_t info;
    kerr_t err = plog_append(log, wb.p, wb.len, 1, 1000, &info);
    wbuf_free(&wb);
    return err;
}

static void append_n(plog_t *log, int batches)
{
    for (int i = 0; i < batches; i++) ck_assert_int_eq(append_batch(log, 5), KERR_NONE);
}

/* Small segments: 5 batches (of append_batch(log, 5)) each, an index entry per batch. */
static void small_segments(plog_cfg_t *cfg)
{
    wbuf_t wb;
    wbuf_init(&wb);
    tu_batch(&wb, 5, "rec", 1000);
    plog_cfg_defaults(cfg);
    cfg->segment_bytes = 5 * (int64_t)wb.len;
    cfg->index_interval_bytes = 1;
    wbuf_free(&wb);
}

/* Every offset below end is found at the batch holding it; the bytes read back are batches. */
static void check_every_offset(plog_t *log, int64_t end)
{
    for (int64_t o = plog_start_offset(log); o < end; o++) {
        plog_slice_t sl;
        ck_assert_int_eq(plog_read(log, o, 1, INT64_MAX, &sl), KERR_NONE);
        ck_assert_uint_gt(sl.len, 0);
        ck_assert_int_le(sl.first_offset, o);
        ck_assert_int_gt(sl.first_offset + 5, o);
        uint8_t buf[4096];
        ck_assert_uint_le(sl.len, sizeof(buf));
        ck_assert_int_eq(pread(sl.fd, buf, sl.len, sl.pos), (ssize_t)sl.len);
        batch_hdr_t h;
        ck_assert_int_eq(batch_validate(buf, sl.len, &h), KERR_NONE);
        ck_assert_int_eq(h.base_offset, sl.first_offset);
    }
}

START_TEST(test_lru_keeps_the_most_recent)
{
    fdcache_set_capacity(3);
    fdcache_ent_t e[5];
    char path[5][300];
    for (int i = 0; i < 5; i++) {
        snprintf(path[i], sizeof(path[i]), "%s/f%d", tmpdir, i);
        close(open(path[i], O_CREAT | O_WRONLY, 0644));
        fdcache_ent_init(&e[i]);
        ck_assert_int_ge(fdcache_get(&e[i], path[i]), 0);
    }
    ck_assert_int_eq(fdcache_open_count(), 3);
    ck_assert(e[0].fd < 0 && e[1].fd < 0); /* the two oldest went */
    int fd2 = e[2].fd;
    ck_assert_int_eq(fdcache_get(&e[2], path[2]), fd2); /* cached: the same fd, now newest */
    ck_assert_int_ge(fdcache_get(&e[0], path[0]), 0);   /* evicts 3, the least recent */
    ck_assert(e[3].fd < 0 && e[2].fd >= 0 && e[4].fd >= 0);
    fdcache_set_capacity(1);
    ck_assert_int_eq(fdcache_open_count(), 1);
    ck_assert_int_ge(e[0].fd, 0);
    for (int i = 0; i < 5; i++) fdcache_drop(&e[i]);
    ck_assert_int_eq(fdcache_open_count(), 0);
    /* a file that is not there: -1, nothing cached */
    fdcache_ent_t none;
    fdcache_ent_init(&none);
    snprintf(path[0], sizeof(path[0]), "%s/missing", tmpdir);
    ck_assert_int_eq(fdcache_get(&none, path[0]), -1);
    ck_assert_int_eq(fdcache_open_count(), 0);
}
END_TEST

#define NPARTS 500

START_TEST(test_fds_per_partition_bounded)
{
    fdcache_set_capacity(32);
    int before = count_fds();
    plog_cfg_t cfg;
    small_segments(&cfg);
    static plog_t *logs[NPARTS];
    for (int p = 0; p < NPARTS; p++) {
        logs[p] = open_part(&cfg, p, true, 0);
        append_n(logs[p], 12);
        ck_assert_int_ge(plog_segment_count(logs[p]), 3);
    }
    /* one fd per partition: the active segment's log file; no index file is held open */
    ck_assert_int_le(count_fds() - before, NPARTS);
    /* reads of closed segments borrow from the bounded cache */
    for (int p = 0; p < NPARTS; p++) check_every_offset(logs[p], plog_end_offset(logs[p]));
    ck_assert_int_le(fdcache_open_count(), 32);
    ck_assert_int_le(count_fds() - before, NPARTS + 32);
    for (int p = 0; p < NPARTS; p++) plog_close(logs[p]);
    ck_assert_int_eq(count_fds(), before);
    /* a clean reopen loads the index files the rolls and the close wrote */
    for (int p = 0; p < NPARTS; p += 50) {
        plog_t *log = open_part(&cfg, p, true, 60);
        ck_assert_int_eq(plog_end_offset(log), 60);
        check_every_offset(log, 60);
        plog_close(log);
    }
}
END_TEST

static off_t file_size(const char *name)
{
    char p[400];
    snprintf(p, sizeof(p), "%s/t-0/%s", tmpdir, name);
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    return st.st_size;
}

START_TEST(test_crash_after_flush_and_appends_recovers)
{
    plog_cfg_t cfg;
    small_segments(&cfg);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    /* segments of 5 batches (25 offsets): 0-24, 25-49, 50-59 */
    if (pid == 0) { /* a broker killed -9: flushed up to 30, appended on, never closed */
        plog_t *log = open_part(&cfg, 0, true, 0);
        append_n(log, 6);
        if (plog_flush(log) != KERR_NONE) _exit(1);
        append_n(log, 6);
        _exit(0);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* the index entries of the segments the flush covered were written before the recovery
     * point moved (one entry per batch here); the active segment's are still in memory */
    ck_assert_int_eq(file_size("00000000000000000000.index"), 5 * 8);
    ck_assert_int_eq(file_size("00000000000000000000.timeindex"), 12);
    ck_assert_int_ge(file_size("00000000000000000025.index"), 8);
    plog_t *log = open_part(&cfg, 0, false, 30);
    ck_assert_int_eq(plog_end_offset(log), 60);
    check_every_offset(log, 60);
    append_n(log, 1);
    ck_assert_int_eq(plog_end_offset(log), 65);
    plog_close(log);
}
END_TEST

static void record_fail(void *arg, int dir)
{
    (void)dir;
    (*(int *)arg)++;
}

static struct rlimit saved_limit;

/* Use up every fd below the limit (a few above the count in use): dups of stdin. */
static int exhaust_fds(int *held, int max)
{
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    saved_limit = rl;
    rl.rlim_cur = (rlim_t)count_fds() + 8;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    int n = 0;
    while (n < max && (held[n] = dup(0)) >= 0) n++;
    ck_assert_int_lt(n, max);
    return n;
}

static void release_fds(int *held, int n)
{
    for (int i = 0; i < n; i++) close(held[i]);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved_limit), 0);
}

START_TEST(test_out_of_fds_fails_the_operation_not_the_dir)
{
    int fails = 0;
    char dirs[300], err[256];
    snprintf(dirs, sizeof(dirs), "%s/a", tmpdir);
    plog_cfg_t cfg;
    small_segments(&cfg);
    cfg.flush_messages = 1;
    lmgr_t *m;
    ck_assert_int_eq(lmgr_open(dirs, 1, NULL, &cfg, &m, err, sizeof(err)), KERR_NONE);
    lmgr_set_fail_fn(m, record_fail, &fails);
    plog_t *log;
    ck_assert_int_eq(lmgr_get_or_create(m, "t", 0, &cfg, &log), KERR_NONE);
    append_n(log, 12);
    int64_t end = plog_end_offset(log), size = plog_size_bytes(log);
    int nsegs = plog_segment_count(log);
    ck_assert_int_ge(nsegs, 3);
    plog_epoch_begin(log, 7, end); /* a new leader's epoch: in the file before its first batch */
    fdcache_shrink(INT_MAX);
    int held[4096];
    int n = exhaust_fds(held, 4096);
    plog_slice_t sl;
    /* a closed segment cannot be opened: that read fails, the active one still reads */
    ck_assert_int_eq(plog_read(log, 0, 100, INT64_MAX, &sl), KERR__NOFD);
    ck_assert_int_eq(plog_read(log, end - 1, 100, INT64_MAX, &sl), KERR_NONE);
    ck_assert_uint_gt(sl.len, 0);
    /* nor can the epoch file or a new segment: the append fails, the log stays as it was */
    ck_assert_int_eq(append_batch(log, 1), KERR__NOFD);
    ck_assert_int_eq(append_batch(log, 30), KERR__NOFD);
    ck_assert_int_eq(plog_end_offset(log), end);
    ck_assert_int_eq(plog_size_bytes(log), size);
    ck_assert_int_eq(plog_segment_count(log), nsegs);
    plog_t *other;
    ck_assert_int_eq(lmgr_get_or_create(m, "t", 1, &cfg, &other), KERR__NOFD);
    lmgr_checkpoint(m);
    lmgr_tick(m, 1000); /* flush.messages=1 wants a flush: it cannot open the index files */
    ck_assert_int_eq(fails, 0);
    ck_assert(!lmgr_dir_is_offline(m, 0));
    /* with fds back everything works again */
    release_fds(held, n);
    check_every_offset(log, end);
    ck_assert_int_eq(append_batch(log, 30), KERR_NONE);
    ck_assert_int_eq(plog_flush(log), KERR_NONE);
    char path[400], line[64] = "";
    snprintf(path, sizeof(path), "%s/a/t-0/leader-epoch-checkpoint", tmpdir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof(line), f) && strncmp(line, "7 ", 2) != 0) continue;
    fclose(f);
    ck_assert_int_eq(strncmp(line, "7 60", 4), 0);
    ck_assert_int_eq(plog_recovery_point(log), end + 30);
    ck_assert_int_eq(lmgr_get_or_create(m, "t", 1, &cfg, &other), KERR_NONE);
    ck_assert_int_eq(fails, 0);
    lmgr_close(m, true);
}
END_TEST

START_TEST(test_cache_gives_back_its_fds_when_the_process_runs_out)
{
    fdcache_set_capacity(64);
    plog_cfg_t cfg;
    small_segments(&cfg);
    plog_t *log = open_part(&cfg, 0, true, 0);
    append_n(log, 12);
    fdcache_shrink(INT_MAX);
    plog_slice_t sl;
    ck_assert_int_eq(plog_read(log, 0, 1, INT64_MAX, &sl), KERR_NONE); /* segment 0 cached */
    ck_assert_int_eq(fdcache_open_count(), 1);
    int held[4096];
    int n = exhaust_fds(held, 4096);
    /* segment 1 needs an fd: the cache closes its own and the read succeeds */
    ck_assert_int_eq(plog_read(log, 30, 1, INT64_MAX, &sl), KERR_NONE);
    ck_assert_uint_gt(sl.len, 0);
    ck_assert_int_eq(fdcache_open_count(), 1);
    release_fds(held, n);
    plog_close(log);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fdcache");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_lru_keeps_the_most_recent);
    tcase_add_test(tc, test_fds_per_partition_bounded);
    tcase_add_test(tc, test_crash_after_flush_and_appends_recovers);
    tcase_add_test(tc, test_out_of_fds_fails_the_operation_not_the_dir);
    tcase_add_test(tc, test_cache_gives_back_its_fds_when_the_process_runs_out);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
