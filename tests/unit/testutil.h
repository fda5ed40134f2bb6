/* testutil.h: helpers shared by the Check suites: build RecordBatch v2 bytes by hand. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <stdlib.h>

#include "arena.h"
#include "buf.h"
#include "bytes.h"
#include "rec/batch.h"
#include "rec/crc32c.h"

/* A codec's decoder, as tu_decode_prefixes() calls it. */
typedef kerr_t (*tu_decode_fn)(rbuf_t *, int16_t, arena_t *, void *);
#define TU_DEC(f) ((tu_decode_fn)(f))

/* Every strict prefix of wb fails to decode (exact-size copies, so ASan sees any overread);
 * the whole buffer decodes into out, whose views stay valid until the process exits. */
static inline void tu_decode_prefixes(tu_decode_fn fn, int16_t ver, const wbuf_t *wb, void *out)
{
    static arena_t keep;
    for (size_t cut = 0; cut < wb->len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, wb->p, cut);
        rbuf_t rb;
        rbuf_init(&rb, copy, cut);
        arena_t a;
        arena_init(&a);
        ck_assert_int_ne(fn(&rb, ver, &a, out), KERR_NONE);
        arena_free(&a);
        free(copy);
    }
    rbuf_t rb;
    rbuf_init(&rb, wb->p, wb->len);
    ck_assert_int_eq(fn(&rb, ver, &keep, out), KERR_NONE);
}

/* Recompute the CRC32C of the batch at p (len bytes) after a test edited its header. */
static inline void tu_fix_crc(uint8_t *p, size_t len)
{
    bytes_put_be32(p + 17, crc32c(0, p + 21, len - 21));
}

/* Append one uncompressed v2 batch of n records "<prefix>-<i>" with timestamps ts0 + i. */
static inline void tu_batch(wbuf_t *out, int n, const char *prefix, int64_t ts0)
{
    wbuf_t recs;
    wbuf_init(&recs);
    for (int i = 0; i < n; i++) {
        char val[64];
        int vl = snprintf(val, sizeof(val), "%s-%d", prefix, i);
        wbuf_t r;
        wbuf_init(&r);
        wbuf_i8(&r, 0);
        wbuf_varlong(&r, i);
        wbuf_varint(&r, i);
        wbuf_varint(&r, -1);
        wbuf_varint(&r, vl);
        wbuf_append(&r, val, (size_t)vl);
        wbuf_varint(&r, 0);
        wbuf_varint(&recs, (int32_t)r.len);
        wbuf_append(&recs, r.p, r.len);
        wbuf_free(&r);
    }
    size_t start = out->len;
    wbuf_i64(out, 0);
    wbuf_i32(out, (int32_t)(BATCH_HDR_SIZE - BATCH_LOG_OVERHEAD + recs.len));
    wbuf_i32(out, -1);
    wbuf_i8(out, 2);
    wbuf_u32(out, 0);
    wbuf_i16(out, 0);
    wbuf_i32(out, n - 1);
    wbuf_i64(out, ts0);
    wbuf_i64(out, ts0 + n - 1);
    wbuf_i64(out, -1);
    wbuf_i16(out, -1);
    wbuf_i32(out, -1);
    wbuf_i32(out, n);
    wbuf_append(out, recs.p, recs.len);
    wbuf_free(&recs);
    tu_fix_crc(out->p + start, out->len - start);
}

#define TU_MAIN(suite_fn)                                                                          \
    int main(void)                                                                                 \
    {                                                                                              \
        SRunner *sr = srunner_create(suite_fn());                                                  \
        srunner_run_all(sr, CK_NORMAL);                                                            \
        int failed = srunner_ntests_failed(sr);                                                    \
        srunner_free(sr);                                                                          \
        return failed ? 1 : 0;                                                                     \
    }

#endif
