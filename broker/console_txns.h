/* console_txns.h: the console's transactions resource (console_txns.c), answered from the
 * transaction coordinators over the Kafka protocol. Reactor thread only. */
#ifndef CONSOLE_TXNS_H
#define CONSOLE_TXNS_H

#include "http.h"

typedef struct server server_t;

/* GET /v1/transactions (rest must be ""). */
void console_txns(server_t *srv, const char *rest, const http_req_t *req, http_resp_t *resp);

#endif
