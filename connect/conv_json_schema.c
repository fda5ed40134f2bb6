/* conv_json_schema.c: JsonConverter's schemas as JSON (conv_json.h: asJsonSchema, written by
 * hand in Kafka's key order, and asConnectSchema, read from a jansson tree). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_json_int.h"

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
        if (cj_write_value(&plain, o, s, s->default_value, err, sizeof err))
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
        if (cj_read_value(&plain, s, def, &dv, err, errlen)) return -1;
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
