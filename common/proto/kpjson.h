/* kpjson.h: Kafka protocol bodies to and from JSON (jansson), driven by a schema string, for
 * callers that need many APIs in their plain form and no typed structs (the web console asks
 * other brokers for groups, offsets, configs and log dirs, and builds the answer as JSON).
 *
 * A schema is a comma-separated list of fields "name:type", the body's fields in wire order:
 *   i8 i16 i32 i64 bool    integers and booleans (JSON integers / true,false)
 *   str nstr               STRING / NULLABLE_STRING (JSON string / null)
 *   bytes nbytes           BYTES / NULLABLE_BYTES (decoded as their size; encoded from a JSON
 *                          string's bytes, which may be binary: json_stringn_nocheck)
 *   raw                    BYTES decoded as a JSON string of the bytes themselves (unchecked,
 *                          maybe not UTF-8: decode them further, never print them)
 *   [fields] ?[fields]     array / nullable array of structs (JSON array of objects / null)
 *   [type]                 array of one primitive type, e.g. [i32] or [str]
 * Only the fields of the version used are written in the schema (callers pick a version).
 * flexible selects compact strings/arrays and an empty tagged-field section after each struct
 * (tags read are skipped).
 *
 * Owner: decode returns a new reference; encode borrows doc. Missing fields encode as 0, "",
 * false, null (nullable) or an empty array. Any thread; no state. */
#ifndef KPJSON_H
#define KPJSON_H

#include <jansson.h>
#include <stdbool.h>

#include "buf.h"

/* The body in rb as a JSON object, or NULL when it is malformed or shorter than the schema. */
json_t *kpjson_decode(const char *schema, rbuf_t *rb, bool flexible);
/* Append doc (an object) encoded by schema to wb. */
void kpjson_encode(const char *schema, const json_t *doc, wbuf_t *wb, bool flexible);

#endif
