/* console.h: the web console (issue 17) on the broker's http.listeners: GET / and the static
 * files of console/ (compiled into the binary by scripts/embed-assets.sh), and the JSON API
 * under /v1/ (console_api.c) answered from this broker's own state (metadata cache, topic
 * configs, hosted logs) or, for groups, changes and other brokers' details, from the brokers
 * over the Kafka protocol (console_job.h: the HTTP answer is deferred meanwhile).
 *
 * Owner: bhttp.c calls console_handle for every path it does not serve; the only state is
 * srv->console (console_job.c's connections). Reactor thread only. */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <jansson.h>
#include <stddef.h>

#include "http.h"

typedef struct server server_t;

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
void console_handle(server_t *srv, const http_req_t *req, http_resp_t *resp);

/* The API part (console_api.c): path starts with "/v1/". */
void console_api(server_t *srv, const http_req_t *req, http_resp_t *resp);

/* The message browser (console_msgs.c): rest is "partitions/<p>/messages". */
void console_messages(server_t *srv, const char *topic, const char *rest, const http_req_t *req,
                      http_resp_t *resp);

/* Answer status with the JSON document doc (its reference is taken; NULL gives 500), or with
 * {"error": fmt % arg}. */
void console_send(http_resp_t *resp, int status, json_t *doc);
void console_error(http_resp_t *resp, int status, const char *fmt, const char *arg);
/* A JSON string of s[0..len); bytes that are not valid UTF-8 become '?'. */
json_t *console_str(const char *s, size_t len);

#endif
