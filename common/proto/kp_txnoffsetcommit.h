/* kp_txnoffsetcommit.h: TxnOffsetCommit (key 28) v0-3; flexible from v3. A transactional
 * producer's offset commit for a group: the producer id/epoch, and from v3 (KIP-447) the
 * consumer's generation, member id and group instance id; CommittedLeaderEpoch from v2. The
 * group and offset fields decode into a kp_offsetcommit_req_t (retention -1) so the group
 * coordinator checks both kinds of commit alike. The response is OffsetCommit's shape:
 * throttle time, then an error per partition. Any thread. */
#ifndef KP_TXNOFFSETCOMMIT_H
#define KP_TXNOFFSETCOMMIT_H

#include "kp.h"
#include "kp_offsetcommit.h"

typedef struct kp_txnoffsetcommit_req {
    kstr_t transactional_id;
    int64_t producer_id;
    int16_t producer_epoch;
    kp_offsetcommit_req_t c; /* group_id, generation_id (-1), member_id (""),
                                group_instance_id (null), topics */
} kp_txnoffsetcommit_req_t;

bool kp_txnoffsetcommit_flexible(int16_t ver);
kerr_t kp_txnoffsetcommit_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                     kp_txnoffsetcommit_req_t *out);
void kp_txnoffsetcommit_req_encode(wbuf_t *wb, int16_t ver, const kp_txnoffsetcommit_req_t *r);
/* resp: an OffsetCommit response (throttle time and per-partition errors). */
void kp_txnoffsetcommit_resp_encode(wbuf_t *wb, int16_t ver, const kp_offsetcommit_resp_t *r);

#endif
