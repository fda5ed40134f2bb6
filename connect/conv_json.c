/* conv_json.c: JsonConverter (conv_json.h). Writing is done by hand into a wbuf so the bytes
 * match Kafka's (Jackson's) output exactly; reading parses with jansson and then walks the tree
 * with the schema. */
#include "conv_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cj {
    bool schemas;      /* schemas.enable */
    bool numeric;      /* decimal.format=NUMERIC */
    bool null_default; /* replace.null.with.default */
    /* one cached schema each way: a task's records almost always share it */
    cd_schema_t *w_schema; /* a reference; its JSON text is w_text */
    wbuf_t w_text;
    json_t *r_node; /* a reference; the schema built from it is r_schema */
    cd_schema_t *r_schema;
    wbuf_t r_text; /* r_node's raw bytes as the last envelope carried them (fast path) */
    wbuf_t out;    /* scratch for the plugin's from_connect */
};

/* Write a reason into the caller's err buffer; returns -1 so callers can `return ERR(...)`. */
__attribute__((format(printf, 3, 4))) static int set_err(char *err, size_t errlen, const char *fmt,
                                                         ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}
#define ERR(...) set_err(err, errlen, __VA_ARGS__)

static const char *const type_names[CD_TYPE_COUNT] = {
    [CD_INT8] = "int8",       [CD_INT16] = "int16",   [CD_INT32] = "int32",
    [CD_INT64] = "int64",     [CD_FLOAT32] = "float", [CD_FLOAT64] = "double",
    [CD_BOOLEAN] = "boolean", [CD_STRING] = "string", [CD_BYTES] = "bytes",
    [CD_ARRAY] = "array",     [CD_MAP] = "map",       [CD_STRUCT] = "struct",
};

static bool json_type_parse(const char *name, cd_type_t *out)
{
    for (int t = 0; t < CD_TYPE_COUNT; t++) {
        if (strcmp(type_names[t], name) == 0) {
            *out = (cd_type_t)t;
            return true;
        }
    }
    return false;
}

/* --- Connect -> JSON ----------------------------------------------------------------------- */

static int wr_value(const cj_t *cj, wbuf_t *o, const cd_schema_t *s, const cd_value_t *v, char *err,
                    size_t errlen);

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
            if (wr_value(cj, o, ks, k, err, errlen)) return -1;
            wbuf_append(o, ",", 1);
        }
        if (wr_value(cj, o, vs, v->u.map.vals[i], err, errlen)) return -1;
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
        if (wr_value(cj, o, vs->fields[i].schema, v->u.st.fields[i], err, errlen)) return -1;
    }
    wbuf_append(o, "}", 1);
    return 0;
}

static int wr_value(const cj_t *cj, wbuf_t *o, const cd_schema_t *s, const cd_value_t *v, char *err,
                    size_t errlen)
{
    if (!v) {
        if (s && s->default_value && cj->null_default)
            return wr_value(cj, o, s, s->default_value, err, errlen);
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
            if (wr_value(cj, o, s ? s->value_schema : NULL, v->u.arr.items[i], err, errlen))
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

static void wr_params(wbuf_t *o, const json_t *params)
{
    const char *k;
    json_t *val;
    bool first = true;
    wbuf_append(o, ",\"parameters\":{", 15);
    json_object_foreach((json_t *)params, k, val)
    {
        if (!first) wbuf_append(o, ",", 1);
        first = false;
        cj_write_str(o, k, strlen(k));
        wbuf_append(o, ":", 1);
        const char *sv = json_is_string(val) ? json_string_value(val) : "";
        cj_write_str(o, sv, strlen(sv));
    }
    wbuf_append(o, "}", 1);
}

/* The schema object without its closing brace, so a struct field can append "field". */
static void wr_schema_open(wbuf_t *o, const cd_schema_t *s)
{
    wbuf_printf(o, "{\"type\":\"%s\"", type_names[s->type]);
    if (s->type == CD_STRUCT) {
        wbuf_append(o, ",\"fields\":[", 11);
        for (size_t i = 0; i < s->nfields; i++) {
            if (i) wbuf_append(o, ",", 1);
            wr_schema_open(o, s->fields[i].schema);
            wbuf_append(o, ",\"field\":", 9);
            cj_write_str(o, s->fields[i].name, strlen(s->fields[i].name));
            wbuf_append(o, "}", 1);
        }
        wbuf_append(o, "]", 1);
    } else if (s->type == CD_ARRAY) {
        wbuf_append(o, ",\"items\":", 9);
        cj_schema_write(o, s->value_schema);
    } else if (s->type == CD_MAP) {
        wbuf_append(o, ",\"keys\":", 8);
        cj_schema_write(o, s->key_schema);
        wbuf_append(o, ",\"values\":", 10);
        cj_schema_write(o, s->value_schema);
    }
    wbuf_printf(o, ",\"optional\":%s", s->optional ? "true" : "false");
    if (s->name) {
        wbuf_append(o, ",\"name\":", 8);
        cj_write_str(o, s->name, strlen(s->name));
    }
    if (s->version) wbuf_printf(o, ",\"version\":%d", (int)s->version);
    if (s->doc) {
        wbuf_append(o, ",\"doc\":", 7);
        cj_write_str(o, s->doc, strlen(s->doc));
    }
    if (s->parameters) wr_params(o, s->parameters);
    if (s->default_value) {
        static const cj_t plain = {.null_default = true};
        char err[8];
        wbuf_append(o, ",\"default\":", 11);
        if (wr_value(&plain, o, s, s->default_value, err, sizeof err))
            wbuf_append(o, "null", 4); /* cd_schema_set_default validated it: unreachable */
    }
}

void cj_schema_write(wbuf_t *out, const cd_schema_t *s)
{
    if (!s) {
        wbuf_append(out, "null", 4);
        return;
    }
    wr_schema_open(out, s);
    wbuf_append(out, "}", 1);
}

/* The schema's JSON text, from the one-entry cache when s is (or equals) the last one. */
static void wr_schema_cached(cj_t *cj, wbuf_t *o, const cd_schema_t *s)
{
    if (!s) {
        wbuf_append(o, "null", 4);
        return;
    }
    if (s != cj->w_schema && !(cj->w_schema && cd_schema_equal(s, cj->w_schema))) {
        cd_schema_unref(cj->w_schema);
        cj->w_schema = cd_schema_ref((cd_schema_t *)s);
        wbuf_reset(&cj->w_text);
        cj_schema_write(&cj->w_text, s);
    }
    wbuf_append(o, cj->w_text.p, cj->w_text.len);
}

int cj_from_connect(cj_t *cj, const cd_schema_t *schema, const cd_value_t *value, wbuf_t *out,
                    bool *is_null, char *err, size_t errlen)
{
    *is_null = !schema && !value;
    if (*is_null) return 0;
    size_t mark = out->len;
    if (cj->schemas) {
        wbuf_append(out, "{\"schema\":", 10);
        wr_schema_cached(cj, out, schema);
        wbuf_append(out, ",\"payload\":", 11);
    }
    if (wr_value(cj, out, schema, value, err, errlen)) {
        out->len = mark;
        return -1;
    }
    if (cj->schemas) wbuf_append(out, "}", 1);
    return 0;
}

/* --- JSON -> Connect ----------------------------------------------------------------------- */

static int rd_value(const cj_t *cj, const cd_schema_t *s, const json_t *j, cd_value_t **out,
                    char *err, size_t errlen);

static int rd_schema_attrs(cd_schema_t *s, const json_t *j, char *err, size_t errlen)
{
    const json_t *name = json_object_get(j, "name"), *ver = json_object_get(j, "version");
    const json_t *doc = json_object_get(j, "doc"), *params = json_object_get(j, "parameters");
    s->optional = json_is_true(json_object_get(j, "optional"));
    if (json_is_string(name)) cd_schema_set_name(s, json_string_value(name));
    if (json_is_integer(ver)) s->version = (int32_t)json_integer_value(ver);
    if (json_is_string(doc)) cd_schema_set_doc(s, json_string_value(doc));
    if (json_is_object(params)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)params, k, v)
        {
            if (!json_is_string(v)) return ERR("Schema parameters must have string values.");
            cd_schema_set_param(s, k, json_string_value(v));
        }
    }
    const json_t *def = json_object_get(j, "default");
    if (def) {
        static const cj_t plain = {.null_default = true};
        cd_value_t *dv = NULL;
        if (rd_value(&plain, s, def, &dv, err, errlen)) return -1;
        if (dv && !cd_schema_set_default(s, dv)) {
            cd_value_free(dv);
            return ERR("Invalid default value for schema");
        }
    }
    return 0;
}

static bool is_plain_schema(const json_t *j)
{
    return !json_object_get(j, "name") && !json_object_get(j, "version") &&
           !json_object_get(j, "doc") && !json_object_get(j, "parameters") &&
           !json_object_get(j, "default");
}

static cd_schema_t *rd_struct_schema(const json_t *j, char *err, size_t errlen)
{
    const json_t *fields = json_object_get(j, "fields");
    if (!json_is_array(fields)) {
        ERR("Struct schema's \"fields\" argument is not an array.");
        return NULL;
    }
    cd_schema_t *s = cd_schema_new(CD_STRUCT);
    size_t i;
    const json_t *f;
    json_array_foreach(fields, i, f)
    {
        const json_t *fname = json_object_get(f, "field");
        if (!json_is_string(fname)) {
            ERR("Struct schema's field name not specified properly");
            goto fail;
        }
        cd_schema_t *fs = cj_schema_read(f, err, errlen);
        if (!fs) goto fail;
        if (!cd_schema_add_field(s, json_string_value(fname), fs)) {
            cd_schema_unref(fs);
            ERR("Duplicate field name %s in struct schema", json_string_value(fname));
            goto fail;
        }
    }
    return s;
fail:
    cd_schema_unref(s);
    return NULL;
}

cd_schema_t *cj_schema_read(const json_t *j, char *err, size_t errlen)
{
    const json_t *tn = json_is_object(j) ? json_object_get(j, "type") : NULL;
    cd_type_t t;
    if (!json_is_string(tn)) {
        ERR("Schema must contain 'type' field");
        return NULL;
    }
    if (!json_type_parse(json_string_value(tn), &t)) {
        ERR("Unknown schema type: %s", json_string_value(tn));
        return NULL;
    }
    if (cd_type_is_primitive(t) && is_plain_schema(j))
        return cd_schema_prim(t, json_is_true(json_object_get(j, "optional")));
    cd_schema_t *s = NULL;
    if (t == CD_STRUCT) {
        s = rd_struct_schema(j, err, errlen);
    } else if (t == CD_ARRAY) {
        const json_t *items = json_object_get(j, "items");
        if (!items || json_is_null(items)) {
            ERR("Array schema did not specify the element type");
            return NULL;
        }
        cd_schema_t *e = cj_schema_read(items, err, errlen);
        s = e ? cd_schema_array(e) : NULL;
    } else if (t == CD_MAP) {
        const json_t *kj = json_object_get(j, "keys"), *vj = json_object_get(j, "values");
        if (!kj || !vj) {
            ERR("Map schema did not specify the %s type", kj ? "value" : "key");
            return NULL;
        }
        cd_schema_t *k = cj_schema_read(kj, err, errlen);
        cd_schema_t *v = k ? cj_schema_read(vj, err, errlen) : NULL;
        if (k && !v) cd_schema_unref(k);
        s = v ? cd_schema_map(k, v) : NULL;
    } else {
        s = cd_schema_new(t);
    }
    if (s && rd_schema_attrs(s, j, err, errlen)) {
        cd_schema_unref(s);
        s = NULL;
    }
    return s;
}

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
            if (rd_value(cj, s->value_schema, e, &v, err, errlen)) return -1;
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
        if (rd_value(cj, s->key_schema, json_array_get(e, 0), &k, err, errlen)) return -1;
        if (rd_value(cj, s->value_schema, json_array_get(e, 1), &v, err, errlen)) {
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
        if (rd_value(cj, f->schema, json_object_get(j, f->name), &st->u.st.fields[i], err,
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
            if (rd_value(cj, s->value_schema, e, &v, err, errlen)) return -1;
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
static int rd_value(const cj_t *cj, const cd_schema_t *s, const json_t *j, cd_value_t **out,
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

static cd_schema_t *rd_schema_cached(cj_t *cj, const json_t *j, char *err, size_t errlen)
{
    if (json_is_null(j)) return NULL;
    if (cj->r_node && json_equal(cj->r_node, (json_t *)j)) return cd_schema_ref(cj->r_schema);
    cd_schema_t *s = cj_schema_read(j, err, errlen);
    if (!s) return NULL;
    json_decref(cj->r_node);
    cd_schema_unref(cj->r_schema);
    cj->r_node = json_incref((json_t *)j);
    cj->r_schema = cd_schema_ref(s);
    return s;
}

/* The end of the JSON value starting at p (an object or array: brackets matched outside
 * strings; a scalar: up to the next ',' or '}'), or NULL. Only used to find the envelope's
 * parts; jansson still validates everything it parses. */
static const char *value_end(const char *p, const char *end)
{
    if (p >= end) return NULL;
    if (*p != '{' && *p != '[') {
        while (p < end && *p != ',' && *p != '}') p++;
        return p < end ? p : NULL;
    }
    int depth = 0;
    bool in_str = false;
    for (; p < end; p++) {
        char c = *p;
        if (in_str) {
            if (c == '\\')
                p++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            return p + 1;
        }
    }
    return NULL;
}

/* {"schema":S,"payload":P} exactly as Kafka writes it (no spaces): S and P's spans. */
static bool envelope_split(const char *d, size_t len, const char **s, size_t *slen, const char **pl,
                           size_t *plen)
{
    static const char head[] = "{\"schema\":", mid[] = ",\"payload\":";
    const char *end = d + len;
    if (len < sizeof head + sizeof mid || memcmp(d, head, sizeof head - 1) != 0) return false;
    *s = d + sizeof head - 1;
    const char *se = value_end(*s, end);
    if (!se || (size_t)(end - se) < sizeof mid || memcmp(se, mid, sizeof mid - 1) != 0)
        return false;
    *slen = (size_t)(se - *s);
    *pl = se + sizeof mid - 1;
    if (end[-1] != '}' || *pl >= end - 1) return false;
    *plen = (size_t)(end - 1 - *pl);
    return true;
}

/* The fast path for a stream of records with one schema: when the envelope's schema bytes
 * equal the last ones, only the payload is parsed. 1 = done (rc in *rc), 0 = take the full
 * path. */
static int to_connect_fast(cj_t *cj, const uint8_t *data, size_t len, cd_schema_t **schema,
                           cd_value_t **value, int *rc, char *err, size_t errlen)
{
    const char *s, *pl;
    size_t slen, plen;
    if (!cj->schemas || !cj->r_node ||
        !envelope_split((const char *)data, len, &s, &slen, &pl, &plen) || slen != cj->r_text.len ||
        memcmp(s, cj->r_text.p, slen) != 0)
        return 0;
    json_error_t je;
    json_t *payload = json_loadb(pl, plen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!payload) return 0; /* the full parse reports the error */
    *rc = rd_value(cj, cj->r_schema, payload, value, err, errlen);
    json_decref(payload);
    if (*rc == 0) *schema = cd_schema_ref(cj->r_schema);
    return 1;
}

/* Remember the raw schema bytes of an envelope whose schema was just cached. */
static void remember_schema_text(cj_t *cj, const uint8_t *data, size_t len)
{
    const char *s, *pl;
    size_t slen, plen;
    wbuf_reset(&cj->r_text);
    if (envelope_split((const char *)data, len, &s, &slen, &pl, &plen))
        wbuf_append(&cj->r_text, s, slen);
}

int cj_to_connect(cj_t *cj, const uint8_t *data, size_t len, cd_schema_t **schema,
                  cd_value_t **value, char *err, size_t errlen)
{
    *schema = NULL;
    *value = NULL;
    if (!data) return 0;
    int fast_rc;
    if (to_connect_fast(cj, data, len, schema, value, &fast_rc, err, errlen)) return fast_rc;
    json_error_t je;
    json_t *root = json_loadb((const char *)data, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!root)
        return ERR("Converting byte[] to Kafka Connect data failed due to serialization error: "
                   "%s (at byte %d)",
                   je.text, je.position);
    const json_t *payload = root;
    cd_schema_t *s = NULL;
    if (cj->schemas) {
        const json_t *sj = json_object_get(root, "schema");
        payload = json_object_get(root, "payload");
        if (!json_is_object(root) || json_object_size(root) != 2 || !sj || !payload) {
            json_decref(root);
            return ERR("JsonConverter with schemas.enable requires \"schema\" and \"payload\" "
                       "fields and may not contain additional fields. If you are trying to "
                       "deserialize plain JSON data, set schemas.enable=false in your "
                       "converter configuration.");
        }
        err[0] = '\0';
        s = rd_schema_cached(cj, sj, err, errlen);
        if (!s && err[0]) {
            json_decref(root);
            return -1;
        }
        if (s && s == cj->r_schema) remember_schema_text(cj, data, len);
    }
    int rc = rd_value(cj, s, payload, value, err, errlen);
    json_decref(root);
    if (rc) {
        cd_schema_unref(s);
        return -1;
    }
    *schema = s;
    return 0;
}

/* --- the instance and the plugin --------------------------------------------------------- */

static const kc_cfg_def_t cj_defs[] = {
    {.name = "schemas.enable",
     .type = KC_CFG_BOOLEAN,
     .default_value = "true",
     .importance = KC_IMP_HIGH,
     .doc = "Include schemas within each of the serialized values "
            "and keys."},
    {.name = "schemas.cache.size",
     .type = KC_CFG_INT,
     .default_value = "1000",
     .importance = KC_IMP_HIGH,
     .doc = "The maximum number of schemas that can be cached.",
     .validator = kc_valid_at_least,
     .valid_arg = "0"},
    {.name = "decimal.format",
     .type = KC_CFG_STRING,
     .default_value = "BASE64",
     .importance = KC_IMP_LOW,
     .doc = "How to serialize Decimals: BASE64 or NUMERIC.",
     .validator = kc_valid_in,
     .valid_arg = "BASE64|NUMERIC"},
    {.name = "replace.null.with.default",
     .type = KC_CFG_BOOLEAN,
     .default_value = "true",
     .importance = KC_IMP_LOW,
     .doc = "Whether to replace null fields with their default."},
};
#define CJ_NDEFS (sizeof cj_defs / sizeof cj_defs[0])

cj_t *cj_new(const json_t *props, char *err, size_t errlen)
{
    json_t *empty = props ? NULL : json_object();
    const json_t *p = props ? props : empty;
    const char *df = kc_cfg_str(cj_defs, CJ_NDEFS, p, "decimal.format");
    if (df && strcasecmp(df, "BASE64") != 0 && strcasecmp(df, "NUMERIC") != 0) {
        ERR("Invalid value %s for configuration decimal.format: String must be one of: BASE64, "
            "NUMERIC",
            df);
        json_decref(empty);
        return NULL;
    }
    cj_t *cj = calloc(1, sizeof *cj);
    if (!cj) {
        json_decref(empty);
        ERR("out of memory");
        return NULL;
    }
    cj->schemas = kc_cfg_bool(cj_defs, CJ_NDEFS, p, "schemas.enable");
    cj->null_default = kc_cfg_bool(cj_defs, CJ_NDEFS, p, "replace.null.with.default");
    cj->numeric = df && strcasecmp(df, "NUMERIC") == 0;
    wbuf_init(&cj->w_text);
    wbuf_init(&cj->r_text);
    wbuf_init(&cj->out);
    json_decref(empty);
    return cj;
}

void cj_free(cj_t *cj)
{
    if (!cj) return;
    cd_schema_unref(cj->w_schema);
    cd_schema_unref(cj->r_schema);
    json_decref(cj->r_node);
    wbuf_free(&cj->w_text);
    wbuf_free(&cj->r_text);
    wbuf_free(&cj->out);
    free(cj);
}

static void *op_configure(const json_t *props, bool is_key, char *err, size_t errlen)
{
    (void)is_key;
    return cj_new(props, err, errlen);
}

static int op_from_connect(void *conv, const char *topic, const cd_schema_t *schema,
                           const cd_value_t *value, uint8_t **out, size_t *out_len, char *err,
                           size_t errlen)
{
    (void)topic;
    cj_t *cj = conv;
    bool is_null;
    *out = NULL;
    *out_len = 0;
    wbuf_reset(&cj->out);
    if (cj_from_connect(cj, schema, value, &cj->out, &is_null, err, errlen)) return KC_ERR;
    if (is_null) return KC_OK;
    *out = malloc(cj->out.len ? cj->out.len : 1);
    if (!*out) return ERR("out of memory");
    memcpy(*out, cj->out.p, cj->out.len);
    *out_len = cj->out.len;
    return KC_OK;
}

static int op_to_connect(void *conv, const char *topic, const uint8_t *data, size_t len,
                         cd_schema_t **schema, cd_value_t **value, char *err, size_t errlen)
{
    (void)topic;
    return cj_to_connect(conv, data, len, schema, value, err, errlen) ? KC_ERR : KC_OK;
}

static void op_close(void *conv)
{
    cj_free(conv);
}

static const char *const cj_aliases[] = {"JsonConverter", NULL};

const kc_plugin_t cj_plugin = {
    .abi = KC_PLUGIN_ABI,
    .kind = KC_PLUGIN_CONVERTER,
    .class_name = "org.apache.kafka.connect.json.JsonConverter",
    .aliases = cj_aliases,
    .version = "3.7.0",
    .defs = cj_defs,
    .ndefs = CJ_NDEFS,
    .ops.converter = {.configure = op_configure,
                      .from_connect = op_from_connect,
                      .to_connect = op_to_connect,
                      .close = op_close},
};
