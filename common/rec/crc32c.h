/* crc32c.h: CRC-32C (Castagnoli), as RecordBatch v2 uses. SSE4.2 instructions when the CPU
 * has them (checked once), a table otherwise. Any thread. */
#ifndef CRC32C_H
#define CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: crc32c(0, p, n) is the CRC of p[0..n); feeding pieces in order with the
 * previous result gives the same value as one call. */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);
/* The portable (table) implementation, exposed for tests. */
uint32_t crc32c_sw(uint32_t crc, const void *p, size_t n);
/* 1 when crc32c() uses the SSE4.2 instruction. */
int crc32c_hw_available(void);

#endif
