/* jdbc_sink_write.c: the PostgreSQL sink's writes: records as COPY text (the text forms
 * PostgreSQL reads in a UTC session), COPY into the table or its temporary stage, the merge
 * from the stage (upsert: INSERT ... ON CONFLICT; update: UPDATE ... FROM; the last record of
 * each key wins), and delete.enabled's DELETE of a tombstone's key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jdbc_sink_int.h"

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

int jsink_write_run(jsink_t *t, table_t *tb, cd_record_t *const *recs, size_t n, char *err,
                    size_t errlen)
{
    if (jsink_table_ensure(t, tb, err, errlen)) return KC_ERR;
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

/* delete.enabled: DELETE the row of a tombstone's key. A missing table has nothing to delete.
 * -1 with *retriable false when the record itself is unusable. */
int jsink_delete_row(jsink_t *t, table_t *tb, const cd_record_t *r, bool *retriable, char *err,
                     size_t errlen)
{
    plan_t *p = &t->dplan;
    if (!p->ncols || !jsink_same_schema(p->key_schema, r->key_schema)) {
        jsink_plan_clear(p);
        if (jsink_plan_key_pk(t, p, r->key_schema, err, errlen))
            return (*retriable = false), KC_ERR;
        p->key_schema = cd_schema_ref(r->key_schema);
    }
    if (!r->key) return (*retriable = false), ERR("A tombstone with a null key cannot be deleted");
    if (!tb->columns && jsink_table_load(t, tb, err, errlen)) return KC_ERR;
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
