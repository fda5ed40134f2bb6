/* kp.h: Kafka protocol basics shared by every codec in common/proto/.
 *
 * Conventions for every API codec kp_<api>.[ch] (one file per API):
 *   typedef struct kp_<api>_req  { ... } kp_<api>_req_t;   decoded request
 *   typedef struct kp_<api>_resp { ... } kp_<api>_resp_t;  response to encode
 *   kerr_t kp_<api>_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_<api>_req_t *out);
 *   void   kp_<api>_req_encode(wbuf_t *wb, int16_t ver, const kp_<api>_req_t *req);
 *   void   kp_<api>_resp_encode(wbuf_t *wb, int16_t ver, const kp_<api>_resp_t *resp);
 * Bodies only: the request header and the size prefix are handled by kp.c / the connection.
 * Decoders read the body after the request header; arrays are allocated from the arena after
 * rbuf_array_len() checked them against the bytes left; strings are views into the frame
 * (the frame must outlive the decoded struct). Fields a version lacks are left at their
 * documented default. Trailing bytes after a known version are ignored. A decoder returns
 * KERR__BAD_MSG when the body is malformed.
 * Any thread. */
#ifndef KP_H
#define KP_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "kerr.h"

typedef enum kapi {
    KAPI_PRODUCE = 0,
    KAPI_FETCH = 1,
    KAPI_LIST_OFFSETS = 2,
    KAPI_METADATA = 3,
    KAPI_LEADER_AND_ISR = 4,
    KAPI_STOP_REPLICA = 5,
    KAPI_UPDATE_METADATA = 6,
    KAPI_CONTROLLED_SHUTDOWN = 7,
    KAPI_OFFSET_COMMIT = 8,
    KAPI_OFFSET_FETCH = 9,
    KAPI_FIND_COORDINATOR = 10,
    KAPI_JOIN_GROUP = 11,
    KAPI_HEARTBEAT = 12,
    KAPI_LEAVE_GROUP = 13,
    KAPI_SYNC_GROUP = 14,
    KAPI_DESCRIBE_GROUPS = 15,
    KAPI_LIST_GROUPS = 16,
    KAPI_SASL_HANDSHAKE = 17,
    KAPI_API_VERSIONS = 18,
    KAPI_CREATE_TOPICS = 19,
    KAPI_DELETE_TOPICS = 20,
    KAPI_DELETE_RECORDS = 21,
    KAPI_INIT_PRODUCER_ID = 22,
    KAPI_OFFSET_FOR_LEADER_EPOCH = 23,
    KAPI_ADD_PARTITIONS_TO_TXN = 24,
    KAPI_ADD_OFFSETS_TO_TXN = 25,
    KAPI_END_TXN = 26,
    KAPI_WRITE_TXN_MARKERS = 27,
    KAPI_TXN_OFFSET_COMMIT = 28,
    KAPI_DESCRIBE_ACLS = 29,
    KAPI_CREATE_ACLS = 30,
    KAPI_DELETE_ACLS = 31,
    KAPI_DESCRIBE_CONFIGS = 32,
    KAPI_ALTER_CONFIGS = 33,
    KAPI_ALTER_REPLICA_LOG_DIRS = 34,
    KAPI_DESCRIBE_LOG_DIRS = 35,
    KAPI_SASL_AUTHENTICATE = 36,
    KAPI_CREATE_PARTITIONS = 37,
    KAPI_DELETE_GROUPS = 42,
    KAPI_ELECT_LEADERS = 43,
    KAPI_INCREMENTAL_ALTER_CONFIGS = 44,
    KAPI_ALTER_PARTITION_REASSIGNMENTS = 45,
    KAPI_LIST_PARTITION_REASSIGNMENTS = 46,
    KAPI_OFFSET_DELETE = 47,
    KAPI_DESCRIBE_CLIENT_QUOTAS = 48,
    KAPI_ALTER_CLIENT_QUOTAS = 49,
    KAPI_DESCRIBE_USER_SCRAM_CREDENTIALS = 50,
    KAPI_ALTER_USER_SCRAM_CREDENTIALS = 51,
    KAPI_DESCRIBE_CLUSTER = 60,
    KAPI_DESCRIBE_PRODUCERS = 61,
    KAPI_DESCRIBE_TRANSACTIONS = 65,
    KAPI_LIST_TRANSACTIONS = 66,
    KAPI_ALTER_PARTITION = 56,
    KAPI_CONSUMER_GROUP_HEARTBEAT = 68,
    KAPI_CONSUMER_GROUP_DESCRIBE = 69,
    KAPI__MAX = 70,
} kapi_t;

typedef struct kp_req_hdr {
    int16_t api_key;
    int16_t api_version;
    int32_t correlation_id;
    kstr_t client_id; /* null for header v0 */
} kp_req_hdr_t;

/* Peek api_key, api_version and correlation_id (the fixed first 8 bytes of every request
 * header, all versions). KERR__BAD_MSG when fewer than 8 bytes. */
kerr_t kp_req_hdr_peek(const uint8_t *frame, size_t len, kp_req_hdr_t *h);

/* Decode the full request header. flexible_hdr selects header v2 (client_id as a nullable
 * int16 string, then tagged fields) over v1; both start with the 8 peeked bytes. */
kerr_t kp_req_hdr_decode(rbuf_t *rb, bool flexible_hdr, kp_req_hdr_t *h);
void kp_req_hdr_encode(wbuf_t *wb, bool flexible_hdr, const kp_req_hdr_t *h);

/* Kafka's name of an API key ("Produce", "ApiVersions"...), as its request metrics label them;
 * NULL for a key Kafka 3.x does not define. */
const char *kp_api_name(int16_t key);

/* Response header: correlation id, then (flexible_hdr) an empty tagged-field section. */
void kp_resp_hdr_encode(wbuf_t *wb, bool flexible_hdr, int32_t correlation_id);

/* ---- pieces shared by several codecs (the group APIs) ---- */

/* A non-null array header: the count is checked against the bytes left (min_elem bytes per
 * element) and that many zeroed elements of elem_size are allocated from the arena. A null
 * array fails rb. *n gets the count (0 on error); returns the elements (NULL when none). */
void *kp_array_alloc(rbuf_t *rb, bool flexible, size_t min_elem, arena_t *a, size_t elem_size,
                     int32_t *n);
/* A non-null array of non-null strings (group ids, state filters, coordinator keys). */
kstr_t *kp_strs_decode(rbuf_t *rb, bool flexible, arena_t *a, int32_t *n);
void kp_strs_encode(wbuf_t *wb, bool flexible, int32_t n, const kstr_t *s);
/* A non-null array of int32 (partition indexes). */
int32_t *kp_i32s_decode(rbuf_t *rb, bool flexible, arena_t *a, int32_t *n);
void kp_i32s_encode(wbuf_t *wb, bool flexible, int32_t n, const int32_t *v);

/* A topic and its partition indexes (OffsetFetch and OffsetDelete requests: the two share the
 * wire layout of name + int32 array in their non-flexible versions). */
typedef struct kp_topic_parts {
    kstr_t name;
    int32_t nparts;
    int32_t *parts;
} kp_topic_parts_t;
/* The elements of a kp_topic_parts_t array whose header the caller read (n elements at t):
 * name, partition indexes, tagged fields when flexible. name_required: a null name fails rb.
 * Stops at the first error. */
void kp_topic_parts_decode(rbuf_t *rb, bool flexible, arena_t *a, bool name_required,
                           kp_topic_parts_t *t, int32_t n);
/* The array: header, then each element as kp_topic_parts_decode reads it. */
void kp_topic_parts_encode(wbuf_t *wb, bool flexible, int32_t n, const kp_topic_parts_t *t);

/* A topic and one error code per partition (OffsetCommit and OffsetDelete responses). */
typedef struct kp_part_err {
    int32_t partition_index;
    int16_t error_code;
} kp_part_err_t;

typedef struct kp_topic_errs {
    kstr_t name;
    int32_t nparts;
    kp_part_err_t *parts;
} kp_topic_errs_t;

void kp_topic_errs_encode(wbuf_t *wb, bool flexible, int32_t n, const kp_topic_errs_t *t);

/* float64 (IEEE 754, big-endian), as the client quota APIs carry values. */
double kp_f64_decode(rbuf_t *rb);
void kp_f64_encode(wbuf_t *wb, double v);

/* A client quota entity part (DescribeClientQuotas, AlterClientQuotas): entity type
 * ("user", "client-id", "ip") and name (null = the default). */
typedef struct kp_quota_entity {
    kstr_t entity_type;
    kstr_t entity_name; /* len -1 = null: the default entity */
} kp_quota_entity_t;
kp_quota_entity_t *kp_quota_entity_decode(rbuf_t *rb, bool flexible, arena_t *a, int32_t *n);
void kp_quota_entity_encode(wbuf_t *wb, bool flexible, int32_t n, const kp_quota_entity_t *e);

#endif
