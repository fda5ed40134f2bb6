/* console_auth.c: the console's login, sessions and per-resource checks (console_auth.h).
 *
 *   POST /v1/login   {"username", "password"} -> 200 {"user", "principal"} and the cookie
 *                    console_session=<32 hex digits>; 401 {"error"} when refused; 429 when
 *                    the user failed too often lately
 *   POST /v1/logout  forgets the session (200 {"logged_out": true}) and clears the cookie
 *   GET  /v1/session {"authentication": "none"} or {"authentication": "sasl", "user",
 *                    "principal"}; 401 without a session
 * Sessions and failure counts are bounded tables: a full one first drops what has expired,
 * then its oldest entry. */
#include "console_auth.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "authz.h"
#include "console.h"
#include "dict.h"
#include "ktime.h"
#include "log.h"

#define CAUTH_COOKIE       "console_session"
#define CAUTH_TOKEN_BYTES  16 /* 128 bits */
#define CAUTH_MAX_SESSIONS 1024
#define CAUTH_MAX_USERS    4096 /* failure counters kept */
#define CAUTH_MAX_NAME     255
#define CAUTH_MAX_PASSWORD 1024

typedef struct cauth_session {
    char user[CAUTH_MAX_NAME + 1];
    int64_t last_ms; /* last request (idle expiry) */
} cauth_session_t;

typedef struct cauth_fail {
    int n;
    int64_t first_ms; /* start of the counting window */
} cauth_fail_t;

struct cauth {
    int64_t timeout_ms;
    dict_t *sessions; /* token (hex) -> cauth_session_t */
    dict_t *fails;    /* user -> cauth_fail_t */
};

cauth_t *cauth_new(const cfg_t *cfg)
{
    if (strcmp(cfg_str(cfg, "console.authentication"), "sasl") != 0) return NULL;
    cauth_t *a = calloc(1, sizeof(*a));
    if (!a) abort();
    a->timeout_ms = cfg_int(cfg, "console.session.timeout.ms");
    a->sessions = dict_new();
    a->fails = dict_new();
    return a;
}

static void cauth_free_session(void *v)
{
    OPENSSL_cleanse(v, sizeof(cauth_session_t));
    free(v);
}

void cauth_free(cauth_t *a)
{
    if (!a) return;
    dict_free(a->sessions, cauth_free_session);
    dict_free(a->fails, free);
    free(a);
}

/* ---- bounded tables ---- */

/* Drop the entries stale(v) says are gone; when the table is still full, the one with the
 * smallest age key too. */
static void cauth_prune(dict_t *d, size_t max, bool (*stale)(const cauth_t *, void *),
                        int64_t (*age)(void *), void (*free_val)(void *), const cauth_t *a)
{
    const char *k, *oldest = NULL;
    void *v;
    int64_t min = INT64_MAX;
    for (size_t it = 0; dict_next(d, &it, &k, &v);) {
        if (stale(a, v)) {
            free_val(dict_del(d, k)); /* deleting the current entry is allowed */
            continue;
        }
        if (age(v) < min) min = age(v), oldest = k;
    }
    if (dict_size(d) >= max && oldest) free_val(dict_del(d, oldest));
}

static bool cauth_session_stale(const cauth_t *a, void *v)
{
    return ktime_mono_ms() - ((cauth_session_t *)v)->last_ms > a->timeout_ms;
}

static int64_t cauth_session_age(void *v)
{
    return ((cauth_session_t *)v)->last_ms;
}

static bool cauth_fail_stale(const cauth_t *a, void *v)
{
    (void)a;
    return ktime_mono_ms() - ((cauth_fail_t *)v)->first_ms > CAUTH_FAIL_WINDOW_MS;
}

static int64_t cauth_fail_age(void *v)
{
    return ((cauth_fail_t *)v)->first_ms;
}

/* ---- sessions ---- */

/* The live session of req's cookie (its idle clock restarted), or NULL. *token: its key. */
static cauth_session_t *cauth_session(cauth_t *a, const http_req_t *req, const char **token)
{
    const char *t = http_cookie(req, CAUTH_COOKIE);
    if (!t || strlen(t) != 2 * CAUTH_TOKEN_BYTES || strspn(t, "0123456789abcdef") != strlen(t))
        return NULL;
    cauth_session_t *s = dict_get(a->sessions, t);
    if (!s) return NULL;
    if (cauth_session_stale(a, s)) {
        cauth_free_session(dict_del(a->sessions, t));
        return NULL;
    }
    s->last_ms = ktime_mono_ms();
    if (token) *token = t;
    return s;
}

void cauth_as(console_t *con, const http_req_t *req, cauth_as_t *as)
{
    memset(as, 0, sizeof(*as));
    if (!con->auth) return;
    as->checked = true; /* with no session: a principal no ACL names */
    cauth_session_t *s = cauth_session(con->auth, req, NULL);
    if (s) snprintf(as->principal, sizeof(as->principal), "User:%s", s->user);
    http_client_host(req, as->host, sizeof(as->host));
}

bool cauth_may(console_t *con, const cauth_as_t *as, int8_t op, int8_t restype, const char *name)
{
    if (!as->checked || !con->d.authz) return true;
    if (!as->principal[0]) return false;
    bool ok = authz_allowed(con->d.authz, as->principal, as->host, op, restype, name);
    if (!ok)
        log_debug("console",
                  "Principal = %s is Denied Operation = %s from host = %s on resource = "
                  "%s:LITERAL:%s for the web console",
                  as->principal, acl_op_name(op), as->host, acl_res_name(restype), name);
    return ok;
}

/* Kafka's error for a refusal on a resource type (the cluster's for the others). */
static const struct {
    int8_t restype;
    const char *error;
} cauth_refusals[] = {
    {ACL_RES_TOPIC, "TOPIC_AUTHORIZATION_FAILED"},
    {ACL_RES_GROUP, "GROUP_AUTHORIZATION_FAILED"},
    {ACL_RES_TXNID, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED"},
};

static const char *cauth_refusal(int8_t restype)
{
    for (size_t i = 0; i < sizeof(cauth_refusals) / sizeof(cauth_refusals[0]); i++)
        if (cauth_refusals[i].restype == restype) return cauth_refusals[i].error;
    return "CLUSTER_AUTHORIZATION_FAILED";
}

bool cauth_need(console_t *con, const http_req_t *req, http_resp_t *resp, int8_t op, int8_t restype,
                const char *name)
{
    cauth_as_t as;
    cauth_as(con, req, &as);
    if (cauth_may(con, &as, op, restype, name)) return true;
    char msg[700];
    snprintf(msg, sizeof(msg), "%s may not %s %s %s", as.principal, acl_op_name(op),
             acl_res_name(restype), name);
    console_send(resp, 403,
                 json_pack("{soss}", "error", console_str(msg, strlen(msg)), "error_name",
                           cauth_refusal(restype)));
    return false;
}

/* ---- login, logout, session ---- */

static void cauth_cookie(http_resp_t *resp, const char *token)
{
    snprintf(resp->set_cookie, sizeof(resp->set_cookie),
             CAUTH_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", token,
             *token ? "" : "; Max-Age=0");
}

/* 200 {"authentication": "sasl", "user", "principal"}. */
static void cauth_send_who(http_resp_t *resp, const char *user)
{
    json_t *out =
        json_pack("{ssso}", "authentication", "sasl", "user", console_str(user, strlen(user)));
    char p[CAUTH_MAX_NAME + 8];
    snprintf(p, sizeof(p), "User:%s", user);
    json_object_set_new(out, "principal", console_str(p, strlen(p)));
    console_send(resp, 200, out);
}

static void cauth_send_login_required(http_resp_t *resp)
{
    console_send(resp, 401,
                 json_pack("{ssss}", "error", "login required", "authentication", "sasl"));
}

/* The failure counter of user, NULL when it has none in the current window. */
static cauth_fail_t *cauth_fails(cauth_t *a, const char *user)
{
    cauth_fail_t *f = dict_get(a->fails, user);
    if (f && cauth_fail_stale(a, f)) {
        free(dict_del(a->fails, user));
        f = NULL;
    }
    return f;
}

static void cauth_failed(cauth_t *a, const char *user)
{
    cauth_fail_t *f = cauth_fails(a, user);
    if (!f) {
        if (dict_size(a->fails) >= CAUTH_MAX_USERS)
            cauth_prune(a->fails, CAUTH_MAX_USERS, cauth_fail_stale, cauth_fail_age, free, a);
        f = calloc(1, sizeof(*f));
        if (!f) abort();
        f->first_ms = ktime_mono_ms();
        dict_set(a->fails, user, f);
    }
    f->n++;
}

/* A new session for user; its token (hex) into token. */
static void cauth_open(cauth_t *a, const char *user, char *token)
{
    uint8_t raw[CAUTH_TOKEN_BYTES];
    if (RAND_bytes(raw, sizeof(raw)) != 1) abort(); /* no randomness: no safe session */
    for (size_t i = 0; i < sizeof(raw); i++) snprintf(token + 2 * i, 3, "%02x", raw[i]);
    OPENSSL_cleanse(raw, sizeof(raw));
    if (dict_size(a->sessions) >= CAUTH_MAX_SESSIONS)
        cauth_prune(a->sessions, CAUTH_MAX_SESSIONS, cauth_session_stale, cauth_session_age,
                    cauth_free_session, a);
    cauth_session_t *s = calloc(1, sizeof(*s));
    if (!s) abort();
    snprintf(s->user, sizeof(s->user), "%s", user);
    s->last_ms = ktime_mono_ms();
    dict_set(a->sessions, token, s);
}

/* Whether s holds no control character (names end up in the log). */
static bool cauth_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return false;
    return true;
}

/* username and password of the body, NULL-checked, bounded and without NUL bytes. */
static bool cauth_credentials(const http_req_t *req, json_t **doc, const char **user,
                              const char **pw)
{
    json_error_t e;
    *doc = json_loadb(req->body, req->body_len, 0, &e);
    json_t *u = json_object_get(*doc, "username"), *p = json_object_get(*doc, "password");
    *user = json_string_value(u);
    *pw = json_string_value(p);
    return *user && *pw && **user && json_string_length(u) == strlen(*user) &&
           json_string_length(p) == strlen(*pw) && strlen(*user) <= CAUTH_MAX_NAME &&
           strlen(*pw) <= CAUTH_MAX_PASSWORD && cauth_printable(*user);
}

static void cauth_login(console_t *con, const http_req_t *req, http_resp_t *resp)
{
    cauth_t *a = con->auth;
    json_t *doc;
    const char *user, *pw;
    if (!cauth_credentials(req, &doc, &user, &pw)) {
        json_decref(doc);
        console_error(resp, 400, "%s",
                      "the body must be {\"username\": \"...\", \"password\": \"...\"}");
        return;
    }
    char host[64];
    http_client_host(req, host, sizeof(host));
    cauth_fail_t *f = cauth_fails(a, user);
    if (f && f->n >= CAUTH_MAX_FAILS) {
        log_warn("console", "login of user %s from %s refused: %d failures in %d s", user, host,
                 f->n, CAUTH_FAIL_WINDOW_MS / 1000);
        json_decref(doc);
        console_error(resp, 429, "%s", "too many failed logins for this user: try again later");
        return;
    }
    if (!con->d.password_ok(con->d.arg, user, pw)) {
        log_warn("console", "Failed console login of user %s from %s", user, host);
        cauth_failed(a, user);
        json_decref(doc);
        console_error(resp, 401, "%s", "invalid username or password");
        return;
    }
    free(dict_del(a->fails, user));
    char token[2 * CAUTH_TOKEN_BYTES + 1];
    cauth_open(a, user, token);
    cauth_cookie(resp, token);
    OPENSSL_cleanse(token, sizeof(token));
    log_info("console", "user %s logged in to the console from %s", user, host);
    cauth_send_who(resp, user);
    json_decref(doc);
}

static bool cauth_post_only(const http_req_t *req, http_resp_t *resp)
{
    if (strcmp(req->method, "POST") == 0) return true;
    console_error(resp, 405, "%s takes POST", req->path);
    return false;
}

/* A change (not GET / HEAD) must carry X-Console-Request: 1 (the CSRF guard with login). */
static bool cauth_csrf_ok(const http_req_t *req)
{
    if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) return true;
    const char *h = http_header(req, "X-Console-Request");
    return h && strcmp(h, "1") == 0;
}

static void cauth_whoami(console_t *con, const http_req_t *req, http_resp_t *resp)
{
    if (!con->auth) {
        console_send(resp, 200, json_pack("{ss}", "authentication", "none"));
        return;
    }
    cauth_session_t *s = cauth_session(con->auth, req, NULL);
    if (!s) {
        cauth_send_login_required(resp);
        return;
    }
    cauth_send_who(resp, s->user);
}

bool cauth_gate(console_t *con, const char *path, const http_req_t *req, http_resp_t *resp)
{
    cauth_t *a = con->auth;
    bool login = strcmp(path, "login") == 0, logout = strcmp(path, "logout") == 0;
    if (strcmp(path, "session") == 0) {
        if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
            console_error(resp, 405, "%s takes GET", req->path);
        else
            cauth_whoami(con, req, resp);
        return true;
    }
    if (!a) {
        if (!login && !logout) return false;
        console_error(resp, 404, "%s", "no login: console.authentication is none");
        return true;
    }
    if (!cauth_csrf_ok(req)) {
        console_error(resp, 403, "%s", "a change needs the header X-Console-Request: 1");
        return true;
    }
    if (login) {
        if (cauth_post_only(req, resp)) cauth_login(con, req, resp);
        return true;
    }
    const char *token = NULL;
    cauth_session_t *s = cauth_session(a, req, &token);
    if (logout) {
        if (!cauth_post_only(req, resp)) return true;
        if (s) {
            log_info("console", "user %s logged out of the console", s->user);
            cauth_free_session(dict_del(a->sessions, token));
        }
        cauth_cookie(resp, "");
        console_send(resp, 200, json_pack("{sb}", "logged_out", 1));
        return true;
    }
    if (!s) {
        cauth_send_login_required(resp);
        return true;
    }
    return false;
}
