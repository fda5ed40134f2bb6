/* check_fileio.c: common/bytes.h (big-endian get/put round trips, sign bits) and
 * common/fileio (whole-buffer pread/pwrite, short reads at end of file, recursive removal). */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "fileio.h"
#include "testutil.h"

START_TEST(test_bytes_round_trip)
{
    uint8_t b[8];
    bytes_put_be16(b, 0xfedc);
    ck_assert_uint_eq(b[0], 0xfe);
    ck_assert_uint_eq(bytes_get_be16(b), 0xfedc);
    bytes_put_be32(b, 0x80000001u);
    ck_assert_uint_eq(b[0], 0x80);
    ck_assert_uint_eq(b[3], 0x01);
    ck_assert_int_eq((int32_t)bytes_get_be32(b), INT32_MIN + 1);
    bytes_put_be64(b, (uint64_t)-2);
    ck_assert_uint_eq(b[0], 0xff);
    ck_assert_uint_eq(b[7], 0xfe);
    ck_assert_int_eq((int64_t)bytes_get_be64(b), -2);
    bytes_put_be64(b, 0x0102030405060708ull);
    for (int i = 0; i < 8; i++) ck_assert_uint_eq(b[i], (unsigned)i + 1);
}
END_TEST

START_TEST(test_fileio_read_write_and_rm_rf)
{
    char dir[] = "/tmp/check_fileio.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char sub[300], file[300], deep[300];
    snprintf(sub, sizeof(sub), "%s/a", dir);
    snprintf(file, sizeof(file), "%s/a/f", dir);
    snprintf(deep, sizeof(deep), "%s/a/b", dir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    ck_assert_int_eq(mkdir(deep, 0755), 0);
    int fd = open(file, O_RDWR | O_CREAT, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite_all(fd, "hello world", 11, 4), 0);
    char buf[32] = {0};
    ck_assert_int_eq(pread_full(fd, buf, sizeof(buf), 4), 11); /* short: end of file */
    ck_assert_str_eq(buf, "hello world");
    ck_assert_int_eq(pread_full(fd, buf, 4, 100), 0);
    close(fd);
    ck_assert_int_eq(pread_full(-1, buf, 4, 0), -1);
    ck_assert_int_eq(rm_rf(dir), 0);
    ck_assert_int_ne(access(dir, F_OK), 0);
    ck_assert_int_eq(rm_rf(dir), -1); /* gone already */
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fileio");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_bytes_round_trip);
    tcase_add_test(tc, test_fileio_read_write_and_rm_rf);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
