/* kp_fetch.h: Fetch (key 1) v4-12; flexible from v12.
 * Response records per partition come either from memory (rec_mem/rec_len, rec_len -1 = null)
 * or from a file range (rec_fd >= 0: rec_off, rec_flen), which the encoder splices into the
 * wbuf with wbuf_file(); the wbuf then owns rec_fd, so pass a dup()ed descriptor. */
#ifndef KP_FETCH_H
#define KP_FETCH_H

#include <sys/types.h>

#include "kp.h"

typedef struct kp_fetch_part {
    int32_t partition;
    int32_t current_leader_epoch; /* v9+, default -1 */
    int64_t fetch_offset;
    int32_t last_fetched_epoch; /* v12+, default -1 */
    int64_t log_start_offset;   /* v5+, default -1 */
    int32_t partition_max_bytes;
} kp_fetch_part_t;

typedef struct kp_fetch_topic {
    kstr_t topic;
    int32_t nparts;
    kp_fetch_part_t *parts;
} kp_fetch_topic_t;

/* A topic's partitions to drop from a fetch session (forgotten_topics_data, v7+). */
typedef struct kp_fetch_forgotten {
    kstr_t topic;
    int32_t nparts;
    int32_t *parts;
} kp_fetch_forgotten_t;

typedef struct kp_fetch_req {
    int32_t replica_id;
    int32_t max_wait_ms, min_bytes, max_bytes;
    int8_t isolation_level;
    int32_t session_id, session_epoch; /* v7+, defaults 0 / -1 */
    int32_t ntopics;
    kp_fetch_topic_t *topics;
    int32_t nforgotten; /* v7+ */
    kp_fetch_forgotten_t *forgotten;
    kstr_t rack_id; /* v11+ */
} kp_fetch_req_t;

/* An aborted transaction overlapping the records (read_committed). */
typedef struct kp_fetch_aborted {
    int64_t producer_id, first_offset;
} kp_fetch_aborted_t;

typedef struct kp_fetch_part_resp {
    int32_t partition_index;
    int16_t error_code;
    int64_t high_watermark, last_stable_offset, log_start_offset;
    int32_t naborted;                  /* -1 = null */
    const kp_fetch_aborted_t *aborted; /* naborted of them */
    int32_t preferred_read_replica;    /* v11+ */
    const uint8_t *rec_mem;
    int32_t rec_len;
    int rec_fd;
    off_t rec_off;
    size_t rec_flen;
} kp_fetch_part_resp_t;

typedef struct kp_fetch_topic_resp {
    kstr_t topic;
    int32_t nparts;
    kp_fetch_part_resp_t *parts;
} kp_fetch_topic_resp_t;

typedef struct kp_fetch_resp {
    int32_t throttle_time_ms;
    int16_t error_code; /* v7+ */
    int32_t session_id; /* v7+ */
    int32_t ntopics;
    kp_fetch_topic_resp_t *topics;
} kp_fetch_resp_t;

bool kp_fetch_flexible(int16_t ver);
kerr_t kp_fetch_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_fetch_req_t *out);
void kp_fetch_resp_encode(wbuf_t *wb, int16_t ver, const kp_fetch_resp_t *r);
/* The follower's side (replica fetcher): encode a request (with its session and forgotten topics)
 * and decode a response; records are views into the response buffer (rec_mem/rec_len, -1 =
 * null) and rec_fd is -1. Aborted transactions are skipped. */
void kp_fetch_req_encode(wbuf_t *wb, int16_t ver, const kp_fetch_req_t *r);
kerr_t kp_fetch_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_fetch_resp_t *out);

#endif
