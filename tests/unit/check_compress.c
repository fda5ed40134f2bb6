/* check_compress.c: the batch codecs' decompression (common/rec/compress.c). Each codec's input
 * is made here with the codec library itself, as a producer would: round trips byte for byte
 * (small, empty, and larger than the 64 KiB output chunk), output bounded by max_out, truncated
 * and damaged input refused without a crash, the xerial snappy framing Java clients write, and
 * a compressed batch's records read through compress_batch_records. */
#include <check.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "rec/compress.h"
#include "testutil.h"

static const batch_codec_t codecs[] = {BATCH_CODEC_GZIP, BATCH_CODEC_SNAPPY, BATCH_CODEC_LZ4,
                                       BATCH_CODEC_ZSTD};
#define NCODECS (sizeof(codecs) / sizeof(codecs[0]))

/* Compressible but not trivial: words with a counter, so every codec finds matches. */
static void fill(uint8_t *p, size_t n, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (i % 16 < 10) ? (uint8_t)('a' + (i / 16) % 26) : (uint8_t)(x >> 24);
    }
}

/* Compress in[0..n) with codec's own library into out (reset first). */
static void compress_with_library(batch_codec_t codec, const uint8_t *in, size_t n, wbuf_t *out)
{
    wbuf_reset(out);
    switch (codec) {
    case BATCH_CODEC_GZIP: {
        z_stream zs;
        memset(&zs, 0, sizeof(zs));
        ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
        size_t cap = deflateBound(&zs, n) + 32;
        zs.next_in = (Bytef *)in;
        zs.avail_in = (uInt)n;
        zs.next_out = wbuf_ensure(out, cap);
        zs.avail_out = (uInt)cap;
        ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
        out->len = cap - zs.avail_out;
        deflateEnd(&zs);
        break;
    }
    case BATCH_CODEC_SNAPPY: {
        size_t cap = snappy_max_compressed_length(n);
        char *dst = (char *)wbuf_ensure(out, cap);
        ck_assert_int_eq(snappy_compress((const char *)in, n, dst, &cap), SNAPPY_OK);
        out->len = cap;
        break;
    }
    case BATCH_CODEC_LZ4: {
        size_t cap = LZ4F_compressFrameBound(n, NULL);
        size_t got = LZ4F_compressFrame(wbuf_ensure(out, cap), cap, in, n, NULL);
        ck_assert(!LZ4F_isError(got));
        out->len = got;
        break;
    }
    case BATCH_CODEC_ZSTD: {
        size_t cap = ZSTD_compressBound(n);
        size_t got = ZSTD_compress(wbuf_ensure(out, cap), cap, in, n, 3);
        ck_assert(!ZSTD_isError(got));
        out->len = got;
        break;
    }
    default:
        ck_abort_msg("no such codec %d", codec);
    }
}

/* Decompress z with codec into a fresh wbuf and compare with want[0..n). */
static void assert_round_trip(batch_codec_t codec, const uint8_t *want, size_t n, const wbuf_t *z)
{
    wbuf_t out;
    wbuf_init(&out);
    wbuf_append(&out, "pre", 3); /* inflate appends: what was there stays */
    ck_assert_int_eq(compress_inflate(codec, z->p, z->len, n, &out), KERR_NONE);
    ck_assert_uint_eq(out.len, n + 3);
    ck_assert(memcmp(out.p, "pre", 3) == 0);
    ck_assert(n == 0 || memcmp(out.p + 3, want, n) == 0);
    wbuf_free(&out);
}

START_TEST(test_round_trip_every_codec_and_size)
{
    static const size_t sizes[] = {0, 1, 100, 4096, 65536, 65537, 300000};
    batch_codec_t codec = codecs[_i];
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        uint8_t *in = malloc(n ? n : 1);
        fill(in, n, (unsigned)(s + 7 * _i));
        wbuf_t z;
        wbuf_init(&z);
        compress_with_library(codec, in, n, &z);
        assert_round_trip(codec, in, n, &z);
        wbuf_free(&z);
        free(in);
    }
}
END_TEST

START_TEST(test_output_is_bounded_by_max_out)
{
    batch_codec_t codec = codecs[_i];
    size_t n = 200000;
    uint8_t *in = calloc(1, n); /* zeros: a tiny input that inflates a lot */
    wbuf_t z, out;
    wbuf_init(&z);
    wbuf_init(&out);
    compress_with_library(codec, in, n, &z);
    ck_assert_uint_lt(z.len, n / 20);
    ck_assert_int_eq(compress_inflate(codec, z.p, z.len, n - 1, &out), KERR__TOO_LARGE);
    ck_assert_uint_le(out.len, n + 64 * 1024); /* never much past the bound */
    wbuf_reset(&out);
    ck_assert_int_eq(compress_inflate(codec, z.p, z.len, 1000, &out), KERR__TOO_LARGE);
    wbuf_reset(&out);
    ck_assert_int_eq(compress_inflate(codec, z.p, z.len, n, &out), KERR_NONE); /* exactly fits */
    ck_assert_uint_eq(out.len, n);
    wbuf_free(&out);
    wbuf_free(&z);
    free(in);
}
END_TEST

START_TEST(test_truncated_input_is_refused)
{
    batch_codec_t codec = codecs[_i];
    size_t n = 20000;
    uint8_t *in = malloc(n);
    fill(in, n, 3);
    wbuf_t z, out;
    wbuf_init(&z);
    wbuf_init(&out);
    compress_with_library(codec, in, n, &z);
    for (size_t cut = 0; cut < z.len; cut += (cut < 64 ? 1 : 97)) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size, so ASan sees any overread */
        memcpy(copy, z.p, cut);
        wbuf_reset(&out);
        kerr_t err = compress_inflate(codec, copy, cut, n, &out);
        ck_assert_msg(err != KERR_NONE || out.len != n || memcmp(out.p, in, n) != 0,
                      "codec %d: a %zu of %zu byte prefix decoded to the whole input", codec, cut,
                      z.len);
        ck_assert_msg(err != KERR_NONE || out.len < n, "codec %d: prefix %zu gave %zu bytes", codec,
                      cut, out.len);
        free(copy);
    }
    wbuf_free(&out);
    wbuf_free(&z);
    free(in);
}
END_TEST

/* Damage anywhere may or may not be detected (snappy and lz4 without content checksums carry
 * no check of their own; the batch CRC covers them), but it must never crash, overread or
 * exceed max_out. */
START_TEST(test_damaged_input_never_crashes)
{
    batch_codec_t codec = codecs[_i];
    size_t n = 5000;
    uint8_t *in = malloc(n);
    fill(in, n, 11);
    wbuf_t z, out;
    wbuf_init(&z);
    wbuf_init(&out);
    compress_with_library(codec, in, n, &z);
    uint8_t *copy = malloc(z.len);
    uint32_t x = 99;
    for (int round = 0; round < 2000; round++) {
        memcpy(copy, z.p, z.len);
        for (int k = 0; k < 1 + round % 4; k++) {
            x = x * 1103515245u + 12345u;
            copy[(x >> 8) % z.len] ^= (uint8_t)(1u << ((x >> 4) % 8));
        }
        wbuf_reset(&out);
        kerr_t err = compress_inflate(codec, copy, z.len, n, &out);
        ck_assert(err == KERR_NONE || err == KERR__BAD_MSG || err == KERR__TOO_LARGE);
        ck_assert_uint_le(out.len, n + 64 * 1024);
    }
    free(copy);
    wbuf_free(&out);
    wbuf_free(&z);
    free(in);
}
END_TEST

START_TEST(test_gzip_accepts_zlib_framing_too)
{
    uint8_t in[3000];
    fill(in, sizeof(in), 5);
    uLongf cap = compressBound(sizeof(in));
    wbuf_t z;
    wbuf_init(&z);
    ck_assert_int_eq(compress2(wbuf_ensure(&z, cap), &cap, in, sizeof(in), 6), Z_OK);
    z.len = cap;
    assert_round_trip(BATCH_CODEC_GZIP, in, sizeof(in), &z);
    wbuf_free(&z);
}
END_TEST

/* Java's snappy-java writes "\x82SNAPPY\0", version 1, compatible version 1, then blocks each
 * preceded by a big-endian length. */
static void xerial_header(wbuf_t *z)
{
    static const uint8_t magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    wbuf_append(z, magic, 8);
    wbuf_i32(z, 1);
    wbuf_i32(z, 1);
}

static void xerial_block(wbuf_t *z, const uint8_t *in, size_t n)
{
    size_t cap = snappy_max_compressed_length(n);
    char *tmp = malloc(cap);
    ck_assert_int_eq(snappy_compress((const char *)in, n, tmp, &cap), SNAPPY_OK);
    wbuf_i32(z, (int32_t)cap);
    wbuf_append(z, tmp, cap);
    free(tmp);
}

START_TEST(test_snappy_xerial_framing)
{
    size_t n = 100000;
    uint8_t *in = malloc(n);
    fill(in, n, 8);
    wbuf_t z, out;
    wbuf_init(&z);
    wbuf_init(&out);
    xerial_header(&z);
    xerial_block(&z, in, 32768); /* snappy-java's default block */
    xerial_block(&z, in + 32768, 32768);
    xerial_block(&z, in + 65536, n - 65536);
    assert_round_trip(BATCH_CODEC_SNAPPY, in, n, &z);

    /* bounded across blocks */
    ck_assert_int_eq(compress_inflate(BATCH_CODEC_SNAPPY, z.p, z.len, 70000, &out),
                     KERR__TOO_LARGE);
    /* a block length past the end, and a torn length field */
    wbuf_t bad;
    wbuf_init(&bad);
    xerial_header(&bad);
    wbuf_i32(&bad, 1000);
    wbuf_append(&bad, "abc", 3);
    wbuf_reset(&out);
    ck_assert_int_eq(compress_inflate(BATCH_CODEC_SNAPPY, bad.p, bad.len, n, &out), KERR__BAD_MSG);
    wbuf_reset(&bad);
    xerial_header(&bad);
    wbuf_append(&bad, "\0\0", 2);
    wbuf_reset(&out);
    ck_assert_int_eq(compress_inflate(BATCH_CODEC_SNAPPY, bad.p, bad.len, n, &out), KERR__BAD_MSG);
    wbuf_free(&bad);
    wbuf_free(&out);
    wbuf_free(&z);
    free(in);
}
END_TEST

START_TEST(test_unknown_codec_is_unsupported)
{
    wbuf_t out;
    wbuf_init(&out);
    ck_assert_int_eq(compress_inflate(BATCH_CODEC_NONE, (const uint8_t *)"x", 1, 10, &out),
                     KERR_UNSUPPORTED_COMPRESSION_TYPE);
    ck_assert_int_eq(compress_inflate((batch_codec_t)5, (const uint8_t *)"x", 1, 10, &out),
                     KERR_UNSUPPORTED_COMPRESSION_TYPE);
    ck_assert_int_eq(compress_inflate((batch_codec_t)7, (const uint8_t *)"x", 1, 10, &out),
                     KERR_UNSUPPORTED_COMPRESSION_TYPE);
    ck_assert_uint_eq(out.len, 0);
    wbuf_free(&out);
}
END_TEST

/* A batch whose records section is compressed: compress_batch_records yields the same records
 * as the uncompressed batch, and an uncompressed batch is read in place. */
START_TEST(test_batch_records_through_each_codec)
{
    batch_codec_t codec = codecs[_i];
    wbuf_t plain, packed, z, scratch;
    wbuf_init(&plain);
    wbuf_init(&packed);
    wbuf_init(&z);
    wbuf_init(&scratch);
    tu_batch(&plain, 50, "rec", 1000);
    batch_hdr_t h;
    ck_assert_int_eq(batch_validate(plain.p, plain.len, &h), KERR_NONE);

    rbuf_t rb;
    ck_assert_int_eq(compress_batch_records(plain.p, plain.len, &h, 1 << 20, &scratch, &rb),
                     KERR_NONE);
    ck_assert(rb.p == plain.p + BATCH_HDR_SIZE); /* a view, not a copy */

    compress_with_library(codec, plain.p + BATCH_HDR_SIZE, plain.len - BATCH_HDR_SIZE, &z);
    wbuf_append(&packed, plain.p, BATCH_HDR_SIZE);
    wbuf_append(&packed, z.p, z.len);
    h.attributes = (int16_t)((h.attributes & ~BATCH_ATTR_COMPRESSION_MASK) | codec);
    ck_assert_int_eq(compress_batch_records(packed.p, packed.len, &h, 1 << 20, &scratch, &rb),
                     KERR_NONE);
    batch_rec_t r;
    int n = 0;
    while (batch_rec_next(&rb, &r)) {
        char want[16];
        snprintf(want, sizeof(want), "rec-%d", n);
        ck_assert_int_eq(r.value.len, (int)strlen(want));
        ck_assert(memcmp(r.value.p, want, strlen(want)) == 0);
        n++;
    }
    ck_assert_int_eq(n, 50);
    ck_assert_int_eq(compress_batch_records(packed.p, packed.len, &h, 10, &scratch, &rb),
                     KERR__TOO_LARGE);
    ck_assert_int_eq(
        compress_batch_records(packed.p, BATCH_HDR_SIZE - 1, &h, 1 << 20, &scratch, &rb),
        KERR__BAD_MSG);
    wbuf_free(&scratch);
    wbuf_free(&z);
    wbuf_free(&packed);
    wbuf_free(&plain);
}
END_TEST

static Suite *compress_suite(void)
{
    Suite *s = suite_create("compress");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_round_trip_every_codec_and_size, 0, NCODECS);
    tcase_add_loop_test(tc, test_output_is_bounded_by_max_out, 0, NCODECS);
    tcase_add_loop_test(tc, test_truncated_input_is_refused, 0, NCODECS);
    tcase_add_loop_test(tc, test_damaged_input_never_crashes, 0, NCODECS);
    tcase_add_test(tc, test_gzip_accepts_zlib_framing_too);
    tcase_add_test(tc, test_snappy_xerial_framing);
    tcase_add_test(tc, test_unknown_codec_is_unsupported);
    tcase_add_loop_test(tc, test_batch_records_through_each_codec, 0, NCODECS);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(compress_suite)
