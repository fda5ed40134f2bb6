/* jdbc_source_rows.c: the PostgreSQL source's rows: each table's offset (restored from the
 * runtime, written with every record), the Struct schema of a result's columns (the type
 * mapping of jdbc_source.c's header, NOT NULL columns required) and the cells' values read from
 * PostgreSQL's text forms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jdbc_source_int.h"

/* --- offsets ------------------------------------------------------------------------------- */

void jsrc_table_restore(jsrc_t *s, src_table_t *tb)
{
    tb->inc = -1;
    tb->ts_ms = -1;
    json_t *off = s->ctx && s->ctx->offset ? s->ctx->offset(s->ctx, tb->partition) : NULL;
    if (!off) return;
    json_t *inc = json_object_get(off, "incrementing");
    json_t *ts = json_object_get(off, "timestamp");
    json_t *ns = json_object_get(off, "timestamp_nanos");
    if (json_is_integer(inc)) tb->inc = json_integer_value(inc);
    if (json_is_integer(ts)) {
        tb->ts_ms = json_integer_value(ts);
        tb->ts_nanos = json_is_integer(ns) ? (int32_t)json_integer_value(ns)
                                           : (int32_t)(tb->ts_ms % 1000) * 1000000;
    }
    json_decref(off);
}

static json_t *table_offset(const jsrc_t *s, const src_table_t *tb)
{
    json_t *o = json_object();
    if (s->mode == M_INC || s->mode == M_TS_INC)
        json_object_set_new(o, "incrementing", json_integer(tb->inc));
    if (s->mode == M_TS || s->mode == M_TS_INC) {
        json_object_set_new(o, "timestamp", json_integer(tb->ts_ms));
        json_object_set_new(o, "timestamp_nanos", json_integer(tb->ts_nanos));
    }
    return o;
}

/* The offset timestamp as a query parameter: seconds and the nanos' microseconds. */
void jsrc_ts_param(char *buf, size_t cap, const src_table_t *tb)
{
    int64_t secs_ms = tb->ts_ms - (((tb->ts_ms % 1000) + 1000) % 1000);
    char base[48];
    jdbc_fmt_timestamp(base, sizeof base, secs_ms); /* "YYYY-MM-DD HH:MM:SS.000+00" */
    char *dot = strchr(base, '.');
    if (dot) *dot = '\0';
    snprintf(buf, cap, "%s.%06d+00", base, tb->ts_nanos / 1000);
}

/* Nanos of the second from PostgreSQL's "... HH:MM:SS[.ffffff]" text. */
static int32_t ts_nanos_of(const char *text)
{
    const char *dot = strchr(text, '.');
    int32_t ns = 0, digits = 0;
    if (dot)
        for (const char *p = dot + 1; *p >= '0' && *p <= '9' && digits < 9; p++, digits++)
            ns = ns * 10 + (*p - '0');
    for (; digits < 9; digits++) ns *= 10;
    return ns;
}

/* --- schemas and values -------------------------------------------------------------------- */

int jsrc_load_notnull(jsrc_t *s, src_table_t *tb, char *err, size_t errlen)
{
    if (tb->query) { /* a query's columns carry no NOT NULL: every field is optional */
        tb->notnull = json_object();
        return KC_OK;
    }
    wbuf_reset(&s->sql);
    pg_ident(&s->sql, tb->name);
    wbuf_append(&s->sql, "", 1);
    return jdbc_name_set(s->pg,
                         "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND "
                         "attnum > 0 AND NOT attisdropped AND attnotnull",
                         (const char *)s->sql.p, &tb->notnull, err, errlen);
}

static cd_schema_t *col_schema(src_col_t *c, int typmod)
{
    switch (c->oid) {
    case PG_OID_INT2:
        return cd_schema_new(CD_INT16);
    case PG_OID_INT4:
        return cd_schema_new(CD_INT32);
    case PG_OID_INT8:
        return cd_schema_new(CD_INT64);
    case PG_OID_FLOAT4:
        return cd_schema_new(CD_FLOAT32);
    case PG_OID_FLOAT8:
        return cd_schema_new(CD_FLOAT64);
    case PG_OID_BOOL:
        return cd_schema_new(CD_BOOLEAN);
    case PG_OID_BYTEA:
        return cd_schema_new(CD_BYTES);
    case PG_OID_DATE:
        return cd_schema_logical(CD_LOGICAL_DATE);
    case PG_OID_TIME:
        return cd_schema_logical(CD_LOGICAL_TIME);
    case PG_OID_TIMESTAMP:
    case PG_OID_TIMESTAMPTZ:
        return cd_schema_logical(CD_LOGICAL_TIMESTAMP);
    case PG_OID_NUMERIC:
        c->scale = pg_numeric_scale(typmod);
        if (c->scale >= 0) return cd_schema_decimal(c->scale);
        break;
    default:
        break;
    }
    c->as_text = true; /* text, varchar, char and every unmapped type */
    return cd_schema_new(CD_STRING);
}

void jsrc_cols_free(src_table_t *tb)
{
    for (int i = 0; i < tb->ncols; i++) free(tb->cols[i].name);
    free(tb->cols);
    tb->cols = NULL;
    tb->ncols = 0;
    cd_schema_unref(tb->schema);
    tb->schema = NULL;
}

bool jsrc_cols_match(const src_table_t *tb, const pg_res_t *res)
{
    if (!tb->schema || tb->ncols != pg_res_cols(res)) return false;
    for (int i = 0; i < tb->ncols; i++)
        if (tb->cols[i].oid != pg_res_coltype(res, i) ||
            strcmp(tb->cols[i].name, pg_res_colname(res, i)) != 0)
            return false;
    return true;
}

void jsrc_schema_build(src_table_t *tb, const pg_res_t *res)
{
    jsrc_cols_free(tb);
    tb->ncols = pg_res_cols(res);
    tb->cols = calloc((size_t)tb->ncols, sizeof *tb->cols);
    tb->schema = cd_schema_new(CD_STRUCT);
    if (!tb->query) cd_schema_set_name(tb->schema, tb->name);
    for (int i = 0; i < tb->ncols; i++) {
        src_col_t *c = &tb->cols[i];
        c->name = strdup(pg_res_colname(res, i));
        c->oid = pg_res_coltype(res, i);
        cd_schema_t *fs = col_schema(c, pg_res_colmod(res, i));
        fs->optional = !json_object_get(tb->notnull, c->name);
        cd_schema_add_field(tb->schema, c->name, fs);
    }
}

static int hex_val(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static cd_value_t *bytea_value(const char *txt, size_t len)
{
    if (len < 2 || txt[0] != '\\' || txt[1] != 'x' || len % 2) return NULL;
    size_t n = (len - 2) / 2;
    uint8_t *b = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        int hi = hex_val(txt[2 + 2 * i]), lo = hex_val(txt[3 + 2 * i]);
        if (hi < 0 || lo < 0) {
            free(b);
            return NULL;
        }
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    cd_value_t *v = cd_bytes(b, n);
    free(b);
    return v;
}

static cd_value_t *cell_value(const src_col_t *c, const char *txt, size_t len)
{
    if (c->as_text) return cd_string_n(txt, len);
    int32_t i32;
    int64_t i64;
    switch (c->oid) {
    case PG_OID_INT2:
        return cd_int(CD_INT16, strtoll(txt, NULL, 10));
    case PG_OID_INT4:
        return cd_int(CD_INT32, strtoll(txt, NULL, 10));
    case PG_OID_INT8:
        return cd_int(CD_INT64, strtoll(txt, NULL, 10));
    case PG_OID_FLOAT4:
        return cd_float(CD_FLOAT32, (float)strtod(txt, NULL));
    case PG_OID_FLOAT8:
        return cd_float(CD_FLOAT64, strtod(txt, NULL));
    case PG_OID_BOOL:
        return cd_bool(txt[0] == 't');
    case PG_OID_BYTEA:
        return bytea_value(txt, len);
    case PG_OID_NUMERIC:
        return cd_decimal_from_string(txt, c->scale);
    case PG_OID_DATE:
        return jdbc_parse_date(txt, &i32) ? cd_int(CD_INT32, i32) : NULL;
    case PG_OID_TIME:
        return jdbc_parse_time(txt, &i32) ? cd_int(CD_INT32, i32) : NULL;
    default:
        return jdbc_parse_timestamp(txt, &i64) ? cd_int(CD_INT64, i64) : NULL;
    }
}

/* Row r of res as a record on the table's topic, moving the table's offset past it. */
int jsrc_row_record(jsrc_t *s, src_table_t *tb, const pg_res_t *res, int r, cd_record_t **out,
                    char *err, size_t errlen)
{
    cd_value_t *v = cd_struct_new(tb->schema);
    for (int i = 0; i < tb->ncols; i++) {
        const src_col_t *c = &tb->cols[i];
        if (pg_res_isnull(res, r, i)) continue;
        const char *txt = pg_res_get(res, r, i);
        cd_value_t *cv = cell_value(c, txt, (size_t)pg_res_getlen(res, r, i));
        if (!cv) {
            cd_value_free(v);
            return ERR("Table %s column %s: cannot read value '%.40s'", tb->name, c->name, txt);
        }
        v->u.st.fields[i] = cv;
        if (s->inc_col && strcmp(c->name, s->inc_col) == 0) tb->inc = cv->u.i;
        if (s->ts_col && strcmp(c->name, s->ts_col) == 0) { /* checked: a timestamp column */
            tb->ts_ms = cv->u.i;
            tb->ts_nanos = ts_nanos_of(txt);
        }
    }
    cd_record_t *rec = cd_record_new(tb->topic);
    cd_record_set_value(rec, cd_schema_ref(tb->schema), v);
    cd_record_set_source(rec, json_incref(tb->partition), table_offset(s, tb));
    *out = rec;
    return KC_OK;
}
