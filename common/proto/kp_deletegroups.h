/* kp_deletegroups.h: DeleteGroups (key 42) v0-2; flexible from v2. Any thread. */
#ifndef KP_DELETEGROUPS_H
#define KP_DELETEGROUPS_H

#include "kp.h"

typedef struct kp_deletegroups_req {
    int32_t ngroups;
    kstr_t *groups_names;
} kp_deletegroups_req_t;

typedef struct kp_deletegroups_result {
    kstr_t group_id;
    int16_t error_code;
} kp_deletegroups_result_t;

typedef struct kp_deletegroups_resp {
    int32_t throttle_time_ms;
    int32_t nresults;
    kp_deletegroups_result_t *results;
} kp_deletegroups_resp_t;

bool kp_deletegroups_flexible(int16_t ver);
kerr_t kp_deletegroups_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_deletegroups_req_t *out);
void kp_deletegroups_req_encode(wbuf_t *wb, int16_t ver, const kp_deletegroups_req_t *r);
void kp_deletegroups_resp_encode(wbuf_t *wb, int16_t ver, const kp_deletegroups_resp_t *r);

#endif
