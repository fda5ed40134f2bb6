/* console_txns.h: the console's transactions resource (console_txns.c), answered from the
 * transaction coordinators over the Kafka protocol. Reactor thread only. */
#ifndef CONSOLE_TXNS_H
#define CONSOLE_TXNS_H

#include "http.h"

typedef struct console console_t;

/* GET /v1/transactions (rest must be ""). */
void console_txns(console_t *con, const char *rest, const http_req_t *req, http_resp_t *resp);

#endif
