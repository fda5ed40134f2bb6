/* zkpath_int.h: the JSON helpers shared by zkpath_json.c and zkpath_topic.c (zkpath.h is
 * the public API). Pure functions. Any thread. */
#ifndef ZKPATH_INT_H
#define ZKPATH_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "zkpath.h"

/* Compact JSON of j (key order kept); takes j's reference. Never NULL. */
char *zkpath_dump(json_t *j);
/* The object in json (NULL: not JSON, not an object, duplicate keys, or json NULL); the
 * caller decrefs it. */
json_t *zkpath_load(const char *json);
/* o[k] as an int32; false when absent, not an integer or out of range. */
bool zkpath_get_int(json_t *o, const char *k, int32_t *out);

#endif
