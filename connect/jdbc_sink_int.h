/* jdbc_sink_int.h: what the parts of the PostgreSQL sink share, for them alone: the task's
 * state, the plan that maps one (key schema, value schema) pair to columns, and what is known of
 * each destination table. jdbc_sink.c has the config, the task's lifecycle and the connector;
 * jdbc_sink_table.c builds plans and creates / evolves tables; jdbc_sink_write.c turns runs of
 * records into COPY text, the upsert / update SQL, and tombstones' DELETEs.
 * Thread: a task's state is used by its own thread only. */
#ifndef JDBC_SINK_INT_H
#define JDBC_SINK_INT_H

#include "buf.h"
#include "jdbc.h"
#include "pg.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), KC_ERR)

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

/* pk.mode and insert.mode names, in pk_mode_t and ins_mode_t order. */
extern const char *const jsink_pk_modes[4];
extern const char *const jsink_ins_modes[3];

/* --- plans and tables (jdbc_sink_table.c) --- */

void jsink_plan_clear(plan_t *p);
/* t->plan for r's schemas: the pk.mode columns, then the value's (whitelisted) fields. KC_ERR
 * when r cannot be written (the same record would fail again). */
int jsink_plan_build(jsink_t *t, const cd_record_t *r, char *err, size_t errlen);
/* r has the plan's schemas (and a value). */
bool jsink_plan_fits(const plan_t *p, const cd_record_t *r);
/* pk.mode=record_key: p's columns from the key schema ks. */
int jsink_plan_key_pk(jsink_t *t, plan_t *p, const cd_schema_t *ks, char *err, size_t errlen);
bool jsink_same_schema(const cd_schema_t *a, const cd_schema_t *b);

/* The table named name (added, not loaded, when new; owned by t). */
table_t *jsink_table_get(jsink_t *t, const char *name);
/* Forget what we know of every table (after a rollback: DDL and stages went with it). */
void jsink_tables_forget(jsink_t *t);
/* Load tb's column names (an empty set: the table is missing). */
int jsink_table_load(jsink_t *t, table_t *tb, char *err, size_t errlen);
/* The table exists and has every column of the plan (creating / evolving it as allowed). */
int jsink_table_ensure(jsink_t *t, table_t *tb, char *err, size_t errlen);

/* --- writing (jdbc_sink_write.c) --- */

/* Write n records that fit t->plan into tb (insert: COPY; upsert / update: COPY into the
 * stage, then merge). */
int jsink_write_run(jsink_t *t, table_t *tb, cd_record_t *const *recs, size_t n, char *err,
                    size_t errlen);
/* delete.enabled: DELETE the row of a tombstone's key. A missing table has nothing to delete.
 * KC_ERR with *retriable false when the record itself is unusable. */
int jsink_delete_row(jsink_t *t, table_t *tb, const cd_record_t *r, bool *retriable, char *err,
                     size_t errlen);

#endif
