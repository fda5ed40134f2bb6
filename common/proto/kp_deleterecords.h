/* kp_deleterecords.h: DeleteRecords (key 21) v0-2; flexible from v2 (v1 = v0, v2 = v1 with
 * compact strings/arrays and tagged fields). The request names, per partition, the offset
 * below which records go (-1: the high watermark); the response gives the new low watermark.
 * Any thread. */
#ifndef KP_DELETERECORDS_H
#define KP_DELETERECORDS_H

#include "kp.h"

typedef struct kp_deleterecords_part {
    int32_t partition_index;
    int64_t offset;
} kp_deleterecords_part_t;

typedef struct kp_deleterecords_topic {
    kstr_t name;
    int32_t nparts;
    kp_deleterecords_part_t *parts;
} kp_deleterecords_topic_t;

typedef struct kp_deleterecords_req {
    int32_t ntopics;
    kp_deleterecords_topic_t *topics;
    int32_t timeout_ms;
} kp_deleterecords_req_t;

typedef struct kp_deleterecords_part_resp {
    int32_t partition_index;
    int64_t low_watermark;
    int16_t error_code;
} kp_deleterecords_part_resp_t;

typedef struct kp_deleterecords_topic_resp {
    kstr_t name;
    int32_t nparts;
    kp_deleterecords_part_resp_t *parts;
} kp_deleterecords_topic_resp_t;

typedef struct kp_deleterecords_resp {
    int32_t throttle_time_ms;
    int32_t ntopics;
    kp_deleterecords_topic_resp_t *topics;
} kp_deleterecords_resp_t;

kerr_t kp_deleterecords_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                   kp_deleterecords_req_t *out);
void kp_deleterecords_req_encode(wbuf_t *wb, int16_t ver, const kp_deleterecords_req_t *r);
void kp_deleterecords_resp_encode(wbuf_t *wb, int16_t ver, const kp_deleterecords_resp_t *r);
kerr_t kp_deleterecords_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                    kp_deleterecords_resp_t *out);

#endif
