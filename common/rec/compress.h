/* compress.h: the record codecs of RecordBatch v2 (attributes bits 0-2), decompression side,
 * and a reader over a batch's records section that decompresses when needed.
 *   gzip   zlib inflate (gzip or zlib framing)
 *   snappy raw snappy, or the xerial framing Java clients write ("\x82SNAPPY\0" + blocks)
 *   lz4    the LZ4 frame format (KIP-57)
 *   zstd   zstd frames
 * Output is bounded by max_out: a batch that inflates past it is refused (KERR__TOO_LARGE),
 * so a small hostile batch cannot make the broker allocate without limit.
 * Owner: the caller owns out (a wbuf it frees). Any thread. */
#ifndef COMPRESS_H
#define COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "kerr.h"

/* Append the decompressed form of in[0..len) to out. KERR_NONE, KERR__BAD_MSG (corrupt
 * input), KERR__TOO_LARGE (more than max_out bytes), KERR_UNSUPPORTED_COMPRESSION_TYPE. */
kerr_t compress_inflate(batch_codec_t codec, const uint8_t *in, size_t len, size_t max_out,
                        wbuf_t *out);

/* Position rb on the records of the whole batch p[0..size) (header already parsed into h):
 * a view into p when uncompressed, else into scratch (reset first) after decompression. */
kerr_t compress_batch_records(const uint8_t *p, size_t size, const batch_hdr_t *h, size_t max_out,
                              wbuf_t *scratch, rbuf_t *rb);

/* A state loader's walk (group and transaction coordinators) over the whole batches at the
 * start of buf[0..len): rec(arg, h, r) for every record at or past offset from of the data
 * batches (a batch that does not decompress within max_out is passed over), ctrl(arg, h,
 * batch, size) for every control batch at or past from (ctrl may be NULL). Returns the offset
 * after the last whole batch, from when there is none. */
typedef void compress_rec_fn(void *arg, const batch_hdr_t *h, const batch_rec_t *r);
typedef void compress_ctrl_fn(void *arg, const batch_hdr_t *h, const uint8_t *batch, size_t size);
int64_t compress_walk(const uint8_t *buf, size_t len, int64_t from, size_t max_out,
                      compress_rec_fn *rec, compress_ctrl_fn *ctrl, void *arg);

#endif
