/* batch.h: RecordBatch v2 (magic 2), the only format stored and served.
 *
 * Layout (big-endian), 61-byte header then records:
 *   0 baseOffset i64 | 8 batchLength i32 (bytes after this field) | 12 partitionLeaderEpoch i32
 *  16 magic i8 | 17 crc u32 (CRC-32C of bytes 21..end) | 21 attributes i16
 *  23 lastOffsetDelta i32 | 27 baseTimestamp i64 | 35 maxTimestamp i64 | 43 producerId i64
 *  51 producerEpoch i16 | 53 baseSequence i32 | 57 recordCount i32 | 61 records...
 * attributes: bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd), bit 3
 * timestampType (1 = LogAppendTime), bit 4 isTransactional, bit 5 isControlBatch.
 *
 * All functions work on caller-owned memory and never allocate unless stated. Any thread. */
#ifndef BATCH_H
#define BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "kerr.h"

#define BATCH_HDR_SIZE              61
#define BATCH_LOG_OVERHEAD          12 /* baseOffset + batchLength */
#define BATCH_MAGIC_V2              2
#define BATCH_ATTR_COMPRESSION_MASK 0x07
#define BATCH_ATTR_LOG_APPEND_TIME  0x08
#define BATCH_ATTR_TRANSACTIONAL    0x10
#define BATCH_ATTR_CONTROL          0x20

typedef enum batch_codec {
    BATCH_CODEC_NONE = 0,
    BATCH_CODEC_GZIP = 1,
    BATCH_CODEC_SNAPPY = 2,
    BATCH_CODEC_LZ4 = 3,
    BATCH_CODEC_ZSTD = 4,
} batch_codec_t;

typedef struct batch_hdr {
    int64_t base_offset;
    int32_t length; /* batchLength: total size is length + BATCH_LOG_OVERHEAD */
    int32_t partition_leader_epoch;
    int8_t magic;
    uint32_t crc;
    int16_t attributes;
    int32_t last_offset_delta;
    int64_t base_timestamp;
    int64_t max_timestamp;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    int32_t record_count;
} batch_hdr_t;

/* Total bytes of the batch at p (header included). */
static inline size_t batch_size(const batch_hdr_t *h)
{
    return (size_t)h->length + BATCH_LOG_OVERHEAD;
}
static inline int64_t batch_last_offset(const batch_hdr_t *h)
{
    return h->base_offset + h->last_offset_delta;
}
static inline batch_codec_t batch_codec(const batch_hdr_t *h)
{
    return (batch_codec_t)(h->attributes & BATCH_ATTR_COMPRESSION_MASK);
}

/* Parse the 61-byte header at p (len bytes available). Checks only that the header fits, that
 * length >= BATCH_HDR_SIZE - BATCH_LOG_OVERHEAD and that the whole batch fits in len.
 * KERR__BAD_MSG otherwise; KERR__AGAIN when len < BATCH_LOG_OVERHEAD + batchLength but the
 * header looks sane (a partial batch, e.g. at a fetch boundary or a torn log tail). */
kerr_t batch_hdr_parse(const uint8_t *p, size_t len, batch_hdr_t *h);

/* Full validation of one batch as a leader does before appending: header as above, magic 2,
 * CRC-32C, record_count >= 0, last_offset_delta consistent with record_count when
 * uncompressed, and for uncompressed batches each record's framing (lengths within the batch,
 * exactly record_count records). Returns KERR_CORRUPT_MESSAGE on CRC or framing errors,
 * KERR_UNSUPPORTED_FOR_MESSAGE_FORMAT for magic != 2, KERR__BAD_MSG when it does not fit. */
kerr_t batch_validate(const uint8_t *p, size_t len, batch_hdr_t *h);

/* Validation of a batch read back from the log (recovery): as batch_validate, except that
 * record offset deltas may have gaps (a compacted batch keeps only some of its records). */
kerr_t batch_validate_stored(const uint8_t *p, size_t len, batch_hdr_t *h);

/* Stamp fields not covered by the CRC (in place). */
void batch_set_base_offset(uint8_t *p, int64_t base_offset);
void batch_set_leader_epoch(uint8_t *p, int32_t epoch);
/* Set timestampType=LogAppendTime and maxTimestamp=ts, then recompute the CRC (in place). */
void batch_set_log_append_time(uint8_t *p, size_t size, int64_t ts);

/* One record of an uncompressed (or decompressed) records section. Views into the buffer. */
typedef struct batch_rec {
    int8_t attributes;
    int64_t timestamp_delta;
    int32_t offset_delta;
    kbytes_t key;   /* len -1 = null */
    kbytes_t value; /* len -1 = null */
    int32_t header_count;
    const uint8_t *headers; /* raw header bytes */
    size_t headers_len;
} batch_rec_t;

/* Iterate the records section rb (the bytes after the 61-byte header, decompressed).
 * Returns true and fills r for each record; false at the end or on error (rbuf_err set). */
bool batch_rec_next(rbuf_t *rb, batch_rec_t *r);

/* ---- building uncompressed batches (the broker's own records, the log cleaner) ----
 * Records are added with absolute timestamps and their offset delta; finish writes the
 * 61-byte header (CRC computed) and the records to out. */
typedef struct batch_builder {
    wbuf_t recs;
    int32_t count;
    int32_t last_delta;
    int64_t base_ts, max_ts;
} batch_builder_t;

void batch_builder_init(batch_builder_t *b, int64_t base_ts);
void batch_builder_free(batch_builder_t *b);
/* key / value: NULL (or len -1) = null. headers: header_count raw header bytes, may be 0. */
void batch_builder_add(batch_builder_t *b, int32_t offset_delta, int64_t ts, const void *key,
                       int32_t klen, const void *value, int32_t vlen, int32_t header_count,
                       const uint8_t *headers, size_t headers_len);
/* Header fields come from tmpl when given (base offset, leader epoch, attributes without the
 * codec bits, producer id/epoch/sequence, and a last offset delta at least the records'),
 * else defaults (offset 0, no producer, CreateTime). */
void batch_builder_finish(batch_builder_t *b, const batch_hdr_t *tmpl, wbuf_t *out);

#endif
