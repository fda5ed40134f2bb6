/* fuzz_records.h: what both harnesses do with record bytes: check each batch as the broker
 * does (batch_validate for a produced batch, batch_validate_stored for one copied from a
 * leader), then decompress it and walk every record, as the group loader and the cleaner do. */
#ifndef FUZZ_RECORDS_H
#define FUZZ_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rec/batch.h"
#include "rec/compress.h"

static inline void fuzz_walk_batches(const uint8_t *p, size_t len, bool stored)
{
    wbuf_t scratch;
    wbuf_init(&scratch);
    for (size_t off = 0; off < len;) {
        batch_hdr_t h;
        kerr_t err = stored ? batch_validate_stored(p + off, len - off, &h)
                            : batch_validate(p + off, len - off, &h);
        if (err != KERR_NONE) break;
        rbuf_t rb;
        if (compress_batch_records(p + off, batch_size(&h), &h, 1 << 20, &scratch, &rb) ==
            KERR_NONE) {
            batch_rec_t r;
            while (batch_rec_next(&rb, &r)) {
            }
        }
        off += batch_size(&h);
    }
    wbuf_free(&scratch);
}

#endif
