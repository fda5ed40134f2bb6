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
 * delete.enabled (pk.mode=record_key) a null value deletes its key's row.
 *
 * The parts: jdbc_sink_table.c (plans, table creation and evolution), jdbc_sink_write.c (COPY
 * text, upsert / update SQL, deletes), this file (config, the task's lifecycle, the connector). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jdbc_sink_int.h"

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

const char *const jsink_pk_modes[4] = {"none", "kafka", "record_key", "record_value"};
const char *const jsink_ins_modes[3] = {"insert", "upsert", "update"};

static int mode_index(const char *const *names, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (v && strcasecmp(names[i], v) == 0) return (int)i;
    return 0;
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
    jsink_tables_forget(t);
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
            rc = jsink_delete_row(t, jsink_table_get(t, (const char *)name.p), r, retriable, err,
                                  errlen);
            continue;
        }
        if (!jsink_plan_fits(&t->plan, r) && jsink_plan_build(t, r, err, errlen)) {
            *retriable = false; /* the same record would fail again */
            rc = KC_ERR;
            break;
        }
        for (j = i + 1; j < n && j - i < max && jsink_plan_fits(&t->plan, recs[j]) &&
                        strcmp(recs[j]->topic ? recs[j]->topic : "", r->topic ? r->topic : "") == 0;
             j++)
            ;
        table_name_of(t, r->topic ? r->topic : "", &name);
        rc = jsink_write_run(t, jsink_table_get(t, (const char *)name.p), recs + i, j - i, err,
                             errlen);
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
    jsink_plan_clear(&t->plan);
    jsink_plan_clear(&t->dplan);
    jsink_tables_forget(t);
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
    t->pk_mode = (pk_mode_t)mode_index(jsink_pk_modes, 4,
                                       kc_cfg_str(sink_defs, SINK_NDEFS, props, "pk.mode"));
    t->mode = (ins_mode_t)mode_index(jsink_ins_modes, 3,
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
