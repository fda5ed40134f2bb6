/* conv_json.c: JsonConverter (conv_json.h). Writing is done by hand into a wbuf so the bytes
 * match Kafka's (Jackson's) output exactly; reading parses with jansson and then walks the tree
 * with the schema. This file has the instance, the envelope {"schema":..,"payload":..} and the
 * one-entry schema caches each way; the walks themselves are in conv_json_schema.c (schemas)
 * and conv_json_value.c (values). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conv_json_int.h"

/* Write a reason into the caller's err buffer; returns -1 so callers can `return ERR(...)`. */
__attribute__((format(printf, 3, 4))) int cj_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* --- Connect -> JSON ----------------------------------------------------------------------- */

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
    if (cj_write_value(cj, out, schema, value, err, errlen)) {
        out->len = mark;
        return -1;
    }
    if (cj->schemas) wbuf_append(out, "}", 1);
    return 0;
}

/* --- JSON -> Connect ----------------------------------------------------------------------- */

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
    *rc = cj_read_value(cj, cj->r_schema, payload, value, err, errlen);
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
    int rc = cj_read_value(cj, s, payload, value, err, errlen);
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
