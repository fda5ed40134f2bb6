/* conv_json_int.h: what the parts of JsonConverter (conv_json.h) share, for them alone:
 * conv_json.c has the instance, its one-entry schema caches and the envelope;
 * conv_json_schema.c writes and reads schemas as JSON; conv_json_value.c writes and reads values
 * with their schema (or without one); conv_json_text.c has the text pieces.
 * Thread: as conv_json.h (one thread at a time per instance). */
#ifndef CONV_JSON_INT_H
#define CONV_JSON_INT_H

#include "conv_json.h"

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
__attribute__((format(printf, 3, 4))) int cj_set_err(char *err, size_t errlen, const char *fmt,
                                                     ...);
#define ERR(...) cj_set_err(err, errlen, __VA_ARGS__)

/* Connect -> JSON: append v (with schema s, or schemaless when s is NULL) to o. A null v takes
 * s's default when cj->null_default. 0, or -1 with a reason (o may hold a partial value). */
int cj_write_value(const cj_t *cj, wbuf_t *o, const cd_schema_t *s, const cd_value_t *v, char *err,
                   size_t errlen);
/* JSON -> Connect: j (NULL or JSON null = null) read with schema s (NULL: JSON's own types).
 * 0 with *out (caller owns, NULL = null), or -1 with a reason and *out NULL. */
int cj_read_value(const cj_t *cj, const cd_schema_t *s, const json_t *j, cd_value_t **out,
                  char *err, size_t errlen);

#endif
