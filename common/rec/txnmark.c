/* txnmark.c: building and reading transaction markers (see txnmark.h). */
#include "txnmark.h"

#include "batch.h"
#include "bytes.h"

void txnmark_build(wbuf_t *out, int64_t producer_id, int16_t producer_epoch, bool commit,
                   int32_t coordinator_epoch, int64_t timestamp_ms)
{
    uint8_t key[4] = {0, 0, 0, commit ? TXNMARK_COMMIT : TXNMARK_ABORT};
    uint8_t val[6] = {0, 0}; /* version 0, then the coordinator epoch */
    bytes_put_be32(val + 2, (uint32_t)coordinator_epoch);
    batch_builder_t b;
    batch_builder_init(&b, timestamp_ms);
    batch_builder_add(&b, 0, timestamp_ms, key, sizeof(key), val, sizeof(val), 0, NULL, 0);
    batch_hdr_t t = {
        .partition_leader_epoch = -1,
        .attributes = BATCH_ATTR_TRANSACTIONAL | BATCH_ATTR_CONTROL,
        .max_timestamp = timestamp_ms,
        .producer_id = producer_id,
        .producer_epoch = producer_epoch,
        .base_sequence = -1,
    };
    batch_builder_finish(&b, &t, out);
    batch_builder_free(&b);
}

int txnmark_type(const uint8_t *p, size_t len, int32_t *coordinator_epoch)
{
    if (len < BATCH_HDR_SIZE) return -1;
    int16_t attrs = (int16_t)bytes_get_be16(p + 21);
    if (!(attrs & BATCH_ATTR_CONTROL) || (attrs & BATCH_ATTR_COMPRESSION_MASK)) return -1;
    rbuf_t rb;
    rbuf_init(&rb, p + BATCH_HDR_SIZE, len - BATCH_HDR_SIZE);
    batch_rec_t r;
    if (!batch_rec_next(&rb, &r) || r.key.len < 4) return -1;
    rbuf_t kb;
    rbuf_init(&kb, r.key.p, (size_t)r.key.len);
    int16_t ver = rbuf_i16(&kb);
    int16_t type = rbuf_i16(&kb);
    if (ver != 0 || (type != TXNMARK_ABORT && type != TXNMARK_COMMIT)) return -1;
    if (coordinator_epoch) {
        int32_t ce = -1;
        if (r.value.len >= 6) {
            rbuf_t vb;
            rbuf_init(&vb, r.value.p, (size_t)r.value.len);
            rbuf_i16(&vb);
            ce = rbuf_i32(&vb);
        }
        *coordinator_epoch = ce;
    }
    return type;
}
