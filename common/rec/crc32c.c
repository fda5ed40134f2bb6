/* crc32c.c: CRC-32C, reflected polynomial 0x82F63B78. The SSE4.2 crc32 instruction (8 bytes
 * per step) when the CPU has it, chosen once at first use; a slicing-by-8 table otherwise.
 *
 * The instruction takes 3 cycles but can start every cycle, so long buffers are cut into
 * three equal blocks whose CRCs run interleaved (three independent chains), then joined: the
 * CRC state over A then B equals the state over A shifted over |B| zero bytes, xor the state
 * over B from zero, and shifting over a fixed number of zero bytes is linear in the 32-bit
 * state, so it is four table lookups (crc32c_shift_*, built at first use). Every produced
 * byte is CRC-checked on the leader and on each follower, so this is on the hot path. */
#include "crc32c.h"

#include <pthread.h>
#include <string.h>

#define CRC32C_LONG  4096 /* bytes per block of the interleaved rounds, then */
#define CRC32C_SHORT 256  /* for what is left, then one chain for the tail */

static uint32_t crc32c_table[8][256];
static uint32_t crc32c_shift_long[4][256], crc32c_shift_short[4][256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;
static int crc32c_have_sse42;

/* The raw (not inverted) state s advanced over n zero bytes. */
static uint32_t crc32c_zeros(uint32_t s, size_t n)
{
    while (n--) s = crc32c_table[0][s & 0xff] ^ (s >> 8);
    return s;
}

/* t[k][b]: the shift over n zero bytes of the state whose byte k is b (and the rest zero). */
static void crc32c_shift_init(uint32_t t[4][256], size_t n)
{
    uint32_t basis[32];
    for (int i = 0; i < 32; i++) basis[i] = crc32c_zeros(1u << i, n);
    for (int k = 0; k < 4; k++)
        for (int b = 0; b < 256; b++) {
            uint32_t v = 0;
            for (int j = 0; j < 8; j++)
                if (b & (1 << j)) v ^= basis[8 * k + j];
            t[k][b] = v;
        }
}

static inline uint32_t crc32c_shift(const uint32_t t[4][256], uint32_t s)
{
    return t[0][s & 0xff] ^ t[1][(s >> 8) & 0xff] ^ t[2][(s >> 16) & 0xff] ^ t[3][s >> 24];
}

static void crc32c_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc32c_table[0][i] = c;
    }
    for (int t = 1; t < 8; t++)
        for (int i = 0; i < 256; i++)
            crc32c_table[t][i] =
                (crc32c_table[t - 1][i] >> 8) ^ crc32c_table[0][crc32c_table[t - 1][i] & 0xff];
    crc32c_shift_init(crc32c_shift_long, CRC32C_LONG);
    crc32c_shift_init(crc32c_shift_short, CRC32C_SHORT);
#if defined(__x86_64__)
    __builtin_cpu_init();
    crc32c_have_sse42 = __builtin_cpu_supports("sse4.2");
#endif
}

uint32_t crc32c_sw(uint32_t crc, const void *p, size_t n)
{
    pthread_once(&crc32c_once, crc32c_init);
    const uint8_t *b = p;
    crc = ~crc;
    while (n && ((uintptr_t)b & 7)) {
        crc = crc32c_table[0][(crc ^ *b++) & 0xff] ^ (crc >> 8);
        n--;
    }
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        w ^= crc;
        crc = crc32c_table[7][w & 0xff] ^ crc32c_table[6][(w >> 8) & 0xff] ^
              crc32c_table[5][(w >> 16) & 0xff] ^ crc32c_table[4][(w >> 24) & 0xff] ^
              crc32c_table[3][(w >> 32) & 0xff] ^ crc32c_table[2][(w >> 40) & 0xff] ^
              crc32c_table[1][(w >> 48) & 0xff] ^ crc32c_table[0][w >> 56];
        b += 8;
        n -= 8;
    }
    while (n--) crc = crc32c_table[0][(crc ^ *b++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

#if defined(__x86_64__)
/* The raw state c continued over b[0 .. 3 * len) (len a multiple of 8): three chains, joined. */
__attribute__((target("sse4.2"))) static inline uint64_t
crc32c_hw3(uint64_t c0, const uint8_t *b, size_t len, const uint32_t shift[4][256])
{
    uint64_t c1 = 0, c2 = 0;
    for (const uint8_t *e = b + len; b < e; b += 8) {
        uint64_t w0, w1, w2;
        memcpy(&w0, b, 8);
        memcpy(&w1, b + len, 8);
        memcpy(&w2, b + 2 * len, 8);
        c0 = __builtin_ia32_crc32di(c0, w0);
        c1 = __builtin_ia32_crc32di(c1, w1);
        c2 = __builtin_ia32_crc32di(c2, w2);
    }
    uint32_t s = crc32c_shift(shift, (uint32_t)c0) ^ (uint32_t)c1;
    return crc32c_shift(shift, s) ^ (uint32_t)c2;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t c = ~crc;
    while (n && ((uintptr_t)b & 7)) {
        c = __builtin_ia32_crc32qi((uint32_t)c, *b++);
        n--;
    }
    for (; n >= 3 * CRC32C_LONG; b += 3 * CRC32C_LONG, n -= 3 * CRC32C_LONG)
        c = crc32c_hw3(c, b, CRC32C_LONG, crc32c_shift_long);
    for (; n >= 3 * CRC32C_SHORT; b += 3 * CRC32C_SHORT, n -= 3 * CRC32C_SHORT)
        c = crc32c_hw3(c, b, CRC32C_SHORT, crc32c_shift_short);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        c = __builtin_ia32_crc32di(c, w);
        b += 8;
        n -= 8;
    }
    while (n--) c = __builtin_ia32_crc32qi((uint32_t)c, *b++);
    return ~(uint32_t)c;
}
#endif

uint32_t crc32c(uint32_t crc, const void *p, size_t n)
{
    pthread_once(&crc32c_once, crc32c_init);
#if defined(__x86_64__)
    if (crc32c_have_sse42) return crc32c_hw(crc, p, n);
#endif
    return crc32c_sw(crc, p, n);
}

int crc32c_hw_available(void)
{
    pthread_once(&crc32c_once, crc32c_init);
    return crc32c_have_sse42;
}
