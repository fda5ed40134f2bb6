/* fshandler.h: a follower's side of a fetch session (KIP-227, Kafka's FetchSessionHandler).
 * One per fetcher. The first request is full (epoch 0) and opens a session on the leader;
 * while the leader answers with that session id, later requests are incremental: they carry
 * only the partitions whose fetch offset, log start offset or leader epoch changed since the
 * leader last heard, and forget the ones that left the fetch (removed, delayed, truncating).
 * An error answer (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH, any other), a
 * failed connection, an answer with session id 0 or fshandler_reset (the fetcher's partitions
 * changed) makes the next request full again; a full request names every partition fetched,
 * with its fetch offset and leader epoch, and the old id so the leader frees that session.
 *
 * Owner: the fetcher. Reactor thread only. */
#ifndef FSHANDLER_H
#define FSHANDLER_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "kerr.h"
#include "proto/kp_fetch.h"

typedef struct fshandler fshandler_t;

fshandler_t *fshandler_new(void);
void fshandler_free(fshandler_t *h);
/* Start a request: its session id and epoch into req; true when it is a full one. */
bool fshandler_begin(fshandler_t *h, kp_fetch_req_t *req);
/* Whether partition p (of topic) goes into the request; remembers it as sent. */
bool fshandler_include(fshandler_t *h, const char *topic, const kp_fetch_part_t *p);
/* End the request: the session's partitions not named since fshandler_begin leave it, as
 * req's forgotten topics (allocated from a) on an incremental request. */
void fshandler_end(fshandler_t *h, arena_t *a, kp_fetch_req_t *req);
/* The answer to a request begun with full: err (the connection's or the response's error
 * code) and the response's session id. */
void fshandler_answer(fshandler_t *h, bool full, kerr_t err, int32_t session_id);
/* Make the next request full (it still names the old id, so the leader frees that session):
 * after anything that may leave the leader's session and ours apart, or that changes what we
 * fetch (a partition added, removed, truncated or in error, a failed request). */
void fshandler_reset(fshandler_t *h);
/* Requests sent so far and how many of them were incremental (tests, metrics). */
int64_t fshandler_incremental(const fshandler_t *h);

#endif
