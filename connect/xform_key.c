/* xform_key.c: ValueToKey (the key becomes a Struct / Map of some value fields) and
 * ExtractField$Key / $Value (the operand becomes one of its fields). */
#include <stdlib.h>
#include <string.h>

#include "xform.h"

#define ERR(...) xf_errf(err, errlen, __VA_ARGS__)

/* --- ValueToKey ---------------------------------------------------------------------------- */

static const kc_cfg_def_t v2k_defs[] = {
    {.name = "fields",
     .type = KC_CFG_LIST,
     .required = true,
     .importance = KC_IMP_HIGH,
     .doc = "Field names on the record value to extract as the record key.",
     .validator = kc_valid_non_empty},
};

typedef struct v2k {
    json_t *fields;
    xf_cache_t cache; /* value schema -> key schema */
} v2k_t;

static void v2k_close(void *p)
{
    v2k_t *x = p;
    if (!x) return;
    json_decref(x->fields);
    xf_cache_clear(&x->cache);
    free(x);
}

static void *v2k_configure(const json_t *props, char *err, size_t errlen)
{
    if (xf_check(v2k_defs, 1, props, err, errlen)) return NULL;
    v2k_t *x = calloc(1, sizeof *x);
    x->fields = kc_cfg_list(v2k_defs, 1, props, "fields");
    return x;
}

static cd_schema_t *v2k_schema(v2k_t *x, const cd_schema_t *vs, char *err, size_t errlen)
{
    cd_schema_t *ks = xf_cache_get(&x->cache, vs);
    if (ks) return ks;
    ks = cd_schema_new(CD_STRUCT);
    size_t i;
    json_t *e;
    json_array_foreach(x->fields, i, e)
    {
        const cd_field_t *f = cd_schema_field(vs, json_string_value(e));
        if (!f) {
            cd_schema_unref(ks);
            ERR("Field does not exist: %s", json_string_value(e));
            return NULL;
        }
        cd_schema_add_field(ks, f->name, cd_schema_ref(f->schema));
    }
    xf_cache_put(&x->cache, vs, cd_schema_ref(ks));
    return ks;
}

static int v2k_apply(void *p, cd_record_t **rec, char *err, size_t errlen)
{
    v2k_t *x = p;
    cd_record_t *r = *rec;
    cd_schema_t *vs = r->value_schema;
    cd_value_t *v = r->value;
    size_t i;
    json_t *e;
    if (!vs) {
        if (!v || v->type != CD_MAP)
            return ERR("Only Map objects supported in absence of schema for [copying fields "
                       "from value to key], found: %s",
                       v ? cd_type_name(v->type) : "null");
        cd_value_t *k = cd_map_new();
        json_array_foreach(x->fields, i, e)
        {
            const cd_value_t *fv = cd_map_get_str(v, json_string_value(e));
            cd_map_put(k, cd_string(json_string_value(e)), cd_value_copy(fv));
        }
        cd_record_set_key(r, NULL, k);
        return KC_OK;
    }
    if (vs->type != CD_STRUCT || !v || v->type != CD_STRUCT)
        return ERR("Only Struct objects supported for [copying fields from value to key], "
                   "found: %s",
                   v ? cd_type_name(v->type) : "null");
    cd_schema_t *ks = v2k_schema(x, vs, err, errlen);
    if (!ks) return KC_ERR;
    cd_value_t *k = cd_struct_new(ks);
    for (size_t j = 0; j < ks->nfields; j++)
        k->u.st.fields[j] = cd_value_copy(cd_struct_get(v, ks->fields[j].name));
    cd_record_set_key(r, ks, k);
    return KC_OK;
}

const kc_plugin_t xf_value_to_key_plugin = {
    .abi = KC_PLUGIN_ABI,
    .kind = KC_PLUGIN_TRANSFORM,
    .class_name = "org.apache.kafka.connect.transforms.ValueToKey",
    .version = "3.7.0",
    .defs = v2k_defs,
    .ndefs = 1,
    .ops.transform = {.configure = v2k_configure, .apply = v2k_apply, .close = v2k_close},
};

/* --- ExtractField -------------------------------------------------------------------------- */

static const kc_cfg_def_t extract_defs[] = {
    {.name = "field",
     .type = KC_CFG_STRING,
     .required = true,
     .importance = KC_IMP_MEDIUM,
     .doc = "Field name to extract.",
     .validator = kc_valid_non_empty},
};

typedef struct extract {
    xf_which_t which;
    char *field;
} extract_t;

static void extract_close(void *p)
{
    extract_t *x = p;
    if (!x) return;
    free(x->field);
    free(x);
}

static void *extract_configure(const json_t *props, xf_which_t which, char *err, size_t errlen)
{
    if (xf_check(extract_defs, 1, props, err, errlen)) return NULL;
    extract_t *x = calloc(1, sizeof *x);
    x->which = which;
    x->field = strdup(kc_cfg_str(extract_defs, 1, props, "field"));
    return x;
}

static void *extract_configure_key(const json_t *p, char *e, size_t n)
{
    return extract_configure(p, XF_KEY, e, n);
}

static void *extract_configure_value(const json_t *p, char *e, size_t n)
{
    return extract_configure(p, XF_VALUE, e, n);
}

static int extract_apply(void *p, cd_record_t **rec, char *err, size_t errlen)
{
    extract_t *x = p;
    cd_record_t *r = *rec;
    cd_schema_t *s = xf_schema(r, x->which);
    cd_value_t *v = xf_value(r, x->which);
    if (!s) {
        if (v && v->type != CD_MAP)
            return ERR("Only Map objects supported in absence of schema for [field "
                       "extraction], found: %s",
                       cd_type_name(v->type));
        cd_value_t *fv = v ? cd_value_copy(cd_map_get_str(v, x->field)) : NULL;
        xf_set(r, x->which, NULL, fv);
        return KC_OK;
    }
    if (s->type != CD_STRUCT)
        return ERR("Only Struct objects supported for [field extraction], found: %s",
                   cd_type_name(s->type));
    const cd_field_t *f = cd_schema_field(s, x->field);
    if (!f) return ERR("Unknown field: %s", x->field);
    cd_schema_t *fs = cd_schema_ref(f->schema);
    cd_value_t *fv = v ? xf_take_field(v, (size_t)f->index) : NULL;
    xf_set(r, x->which, fs, fv);
    return KC_OK;
}

XF_PLUGIN_PAIR(extract, "ExtractField", extract_defs, 1, extract_configure_key,
               extract_configure_value, extract_apply, extract_close);
