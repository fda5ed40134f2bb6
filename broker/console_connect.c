/* console_connect.c: the console's Connect resources (console_connect.h), each a proxy to the
 * Kafka Connect REST API of the workers in console.connect.urls:
 *   GET    /v1/connect/connectors              GET /connectors?expand=status&expand=info,
 *                                              flattened: type, class, state, worker, tasks
 *   POST   /v1/connect/connectors              POST /connectors (the body as given)
 *   GET    /v1/connect/connectors/<n>          GET /connectors/<n>, then .../status there
 *   DELETE /v1/connect/connectors/<n>          DELETE /connectors/<n>
 *   POST   /v1/connect/connectors/<n>/pause    PUT /connectors/<n>/pause (resume the same)
 *   POST   /v1/connect/connectors/<n>/restart  POST .../restart?includeTasks=true&onlyFailed=
 *   POST   /v1/connect/connectors/<n>/tasks/<id>/restart
 *   GET    /v1/connect/plugins                 GET /connector-plugins
 * Connector names may hold any character ('/' too: the action is the path's last part), and
 * are percent-encoded towards the worker. Answers are JSON; a worker's error comes back with
 * its status as {"error": <Connect's message>, "error_code", "worker"}; no worker reachable
 * is 502 (504 when the last one timed out) naming what each one did. */
#include "console_connect.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "console.h"
#include "httpc.h"

#define CCONN_TIMEOUT_MS 5000
#define CCONN_MAX_BODY   (4u << 20)
#define CCONN_MAX_URLS   16

typedef struct cconn_op cconn_op_t;
/* A worker's answer: doc is its body parsed as JSON (NULL when not JSON), borrowed. */
typedef void cconn_done_fn(cconn_op_t *op, int status, json_t *doc, const httpc_res_t *res);

/* One console request being answered from a worker. */
struct cconn_op {
    console_t *con;
    http_pending_t *pend;
    httpc_req_t *hreq; /* the worker request in flight, or NULL */
    int url;           /* index of the worker asked */
    int asked;         /* workers asked so far */
    char method[8];
    char *target; /* path and query towards the worker */
    char *body;
    size_t body_len;
    cconn_done_fn *done;
    const char *action; /* "pause", "create"... for the answer */
    char *name;         /* connector name (decoded), or NULL */
    json_t *st;         /* between steps: the detail's info; failures per worker */
    cconn_op_t *prev, *next;
};

typedef struct console_connect {
    char urls[CCONN_MAX_URLS][512];
    int nurls;
    int good;        /* the worker that answered last: asked first (a dead one costs once) */
    cconn_op_t *ops; /* in flight */
} console_connect_t;

bool console_connect_enabled(const console_t *con)
{
    return *cfg_str(con->d.cfg, "console.connect.urls") != '\0';
}

/* The workers' URLs (validated by cfg_finish), split once. */
static console_connect_t *cconn_state(console_t *con)
{
    if (con->cconnect) return con->cconnect;
    console_connect_t *cc = calloc(1, sizeof(*cc));
    if (!cc) abort();
    const char *p = cfg_str(con->d.cfg, "console.connect.urls");
    while (*p && cc->nurls < CCONN_MAX_URLS) {
        while (*p == ' ' || *p == ',') p++;
        size_t len = strcspn(p, ",");
        while (len && p[len - 1] == ' ') len--;
        if (len && len < sizeof(cc->urls[0])) {
            memcpy(cc->urls[cc->nurls], p, len);
            cc->urls[cc->nurls++][len] = '\0';
        }
        p += len;
        while (*p && *p != ',') p++;
    }
    con->cconnect = cc;
    return cc;
}

/* ---- an operation's life ---- */

static char *cconn_dup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) abort();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static cconn_op_t *cconn_new(console_t *con, const http_req_t *req, const char *action,
                             const char *name, size_t name_len)
{
    console_connect_t *cc = cconn_state(con);
    cconn_op_t *op = calloc(1, sizeof(*op));
    if (!op) abort();
    op->con = con;
    op->action = action;
    op->name = name ? cconn_dup(name, name_len) : NULL;
    op->url = cc->good;
    op->st = json_pack("{s[]}", "tried");
    op->next = cc->ops;
    if (cc->ops) cc->ops->prev = op;
    cc->ops = op;
    op->pend = http_defer(req);
    return op;
}

static void cconn_free(cconn_op_t *op)
{
    console_connect_t *cc = op->con->cconnect;
    if (op->prev)
        op->prev->next = op->next;
    else
        cc->ops = op->next;
    if (op->next) op->next->prev = op->prev;
    httpc_cancel(op->hreq);
    json_decref(op->st);
    free(op->target);
    free(op->body);
    free(op->name);
    free(op);
}

/* Answer the console request (doc taken, see console_send) and free op. */
static void cconn_reply(cconn_op_t *op, int status, json_t *doc)
{
    http_resp_t resp = {.status = 200};
    wbuf_init(&resp.body);
    console_send(&resp, status, doc);
    http_answer(op->pend, resp.status, resp.content_type, &resp.body);
    cconn_free(op);
}

static const char *cconn_url(const cconn_op_t *op)
{
    return op->con->cconnect->urls[op->url];
}

static void cconn_try(cconn_op_t *op);

static void cconn_on_answer(void *arg, kerr_t err, const httpc_res_t *res)
{
    cconn_op_t *op = arg;
    op->hreq = NULL;
    if (err != KERR_NONE) {
        /* res->why names the worker's host:port */
        json_array_append_new(json_object_get(op->st, "tried"),
                              console_str(res->why, strlen(res->why)));
        /* a change goes to the next worker only when none of it was sent: never twice */
        bool again = !res->sent || strcmp(op->method, "GET") == 0;
        console_connect_t *cc = op->con->cconnect;
        if (again && ++op->asked < cc->nurls) {
            op->url = (op->url + 1) % cc->nurls;
            cconn_try(op);
            return;
        }
        json_t *tried = json_object_get(op->st, "tried");
        char *list = json_dumps(tried, JSON_COMPACT);
        char msg[1024];
        snprintf(msg, sizeof(msg), "no Kafka Connect worker answered: %s", list ? list : "");
        free(list);
        cconn_reply(op, err == KERR__TIMEDOUT ? 504 : 502,
                    json_pack("{sosO}", "error", console_str(msg, strlen(msg)), "tried", tried));
        return;
    }
    op->con->cconnect->good = op->url;
    json_t *doc = res->body_len ? json_loadb(res->body, res->body_len, 0, NULL) : NULL;
    op->done(op, res->status, doc, res);
    json_decref(doc);
}

static void cconn_try(cconn_op_t *op)
{
    op->hreq =
        httpc_request(op->con->d.loop, cconn_url(op), op->method, op->target, op->body,
                      op->body_len, NULL, CCONN_TIMEOUT_MS, CCONN_MAX_BODY, cconn_on_answer, op);
}

/* Ask the worker (the one that answered the previous step or request) method target
 * with body (copied, NULL = none); done gets the answer. */
static void cconn_send(cconn_op_t *op, const char *method, const char *target, const char *body,
                       size_t body_len, cconn_done_fn *done)
{
    snprintf(op->method, sizeof(op->method), "%s", method);
    free(op->target);
    op->target = cconn_dup(target, strlen(target));
    free(op->body);
    op->body = body ? cconn_dup(body, body_len) : NULL;
    op->body_len = body ? body_len : 0;
    op->done = done;
    cconn_try(op);
}

/* A worker's error answer, passed through: Connect's {"error_code", "message"}, or its text. */
static void cconn_pass_error(cconn_op_t *op, int status, json_t *doc, const httpc_res_t *res)
{
    const char *msg = json_string_value(json_object_get(doc, "message"));
    char text[512];
    if (!msg) {
        snprintf(text, sizeof(text), "HTTP %d from the Connect worker%s%.400s", status,
                 res->body_len ? ": " : "", res->body);
        msg = text;
    }
    cconn_reply(op, status,
                json_pack("{sosisssO?}", "error", console_str(msg, strlen(msg)), "error_code",
                          status, "worker", cconn_url(op), "connect", doc));
}

/* The connector's path at the worker: "/connectors/<percent-encoded name><suffix>". */
static char *cconn_path(const char *name, const char *suffix)
{
    size_t n = strlen(name), sl = strlen(suffix);
    char *out = malloc(12 + 3 * n + sl + 1);
    if (!out) abort();
    size_t o = (size_t)sprintf(out, "/connectors/");
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    memcpy(out + o, suffix, sl + 1);
    return out;
}

/* ---- the list ---- */

/* {state, worker_id, trace?} of a Connect status entry, with id for a task. */
static json_t *cconn_state_of(json_t *s)
{
    json_t *o = json_pack("{sOsO}", "state", json_object_get(s, "state") ?: json_null(),
                          "worker_id", json_object_get(s, "worker_id") ?: json_null());
    json_t *trace = json_object_get(s, "trace");
    if (trace) json_object_set(o, "trace", trace);
    json_t *id = json_object_get(s, "id");
    if (id) json_object_set(o, "id", id);
    return o;
}

/* One connector from its Connect status and info (either may be NULL). */
static json_t *cconn_flatten(const char *name, json_t *status, json_t *info)
{
    json_t *conn = json_object_get(status, "connector");
    json_t *o = cconn_state_of(conn);
    json_object_set_new(o, "name", json_string(name));
    json_t *type = json_object_get(status, "type") ?: json_object_get(info, "type");
    json_object_set(o, "type", type ?: json_null());
    json_t *cls = json_object_get(json_object_get(info, "config"), "connector.class");
    json_object_set(o, "class", cls ?: json_null());
    json_t *tasks = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(status, "tasks"), i, t)
        json_array_append_new(tasks, cconn_state_of(t));
    json_object_set_new(o, "tasks", tasks);
    return o;
}

static void cconn_list_done(cconn_op_t *op, int status, json_t *doc, const httpc_res_t *res)
{
    if (status != 200 || !json_is_object(doc)) return cconn_pass_error(op, status, doc, res);
    json_t *list = json_array();
    const char *name;
    json_t *e;
    json_object_foreach(doc, name, e) json_array_append_new(
        list, cconn_flatten(name, json_object_get(e, "status"), json_object_get(e, "info")));
    cconn_reply(op, 200,
                json_pack("{sosssO}", "connectors", list, "worker", cconn_url(op), "tried",
                          json_object_get(op->st, "tried")));
}

/* ---- one connector: info, then status ---- */

static void cconn_detail_status(cconn_op_t *op, int status, json_t *doc, const httpc_res_t *res)
{
    json_t *info = json_object_get(op->st, "info");
    if (status != 200 && status != 404) return cconn_pass_error(op, status, doc, res);
    /* 404 here: created but without a status yet */
    json_t *o = cconn_flatten(op->name, status == 200 ? doc : NULL, info);
    json_object_set(o, "config", json_object_get(info, "config") ?: json_object());
    json_object_set_new(o, "worker", json_string(cconn_url(op)));
    cconn_reply(op, 200, o);
}

static void cconn_detail_info(cconn_op_t *op, int status, json_t *doc, const httpc_res_t *res)
{
    if (status != 200 || !json_is_object(doc)) return cconn_pass_error(op, status, doc, res);
    json_object_set(op->st, "info", doc);
    char *path = cconn_path(op->name, "/status");
    cconn_send(op, "GET", path, NULL, 0, cconn_detail_status);
    free(path);
}

/* ---- changes ---- */

static void cconn_change_done(cconn_op_t *op, int status, json_t *doc, const httpc_res_t *res)
{
    if (status < 200 || status > 299) return cconn_pass_error(op, status, doc, res);
    json_t *o = json_pack("{sssisssO?}", "action", op->action, "connect_status", status, "worker",
                          cconn_url(op), "result", doc);
    if (op->name) json_object_set_new(o, "name", console_str(op->name, strlen(op->name)));
    json_object_set(o, "tried", json_object_get(op->st, "tried"));
    cconn_reply(op, strcmp(op->action, "create") == 0 ? 201 : 200, o);
}

static bool cconn_ends_with(const char *s, size_t len, const char *suffix, size_t *prefix)
{
    size_t n = strlen(suffix);
    if (len <= n || memcmp(s + len - n, suffix, n) != 0) return false;
    *prefix = len - n;
    return true;
}

/* "<name>/tasks/<id>/restart": true with the name's length and the task id. */
static bool cconn_task_restart(const char *s, size_t len, size_t *name_len, long *task)
{
    size_t head;
    if (!cconn_ends_with(s, len, "/restart", &head)) return false;
    size_t d = head;
    while (d > 0 && isdigit((unsigned char)s[d - 1])) d--;
    if (d == head || head - d > 9) return false;
    if (!cconn_ends_with(s, d, "/tasks/", name_len)) return false;
    *task = strtol(s + d, NULL, 10);
    return true;
}

/* POST <name>/<action>: the worker's method and path suffix for it. */
static const struct {
    const char *suffix, *action, *method, *target;
} cconn_actions[] = {
    {"/pause", "pause", "PUT", "/pause"},
    {"/resume", "resume", "PUT", "/resume"},
    {"/restart", "restart", "POST", "/restart?includeTasks=true&onlyFailed="},
};

static void cconn_post_action(console_t *con, const char *s, const http_req_t *req,
                              http_resp_t *resp)
{
    size_t len = strlen(s), nl;
    long task;
    if (cconn_task_restart(s, len, &nl, &task) && nl > 0) {
        cconn_op_t *op = cconn_new(con, req, "restart-task", s, nl);
        char suffix[48];
        snprintf(suffix, sizeof(suffix), "/tasks/%ld/restart", task);
        char *path = cconn_path(op->name, suffix);
        cconn_send(op, "POST", path, NULL, 0, cconn_change_done);
        free(path);
        return;
    }
    for (size_t i = 0; i < sizeof(cconn_actions) / sizeof(cconn_actions[0]); i++) {
        if (!cconn_ends_with(s, len, cconn_actions[i].suffix, &nl) || nl == 0) continue;
        const char *of = http_query(req, "only_failed");
        bool only_failed = of && strcmp(of, "true") == 0;
        cconn_op_t *op = cconn_new(con, req, cconn_actions[i].action, s, nl);
        char suffix[64];
        snprintf(suffix, sizeof(suffix), "%s%s", cconn_actions[i].target,
                 strcmp(cconn_actions[i].action, "restart") == 0 ? (only_failed ? "true" : "false")
                                                                 : "");
        char *path = cconn_path(op->name, suffix);
        cconn_send(op, cconn_actions[i].method, path, NULL, 0, cconn_change_done);
        free(path);
        return;
    }
    console_error(resp, 404, "no such Connect action: %s", req->path);
}

/* ---- routing ---- */

static bool cconn_is(const http_req_t *req, const char *m)
{
    return strcmp(req->method, m) == 0 || (strcmp(m, "GET") == 0 && !strcmp(req->method, "HEAD"));
}

static void cconn_connectors(console_t *con, const char *s, const http_req_t *req,
                             http_resp_t *resp)
{
    if (!*s) {
        if (cconn_is(req, "GET")) {
            cconn_op_t *op = cconn_new(con, req, "list", NULL, 0);
            cconn_send(op, "GET", "/connectors?expand=status&expand=info", NULL, 0,
                       cconn_list_done);
        } else if (cconn_is(req, "POST")) {
            cconn_op_t *op = cconn_new(con, req, "create", NULL, 0);
            cconn_send(op, "POST", "/connectors", req->body, req->body_len, cconn_change_done);
        } else {
            console_error(resp, 405, "%s takes GET or POST", req->path);
        }
        return;
    }
    if (cconn_is(req, "GET")) {
        cconn_op_t *op = cconn_new(con, req, "detail", s, strlen(s));
        char *path = cconn_path(op->name, "");
        cconn_send(op, "GET", path, NULL, 0, cconn_detail_info);
        free(path);
    } else if (cconn_is(req, "DELETE")) {
        cconn_op_t *op = cconn_new(con, req, "delete", s, strlen(s));
        char *path = cconn_path(op->name, "");
        cconn_send(op, "DELETE", path, NULL, 0, cconn_change_done);
        free(path);
    } else if (cconn_is(req, "POST")) {
        cconn_post_action(con, s, req, resp);
    } else {
        console_error(resp, 405, "%s takes GET, POST or DELETE", req->path);
    }
}

static void cconn_plugins_done(cconn_op_t *op, int status, json_t *doc, const httpc_res_t *res)
{
    if (status != 200 || !json_is_array(doc)) return cconn_pass_error(op, status, doc, res);
    cconn_reply(op, 200, json_pack("{sOss}", "plugins", doc, "worker", cconn_url(op)));
}

void console_connect(console_t *con, const char *rest, const http_req_t *req, http_resp_t *resp)
{
    if (!console_connect_enabled(con)) {
        console_error(resp, 404, "%s",
                      "no Kafka Connect workers configured "
                      "(console.connect.urls)");
        return;
    }
    if (strcmp(rest, "connectors") == 0 || strncmp(rest, "connectors/", 11) == 0) {
        cconn_connectors(con, rest[10] ? rest + 11 : "", req, resp);
    } else if (strcmp(rest, "plugins") == 0) {
        if (!cconn_is(req, "GET")) {
            console_error(resp, 405, "%s takes GET", req->path);
            return;
        }
        cconn_op_t *op = cconn_new(con, req, "plugins", NULL, 0);
        cconn_send(op, "GET", "/connector-plugins", NULL, 0, cconn_plugins_done);
    } else {
        console_error(resp, 404, "no such resource: %s", req->path);
    }
}

void console_connect_stop(console_t *con)
{
    console_connect_t *cc = con->cconnect;
    if (!cc) return;
    while (cc->ops)
        cconn_reply(cc->ops, 503, json_pack("{ss}", "error", "the broker is shutting down"));
    free(cc);
    con->cconnect = NULL;
}
