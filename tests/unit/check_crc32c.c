/* check_crc32c.c: CRC-32C against the published vectors (RFC 3720 B.4 and the "123456789"
 * check value), hardware and table paths equal on odd lengths and alignments and around the
 * interleaved blocks, incremental. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "rec/crc32c.h"

static void vectors(uint32_t (*f)(uint32_t, const void *, size_t))
{
    uint8_t b[32];
    memset(b, 0, 32);
    ck_assert_uint_eq(f(0, b, 32), 0x8A9136AAu);
    memset(b, 0xff, 32);
    ck_assert_uint_eq(f(0, b, 32), 0x62A8AB43u);
    for (int i = 0; i < 32; i++) b[i] = (uint8_t)i;
    ck_assert_uint_eq(f(0, b, 32), 0x46DD794Eu);
    for (int i = 0; i < 32; i++) b[i] = (uint8_t)(31 - i);
    ck_assert_uint_eq(f(0, b, 32), 0x113FDB5Cu);
    ck_assert_uint_eq(f(0, "123456789", 9), 0xE3069283u);
    ck_assert_uint_eq(f(0, "", 0), 0);
}

START_TEST(test_published_vectors_table)
{
    vectors(crc32c_sw);
}
END_TEST

START_TEST(test_published_vectors_dispatch)
{
    vectors(crc32c);
}
END_TEST

START_TEST(test_hw_equals_table_on_odd_sizes_and_alignments)
{
    uint8_t *buf = malloc(5000);
    srand(42);
    for (int i = 0; i < 5000; i++) buf[i] = (uint8_t)rand();
    for (size_t off = 0; off < 9; off++)
        for (size_t len = 0; len < 300; len += 7)
            ck_assert_uint_eq(crc32c(0, buf + off, len), crc32c_sw(0, buf + off, len));
    ck_assert_uint_eq(crc32c(0, buf, 5000), crc32c_sw(0, buf, 5000));
    free(buf);
}
END_TEST

/* Lengths around the interleaved blocks (3 x 256 and 3 x 4096 bytes), odd alignments, and a
 * piece boundary inside a block. */
START_TEST(test_interleaved_blocks_equal_table)
{
    size_t max = 3 * 4096 * 3 + 100;
    uint8_t *buf = malloc(max + 16);
    srand(9);
    for (size_t i = 0; i < max + 16; i++) buf[i] = (uint8_t)rand();
    const size_t lens[] = {767,   768,   769,   775,   776,   1536,  1543,  12287, 12288,
                           12289, 12295, 13056, 24576, 24577, 25000, 36864, 36964};
    for (size_t off = 0; off < 9; off++)
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
            ck_assert_uint_eq(crc32c(0, buf + off, lens[i]), crc32c_sw(0, buf + off, lens[i]));
    for (size_t len = 700; len < 13000; len += 97)
        ck_assert_uint_eq(crc32c(0, buf, len), crc32c_sw(0, buf, len));
    uint32_t whole = crc32c_sw(0, buf, max);
    for (size_t cut = 0; cut <= max; cut += 1531)
        ck_assert_uint_eq(crc32c(crc32c(0, buf, cut), buf + cut, max - cut), whole);
    ck_assert_uint_eq(crc32c(0x12345678u, buf, 24576), crc32c_sw(0x12345678u, buf, 24576));
    free(buf);
}
END_TEST

START_TEST(test_incremental_equals_one_shot)
{
    const char *s = "The quick brown fox jumps over the lazy dog, twice over.";
    size_t n = strlen(s);
    uint32_t whole = crc32c(0, s, n);
    for (size_t cut = 0; cut <= n; cut++)
        ck_assert_uint_eq(crc32c(crc32c(0, s, cut), s + cut, n - cut), whole);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("crc32c");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_published_vectors_table);
    tcase_add_test(tc, test_published_vectors_dispatch);
    tcase_add_test(tc, test_hw_equals_table_on_odd_sizes_and_alignments);
    tcase_add_test(tc, test_incremental_equals_one_shot);
    tcase_add_test(tc, test_interleaved_blocks_equal_table);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
