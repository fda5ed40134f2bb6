/* jdbc_source.c: the PostgreSQL source, with the keys of Confluent's JDBC source
 * (io.confluent.connect.jdbc.JdbcSourceConnector): connection.*, mode bulk|incrementing|
 * timestamp|timestamp+incrementing, incrementing.column.name, timestamp.column.name,
 * table.whitelist / table.blacklist, query, poll.interval.ms, topic.prefix, batch.max.rows,
 * timestamp.delay.interval.ms. With query set, one task runs it as a subquery (the mode's
 * WHERE and ORDER BY around it) into the topic topic.prefix, partition {"query":"query"}.
 *
 * Each table is a source partition {"table":"<name>"}; its offset is the JDBC connector's:
 * {"incrementing":N}, {"timestamp":ms,"timestamp_nanos":ns} or both, so a restarted task goes
 * on after the last committed row. A table is queried for at most batch.max.rows rows past
 * its offset (incrementing and timestamp+incrementing order by a unique key, so LIMIT is
 * exact; timestamp alone reads all rows up to now - delay and hands them out batch by batch)
 * and is queried again at once while full batches come, else after poll.interval.ms.
 *
 * Columns become a Struct named after the table: int2/int4/int8 -> int16/int32/int64, float4/8
 * -> float32/float64, bool, text/varchar/char -> string, bytea -> bytes, numeric(p,s) ->
 * Decimal(s), date -> Date, time -> Time, timestamp/timestamptz -> Timestamp (ms); NOT NULL
 * columns are required fields. Unconstrained numeric and other types (uuid, json, ...) are
 * read as their text (string), where the JDBC connector would skip or map them differently.
 * The connector splits the tables over max tasks (task key "tables").
 *
 * The parts: jdbc_source_rows.c (offsets, and the schemas and values of rows), this file
 * (config, queries, polling, the task's lifecycle, the connector). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jdbc_source_int.h"

#define NDEFS(d) (sizeof(d) / sizeof((d)[0]))

static const kc_cfg_def_t src_defs[] = {
    JDBC_CONNECTION_DEFS,
    {.name = "mode",
     .type = KC_CFG_STRING,
     .required = true,
     .importance = KC_IMP_HIGH,
     .doc = "The mode for updating a table each time it is polled: bulk, incrementing, "
            "timestamp, timestamp+incrementing.",
     .validator = kc_valid_in,
     .valid_arg = "bulk|incrementing|timestamp|timestamp+incrementing",
     .group = "Mode"},
    {.name = "incrementing.column.name",
     .type = KC_CFG_STRING,
     .default_value = "",
     .importance = KC_IMP_MEDIUM,
     .doc = "The name of the strictly incrementing column.",
     .group = "Mode"},
    {.name = "timestamp.column.name",
     .type = KC_CFG_LIST,
     .default_value = "",
     .importance = KC_IMP_MEDIUM,
     .doc = "The timestamp column (the first one is used).",
     .group = "Mode"},
    {.name = "timestamp.delay.interval.ms",
     .type = KC_CFG_LONG,
     .default_value = "0",
     .importance = KC_IMP_HIGH,
     .doc = "How long to wait after a row with a timestamp appears "
            "before we include it.",
     .group = "Mode"},
    {.name = "validate.non.null",
     .type = KC_CFG_BOOLEAN,
     .default_value = "true",
     .importance = KC_IMP_LOW,
     .doc = "Accepted for compatibility.",
     .group = "Mode"},
    {.name = "table.whitelist",
     .type = KC_CFG_LIST,
     .default_value = "",
     .importance = KC_IMP_MEDIUM,
     .doc = "Tables to copy (empty: every table of the current "
            "schema).",
     .group = "Database"},
    {.name = "table.blacklist",
     .type = KC_CFG_LIST,
     .default_value = "",
     .importance = KC_IMP_MEDIUM,
     .doc = "Tables not to copy.",
     .group = "Database"},
    {.name = "poll.interval.ms",
     .type = KC_CFG_INT,
     .default_value = "5000",
     .importance = KC_IMP_HIGH,
     .doc = "Frequency in ms to poll for new data in each table.",
     .validator = kc_valid_at_least,
     .valid_arg = "1",
     .group = "Connector"},
    {.name = "batch.max.rows",
     .type = KC_CFG_INT,
     .default_value = "100",
     .importance = KC_IMP_LOW,
     .doc = "Maximum number of rows to include in a single batch.",
     .validator = kc_valid_at_least,
     .valid_arg = "1",
     .group = "Connector"},
    {.name = "topic.prefix",
     .type = KC_CFG_STRING,
     .required = true,
     .importance = KC_IMP_HIGH,
     .doc = "Prefix to prepend to table names to generate the name "
            "of the Kafka topic to publish data to.",
     .group = "Connector"},
    {.name = "query",
     .type = KC_CFG_STRING,
     .default_value = "",
     .importance = KC_IMP_MEDIUM,
     .doc = "If specified, the query to perform to select new or updated rows (instead of "
            "tables); the topic is topic.prefix.",
     .group = "Mode"},
    {.name = "numeric.mapping",
     .type = KC_CFG_STRING,
     .default_value = "none",
     .importance = KC_IMP_LOW,
     .doc = "How NUMERIC columns map: only none (Decimal) here.",
     .validator = kc_valid_in,
     .valid_arg = "none",
     .group = "Mode"},
    {.name = "tables",
     .type = KC_CFG_LIST,
     .default_value = "",
     .importance = KC_IMP_LOW,
     .doc = "The tables of one task (set by the connector)."},
};
#define SRC_NDEFS NDEFS(src_defs)

static const char *const mode_names[] = {"bulk", "incrementing", "timestamp",
                                         "timestamp+incrementing"};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- queries ------------------------------------------------------------------------------- */

/* The table's next query; params filled (texts in pbuf). Returns the parameter count. */
static int build_query(jsrc_t *s, src_table_t *tb, char pbuf[3][64], const char *params[3])
{
    wbuf_t *q = &s->sql;
    wbuf_reset(q);
    wbuf_printf(q, "SELECT * FROM ");
    if (tb->query) /* the JDBC source appends its WHERE to the query; a subquery takes any query */
        wbuf_printf(q, "(%s) AS \"kc_query\"", tb->query);
    else
        pg_ident(q, tb->name);
    int n = 0;
    if (s->mode == M_TS || s->mode == M_TS_INC) {
        if (tb->ts_ms < 0)
            snprintf(pbuf[0], 64, "-infinity");
        else
            jsrc_ts_param(pbuf[0], 64, tb);
        snprintf(pbuf[1], 64, "%lld milliseconds", (long long)s->delay_ms);
        params[n++] = pbuf[0];
        params[n++] = pbuf[1];
        wbuf_printf(q, " WHERE ");
        pg_ident(q, s->ts_col);
        wbuf_printf(q, " < now() - $2::interval AND ");
    }
    if (s->mode == M_INC) {
        snprintf(pbuf[0], 64, "%lld", (long long)tb->inc);
        params[n++] = pbuf[0];
        wbuf_printf(q, " WHERE ");
        pg_ident(q, s->inc_col);
        wbuf_printf(q, " > $1 ORDER BY ");
        pg_ident(q, s->inc_col);
        wbuf_printf(q, " ASC LIMIT %d", s->batch);
    } else if (s->mode == M_TS) {
        pg_ident(q, s->ts_col);
        wbuf_printf(q, " > $1 ORDER BY ");
        pg_ident(q, s->ts_col);
        wbuf_printf(q, " ASC");
    } else if (s->mode == M_TS_INC) {
        snprintf(pbuf[2], 64, "%lld", (long long)tb->inc);
        params[n++] = pbuf[2];
        wbuf_printf(q, "((");
        pg_ident(q, s->ts_col);
        wbuf_printf(q, " = $1 AND ");
        pg_ident(q, s->inc_col);
        wbuf_printf(q, " > $3) OR ");
        pg_ident(q, s->ts_col);
        wbuf_printf(q, " > $1) ORDER BY ");
        pg_ident(q, s->ts_col);
        wbuf_printf(q, ",");
        pg_ident(q, s->inc_col);
        wbuf_printf(q, " ASC LIMIT %d", s->batch);
    }
    wbuf_append(q, "", 1);
    return n;
}

/* The mode's columns exist in the table with a type its offset can hold. */
static int check_mode_cols(const jsrc_t *s, const src_table_t *tb, char *err, size_t errlen)
{
    bool inc_ok = !s->inc_col, ts_ok = !s->ts_col;
    for (int i = 0; i < tb->ncols; i++) {
        uint32_t oid = tb->cols[i].oid;
        if (s->inc_col && strcmp(tb->cols[i].name, s->inc_col) == 0)
            inc_ok = oid == PG_OID_INT2 || oid == PG_OID_INT4 || oid == PG_OID_INT8;
        if (s->ts_col && strcmp(tb->cols[i].name, s->ts_col) == 0)
            ts_ok = oid == PG_OID_TIMESTAMP || oid == PG_OID_TIMESTAMPTZ;
    }
    if (!inc_ok)
        return ERR("Table %s: incrementing column %s is missing or not an integer column", tb->name,
                   s->inc_col);
    if (!ts_ok)
        return ERR("Table %s: timestamp column %s is missing or not a timestamp column", tb->name,
                   s->ts_col);
    return KC_OK;
}

/* Hand out up to batch.max.rows rows of res from *next. */
static int emit_rows(jsrc_t *s, src_table_t *tb, const pg_res_t *res, int *next, kc_batch_t *out,
                     char *err, size_t errlen)
{
    if (!jsrc_cols_match(tb, res)) {
        jsrc_schema_build(tb, res);
        if (check_mode_cols(s, tb, err, errlen)) {
            s->fatal = true;
            return KC_ERR;
        }
    }
    int end = pg_res_rows(res);
    if (end - *next > s->batch) end = *next + s->batch;
    for (; *next < end; (*next)++) {
        cd_record_t *rec;
        if (jsrc_row_record(s, tb, res, *next, &rec, err, errlen)) return KC_ERR;
        kc_batch_push(out, rec);
    }
    return KC_OK;
}

static int poll_table(jsrc_t *s, src_table_t *tb, kc_batch_t *out, char *err, size_t errlen)
{
    bool paged = s->mode == M_BULK || s->mode == M_TS; /* read all, hand out in batches */
    if (!tb->pending) {
        if (!tb->notnull && jsrc_load_notnull(s, tb, err, errlen)) return KC_ERR;
        char pbuf[3][64];
        const char *params[3];
        int n = build_query(s, tb, pbuf, params);
        pg_res_t *res;
        if (pg_exec(s->pg, (const char *)s->sql.p, n, params, &res, err, errlen)) return KC_ERR;
        if (!paged) {
            int next = 0;
            int rc = emit_rows(s, tb, res, &next, out, err, errlen);
            if (pg_res_rows(res) < s->batch) tb->next_poll_ms = mono_ms() + s->interval_ms;
            pg_res_free(res);
            return rc;
        }
        tb->pending = res;
        tb->pending_next = 0;
    }
    int rc = emit_rows(s, tb, tb->pending, &tb->pending_next, out, err, errlen);
    if (rc || tb->pending_next >= pg_res_rows(tb->pending)) {
        pg_res_free(tb->pending);
        tb->pending = NULL;
        tb->next_poll_ms = mono_ms() + s->interval_ms;
    }
    return rc;
}

static bool src_stopping(void *arg)
{
    kc_source_ctx_t *ctx = arg;
    return ctx && ctx->stopping && ctx->stopping(ctx);
}

/* The table to query now (round robin), or NULL after waiting up to a second for one. */
static src_table_t *next_table(jsrc_t *s)
{
    int64_t now = mono_ms(), soonest = INT64_MAX;
    for (size_t k = 0; k < s->ntables; k++) {
        src_table_t *tb = &s->tables[(s->cur + k) % s->ntables];
        if (tb->pending || tb->next_poll_ms <= now) {
            s->cur = (s->cur + k + 1) % s->ntables;
            return tb;
        }
        if (tb->next_poll_ms < soonest) soonest = tb->next_poll_ms;
    }
    int64_t wait = soonest - now;
    if (wait > 1000) wait = 1000;
    for (int64_t slept = 0; slept < wait && !src_stopping(s->ctx); slept += 50)
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    return NULL;
}

static int src_poll(void *task, kc_batch_t *out, char *err, size_t errlen)
{
    jsrc_t *s = task;
    if (s->ntables == 0) {
        next_table(s);
        return KC_OK;
    }
    if (!s->pg) {
        s->pg = jdbc_connect(src_defs, SRC_NDEFS, s->props, src_stopping, s->ctx, err, errlen);
        if (!s->pg) return KC_RETRY;
    }
    src_table_t *tb = next_table(s);
    if (!tb) return KC_OK;
    if (poll_table(s, tb, out, err, errlen) == KC_OK) return KC_OK;
    if (s->fatal) return KC_ERR; /* the task goes FAILED with the reason */
    /* a database error: start over on a new connection (the JDBC source logs and retries) */
    fprintf(stderr, "WARN JdbcSourceTask %s-%d: querying %s failed: %s\n",
            s->ctx ? s->ctx->connector : "?", s->ctx ? s->ctx->task_id : -1, tb->name, err);
    pg_close(s->pg);
    s->pg = NULL;
    tb->next_poll_ms = mono_ms() + s->interval_ms;
    return out->n ? KC_OK : KC_RETRY;
}

/* --- the task ------------------------------------------------------------------------------ */

static void src_stop(void *task)
{
    jsrc_t *s = task;
    if (!s) return;
    for (size_t i = 0; i < s->ntables; i++) {
        src_table_t *tb = &s->tables[i];
        free(tb->name);
        free(tb->query);
        free(tb->topic);
        json_decref(tb->partition);
        json_decref(tb->notnull);
        pg_res_free(tb->pending);
        jsrc_cols_free(tb);
    }
    free(s->tables);
    pg_close(s->pg);
    json_decref(s->props);
    free(s->inc_col);
    free(s->ts_col);
    wbuf_free(&s->sql);
    free(s);
}

static void src_validate(const json_t *props, json_t *errors)
{
    const char *mode = kc_cfg_str(src_defs, SRC_NDEFS, props, "mode");
    const char *inc = kc_cfg_str(src_defs, SRC_NDEFS, props, "incrementing.column.name");
    json_t *ts = kc_cfg_list(src_defs, SRC_NDEFS, props, "timestamp.column.name");
    if (mode && strstr(mode, "incrementing") && (!inc || !*inc))
        jdbc_add_error(errors, "incrementing.column.name",
                       "Missing required configuration \"incrementing.column.name\" for mode");
    if (mode && strstr(mode, "timestamp") && json_array_size(ts) == 0)
        jdbc_add_error(errors, "timestamp.column.name",
                       "Missing required configuration \"timestamp.column.name\" for mode");
    json_decref(ts);
    pg_url_t u;
    char err[160];
    const char *url = kc_cfg_str(src_defs, SRC_NDEFS, props, "connection.url");
    if (url && pg_url_parse(url, &u, err, sizeof err))
        jdbc_add_error(errors, "connection.url", err);
}

static void add_table(jsrc_t *s, const char *name, const char *prefix)
{
    s->tables = realloc(s->tables, (s->ntables + 1) * sizeof *s->tables);
    src_table_t *tb = &s->tables[s->ntables++];
    memset(tb, 0, sizeof *tb);
    tb->name = strdup(name);
    size_t n = strlen(prefix) + strlen(name) + 1;
    tb->topic = malloc(n);
    snprintf(tb->topic, n, "%s%s", prefix, name);
    tb->partition = json_pack("{ss}", "table", name);
    jsrc_table_restore(s, tb);
}

/* query mode: one source partition {"query":"query"} on the topic topic.prefix. */
static void add_query(jsrc_t *s, const char *query, const char *prefix)
{
    add_table(s, "query", "");
    src_table_t *tb = &s->tables[s->ntables - 1];
    free(tb->topic);
    tb->topic = strdup(prefix);
    tb->query = strdup(query);
    json_decref(tb->partition);
    tb->partition = json_pack("{ss}", "query", "query");
    jsrc_table_restore(s, tb);
}

static void *src_start(const json_t *props, kc_source_ctx_t *ctx, char *err, size_t errlen)
{
    if (jdbc_config_check(src_defs, SRC_NDEFS, props, src_validate, err, errlen)) return NULL;
    jsrc_t *s = calloc(1, sizeof *s);
    s->ctx = ctx;
    s->props = json_deep_copy(props);
    const char *mode = kc_cfg_str(src_defs, SRC_NDEFS, props, "mode");
    for (int i = 0; i < 4; i++)
        if (strcasecmp(mode, mode_names[i]) == 0) s->mode = (src_mode_t)i;
    const char *inc = kc_cfg_str(src_defs, SRC_NDEFS, props, "incrementing.column.name");
    bool uses_inc = s->mode == M_INC || s->mode == M_TS_INC;
    bool uses_ts = s->mode == M_TS || s->mode == M_TS_INC;
    s->inc_col = uses_inc && inc && *inc ? strdup(inc) : NULL;
    json_t *ts = kc_cfg_list(src_defs, SRC_NDEFS, props, "timestamp.column.name");
    s->ts_col =
        uses_ts && json_array_size(ts) ? strdup(json_string_value(json_array_get(ts, 0))) : NULL;
    json_decref(ts);
    s->delay_ms = kc_cfg_int(src_defs, SRC_NDEFS, props, "timestamp.delay.interval.ms");
    s->interval_ms = kc_cfg_int(src_defs, SRC_NDEFS, props, "poll.interval.ms");
    s->batch = (int)kc_cfg_int(src_defs, SRC_NDEFS, props, "batch.max.rows");
    wbuf_init(&s->sql);
    /* the task's tables: "tables" from the connector, else the whitelist (a task started on
     * its own, as tests do) */
    json_t *tables = kc_cfg_list(src_defs, SRC_NDEFS, props, "tables");
    if (json_array_size(tables) == 0) {
        json_decref(tables);
        tables = kc_cfg_list(src_defs, SRC_NDEFS, props, "table.whitelist");
    }
    const char *prefix = kc_cfg_str(src_defs, SRC_NDEFS, props, "topic.prefix");
    size_t i;
    json_t *e;
    const char *query = kc_cfg_str(src_defs, SRC_NDEFS, props, "query");
    if (query && *query)
        add_query(s, query, prefix);
    else
        json_array_foreach(tables, i, e) add_table(s, json_string_value(e), prefix);
    json_decref(tables);
    s->pg = jdbc_connect(src_defs, SRC_NDEFS, props, src_stopping, ctx, err, errlen);
    if (!s->pg) {
        src_stop(s);
        return NULL;
    }
    return s;
}

/* --- the connector ------------------------------------------------------------------------- */

typedef struct jsrc_conn {
    json_t *props;
    json_t *tables; /* array of names */
} jsrc_conn_t;

/* The whitelist, or every base table of the current schema; less the blacklist. */
static json_t *list_tables(const json_t *props, char *err, size_t errlen)
{
    json_t *white = kc_cfg_list(src_defs, SRC_NDEFS, props, "table.whitelist");
    json_t *black = kc_cfg_list(src_defs, SRC_NDEFS, props, "table.blacklist");
    json_t *out = json_array();
    if (json_array_size(white) == 0) {
        pg_t *pg = jdbc_connect(src_defs, SRC_NDEFS, props, NULL, NULL, err, errlen);
        pg_res_t *res = NULL;
        if (!pg || pg_exec(pg,
                           "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                           "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
                           0, NULL, &res, err, errlen)) {
            pg_close(pg);
            json_decref(white), json_decref(black), json_decref(out);
            return NULL;
        }
        for (int i = 0; i < pg_res_rows(res); i++)
            json_array_append_new(white, json_string(pg_res_get(res, i, 0)));
        pg_res_free(res);
        pg_close(pg);
    }
    size_t i, j;
    json_t *e, *b;
    json_array_foreach(white, i, e)
    {
        bool skip = false;
        json_array_foreach(black, j, b) skip |= json_equal(e, b);
        if (!skip) json_array_append(out, e);
    }
    json_decref(white), json_decref(black);
    return out;
}

static void *conn_start(const json_t *props, kc_connector_ctx_t *ctx, char *err, size_t errlen)
{
    (void)ctx;
    if (jdbc_config_check(src_defs, SRC_NDEFS, props, src_validate, err, errlen)) return NULL;
    const char *query = kc_cfg_str(src_defs, SRC_NDEFS, props, "query");
    /* query mode: one task runs the query (its "tables" stays empty) */
    json_t *tables = query && *query ? json_pack("[s]", "") : list_tables(props, err, errlen);
    if (!tables) return NULL;
    jsrc_conn_t *c = calloc(1, sizeof *c);
    c->props = json_deep_copy(props);
    c->tables = tables;
    return c;
}

/* Tables dealt round robin over min(max_tasks, tables) tasks. */
static json_t *conn_task_configs(void *conn, int max_tasks)
{
    jsrc_conn_t *c = conn;
    size_t n = json_array_size(c->tables);
    size_t ntasks = n < (size_t)(max_tasks > 0 ? max_tasks : 1) ? n : (size_t)max_tasks;
    json_t *arr = json_array();
    for (size_t t = 0; t < ntasks; t++) {
        wbuf_t list;
        wbuf_init(&list);
        for (size_t i = t; i < n; i += ntasks) {
            if (list.len) wbuf_append(&list, ",", 1);
            const char *name = json_string_value(json_array_get(c->tables, i));
            wbuf_append(&list, name, strlen(name));
        }
        json_t *cfg = json_deep_copy(c->props);
        json_object_set_new(cfg, "tables", json_stringn((const char *)list.p, list.len));
        json_array_append_new(arr, cfg);
        wbuf_free(&list);
    }
    return arr;
}

static void conn_stop(void *conn)
{
    jsrc_conn_t *c = conn;
    if (!c) return;
    json_decref(c->props);
    json_decref(c->tables);
    free(c);
}

static const char *const src_aliases[] = {"JdbcSource", "PostgresSource", NULL};

const kc_plugin_t jdbc_source_plugin = {
    .abi = KC_PLUGIN_ABI,
    .kind = KC_PLUGIN_SOURCE,
    .class_name = "io.confluent.connect.jdbc.JdbcSourceConnector",
    .aliases = src_aliases,
    .version = "10.7.4",
    .defs = src_defs,
    .ndefs = SRC_NDEFS,
    .validate = src_validate,
    .ops.source = {{conn_start, conn_task_configs, conn_stop},
                   {src_start, src_poll, NULL, NULL, src_stop}},
};
