/* check_batch.c: RecordBatch v2 parsing, validation (CRC, framing) and in-place stamping;
 * MessageSet v0/v1 up-conversion. The record-framing walk is checked against a reference
 * spelled with batch_rec_next, on hand-made violations and on random damage. */
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
    tu_fix_crc(wb.p, wb.len);
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

/* ---- uncompressed framing: batch_validate against a reference built on batch_rec_next ---- */

/* What batch_validate answered before it walked records on bare pointers: the rules stated
 * in batch.h, spelled with the rbuf reader. */
static kerr_t reference_validate(const uint8_t *p, size_t len, bool contiguous)
{
    batch_hdr_t h;
    kerr_t err = batch_hdr_parse(p, len, &h);
    if (err == KERR__AGAIN) return KERR__BAD_MSG;
    if (err) return err;
    if (h.magic != BATCH_MAGIC_V2) return KERR_UNSUPPORTED_FOR_MESSAGE_FORMAT;
    size_t size = batch_size(&h);
    if (crc32c(0, p + 21, size - 21) != h.crc) return KERR_CORRUPT_MESSAGE;
    if (h.record_count < 0) return KERR_CORRUPT_MESSAGE;
    if (batch_codec(&h) > BATCH_CODEC_ZSTD) return KERR_UNSUPPORTED_COMPRESSION_TYPE;
    if (batch_codec(&h) != BATCH_CODEC_NONE) return KERR_NONE;
    if (contiguous && h.last_offset_delta != h.record_count - 1 && h.record_count > 0)
        return KERR_CORRUPT_MESSAGE;
    rbuf_t rb;
    rbuf_init(&rb, p + BATCH_HDR_SIZE, size - BATCH_HDR_SIZE);
    batch_rec_t r;
    int32_t n = 0, prev = -1;
    while (batch_rec_next(&rb, &r)) {
        if (contiguous ? r.offset_delta != n
                       : r.offset_delta <= prev || r.offset_delta > h.last_offset_delta)
            return KERR_CORRUPT_MESSAGE;
        prev = r.offset_delta;
        n++;
    }
    if (rbuf_err(&rb) || n != h.record_count) return KERR_CORRUPT_MESSAGE;
    return KERR_NONE;
}

/* Records with null and empty keys, long (multi-byte varint) values and headers. */
static void mixed_batch(wbuf_t *wb)
{
    batch_builder_t b;
    batch_builder_init(&b, 1000);
    char big[400];
    memset(big, 'x', sizeof(big));
    const uint8_t hdr[] = {0x02, 'k', 0x02, 'v'}; /* one header: key "k", value "v" */
    batch_builder_add(&b, 0, 1000, NULL, -1, "a", 1, 0, NULL, 0);
    batch_builder_add(&b, 1, 1001, "", 0, big, (int32_t)sizeof(big), 0, NULL, 0);
    batch_builder_add(&b, 2, 999, "key", 3, NULL, -1, 1, hdr, sizeof(hdr));
    batch_builder_add(&b, 3, 1000000, big, 200, "", 0, 0, NULL, 0);
    batch_builder_finish(&b, NULL, wb);
    batch_builder_free(&b);
}

START_TEST(test_framing_valid_mixed_records)
{
    wbuf_t wb;
    wbuf_init(&wb);
    mixed_batch(&wb);
    batch_hdr_t h;
    ck_assert_int_eq(batch_validate(wb.p, wb.len, &h), KERR_NONE);
    ck_assert_int_eq(batch_validate_stored(wb.p, wb.len, &h), KERR_NONE);
    ck_assert_int_eq(h.record_count, 4);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_framing_violations_are_corrupt)
{
    wbuf_t wb;
    wbuf_init(&wb);
    batch_hdr_t h;
    /* record 0 (null key, value "a"): length at 61, attributes 62, timestamp delta 63, offset
     * delta 64, key length 65, value length 66, value 67, header count 68 */
    static const struct {
        size_t at;
        uint8_t v;
    } cases[] = {
        {61, 0x7f}, /* record length -64: negative */
        {61, 0x7e}, /* record length 63: runs into the next records */
        {61, 0x00}, /* record length 0: no room for the attributes */
        {64, 0x02}, /* offset delta 1 where 0 is due */
        {65, 0x10}, /* key length 8, past the record */
        {65, 0x7d}, /* key length -63: null (as -1), the rest misreads */
        {68, 0x01}, /* header count -1 */
        {61, 0xff}, /* an unterminated varint running into the next bytes */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        wb.len = 0;
        mixed_batch(&wb);
        wb.p[cases[i].at] = cases[i].v;
        tu_fix_crc(wb.p, wb.len);
        ck_assert_int_eq(batch_validate(wb.p, wb.len, &h), reference_validate(wb.p, wb.len, true));
        ck_assert_int_eq(batch_validate_stored(wb.p, wb.len, &h),
                         reference_validate(wb.p, wb.len, false));
    }
    /* an over-long (6-byte) varint as the record length */
    wb.len = 0;
    mixed_batch(&wb);
    memset(wb.p + 61, 0x80, 5);
    tu_fix_crc(wb.p, wb.len);
    ck_assert_int_eq(batch_validate(wb.p, wb.len, &h), KERR_CORRUPT_MESSAGE);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_framing_matches_reference_under_random_damage)
{
    wbuf_t wb;
    wbuf_init(&wb);
    srand(7);
    int corrupt = 0;
    for (int it = 0; it < 20000; it++) {
        wb.len = 0;
        if (it % 2)
            mixed_batch(&wb);
        else
            tu_batch(&wb, 1 + it % 9, "value", 5);
        int flips = 1 + rand() % 3;
        for (int f = 0; f < flips; f++) {
            size_t at = BATCH_HDR_SIZE + (size_t)rand() % (wb.len - BATCH_HDR_SIZE);
            wb.p[at] = (uint8_t)(rand() % 3 ? rand() : (rand() % 2 ? 0x80 : 0x7f));
        }
        tu_fix_crc(wb.p, wb.len);
        batch_hdr_t h;
        kerr_t got = batch_validate(wb.p, wb.len, &h);
        ck_assert_int_eq(got, reference_validate(wb.p, wb.len, true));
        ck_assert_int_eq(batch_validate_stored(wb.p, wb.len, &h),
                         reference_validate(wb.p, wb.len, false));
        corrupt += got == KERR_CORRUPT_MESSAGE;
    }
    /* both outcomes are exercised: damage in keys and values leaves the framing intact */
    ck_assert_int_gt(corrupt, 3000);
    ck_assert_int_lt(corrupt, 17000);
    wbuf_free(&wb);
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
    tcase_add_test(tc, test_framing_valid_mixed_records);
    tcase_add_test(tc, test_framing_violations_are_corrupt);
    tcase_add_test(tc, test_framing_matches_reference_under_random_damage);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
