/* console_auth.h: who the web console acts as (console.authentication, issue 17).
 *
 * none (the default): nobody logs in and the console acts with the broker's own rights, as it
 * always did. sasl: every /v1/ request needs a session, made by POST /v1/login with the
 * password of a SASL user of this broker (its SCRAM credentials from ZooKeeper or a PLAIN
 * listener's JAAS user_<name> entries, sasl_password_ok); the session is a 128-bit random
 * token in an HttpOnly, SameSite=Strict cookie, forgotten after console.session.timeout.ms
 * without a request or at POST /v1/logout. GET /v1/session says who is logged in. Each
 * resource then asks the authorizer (authz.h) whether User:<name>, from the browser's address,
 * may do what the Kafka request behind it needs (cauth_may), before anything is sent to other
 * brokers: the console's own Kafka connections are the broker's, so it must not do on their
 * behalf what the user may not. Without an authorizer every logged-in user may do everything.
 * Changes (POST/PUT/DELETE, login included) also need the header X-Console-Request: 1, which
 * a page of another site cannot send without a CORS preflight this server never allows.
 * Failed logins answer 401 without saying whether the user or the password was wrong; after
 * CAUTH_MAX_FAILS failures of one user in CAUTH_FAIL_WINDOW_MS its logins answer 429 until the
 * window ends.
 *
 * Owner: the console (con->auth, made by console_new, freed by console_free); NULL when
 * http.listeners is off or console.authentication=none. Reactor thread only. */
#ifndef CONSOLE_AUTH_H
#define CONSOLE_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "http.h"

typedef struct console console_t;
typedef struct cauth cauth_t;

#define CAUTH_MAX_FAILS      5
#define CAUTH_FAIL_WINDOW_MS 60000

/* The principal a request acts as. */
typedef struct cauth_as {
    bool checked;        /* false: console.authentication=none, nothing is checked */
    char principal[300]; /* "User:alice" */
    char host[64];       /* the browser's address, for host ACLs */
} cauth_as_t;

/* NULL for console.authentication=none (the config was validated at start-up). */
cauth_t *cauth_new(const cfg_t *cfg);
void cauth_free(cauth_t *a);

/* The router's gate for every /v1/ request (path after "/v1/"): answers /v1/login,
 * /v1/logout and /v1/session itself, and 401 (no session) or 403 (a change without
 * X-Console-Request) for the rest; true when it answered, false when the resource may go on. */
bool cauth_gate(console_t *con, const char *path, const http_req_t *req, http_resp_t *resp);
/* The principal of a request that passed the gate. */
void cauth_as(console_t *con, const http_req_t *req, cauth_as_t *as);
/* Whether as may do op on the resource (always without checks or without an authorizer). */
bool cauth_may(console_t *con, const cauth_as_t *as, int8_t op, int8_t restype, const char *name);
/* cauth_may for req's principal; when refused, answers 403 {"error", "error_name"} (Kafka's
 * TOPIC_ / GROUP_ / CLUSTER_ / TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and returns false. */
bool cauth_need(console_t *con, const http_req_t *req, http_resp_t *resp, int8_t op, int8_t restype,
                const char *name);

#endif
