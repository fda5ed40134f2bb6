/* msgset.h: up-conversion of a legacy MessageSet (magic 0 and 1, Produce v0-2) into one
 * uncompressed RecordBatch v2, so the log only ever holds v2 batches.
 * Compressed legacy wrappers are refused with KERR_UNSUPPORTED_COMPRESSION_TYPE (not silently
 * mangled); clients that compress use Produce v3+ with v2 batches. Any thread. */
#ifndef MSGSET_H
#define MSGSET_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "kerr.h"

/* Append one v2 batch holding every message of p[0..len) to out. Each message's CRC32 is
 * checked (KERR_CORRUPT_MESSAGE). A trailing partial message is ignored, as Kafka does.
 * Magic 0 messages get timestamp -1 (NO_TIMESTAMP). *count = messages converted. */
kerr_t msgset_to_batch(const uint8_t *p, size_t len, int64_t now_ms, size_t max_out, wbuf_t *out,
                       int32_t *count);

#endif
