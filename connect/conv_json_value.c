/* conv_json_value.c: JsonConverter's values (conv_json_int.h): Connect -> JSON text written by
 * hand so the bytes match Kafka's (Jackson's), and a jansson tree -> Connect walked with the
 * schema (or without one: JSON's own types). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_json_int.h"

/* --- Connect -> JSON ----------------------------------------------------------------------- */

static void wr_number(wbuf_t *o, double d, bool is_float)
{
    char buf[40];
    cj_fmt_double(buf, sizeof buf, d, is_float);
    if (isnan(d) || isinf(d)) /* Jackson's WRITE_NAN_AS_STRINGS */
        cj_write_str(o, buf, strlen(buf));
    else
        wbuf_append(o, buf, strlen(buf));
}

static int wr_decimal(const cj_t *cj, wbuf_t *o, const cd_schema_t *s, const cd_value_t *v,
                      char *err, size_t errlen)
{
    if (!cj->numeric) {
        wbuf_append(o, "\"", 1);
        cj_base64_encode(o, (const uint8_t *)v->u.s.p, v->u.s.len);
        wbuf_append(o, "\"", 1);
        return 0;
    }
    const char *sc = cd_schema_param(s, CD_DECIMAL_SCALE);
    char *txt = cd_decimal_to_string((const uint8_t *)v->u.s.p, v->u.s.len, sc ? atoi(sc) : 0);
    if (!txt) return ERR("Invalid Decimal value");
    wbuf_append(o, txt, strlen(txt));
    free(txt);
    return 0;
}

static int wr_map(const cj_t *cj, wbuf_t *o, const cd_schema_t *s, const cd_value_t *v, char *err,
                  size_t errlen)
{
    bool obj = true; /* string keys: a JSON object; other keys: an array of [key, value] */
    if (s)
        obj = s->key_schema && s->key_schema->type == CD_STRING;
    else
        for (size_t i = 0; i < v->u.map.n; i++)
            if (!v->u.map.keys[i] || v->u.map.keys[i]->type != CD_STRING) obj = false;
    const cd_schema_t *ks = s ? s->key_schema : NULL, *vs = s ? s->value_schema : NULL;
    wbuf_append(o, obj ? "{" : "[", 1);
    for (size_t i = 0; i < v->u.map.n; i++) {
        if (i) wbuf_append(o, ",", 1);
        const cd_value_t *k = v->u.map.keys[i];
        if (obj) {
            if (!k) return ERR("Invalid null key in a map with string keys");
            cj_write_str(o, k->u.s.p, k->u.s.len);
            wbuf_append(o, ":", 1);
        } else {
            wbuf_append(o, "[", 1);
            if (cj_write_value(cj, o, ks, k, err, errlen)) return -1;
            wbuf_append(o, ",", 1);
        }
        if (cj_write_value(cj, o, vs, v->u.map.vals[i], err, errlen)) return -1;
        if (!obj) wbuf_append(o, "]", 1);
    }
    wbuf_append(o, obj ? "}" : "]", 1);
    return 0;
}

static int wr_struct(const cj_t *cj, wbuf_t *o, const cd_schema_t *s, const cd_value_t *v,
                     char *err, size_t errlen)
{
    const cd_schema_t *vs = v->u.st.schema;
    if (s && s != vs && !cd_schema_equal(s, vs)) return ERR("Mismatching schema.");
    wbuf_append(o, "{", 1);
    for (size_t i = 0; i < vs->nfields; i++) {
        if (i) wbuf_append(o, ",", 1);
        cj_write_str(o, vs->fields[i].name, strlen(vs->fields[i].name));
        wbuf_append(o, ":", 1);
        if (cj_write_value(cj, o, vs->fields[i].schema, v->u.st.fields[i], err, errlen)) return -1;
    }
    wbuf_append(o, "}", 1);
    return 0;
}

int cj_write_value(const cj_t *cj, wbuf_t *o, const cd_schema_t *s, const cd_value_t *v, char *err,
                   size_t errlen)
{
    if (!v) {
        if (s && s->default_value && cj->null_default)
            return cj_write_value(cj, o, s, s->default_value, err, errlen);
        if (s && !s->optional)
            return ERR("Conversion error: null value for field that is required and has no "
                       "default value");
        wbuf_append(o, "null", 4);
        return 0;
    }
    if (s && s->type != v->type)
        return ERR("Invalid type for %s: value is %s", cd_type_name(s->type),
                   cd_type_name(v->type));
    switch (v->type) {
    case CD_INT8:
    case CD_INT16:
    case CD_INT32:
    case CD_INT64:
        wbuf_printf(o, "%lld", (long long)v->u.i);
        return 0;
    case CD_FLOAT32:
    case CD_FLOAT64:
        wr_number(o, v->u.f, v->type == CD_FLOAT32);
        return 0;
    case CD_BOOLEAN:
        wbuf_append(o, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
        return 0;
    case CD_STRING:
        cj_write_str(o, v->u.s.p, v->u.s.len);
        return 0;
    case CD_BYTES:
        if (s && cd_schema_is_logical(s, CD_LOGICAL_DECIMAL))
            return wr_decimal(cj, o, s, v, err, errlen);
        wbuf_append(o, "\"", 1);
        cj_base64_encode(o, (const uint8_t *)v->u.s.p, v->u.s.len);
        wbuf_append(o, "\"", 1);
        return 0;
    case CD_ARRAY:
        wbuf_append(o, "[", 1);
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i) wbuf_append(o, ",", 1);
            if (cj_write_value(cj, o, s ? s->value_schema : NULL, v->u.arr.items[i], err, errlen))
                return -1;
        }
        wbuf_append(o, "]", 1);
        return 0;
    case CD_MAP:
        return wr_map(cj, o, s, v, err, errlen);
    case CD_STRUCT:
        return wr_struct(cj, o, s, v, err, errlen);
    }
    return ERR("Couldn't convert a value of unknown type");
}

/* --- JSON -> Connect ----------------------------------------------------------------------- */

/* A value without a schema: JSON's own types (schemas.enable=false, or "schema": null). */
static cd_value_t *rd_schemaless(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_TRUE:
        return cd_bool(true);
    case JSON_FALSE:
        return cd_bool(false);
    case JSON_INTEGER:
        return cd_int(CD_INT64, json_integer_value(j));
    case JSON_REAL:
        return cd_float(CD_FLOAT64, json_real_value(j));
    case JSON_STRING:
        return cd_string_n(json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        cd_value_t *a = cd_array_new();
        size_t i;
        const json_t *e;
        json_array_foreach(j, i, e) cd_array_push(a, rd_schemaless(e));
        return a;
    }
    case JSON_OBJECT: {
        cd_value_t *m = cd_map_new();
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)j, k, e) cd_map_put(m, cd_string(k), rd_schemaless(e));
        return m;
    }
    case JSON_NULL:
        return NULL;
    }
    return NULL;
}

static int rd_int(cd_type_t t, const json_t *j, cd_value_t **out, char *err, size_t errlen)
{
    static const int64_t lim[] = {[CD_INT8] = INT8_MAX,
                                  [CD_INT16] = INT16_MAX,
                                  [CD_INT32] = INT32_MAX,
                                  [CD_INT64] = INT64_MAX};
    if (!json_is_integer(j))
        return ERR("Invalid value for %s: expected an integer", cd_type_name(t));
    json_int_t v = json_integer_value(j);
    if (v > lim[t] || v < -lim[t] - 1)
        return ERR("Invalid value for %s: %lld is out of range", cd_type_name(t), (long long)v);
    *out = cd_int(t, v);
    return 0;
}

static int rd_bytes(const cd_schema_t *s, const json_t *j, cd_value_t **out, char *err,
                    size_t errlen)
{
    if (json_is_number(j) && cd_schema_is_logical(s, CD_LOGICAL_DECIMAL)) {
        /* decimal.format=NUMERIC on the writer's side */
        const char *sc = cd_schema_param(s, CD_DECIMAL_SCALE);
        char txt[64];
        if (json_is_integer(j))
            snprintf(txt, sizeof txt, "%lld", (long long)json_integer_value(j));
        else
            snprintf(txt, sizeof txt, "%.17g", json_real_value(j));
        *out = cd_decimal_from_string(txt, sc ? atoi(sc) : 0);
        return *out ? 0 : ERR("Invalid Decimal value %s", txt);
    }
    uint8_t *p;
    size_t n;
    if (!json_is_string(j) || cj_base64_decode(json_string_value(j), json_string_length(j), &p, &n))
        return ERR("Invalid bytes field");
    *out = cd_bytes(p, n);
    free(p);
    return 0;
}

static int rd_map(const cj_t *cj, const cd_schema_t *s, const json_t *j, cd_value_t **out,
                  char *err, size_t errlen)
{
    cd_value_t *m = cd_map_new();
    *out = m;
    if (s->key_schema->type == CD_STRING) {
        if (!json_is_object(j))
            return ERR("Maps with string fields should be encoded as JSON objects");
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)j, k, e)
        {
            cd_value_t *v = NULL;
            if (cj_read_value(cj, s->value_schema, e, &v, err, errlen)) return -1;
            cd_map_put(m, cd_string(k), v);
        }
        return 0;
    }
    if (!json_is_array(j))
        return ERR("Maps with non-string fields should be encoded as JSON array of tuples");
    size_t i;
    const json_t *e;
    json_array_foreach(j, i, e)
    {
        if (!json_is_array(e) || json_array_size(e) != 2)
            return ERR("Found invalid map entry: expected an array of length 2");
        cd_value_t *k = NULL, *v = NULL;
        if (cj_read_value(cj, s->key_schema, json_array_get(e, 0), &k, err, errlen)) return -1;
        if (cj_read_value(cj, s->value_schema, json_array_get(e, 1), &v, err, errlen)) {
            cd_value_free(k);
            return -1;
        }
        cd_map_put(m, k, v);
    }
    return 0;
}

static int rd_struct(const cj_t *cj, const cd_schema_t *s, const json_t *j, cd_value_t **out,
                     char *err, size_t errlen)
{
    if (!json_is_object(j)) return ERR("Structs should be encoded as JSON objects");
    cd_value_t *st = cd_struct_new((cd_schema_t *)s);
    *out = st;
    for (size_t i = 0; i < s->nfields; i++) {
        const cd_field_t *f = &s->fields[i];
        if (cj_read_value(cj, f->schema, json_object_get(j, f->name), &st->u.st.fields[i], err,
                          errlen)) {
            size_t n = strlen(err);
            snprintf(err + n, errlen - n, " (field \"%s\")", f->name);
            return -1;
        }
    }
    return 0;
}

static int rd_typed(const cj_t *cj, const cd_schema_t *s, const json_t *j, cd_value_t **out,
                    char *err, size_t errlen)
{
    switch (s->type) {
    case CD_INT8:
    case CD_INT16:
    case CD_INT32:
    case CD_INT64:
        return rd_int(s->type, j, out, err, errlen);
    case CD_FLOAT32:
    case CD_FLOAT64:
        if (!json_is_number(j))
            return ERR("Invalid value for %s: expected a number", cd_type_name(s->type));
        /* float32 is read as Java's floatValue(): rounded to float, as it was written */
        *out = cd_float(s->type, s->type == CD_FLOAT32 ? (double)(float)json_number_value(j)
                                                       : json_number_value(j));
        return 0;
    case CD_BOOLEAN:
        if (!json_is_boolean(j)) return ERR("Invalid value for boolean: expected true or false");
        *out = cd_bool(json_is_true(j));
        return 0;
    case CD_STRING:
        if (!json_is_string(j)) return ERR("Invalid value for string: expected a JSON string");
        *out = cd_string_n(json_string_value(j), json_string_length(j));
        return 0;
    case CD_BYTES:
        return rd_bytes(s, j, out, err, errlen);
    case CD_ARRAY: {
        if (!json_is_array(j)) return ERR("Invalid value for array: expected a JSON array");
        cd_value_t *a = cd_array_new();
        *out = a;
        size_t i;
        const json_t *e;
        json_array_foreach(j, i, e)
        {
            cd_value_t *v = NULL;
            if (cj_read_value(cj, s->value_schema, e, &v, err, errlen)) return -1;
            cd_array_push(a, v);
        }
        return 0;
    }
    case CD_MAP:
        return rd_map(cj, s, j, out, err, errlen);
    case CD_STRUCT:
        return rd_struct(cj, s, j, out, err, errlen);
    }
    return ERR("Unknown schema type");
}

/* On error *out may hold a partial tree: rd_value frees it and leaves NULL. */
int cj_read_value(const cj_t *cj, const cd_schema_t *s, const json_t *j, cd_value_t **out,
                  char *err, size_t errlen)
{
    *out = NULL;
    if (!s) {
        *out = j ? rd_schemaless(j) : NULL;
        return 0;
    }
    if (!j || json_is_null(j)) {
        if (s->default_value) {
            *out = cd_value_copy(s->default_value);
            return 0;
        }
        if (s->optional) return 0;
        return ERR("Invalid null value for required %s field", cd_type_name(s->type));
    }
    if (rd_typed(cj, s, j, out, err, errlen)) {
        cd_value_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}
