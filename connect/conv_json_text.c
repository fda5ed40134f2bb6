/* conv_json_text.c: the JSON text pieces of JsonConverter (conv_json.h) that must match what
 * Kafka's Jackson writes: Java's Double/Float.toString digits, string escapes, base64. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_json.h"

static void fmt_digits(char *buf, size_t cap, bool neg, const char *dg, int nd, int exp, bool sci)
{
    char *o = buf, *end = buf + cap - 1;
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (o < end) *o++ = (ch);                                                                  \
    } while (0)
    if (neg) PUT('-');
    if (sci) { /* d.dddE[-]x */
        PUT(dg[0]);
        PUT('.');
        if (nd == 1) PUT('0');
        for (int i = 1; i < nd; i++) PUT(dg[i]);
        o += snprintf(o, (size_t)(end - o + 1), "E%d", exp);
    } else if (exp >= 0) { /* digits before the point: exp + 1 */
        for (int i = 0; i <= exp; i++) PUT(i < nd ? dg[i] : '0');
        PUT('.');
        if (nd <= exp + 1) PUT('0');
        for (int i = exp + 1; i < nd; i++) PUT(dg[i]);
    } else {
        PUT('0');
        PUT('.');
        for (int i = 0; i < -exp - 1; i++) PUT('0');
        for (int i = 0; i < nd; i++) PUT(dg[i]);
    }
    *o = '\0';
#undef PUT
}

void cj_fmt_double(char *buf, size_t cap, double d, bool is_float)
{
    if (isnan(d) || isinf(d)) {
        snprintf(buf, cap, "%s", isnan(d) ? "NaN" : (d < 0 ? "-Infinity" : "Infinity"));
        return;
    }
    if (d == 0) {
        snprintf(buf, cap, "%s", signbit(d) ? "-0.0" : "0.0");
        return;
    }
    char tmp[48];
    for (int prec = 1; prec <= 17; prec++) { /* the shortest digits that read back the same */
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        if (is_float ? strtof(tmp, NULL) == (float)d : strtod(tmp, NULL) == d) break;
    }
    char dg[24];
    int nd = 0;
    const char *p = tmp + (tmp[0] == '-');
    for (; *p && *p != 'e' && nd < (int)sizeof dg; p++)
        if (isdigit((unsigned char)*p)) dg[nd++] = *p;
    int exp = *p == 'e' ? atoi(p + 1) : 0;
    while (nd > 1 && dg[nd - 1] == '0') nd--;
    double ad = fabs(d);
    fmt_digits(buf, cap, d < 0, dg, nd, exp, !(ad >= 1e-3 && ad < 1e7));
}

/* A JSON string as Jackson escapes it: quote, backslash, \b \t \n \f \r, other controls as
 * \u00XX (upper-case hex); everything else (UTF-8 included) as is. */
void cj_write_str(wbuf_t *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    wbuf_append(o, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
        wbuf_append(o, s + run, i - run);
        run = i + 1;
        char e[6] = {'\\', 0};
        switch (ch) {
        case '"':
            e[1] = '"';
            break;
        case '\\':
            e[1] = '\\';
            break;
        case '\b':
            e[1] = 'b';
            break;
        case '\t':
            e[1] = 't';
            break;
        case '\n':
            e[1] = 'n';
            break;
        case '\f':
            e[1] = 'f';
            break;
        case '\r':
            e[1] = 'r';
            break;
        default:
            memcpy(e, "\\u00", 4);
            e[4] = hex[ch >> 4];
            e[5] = hex[ch & 15];
            wbuf_append(o, e, 6);
            continue;
        }
        wbuf_append(o, e, 2);
    }
    wbuf_append(o, s + run, n - run);
    wbuf_append(o, "\"", 1);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void cj_base64_encode(wbuf_t *out, const uint8_t *p, size_t n)
{
    uint8_t *o = wbuf_ensure(out, (n + 2) / 3 * 4);
    size_t k = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        o[k++] = (uint8_t)b64[v >> 18];
        o[k++] = (uint8_t)b64[(v >> 12) & 63];
        o[k++] = (uint8_t)b64[(v >> 6) & 63];
        o[k++] = (uint8_t)b64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        o[k++] = (uint8_t)b64[v >> 18];
        o[k++] = (uint8_t)b64[(v >> 12) & 63];
        o[k++] = i + 1 < n ? (uint8_t)b64[(v >> 6) & 63] : '=';
        o[k++] = '=';
    }
    out->len += k;
}

static int b64_val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

int cj_base64_decode(const char *s, size_t n, uint8_t **out, size_t *out_len)
{
    while (n && s[n - 1] == '=' && n % 4 != 1) /* padding is optional, as Jackson accepts */
        n--;
    if (n % 4 == 1) return -1;
    uint8_t *o = malloc(n / 4 * 3 + 3);
    if (!o) return -1;
    size_t k = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_val(s[i]);
        if (v < 0) {
            free(o);
            return -1;
        }
        acc = acc << 6 | (uint32_t)v;
        if (i % 4 == 3) {
            o[k++] = (uint8_t)(acc >> 16);
            o[k++] = (uint8_t)(acc >> 8);
            o[k++] = (uint8_t)acc;
            acc = 0;
        }
    }
    if (n % 4 == 2)
        o[k++] = (uint8_t)(acc >> 4);
    else if (n % 4 == 3) {
        o[k++] = (uint8_t)(acc >> 10);
        o[k++] = (uint8_t)(acc >> 2);
    }
    *out = o;
    *out_len = k;
    return 0;
}
