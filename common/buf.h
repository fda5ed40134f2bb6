/* buf.h: bounded reader (rbuf) and growable writer (wbuf) for the Kafka wire format.
 *
 * rbuf: errors are sticky. After the first short or invalid read every getter returns a zero
 * value (or an empty/null view) and rbuf_err() is KERR__BAD_MSG; a decoder checks once, at the
 * end. Strings and bytes are views into the frame, never copies.
 * Owner: the caller owns the bytes; an rbuf never frees. Any thread.
 *
 * wbuf: a growable byte array plus an ordered list of file ranges spliced into the output at
 * given offsets (used by Fetch to send log segments with sendfile). The total bytes a wbuf
 * produces is wbuf_total(). Allocation failure aborts (as Redis' zmalloc does): an out-of-memory
 * broker cannot answer correctly anyway.
 * Owner: the wbuf owns its memory and the fds passed to wbuf_file(); wbuf_free() releases both.
 * One thread at a time. */
#ifndef BUF_H
#define BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "kerr.h"

/* A string view; len == -1 means null. Not NUL-terminated. */
typedef struct kstr {
    const char *p;
    int32_t len;
} kstr_t;

/* A bytes view; len == -1 means null. */
typedef struct kbytes {
    const uint8_t *p;
    int32_t len;
} kbytes_t;

#define KSTR_NULL ((kstr_t){NULL, -1})
#define KSTR(s)   ((kstr_t){(s), (int32_t)strlen(s)})

/* true when the view equals the C string s. A null view equals nothing. */
bool kstr_eq(kstr_t a, const char *s);
/* Copy into a new NUL-terminated string (caller frees); a null view gives NULL. */
char *kstr_dup(kstr_t s);

typedef struct rbuf {
    const uint8_t *p, *end;
    kerr_t err;
} rbuf_t;

void rbuf_init(rbuf_t *rb, const void *data, size_t len);
static inline size_t rbuf_left(const rbuf_t *rb)
{
    return (size_t)(rb->end - rb->p);
}
static inline kerr_t rbuf_err(const rbuf_t *rb)
{
    return rb->err;
}
/* Mark the reader failed (sticky) with err. */
void rbuf_fail(rbuf_t *rb, kerr_t err);

int8_t rbuf_i8(rbuf_t *rb);
int16_t rbuf_i16(rbuf_t *rb);
int32_t rbuf_i32(rbuf_t *rb);
int64_t rbuf_i64(rbuf_t *rb);
uint32_t rbuf_u32(rbuf_t *rb);
bool rbuf_bool(rbuf_t *rb);
/* Zig-zag varint / varlong as in Kafka records. */
int32_t rbuf_varint(rbuf_t *rb);
int64_t rbuf_varlong(rbuf_t *rb);
/* Unsigned varint (compact lengths, tag numbers). */
uint32_t rbuf_uvarint(rbuf_t *rb);
void rbuf_uuid(rbuf_t *rb, uint8_t out[16]);

/* int16 length + bytes; -1 = null. */
kstr_t rbuf_str(rbuf_t *rb);
/* uvarint (length + 1) + bytes; 0 = null. */
kstr_t rbuf_compact_str(rbuf_t *rb);
/* rbuf_compact_str when flexible, else rbuf_str. */
kstr_t rbuf_str_f(rbuf_t *rb, bool flexible);
/* int32 length + bytes; -1 = null. */
kbytes_t rbuf_bytes(rbuf_t *rb);
kbytes_t rbuf_compact_bytes(rbuf_t *rb);
kbytes_t rbuf_bytes_f(rbuf_t *rb, bool flexible);

/* Array length: int32 (non-flexible) or uvarint N+1 (flexible). Returns -1 for a null array.
 * Fails the reader when n * min_elem_size exceeds the bytes left, so a caller may allocate
 * n elements safely after this returns. */
int32_t rbuf_array_len(rbuf_t *rb, bool flexible, size_t min_elem_size);

/* Pointer to the next n bytes, consumed; NULL (and failed) when fewer are left. */
const uint8_t *rbuf_take(rbuf_t *rb, size_t n);
void rbuf_skip(rbuf_t *rb, size_t n);
/* Skip a tagged-field section (flexible versions): uvarint count, then tag/size/bytes. */
void rbuf_skip_tags(rbuf_t *rb);

typedef struct wbuf_file {
    size_t at; /* offset in p where the range goes */
    int fd;    /* owned: closed by wbuf_free() */
    off_t off;
    size_t len;
} wbuf_file_t;

typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
    wbuf_file_t *files;
    size_t nfiles, capfiles;
    size_t file_bytes; /* sum of files[].len */
} wbuf_t;

void wbuf_init(wbuf_t *wb);
void wbuf_free(wbuf_t *wb);
/* Forget the content (memory and files) but keep the allocation. */
void wbuf_reset(wbuf_t *wb);
static inline size_t wbuf_total(const wbuf_t *wb)
{
    return wb->len + wb->file_bytes;
}
/* Make room for n more bytes and return a pointer to them (len not advanced). */
uint8_t *wbuf_ensure(wbuf_t *wb, size_t n);

void wbuf_append(wbuf_t *wb, const void *data, size_t n);
/* Append printf-formatted text (no NUL): for text protocols (HTTP, Prometheus). */
void wbuf_printf(wbuf_t *wb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wbuf_i8(wbuf_t *wb, int8_t v);
void wbuf_i16(wbuf_t *wb, int16_t v);
void wbuf_i32(wbuf_t *wb, int32_t v);
void wbuf_i64(wbuf_t *wb, int64_t v);
void wbuf_u32(wbuf_t *wb, uint32_t v);
void wbuf_bool(wbuf_t *wb, bool v);
void wbuf_varint(wbuf_t *wb, int32_t v);
void wbuf_varlong(wbuf_t *wb, int64_t v);
void wbuf_uvarint(wbuf_t *wb, uint32_t v);
void wbuf_uuid(wbuf_t *wb, const uint8_t uuid[16]);

/* Strings: p == NULL (or len < 0) writes null. _f picks compact when flexible. */
void wbuf_str(wbuf_t *wb, const char *p, int32_t len);
void wbuf_compact_str(wbuf_t *wb, const char *p, int32_t len);
void wbuf_str_f(wbuf_t *wb, bool flexible, const char *p, int32_t len);
static inline void wbuf_kstr_f(wbuf_t *wb, bool flexible, kstr_t s)
{
    wbuf_str_f(wb, flexible, s.p, s.len);
}
/* NUL-terminated string, NULL = null. */
void wbuf_cstr_f(wbuf_t *wb, bool flexible, const char *s);
void wbuf_bytes_f(wbuf_t *wb, bool flexible, const void *p, int32_t len);
/* Array length: n == -1 writes null. */
void wbuf_array_len(wbuf_t *wb, bool flexible, int32_t n);
/* Empty tagged-field section (one zero byte) when flexible; nothing otherwise. */
void wbuf_tags(wbuf_t *wb, bool flexible);

/* Reserve an int32 to fill later; returns its offset. */
size_t wbuf_reserve_i32(wbuf_t *wb);
void wbuf_put_i32_at(wbuf_t *wb, size_t at, int32_t v);

/* Splice len bytes of file fd from off at the current position. Takes ownership of fd. */
void wbuf_file(wbuf_t *wb, int fd, off_t off, size_t len);

/* Bytes a uvarint of v takes. */
size_t buf_uvarint_size(uint32_t v);

#endif
