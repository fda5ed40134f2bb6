/* batch.c: RecordBatch v2 header parsing, validation and in-place stamping. */
#include "batch.h"

#include "bytes.h"
#include "crc32c.h"

kerr_t batch_hdr_parse(const uint8_t *p, size_t len, batch_hdr_t *h)
{
    if (len < BATCH_LOG_OVERHEAD) return KERR__AGAIN;
    h->base_offset = (int64_t)bytes_get_be64(p);
    h->length = (int32_t)bytes_get_be32(p + 8);
    if (h->length < BATCH_HDR_SIZE - BATCH_LOG_OVERHEAD) return KERR__BAD_MSG;
    if (len < BATCH_HDR_SIZE) return KERR__AGAIN;
    h->partition_leader_epoch = (int32_t)bytes_get_be32(p + 12);
    h->magic = (int8_t)p[16];
    h->crc = bytes_get_be32(p + 17);
    h->attributes = (int16_t)bytes_get_be16(p + 21);
    h->last_offset_delta = (int32_t)bytes_get_be32(p + 23);
    h->base_timestamp = (int64_t)bytes_get_be64(p + 27);
    h->max_timestamp = (int64_t)bytes_get_be64(p + 35);
    h->producer_id = (int64_t)bytes_get_be64(p + 43);
    h->producer_epoch = (int16_t)bytes_get_be16(p + 51);
    h->base_sequence = (int32_t)bytes_get_be32(p + 53);
    h->record_count = (int32_t)bytes_get_be32(p + 57);
    if ((size_t)h->length + BATCH_LOG_OVERHEAD > len) return KERR__AGAIN;
    return KERR_NONE;
}

static kerr_t batch_check(const uint8_t *p, size_t len, batch_hdr_t *h, bool contiguous);

/* Unsigned LEB128 of at most maxbytes bytes from *pp (< end); false when it runs past end or
 * is longer. Reads and checks exactly what rbuf_uvarint / rbuf_varlong do, on bare pointers:
 * record framing is checked for every record of every uncompressed batch produced, so it runs
 * once per message and must stay cheap. */
static inline bool batch_uleb(const uint8_t **pp, const uint8_t *end, int maxbytes, uint64_t *out)
{
    const uint8_t *p = *pp;
    if (p < end && !(*p & 0x80)) { /* one byte: most lengths, deltas and counts */
        *out = *p;
        *pp = p + 1;
        return true;
    }
    uint64_t v = 0;
    for (int i = 0; i < maxbytes && p < end; i++, p++) {
        v |= (uint64_t)(*p & 0x7f) << (7 * i);
        if (!(*p & 0x80)) {
            *out = v;
            *pp = p + 1;
            return true;
        }
    }
    return false;
}

/* A zigzag varint (5 bytes at most, value within 32 bits) as rbuf_varint reads it. */
static inline bool batch_varint(const uint8_t **pp, const uint8_t *end, int32_t *out)
{
    uint64_t u;
    if (!batch_uleb(pp, end, 5, &u) || u > UINT32_MAX) return false;
    uint32_t x = (uint32_t)u;
    *out = (int32_t)((x >> 1) ^ (~(x & 1) + 1));
    return true;
}

/* Walk the records of an uncompressed batch (q .. end), with the same framing rules as
 * batch_rec_next (length within the batch; attributes, timestamp delta, offset delta, key,
 * value, header count within the record; header count >= 0) and the offset-delta rule of
 * batch_check. Returns the number of records, or -1 on the first violation. */
static int32_t batch_check_records(const uint8_t *q, const uint8_t *end, const batch_hdr_t *h,
                                   bool contiguous)
{
    int32_t n = 0, prev = -1;
    while (q < end) {
        int32_t len, od, kl, vl, hc;
        uint64_t ts;
        if (!batch_varint(&q, end, &len) || len < 0 || len > end - q) return -1;
        const uint8_t *r = q + 1, *rend = q + len; /* r: past the attributes byte */
        q = rend;
        if (len < 1 || !batch_uleb(&r, rend, 10, &ts) || !batch_varint(&r, rend, &od)) return -1;
        if (!batch_varint(&r, rend, &kl) || (kl > 0 && kl > rend - r)) return -1;
        if (kl > 0) r += kl;
        if (!batch_varint(&r, rend, &vl) || (vl > 0 && vl > rend - r)) return -1;
        if (vl > 0) r += vl;
        if (!batch_varint(&r, rend, &hc) || hc < 0) return -1;
        if (contiguous ? od != n : od <= prev || od > h->last_offset_delta) return -1;
        prev = od;
        n++;
    }
    return n;
}

kerr_t batch_validate(const uint8_t *p, size_t len, batch_hdr_t *h)
{
    return batch_check(p, len, h, true);
}

kerr_t batch_validate_stored(const uint8_t *p, size_t len, batch_hdr_t *h)
{
    return batch_check(p, len, h, false);
}

static kerr_t batch_check(const uint8_t *p, size_t len, batch_hdr_t *h, bool contiguous)
{
    kerr_t err = batch_hdr_parse(p, len, h);
    if (err == KERR__AGAIN) return KERR__BAD_MSG;
    if (err) return err;
    if (h->magic != BATCH_MAGIC_V2) return KERR_UNSUPPORTED_FOR_MESSAGE_FORMAT;
    size_t size = batch_size(h);
    if (crc32c(0, p + 21, size - 21) != h->crc) return KERR_CORRUPT_MESSAGE;
    if (h->record_count < 0) return KERR_CORRUPT_MESSAGE;
    if (batch_codec(h) > BATCH_CODEC_ZSTD) return KERR_UNSUPPORTED_COMPRESSION_TYPE;
    if (batch_codec(h) != BATCH_CODEC_NONE) return KERR_NONE; /* framing checked by CRC only */
    if (contiguous && h->last_offset_delta != h->record_count - 1 && h->record_count > 0)
        return KERR_CORRUPT_MESSAGE;
    /* Uncompressed: the records must fill the batch exactly, numbered 0..count-1. */
    int32_t n = batch_check_records(p + BATCH_HDR_SIZE, p + size, h, contiguous);
    if (n < 0 || n != h->record_count) return KERR_CORRUPT_MESSAGE;
    return KERR_NONE;
}

void batch_set_base_offset(uint8_t *p, int64_t base_offset)
{
    bytes_put_be64(p, base_offset);
}

void batch_set_leader_epoch(uint8_t *p, int32_t epoch)
{
    bytes_put_be32(p + 12, (uint32_t)epoch);
}

void batch_set_log_append_time(uint8_t *p, size_t size, int64_t ts)
{
    uint16_t attr = bytes_get_be16(p + 21) | BATCH_ATTR_LOG_APPEND_TIME;
    bytes_put_be16(p + 21, attr);
    bytes_put_be64(p + 35, ts);
    bytes_put_be32(p + 17, crc32c(0, p + 21, size - 21));
}

bool batch_rec_next(rbuf_t *rb, batch_rec_t *r)
{
    if (rbuf_left(rb) == 0 || rbuf_err(rb)) return false;
    int32_t len = rbuf_varint(rb);
    if (len < 0 || (size_t)len > rbuf_left(rb)) {
        rbuf_fail(rb, KERR__BAD_MSG);
        return false;
    }
    rbuf_t rr;
    rbuf_init(&rr, rbuf_take(rb, (size_t)len), (size_t)len);
    r->attributes = rbuf_i8(&rr);
    r->timestamp_delta = rbuf_varlong(&rr);
    r->offset_delta = rbuf_varint(&rr);
    int32_t klen = rbuf_varint(&rr);
    r->key = klen < 0 ? (kbytes_t){NULL, -1} : (kbytes_t){rbuf_take(&rr, (size_t)klen), klen};
    int32_t vlen = rbuf_varint(&rr);
    r->value = vlen < 0 ? (kbytes_t){NULL, -1} : (kbytes_t){rbuf_take(&rr, (size_t)vlen), vlen};
    r->header_count = rbuf_varint(&rr);
    r->headers = rr.p;
    r->headers_len = rbuf_left(&rr);
    if (rbuf_err(&rr) || r->header_count < 0) {
        rbuf_fail(rb, KERR__BAD_MSG);
        return false;
    }
    return true;
}

void batch_builder_init(batch_builder_t *b, int64_t base_ts)
{
    wbuf_init(&b->recs);
    b->count = 0;
    b->last_delta = -1;
    b->base_ts = base_ts;
    b->max_ts = -1;
}

void batch_builder_free(batch_builder_t *b)
{
    wbuf_free(&b->recs);
}

void batch_builder_add(batch_builder_t *b, int32_t offset_delta, int64_t ts, const void *key,
                       int32_t klen, const void *value, int32_t vlen, int32_t header_count,
                       const uint8_t *headers, size_t headers_len)
{
    if (!key) klen = -1;
    if (!value) vlen = -1;
    wbuf_t r;
    wbuf_init(&r);
    wbuf_i8(&r, 0);
    wbuf_varlong(&r, ts >= 0 && b->base_ts >= 0 ? ts - b->base_ts : 0);
    wbuf_varint(&r, offset_delta);
    wbuf_varint(&r, klen);
    if (klen > 0) wbuf_append(&r, key, (size_t)klen);
    wbuf_varint(&r, vlen);
    if (vlen > 0) wbuf_append(&r, value, (size_t)vlen);
    wbuf_varint(&r, header_count);
    if (headers_len) wbuf_append(&r, headers, headers_len);
    wbuf_varint(&b->recs, (int32_t)r.len);
    wbuf_append(&b->recs, r.p, r.len);
    wbuf_free(&r);
    if (ts > b->max_ts) b->max_ts = ts;
    b->last_delta = offset_delta;
    b->count++;
}

void batch_builder_finish(batch_builder_t *b, const batch_hdr_t *tmpl, wbuf_t *out)
{
    int32_t last = b->last_delta;
    if (tmpl && tmpl->last_offset_delta > last) last = tmpl->last_offset_delta;
    size_t start = out->len;
    wbuf_i64(out, tmpl ? tmpl->base_offset : 0);
    wbuf_i32(out, (int32_t)(BATCH_HDR_SIZE - BATCH_LOG_OVERHEAD + b->recs.len));
    wbuf_i32(out, tmpl ? tmpl->partition_leader_epoch : -1);
    wbuf_i8(out, BATCH_MAGIC_V2);
    wbuf_u32(out, 0); /* CRC, below */
    wbuf_i16(out, tmpl ? (int16_t)(tmpl->attributes & ~BATCH_ATTR_COMPRESSION_MASK) : 0);
    wbuf_i32(out, last < 0 ? 0 : last);
    wbuf_i64(out, b->base_ts);
    wbuf_i64(out, tmpl && tmpl->max_timestamp > b->max_ts ? tmpl->max_timestamp : b->max_ts);
    wbuf_i64(out, tmpl ? tmpl->producer_id : -1);
    wbuf_i16(out, tmpl ? tmpl->producer_epoch : -1);
    wbuf_i32(out, tmpl ? tmpl->base_sequence : -1);
    wbuf_i32(out, b->count);
    wbuf_append(out, b->recs.p, b->recs.len);
    bytes_put_be32(out->p + start + 17, crc32c(0, out->p + start + 21, out->len - start - 21));
}
