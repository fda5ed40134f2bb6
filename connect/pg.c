/* pg.c: the libpq wrapper of pg.h. Connections are blocking (a connector task has its own
 * thread); parameters and results are in text form. */
#include "pg.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pg {
    PGconn *conn;
};

struct pg_res {
    PGresult *res;
};

static void set_err(char *err, size_t errlen, const char *what, const char *msg)
{
    if (!err || !errlen) return;
    snprintf(err, errlen, "%s: %s", what, msg && *msg ? msg : "unknown error");
    size_t n = strlen(err); /* libpq messages end in a newline; logs want one line */
    while (n && (err[n - 1] == '\n' || err[n - 1] == ' ')) err[--n] = '\0';
}

static int copy_part(char *dst, size_t cap, const char *p, size_t n)
{
    if (n >= cap) return -1;
    memcpy(dst, p, n);
    dst[n] = '\0';
    return 0;
}

/* ?k=v&k=v: the keys libpq and our connectors understand; others are ignored (as the JDBC
 * driver ignores properties it does not know). */
static int url_query(const char *q, pg_url_t *out)
{
    while (*q) {
        const char *amp = strchr(q, '&');
        size_t n = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', n);
        if (eq) {
            size_t kl = (size_t)(eq - q), vl = n - kl - 1;
            const char *v = eq + 1;
            int rc = 0;
            if (kl == 4 && !memcmp(q, "user", 4))
                rc = copy_part(out->user, sizeof out->user, v, vl);
            else if (kl == 8 && !memcmp(q, "password", 8))
                rc = copy_part(out->password, sizeof out->password, v, vl);
            else if (kl == 7 && !memcmp(q, "sslmode", 7))
                rc = copy_part(out->sslmode, sizeof out->sslmode, v, vl);
            if (rc) return -1;
        }
        q += n + (amp ? 1 : 0);
    }
    return 0;
}

int pg_url_parse(const char *url, pg_url_t *out, char *err, size_t errlen)
{
    static const char prefix[] = "jdbc:postgresql://";
    memset(out, 0, sizeof *out);
    if (!url || strncmp(url, prefix, sizeof prefix - 1) != 0) {
        set_err(err, errlen, "connection.url", "must start with jdbc:postgresql://");
        return -1;
    }
    const char *h = url + sizeof prefix - 1;
    const char *slash = strchr(h, '/');
    const char *qm = strchr(h, '?');
    if (qm && slash && qm < slash) slash = NULL;
    const char *hend = slash ? slash : (qm ? qm : h + strlen(h));
    const char *colon = memchr(h, ':', (size_t)(hend - h));
    const char *pend = hend;
    if (colon) {
        hend = colon;
        if (copy_part(out->port, sizeof out->port, colon + 1, (size_t)(pend - colon - 1)) ||
            !out->port[0] || strspn(out->port, "0123456789") != strlen(out->port)) {
            set_err(err, errlen, "connection.url", "bad port");
            return -1;
        }
    } else {
        strcpy(out->port, "5432");
    }
    if (copy_part(out->host, sizeof out->host, h, (size_t)(hend - h))) {
        set_err(err, errlen, "connection.url", "host too long");
        return -1;
    }
    if (!out->host[0]) strcpy(out->host, "localhost");
    if (slash) {
        const char *d = slash + 1;
        size_t n = qm ? (size_t)(qm - d) : strlen(d);
        if (copy_part(out->db, sizeof out->db, d, n)) {
            set_err(err, errlen, "connection.url", "database name too long");
            return -1;
        }
    }
    if (qm && url_query(qm + 1, out)) {
        set_err(err, errlen, "connection.url", "a query parameter is too long");
        return -1;
    }
    return 0;
}

/* Server NOTICEs ("table does not exist, skipping") are expected chatter, not log lines. */
static void drop_notice(void *arg, const char *msg)
{
    (void)arg, (void)msg;
}

pg_t *pg_open(const char *url, const char *user, const char *password, char *err, size_t errlen)
{
    pg_url_t u;
    if (pg_url_parse(url, &u, err, errlen)) return NULL;
    const char *keys[8], *vals[8];
    int n = 0;
    keys[n] = "host", vals[n++] = u.host;
    keys[n] = "port", vals[n++] = u.port;
    if (u.db[0]) keys[n] = "dbname", vals[n++] = u.db;
    const char *usr = user && *user ? user : u.user;
    const char *pwd = password && *password ? password : u.password;
    if (*usr) keys[n] = "user", vals[n++] = usr;
    if (*pwd) keys[n] = "password", vals[n++] = pwd;
    if (u.sslmode[0]) keys[n] = "sslmode", vals[n++] = u.sslmode;
    keys[n] = "options", vals[n++] = "-c TimeZone=UTC -c DateStyle=ISO -c bytea_output=hex";
    keys[n] = NULL, vals[n] = NULL;
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        set_err(err, errlen, "connect to PostgreSQL", c ? PQerrorMessage(c) : "out of memory");
        PQfinish(c);
        return NULL;
    }
    pg_t *pg = calloc(1, sizeof *pg);
    if (!pg) {
        PQfinish(c);
        set_err(err, errlen, "connect to PostgreSQL", "out of memory");
        return NULL;
    }
    PQsetNoticeProcessor(c, drop_notice, NULL);
    pg->conn = c;
    return pg;
}

void pg_close(pg_t *pg)
{
    if (!pg) return;
    PQfinish(pg->conn);
    free(pg);
}

int pg_exec(pg_t *pg, const char *sql, int n, const char *const *params, pg_res_t **out, char *err,
            size_t errlen)
{
    if (out) *out = NULL;
    PGresult *res = PQexecParams(pg->conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        set_err(err, errlen, "PostgreSQL",
                res ? PQresultErrorMessage(res) : PQerrorMessage(pg->conn));
        PQclear(res);
        return -1;
    }
    if (!out) {
        PQclear(res);
        return 0;
    }
    pg_res_t *r = malloc(sizeof *r);
    if (!r) {
        PQclear(res);
        set_err(err, errlen, "PostgreSQL", "out of memory");
        return -1;
    }
    r->res = res;
    *out = r;
    return 0;
}

/* PQexec, not PQexecParams: it takes several statements separated by ';' (DDL scripts). */
int pg_cmd(pg_t *pg, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(pg->conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        set_err(err, errlen, "PostgreSQL",
                res ? PQresultErrorMessage(res) : PQerrorMessage(pg->conn));
        rc = -1;
    }
    PQclear(res);
    return rc;
}

int pg_res_rows(const pg_res_t *r)
{
    return PQntuples(r->res);
}

int pg_res_cols(const pg_res_t *r)
{
    return PQnfields(r->res);
}

const char *pg_res_colname(const pg_res_t *r, int col)
{
    return PQfname(r->res, col);
}

uint32_t pg_res_coltype(const pg_res_t *r, int col)
{
    return (uint32_t)PQftype(r->res, col);
}

int pg_res_colmod(const pg_res_t *r, int col)
{
    return PQfmod(r->res, col);
}

bool pg_res_isnull(const pg_res_t *r, int row, int col)
{
    return PQgetisnull(r->res, row, col) != 0;
}

const char *pg_res_get(const pg_res_t *r, int row, int col)
{
    return PQgetvalue(r->res, row, col);
}

int pg_res_getlen(const pg_res_t *r, int row, int col)
{
    return PQgetlength(r->res, row, col);
}

void pg_res_free(pg_res_t *r)
{
    if (!r) return;
    PQclear(r->res);
    free(r);
}

/* numeric's typmod is ((precision << 16) | scale) + VARHDRSZ (4). */
int pg_numeric_scale(int typmod)
{
    if (typmod < 4) return -1;
    return (typmod - 4) & 0xffff;
}

static int copy_finish(pg_t *pg, const char *sql, char *err, size_t errlen)
{
    PGresult *res;
    int rc = 0;
    while ((res = PQgetResult(pg->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
            char what[96];
            snprintf(what, sizeof what, "PostgreSQL %.60s", sql);
            set_err(err, errlen, what, PQresultErrorMessage(res));
            rc = -1;
        }
        PQclear(res);
    }
    return rc;
}

int pg_copy_in(pg_t *pg, const char *sql, const void *data, size_t len, char *err, size_t errlen)
{
    PGresult *res = PQexec(pg->conn, sql);
    if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
        set_err(err, errlen, "PostgreSQL COPY",
                res ? PQresultErrorMessage(res) : PQerrorMessage(pg->conn));
        PQclear(res);
        copy_finish(pg, sql, NULL, 0);
        return -1;
    }
    PQclear(res);
    const char *p = data;
    int ok = 1;
    while (len && ok) { /* PQputCopyData takes an int length */
        int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
        ok = PQputCopyData(pg->conn, p, chunk) == 1;
        p += chunk, len -= (size_t)chunk;
    }
    if (!ok || PQputCopyEnd(pg->conn, NULL) != 1) {
        set_err(err, errlen, "PostgreSQL COPY", PQerrorMessage(pg->conn));
        copy_finish(pg, sql, NULL, 0);
        return -1;
    }
    return copy_finish(pg, sql, err, errlen);
}

void pg_copy_field(wbuf_t *wb, const char *p, size_t len, char sep)
{
    uint8_t *o = wbuf_ensure(wb, len * 2 + 1);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = p[i], esc = 0;
        switch (ch) {
        case '\\':
            esc = '\\';
            break;
        case '\t':
            esc = 't';
            break;
        case '\n':
            esc = 'n';
            break;
        case '\r':
            esc = 'r';
            break;
        default:
            break;
        }
        if (esc) {
            o[k++] = '\\';
            o[k++] = (uint8_t)esc;
        } else {
            o[k++] = (uint8_t)ch;
        }
    }
    o[k++] = (uint8_t)sep;
    wb->len += k;
}

void pg_copy_null(wbuf_t *wb, char sep)
{
    wbuf_append(wb, "\\N", 2);
    wbuf_append(wb, &sep, 1);
}

void pg_ident(wbuf_t *wb, const char *name)
{
    wbuf_append(wb, "\"", 1);
    for (const char *s = name; *s; s++) {
        if (*s == '"') wbuf_append(wb, "\"", 1);
        wbuf_append(wb, s, 1);
    }
    wbuf_append(wb, "\"", 1);
}
