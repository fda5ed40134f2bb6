/* check_buf.c: rbuf bounds and sticky errors, wbuf encodings (varints, compact strings). */
#include <check.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"

START_TEST(test_rbuf_reads_big_endian)
{
    const uint8_t d[] = {0x01, 0x02, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 7};
    rbuf_t rb;
    rbuf_init(&rb, d, sizeof(d));
    ck_assert_int_eq(rbuf_i16(&rb), 0x0102);
    ck_assert_int_eq(rbuf_i32(&rb), -2);
    ck_assert_int_eq(rbuf_i64(&rb), 7);
    ck_assert_int_eq(rbuf_err(&rb), KERR_NONE);
    ck_assert_uint_eq(rbuf_left(&rb), 0);
}
END_TEST

START_TEST(test_rbuf_short_read_is_sticky)
{
    const uint8_t d[] = {0x00, 0x05, 'a', 'b'};
    rbuf_t rb;
    rbuf_init(&rb, d, sizeof(d));
    kstr_t s = rbuf_str(&rb); /* claims 5 bytes, has 2 */
    ck_assert_int_eq(s.len, -1);
    ck_assert_int_eq(rbuf_err(&rb), KERR__BAD_MSG);
    ck_assert_int_eq(rbuf_i32(&rb), 0);
    ck_assert_int_eq(rbuf_err(&rb), KERR__BAD_MSG);
}
END_TEST

START_TEST(test_rbuf_array_len_checked_against_bytes_left)
{
    const uint8_t d[] = {0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4};
    rbuf_t rb;
    rbuf_init(&rb, d, sizeof(d));
    ck_assert_int_eq(rbuf_array_len(&rb, false, 4), 0);
    ck_assert_int_eq(rbuf_err(&rb), KERR__BAD_MSG);

    const uint8_t neg[] = {0xff, 0xff, 0xff, 0xfe};
    rbuf_init(&rb, neg, sizeof(neg));
    rbuf_array_len(&rb, false, 1);
    ck_assert_int_eq(rbuf_err(&rb), KERR__BAD_MSG);

    const uint8_t null[] = {0xff, 0xff, 0xff, 0xff};
    rbuf_init(&rb, null, sizeof(null));
    ck_assert_int_eq(rbuf_array_len(&rb, false, 1), -1);
    ck_assert_int_eq(rbuf_err(&rb), KERR_NONE);
}
END_TEST

START_TEST(test_varint_roundtrip)
{
    const int64_t vals[] = {0,   1,    -1,        63,        -64,       64,
                            300, -300, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
    wbuf_t wb;
    wbuf_init(&wb);
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) wbuf_varlong(&wb, vals[i]);
    wbuf_varint(&wb, -12345);
    wbuf_uvarint(&wb, 300);
    rbuf_t rb;
    rbuf_init(&rb, wb.p, wb.len);
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
        ck_assert(rbuf_varlong(&rb) == vals[i]);
    ck_assert_int_eq(rbuf_varint(&rb), -12345);
    ck_assert_uint_eq(rbuf_uvarint(&rb), 300);
    ck_assert_int_eq(rbuf_err(&rb), KERR_NONE);
    ck_assert_uint_eq(rbuf_left(&rb), 0);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_varint_known_bytes)
{
    /* zig-zag: -1 -> 1, 1 -> 2, 150 -> 300 -> 0xac 0x02 */
    wbuf_t wb;
    wbuf_init(&wb);
    wbuf_varint(&wb, -1);
    wbuf_varint(&wb, 1);
    wbuf_varint(&wb, 150);
    ck_assert_uint_eq(wb.len, 4);
    ck_assert_uint_eq(wb.p[0], 1);
    ck_assert_uint_eq(wb.p[1], 2);
    ck_assert_uint_eq(wb.p[2], 0xac);
    ck_assert_uint_eq(wb.p[3], 0x02);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_compact_strings_and_null)
{
    wbuf_t wb;
    wbuf_init(&wb);
    wbuf_compact_str(&wb, "abc", 3);
    wbuf_compact_str(&wb, NULL, -1);
    wbuf_str(&wb, "xy", 2);
    wbuf_str(&wb, NULL, -1);
    wbuf_array_len(&wb, true, -1);
    wbuf_tags(&wb, true);
    ck_assert_uint_eq(wb.p[0], 4);
    rbuf_t rb;
    rbuf_init(&rb, wb.p, wb.len);
    ck_assert(kstr_eq(rbuf_compact_str(&rb), "abc"));
    ck_assert_int_eq(rbuf_compact_str(&rb).len, -1);
    ck_assert(kstr_eq(rbuf_str(&rb), "xy"));
    ck_assert_int_eq(rbuf_str(&rb).len, -1);
    ck_assert_int_eq(rbuf_array_len(&rb, true, 1), -1);
    rbuf_skip_tags(&rb);
    ck_assert_int_eq(rbuf_err(&rb), KERR_NONE);
    ck_assert_uint_eq(rbuf_left(&rb), 0);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_overlong_uvarint_fails)
{
    const uint8_t d[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    rbuf_t rb;
    rbuf_init(&rb, d, sizeof(d));
    rbuf_uvarint(&rb);
    ck_assert_int_eq(rbuf_err(&rb), KERR__BAD_MSG);
}
END_TEST

START_TEST(test_wbuf_reserve_and_files)
{
    wbuf_t wb;
    wbuf_init(&wb);
    size_t at = wbuf_reserve_i32(&wb);
    wbuf_i16(&wb, 5);
    wbuf_put_i32_at(&wb, at, 0x01020304);
    ck_assert_uint_eq(wb.p[0], 1);
    ck_assert_uint_eq(wb.p[3], 4);
    wbuf_file(&wb, dup(0), 10, 100);
    ck_assert_uint_eq(wbuf_total(&wb), 106);
    ck_assert_uint_eq(wb.files[0].at, 6);
    wbuf_free(&wb);
}
END_TEST

static Suite *buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_rbuf_reads_big_endian);
    tcase_add_test(tc, test_rbuf_short_read_is_sticky);
    tcase_add_test(tc, test_rbuf_array_len_checked_against_bytes_left);
    tcase_add_test(tc, test_varint_roundtrip);
    tcase_add_test(tc, test_varint_known_bytes);
    tcase_add_test(tc, test_compact_strings_and_null);
    tcase_add_test(tc, test_overlong_uvarint_fails);
    tcase_add_test(tc, test_wbuf_reserve_and_files);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(buf_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
