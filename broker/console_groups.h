/* console_groups.h: the console's consumer-group resources (console_groups.c) and offset
 * resets (console_reset.c), answered from the group coordinators over the Kafka protocol.
 * Reactor thread only. */
#ifndef CONSOLE_GROUPS_H
#define CONSOLE_GROUPS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "console_job.h"
#include "http.h"

/* /v1/groups[/<rest>]: rest is "", "<id>" or "<id>/reset-offsets". */
void console_groups(console_t *con, const char *rest, const http_req_t *req, http_resp_t *resp);
/* POST /v1/groups/<id>/reset-offsets (id: the first idlen bytes of rest). */
void console_reset(console_t *con, const char *rest, size_t idlen, const http_req_t *req,
                   http_resp_t *resp);

/* Shared steps. cgrp_note: add a printf-formatted line to the job's "errors". cgrp_key:
 * "<topic>/<partition>", the key of a partition in the jobs' objects. */
void cgrp_note(cjob_t *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cgrp_key(char *key, size_t n, const char *topic, int64_t partition);
/* A new empty object, the job's by_broker["<broker>"] (borrowed: the job's state holds it).
 * Every entry of the job's "by_broker" ({"<broker>": {id: entry}}) in one new array. */
json_t *cgrp_slot(cjob_t *j, int32_t broker);
json_t *cgrp_all(cjob_t *j);
/* ListOffsets (timestamp ts: -1 latest, -2 earliest, else by time) for the partitions of
 * parts ({key: {"topic", "partition"}}) to their leaders: into[key] = offset (-1 when none). */
void cgrp_list_offsets(cjob_t *j, json_t *parts, int64_t ts, json_t *into);
/* DescribeGroups and OffsetFetch to coordinator for the groups of groups ({id: object}); each
 * object gets "state", "error_code", "members" and "offsets" ([{topic, partition,
 * committed_offset}]). */
void cgrp_describe(cjob_t *j, int32_t coordinator, json_t *groups);

#endif
