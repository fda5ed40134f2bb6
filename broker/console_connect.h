/* console_connect.h: the console's Connect page API (/v1/connect/...), proxied to the Kafka
 * Connect workers named by console.connect.urls over their REST API (Kafka Connect's paths),
 * with common/httpc.c on the reactor. The HTTP answer is deferred (http_defer) while a worker
 * is asked; a worker that cannot be reached is skipped for the next URL (a change only when
 * nothing of it was sent, so it is never applied twice); a worker's own error (400 validation,
 * 404, 409 during a rebalance) is passed through with its status and message.
 *
 * Owner: con->cconnect (NULL until first used) holds the requests in flight;
 * console_connect_stop answers them 503 and frees it. Reactor thread only. */
#ifndef CONSOLE_CONNECT_H
#define CONSOLE_CONNECT_H

#include <stdbool.h>

#include "http.h"

typedef struct console console_t;

/* console.connect.urls is set: the console shows its Connect page. */
bool console_connect_enabled(const console_t *con);

/* /v1/connect/<rest>: connectors (GET list, POST create), connectors/<name> (GET detail,
 * DELETE), connectors/<name>/pause|resume|restart and connectors/<name>/tasks/<id>/restart
 * (POST), plugins (GET). */
void console_connect(console_t *con, const char *rest, const http_req_t *req, http_resp_t *resp);

/* Shutdown: drop the worker requests in flight, answering their console requests 503. */
void console_connect_stop(console_t *con);

#endif
