/* conv_json.h: Kafka Connect's JsonConverter (org.apache.kafka.connect.json.JsonConverter).
 *
 * With schemas.enable=true (the default) a value is written as Connect's envelope
 * {"schema":{...},"payload":...}, byte for byte as Kafka writes it: no spaces, schema keys in
 * Kafka's order (type, fields|items|keys+values, optional, name, version, doc, parameters,
 * default; a struct field's schema ends with "field"), numbers as Java prints them (1.0,
 * 1.0E10), bytes and Decimals as base64 (decimal.format=BASE64, or NUMERIC: a JSON number).
 * With schemas.enable=false only the payload is written, and reading gives schemaless values
 * (object -> MAP of STRING keys, integer -> INT64, other number -> FLOAT64).
 *
 * Keys: schemas.enable (true), decimal.format (BASE64|NUMERIC), schemas.cache.size (accepted;
 * one schema is cached each way, which is what a task's stream of records needs).
 *
 * The text pieces (numbers, strings, base64) are in conv_json_text.c; schemas <-> JSON in
 * conv_json_schema.c, values <-> JSON in conv_json_value.c (conv_json_int.h joins them).
 * Owner: cj_new() returns an instance the caller frees with cj_free(). Thread: one thread at a
 * time per instance (a task's converter); instances are independent. */
#ifndef CONV_JSON_H
#define CONV_JSON_H

#include "buf.h"
#include "cdata.h"
#include "connector.h"

typedef struct cj cj_t;

extern const kc_plugin_t cj_plugin; /* org.apache.kafka.connect.json.JsonConverter */

/* An instance configured from props (string values; NULL = defaults). NULL with a reason. */
cj_t *cj_new(const json_t *props, char *err, size_t errlen);
void cj_free(cj_t *cj);

/* fromConnectData: append the JSON bytes of (schema, value) to out. *is_null is set when both
 * are null (Kafka's null value: nothing appended). 0, or -1 with a reason. */
int cj_from_connect(cj_t *cj, const cd_schema_t *schema, const cd_value_t *value, wbuf_t *out,
                    bool *is_null, char *err, size_t errlen);
/* toConnectData: data == NULL (a tombstone) gives NULL schema and value. 0 with *schema (a
 * reference or NULL) and *value (caller owns, NULL = null), or -1 with a reason. */
int cj_to_connect(cj_t *cj, const uint8_t *data, size_t len, cd_schema_t **schema,
                  cd_value_t **value, char *err, size_t errlen);

/* The schema <-> JSON parts on their own (asJsonSchema / asConnectSchema). */
void cj_schema_write(wbuf_t *out, const cd_schema_t *s);
cd_schema_t *cj_schema_read(const json_t *j, char *err, size_t errlen);

/* Java's Double.toString / Float.toString (shortest round-trip digits), as Jackson writes
 * numbers. buf needs 32 bytes. */
void cj_fmt_double(char *buf, size_t cap, double d, bool is_float);

/* A JSON string as Jackson escapes it: quote, backslash, \b \t \n \f \r, other control
 * characters as \u00XX (upper-case hex); everything else (UTF-8 included) as is. */
void cj_write_str(wbuf_t *out, const char *s, size_t n);

/* Standard base64 with padding (Jackson's default variant). decode returns -1 on bad input. */
void cj_base64_encode(wbuf_t *out, const uint8_t *p, size_t n);
int cj_base64_decode(const char *s, size_t n, uint8_t **out, size_t *out_len);

#endif
