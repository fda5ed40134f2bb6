/* buf.c: rbuf (bounded, sticky-error reader) and wbuf (growable writer with file ranges). */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"

bool kstr_eq(kstr_t a, const char *s)
{
    if (a.len < 0) return false;
    size_t n = strlen(s);
    return (size_t)a.len == n && memcmp(a.p, s, n) == 0;
}

char *kstr_dup(kstr_t s)
{
    if (s.len < 0) return NULL;
    char *d = malloc((size_t)s.len + 1);
    if (!d) abort();
    memcpy(d, s.p, (size_t)s.len);
    d[s.len] = '\0';
    return d;
}

/* ---- rbuf ---- */

void rbuf_init(rbuf_t *rb, const void *data, size_t len)
{
    rb->p = data;
    rb->end = rb->p + len;
    rb->err = KERR_NONE;
}

void rbuf_fail(rbuf_t *rb, kerr_t err)
{
    if (rb->err == KERR_NONE) rb->err = err;
    rb->p = rb->end;
}

const uint8_t *rbuf_take(rbuf_t *rb, size_t n)
{
    if (rb->err || rbuf_left(rb) < n) {
        rbuf_fail(rb, KERR__BAD_MSG);
        return NULL;
    }
    const uint8_t *p = rb->p;
    rb->p += n;
    return p;
}

void rbuf_skip(rbuf_t *rb, size_t n)
{
    (void)rbuf_take(rb, n);
}

int8_t rbuf_i8(rbuf_t *rb)
{
    const uint8_t *p = rbuf_take(rb, 1);
    return p ? (int8_t)p[0] : 0;
}

bool rbuf_bool(rbuf_t *rb)
{
    return rbuf_i8(rb) != 0;
}

int16_t rbuf_i16(rbuf_t *rb)
{
    const uint8_t *p = rbuf_take(rb, 2);
    return p ? (int16_t)bytes_get_be16(p) : 0;
}

uint32_t rbuf_u32(rbuf_t *rb)
{
    const uint8_t *p = rbuf_take(rb, 4);
    return p ? bytes_get_be32(p) : 0;
}

int32_t rbuf_i32(rbuf_t *rb)
{
    return (int32_t)rbuf_u32(rb);
}

int64_t rbuf_i64(rbuf_t *rb)
{
    const uint8_t *p = rbuf_take(rb, 8);
    return p ? (int64_t)bytes_get_be64(p) : 0;
}

/* Reads an unsigned LEB128 of at most maxbytes bytes (fails when it is longer or runs past
 * the end). Works on the pointer directly: varints are read for every record field. */
static uint64_t rbuf_uleb(rbuf_t *rb, int maxbytes)
{
    if (rb->err) return 0;
    const uint8_t *p = rb->p;
    size_t left = rbuf_left(rb);
    size_t n = left < (size_t)maxbytes ? left : (size_t)maxbytes;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            rb->p = p + i + 1;
            return v;
        }
    }
    rbuf_fail(rb, KERR__BAD_MSG);
    return 0;
}

uint32_t rbuf_uvarint(rbuf_t *rb)
{
    uint64_t v = rbuf_uleb(rb, 5);
    if (v > UINT32_MAX) {
        rbuf_fail(rb, KERR__BAD_MSG);
        return 0;
    }
    return (uint32_t)v;
}

int32_t rbuf_varint(rbuf_t *rb)
{
    uint32_t u = rbuf_uvarint(rb);
    return (int32_t)((u >> 1) ^ (~(u & 1) + 1));
}

int64_t rbuf_varlong(rbuf_t *rb)
{
    uint64_t u = rbuf_uleb(rb, 10);
    return (int64_t)((u >> 1) ^ (~(u & 1) + 1));
}

void rbuf_uuid(rbuf_t *rb, uint8_t out[16])
{
    const uint8_t *p = rbuf_take(rb, 16);
    if (p)
        memcpy(out, p, 16);
    else
        memset(out, 0, 16);
}

static kstr_t rbuf_str_n(rbuf_t *rb, int64_t len)
{
    if (len == -1) return KSTR_NULL;
    if (len < 0) {
        rbuf_fail(rb, KERR__BAD_MSG);
        return KSTR_NULL;
    }
    const uint8_t *p = rbuf_take(rb, (size_t)len);
    if (!p) return KSTR_NULL;
    return (kstr_t){(const char *)p, (int32_t)len};
}

kstr_t rbuf_str(rbuf_t *rb)
{
    int16_t len = rbuf_i16(rb);
    if (rb->err) return KSTR_NULL;
    return rbuf_str_n(rb, len);
}

kstr_t rbuf_compact_str(rbuf_t *rb)
{
    uint32_t n = rbuf_uvarint(rb);
    if (rb->err) return KSTR_NULL;
    return rbuf_str_n(rb, (int64_t)n - 1);
}

kstr_t rbuf_str_f(rbuf_t *rb, bool flexible)
{
    return flexible ? rbuf_compact_str(rb) : rbuf_str(rb);
}

static kbytes_t kbytes_of(kstr_t s)
{
    return (kbytes_t){(const uint8_t *)s.p, s.len};
}

kbytes_t rbuf_bytes(rbuf_t *rb)
{
    int32_t len = rbuf_i32(rb);
    if (rb->err) return (kbytes_t){NULL, -1};
    return kbytes_of(rbuf_str_n(rb, len));
}

kbytes_t rbuf_compact_bytes(rbuf_t *rb)
{
    uint32_t n = rbuf_uvarint(rb);
    if (rb->err) return (kbytes_t){NULL, -1};
    return kbytes_of(rbuf_str_n(rb, (int64_t)n - 1));
}

kbytes_t rbuf_bytes_f(rbuf_t *rb, bool flexible)
{
    return flexible ? rbuf_compact_bytes(rb) : rbuf_bytes(rb);
}

int32_t rbuf_array_len(rbuf_t *rb, bool flexible, size_t min_elem_size)
{
    int64_t n;
    if (flexible)
        n = (int64_t)rbuf_uvarint(rb) - 1;
    else
        n = rbuf_i32(rb);
    if (rb->err) return 0;
    if (n == -1) return -1;
    if (n < 0 || n > INT32_MAX) {
        rbuf_fail(rb, KERR__BAD_MSG);
        return 0;
    }
    size_t min = min_elem_size ? min_elem_size : 1;
    if ((uint64_t)n * min > rbuf_left(rb)) {
        rbuf_fail(rb, KERR__BAD_MSG);
        return 0;
    }
    return (int32_t)n;
}

void rbuf_skip_tags(rbuf_t *rb)
{
    uint32_t n = rbuf_uvarint(rb);
    for (uint32_t i = 0; i < n && !rb->err; i++) {
        (void)rbuf_uvarint(rb); /* tag */
        uint32_t size = rbuf_uvarint(rb);
        rbuf_skip(rb, size);
    }
}

/* ---- wbuf ---- */

void wbuf_init(wbuf_t *wb)
{
    memset(wb, 0, sizeof(*wb));
}

void wbuf_free(wbuf_t *wb)
{
    for (size_t i = 0; i < wb->nfiles; i++) close(wb->files[i].fd);
    free(wb->files);
    free(wb->p);
    memset(wb, 0, sizeof(*wb));
}

void wbuf_reset(wbuf_t *wb)
{
    for (size_t i = 0; i < wb->nfiles; i++) close(wb->files[i].fd);
    wb->nfiles = 0;
    wb->file_bytes = 0;
    wb->len = 0;
}

uint8_t *wbuf_ensure(wbuf_t *wb, size_t n)
{
    if (wb->cap - wb->len < n) {
        size_t cap = wb->cap ? wb->cap : 256;
        while (cap - wb->len < n) cap *= 2;
        uint8_t *p = realloc(wb->p, cap);
        if (!p) abort();
        wb->p = p;
        wb->cap = cap;
    }
    return wb->p + wb->len;
}

void wbuf_append(wbuf_t *wb, const void *data, size_t n)
{
    if (n == 0) return;
    memcpy(wbuf_ensure(wb, n), data, n);
    wb->len += n;
}

void wbuf_printf(wbuf_t *wb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf((char *)wbuf_ensure(wb, 256), 256, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (n >= 256) { /* did not fit: format again into exactly enough room */
        va_start(ap, fmt);
        vsnprintf((char *)wbuf_ensure(wb, (size_t)n + 1), (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    wb->len += (size_t)n;
}

void wbuf_i8(wbuf_t *wb, int8_t v)
{
    *wbuf_ensure(wb, 1) = (uint8_t)v;
    wb->len++;
}

void wbuf_bool(wbuf_t *wb, bool v)
{
    wbuf_i8(wb, v ? 1 : 0);
}

void wbuf_i16(wbuf_t *wb, int16_t v)
{
    bytes_put_be16(wbuf_ensure(wb, 2), (uint16_t)v);
    wb->len += 2;
}

void wbuf_u32(wbuf_t *wb, uint32_t v)
{
    bytes_put_be32(wbuf_ensure(wb, 4), v);
    wb->len += 4;
}

void wbuf_i32(wbuf_t *wb, int32_t v)
{
    wbuf_u32(wb, (uint32_t)v);
}

void wbuf_i64(wbuf_t *wb, int64_t v)
{
    bytes_put_be64(wbuf_ensure(wb, 8), (uint64_t)v);
    wb->len += 8;
}

static void wbuf_uleb(wbuf_t *wb, uint64_t v)
{
    uint8_t *p = wbuf_ensure(wb, 10);
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    wb->len += n;
}

void wbuf_uvarint(wbuf_t *wb, uint32_t v)
{
    wbuf_uleb(wb, v);
}

void wbuf_varint(wbuf_t *wb, int32_t v)
{
    wbuf_uleb(wb, (uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31)));
}

void wbuf_varlong(wbuf_t *wb, int64_t v)
{
    wbuf_uleb(wb, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void wbuf_uuid(wbuf_t *wb, const uint8_t uuid[16])
{
    wbuf_append(wb, uuid, 16);
}

void wbuf_str(wbuf_t *wb, const char *p, int32_t len)
{
    if (!p || len < 0) {
        wbuf_i16(wb, -1);
        return;
    }
    wbuf_i16(wb, (int16_t)len);
    wbuf_append(wb, p, (size_t)len);
}

void wbuf_compact_str(wbuf_t *wb, const char *p, int32_t len)
{
    if (!p || len < 0) {
        wbuf_uvarint(wb, 0);
        return;
    }
    wbuf_uvarint(wb, (uint32_t)len + 1);
    wbuf_append(wb, p, (size_t)len);
}

void wbuf_str_f(wbuf_t *wb, bool flexible, const char *p, int32_t len)
{
    if (flexible)
        wbuf_compact_str(wb, p, len);
    else
        wbuf_str(wb, p, len);
}

void wbuf_cstr_f(wbuf_t *wb, bool flexible, const char *s)
{
    wbuf_str_f(wb, flexible, s, s ? (int32_t)strlen(s) : -1);
}

void wbuf_bytes_f(wbuf_t *wb, bool flexible, const void *p, int32_t len)
{
    if (flexible) {
        wbuf_compact_str(wb, p, len);
        return;
    }
    if (!p || len < 0) {
        wbuf_i32(wb, -1);
        return;
    }
    wbuf_i32(wb, len);
    wbuf_append(wb, p, (size_t)len);
}

void wbuf_array_len(wbuf_t *wb, bool flexible, int32_t n)
{
    if (flexible)
        wbuf_uvarint(wb, n < 0 ? 0 : (uint32_t)n + 1);
    else
        wbuf_i32(wb, n < 0 ? -1 : n);
}

void wbuf_tags(wbuf_t *wb, bool flexible)
{
    if (flexible) wbuf_uvarint(wb, 0);
}

size_t wbuf_reserve_i32(wbuf_t *wb)
{
    size_t at = wb->len;
    wbuf_i32(wb, 0);
    return at;
}

void wbuf_put_i32_at(wbuf_t *wb, size_t at, int32_t v)
{
    bytes_put_be32(wb->p + at, (uint32_t)v);
}

void wbuf_file(wbuf_t *wb, int fd, off_t off, size_t len)
{
    if (wb->nfiles == wb->capfiles) {
        size_t cap = wb->capfiles ? wb->capfiles * 2 : 4;
        wbuf_file_t *f = realloc(wb->files, cap * sizeof(*f));
        if (!f) abort();
        wb->files = f;
        wb->capfiles = cap;
    }
    wb->files[wb->nfiles++] = (wbuf_file_t){wb->len, fd, off, len};
    wb->file_bytes += len;
}

size_t buf_uvarint_size(uint32_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}
