/* cdata_check.c: ConnectSchema.validateValue and the Decimal text helpers (cdata.h). */
#include "cdata.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool int_in_range(cd_type_t t, int64_t i)
{
    switch (t) {
    case CD_INT8:
        return i >= INT8_MIN && i <= INT8_MAX;
    case CD_INT16:
        return i >= INT16_MIN && i <= INT16_MAX;
    case CD_INT32:
        return i >= INT32_MIN && i <= INT32_MAX;
    default:
        return true;
    }
}

static bool validate_children(const cd_schema_t *s, const cd_value_t *v, char *err, size_t errlen)
{
    switch (s->type) {
    case CD_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++)
            if (!cd_value_validate(s->value_schema, v->u.arr.items[i], err, errlen)) return false;
        return true;
    case CD_MAP:
        for (size_t i = 0; i < v->u.map.n; i++)
            if (!cd_value_validate(s->key_schema, v->u.map.keys[i], err, errlen) ||
                !cd_value_validate(s->value_schema, v->u.map.vals[i], err, errlen))
                return false;
        return true;
    case CD_STRUCT:
        if (!cd_schema_equal(v->u.st.schema, s))
            return fail(err, errlen, "Struct schemas do not match.");
        for (size_t i = 0; i < s->nfields; i++) {
            const cd_value_t *f = v->u.st.fields[i];
            const cd_schema_t *fs = s->fields[i].schema;
            if (!f && !fs->optional && !fs->default_value)
                return fail(err, errlen,
                            "Invalid value: null used for required field: \"%s\", "
                            "schema type: %s",
                            s->fields[i].name, cd_type_name(fs->type));
            if (f && !cd_value_validate(fs, f, err, errlen)) return false;
        }
        return true;
    default:
        return true;
    }
}

bool cd_value_validate(const cd_schema_t *s, const cd_value_t *v, char *err, size_t errlen)
{
    if (!s) return true;
    if (!v) {
        if (s->optional || s->default_value) return true;
        return fail(err, errlen,
                    "Invalid value: null used for required field: \"null\", "
                    "schema type: %s",
                    cd_type_name(s->type));
    }
    if (v->type != s->type)
        return fail(err, errlen, "Invalid Java object for schema with type %s: %s",
                    cd_type_name(s->type), cd_type_name(v->type));
    if (v->type <= CD_INT64 && !int_in_range(v->type, v->u.i))
        return fail(err, errlen, "Value %lld out of range for schema type %s", (long long)v->u.i,
                    cd_type_name(s->type));
    return validate_children(s, v, err, errlen);
}

/* --- Decimal: unscaled two's complement big-endian <-> text ---------------------------- */

/* Magnitude of a two's complement big-endian integer into a little-endian base-1e9 array.
 * Returns the number of limbs; *neg tells the sign. */
static size_t to_base1e9(const uint8_t *be, size_t len, bool *neg, uint32_t *limbs, size_t max)
{
    *neg = len && (be[0] & 0x80);
    size_t n = 0;
    uint8_t carry = 1; /* two's complement negation: invert, add one (LSB first) */
    uint8_t *mag = malloc(len ? len : 1);
    if (!mag) abort();
    for (size_t i = len; i-- > 0;) {
        uint8_t b = be[i];
        if (*neg) {
            unsigned x = (uint8_t)~b + carry;
            b = (uint8_t)x;
            carry = x >> 8;
        }
        mag[i] = b;
    }
    for (size_t i = 0; i < len; i++) { /* limbs = limbs * 256 + byte, MSB first */
        uint64_t c = mag[i];
        for (size_t k = 0; k < n; k++) {
            uint64_t x = (uint64_t)limbs[k] * 256 + c;
            limbs[k] = (uint32_t)(x % 1000000000u);
            c = x / 1000000000u;
        }
        while (c && n < max) {
            limbs[n++] = (uint32_t)(c % 1000000000u);
            c /= 1000000000u;
        }
    }
    free(mag);
    return n;
}

char *cd_decimal_to_string(const uint8_t *unscaled, size_t len, int scale)
{
    size_t max = len * 8 / 29 + 2; /* 2^8 < 10^(9*8/29) per byte, conservatively */
    uint32_t *limbs = calloc(max, sizeof *limbs);
    bool neg;
    size_t n = to_base1e9(unscaled, len, &neg, limbs, max);
    size_t cap = n * 9 + (scale > 0 ? (size_t)scale : 0) + 4;
    char *digits = calloc(cap, 1), *out = calloc(cap + 2, 1);
    if (!limbs || !digits || !out) abort();
    size_t d = 0;
    if (n == 0)
        digits[d++] = '0';
    else {
        d += (size_t)sprintf(digits, "%u", limbs[n - 1]);
        for (size_t k = n - 1; k-- > 0;) d += (size_t)sprintf(digits + d, "%09u", limbs[k]);
    }
    free(limbs);
    size_t o = 0;
    if (neg && !(d == 1 && digits[0] == '0')) out[o++] = '-';
    if (scale <= 0) {
        memcpy(out + o, digits, d);
        o += d;
        for (int i = 0; i < -scale && !(d == 1 && digits[0] == '0'); i++) out[o++] = '0';
    } else {
        size_t sc = (size_t)scale;
        if (d <= sc) { /* 0.00ddd */
            out[o++] = '0';
            out[o++] = '.';
            for (size_t i = d; i < sc; i++) out[o++] = '0';
            memcpy(out + o, digits, d);
            o += d;
        } else {
            memcpy(out + o, digits, d - sc);
            o += d - sc;
            out[o++] = '.';
            memcpy(out + o, digits + d - sc, sc);
            o += sc;
        }
    }
    out[o] = '\0';
    free(digits);
    return out;
}

/* Multiply a big-endian magnitude (len bytes, room for cap) by 10 and add digit. */
static bool mag_mul10_add(uint8_t *mag, size_t cap, unsigned digit)
{
    unsigned c = digit;
    for (size_t i = cap; i-- > 0;) {
        unsigned x = mag[i] * 10u + c;
        mag[i] = (uint8_t)x;
        c = x >> 8;
    }
    return c == 0;
}

/* The decimal digits of text scaled to scale (rounded half up), in out (NUL-terminated), sign
 * apart. false when text is not a number. */
static bool scaled_digits(const char *text, int scale, char *out, size_t outcap, bool *neg)
{
    const char *p = text;
    *neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    size_t o = 0;
    int frac = -1, nd = 0, round = 0;
    for (; *p; p++) {
        if (*p == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (!isdigit((unsigned char)*p)) return false;
        nd++;
        if (frac >= 0 && frac >= scale) {
            if (frac == scale) round = *p >= '5';
            frac++;
            continue;
        }
        if (o + 1 >= outcap) return false;
        out[o++] = *p;
        if (frac >= 0) frac++;
    }
    if (nd == 0) return false;
    for (int f = frac < 0 ? 0 : frac; f < scale; f++) {
        if (o + 1 >= outcap) return false;
        out[o++] = '0';
    }
    out[o] = '\0';
    if (round) { /* add one to the digit string */
        size_t i = o;
        while (i-- > 0) {
            if (out[i] != '9') {
                out[i]++;
                break;
            }
            out[i] = '0';
        }
        if (i == (size_t)-1) {
            if (o + 2 >= outcap) return false;
            memmove(out + 1, out, o + 1);
            out[0] = '1';
        }
    }
    return true;
}

cd_value_t *cd_decimal_from_string(const char *text, int scale)
{
    char digits[512];
    bool neg;
    if (!text || scale < 0 || !scaled_digits(text, scale, digits, sizeof digits, &neg)) return NULL;
    size_t cap = strlen(digits) / 2 + 2; /* 10^d < 256^(d/2+1) */
    uint8_t *mag = calloc(cap, 1);
    if (!mag) abort();
    for (const char *p = digits; *p; p++) mag_mul10_add(mag, cap, (unsigned)(*p - '0'));
    if (neg) { /* two's complement */
        unsigned c = 1;
        for (size_t i = cap; i-- > 0;) {
            unsigned x = (uint8_t)~mag[i] + c;
            mag[i] = (uint8_t)x;
            c = x >> 8;
        }
    }
    /* minimal length (BigInteger.toByteArray): drop redundant sign bytes */
    size_t start = 0;
    while (start + 1 < cap && ((mag[start] == 0 && !(mag[start + 1] & 0x80)) ||
                               (mag[start] == 0xff && (mag[start + 1] & 0x80))))
        start++;
    cd_value_t *v = cd_bytes(mag + start, cap - start);
    free(mag);
    return v;
}
