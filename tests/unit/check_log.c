/* check_log.c: the log line format (Kafka-like: timestamp, level, ident, message, module),
 * the level threshold, one line per call even for an overlong message, and the clocks
 * (ktime): monotonic never goes back, wall milliseconds agree with time(2). */
#include <check.h>
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ktime.h"
#include "log.h"
#include "testutil.h"

/* Run fn with stderr sent to a temp file; return what was written (static buffer). */
static const char *capture(void (*fn)(void))
{
    static char buf[8192];
    char path[] = "/tmp/check_log.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return buf;
}

static void write_some(void)
{
    log_set_ident("broker 7");
    log_set_level(LOG_INFO);
    log_debug("mod", "hidden %d", 1);
    log_info("rmgr", "became leader of %s-%d", "t", 3);
    log_set_level(LOG_ERROR);
    log_warn("mod", "hidden too");
    log_error("ctl", "boom");
    log_set_level(LOG_INFO);
}

START_TEST(test_format_and_threshold)
{
    const char *out = capture(write_some);
    regex_t re;
    ck_assert_int_eq(
        regcomp(&re,
                "^\\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3}\\] "
                "INFO \\[broker 7\\] became leader of t-3 \\(rmgr\\)\n"
                "\\[[^]]+\\] ERROR \\[broker 7\\] boom \\(ctl\\)\n$",
                REG_EXTENDED),
        0);
    ck_assert_msg(regexec(&re, out, 0, NULL, 0) == 0, "unexpected log output: %s", out);
    regfree(&re);
}
END_TEST

static void write_long(void)
{
    char big[5000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    log_info("mod", "%s", big);
}

START_TEST(test_overlong_message_is_one_cut_line_with_its_module)
{
    const char *out = capture(write_long);
    size_t len = strlen(out);
    ck_assert(len > 1000 && len < 2100);
    ck_assert(out[len - 1] == '\n');
    ck_assert(strchr(out, '\n') == out + len - 1);
    ck_assert(strstr(out, " (mod)\n") != NULL);
}
END_TEST

START_TEST(test_clocks)
{
    int64_t m0 = ktime_mono_ms(), u0 = ktime_mono_us();
    struct timespec ts = {0, 20 * 1000000};
    nanosleep(&ts, NULL);
    int64_t m1 = ktime_mono_ms(), u1 = ktime_mono_us();
    ck_assert(m1 - m0 >= 19 && u1 - u0 >= 19000);
    int64_t w = ktime_wall_ms();
    int64_t t = (int64_t)time(NULL) * 1000;
    ck_assert(w >= t - 1000 && w <= t + 2000);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_format_and_threshold);
    tcase_add_test(tc, test_overlong_message_is_one_cut_line_with_its_module);
    tcase_add_test(tc, test_clocks);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
