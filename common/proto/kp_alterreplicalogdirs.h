/* kp_alterreplicalogdirs.h: AlterReplicaLogDirs (key 34) v0-2 (KIP-113); flexible from v2
 * (v1 = v0). The request names, per target log dir (absolute path), the topic partitions to
 * move there; the response gives an error code per topic partition. Any thread. */
#ifndef KP_ALTERREPLICALOGDIRS_H
#define KP_ALTERREPLICALOGDIRS_H

#include "kp.h"

typedef struct kp_alterlogdir {
    kstr_t path;
    int32_t ntopics;
    kp_topic_parts_t *topics;
} kp_alterlogdir_t;

typedef struct kp_alterreplicalogdirs_req {
    int32_t ndirs;
    kp_alterlogdir_t *dirs;
} kp_alterreplicalogdirs_req_t;

typedef struct kp_alterreplicalogdirs_resp {
    int32_t throttle_time_ms;
    int32_t nresults;
    kp_topic_errs_t *results;
} kp_alterreplicalogdirs_resp_t;

kerr_t kp_alterreplicalogdirs_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                         kp_alterreplicalogdirs_req_t *out);
void kp_alterreplicalogdirs_req_encode(wbuf_t *wb, int16_t ver,
                                       const kp_alterreplicalogdirs_req_t *r);
void kp_alterreplicalogdirs_resp_encode(wbuf_t *wb, int16_t ver,
                                        const kp_alterreplicalogdirs_resp_t *r);
kerr_t kp_alterreplicalogdirs_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                          kp_alterreplicalogdirs_resp_t *out);

#endif
