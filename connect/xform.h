/* xform.h: what Kafka's single message transforms (org.apache.kafka.connect.transforms) share:
 * the key-or-value operand of the $Key/$Value variants, a one-entry schema cache, config
 * checking, and struct-schema building (SchemaUtil.copySchemaBasics). The transforms are in
 * xform_field.c (InsertField, ReplaceField, MaskField), xform_key.c (ValueToKey, ExtractField)
 * and xform_route.c (RegexRouter, TimestampRouter); their kc_plugin_t's are listed here for
 * plugins.c.
 * Threads: a transform instance is used by its task's thread only. */
#ifndef XFORM_H
#define XFORM_H

#include "cdata.h"
#include "connector.h"

typedef enum xf_which { XF_KEY, XF_VALUE } xf_which_t;

/* The operand's schema / value (borrowed). */
cd_schema_t *xf_schema(const cd_record_t *r, xf_which_t w);
cd_value_t *xf_value(const cd_record_t *r, xf_which_t w);
/* Replace the operand: takes schema (a reference or NULL) and value. */
void xf_set(cd_record_t *r, xf_which_t w, cd_schema_t *s, cd_value_t *v);

/* One input schema -> derived schema, as Kafka's per-transform schema cache (a task's records
 * almost always share one schema). get returns a new reference or NULL on a miss; put takes
 * the reference to out. */
typedef struct xf_cache {
    cd_schema_t *in, *out;
} xf_cache_t;
cd_schema_t *xf_cache_get(xf_cache_t *c, const cd_schema_t *in);
void xf_cache_put(xf_cache_t *c, const cd_schema_t *in, cd_schema_t *out);
void xf_cache_clear(xf_cache_t *c);

/* Check props against defs (kc_cfg_validate); -1 with the first message in err. */
int xf_check(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props, char *err, size_t errlen);
/* A new STRUCT schema with s's name, version, doc and parameters (copySchemaBasics). */
cd_schema_t *xf_struct_basics(const cd_schema_t *s);
/* true when the JSON array of strings holds name. */
bool xf_list_has(const json_t *list, const char *name);
/* Move a struct's field value out (the struct keeps a null there). */
cd_value_t *xf_take_field(cd_value_t *st, size_t i);

int xf_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

extern const kc_plugin_t xf_insert_key_plugin, xf_insert_value_plugin;
extern const kc_plugin_t xf_replace_key_plugin, xf_replace_value_plugin;
extern const kc_plugin_t xf_mask_key_plugin, xf_mask_value_plugin;
extern const kc_plugin_t xf_value_to_key_plugin;
extern const kc_plugin_t xf_extract_key_plugin, xf_extract_value_plugin;
extern const kc_plugin_t xf_regex_router_plugin, xf_timestamp_router_plugin;

/* Declare the $Key and $Value plugins of one transform (class "<base>$Key" / "$Value"). */
#define XF_PLUGIN_PAIR(var, base, defs_, ndefs_, cfg_key, cfg_value, apply_fn, close_fn)           \
    const kc_plugin_t xf_##var##_key_plugin = {                                                    \
        .abi = KC_PLUGIN_ABI,                                                                      \
        .kind = KC_PLUGIN_TRANSFORM,                                                               \
        .class_name = "org.apache.kafka.connect.transforms." base "$Key",                          \
        .version = "3.7.0",                                                                        \
        .defs = defs_,                                                                             \
        .ndefs = ndefs_,                                                                           \
        .ops.transform = {.configure = cfg_key, .apply = apply_fn, .close = close_fn},             \
    };                                                                                             \
    const kc_plugin_t xf_##var##_value_plugin = {                                                  \
        .abi = KC_PLUGIN_ABI,                                                                      \
        .kind = KC_PLUGIN_TRANSFORM,                                                               \
        .class_name = "org.apache.kafka.connect.transforms." base "$Value",                        \
        .version = "3.7.0",                                                                        \
        .defs = defs_,                                                                             \
        .ndefs = ndefs_,                                                                           \
        .ops.transform = {.configure = cfg_value, .apply = apply_fn, .close = close_fn},           \
    }

#endif
