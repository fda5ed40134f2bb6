/* jdbc_sink_table.c: the PostgreSQL sink's plans (how a record's key, value and coordinates
 * become columns, from pk.mode, pk.fields and fields.whitelist) and tables (auto.create with the
 * JDBC sink's PostgreSQL types, auto.evolve adding missing optional columns). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jdbc_sink_int.h"

/* --- plans --------------------------------------------------------------------------------- */

void jsink_plan_clear(plan_t *p)
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

int jsink_plan_key_pk(jsink_t *t, plan_t *p, const cd_schema_t *ks, char *err, size_t errlen)
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

int jsink_plan_build(jsink_t *t, const cd_record_t *r, char *err, size_t errlen)
{
    plan_t *p = &t->plan;
    const cd_schema_t *vs = r->value_schema;
    jsink_plan_clear(p);
    if (!vs || vs->type != CD_STRUCT || !r->value)
        return ERR("Sink connector is configured with 'delete.enabled=false' and 'pk.mode=%s' "
                   "and therefore requires records with a non-null Struct value and non-null "
                   "Struct schema, but found record at (topic='%s',partition=%d,offset=%lld) "
                   "with a %s value and %s value schema.",
                   jsink_pk_modes[t->pk_mode], r->topic ? r->topic : "", (int)r->partition,
                   (long long)r->offset, r->value ? cd_type_name(r->value->type) : "null",
                   vs ? cd_type_name(vs->type) : "null");
    int rc = KC_OK;
    if (t->pk_mode == PK_KAFKA)
        rc = plan_kafka_pk(t, p, err, errlen);
    else if (t->pk_mode == PK_RECORD_KEY)
        rc = jsink_plan_key_pk(t, p, r->key_schema, err, errlen);
    else if (t->pk_mode == PK_RECORD_VALUE)
        rc = plan_struct_pk(t, p, vs, SRC_VALUE_FIELD, "value", err, errlen);
    for (size_t i = 0; rc == KC_OK && i < vs->nfields; i++)
        if (!plan_has(p, vs->fields[i].name) && whitelisted(t, vs->fields[i].name))
            plan_add(p, vs->fields[i].name, SRC_VALUE_FIELD, i, vs->fields[i].schema, false);
    if (rc == KC_OK && t->mode != MODE_INSERT && p->npk == 0)
        rc = ERR("Write to table in %s mode requires key fields; pk.mode is %s",
                 jsink_ins_modes[t->mode], jsink_pk_modes[t->pk_mode]);
    if (rc != KC_OK) {
        jsink_plan_clear(p);
        return rc;
    }
    p->key_schema = cd_schema_ref(r->key_schema);
    p->value_schema = cd_schema_ref(r->value_schema);
    return KC_OK;
}

bool jsink_same_schema(const cd_schema_t *a, const cd_schema_t *b)
{
    return a == b || cd_schema_equal(a, b);
}

bool jsink_plan_fits(const plan_t *p, const cd_record_t *r)
{
    return p->value_schema && jsink_same_schema(p->value_schema, r->value_schema) &&
           jsink_same_schema(p->key_schema, r->key_schema) && r->value;
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

table_t *jsink_table_get(jsink_t *t, const char *name)
{
    for (size_t i = 0; i < t->ntables; i++)
        if (strcmp(t->tables[i].name, name) == 0) return &t->tables[i];
    t->tables = realloc(t->tables, (t->ntables + 1) * sizeof *t->tables);
    table_t *tb = &t->tables[t->ntables++];
    *tb = (table_t){.name = strdup(name)};
    return tb;
}

/* Forget what we know of every table (after a rollback: DDL and stages went with it). */
void jsink_tables_forget(jsink_t *t)
{
    for (size_t i = 0; i < t->ntables; i++) {
        json_decref(t->tables[i].columns);
        t->tables[i].columns = NULL;
        t->tables[i].staged = false;
    }
}

int jsink_table_load(jsink_t *t, table_t *tb, char *err, size_t errlen)
{
    return jdbc_name_set(t->pg,
                         "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                         "current_schema() AND table_name = $1",
                         tb->name, &tb->columns, err, errlen);
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
int jsink_table_ensure(jsink_t *t, table_t *tb, char *err, size_t errlen)
{
    if (!tb->columns && jsink_table_load(t, tb, err, errlen)) return KC_ERR;
    if (json_object_size(tb->columns) == 0) {
        if (!t->auto_create)
            return ERR("Table \"%s\" is missing and auto-creation is disabled", tb->name);
        if (table_create(t, tb, err, errlen) || jsink_table_load(t, tb, err, errlen)) return KC_ERR;
    }
    return table_evolve(t, tb, err, errlen);
}
