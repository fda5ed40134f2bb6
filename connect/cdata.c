/* cdata.c: Connect schemas, values and records (see cdata.h for ownership). */
#include "cdata.h"
#include "cd_mem.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[CD_TYPE_COUNT] = {
    "int8",    "int16",  "int32", "int64", "float32", "float64",
    "boolean", "string", "bytes", "array", "map",     "struct",
};

const char *cd_type_name(cd_type_t t)
{
    return (unsigned)t < CD_TYPE_COUNT ? type_names[t] : "unknown";
}

bool cd_type_parse(const char *name, cd_type_t *out)
{
    for (int i = 0; name && i < CD_TYPE_COUNT; i++)
        if (strcmp(type_names[i], name) == 0) {
            *out = (cd_type_t)i;
            return true;
        }
    return false;
}

/* --- schemas --- */

static cd_schema_t prim[2][CD_BYTES + 1];
static atomic_bool prim_ready;

cd_schema_t *cd_schema_prim(cd_type_t t, bool optional)
{
    if (!cd_type_is_primitive(t)) return NULL;
    if (!atomic_load(&prim_ready)) {
        /* idempotent: concurrent first callers write the same bytes */
        for (int o = 0; o < 2; o++)
            for (int i = 0; i <= CD_BYTES; i++)
                prim[o][i] = (cd_schema_t){.type = (cd_type_t)i, .optional = o, .refcnt = -1};
        atomic_store(&prim_ready, true);
    }
    return &prim[optional ? 1 : 0][t];
}

cd_schema_t *cd_schema_new(cd_type_t t)
{
    cd_schema_t *s = cd_xcalloc(1, sizeof *s);
    s->type = t;
    s->refcnt = 1;
    return s;
}

cd_schema_t *cd_schema_ref(cd_schema_t *s)
{
    if (s && s->refcnt >= 0) __atomic_add_fetch(&s->refcnt, 1, __ATOMIC_RELAXED);
    return s;
}

void cd_schema_unref(cd_schema_t *s)
{
    if (!s || s->refcnt < 0) return;
    if (__atomic_sub_fetch(&s->refcnt, 1, __ATOMIC_ACQ_REL) != 0) return;
    free(s->name);
    free(s->doc);
    json_decref(s->parameters);
    cd_value_free(s->default_value);
    cd_schema_unref(s->key_schema);
    cd_schema_unref(s->value_schema);
    for (size_t i = 0; i < s->nfields; i++) {
        free(s->fields[i].name);
        cd_schema_unref(s->fields[i].schema);
    }
    free(s->fields);
    free(s);
}

void cd_schema_set_name(cd_schema_t *s, const char *name)
{
    free(s->name);
    s->name = cd_xstrdup(name);
}

void cd_schema_set_doc(cd_schema_t *s, const char *doc)
{
    free(s->doc);
    s->doc = cd_xstrdup(doc);
}

void cd_schema_set_param(cd_schema_t *s, const char *key, const char *value)
{
    if (!s->parameters) s->parameters = json_object();
    json_object_set_new(s->parameters, key, json_string(value));
}

const char *cd_schema_param(const cd_schema_t *s, const char *key)
{
    if (!s || !s->parameters) return NULL;
    return json_string_value(json_object_get(s->parameters, key));
}

bool cd_schema_set_default(cd_schema_t *s, cd_value_t *def)
{
    if (def && !cd_value_validate(s, def, NULL, 0)) return false;
    cd_value_free(s->default_value);
    s->default_value = def;
    return true;
}

bool cd_schema_add_field(cd_schema_t *s, const char *name, cd_schema_t *field_schema)
{
    if (s->type != CD_STRUCT || !name || !field_schema || cd_schema_field(s, name)) return false;
    s->fields = cd_xrealloc(s->fields, (s->nfields + 1) * sizeof *s->fields);
    s->fields[s->nfields] = (cd_field_t){cd_xstrdup(name), (int)s->nfields, field_schema};
    s->nfields++;
    return true;
}

cd_schema_t *cd_schema_array(cd_schema_t *elem)
{
    cd_schema_t *s = cd_schema_new(CD_ARRAY);
    s->value_schema = elem;
    return s;
}

cd_schema_t *cd_schema_map(cd_schema_t *key, cd_schema_t *value)
{
    cd_schema_t *s = cd_schema_new(CD_MAP);
    s->key_schema = key;
    s->value_schema = value;
    return s;
}

const cd_field_t *cd_schema_field(const cd_schema_t *s, const char *name)
{
    if (!s || s->type != CD_STRUCT || !name) return NULL;
    for (size_t i = 0; i < s->nfields; i++)
        if (strcmp(s->fields[i].name, name) == 0) return &s->fields[i];
    return NULL;
}

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

bool cd_schema_equal(const cd_schema_t *a, const cd_schema_t *b)
{
    if (a == b) return true;
    if (!a || !b || a->type != b->type || a->optional != b->optional || a->version != b->version ||
        !str_eq(a->name, b->name) || !str_eq(a->doc, b->doc))
        return false;
    bool pa = a->parameters && json_object_size(a->parameters);
    bool pb = b->parameters && json_object_size(b->parameters);
    if (pa != pb || (pa && !json_equal(a->parameters, b->parameters))) return false;
    if (!cd_value_equal(a->default_value, b->default_value)) return false;
    if (!cd_schema_equal(a->key_schema, b->key_schema) ||
        !cd_schema_equal(a->value_schema, b->value_schema) || a->nfields != b->nfields)
        return false;
    for (size_t i = 0; i < a->nfields; i++)
        if (!str_eq(a->fields[i].name, b->fields[i].name) ||
            !cd_schema_equal(a->fields[i].schema, b->fields[i].schema))
            return false;
    return true;
}

cd_schema_t *cd_schema_copy(const cd_schema_t *s)
{
    if (!s) return NULL;
    cd_schema_t *c = cd_schema_new(s->type);
    c->optional = s->optional;
    c->name = cd_xstrdup(s->name);
    c->version = s->version;
    c->doc = cd_xstrdup(s->doc);
    c->parameters = s->parameters ? json_deep_copy(s->parameters) : NULL;
    c->default_value = cd_value_copy(s->default_value);
    c->key_schema = cd_schema_ref(s->key_schema);
    c->value_schema = cd_schema_ref(s->value_schema);
    for (size_t i = 0; i < s->nfields; i++)
        cd_schema_add_field(c, s->fields[i].name, cd_schema_ref(s->fields[i].schema));
    return c;
}

cd_schema_t *cd_schema_decimal(int scale)
{
    cd_schema_t *s = cd_schema_new(CD_BYTES);
    char buf[16];
    snprintf(buf, sizeof buf, "%d", scale);
    cd_schema_set_name(s, CD_LOGICAL_DECIMAL);
    s->version = 1;
    cd_schema_set_param(s, CD_DECIMAL_SCALE, buf);
    return s;
}

cd_schema_t *cd_schema_logical(const char *name)
{
    cd_type_t t = strcmp(name, CD_LOGICAL_TIMESTAMP) == 0 ? CD_INT64 : CD_INT32;
    cd_schema_t *s = cd_schema_new(t);
    cd_schema_set_name(s, name);
    s->version = 1;
    return s;
}

bool cd_schema_is_logical(const cd_schema_t *s, const char *name)
{
    return s && s->name && strcmp(s->name, name) == 0;
}

/* --- values --- */

static cd_value_t *value_new(cd_type_t t)
{
    cd_value_t *v = cd_xcalloc(1, sizeof *v);
    v->type = t;
    return v;
}

cd_value_t *cd_int(cd_type_t t, int64_t i)
{
    cd_value_t *v = value_new(t);
    v->u.i = i;
    return v;
}

cd_value_t *cd_float(cd_type_t t, double f)
{
    cd_value_t *v = value_new(t);
    v->u.f = f;
    return v;
}

cd_value_t *cd_bool(bool b)
{
    cd_value_t *v = value_new(CD_BOOLEAN);
    v->u.b = b;
    return v;
}

static cd_value_t *bytes_of(cd_type_t t, const void *p, size_t len)
{
    cd_value_t *v = value_new(t);
    v->u.s.p = cd_xcalloc(len + 1, 1);
    if (len) memcpy(v->u.s.p, p, len);
    v->u.s.len = len;
    return v;
}

cd_value_t *cd_string(const char *s)
{
    return bytes_of(CD_STRING, s, strlen(s));
}

cd_value_t *cd_string_n(const char *s, size_t len)
{
    return bytes_of(CD_STRING, s, len);
}

cd_value_t *cd_bytes(const void *p, size_t len)
{
    return bytes_of(CD_BYTES, p, len);
}

cd_value_t *cd_array_new(void)
{
    return value_new(CD_ARRAY);
}

void cd_array_push(cd_value_t *arr, cd_value_t *item)
{
    if (arr->u.arr.n == arr->u.arr.cap) {
        arr->u.arr.cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 4;
        arr->u.arr.items = cd_xrealloc(arr->u.arr.items, arr->u.arr.cap * sizeof(cd_value_t *));
    }
    arr->u.arr.items[arr->u.arr.n++] = item;
}

cd_value_t *cd_map_new(void)
{
    return value_new(CD_MAP);
}

void cd_map_put(cd_value_t *map, cd_value_t *key, cd_value_t *val)
{
    if (map->u.map.n == map->u.map.cap) {
        map->u.map.cap = map->u.map.cap ? map->u.map.cap * 2 : 4;
        map->u.map.keys = cd_xrealloc(map->u.map.keys, map->u.map.cap * sizeof(cd_value_t *));
        map->u.map.vals = cd_xrealloc(map->u.map.vals, map->u.map.cap * sizeof(cd_value_t *));
    }
    map->u.map.keys[map->u.map.n] = key;
    map->u.map.vals[map->u.map.n++] = val;
}

cd_value_t *cd_map_get_str(const cd_value_t *map, const char *key)
{
    if (!map || map->type != CD_MAP) return NULL;
    for (size_t i = 0; i < map->u.map.n; i++) {
        const cd_value_t *k = map->u.map.keys[i];
        if (k && k->type == CD_STRING && strcmp(k->u.s.p, key) == 0) return map->u.map.vals[i];
    }
    return NULL;
}

cd_value_t *cd_struct_new(cd_schema_t *schema)
{
    cd_value_t *v = value_new(CD_STRUCT);
    v->u.st.schema = cd_schema_ref(schema);
    v->u.st.fields = cd_xcalloc(schema->nfields, sizeof(cd_value_t *));
    return v;
}

bool cd_struct_set(cd_value_t *st, const char *name, cd_value_t *v)
{
    const cd_field_t *f = cd_schema_field(st->u.st.schema, name);
    if (!f) return false;
    cd_value_free(st->u.st.fields[f->index]);
    st->u.st.fields[f->index] = v;
    return true;
}

cd_value_t *cd_struct_get(const cd_value_t *st, const char *name)
{
    if (!st || st->type != CD_STRUCT) return NULL;
    const cd_field_t *f = cd_schema_field(st->u.st.schema, name);
    return f ? st->u.st.fields[f->index] : NULL;
}

void cd_value_free(cd_value_t *v)
{
    if (!v) return;
    switch (v->type) {
    case CD_STRING:
    case CD_BYTES:
        free(v->u.s.p);
        break;
    case CD_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++) cd_value_free(v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case CD_MAP:
        for (size_t i = 0; i < v->u.map.n; i++) {
            cd_value_free(v->u.map.keys[i]);
            cd_value_free(v->u.map.vals[i]);
        }
        free(v->u.map.keys);
        free(v->u.map.vals);
        break;
    case CD_STRUCT:
        for (size_t i = 0; i < v->u.st.schema->nfields; i++) cd_value_free(v->u.st.fields[i]);
        free(v->u.st.fields);
        cd_schema_unref(v->u.st.schema);
        break;
    default:
        break;
    }
    free(v);
}

cd_value_t *cd_value_copy(const cd_value_t *v)
{
    if (!v) return NULL;
    switch (v->type) {
    case CD_STRING:
    case CD_BYTES:
        return bytes_of(v->type, v->u.s.p, v->u.s.len);
    case CD_ARRAY: {
        cd_value_t *c = cd_array_new();
        for (size_t i = 0; i < v->u.arr.n; i++) cd_array_push(c, cd_value_copy(v->u.arr.items[i]));
        return c;
    }
    case CD_MAP: {
        cd_value_t *c = cd_map_new();
        for (size_t i = 0; i < v->u.map.n; i++)
            cd_map_put(c, cd_value_copy(v->u.map.keys[i]), cd_value_copy(v->u.map.vals[i]));
        return c;
    }
    case CD_STRUCT: {
        cd_value_t *c = cd_struct_new(v->u.st.schema);
        for (size_t i = 0; i < v->u.st.schema->nfields; i++)
            c->u.st.fields[i] = cd_value_copy(v->u.st.fields[i]);
        return c;
    }
    default: {
        cd_value_t *c = value_new(v->type);
        c->u = v->u;
        return c;
    }
    }
}

bool cd_value_equal(const cd_value_t *a, const cd_value_t *b)
{
    if (a == b) return true;
    if (!a || !b || a->type != b->type) return false;
    switch (a->type) {
    case CD_FLOAT32:
    case CD_FLOAT64:
        return a->u.f == b->u.f;
    case CD_BOOLEAN:
        return a->u.b == b->u.b;
    case CD_STRING:
    case CD_BYTES:
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.p, b->u.s.p, a->u.s.len) == 0;
    case CD_ARRAY:
        if (a->u.arr.n != b->u.arr.n) return false;
        for (size_t i = 0; i < a->u.arr.n; i++)
            if (!cd_value_equal(a->u.arr.items[i], b->u.arr.items[i])) return false;
        return true;
    case CD_MAP:
        if (a->u.map.n != b->u.map.n) return false;
        for (size_t i = 0; i < a->u.map.n; i++)
            if (!cd_value_equal(a->u.map.keys[i], b->u.map.keys[i]) ||
                !cd_value_equal(a->u.map.vals[i], b->u.map.vals[i]))
                return false;
        return true;
    case CD_STRUCT:
        if (!cd_schema_equal(a->u.st.schema, b->u.st.schema)) return false;
        for (size_t i = 0; i < a->u.st.schema->nfields; i++)
            if (!cd_value_equal(a->u.st.fields[i], b->u.st.fields[i])) return false;
        return true;
    default:
        return a->u.i == b->u.i;
    }
}
