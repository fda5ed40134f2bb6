/* xform_field.c: the field-editing transforms, $Key and $Value: InsertField (record metadata
 * and a static value as new fields), ReplaceField (include / exclude / rename fields) and
 * MaskField (a field's value replaced by its type's zero or a given replacement). With a
 * schema the operand must be a Struct, without one a Map (Kafka's requireStruct/requireMap);
 * a null operand (a tombstone) passes through unchanged. */
#include <stdlib.h>
#include <string.h>

#include "xform.h"

#define ERR(...) xf_errf(err, errlen, __VA_ARGS__)

/* Put key -> v into a schemaless map, replacing an existing entry (HashMap.put). Takes v. */
static void map_set(cd_value_t *m, const char *key, cd_value_t *v)
{
    for (size_t i = 0; i < m->u.map.n; i++) {
        cd_value_t *k = m->u.map.keys[i];
        if (k && k->type == CD_STRING && strcmp(k->u.s.p, key) == 0) {
            cd_value_free(m->u.map.vals[i]);
            m->u.map.vals[i] = v;
            return;
        }
    }
    cd_map_put(m, cd_string(key), v);
}

static int require_shape(const cd_schema_t *s, const cd_value_t *v, const char *purpose, char *err,
                         size_t errlen)
{
    if (s && (s->type != CD_STRUCT || v->type != CD_STRUCT))
        return ERR("Only Struct objects supported for [%s], found: %s", purpose,
                   cd_type_name(v->type));
    if (!s && v->type != CD_MAP)
        return ERR("Only Map objects supported in absence of schema for [%s], found: %s", purpose,
                   cd_type_name(v->type));
    return 0;
}

/* --- InsertField --------------------------------------------------------------------------- */

enum { INS_TOPIC, INS_PARTITION, INS_OFFSET, INS_TIMESTAMP, INS_STATIC, INS_N };

static const kc_cfg_def_t insert_defs[] = {
    {.name = "topic.field",
     .type = KC_CFG_STRING,
     .importance = KC_IMP_MEDIUM,
     .doc = "Field name for Kafka topic. Suffix with ! to make this a required field, or ? to "
            "keep it optional (the default)."},
    {.name = "partition.field",
     .type = KC_CFG_STRING,
     .importance = KC_IMP_MEDIUM,
     .doc = "Field name for Kafka partition."},
    {.name = "offset.field",
     .type = KC_CFG_STRING,
     .importance = KC_IMP_MEDIUM,
     .doc = "Field name for Kafka offset - only applicable to sink connectors."},
    {.name = "timestamp.field",
     .type = KC_CFG_STRING,
     .importance = KC_IMP_MEDIUM,
     .doc = "Field name for record timestamp."},
    {.name = "static.field",
     .type = KC_CFG_STRING,
     .importance = KC_IMP_MEDIUM,
     .doc = "Field name for static data field."},
    {.name = "static.value",
     .type = KC_CFG_STRING,
     .importance = KC_IMP_MEDIUM,
     .doc = "Static field value, if field name configured."},
};
#define INSERT_NDEFS (sizeof insert_defs / sizeof insert_defs[0])

typedef struct ins {
    xf_which_t which;
    char *name[INS_N]; /* NULL = not inserted */
    bool optional[INS_N];
    char *static_value;
    xf_cache_t cache;
} ins_t;

static void ins_close(void *p)
{
    ins_t *x = p;
    if (!x) return;
    for (int i = 0; i < INS_N; i++) free(x->name[i]);
    free(x->static_value);
    xf_cache_clear(&x->cache);
    free(x);
}

static void *ins_configure(const json_t *props, xf_which_t which, char *err, size_t errlen)
{
    if (xf_check(insert_defs, INSERT_NDEFS, props, err, errlen)) return NULL;
    ins_t *x = calloc(1, sizeof *x);
    x->which = which;
    for (int i = 0; i < INS_N; i++) {
        const char *spec = kc_cfg_str(insert_defs, INSERT_NDEFS, props, insert_defs[i].name);
        if (!spec || !*spec) continue;
        size_t n = strlen(spec);
        x->optional[i] = spec[n - 1] != '!'; /* "name!" required, "name?" or "name" optional */
        if (spec[n - 1] == '!' || spec[n - 1] == '?') n--;
        x->name[i] = strndup(spec, n);
    }
    const char *sv = kc_cfg_str(insert_defs, INSERT_NDEFS, props, "static.value");
    x->static_value = sv ? strdup(sv) : NULL;
    return x;
}

static void *ins_configure_key(const json_t *p, char *e, size_t n)
{
    return ins_configure(p, XF_KEY, e, n);
}

static void *ins_configure_value(const json_t *p, char *e, size_t n)
{
    return ins_configure(p, XF_VALUE, e, n);
}

/* The value inserted for field i, or NULL (null). -1 when it cannot be had. */
static int ins_field_value(const ins_t *x, int i, const cd_record_t *r, cd_value_t **out, char *err,
                           size_t errlen)
{
    *out = NULL;
    switch (i) {
    case INS_TOPIC:
        *out = r->topic ? cd_string(r->topic) : NULL;
        break;
    case INS_PARTITION:
        *out = r->partition >= 0 ? cd_int(CD_INT32, r->partition) : NULL;
        break;
    case INS_OFFSET:
        if (r->offset < 0)
            return ERR("Only SinkRecord supported for [field insertion], found: SourceRecord");
        *out = cd_int(CD_INT64, r->offset);
        break;
    case INS_TIMESTAMP:
        *out = r->timestamp >= 0 ? cd_int(CD_INT64, r->timestamp) : NULL;
        break;
    case INS_STATIC:
        *out = x->static_value ? cd_string(x->static_value) : NULL;
        break;
    }
    if (!*out && !x->optional[i])
        return ERR("Invalid value: null used for required field: \"%s\"", x->name[i]);
    return 0;
}

static cd_schema_t *ins_schema(ins_t *x, const cd_schema_t *s)
{
    cd_schema_t *o = xf_cache_get(&x->cache, s);
    if (o) return o;
    static const cd_type_t types[INS_N] = {CD_STRING, CD_INT32, CD_INT64, CD_INT64, CD_STRING};
    o = xf_struct_basics(s);
    for (size_t i = 0; i < s->nfields; i++)
        cd_schema_add_field(o, s->fields[i].name, cd_schema_ref(s->fields[i].schema));
    for (int i = 0; i < INS_N; i++) {
        if (!x->name[i]) continue;
        cd_schema_t *fs;
        if (i == INS_TIMESTAMP) {
            fs = cd_schema_logical(CD_LOGICAL_TIMESTAMP);
            fs->optional = x->optional[i];
        } else {
            fs = cd_schema_prim(types[i], x->optional[i]);
        }
        if (!cd_schema_add_field(o, x->name[i], fs))
            cd_schema_unref(fs); /* a field of that name exists: Kafka's builder fails too */
    }
    xf_cache_put(&x->cache, s, cd_schema_ref(o));
    return o;
}

static int ins_apply(void *p, cd_record_t **rec, char *err, size_t errlen)
{
    ins_t *x = p;
    cd_record_t *r = *rec;
    cd_schema_t *s = xf_schema(r, x->which);
    cd_value_t *v = xf_value(r, x->which);
    if (!v) return KC_OK;
    if (require_shape(s, v, "field insertion", err, errlen)) return KC_ERR;
    cd_value_t *add[INS_N] = {0};
    for (int i = 0; i < INS_N; i++) {
        if (x->name[i] && ins_field_value(x, i, r, &add[i], err, errlen)) {
            for (int j = 0; j < i; j++) cd_value_free(add[j]);
            return KC_ERR;
        }
    }
    if (!s) { /* schemaless: the map itself is updated */
        for (int i = 0; i < INS_N; i++)
            if (x->name[i]) map_set(v, x->name[i], add[i]);
        return KC_OK;
    }
    cd_schema_t *o = ins_schema(x, s);
    cd_value_t *nv = cd_struct_new(o);
    for (size_t i = 0; i < s->nfields; i++) nv->u.st.fields[i] = xf_take_field(v, i);
    for (int i = 0; i < INS_N; i++)
        if (x->name[i] && !cd_struct_set(nv, x->name[i], add[i])) cd_value_free(add[i]);
    xf_set(r, x->which, o, nv);
    return KC_OK;
}

XF_PLUGIN_PAIR(insert, "InsertField", insert_defs, INSERT_NDEFS, ins_configure_key,
               ins_configure_value, ins_apply, ins_close);

/* --- ReplaceField -------------------------------------------------------------------------- */

static const kc_cfg_def_t replace_defs[] = {
    {.name = "exclude",
     .type = KC_CFG_LIST,
     .default_value = "",
     .importance = KC_IMP_MEDIUM,
     .doc = "Fields to exclude. This takes precedence over the fields to include."},
    {.name = "include",
     .type = KC_CFG_LIST,
     .default_value = "",
     .importance = KC_IMP_MEDIUM,
     .doc = "Fields to include. If specified, only these fields will be used."},
    {.name = "renames",
     .type = KC_CFG_LIST,
     .default_value = "",
     .importance = KC_IMP_MEDIUM,
     .doc = "Field rename mappings, as comma-separated foo:bar pairs."},
    {.name = "blacklist",
     .type = KC_CFG_LIST,
     .importance = KC_IMP_LOW,
     .doc = "Deprecated. Use exclude instead."},
    {.name = "whitelist",
     .type = KC_CFG_LIST,
     .importance = KC_IMP_LOW,
     .doc = "Deprecated. Use include instead."},
};
#define REPLACE_NDEFS (sizeof replace_defs / sizeof replace_defs[0])

typedef struct rep {
    xf_which_t which;
    json_t *exclude, *include; /* arrays of strings */
    json_t *renames;           /* object: old -> new */
    xf_cache_t cache;
} rep_t;

static void rep_close(void *p)
{
    rep_t *x = p;
    if (!x) return;
    json_decref(x->exclude);
    json_decref(x->include);
    json_decref(x->renames);
    xf_cache_clear(&x->cache);
    free(x);
}

/* The list under key, or under its deprecated name when only that one is set. */
static json_t *rep_list(const json_t *props, const char *key, const char *old)
{
    if (!json_object_get(props, key) && json_object_get(props, old)) key = old;
    return kc_cfg_list(replace_defs, REPLACE_NDEFS, props, key);
}

static void *rep_configure(const json_t *props, xf_which_t which, char *err, size_t errlen)
{
    if (xf_check(replace_defs, REPLACE_NDEFS, props, err, errlen)) return NULL;
    rep_t *x = calloc(1, sizeof *x);
    x->which = which;
    x->exclude = rep_list(props, "exclude", "blacklist");
    x->include = rep_list(props, "include", "whitelist");
    x->renames = json_object();
    json_t *pairs = kc_cfg_list(replace_defs, REPLACE_NDEFS, props, "renames");
    size_t i;
    json_t *e;
    json_array_foreach(pairs, i, e)
    {
        const char *pair = json_string_value(e), *colon = strchr(pair, ':');
        if (!colon || colon == pair || !colon[1] || strchr(colon + 1, ':')) {
            ERR("Invalid value [%s] for configuration renames: Invalid rename mapping: %s", pair,
                pair);
            json_decref(pairs);
            rep_close(x);
            return NULL;
        }
        char *from = strndup(pair, (size_t)(colon - pair));
        json_object_set_new(x->renames, from, json_string(colon + 1));
        free(from);
    }
    json_decref(pairs);
    return x;
}

static void *rep_configure_key(const json_t *p, char *e, size_t n)
{
    return rep_configure(p, XF_KEY, e, n);
}

static void *rep_configure_value(const json_t *p, char *e, size_t n)
{
    return rep_configure(p, XF_VALUE, e, n);
}

static bool rep_keep(const rep_t *x, const char *name)
{
    return !xf_list_has(x->exclude, name) &&
           (json_array_size(x->include) == 0 || xf_list_has(x->include, name));
}

static const char *rep_name(const rep_t *x, const char *name)
{
    const char *to = json_string_value(json_object_get(x->renames, name));
    return to ? to : name;
}

static cd_schema_t *rep_schema(rep_t *x, const cd_schema_t *s)
{
    cd_schema_t *o = xf_cache_get(&x->cache, s);
    if (o) return o;
    o = xf_struct_basics(s);
    for (size_t i = 0; i < s->nfields; i++)
        if (rep_keep(x, s->fields[i].name))
            cd_schema_add_field(o, rep_name(x, s->fields[i].name),
                                cd_schema_ref(s->fields[i].schema));
    xf_cache_put(&x->cache, s, cd_schema_ref(o));
    return o;
}

static int rep_apply(void *p, cd_record_t **rec, char *err, size_t errlen)
{
    rep_t *x = p;
    cd_record_t *r = *rec;
    cd_schema_t *s = xf_schema(r, x->which);
    cd_value_t *v = xf_value(r, x->which);
    if (!v) return KC_OK;
    if (require_shape(s, v, "field replacement", err, errlen)) return KC_ERR;
    if (!s) {
        cd_value_t *m = cd_map_new();
        for (size_t i = 0; i < v->u.map.n; i++) {
            cd_value_t *k = v->u.map.keys[i];
            if (!k || k->type != CD_STRING || !rep_keep(x, k->u.s.p)) continue;
            cd_map_put(m, cd_string(rep_name(x, k->u.s.p)), v->u.map.vals[i]);
            v->u.map.vals[i] = NULL;
        }
        xf_set(r, x->which, NULL, m);
        return KC_OK;
    }
    cd_schema_t *o = rep_schema(x, s);
    cd_value_t *nv = cd_struct_new(o);
    for (size_t i = 0, j = 0; i < s->nfields; i++)
        if (rep_keep(x, s->fields[i].name)) nv->u.st.fields[j++] = xf_take_field(v, i);
    xf_set(r, x->which, o, nv);
    return KC_OK;
}

XF_PLUGIN_PAIR(replace, "ReplaceField", replace_defs, REPLACE_NDEFS, rep_configure_key,
               rep_configure_value, rep_apply, rep_close);

/* --- MaskField ----------------------------------------------------------------------------- */

static const kc_cfg_def_t mask_defs[] = {
    {.name = "fields",
     .type = KC_CFG_LIST,
     .required = true,
     .importance = KC_IMP_HIGH,
     .doc = "Names of fields to mask.",
     .validator = kc_valid_non_empty},
    {.name = "replacement",
     .type = KC_CFG_STRING,
     .importance = KC_IMP_LOW,
     .doc = "Custom value replacement, that will be applied to all 'fields' values (numeric "
            "or non-empty string values only).",
     .validator = NULL},
};
#define MASK_NDEFS (sizeof mask_defs / sizeof mask_defs[0])

typedef struct mask {
    xf_which_t which;
    json_t *fields;
    char *replacement; /* NULL = the type's zero */
} mask_t;

static void mask_close(void *p)
{
    mask_t *x = p;
    if (!x) return;
    json_decref(x->fields);
    free(x->replacement);
    free(x);
}

static void *mask_configure(const json_t *props, xf_which_t which, char *err, size_t errlen)
{
    if (xf_check(mask_defs, MASK_NDEFS, props, err, errlen)) return NULL;
    const char *rp = kc_cfg_str(mask_defs, MASK_NDEFS, props, "replacement");
    if (rp && !*rp) {
        ERR("Invalid value  for configuration replacement: String may not be empty");
        return NULL;
    }
    mask_t *x = calloc(1, sizeof *x);
    x->which = which;
    x->fields = kc_cfg_list(mask_defs, MASK_NDEFS, props, "fields");
    x->replacement = rp ? strdup(rp) : NULL;
    return x;
}

static void *mask_configure_key(const json_t *p, char *e, size_t n)
{
    return mask_configure(p, XF_KEY, e, n);
}

static void *mask_configure_value(const json_t *p, char *e, size_t n)
{
    return mask_configure(p, XF_VALUE, e, n);
}

static int mask_int(cd_type_t t, const char *rp, cd_value_t **out, char *err, size_t errlen)
{
    static const int64_t lim[] = {[CD_INT8] = INT8_MAX,
                                  [CD_INT16] = INT16_MAX,
                                  [CD_INT32] = INT32_MAX,
                                  [CD_INT64] = INT64_MAX};
    char *end;
    long long n = rp ? strtoll(rp, &end, 10) : 0;
    if (rp && (*end || end == rp || n > lim[t] || n < -lim[t] - 1))
        return ERR("Unable to mask value with replacement %s: not a valid %s", rp, cd_type_name(t));
    *out = cd_int(t, n);
    return 0;
}

/* The masked form of v (not null) of schema fs (NULL when schemaless). */
static int mask_one(const mask_t *x, const cd_schema_t *fs, const cd_value_t *v, cd_value_t **out,
                    char *err, size_t errlen)
{
    const char *rp = x->replacement;
    if (fs && cd_schema_is_logical(fs, CD_LOGICAL_DECIMAL)) {
        const char *sc = cd_schema_param(fs, CD_DECIMAL_SCALE);
        *out = cd_decimal_from_string(rp ? rp : "0", sc ? atoi(sc) : 0);
        return *out ? 0 : ERR("Unable to mask Decimal value with replacement %s", rp);
    }
    switch (v->type) {
    case CD_INT8:
    case CD_INT16:
    case CD_INT32:
    case CD_INT64:
        return mask_int(v->type, rp, out, err, errlen);
    case CD_FLOAT32:
    case CD_FLOAT64: {
        char *end;
        double d = rp ? strtod(rp, &end) : 0;
        if (rp && (*end || end == rp))
            return ERR("Unable to mask value with replacement %s: not a number", rp);
        *out = cd_float(v->type, d);
        return 0;
    }
    case CD_STRING:
        *out = cd_string(rp ? rp : "");
        return 0;
    case CD_BOOLEAN:
        if (rp) return ERR("Cannot mask value of type boolean with custom replacement.");
        *out = cd_bool(false);
        return 0;
    case CD_ARRAY:
    case CD_MAP:
        if (rp)
            return ERR("Cannot mask value of type %s with custom replacement.",
                       cd_type_name(v->type));
        *out = v->type == CD_ARRAY ? cd_array_new() : cd_map_new();
        return 0;
    default:
        return ERR("Cannot mask value of type: %s", cd_type_name(v->type));
    }
}

static int mask_slot(const mask_t *x, const cd_schema_t *fs, cd_value_t **slot, char *err,
                     size_t errlen)
{
    if (!*slot) return 0; /* null stays null */
    cd_value_t *m;
    if (mask_one(x, fs, *slot, &m, err, errlen)) return -1;
    cd_value_free(*slot);
    *slot = m;
    return 0;
}

static int mask_apply(void *p, cd_record_t **rec, char *err, size_t errlen)
{
    mask_t *x = p;
    cd_record_t *r = *rec;
    cd_schema_t *s = xf_schema(r, x->which);
    cd_value_t *v = xf_value(r, x->which);
    if (!v) return KC_OK;
    if (require_shape(s, v, "masking fields", err, errlen)) return KC_ERR;
    size_t i;
    json_t *e;
    json_array_foreach(x->fields, i, e)
    {
        const char *name = json_string_value(e);
        if (s) {
            const cd_field_t *f = cd_schema_field(s, name);
            if (!f) return ERR("%s is not a valid field name", name);
            if (mask_slot(x, f->schema, &v->u.st.fields[f->index], err, errlen)) return KC_ERR;
            continue;
        }
        for (size_t k = 0; k < v->u.map.n; k++) {
            cd_value_t *key = v->u.map.keys[k];
            if (key && key->type == CD_STRING && strcmp(key->u.s.p, name) == 0 &&
                mask_slot(x, NULL, &v->u.map.vals[k], err, errlen))
                return KC_ERR;
        }
    }
    return KC_OK;
}

XF_PLUGIN_PAIR(mask, "MaskField", mask_defs, MASK_NDEFS, mask_configure_key, mask_configure_value,
               mask_apply, mask_close);
