/* pg.h: a small libpq wrapper for the JDBC-style PostgreSQL connectors (jdbc_sink.c,
 * jdbc_source.c). It takes Kafka Connect's JDBC settings as they are written
 * (connection.url "jdbc:postgresql://host:port/db?k=v", connection.user/password), runs SQL
 * with text parameters, and loads batches with COPY FROM STDIN.
 *
 * Every session is set to TimeZone UTC, DateStyle ISO and bytea_output hex, so the text forms
 * the connectors parse and write are fixed whatever the server's defaults are.
 *
 * Errors: functions return 0 or -1; on -1 they write the reason into the caller's err buffer
 * (the server's message for SQL errors, e.g. `ERROR:  relation "x" does not exist`).
 * Owner: pg_open() returns a connection the caller closes with pg_close(); a pg_res_t from
 * pg_exec() is freed with pg_res_free(); strings from pg_res_get() live as long as the result.
 * Threads: one thread at a time per connection; distinct connections are independent. */
#ifndef PG_H
#define PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct pg pg_t;
typedef struct pg_res pg_res_t;

/* PostgreSQL type OIDs the connectors map (pg_type.oid; stable across versions). */
enum {
    PG_OID_BOOL = 16,
    PG_OID_BYTEA = 17,
    PG_OID_INT8 = 20,
    PG_OID_INT2 = 21,
    PG_OID_INT4 = 23,
    PG_OID_TEXT = 25,
    PG_OID_FLOAT4 = 700,
    PG_OID_FLOAT8 = 701,
    PG_OID_BPCHAR = 1042,
    PG_OID_VARCHAR = 1043,
    PG_OID_DATE = 1082,
    PG_OID_TIME = 1083,
    PG_OID_TIMESTAMP = 1114,
    PG_OID_TIMESTAMPTZ = 1184,
    PG_OID_NUMERIC = 1700,
};

/* The parts of a JDBC PostgreSQL URL, copied in; fields not in the URL are "" (host defaults
 * to localhost, port to 5432). */
typedef struct pg_url {
    char host[256];
    char port[16];
    char db[128];
    char user[128];     /* from ?user= (connection.user wins) */
    char password[256]; /* from ?password= (connection.password wins) */
    char sslmode[32];   /* from ?sslmode= */
} pg_url_t;

/* Parse "jdbc:postgresql://host[:port]/db[?k=v&...]". Returns 0, or -1 with a reason. */
int pg_url_parse(const char *url, pg_url_t *out, char *err, size_t errlen);

/* Connect. user/password may be NULL or "" (then the URL's, then libpq's defaults). */
pg_t *pg_open(const char *url, const char *user, const char *password, char *err, size_t errlen);
void pg_close(pg_t *pg);

/* Run sql with n text parameters ($1..$n; a NULL entry is SQL NULL). With out non-NULL the
 * result (rows or not) is returned there; otherwise it is dropped. */
int pg_exec(pg_t *pg, const char *sql, int n, const char *const *params, pg_res_t **out, char *err,
            size_t errlen);
/* Run one or more ;-separated statements without parameters or result (DDL, BEGIN, COMMIT). */
int pg_cmd(pg_t *pg, const char *sql, char *err, size_t errlen);

int pg_res_rows(const pg_res_t *r);
int pg_res_cols(const pg_res_t *r);
const char *pg_res_colname(const pg_res_t *r, int col);
uint32_t pg_res_coltype(const pg_res_t *r, int col); /* a PG_OID_* or another type OID */
int pg_res_colmod(const pg_res_t *r, int col);       /* the type modifier (-1: none) */
bool pg_res_isnull(const pg_res_t *r, int row, int col);
const char *pg_res_get(const pg_res_t *r, int row, int col); /* text form; "" when NULL */
int pg_res_getlen(const pg_res_t *r, int row, int col);
void pg_res_free(pg_res_t *r);

/* numeric(p,s)'s scale from its type modifier; -1 when unconstrained. */
int pg_numeric_scale(int typmod);

/* COPY sql ("COPY t (a,b) FROM STDIN") with data in COPY's text format (rows ended by '\n',
 * columns by '\t'; build them with pg_copy_field()/pg_copy_null()). */
int pg_copy_in(pg_t *pg, const char *sql, const void *data, size_t len, char *err, size_t errlen);
/* Append one column value to a COPY text row, escaped; sep is '\t' or '\n' after it. */
void pg_copy_field(wbuf_t *wb, const char *p, size_t len, char sep);
void pg_copy_null(wbuf_t *wb, char sep);

/* Quote an identifier ("a""b") into wb, for table and column names from configs and schemas. */
void pg_ident(wbuf_t *wb, const char *name);

#endif
