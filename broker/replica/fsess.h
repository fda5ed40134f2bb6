/* fsess.h: the fetch session cache (KIP-227, Kafka's FetchSessionCache).
 * A Fetch v7+ with session epoch 0 opens a session: the broker keeps the request's partitions
 * (fetch offset, max bytes, log start) under a new nonzero id, and later requests for that id
 * (epoch 1, 2, ...) carry only partitions that changed, plus forgotten ones to drop; the
 * broker answers only partitions with records, an error, or a high watermark, last stable
 * offset or log start offset the client has not been told (fsess_part_t.sent_*).
 *
 * max.incremental.fetch.session.cache.slots sessions at most. When full, a new session takes
 * the slot of one idle for FSESS_EVICTION_MS (Kafka's MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS,
 * a constant there too, not a setting), else of the least valuable one when the newcomer is
 * worth more: followers' (privileged) sessions over consumers', then more partitions over fewer.
 * Sessions live in the broker, not the connection: a client that reconnects keeps its session,
 * as in Kafka; they end when evicted or when the client sends epoch -1 or 0 for them.
 *
 * Owner: the server (srv->fsess). Sessions and their parts are owned by the cache; a pointer
 * is valid until the next fsess_* call that may evict or remove (create, remove, free).
 * Reactor thread only. */
#ifndef FSESS_H
#define FSESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FSESS_EVICTION_MS 120000

typedef struct dict dict_t;

typedef struct fsess_part {
    char *topic; /* owned */
    int32_t partition;
    int32_t current_leader_epoch, last_fetched_epoch;
    int64_t fetch_offset, log_start_offset;
    int32_t max_bytes;
    /* what the client was last told; -2 = nothing yet (so the first answer always goes) */
    int64_t sent_hw, sent_lso, sent_log_start;
} fsess_part_t;

typedef struct fsess {
    int32_t id;
    int32_t epoch; /* the epoch the next incremental request must carry */
    bool privileged;
    int64_t last_used_ms;
    uint64_t gen; /* bumped whenever parts[] is reordered, grown or shrunk */
    fsess_part_t *parts;
    int nparts, cap;
    bool unsorted; /* parts[] not grouped by topic since the last fsess_sort */
    dict_t *index; /* "partition topic" -> index + 1 into parts[] */
} fsess_t;

typedef struct fsess_cache fsess_cache_t;

fsess_cache_t *fsess_cache_new(int max_slots);
void fsess_cache_free(fsess_cache_t *c);
/* A new empty session with epoch 1, or NULL when no slot is free (nor evictable for a
 * session of size partitions). */
fsess_t *fsess_create(fsess_cache_t *c, bool privileged, int size, int64_t now_ms);
fsess_t *fsess_get(fsess_cache_t *c, int32_t id);
void fsess_remove(fsess_cache_t *c, int32_t id);
/* Add or update a partition from a request (its sent_* kept when it was there). */
void fsess_set(fsess_t *s, const char *topic, int32_t partition, int32_t current_leader_epoch,
               int64_t fetch_offset, int32_t last_fetched_epoch, int64_t log_start_offset,
               int32_t max_bytes);
void fsess_forget(fsess_t *s, const char *topic, int32_t partition);
/* Group parts[] by topic (stable by partition) when it changed: the response lists a topic once. */
void fsess_sort(fsess_t *s);

/* Metrics (FetchSessionCache): sessions, partitions cached, evictions so far. */
int fsess_count(const fsess_cache_t *c);
int64_t fsess_parts_cached(const fsess_cache_t *c);
int64_t fsess_evictions(const fsess_cache_t *c);
/* Incremental fetches served (ours, not a Kafka metric: it shows followers use sessions). */
void fsess_count_incremental(fsess_cache_t *c);
int64_t fsess_incremental(const fsess_cache_t *c);

#endif
