/* msgset.c: legacy MessageSet -> RecordBatch v2. */
#include "msgset.h"

#include <string.h>
#include <zlib.h>

#include "batch.h"
#include "crc32c.h"

kerr_t msgset_to_batch(const uint8_t *p, size_t len, int64_t now_ms, size_t max_out, wbuf_t *out,
                       int32_t *count)
{
    (void)now_ms;
    *count = 0;
    wbuf_t recs;
    wbuf_init(&recs);
    int64_t base_ts = -1, max_ts = -1;
    rbuf_t rb;
    rbuf_init(&rb, p, len);
    kerr_t err = KERR_NONE;
    while (rbuf_left(&rb) >= 12 && !err) {
        (void)rbuf_i64(&rb); /* offset: assigned by the log */
        int32_t size = rbuf_i32(&rb);
        if (size < 14 || (size_t)size > rbuf_left(&rb)) break; /* partial trailing message */
        const uint8_t *m = rbuf_take(&rb, (size_t)size);
        rbuf_t mr;
        rbuf_init(&mr, m, (size_t)size);
        uint32_t crc = rbuf_u32(&mr);
        if ((uint32_t)crc32(0, m + 4, (uInt)(size - 4)) != crc) {
            err = KERR_CORRUPT_MESSAGE;
            break;
        }
        int8_t magic = rbuf_i8(&mr);
        int8_t attr = rbuf_i8(&mr);
        int64_t ts = magic >= 1 ? rbuf_i64(&mr) : -1;
        kbytes_t key = rbuf_bytes(&mr);
        kbytes_t val = rbuf_bytes(&mr);
        if (rbuf_err(&mr) || magic > 1) {
            err = KERR_CORRUPT_MESSAGE;
            break;
        }
        if (attr & 0x07) {
            err = KERR_UNSUPPORTED_COMPRESSION_TYPE;
            break;
        }
        if (*count == 0) base_ts = ts;
        if (ts > max_ts) max_ts = ts;
        /* record: length, attributes, timestampDelta, offsetDelta, key, value, headers */
        wbuf_t r;
        wbuf_init(&r);
        wbuf_i8(&r, 0);
        wbuf_varlong(&r, ts >= 0 && base_ts >= 0 ? ts - base_ts : 0);
        wbuf_varint(&r, *count);
        wbuf_varint(&r, key.len);
        if (key.len > 0) wbuf_append(&r, key.p, (size_t)key.len);
        wbuf_varint(&r, val.len);
        if (val.len > 0) wbuf_append(&r, val.p, (size_t)val.len);
        wbuf_varint(&r, 0);
        wbuf_varint(&recs, (int32_t)r.len);
        wbuf_append(&recs, r.p, r.len);
        wbuf_free(&r);
        (*count)++;
        if (recs.len > max_out) err = KERR__TOO_LARGE;
    }
    if (!err && *count == 0) err = KERR_CORRUPT_MESSAGE;
    if (err) {
        wbuf_free(&recs);
        return err;
    }
    size_t start = out->len;
    wbuf_i64(out, 0);                                                         /* baseOffset */
    wbuf_i32(out, (int32_t)(BATCH_HDR_SIZE - BATCH_LOG_OVERHEAD + recs.len)); /* batchLength */
    wbuf_i32(out, -1); /* partitionLeaderEpoch */
    wbuf_i8(out, BATCH_MAGIC_V2);
    size_t crc_at = out->len;
    wbuf_u32(out, 0);
    wbuf_i16(out, 0);          /* attributes: CreateTime, uncompressed */
    wbuf_i32(out, *count - 1); /* lastOffsetDelta */
    wbuf_i64(out, base_ts);
    wbuf_i64(out, max_ts);
    wbuf_i64(out, -1); /* producerId */
    wbuf_i16(out, -1); /* producerEpoch */
    wbuf_i32(out, -1); /* baseSequence */
    wbuf_i32(out, *count);
    wbuf_append(out, recs.p, recs.len);
    wbuf_free(&recs);
    uint32_t c = crc32c(0, out->p + crc_at + 4, out->len - crc_at - 4);
    out->p[crc_at] = (uint8_t)(c >> 24);
    out->p[crc_at + 1] = (uint8_t)(c >> 16);
    out->p[crc_at + 2] = (uint8_t)(c >> 8);
    out->p[crc_at + 3] = (uint8_t)c;
    (void)start;
    return KERR_NONE;
}
