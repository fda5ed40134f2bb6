/* kp_incrementalalterconfigs.c: IncrementalAlterConfigs codec (AlterConfigs' layout plus a
 * ConfigOperation per config). */
#include "kp_incrementalalterconfigs.h"

bool kp_incrementalalterconfigs_flexible(int16_t ver)
{
    return ver >= 1;
}

kerr_t kp_incrementalalterconfigs_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                             kp_alterconfigs_req_t *out)
{
    return kp_alterconfigs_req_decode_any(rb, kp_incrementalalterconfigs_flexible(ver), true, a,
                                          out);
}

void kp_incrementalalterconfigs_resp_encode(wbuf_t *wb, int16_t ver,
                                            const kp_alterconfigs_resp_t *r)
{
    kp_alterconfigs_resp_encode_any(wb, kp_incrementalalterconfigs_flexible(ver), r);
}
