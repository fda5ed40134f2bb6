/* console.h: the web console (issue 17) on the broker's http.listeners: GET / and the static
 * files of console/ (compiled into the binary by scripts/embed-assets.sh), and the JSON API
 * under /v1/ (console_api.c) answered from this broker's own state (metadata cache, topic
 * configs, hosted logs) or, for groups, changes and other brokers' details, from the brokers
 * over the Kafka protocol (console_job.h: the HTTP answer is deferred meanwhile).
 *
 * Owner: bhttp.c makes and frees the console_t, the context every console module works in (what it
 * reads of the broker, given at creation, and the state of its parts: console_job.c's
 * connections, console_auth.c's logins, console_connect.c's worker requests), and calls
 * console_handle for every path it does not serve. Reactor thread only. */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "http.h"

typedef struct console console_t;
typedef struct ev_loop ev_loop_t;
typedef struct mdcache mdcache_t;
typedef struct ctl ctl_t;
typedef struct rmgr rmgr_t;
typedef struct tconf tconf_t;
typedef struct metrics metrics_t;
typedef struct authz authz_t;
typedef struct cauth cauth_t;

/* What the console reads of the broker, borrowed for its lifetime. */
typedef struct console_deps {
    ev_loop_t *loop;
    cfg_t *cfg;
    mdcache_t *md;
    ctl_t *ctl;
    rmgr_t *rmgr;
    tconf_t *tconf;
    metrics_t *metrics;
    authz_t *authz; /* NULL = no authorization */
    int32_t broker_id;
    const char *cluster_id;            /* the server's (set once registered) */
    const char *inter_broker_listener; /* how the console reaches the brokers */
    /* a SASL user's password (sasl_password_ok: SCRAM users, PLAIN listeners' JAAS) */
    bool (*password_ok)(void *arg, const char *user, const char *password);
    void *arg;
} console_deps_t;

/* Made by bhttp.c (which includes every part, so that the parts need only this header). */
struct console {
    console_deps_t d;
    struct console_peers *peers;      /* console_job.c's connections (NULL until first used) */
    cauth_t *auth;                    /* console_auth.c: NULL for console.authentication=none */
    struct console_connect *cconnect; /* console_connect.c: worker requests (NULL until used) */
};

/* One embedded file (generated table, ends with a NULL path). */
typedef struct console_asset {
    const char *path; /* "/app.js" */
    const unsigned char *data;
    size_t len;
} console_asset_t;

extern const console_asset_t console_assets[];

/* The asset served for path ("/" is "/index.html"), or NULL. */
const console_asset_t *console_asset(const char *path);

/* Answer req: an asset, a /v1/ API resource, or 404 (JSON under /v1/). */
void console_handle(console_t *con, const http_req_t *req, http_resp_t *resp);

/* The API part (console_api.c): path starts with "/v1/". */
void console_api(console_t *con, const http_req_t *req, http_resp_t *resp);

/* The message browser (console_msgs.c): rest is "partitions/<p>/messages". */
void console_messages(console_t *con, const char *topic, const char *rest, const http_req_t *req,
                      http_resp_t *resp);

/* Answer status with the JSON document doc (its reference is taken; NULL gives 500), or with
 * {"error": fmt % arg}. */
void console_send(http_resp_t *resp, int status, json_t *doc);
void console_error(http_resp_t *resp, int status, const char *fmt, const char *arg);
/* A JSON string of s[0..len); bytes that are not valid UTF-8 become '?'. */
json_t *console_str(const char *s, size_t len);

#endif
