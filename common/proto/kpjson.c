/* kpjson.c: schema-driven Kafka body <-> JSON (see kpjson.h). The schema string is walked
 * again for every array element; its syntax is the caller's (a constant), so a schema error
 * is a bug and aborts. */
#include "kpjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum kpj_type {
    KPJ_I8,
    KPJ_I16,
    KPJ_I32,
    KPJ_I64,
    KPJ_BOOL,
    KPJ_STR,
    KPJ_NSTR,
    KPJ_BYTES,
    KPJ_NBYTES,
    KPJ_RAW,     /* BYTES kept as they are, for a nested decode by the caller */
    KPJ_ARRAY,   /* of structs */
    KPJ_NARRAY,  /* nullable, of structs */
    KPJ_PARRAY,  /* of one primitive */
    KPJ_NPARRAY, /* nullable, of one primitive */
} kpj_type_t;

static const struct {
    const char *name;
    kpj_type_t type;
} kpj_prims[] = {
    {"i8", KPJ_I8},         {"i16", KPJ_I16}, {"i32", KPJ_I32},   {"i64", KPJ_I64},
    {"bool", KPJ_BOOL},     {"str", KPJ_STR}, {"nstr", KPJ_NSTR}, {"bytes", KPJ_BYTES},
    {"nbytes", KPJ_NBYTES}, {"raw", KPJ_RAW},
};

static void kpj_bad(const char *at)
{
    fprintf(stderr, "kpjson: bad schema at '%s'\n", at);
    abort();
}

/* After the ']' closing the bracket opened just before p. */
static const char *kpj_close(const char *p)
{
    int depth = 1;
    for (; *p; p++) {
        if (*p == '[') depth++;
        if (*p == ']' && --depth == 0) return p + 1;
    }
    kpj_bad(p);
    return p;
}

/* One field at p: its name (n bytes at *name), type, and for arrays the element schema
 * (*sub: structs' fields, or the primitive's type in *elem). Returns the text after it. */
static const char *kpj_field(const char *p, const char **name, size_t *n, kpj_type_t *type,
                             const char **sub, kpj_type_t *elem)
{
    const char *colon = strchr(p, ':');
    if (!colon) kpj_bad(p);
    *name = p;
    *n = (size_t)(colon - p);
    p = colon + 1;
    bool nullable = *p == '?';
    if (nullable) p++;
    if (*p == '[') {
        *sub = p + 1;
        const char *end = kpj_close(p + 1);
        size_t len = (size_t)(end - 1 - *sub);
        *type = nullable ? KPJ_NARRAY : KPJ_ARRAY;
        for (size_t i = 0; i < sizeof(kpj_prims) / sizeof(kpj_prims[0]); i++)
            if (strlen(kpj_prims[i].name) == len && strncmp(*sub, kpj_prims[i].name, len) == 0) {
                *type = nullable ? KPJ_NPARRAY : KPJ_PARRAY;
                *elem = kpj_prims[i].type;
            }
        return *end == ',' ? end + 1 : end;
    }
    size_t len = strcspn(p, ",]");
    for (size_t i = 0; i < sizeof(kpj_prims) / sizeof(kpj_prims[0]); i++)
        if (strlen(kpj_prims[i].name) == len && strncmp(p, kpj_prims[i].name, len) == 0) {
            *type = kpj_prims[i].type;
            return p[len] == ',' ? p + len + 1 : p + len;
        }
    kpj_bad(p);
    return p;
}

/* ---- decoding ---- */

static json_t *kpj_dec_struct(const char *schema, rbuf_t *rb, bool flex);

/* A JSON string of s; bytes that are not valid UTF-8 become '?'. */
static json_t *kpj_str(kstr_t s)
{
    if (s.len < 0) return json_null();
    json_t *j = json_stringn(s.p, (size_t)s.len);
    if (j) return j;
    char *copy = malloc((size_t)s.len + 1);
    if (!copy) abort();
    for (int32_t i = 0; i < s.len; i++)
        copy[i] = ((unsigned char)s.p[i] < 0x80 && s.p[i]) ? s.p[i] : '?';
    j = json_stringn(copy, (size_t)s.len);
    free(copy);
    return j;
}

static json_t *kpj_dec_prim(kpj_type_t t, rbuf_t *rb, bool flex)
{
    switch (t) {
    case KPJ_I8:
        return json_integer(rbuf_i8(rb));
    case KPJ_I16:
        return json_integer(rbuf_i16(rb));
    case KPJ_I32:
        return json_integer(rbuf_i32(rb));
    case KPJ_I64:
        return json_integer(rbuf_i64(rb));
    case KPJ_BOOL:
        return json_boolean(rbuf_bool(rb));
    case KPJ_STR:
    case KPJ_NSTR:
        return kpj_str(rbuf_str_f(rb, flex));
    case KPJ_BYTES:
    case KPJ_NBYTES: {
        kbytes_t b = rbuf_bytes_f(rb, flex);
        return b.len < 0 ? json_null() : json_integer(b.len);
    }
    case KPJ_RAW: {
        kbytes_t b = rbuf_bytes_f(rb, flex);
        return b.len < 0 ? json_null() : json_stringn_nocheck((const char *)b.p, (size_t)b.len);
    }
    default:
        abort();
    }
}

static json_t *kpj_dec_array(kpj_type_t t, const char *sub, kpj_type_t elem, rbuf_t *rb, bool flex)
{
    int32_t n = rbuf_array_len(rb, flex, 1);
    if (n < 0) return json_null();
    json_t *a = json_array();
    for (int32_t i = 0; i < n && !rbuf_err(rb); i++) {
        json_t *v = t >= KPJ_PARRAY ? kpj_dec_prim(elem, rb, flex) : kpj_dec_struct(sub, rb, flex);
        if (!v) break;
        json_array_append_new(a, v);
    }
    return a;
}

static json_t *kpj_dec_struct(const char *schema, rbuf_t *rb, bool flex)
{
    json_t *o = json_object();
    const char *p = schema;
    while (*p && *p != ']' && !rbuf_err(rb)) {
        const char *name, *sub = NULL;
        size_t n;
        kpj_type_t t, elem = KPJ_I8;
        p = kpj_field(p, &name, &n, &t, &sub, &elem);
        json_t *v =
            t >= KPJ_ARRAY ? kpj_dec_array(t, sub, elem, rb, flex) : kpj_dec_prim(t, rb, flex);
        if (!v) break;
        char key[64];
        snprintf(key, sizeof(key), "%.*s", (int)n, name);
        json_object_set_new(o, key, v);
    }
    if (flex) rbuf_skip_tags(rb);
    if (rbuf_err(rb)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *kpjson_decode(const char *schema, rbuf_t *rb, bool flexible)
{
    return kpj_dec_struct(schema, rb, flexible);
}

/* ---- encoding ---- */

static void kpj_enc_struct(const char *schema, const json_t *o, wbuf_t *wb, bool flex);

static void kpj_enc_prim(kpj_type_t t, const json_t *v, wbuf_t *wb, bool flex)
{
    json_int_t i = json_is_integer(v) ? json_integer_value(v) : 0;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    int32_t len = s ? (int32_t)json_string_length(v) : -1;
    switch (t) {
    case KPJ_I8:
        wbuf_i8(wb, (int8_t)i);
        break;
    case KPJ_I16:
        wbuf_i16(wb, (int16_t)i);
        break;
    case KPJ_I32:
        wbuf_i32(wb, (int32_t)i);
        break;
    case KPJ_I64:
        wbuf_i64(wb, (int64_t)i);
        break;
    case KPJ_BOOL:
        wbuf_bool(wb, json_is_true(v));
        break;
    case KPJ_STR:
        wbuf_str_f(wb, flex, s ? s : "", s ? len : 0);
        break;
    case KPJ_NSTR:
        wbuf_str_f(wb, flex, s, len);
        break;
    case KPJ_BYTES:
    case KPJ_RAW:
        wbuf_bytes_f(wb, flex, s ? s : "", s ? len : 0);
        break;
    case KPJ_NBYTES:
        wbuf_bytes_f(wb, flex, s, len);
        break;
    default:
        abort();
    }
}

static void kpj_enc_array(kpj_type_t t, const char *sub, kpj_type_t elem, const json_t *v,
                          wbuf_t *wb, bool flex)
{
    if (!json_is_array(v)) {
        wbuf_array_len(wb, flex, t == KPJ_NARRAY || t == KPJ_NPARRAY ? -1 : 0);
        return;
    }
    wbuf_array_len(wb, flex, (int32_t)json_array_size(v));
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e)
    {
        if (t >= KPJ_PARRAY)
            kpj_enc_prim(elem, e, wb, flex);
        else
            kpj_enc_struct(sub, e, wb, flex);
    }
}

static void kpj_enc_struct(const char *schema, const json_t *o, wbuf_t *wb, bool flex)
{
    const char *p = schema;
    while (*p && *p != ']') {
        const char *name, *sub = NULL;
        size_t n;
        kpj_type_t t, elem = KPJ_I8;
        p = kpj_field(p, &name, &n, &t, &sub, &elem);
        char key[64];
        snprintf(key, sizeof(key), "%.*s", (int)n, name);
        const json_t *v = json_object_get(o, key);
        if (t >= KPJ_ARRAY)
            kpj_enc_array(t, sub, elem, v, wb, flex);
        else
            kpj_enc_prim(t, v, wb, flex);
    }
    wbuf_tags(wb, flex);
}

void kpjson_encode(const char *schema, const json_t *doc, wbuf_t *wb, bool flexible)
{
    kpj_enc_struct(schema, doc, wb, flexible);
}
