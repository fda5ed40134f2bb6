/* kp_incrementalalterconfigs.h: IncrementalAlterConfigs (key 44) v0-1; flexible from v1.
 * Each config carries a ConfigOperation (KP_CONFIG_OP_SET, DELETE, APPEND, SUBTRACT); resources
 * and responses have AlterConfigs' layout and types (kp_alterconfigs.h). */
#ifndef KP_INCREMENTALALTERCONFIGS_H
#define KP_INCREMENTALALTERCONFIGS_H

#include "kp_alterconfigs.h"

bool kp_incrementalalterconfigs_flexible(int16_t ver);
kerr_t kp_incrementalalterconfigs_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                             kp_alterconfigs_req_t *out);
void kp_incrementalalterconfigs_resp_encode(wbuf_t *wb, int16_t ver,
                                            const kp_alterconfigs_resp_t *r);
/* The other direction, for the tools (kafka-reassign-partitions sets its throttles). */
void kp_incrementalalterconfigs_req_encode(wbuf_t *wb, int16_t ver, const kp_alterconfigs_req_t *r);
kerr_t kp_incrementalalterconfigs_resp_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                              kp_alterconfigs_resp_t *out);

#endif
