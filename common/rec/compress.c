/* compress.c: decompression for the four batch codecs (see compress.h). */
#include "compress.h"

#include <lz4frame.h>
#include <snappy-c.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "bytes.h"

/* Output grows a chunk at a time and is checked after each step, so a stream whose output is
 * exactly max_out passes and a hostile one stops at most one chunk past the bound. */
#define COMPRESS_CHUNK (64 * 1024)

static kerr_t compress_gzip(const uint8_t *in, size_t len, size_t max_out, wbuf_t *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 15 + 32) != Z_OK) return KERR__NOMEM; /* gzip or zlib header */
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    size_t start = out->len;
    kerr_t err = KERR_NONE;
    for (;;) {
        zs.next_out = wbuf_ensure(out, COMPRESS_CHUNK);
        zs.avail_out = COMPRESS_CHUNK;
        int rc = inflate(&zs, Z_NO_FLUSH);
        out->len += COMPRESS_CHUNK - zs.avail_out;
        if (out->len - start > max_out) {
            err = KERR__TOO_LARGE;
            break;
        }
        if (rc == Z_STREAM_END) break;
        if (rc != Z_OK || (zs.avail_in == 0 && zs.avail_out != 0)) {
            err = KERR__BAD_MSG;
            break;
        }
    }
    inflateEnd(&zs);
    return err;
}

static kerr_t compress_snappy_block(const uint8_t *in, size_t len, size_t max_out, wbuf_t *out)
{
    size_t n;
    if (snappy_uncompressed_length((const char *)in, len, &n) != SNAPPY_OK) return KERR__BAD_MSG;
    if (n > max_out) return KERR__TOO_LARGE;
    char *dst = (char *)wbuf_ensure(out, n ? n : 1);
    if (snappy_uncompress((const char *)in, len, dst, &n) != SNAPPY_OK) return KERR__BAD_MSG;
    out->len += n;
    return KERR_NONE;
}

static kerr_t compress_snappy(const uint8_t *in, size_t len, size_t max_out, wbuf_t *out)
{
    static const uint8_t xerial[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    if (len < 16 || memcmp(in, xerial, 8) != 0) return compress_snappy_block(in, len, max_out, out);
    size_t start = out->len, pos = 16; /* magic, version, compatible version */
    while (pos < len) {
        if (len - pos < 4) return KERR__BAD_MSG;
        uint32_t bl = bytes_get_be32(in + pos);
        pos += 4;
        if (bl > len - pos) return KERR__BAD_MSG;
        size_t used = out->len - start;
        kerr_t err = compress_snappy_block(in + pos, bl, max_out - used, out);
        if (err) return err;
        pos += bl;
    }
    return KERR_NONE;
}

static kerr_t compress_lz4(const uint8_t *in, size_t len, size_t max_out, wbuf_t *out)
{
    LZ4F_dctx *dctx;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) return KERR__NOMEM;
    size_t start = out->len, pos = 0;
    kerr_t err = KERR_NONE;
    size_t hint = 1;
    while (pos < len && hint != 0) {
        size_t dst_n = COMPRESS_CHUNK, src_n = len - pos;
        hint =
            LZ4F_decompress(dctx, wbuf_ensure(out, COMPRESS_CHUNK), &dst_n, in + pos, &src_n, NULL);
        if (LZ4F_isError(hint)) {
            err = KERR__BAD_MSG;
            break;
        }
        out->len += dst_n;
        pos += src_n;
        if (out->len - start > max_out) {
            err = KERR__TOO_LARGE;
            break;
        }
        if (src_n == 0 && dst_n == 0) {
            err = KERR__BAD_MSG;
            break;
        }
    }
    if (!err && hint != 0) err = KERR__BAD_MSG; /* frame not finished */
    LZ4F_freeDecompressionContext(dctx);
    return err;
}

static kerr_t compress_zstd(const uint8_t *in, size_t len, size_t max_out, wbuf_t *out)
{
    ZSTD_DStream *ds = ZSTD_createDStream();
    if (!ds) return KERR__NOMEM;
    ZSTD_initDStream(ds);
    ZSTD_inBuffer ib = {in, len, 0};
    size_t start = out->len;
    kerr_t err = KERR_NONE;
    size_t rc = 1;
    while (ib.pos < ib.size || rc != 0) {
        ZSTD_outBuffer ob = {wbuf_ensure(out, COMPRESS_CHUNK), COMPRESS_CHUNK, 0};
        size_t before = ib.pos;
        rc = ZSTD_decompressStream(ds, &ob, &ib);
        if (ZSTD_isError(rc)) {
            err = KERR__BAD_MSG;
            break;
        }
        out->len += ob.pos;
        if (out->len - start > max_out) {
            err = KERR__TOO_LARGE;
            break;
        }
        if (ob.pos == 0 && ib.pos == before) {
            if (rc != 0) err = KERR__BAD_MSG; /* truncated frame */
            break;
        }
    }
    ZSTD_freeDStream(ds);
    return err;
}

typedef kerr_t compress_fn(const uint8_t *in, size_t len, size_t max_out, wbuf_t *out);

static compress_fn *const compress_inflaters[] = {
    [BATCH_CODEC_GZIP] = compress_gzip,
    [BATCH_CODEC_SNAPPY] = compress_snappy,
    [BATCH_CODEC_LZ4] = compress_lz4,
    [BATCH_CODEC_ZSTD] = compress_zstd,
};

kerr_t compress_inflate(batch_codec_t codec, const uint8_t *in, size_t len, size_t max_out,
                        wbuf_t *out)
{
    if (codec <= BATCH_CODEC_NONE || codec > BATCH_CODEC_ZSTD)
        return KERR_UNSUPPORTED_COMPRESSION_TYPE;
    return compress_inflaters[codec](in, len, max_out, out);
}

kerr_t compress_batch_records(const uint8_t *p, size_t size, const batch_hdr_t *h, size_t max_out,
                              wbuf_t *scratch, rbuf_t *rb)
{
    if (size < BATCH_HDR_SIZE) return KERR__BAD_MSG;
    if (batch_codec(h) == BATCH_CODEC_NONE) {
        rbuf_init(rb, p + BATCH_HDR_SIZE, size - BATCH_HDR_SIZE);
        return KERR_NONE;
    }
    wbuf_reset(scratch);
    kerr_t err = compress_inflate(batch_codec(h), p + BATCH_HDR_SIZE, size - BATCH_HDR_SIZE,
                                  max_out, scratch);
    if (err) return err;
    rbuf_init(rb, scratch->p, scratch->len);
    return KERR_NONE;
}

int64_t compress_walk(const uint8_t *buf, size_t len, int64_t from, size_t max_out,
                      compress_rec_fn *rec, compress_ctrl_fn *ctrl, void *arg)
{
    wbuf_t scratch;
    wbuf_init(&scratch);
    int64_t next = from;
    size_t off = 0;
    while (off < len) {
        batch_hdr_t h;
        if (batch_hdr_parse(buf + off, len - off, &h) != KERR_NONE) break;
        size_t sz = batch_size(&h);
        rbuf_t rb;
        if (h.attributes & BATCH_ATTR_CONTROL) {
            if (ctrl && h.base_offset >= from) ctrl(arg, &h, buf + off, sz);
        } else if (compress_batch_records(buf + off, sz, &h, max_out, &scratch, &rb) == KERR_NONE) {
            batch_rec_t r;
            while (batch_rec_next(&rb, &r))
                if (h.base_offset + r.offset_delta >= from) rec(arg, &h, &r);
        }
        next = batch_last_offset(&h) + 1;
        off += sz;
    }
    wbuf_free(&scratch);
    return next;
}
