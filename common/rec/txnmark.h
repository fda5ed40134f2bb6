/* txnmark.h: transaction markers (KIP-98 control batches). A COMMIT or ABORT marker is a
 * batch with the transactional and control attributes, the producer's id and epoch, sequence
 * -1, and one record whose key is (version i16 = 0, type i16: 0 = ABORT, 1 = COMMIT) and
 * whose value is (version i16 = 0, coordinator epoch i32).
 * Caller-owned memory; nothing is kept. Any thread. */
#ifndef TXNMARK_H
#define TXNMARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TXNMARK_ABORT  0
#define TXNMARK_COMMIT 1

/* Append one marker batch (base offset 0, to be stamped by the log) to out. */
void txnmark_build(wbuf_t *out, int64_t producer_id, int16_t producer_epoch, bool commit,
                   int32_t coordinator_epoch, int64_t timestamp_ms);

/* The marker type of the control batch at p (len bytes, header included; the batch need not
 * be complete past its first record): TXNMARK_ABORT, TXNMARK_COMMIT, or -1 when it is not a
 * readable uncompressed marker. *coordinator_epoch (may be NULL) gets its value's epoch. */
int txnmark_type(const uint8_t *p, size_t len, int32_t *coordinator_epoch);

#endif
