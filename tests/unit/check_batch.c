/* check_batch.c: RecordBatch v2 parsing, validation (CRC, framing) and in-place stamping;
 * MessageSet v0/v1 up-conversion. */
#include <check.h>
#include <stdio.h>
#include <zlib.h>

#include "rec/msgset.h"
#include "testutil.h"

START_TEST(test_valid_batch_parses_and_validates)
{
    wbuf_t wb;
    wbuf_init(&wb);
    tu_batch(&wb, 5, "v", 1000);
    batch_hdr_t h;
    ck_assert_int_eq(batch_validate(wb.p, wb.len, &h), KERR_NONE);
    ck_assert_int_eq(h.record_count, 5);
    ck_assert_int_eq(h.last_offset_delta, 4);
    ck_assert_int_eq(h.max_timestamp, 1004);
    ck_assert_uint_eq(batch_size(&h), wb.len);
    rbuf_t rb;
    rbuf_init(&rb, wb.p + BATCH_HDR_SIZE, wb.len - BATCH_HDR_SIZE);
    batch_rec_t r;
    int n = 0;
    while (batch_rec_next(&rb, &r)) {
        char want[16];
        snprintf(want, sizeof(want), "v-%d", n);
        ck_assert_int_eq(r.value.len, (int)strlen(want));
        ck_assert(memcmp(r.value.p, want, strlen(want)) == 0);
        ck_assert_int_eq(r.key.len, -1);
        n++;
    }
    ck_assert_int_eq(n, 5);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_corruption_is_detected)
{
    wbuf_t wb;
    wbuf_init(&wb);
    tu_batch(&wb, 3, "v", 1);
    batch_hdr_t h;
    wb.p[wb.len - 2] ^= 0x40; /* flip a value bit: CRC mismatch */
    ck_assert_int_eq(batch_validate(wb.p, wb.len, &h), KERR_CORRUPT_MESSAGE);
    wb.p[wb.len - 2] ^= 0x40;
    wb.p[16] = 1; /* magic 1 */
    ck_assert_int_eq(batch_validate(wb.p, wb.len, &h), KERR_UNSUPPORTED_FOR_MESSAGE_FORMAT);
    wb.p[16] = 2;
    ck_assert_int_eq(batch_validate(wb.p, wb.len - 1, &h), KERR__BAD_MSG); /* truncated */
    ck_assert_int_eq(batch_hdr_parse(wb.p, 30, &h), KERR__AGAIN);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_record_count_must_match_records)
{
    wbuf_t wb;
    wbuf_init(&wb);
    tu_batch(&wb, 3, "v", 1);
    /* claim 4 records (and last delta 3) with a correct CRC: framing check catches it */
    wb.p[60] = 4;
    wb.p[26] = 3;
    uint32_t c = crc32c(0, wb.p + 21, wb.len - 21);
    wb.p[17] = (uint8_t)(c >> 24);
    wb.p[18] = (uint8_t)(c >> 16);
    wb.p[19] = (uint8_t)(c >> 8);
    wb.p[20] = (uint8_t)c;
    batch_hdr_t h;
    ck_assert_int_eq(batch_validate(wb.p, wb.len, &h), KERR_CORRUPT_MESSAGE);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_stamping_keeps_crc_valid)
{
    wbuf_t wb;
    wbuf_init(&wb);
    tu_batch(&wb, 2, "v", 1);
    batch_set_base_offset(wb.p, 123456789);
    batch_set_leader_epoch(wb.p, 7);
    batch_hdr_t h;
    ck_assert_int_eq(batch_validate(wb.p, wb.len, &h), KERR_NONE);
    ck_assert_int_eq(h.base_offset, 123456789);
    ck_assert_int_eq(h.partition_leader_epoch, 7);
    batch_set_log_append_time(wb.p, wb.len, 555);
    ck_assert_int_eq(batch_validate(wb.p, wb.len, &h), KERR_NONE);
    ck_assert_int_eq(h.max_timestamp, 555);
    ck_assert(h.attributes & BATCH_ATTR_LOG_APPEND_TIME);
    wbuf_free(&wb);
}
END_TEST

/* one legacy message: offset, size, crc, magic, attributes, [timestamp], key, value */
static void legacy_msg(wbuf_t *out, int magic, int attr, const char *key, const char *val)
{
    wbuf_t m;
    wbuf_init(&m);
    wbuf_i8(&m, (int8_t)magic);
    wbuf_i8(&m, (int8_t)attr);
    if (magic == 1) wbuf_i64(&m, 1700000000000);
    wbuf_bytes_f(&m, false, key, key ? (int32_t)strlen(key) : -1);
    wbuf_bytes_f(&m, false, val, (int32_t)strlen(val));
    wbuf_i64(out, 0);
    wbuf_i32(out, (int32_t)(m.len + 4));
    wbuf_u32(out, (uint32_t)crc32(0, m.p, (uInt)m.len));
    wbuf_append(out, m.p, m.len);
    wbuf_free(&m);
}

START_TEST(test_msgset_upconverts_to_v2)
{
    wbuf_t in, out;
    wbuf_init(&in);
    wbuf_init(&out);
    legacy_msg(&in, 1, 0, "k1", "hello");
    legacy_msg(&in, 1, 0, NULL, "world");
    wbuf_append(&in, "\0\0\0", 3); /* trailing partial message is ignored */
    int32_t n;
    ck_assert_int_eq(msgset_to_batch(in.p, in.len, 0, 1 << 20, &out, &n), KERR_NONE);
    ck_assert_int_eq(n, 2);
    batch_hdr_t h;
    ck_assert_int_eq(batch_validate(out.p, out.len, &h), KERR_NONE);
    ck_assert_int_eq(h.record_count, 2);
    ck_assert_int_eq(h.base_timestamp, 1700000000000);
    rbuf_t rb;
    rbuf_init(&rb, out.p + BATCH_HDR_SIZE, out.len - BATCH_HDR_SIZE);
    batch_rec_t r;
    ck_assert(batch_rec_next(&rb, &r));
    ck_assert(r.key.len == 2 && memcmp(r.key.p, "k1", 2) == 0);
    ck_assert(batch_rec_next(&rb, &r));
    ck_assert(r.key.len == -1 && r.value.len == 5 && memcmp(r.value.p, "world", 5) == 0);
    wbuf_free(&in);
    wbuf_free(&out);
}
END_TEST

START_TEST(test_msgset_bad_crc_and_compressed_refused)
{
    wbuf_t in, out;
    wbuf_init(&in);
    wbuf_init(&out);
    legacy_msg(&in, 0, 0, "k", "v");
    in.p[in.len - 1] ^= 1;
    int32_t n;
    ck_assert_int_eq(msgset_to_batch(in.p, in.len, 0, 1 << 20, &out, &n), KERR_CORRUPT_MESSAGE);
    wbuf_reset(&in);
    legacy_msg(&in, 1, 1 /* gzip */, NULL, "zzz");
    ck_assert_int_eq(msgset_to_batch(in.p, in.len, 0, 1 << 20, &out, &n),
                     KERR_UNSUPPORTED_COMPRESSION_TYPE);
    wbuf_free(&in);
    wbuf_free(&out);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("batch");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_valid_batch_parses_and_validates);
    tcase_add_test(tc, test_corruption_is_detected);
    tcase_add_test(tc, test_record_count_must_match_records);
    tcase_add_test(tc, test_stamping_keeps_crc_valid);
    tcase_add_test(tc, test_msgset_upconverts_to_v2);
    tcase_add_test(tc, test_msgset_bad_crc_and_compressed_refused);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
