/* kp_consumergroupheartbeat.h: ConsumerGroupHeartbeat (key 68) v0-1, the KIP-848 consumer
 * group protocol; flexible in every version. v1 adds SubscribedTopicRegex (and makes the
 * client generate its member id). Nullable fields mean "unchanged since the last heartbeat":
 * strings have len -1, arrays a count of -1. Any thread. */
#ifndef KP_CONSUMERGROUPHEARTBEAT_H
#define KP_CONSUMERGROUPHEARTBEAT_H

#include "kp.h"

/* A topic (by id) and partitions, in the request's owned and the response's assignment. */
typedef struct kp_cgh_topic {
    uint8_t topic_id[16];
    int32_t nparts;
    int32_t *parts;
} kp_cgh_topic_t;

typedef struct kp_cgh_req {
    kstr_t group_id;
    kstr_t member_id;
    int32_t member_epoch;         /* 0 join, -1 leave, -2 static member leaves for now */
    kstr_t instance_id;           /* nullable */
    kstr_t rack_id;               /* nullable */
    int32_t rebalance_timeout_ms; /* -1 = unchanged */
    int32_t nsubscribed;          /* -1 = unchanged (null) */
    kstr_t *subscribed;
    kstr_t subscribed_regex; /* v1+, nullable */
    kstr_t server_assignor;  /* nullable */
    int32_t nowned;          /* -1 = unchanged (null) */
    kp_cgh_topic_t *owned;
} kp_cgh_req_t;

typedef struct kp_cgh_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    kstr_t error_message; /* nullable */
    kstr_t member_id;     /* nullable */
    int32_t member_epoch;
    int32_t heartbeat_interval_ms;
    bool has_assignment; /* false: null (unchanged) */
    int32_t nassigned;
    const kp_cgh_topic_t *assigned;
} kp_cgh_resp_t;

kerr_t kp_cgh_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_cgh_req_t *out);
void kp_cgh_req_encode(wbuf_t *wb, int16_t ver, const kp_cgh_req_t *r);
void kp_cgh_resp_encode(wbuf_t *wb, int16_t ver, const kp_cgh_resp_t *r);
/* For tests and tools: the response read back (views into rb, arrays from a). */
kerr_t kp_cgh_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_cgh_resp_t *out);

#endif
