/* cdata.h: Kafka Connect's data model in C (org.apache.kafka.connect.data and
 * connect.connector.ConnectRecord): schemas, values and records.
 *
 * Schemas (cd_schema_t) are Kafka's ConnectSchema: a type, optional flag, name, version, doc,
 * parameters, default value; ARRAY has value_schema (the element), MAP key_schema and
 * value_schema, STRUCT an ordered field list. Logical types are plain schemas with Kafka's names
 * (CD_LOGICAL_*): Decimal is BYTES (unscaled two's-complement big-endian, parameter "scale"),
 * Date INT32 (days since the epoch), Time INT32 (ms since midnight), Timestamp INT64 (epoch ms).
 *
 * Values (cd_value_t) are a tagged union; a NULL cd_value_t pointer is Connect's null. The tag
 * describes the value itself, so schemaless data (JsonConverter with schemas.enable=false) is a
 * value tree without a schema: MAP with STRING keys for a JSON object, ARRAY, STRING, INT64,
 * FLOAT64, BOOLEAN. A STRUCT value is ordered fields matching its schema's fields by index.
 *
 * Records (cd_record_t) are Kafka's SourceRecord/SinkRecord in one struct: topic, partition,
 * offset, timestamp, key schema+value, value schema+value, headers, and for source records the
 * source partition and source offset as JSON objects (jansson), as Connect stores them in the
 * offsets topic / file.
 *
 * Ownership:
 * - Schemas are immutable once built and reference counted (atomic: any thread may ref/unref
 *   a shared schema). Every function that "takes" a schema takes the caller's reference; every
 *   struct holding a schema pointer holds a reference. The built-in primitive schemas from
 *   cd_schema_prim() are static: ref/unref on them are no-ops. Build a schema (add fields,
 *   parameters, default) before sharing it.
 * - A value tree is owned by whoever holds its root (a record, a parent value); cd_value_free
 *   frees the tree. Setters and push/put functions take ownership of the value passed.
 * - A record owns its strings, values, headers, JSON (one reference each) and schema refs.
 * Threads: values and records are used by one thread at a time (the task thread); no locks. */
#ifndef CDATA_H
#define CDATA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cd_type {
    CD_INT8,
    CD_INT16,
    CD_INT32,
    CD_INT64,
    CD_FLOAT32,
    CD_FLOAT64,
    CD_BOOLEAN,
    CD_STRING,
    CD_BYTES,
    CD_ARRAY,
    CD_MAP,
    CD_STRUCT,
} cd_type_t;
#define CD_TYPE_COUNT (CD_STRUCT + 1)

/* Kafka's logical type names (Decimal.LOGICAL_NAME...) and Decimal's scale parameter. */
#define CD_LOGICAL_DECIMAL   "org.apache.kafka.connect.data.Decimal"
#define CD_LOGICAL_DATE      "org.apache.kafka.connect.data.Date"
#define CD_LOGICAL_TIME      "org.apache.kafka.connect.data.Time"
#define CD_LOGICAL_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"
#define CD_DECIMAL_SCALE     "scale"

typedef struct cd_schema cd_schema_t;
typedef struct cd_value cd_value_t;

typedef struct cd_field {
    char *name;
    int index; /* position in the struct, 0-based */
    cd_schema_t *schema;
} cd_field_t;

struct cd_schema {
    cd_type_t type;
    bool optional;
    char *name;                /* NULL when unnamed; a logical type's name for logical types */
    int32_t version;           /* 0 = none (Kafka's null) */
    char *doc;                 /* NULL = none */
    json_t *parameters;        /* NULL or an object of string values */
    cd_value_t *default_value; /* NULL = no default */
    cd_schema_t *key_schema;   /* MAP */
    cd_schema_t *value_schema; /* MAP values, ARRAY elements */
    cd_field_t *fields;        /* STRUCT, in order */
    size_t nfields;
    int refcnt; /* -1 = static (cd_schema_prim) */
};

/* Kafka's Type.getName(): "int8" ... "float32", "float64", "boolean", "string", "bytes",
 * "array", "map", "struct". cd_type_parse is its inverse (false when unknown). */
const char *cd_type_name(cd_type_t t);
bool cd_type_parse(const char *name, cd_type_t *out);
static inline bool cd_type_is_primitive(cd_type_t t)
{
    return t <= CD_BYTES;
}

/* --- schemas --------------------------------------------------------------------------- */

/* A static primitive schema (Schema.INT32_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA...). t must be
 * primitive. Never freed; ref/unref are no-ops. */
cd_schema_t *cd_schema_prim(cd_type_t t, bool optional);
/* A new mutable schema of type t with one reference (SchemaBuilder). NULL never (aborts on
 * out of memory, as wbuf does). */
cd_schema_t *cd_schema_new(cd_type_t t);
cd_schema_t *cd_schema_ref(cd_schema_t *s); /* returns s; NULL-safe */
void cd_schema_unref(cd_schema_t *s);       /* frees at zero; NULL-safe */

/* Builders, before the schema is shared. Strings are copied. */
void cd_schema_set_name(cd_schema_t *s, const char *name);
void cd_schema_set_doc(cd_schema_t *s, const char *doc);
void cd_schema_set_param(cd_schema_t *s, const char *key, const char *value);
const char *cd_schema_param(const cd_schema_t *s, const char *key); /* NULL when absent */
/* Takes the default value (must validate against s; false and not taken when it does not). */
bool cd_schema_set_default(cd_schema_t *s, cd_value_t *def);
/* STRUCT: append a field, taking the reference to field_schema. false (nothing taken) when
 * the name already exists or s is not a STRUCT. */
bool cd_schema_add_field(cd_schema_t *s, const char *name, cd_schema_t *field_schema);
/* ARRAY (element) / MAP (key, value): take the references. */
cd_schema_t *cd_schema_array(cd_schema_t *elem);
cd_schema_t *cd_schema_map(cd_schema_t *key, cd_schema_t *value);
/* Field by name, or NULL. */
const cd_field_t *cd_schema_field(const cd_schema_t *s, const char *name);
/* Deep structural equality (type, optional, name, version, doc, parameters, default, children)
 * as ConnectSchema.equals. NULL equals NULL only. */
bool cd_schema_equal(const cd_schema_t *a, const cd_schema_t *b);
/* A mutable deep copy with one reference (to derive a schema: SchemaUtil.copySchemaBasics
 * plus children). */
cd_schema_t *cd_schema_copy(const cd_schema_t *s);

/* Logical types. */
cd_schema_t *cd_schema_decimal(int scale);        /* BYTES named Decimal, parameter scale */
cd_schema_t *cd_schema_logical(const char *name); /* Date / Time (INT32), Timestamp (INT64) */
bool cd_schema_is_logical(const cd_schema_t *s, const char *name);

/* --- values ---------------------------------------------------------------------------- */

struct cd_value {
    cd_type_t type;
    union {
        int64_t i; /* INT8..INT64 (range of the type) */
        double f;  /* FLOAT32/FLOAT64 */
        bool b;    /* BOOLEAN */
        struct {   /* STRING (NUL-terminated too) and BYTES */
            char *p;
            size_t len;
        } s;
        struct { /* ARRAY: items may be NULL (null elements) */
            cd_value_t **items;
            size_t n, cap;
        } arr;
        struct { /* MAP: parallel keys/vals, insertion order; vals may be NULL */
            cd_value_t **keys, **vals;
            size_t n, cap;
        } map;
        struct { /* STRUCT: fields[i] is the value of schema->fields[i] (NULL = null) */
            cd_schema_t *schema; /* a reference */
            cd_value_t **fields;
        } st;
    } u;
};

/* Constructors: a new value the caller owns. Integers are checked against nothing here (use
 * cd_value_validate); strings and bytes are copied. */
cd_value_t *cd_int(cd_type_t t, int64_t v);  /* t in INT8..INT64 */
cd_value_t *cd_float(cd_type_t t, double v); /* FLOAT32 / FLOAT64 */
cd_value_t *cd_bool(bool v);
cd_value_t *cd_string(const char *s); /* NUL-terminated */
cd_value_t *cd_string_n(const char *s, size_t len);
cd_value_t *cd_bytes(const void *p, size_t len);
cd_value_t *cd_array_new(void);
void cd_array_push(cd_value_t *arr, cd_value_t *item); /* takes item (NULL = null) */
cd_value_t *cd_map_new(void);
void cd_map_put(cd_value_t *map, cd_value_t *key, cd_value_t *val); /* takes both */
/* MAP with STRING keys (schemaless JSON object): the value under key, or NULL. */
cd_value_t *cd_map_get_str(const cd_value_t *map, const char *key);
/* STRUCT of schema (takes a reference of its own); every field starts null. */
cd_value_t *cd_struct_new(cd_schema_t *schema);
/* Set / get a field by name. set takes v; false (v not taken) for an unknown name. get returns
 * NULL for a null field or an unknown name. */
bool cd_struct_set(cd_value_t *st, const char *name, cd_value_t *v);
cd_value_t *cd_struct_get(const cd_value_t *st, const char *name);

void cd_value_free(cd_value_t *v);              /* NULL-safe */
cd_value_t *cd_value_copy(const cd_value_t *v); /* deep; NULL gives NULL */
bool cd_value_equal(const cd_value_t *a, const cd_value_t *b);

/* ConnectSchema.validateValue: v conforms to s (null only when optional or with a default,
 * integer ranges, STRUCT schema equal, children recursively). With s == NULL any value passes.
 * false with a reason ("Invalid value: null used for required field: \"id\"...") in err. */
bool cd_value_validate(const cd_schema_t *s, const cd_value_t *v, char *err, size_t errlen);

/* Decimal helpers: unscaled big-endian two's complement <-> "-123.45" text with scale digits
 * after the point. from_string returns NULL for text that is not a decimal number. */
char *cd_decimal_to_string(const uint8_t *unscaled, size_t len, int scale); /* caller frees */
cd_value_t *cd_decimal_from_string(const char *text, int scale); /* rounds half up to scale */

/* --- records --------------------------------------------------------------------------- */

typedef struct cd_header {
    char *key;
    cd_schema_t *schema; /* reference or NULL */
    cd_value_t *value;   /* NULL = null */
} cd_header_t;

typedef struct cd_record {
    char *topic;
    int32_t partition;         /* -1 = let the producer choose (source records) */
    int64_t offset;            /* Kafka offset (sink records); -1 for source records */
    int64_t timestamp;         /* epoch ms; -1 = none */
    cd_schema_t *key_schema;   /* reference or NULL (schemaless) */
    cd_value_t *key;           /* NULL = null */
    cd_schema_t *value_schema; /* reference or NULL */
    cd_value_t *value;         /* NULL = null */
    cd_header_t *headers;
    size_t nheaders, cap_headers;
    json_t *source_partition; /* source records: an object, e.g. {"filename":"test.txt"} */
    json_t *source_offset;    /* source records: an object, e.g. {"position":42} */
} cd_record_t;

/* An empty record (partition -1, offset -1, timestamp -1) on topic (copied; NULL allowed). */
cd_record_t *cd_record_new(const char *topic);
void cd_record_free(cd_record_t *r); /* NULL-safe */
/* Deep copy (schemas shared by reference, JSON deep-copied). */
cd_record_t *cd_record_copy(const cd_record_t *r);
void cd_record_set_topic(cd_record_t *r, const char *topic);
/* Replace key / value: take schema (a reference, NULL allowed) and value, freeing the old. */
void cd_record_set_key(cd_record_t *r, cd_schema_t *schema, cd_value_t *key);
void cd_record_set_value(cd_record_t *r, cd_schema_t *schema, cd_value_t *value);
/* Source position: take the references (json_incref yourself to keep one). */
void cd_record_set_source(cd_record_t *r, json_t *partition, json_t *offset);
/* Append a header (key copied; takes schema and value). Headers keep their order and may
 * repeat a key, as Kafka's. */
void cd_record_add_header(cd_record_t *r, const char *key, cd_schema_t *schema, cd_value_t *value);
/* Convenience: a STRING header. */
void cd_record_add_header_str(cd_record_t *r, const char *key, const char *value);
/* The last header with key, or NULL. */
const cd_header_t *cd_record_header(const cd_record_t *r, const char *key);

#endif
