/* console_admin.h: the console's topic changes, test messages and broker details, asked of
 * the controller / leaders / brokers over the Kafka protocol (console_admin.c). Reactor
 * thread only. */
#ifndef CONSOLE_ADMIN_H
#define CONSOLE_ADMIN_H

#include <stdint.h>

#include "http.h"

typedef struct console console_t;

/* A method other than GET under /v1/topics/<rest> (rest "" for the collection). */
void console_topic_change(console_t *con, const char *rest, const http_req_t *req,
                          http_resp_t *resp);
/* POST /v1/topics/<topic>/partitions/<p>/messages: one test record. */
void console_produce(console_t *con, const char *topic, int32_t partition, const http_req_t *req,
                     http_resp_t *resp);
/* GET /v1/brokers/<rest>: one broker's configs and log dirs. */
void console_broker(console_t *con, const char *rest, const http_req_t *req, http_resp_t *resp);

#endif
