/* conv_basic.c: StringConverter and ByteArrayConverter as Kafka's (connect/runtime and
 * connect/api). StringConverter writes a value's text (Java's toString for structs, maps and
 * arrays) and reads every payload as an optional string; ByteArrayConverter passes bytes. */
#include "connector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf_t;

static void sb_put(sbuf_t *b, const char *s, size_t len)
{
    if (b->n + len + 1 > b->cap) {
        b->cap = (b->n + len + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void sb_str(sbuf_t *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* Java's toString of a Connect value: Struct{a=1,b=x}, {k=v, k2=v2}, [1, 2]. */
static void to_text(sbuf_t *b, const cd_value_t *v)
{
    char num[64];
    if (!v) return sb_str(b, "null");
    switch (v->type) {
    case CD_FLOAT32:
    case CD_FLOAT64:
        snprintf(num, sizeof num, "%.17g", v->u.f);
        if (!strpbrk(num, ".eEn")) strcat(num, ".0"); /* Java prints 1.0, not 1 */
        return sb_str(b, num);
    case CD_BOOLEAN:
        return sb_str(b, v->u.b ? "true" : "false");
    case CD_STRING:
    case CD_BYTES:
        return sb_put(b, v->u.s.p, v->u.s.len);
    case CD_ARRAY:
        sb_str(b, "[");
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i) sb_str(b, ", ");
            to_text(b, v->u.arr.items[i]);
        }
        return sb_str(b, "]");
    case CD_MAP:
        sb_str(b, "{");
        for (size_t i = 0; i < v->u.map.n; i++) {
            if (i) sb_str(b, ", ");
            to_text(b, v->u.map.keys[i]);
            sb_str(b, "=");
            to_text(b, v->u.map.vals[i]);
        }
        return sb_str(b, "}");
    case CD_STRUCT: {
        sb_str(b, "Struct{");
        bool first = true;
        for (size_t i = 0; i < v->u.st.schema->nfields; i++) {
            if (!v->u.st.fields[i]) continue; /* Struct.toString skips null fields */
            if (!first) sb_str(b, ",");
            first = false;
            sb_str(b, v->u.st.schema->fields[i].name);
            sb_str(b, "=");
            to_text(b, v->u.st.fields[i]);
        }
        return sb_str(b, "}");
    }
    default:
        snprintf(num, sizeof num, "%lld", (long long)v->u.i);
        return sb_str(b, num);
    }
}

static int dummy_instance;

static void *string_configure(const json_t *props, bool is_key, char *err, size_t errlen)
{
    (void)is_key;
    const char *enc = json_string_value(json_object_get(props, "converter.encoding"));
    if (enc && strcasecmp(enc, "UTF8") != 0 && strcasecmp(enc, "UTF-8") != 0) {
        snprintf(err, errlen,
                 "Invalid value %s for configuration converter.encoding: only UTF8 "
                 "is supported",
                 enc);
        return NULL;
    }
    return &dummy_instance;
}

static int string_from(void *conv, const char *topic, const cd_schema_t *schema,
                       const cd_value_t *value, uint8_t **out, size_t *out_len, char *err,
                       size_t errlen)
{
    (void)conv, (void)topic, (void)schema, (void)err, (void)errlen;
    *out = NULL;
    *out_len = 0;
    if (!value) return KC_OK;
    sbuf_t b = {0};
    to_text(&b, value);
    if (!b.p) b.p = calloc(1, 1);
    *out = (uint8_t *)b.p;
    *out_len = b.n;
    return KC_OK;
}

static int string_to(void *conv, const char *topic, const uint8_t *data, size_t len,
                     cd_schema_t **schema, cd_value_t **value, char *err, size_t errlen)
{
    (void)conv, (void)topic, (void)err, (void)errlen;
    *schema = cd_schema_prim(CD_STRING, true);
    *value = data ? cd_string_n((const char *)data, len) : NULL;
    return KC_OK;
}

static void noop_close(void *conv)
{
    (void)conv;
}

static const char *const string_aliases[] = {"StringConverter", NULL};
static const kc_cfg_def_t string_defs[] = {
    {.name = "converter.encoding",
     .type = KC_CFG_STRING,
     .default_value = "UTF8",
     .importance = KC_IMP_HIGH,
     .doc = "The name of the Java character set to use for encoding "
            "strings as byte arrays."},
};

const kc_plugin_t kc_string_converter_plugin = {
    .abi = KC_PLUGIN_ABI,
    .kind = KC_PLUGIN_CONVERTER,
    .class_name = "org.apache.kafka.connect.storage.StringConverter",
    .aliases = string_aliases,
    .version = "3.7.0",
    .defs = string_defs,
    .ndefs = 1,
    .ops.converter = {string_configure, string_from, string_to, noop_close},
};

static void *bytes_configure(const json_t *props, bool is_key, char *err, size_t errlen)
{
    (void)props, (void)is_key, (void)err, (void)errlen;
    return &dummy_instance;
}

static int bytes_from(void *conv, const char *topic, const cd_schema_t *schema,
                      const cd_value_t *value, uint8_t **out, size_t *out_len, char *err,
                      size_t errlen)
{
    (void)conv, (void)topic;
    *out = NULL;
    *out_len = 0;
    if (schema && schema->type != CD_BYTES) {
        snprintf(err, errlen, "Invalid schema type for ByteArrayConverter: %s",
                 cd_type_name(schema->type));
        return KC_ERR;
    }
    if (!value) return KC_OK;
    if (value->type != CD_BYTES) {
        snprintf(err, errlen, "ByteArrayConverter is not compatible with objects of type %s",
                 cd_type_name(value->type));
        return KC_ERR;
    }
    *out = malloc(value->u.s.len ? value->u.s.len : 1);
    if (!*out) abort();
    memcpy(*out, value->u.s.p, value->u.s.len);
    *out_len = value->u.s.len;
    return KC_OK;
}

static int bytes_to(void *conv, const char *topic, const uint8_t *data, size_t len,
                    cd_schema_t **schema, cd_value_t **value, char *err, size_t errlen)
{
    (void)conv, (void)topic, (void)err, (void)errlen;
    *schema = cd_schema_prim(CD_BYTES, true);
    *value = data ? cd_bytes(data, len) : NULL;
    return KC_OK;
}

static const char *const bytes_aliases[] = {"ByteArrayConverter", NULL};

const kc_plugin_t kc_bytearray_converter_plugin = {
    .abi = KC_PLUGIN_ABI,
    .kind = KC_PLUGIN_CONVERTER,
    .class_name = "org.apache.kafka.connect.converters.ByteArrayConverter",
    .aliases = bytes_aliases,
    .version = "3.7.0",
    .ops.converter = {bytes_configure, bytes_from, bytes_to, noop_close},
};
