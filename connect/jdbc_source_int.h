/* jdbc_source_int.h: what the parts of the PostgreSQL source share, for them alone: the task's
 * state and each source table's (its offset, the schema of its last result, rows read but not
 * handed out yet). jdbc_source.c has the config, the queries, the polling, the task's lifecycle
 * and the connector; jdbc_source_rows.c has the offsets and the columns' schemas and values.
 * Thread: a task's state is used by its own thread only. */
#ifndef JDBC_SOURCE_INT_H
#define JDBC_SOURCE_INT_H

#include "buf.h"
#include "jdbc.h"
#include "pg.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), KC_ERR)

typedef enum { M_BULK, M_INC, M_TS, M_TS_INC } src_mode_t;

typedef struct src_col {
    char *name;
    uint32_t oid;
    int scale;    /* numeric */
    bool as_text; /* read as its text (unmapped type) */
} src_col_t;

typedef struct src_table {
    char *name, *topic;
    char *query;       /* query mode: the custom query (name is "query"); NULL for a table */
    json_t *partition; /* {"table": name} */
    int64_t inc;       /* last incrementing value (-1: none yet) */
    int64_t ts_ms;     /* last timestamp (ms) and its nanos of the second; ts_ms < 0: none */
    int32_t ts_nanos;
    int64_t next_poll_ms; /* monotonic ms of the next query */
    cd_schema_t *schema;  /* for the last result's columns */
    src_col_t *cols;
    int ncols;
    json_t *notnull;   /* column -> true for NOT NULL columns */
    pg_res_t *pending; /* timestamp mode: rows read but not handed out yet */
    int pending_next;
} src_table_t;

typedef struct jsrc {
    kc_source_ctx_t *ctx;
    json_t *props;
    pg_t *pg;
    src_mode_t mode;
    char *inc_col, *ts_col;
    int64_t delay_ms, interval_ms;
    int batch;
    bool fatal; /* a configuration error found while polling: the task fails */
    src_table_t *tables;
    size_t ntables, cur;
    wbuf_t sql;
} jsrc_t;

/* --- offsets (jdbc_source_rows.c) --- */

/* tb's offset from the runtime's committed one (none: from the start). */
void jsrc_table_restore(jsrc_t *s, src_table_t *tb);
/* The offset timestamp as a query parameter: seconds and the nanos' microseconds. */
void jsrc_ts_param(char *buf, size_t cap, const src_table_t *tb);

/* --- schemas and values (jdbc_source_rows.c) --- */

/* tb->notnull from the catalog (a query's columns: none). */
int jsrc_load_notnull(jsrc_t *s, src_table_t *tb, char *err, size_t errlen);
void jsrc_cols_free(src_table_t *tb);
/* tb's schema was built for res's columns. */
bool jsrc_cols_match(const src_table_t *tb, const pg_res_t *res);
/* tb's columns and Struct schema for res's columns. */
void jsrc_schema_build(src_table_t *tb, const pg_res_t *res);
/* Row r of res as a record on the table's topic, moving the table's offset past it. */
int jsrc_row_record(jsrc_t *s, src_table_t *tb, const pg_res_t *res, int r, cd_record_t **out,
                    char *err, size_t errlen);

#endif
