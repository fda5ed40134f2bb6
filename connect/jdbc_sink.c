/* jdbc_sink.c: the PostgreSQL sink, with the keys of Confluent's JDBC sink
 * (io.confluent.connect.jdbc.JdbcSinkConnector): connection.*, insert.mode insert|upsert|update,
 * pk.mode none|kafka|record_key|record_value, pk.fields, fields.whitelist, auto.create,
 * auto.evolve, batch.size, table.name.format, max.retries, retry.backoff.ms.
 *
 * How a put() is written: one transaction per put; records are cut into runs of one table and
 * one (key schema, value schema) pair, at most batch.size long. insert: COPY the run into the
 * table. upsert / update: COPY it into a per-table temporary stage, then one INSERT ... SELECT
 * DISTINCT ON (pk) ... ON CONFLICT (pk) DO UPDATE (or UPDATE ... FROM) keeps the last record of
 * each key, as the JDBC sink's batched statements executed in order would. The data is durable
 * when put() returns, so flush() has nothing left to do and the offsets the runtime commits
 * after it are always covered. A failed put rolls back and is retried max.retries times
 * (KC_RETRY after retry.backoff.ms), then the task fails with PostgreSQL's message.
 *
 * Tables: auto.create makes a missing table from the Connect schema (the JDBC sink's
 * PostgreSQL type mapping, NOT NULL for required fields, PRIMARY KEY from pk.mode);
 * auto.evolve adds missing optional columns. Records need a Struct value with a schema
 * (schemaless and null values fail the task, with the JDBC sink's message), except that with
 * delete.enabled (pk.mode=record_key) a null value deletes its key's row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "jdbc.h"
#include "pg.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), KC_ERR)
#define NDEFS(d) (sizeof(d) / sizeof((d)[0]))

static const kc_cfg_def_t sink_defs[] = {
    JDBC_CONNECTION_DEFS,
    {.name = "insert.mode",
     .type = KC_CFG_STRING,
     .default_value = "insert",
     .importance = KC_IMP_HIGH,
     .doc = "The insertion mode to use: insert, upsert or update.",
     .validator = kc_valid_in,
     .valid_arg = "insert|upsert|update",
     .group = "Writes"},
    {.name = "batch.size",
     .type = KC_CFG_INT,
     .default_value = "3000",
     .importance = KC_IMP_MEDIUM,
     .doc = "Records to batch together for insertion.",
     .validator = kc_valid_at_least,
     .valid_arg = "0",
     .group = "Writes"},
    {.name = "delete.enabled",
     .type = KC_CFG_BOOLEAN,
     .default_value = "false",
     .importance = KC_IMP_MEDIUM,
     .doc = "Whether to treat null record values as deletes "
            "(not supported here).",
     .group = "Writes"},
    {.name = "table.name.format",
     .type = KC_CFG_STRING,
     .default_value = "${topic}",
     .importance = KC_IMP_MEDIUM,
     .doc = "Destination table name; ${topic} is the topic.",
     .group = "Data Mapping"},
    {.name = "pk.mode",
     .type = KC_CFG_STRING,
     .default_value = "none",
     .importance = KC_IMP_HIGH,
     .doc = "The primary key mode: none, kafka, record_key, "
            "record_value.",
     .validator = kc_valid_in,
     .valid_arg = "none|kafka|record_key|record_value",
     .group = "Data Mapping"},
    {.name = "pk.fields",
     .type = KC_CFG_LIST,
     .default_value = "",
     .importance = KC_IMP_MEDIUM,
     .doc = "List of primary key field names.",
     .group = "Data Mapping"},
    {.name = "fields.whitelist",
     .type = KC_CFG_LIST,
     .default_value = "",
     .importance = KC_IMP_MEDIUM,
     .doc = "List of record value fields to use as columns "
            "(empty: all).",
     .group = "Data Mapping"},
    {.name = "db.timezone",
     .type = KC_CFG_STRING,
     .default_value = "UTC",
     .importance = KC_IMP_MEDIUM,
     .doc = "Time zone for time-based values (UTC only here).",
     .validator = kc_valid_in,
     .valid_arg = "UTC",
     .group = "Data Mapping"},
    {.name = "auto.create",
     .type = KC_CFG_BOOLEAN,
     .default_value = "false",
     .importance = KC_IMP_MEDIUM,
     .doc = "Whether to create a missing destination table.",
     .group = "DDL Support"},
    {.name = "auto.evolve",
     .type = KC_CFG_BOOLEAN,
     .default_value = "false",
     .importance = KC_IMP_MEDIUM,
     .doc = "Whether to add missing columns to the table.",
     .group = "DDL Support"},
    {.name = "quote.sql.identifiers",
     .type = KC_CFG_STRING,
     .default_value = "always",
     .importance = KC_IMP_MEDIUM,
     .doc = "Identifiers are always quoted here.",
     .validator = kc_valid_in,
     .valid_arg = "always",
     .group = "DDL Support"},
    {.name = "max.retries",
     .type = KC_CFG_INT,
     .default_value = "10",
     .importance = KC_IMP_MEDIUM,
     .doc = "Times to retry on errors before failing the task.",
     .validator = kc_valid_at_least,
     .valid_arg = "0",
     .group = "Retries"},
    {.name = "retry.backoff.ms",
     .type = KC_CFG_INT,
     .default_value = "3000",
     .importance = KC_IMP_MEDIUM,
     .doc = "Time to wait after an error before a retry.",
     .validator = kc_valid_at_least,
     .valid_arg = "0",
     .group = "Retries"},
};
#define SINK_NDEFS NDEFS(sink_defs)

typedef enum { PK_NONE, PK_KAFKA, PK_RECORD_KEY, PK_RECORD_VALUE } pk_mode_t;
typedef enum { MODE_INSERT, MODE_UPSERT, MODE_UPDATE } ins_mode_t;
typedef enum {
    SRC_KEY,
    SRC_KEY_FIELD,
    SRC_VALUE_FIELD,
    SRC_TOPIC,
    SRC_PARTITION,
    SRC_OFFSET
} col_src_t;

typedef struct col {
    char *name;
    col_src_t src;
    size_t idx;                /* the struct field (SRC_*_FIELD) */
    const cd_schema_t *schema; /* borrowed from the plan's schemas or static */
    bool pk;
} col_t;

/* How records of one (key schema, value schema) pair map to columns. */
typedef struct plan {
    cd_schema_t *key_schema, *value_schema; /* references */
    col_t *cols;
    size_t ncols, npk;
} plan_t;

typedef struct table {
    char *name;
    json_t *columns; /* the table's column names (object name -> true); NULL = not loaded */
    bool staged;     /* its temporary stage exists on this connection */
} table_t;

typedef struct jsink {
    kc_sink_ctx_t *ctx;
    json_t *props;
    pg_t *pg;
    pk_mode_t pk_mode;
    ins_mode_t mode;
    json_t *pk_fields, *whitelist;
    bool auto_create, auto_evolve, delete_enabled;
    int batch_size, max_retries, retries;
    int64_t backoff_ms;
    char *table_format;
    plan_t plan;
    plan_t dplan; /* delete.enabled: the key columns of tombstones */
    table_t *tables;
    size_t ntables;
    wbuf_t copy, sql, tmp;
} jsink_t;

static const char *const pk_modes[] = {"none", "kafka", "record_key", "record_value"};
static const char *const ins_modes[] = {"insert", "upsert", "update"};

static int mode_index(const char *const *names, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (v && strcasecmp(names[i], v) == 0) return (int)i;
    return 0;
}

/* --- plans --------------------------------------------------------------------------------- */

static void plan_clear(plan_t *p)
{
    for (size_t i = 0; i < p->ncols; i++) free(p->cols[i].name);
    free(p->cols);
    cd_schema_unref(p->key_schema);
    cd_schema_unref(p->value_schema);
    memset(p, 0, sizeof *p);
}

static void plan_add(plan_t *p, const char *name, col_src_t src, size_t idx, const cd_schema_t *s,
                     bool pk)
{
    p->cols = realloc(p->cols, (p->ncols + 1) * sizeof *p->cols);
    p->cols[p->ncols++] = (col_t){strdup(name), src, idx, s, pk};
    p->npk += pk;
}

static bool plan_has(const plan_t *p, const char *name)
{
    for (size_t i = 0; i < p->ncols; i++)
        if (strcmp(p->cols[i].name, name) == 0) return true;
    return false;
}

static int plan_kafka_pk(jsink_t *t, plan_t *p, char *err, size_t errlen)
{
    static const char *const def[] = {"__connect_topic", "__connect_partition", "__connect_offset"};
    static const cd_type_t types[] = {CD_STRING, CD_INT32, CD_INT64};
    size_t n = json_array_size(t->pk_fields);
    if (n != 0 && n != 3)
        return ERR("PK mode for table is KAFKA so there should either be no field names defined "
                   "for defaults __connect_topic, __connect_partition, __connect_offset, or "
                   "exactly 3, found %zu",
                   n);
    for (int i = 0; i < 3; i++)
        plan_add(p, n ? json_string_value(json_array_get(t->pk_fields, i)) : def[i],
                 (col_src_t)(SRC_TOPIC + i), 0, cd_schema_prim(types[i], false), true);
    return KC_OK;
}

/* PK columns from a struct schema's fields (pk.fields, or all of them when empty). */
static int plan_struct_pk(jsink_t *t, plan_t *p, const cd_schema_t *s, col_src_t src,
                          const char *what, char *err, size_t errlen)
{
    size_t n = json_array_size(t->pk_fields);
    if (n == 0) {
        for (size_t i = 0; i < s->nfields; i++)
            plan_add(p, s->fields[i].name, src, i, s->fields[i].schema, true);
        return KC_OK;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = json_string_value(json_array_get(t->pk_fields, i));
        const cd_field_t *f = cd_schema_field(s, name);
        if (!f) return ERR("PK field not found in %s schema: %s", what, name);
        plan_add(p, name, src, (size_t)f->index, f->schema, true);
    }
    return KC_OK;
}

static int plan_key_pk(jsink_t *t, plan_t *p, const cd_schema_t *ks, char *err, size_t errlen)
{
    if (!ks)
        return ERR("Sink connector is configured with pk.mode=record_key and therefore requires "
                   "records with a non-null key and non-null Struct or primitive key schema");
    if (ks->type == CD_STRUCT) return plan_struct_pk(t, p, ks, SRC_KEY_FIELD, "key", err, errlen);
    if (!cd_type_is_primitive(ks->type))
        return ERR("Key schema must be primitive type or Struct, but is of type: %s",
                   cd_type_name(ks->type));
    if (json_array_size(t->pk_fields) != 1)
        return ERR("Need exactly one PK column defined since the key schema for records is a "
                   "primitive type, defined columns are: %zu",
                   json_array_size(t->pk_fields));
    plan_add(p, json_string_value(json_array_get(t->pk_fields, 0)), SRC_KEY, 0, ks, true);
    return KC_OK;
}

static bool whitelisted(const jsink_t *t, const char *name)
{
    size_t i;
    const json_t *e;
    if (json_array_size(t->whitelist) == 0) return true;
    json_array_foreach(t->whitelist, i, e) if (strcmp(json_string_value(e), name) == 0) return true;
    return false;
}

static int plan_build(jsink_t *t, const cd_record_t *r, char *err, size_t errlen)
{
    plan_t *p = &t->plan;
    const cd_schema_t *vs = r->value_schema;
    plan_clear(p);
    if (!vs || vs->type != CD_STRUCT || !r->value)
        return ERR("Sink connector is configured with 'delete.enabled=false' and 'pk.mode=%s' "
                   "and therefore requires records with a non-null Struct value and non-null "
                   "Struct schema, but found record at (topic='%s',partition=%d,offset=%lld) "
                   "with a %s value and %s value schema.",
                   pk_modes[t->pk_mode], r->topic ? r->topic : "", (int)r->partition,
                   (long long)r->offset, r->value ? cd_type_name(r->value->type) : "null",
                   vs ? cd_type_name(vs->type) : "null");
    int rc = KC_OK;
    if (t->pk_mode == PK_KAFKA)
        rc = plan_kafka_pk(t, p, err, errlen);
    else if (t->pk_mode == PK_RECORD_KEY)
        rc = plan_key_pk(t, p, r->key_schema, err, errlen);
    else if (t->pk_mode == PK_RECORD_VALUE)
        rc = plan_struct_pk(t, p, vs, SRC_VALUE_FIELD, "value", err, errlen);
    for (size_t i = 0; rc == KC_OK && i < vs->nfields; i++)
        if (!plan_has(p, vs->fields[i].name) && whitelisted(t, vs->fields[i].name))
            plan_add(p, vs->fields[i].name, SRC_VALUE_FIELD, i, vs->fields[i].schema, false);
    if (rc == KC_OK && t->mode != MODE_INSERT && p->npk == 0)
        rc = ERR("Write to table in %s mode requires key fields; pk.mode is %s", ins_modes[t->mode],
                 pk_modes[t->pk_mode]);
    if (rc != KC_OK) {
        plan_clear(p);
        return rc;
    }
    p->key_schema = cd_schema_ref(r->key_schema);
    p->value_schema = cd_schema_ref(r->value_schema);
    return KC_OK;
}

static bool same_schema(const cd_schema_t *a, const cd_schema_t *b)
{
    return a == b || cd_schema_equal(a, b);
}

static bool plan_fits(const plan_t *p, const cd_record_t *r)
{
    return p->value_schema && same_schema(p->value_schema, r->value_schema) &&
           same_schema(p->key_schema, r->key_schema) && r->value;
}

/* --- tables -------------------------------------------------------------------------------- */

/* The JDBC sink's PostgreSQL column types (PostgreSqlDatabaseDialect.getSqlType). */
static const char *sql_type(const cd_schema_t *s)
{
    if (cd_schema_is_logical(s, CD_LOGICAL_DECIMAL)) return "DECIMAL";
    if (cd_schema_is_logical(s, CD_LOGICAL_DATE)) return "DATE";
    if (cd_schema_is_logical(s, CD_LOGICAL_TIME)) return "TIME";
    if (cd_schema_is_logical(s, CD_LOGICAL_TIMESTAMP)) return "TIMESTAMP";
    switch (s->type) {
    case CD_INT8:
    case CD_INT16:
        return "SMALLINT";
    case CD_INT32:
        return "INT";
    case CD_INT64:
        return "BIGINT";
    case CD_FLOAT32:
        return "REAL";
    case CD_FLOAT64:
        return "DOUBLE PRECISION";
    case CD_BOOLEAN:
        return "BOOLEAN";
    case CD_STRING:
        return "TEXT";
    case CD_BYTES:
        return "BYTEA";
    default:
        return NULL;
    }
}

static table_t *table_get(jsink_t *t, const char *name)
{
    for (size_t i = 0; i < t->ntables; i++)
        if (strcmp(t->tables[i].name, name) == 0) return &t->tables[i];
    t->tables = realloc(t->tables, (t->ntables + 1) * sizeof *t->tables);
    table_t *tb = &t->tables[t->ntables++];
    *tb = (table_t){.name = strdup(name)};
    return tb;
}

/* Forget what we know of every table (after a rollback: DDL and stages went with it). */
static void tables_forget(jsink_t *t)
{
    for (size_t i = 0; i < t->ntables; i++) {
        json_decref(t->tables[i].columns);
        t->tables[i].columns = NULL;
        t->tables[i].staged = false;
    }
}

static int table_load(jsink_t *t, table_t *tb, char *err, size_t errlen)
{
    pg_res_t *res;
    const char *params[] = {tb->name};
    if (pg_exec(t->pg,
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "current_schema() AND table_name = $1",
                1, params, &res, err, errlen))
        return KC_ERR;
    json_decref(tb->columns);
    tb->columns = json_object();
    for (int i = 0; i < pg_res_rows(res); i++)
        json_object_set_new(tb->columns, pg_res_get(res, i, 0), json_true());
    pg_res_free(res);
    return KC_OK;
}

static int col_def(wbuf_t *sql, const col_t *c, char *err, size_t errlen)
{
    const char *type = sql_type(c->schema);
    if (!type)
        return ERR("%s (%s) type doesn't have a mapping to the SQL database column type", c->name,
                   cd_type_name(c->schema->type));
    pg_ident(sql, c->name);
    wbuf_printf(sql, " %s", type);
    if (!c->schema->optional || c->pk) wbuf_printf(sql, " NOT NULL");
    return KC_OK;
}

static int table_create(jsink_t *t, table_t *tb, char *err, size_t errlen)
{
    wbuf_t *sql = &t->sql;
    wbuf_reset(sql);
    wbuf_printf(sql, "CREATE TABLE ");
    pg_ident(sql, tb->name);
    wbuf_printf(sql, " (\n");
    for (size_t i = 0; i < t->plan.ncols; i++) {
        if (i) wbuf_printf(sql, ",\n");
        if (col_def(sql, &t->plan.cols[i], err, errlen)) return KC_ERR;
    }
    for (size_t i = 0, k = 0; i < t->plan.ncols; i++) {
        if (!t->plan.cols[i].pk) continue;
        wbuf_printf(sql, k++ ? "," : ",\nPRIMARY KEY(");
        pg_ident(sql, t->plan.cols[i].name);
    }
    wbuf_printf(sql, "%s)", t->plan.npk ? ")" : "");
    wbuf_append(sql, "", 1);
    return pg_cmd(t->pg, (const char *)sql->p, err, errlen) ? KC_ERR : KC_OK;
}

static int table_evolve(jsink_t *t, table_t *tb, char *err, size_t errlen)
{
    for (size_t i = 0; i < t->plan.ncols; i++) {
        const col_t *c = &t->plan.cols[i];
        if (json_object_get(tb->columns, c->name)) continue;
        if (!t->auto_evolve)
            return ERR("Table \"%s\" is missing fields ([%s]) and auto-evolution is disabled",
                       tb->name, c->name);
        if (!c->schema->optional)
            return ERR("Cannot ALTER TABLE \"%s\" to add missing field %s, as the field is not "
                       "optional and does not have a default value",
                       tb->name, c->name);
        wbuf_reset(&t->sql);
        wbuf_printf(&t->sql, "ALTER TABLE ");
        pg_ident(&t->sql, tb->name);
        wbuf_printf(&t->sql, " ADD ");
        if (col_def(&t->sql, c, err, errlen)) return KC_ERR;
        wbuf_append(&t->sql, "", 1);
        if (pg_cmd(t->pg, (const char *)t->sql.p, err, errlen)) return KC_ERR;
        json_object_set_new(tb->columns, c->name, json_true());
        tb->staged = false; /* the stage was made LIKE the old table */
    }
    return KC_OK;
}

/* The table exists and has every column of the plan (creating / evolving it as allowed). */
static int table_ensure(jsink_t *t, table_t *tb, char *err, size_t errlen)
{
    if (!tb->columns && table_load(t, tb, err, errlen)) return KC_ERR;
    if (json_object_size(tb->columns) == 0) {
        if (!t->auto_create)
            return ERR("Table \"%s\" is missing and auto-creation is disabled", tb->name);
        if (table_create(t, tb, err, errlen) || table_load(t, tb, err, errlen)) return KC_ERR;
    }
    return table_evolve(t, tb, err, errlen);
}

/* --- rows ---------------------------------------------------------------------------------- */

static void bytes_text(wbuf_t *o, const cd_value_t *v)
{
    static const char hex[] = "0123456789abcdef";
    wbuf_append(o, "\\x", 2); /* bytea's hex input form */
    uint8_t *p = wbuf_ensure(o, v->u.s.len * 2);
    for (size_t i = 0; i < v->u.s.len; i++) {
        p[2 * i] = (uint8_t)hex[(uint8_t)v->u.s.p[i] >> 4];
        p[2 * i + 1] = (uint8_t)hex[(uint8_t)v->u.s.p[i] & 15];
    }
    o->len += v->u.s.len * 2;
}

/* The text PostgreSQL reads for v (not null) in column c: *p and *n point into v (strings) or into
 * tmp (reset first), which the caller keeps until it has used them. */
static int cell_text(const col_t *c, const cd_value_t *v, wbuf_t *tmp, const char **p, size_t *n,
                     char *err, size_t errlen)
{
    const cd_schema_t *s = c->schema;
    char buf[64] = "";
    wbuf_reset(tmp);
    if (cd_schema_is_logical(s, CD_LOGICAL_DECIMAL)) {
        const char *sc = cd_schema_param(s, CD_DECIMAL_SCALE);
        char *txt = cd_decimal_to_string((const uint8_t *)v->u.s.p, v->u.s.len, sc ? atoi(sc) : 0);
        if (!txt) return ERR("Invalid Decimal value for column %s", c->name);
        wbuf_append(tmp, txt, strlen(txt));
        free(txt);
    } else if (cd_schema_is_logical(s, CD_LOGICAL_DATE)) {
        jdbc_fmt_date(buf, sizeof buf, v->u.i);
    } else if (cd_schema_is_logical(s, CD_LOGICAL_TIME)) {
        jdbc_fmt_time(buf, sizeof buf, v->u.i);
    } else if (cd_schema_is_logical(s, CD_LOGICAL_TIMESTAMP)) {
        jdbc_fmt_timestamp(buf, sizeof buf, v->u.i);
    } else {
        switch (v->type) {
        case CD_INT8:
        case CD_INT16:
        case CD_INT32:
        case CD_INT64:
            snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
            break;
        case CD_FLOAT32:
            snprintf(buf, sizeof buf, "%.9g", v->u.f);
            break;
        case CD_FLOAT64:
            snprintf(buf, sizeof buf, "%.17g", v->u.f);
            break;
        case CD_BOOLEAN:
            snprintf(buf, sizeof buf, "%s", v->u.b ? "t" : "f");
            break;
        case CD_STRING:
            if (memchr(v->u.s.p, '\0', v->u.s.len))
                return ERR("Column %s: PostgreSQL text cannot hold a NUL character", c->name);
            *p = v->u.s.p;
            *n = v->u.s.len;
            return KC_OK;
        case CD_BYTES:
            bytes_text(tmp, v);
            break;
        default:
            return ERR("%s (%s) type doesn't have a mapping to the SQL database column type",
                       c->name, cd_type_name(v->type));
        }
    }
    if (buf[0]) wbuf_append(tmp, buf, strlen(buf));
    *p = (const char *)tmp->p;
    *n = tmp->len;
    return KC_OK;
}

static int cell(wbuf_t *o, wbuf_t *tmp, const col_t *c, const cd_value_t *v, char sep, char *err,
                size_t errlen)
{
    const char *p;
    size_t n;
    if (!v) {
        pg_copy_null(o, sep);
        return KC_OK;
    }
    if (cell_text(c, v, tmp, &p, &n, err, errlen)) return KC_ERR;
    pg_copy_field(o, p, n, sep);
    return KC_OK;
}

static int row(jsink_t *t, wbuf_t *o, const cd_record_t *r, char *err, size_t errlen)
{
    for (size_t i = 0; i < t->plan.ncols; i++) {
        const col_t *c = &t->plan.cols[i];
        char sep = i + 1 == t->plan.ncols ? '\n' : '\t';
        cd_value_t tmp = {0}, *v = NULL;
        switch (c->src) {
        case SRC_KEY:
            v = r->key;
            break;
        case SRC_KEY_FIELD:
            v = r->key ? r->key->u.st.fields[c->idx] : NULL;
            break;
        case SRC_VALUE_FIELD:
            v = r->value->u.st.fields[c->idx];
            break;
        case SRC_TOPIC:
            pg_copy_field(o, r->topic ? r->topic : "", r->topic ? strlen(r->topic) : 0, sep);
            continue;
        case SRC_PARTITION:
            tmp = (cd_value_t){.type = CD_INT32, .u.i = r->partition};
            v = &tmp;
            break;
        case SRC_OFFSET:
            tmp = (cd_value_t){.type = CD_INT64, .u.i = r->offset};
            v = &tmp;
            break;
        }
        if (cell(o, &t->tmp, c, v, sep, err, errlen)) return KC_ERR;
    }
    return KC_OK;
}

/* --- writing a run ------------------------------------------------------------------------- */

static void sql_cols(wbuf_t *sql, const plan_t *p, const char *prefix, bool pk_only)
{
    for (size_t i = 0, k = 0; i < p->ncols; i++) {
        if (pk_only && !p->cols[i].pk) continue;
        if (k++) wbuf_append(sql, ",", 1);
        wbuf_printf(sql, "%s", prefix);
        pg_ident(sql, p->cols[i].name);
    }
}

static void sql_copy(wbuf_t *sql, const char *table, const plan_t *p)
{
    wbuf_reset(sql);
    wbuf_printf(sql, "COPY ");
    pg_ident(sql, table);
    wbuf_printf(sql, " (");
    sql_cols(sql, p, "", false);
    wbuf_printf(sql, ") FROM STDIN");
    wbuf_append(sql, "", 1);
}

static void stage_name(char *buf, size_t cap, const jsink_t *t, const table_t *tb)
{
    snprintf(buf, cap, "kc_stage_%zu", (size_t)(tb - t->tables));
}

static int stage_ensure(jsink_t *t, table_t *tb, const char *stage, char *err, size_t errlen)
{
    if (tb->staged) return KC_OK;
    wbuf_t *sql = &t->sql;
    wbuf_reset(sql);
    wbuf_printf(sql, "DROP TABLE IF EXISTS pg_temp.\"%s\"; CREATE TEMP TABLE \"%s\" (LIKE ", stage,
                stage);
    pg_ident(sql, tb->name);
    wbuf_printf(sql, "); ALTER TABLE \"%s\" ADD COLUMN \"__kc_seq\" BIGSERIAL", stage);
    wbuf_append(sql, "", 1);
    if (pg_cmd(t->pg, (const char *)sql->p, err, errlen)) return KC_ERR;
    tb->staged = true;
    return KC_OK;
}

/* INSERT ... ON CONFLICT DO UPDATE (upsert) or UPDATE ... FROM (update) from the stage, the
 * last staged record of each key winning. */
static void sql_merge(wbuf_t *sql, const jsink_t *t, const char *table, const char *stage)
{
    const plan_t *p = &t->plan;
    wbuf_reset(sql);
    if (t->mode == MODE_UPSERT) {
        wbuf_printf(sql, "INSERT INTO ");
        pg_ident(sql, table);
        wbuf_printf(sql, " (");
        sql_cols(sql, p, "", false);
        wbuf_printf(sql, ") SELECT DISTINCT ON (");
    } else {
        wbuf_printf(sql, "UPDATE ");
        pg_ident(sql, table);
        wbuf_printf(sql, " AS t SET ");
        for (size_t i = 0, k = 0; i < p->ncols; i++) {
            if (p->cols[i].pk) continue;
            wbuf_printf(sql, k++ ? "," : "");
            pg_ident(sql, p->cols[i].name);
            wbuf_printf(sql, " = s.");
            pg_ident(sql, p->cols[i].name);
        }
        wbuf_printf(sql, " FROM (SELECT DISTINCT ON (");
    }
    sql_cols(sql, p, "", true);
    wbuf_printf(sql, ") ");
    sql_cols(sql, p, "", false);
    wbuf_printf(sql, " FROM \"%s\" ORDER BY ", stage);
    sql_cols(sql, p, "", true);
    wbuf_printf(sql, ", \"__kc_seq\" DESC");
    if (t->mode == MODE_UPSERT) {
        wbuf_printf(sql, " ON CONFLICT (");
        sql_cols(sql, p, "", true);
        bool any = p->ncols > p->npk;
        wbuf_printf(sql, ") DO %s", any ? "UPDATE SET " : "NOTHING");
        for (size_t i = 0, k = 0; i < p->ncols; i++) {
            if (p->cols[i].pk) continue;
            wbuf_printf(sql, k++ ? "," : "");
            pg_ident(sql, p->cols[i].name);
            wbuf_printf(sql, " = EXCLUDED.");
            pg_ident(sql, p->cols[i].name);
        }
    } else {
        wbuf_printf(sql, ") AS s WHERE ");
        for (size_t i = 0, k = 0; i < p->ncols; i++) {
            if (!p->cols[i].pk) continue;
            wbuf_printf(sql, k++ ? " AND t." : "t.");
            pg_ident(sql, p->cols[i].name);
            wbuf_printf(sql, " = s.");
            pg_ident(sql, p->cols[i].name);
        }
    }
    wbuf_printf(sql, "; TRUNCATE \"%s\"", stage);
    wbuf_append(sql, "", 1);
}

static int write_run(jsink_t *t, table_t *tb, cd_record_t *const *recs, size_t n, char *err,
                     size_t errlen)
{
    if (table_ensure(t, tb, err, errlen)) return KC_ERR;
    wbuf_reset(&t->copy);
    for (size_t i = 0; i < n; i++)
        if (row(t, &t->copy, recs[i], err, errlen)) return KC_ERR;
    char stage[48];
    const char *target = tb->name;
    if (t->mode != MODE_INSERT) {
        stage_name(stage, sizeof stage, t, tb);
        if (stage_ensure(t, tb, stage, err, errlen)) return KC_ERR;
        target = stage;
    }
    sql_copy(&t->sql, target, &t->plan);
    if (pg_copy_in(t->pg, (const char *)t->sql.p, t->copy.p, t->copy.len, err, errlen))
        return KC_ERR;
    if (t->mode == MODE_INSERT) return KC_OK;
    sql_merge(&t->sql, t, tb->name, stage);
    return pg_cmd(t->pg, (const char *)t->sql.p, err, errlen) ? KC_ERR : KC_OK;
}

static void table_name_of(const jsink_t *t, const char *topic, wbuf_t *out)
{
    wbuf_reset(out);
    for (const char *q = t->table_format; *q;) {
        if (strncmp(q, "${topic}", 8) == 0) {
            wbuf_append(out, topic, strlen(topic));
            q += 8;
        } else {
            wbuf_append(out, q++, 1);
        }
    }
    wbuf_append(out, "", 1);
}

/* --- the task ------------------------------------------------------------------------------ */

static bool sink_stopping(void *arg)
{
    kc_sink_ctx_t *ctx = arg;
    return ctx && ctx->stopping && ctx->stopping(ctx);
}

/* After a failed put: roll back (closing the connection, so the next put starts clean), then
 * KC_RETRY while retries are left for a database error, else KC_ERR. */
static int put_failed(jsink_t *t, bool retriable, char *err, size_t errlen)
{
    (void)errlen;
    pg_close(t->pg);
    t->pg = NULL;
    tables_forget(t);
    if (retriable && t->retries < t->max_retries) {
        t->retries++;
        fprintf(stderr, "WARN JdbcSinkTask %s-%d: write failed (%s); retry %d of %d in %lld ms\n",
                t->ctx ? t->ctx->connector : "?", t->ctx ? t->ctx->task_id : -1, err, t->retries,
                t->max_retries, (long long)t->backoff_ms);
        if (t->ctx && t->ctx->timeout) t->ctx->timeout(t->ctx, t->backoff_ms);
        return KC_RETRY;
    }
    return KC_ERR;
}

/* delete.enabled: DELETE the row of a tombstone's key. A missing table has nothing to delete.
 * -1 with *retriable false when the record itself is unusable. */
static int delete_row(jsink_t *t, table_t *tb, const cd_record_t *r, bool *retriable, char *err,
                      size_t errlen)
{
    plan_t *p = &t->dplan;
    if (!p->ncols || !same_schema(p->key_schema, r->key_schema)) {
        plan_clear(p);
        if (plan_key_pk(t, p, r->key_schema, err, errlen)) return (*retriable = false), KC_ERR;
        p->key_schema = cd_schema_ref(r->key_schema);
    }
    if (!r->key) return (*retriable = false), ERR("A tombstone with a null key cannot be deleted");
    if (!tb->columns && table_load(t, tb, err, errlen)) return KC_ERR;
    if (json_object_size(tb->columns) == 0) return KC_OK;
    wbuf_t *sql = &t->sql;
    wbuf_reset(sql);
    wbuf_printf(sql, "DELETE FROM ");
    pg_ident(sql, tb->name);
    char *params[16] = {0};
    int rc = p->ncols > 16 ? ERR("Too many key columns for a delete") : KC_OK;
    for (size_t i = 0; rc == KC_OK && i < p->ncols; i++) {
        const col_t *c = &p->cols[i];
        const cd_value_t *v = c->src == SRC_KEY ? r->key : r->key->u.st.fields[c->idx];
        const char *txt;
        size_t n;
        if (!v)
            rc = ERR("Key field %s of a tombstone is null", c->name);
        else if ((rc = cell_text(c, v, &t->tmp, &txt, &n, err, errlen)) == KC_OK)
            params[i] = strndup(txt, n);
        wbuf_printf(sql, i ? " AND " : " WHERE ");
        pg_ident(sql, c->name);
        wbuf_printf(sql, " = $%zu", i + 1);
    }
    wbuf_append(sql, "", 1);
    if (rc != KC_OK)
        *retriable = false;
    else
        rc = pg_exec(t->pg, (const char *)sql->p, (int)p->ncols, (const char *const *)params, NULL,
                     err, errlen);
    for (size_t i = 0; i < 16; i++) free(params[i]);
    return rc ? KC_ERR : KC_OK;
}

static int put_runs(jsink_t *t, cd_record_t *const *recs, size_t n, bool *retriable, char *err,
                    size_t errlen)
{
    wbuf_t name;
    wbuf_init(&name);
    size_t max = t->batch_size > 0 ? (size_t)t->batch_size : n;
    int rc = KC_OK;
    for (size_t i = 0, j; i < n && rc == KC_OK; i = j) {
        const cd_record_t *r = recs[i];
        if (!r->value && t->delete_enabled) {
            j = i + 1;
            table_name_of(t, r->topic ? r->topic : "", &name);
            rc = delete_row(t, table_get(t, (const char *)name.p), r, retriable, err, errlen);
            continue;
        }
        if (!plan_fits(&t->plan, r) && plan_build(t, r, err, errlen)) {
            *retriable = false; /* the same record would fail again */
            rc = KC_ERR;
            break;
        }
        for (j = i + 1; j < n && j - i < max && plan_fits(&t->plan, recs[j]) &&
                        strcmp(recs[j]->topic ? recs[j]->topic : "", r->topic ? r->topic : "") == 0;
             j++)
            ;
        table_name_of(t, r->topic ? r->topic : "", &name);
        rc = write_run(t, table_get(t, (const char *)name.p), recs + i, j - i, err, errlen);
    }
    wbuf_free(&name);
    return rc;
}

static int sink_put(void *task, cd_record_t *const *recs, size_t n, char *err, size_t errlen)
{
    jsink_t *t = task;
    if (n == 0) return KC_OK;
    if (!t->pg) {
        t->pg = jdbc_connect(sink_defs, SINK_NDEFS, t->props, sink_stopping, t->ctx, err, errlen);
        if (!t->pg) return put_failed(t, true, err, errlen);
    }
    bool retriable = true;
    if (pg_cmd(t->pg, "BEGIN", err, errlen) || put_runs(t, recs, n, &retriable, err, errlen) ||
        pg_cmd(t->pg, "COMMIT", err, errlen))
        return put_failed(t, retriable, err, errlen);
    t->retries = 0;
    return KC_OK;
}

static int sink_flush(void *task, const kc_tp_offset_t *offsets, size_t n, char *err, size_t errlen)
{
    (void)task, (void)offsets, (void)n, (void)err, (void)errlen;
    return KC_OK; /* every put() committed its transaction before returning */
}

static void sink_stop(void *task)
{
    jsink_t *t = task;
    if (!t) return;
    pg_close(t->pg);
    plan_clear(&t->plan);
    plan_clear(&t->dplan);
    tables_forget(t);
    for (size_t i = 0; i < t->ntables; i++) free(t->tables[i].name);
    free(t->tables);
    json_decref(t->props);
    json_decref(t->pk_fields);
    json_decref(t->whitelist);
    free(t->table_format);
    wbuf_free(&t->copy);
    wbuf_free(&t->sql);
    wbuf_free(&t->tmp);
    free(t);
}

/* Cross-key checks (Connector.validate), also made by start. */
static void sink_validate(const json_t *props, json_t *errors)
{
    const char *mode = kc_cfg_str(sink_defs, SINK_NDEFS, props, "insert.mode");
    const char *pk = kc_cfg_str(sink_defs, SINK_NDEFS, props, "pk.mode");
    if (mode && strcasecmp(mode, "insert") != 0 && pk && strcasecmp(pk, "none") == 0)
        jdbc_add_error(
            errors, "pk.mode",
            "insert.mode upsert and update need primary key fields: set pk.mode to kafka, "
            "record_key or record_value");
    if (kc_cfg_bool(sink_defs, SINK_NDEFS, props, "delete.enabled") &&
        (!pk || strcasecmp(pk, "record_key") != 0))
        jdbc_add_error(errors, "pk.mode", "Deletes are only supported for pk.mode record_key");
    pg_url_t u;
    char err[160];
    const char *url = kc_cfg_str(sink_defs, SINK_NDEFS, props, "connection.url");
    if (url && pg_url_parse(url, &u, err, sizeof err))
        jdbc_add_error(errors, "connection.url", err);
}

static void *sink_start(const json_t *props, kc_sink_ctx_t *ctx, char *err, size_t errlen)
{
    if (jdbc_config_check(sink_defs, SINK_NDEFS, props, sink_validate, err, errlen)) return NULL;
    jsink_t *t = calloc(1, sizeof *t);
    t->ctx = ctx;
    t->props = json_deep_copy(props);
    t->pk_mode =
        (pk_mode_t)mode_index(pk_modes, 4, kc_cfg_str(sink_defs, SINK_NDEFS, props, "pk.mode"));
    t->mode = (ins_mode_t)mode_index(ins_modes, 3,
                                     kc_cfg_str(sink_defs, SINK_NDEFS, props, "insert.mode"));
    t->pk_fields = kc_cfg_list(sink_defs, SINK_NDEFS, props, "pk.fields");
    t->whitelist = kc_cfg_list(sink_defs, SINK_NDEFS, props, "fields.whitelist");
    t->auto_create = kc_cfg_bool(sink_defs, SINK_NDEFS, props, "auto.create");
    t->auto_evolve = kc_cfg_bool(sink_defs, SINK_NDEFS, props, "auto.evolve");
    t->delete_enabled = kc_cfg_bool(sink_defs, SINK_NDEFS, props, "delete.enabled");
    t->batch_size = (int)kc_cfg_int(sink_defs, SINK_NDEFS, props, "batch.size");
    t->max_retries = (int)kc_cfg_int(sink_defs, SINK_NDEFS, props, "max.retries");
    t->backoff_ms = kc_cfg_int(sink_defs, SINK_NDEFS, props, "retry.backoff.ms");
    t->table_format = strdup(kc_cfg_str(sink_defs, SINK_NDEFS, props, "table.name.format"));
    wbuf_init(&t->copy);
    wbuf_init(&t->sql);
    wbuf_init(&t->tmp);
    t->pg = jdbc_connect(sink_defs, SINK_NDEFS, props, sink_stopping, ctx, err, errlen);
    if (!t->pg) {
        sink_stop(t);
        return NULL;
    }
    return t;
}

/* --- the connector ------------------------------------------------------------------------- */

static void *conn_start(const json_t *props, kc_connector_ctx_t *ctx, char *err, size_t errlen)
{
    (void)ctx;
    if (jdbc_config_check(sink_defs, SINK_NDEFS, props, sink_validate, err, errlen)) return NULL;
    return json_deep_copy(props);
}

static json_t *conn_task_configs(void *conn, int max_tasks)
{
    json_t *arr = json_array();
    for (int i = 0; i < max_tasks; i++) /* every task reads its share of the topics */
        json_array_append_new(arr, json_deep_copy(conn));
    return arr;
}

static void conn_stop(void *conn)
{
    json_decref(conn);
}

static const char *const sink_aliases[] = {"JdbcSink", "PostgresSink", NULL};

const kc_plugin_t jdbc_sink_plugin = {
    .abi = KC_PLUGIN_ABI,
    .kind = KC_PLUGIN_SINK,
    .class_name = "io.confluent.connect.jdbc.JdbcSinkConnector",
    .aliases = sink_aliases,
    .version = "10.7.4",
    .defs = sink_defs,
    .ndefs = SINK_NDEFS,
    .validate = sink_validate,
    .ops.sink = {{conn_start, conn_task_configs, conn_stop},
                 {sink_start, sink_put, sink_flush, NULL, sink_stop}},
};
