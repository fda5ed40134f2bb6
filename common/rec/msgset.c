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
    batch_builder_t bb;
    batch_builder_init(&bb, -1);
    int64_t max_ts = -1;
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
        if (*count == 0) bb.base_ts = ts;
        if (ts > max_ts) max_ts = ts;
        batch_builder_add(&bb, *count, ts, key.p ? key.p : (const uint8_t *)"", key.len,
                          val.p ? val.p : (const uint8_t *)"", val.len, 0, NULL, 0);
        (*count)++;
        if (bb.recs.len > max_out) err = KERR__TOO_LARGE;
    }
    if (!err && *count == 0) err = KERR_CORRUPT_MESSAGE;
    if (!err) {
        bb.max_ts = max_ts;
        batch_builder_finish(&bb, NULL, out);
    }
    batch_builder_free(&bb);
    return err;
}
