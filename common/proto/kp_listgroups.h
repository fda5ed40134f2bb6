/* kp_listgroups.h: ListGroups (key 16) v0-5; flexible from v3; StatesFilter and GroupState
 * from v4; TypesFilter and GroupType ("classic" / "consumer", KIP-848) from v5. Any thread. */
#ifndef KP_LISTGROUPS_H
#define KP_LISTGROUPS_H

#include "kp.h"

typedef struct kp_listgroups_req {
    int32_t nstates; /* v4+; 0 = every state */
    kstr_t *states_filter;
    int32_t ntypes; /* v5+; 0 = every type */
    kstr_t *types_filter;
} kp_listgroups_req_t;

typedef struct kp_listgroups_group {
    kstr_t group_id;
    kstr_t protocol_type;
    kstr_t group_state; /* v4+ */
    kstr_t group_type;  /* v5+ */
} kp_listgroups_group_t;

typedef struct kp_listgroups_resp {
    int32_t throttle_time_ms; /* v1+ */
    int16_t error_code;
    int32_t ngroups;
    kp_listgroups_group_t *groups;
} kp_listgroups_resp_t;

bool kp_listgroups_flexible(int16_t ver);
kerr_t kp_listgroups_req_decode(rbuf_t *rb, int16_t ver, arena_t *a, kp_listgroups_req_t *out);
void kp_listgroups_req_encode(wbuf_t *wb, int16_t ver, const kp_listgroups_req_t *r);
void kp_listgroups_resp_encode(wbuf_t *wb, int16_t ver, const kp_listgroups_resp_t *r);

#endif
