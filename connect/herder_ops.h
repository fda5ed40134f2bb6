/* herder_ops.h: Connect's REST operations on the herder, as (HTTP status, JSON body) pairs
 * with Connect's bodies and error messages. rest.c maps paths to them; each takes the herder
 * lock itself (never call with it held). *body is a new reference the caller sends and
 * decrefs (NULL for 204). Any thread. */
#ifndef HERDER_OPS_H
#define HERDER_OPS_H

#include <jansson.h>
#include <stdbool.h>

#include "worker.h"

/* {"error_code":code,"message":msg}. */
json_t *kc_rest_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int kc_op_root(kc_herder_t *h, json_t **body);
int kc_op_list(kc_herder_t *h, bool status, bool info, json_t **body);
/* POST /connectors: req is {"name":..,"config":{..}}. */
int kc_op_create(kc_herder_t *h, const json_t *req, json_t **body);
int kc_op_info(kc_herder_t *h, const char *name, json_t **body);
int kc_op_config_get(kc_herder_t *h, const char *name, json_t **body);
int kc_op_config_put(kc_herder_t *h, const char *name, const json_t *config, json_t **body);
int kc_op_status(kc_herder_t *h, const char *name, json_t **body);
int kc_op_tasks(kc_herder_t *h, const char *name, json_t **body);
int kc_op_task_status(kc_herder_t *h, const char *name, const char *task, json_t **body);
int kc_op_restart(kc_herder_t *h, const char *name, bool include_tasks, bool only_failed,
                  json_t **body);
int kc_op_task_restart(kc_herder_t *h, const char *name, const char *task, json_t **body);
int kc_op_target(kc_herder_t *h, const char *name, kc_target_t t, json_t **body);
int kc_op_delete(kc_herder_t *h, const char *name, json_t **body);
int kc_op_offsets(kc_herder_t *h, const char *name, json_t **body);
/* KIP-558: GET /connectors/{name}/topics, PUT /connectors/{name}/topics/reset. */
int kc_op_topics(kc_herder_t *h, const char *name, json_t **body);
int kc_op_topics_reset(kc_herder_t *h, const char *name, json_t **body);
/* KIP-618's inter-worker PUT /connectors/{name}/fence (distributed; 204). */
int kc_op_fence(kc_herder_t *h, const char *name, json_t **body);
int kc_op_plugins(kc_herder_t *h, bool connectors_only, json_t **body);
int kc_op_validate(kc_herder_t *h, const char *cls, const json_t *config, json_t **body);

#endif
