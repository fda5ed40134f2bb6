/* kp_adapt.h: the inter-broker codecs' decoders, which have one version and so take none, in
 * the common decoder shape (rbuf, version, arena, out) that tables of decoders hold: the Check
 * suites' tu_decode_prefixes() and the fuzzers' dispatch. The version is ignored. */
#ifndef KP_ADAPT_H
#define KP_ADAPT_H

#include "proto/kp_alterpartition.h"
#include "proto/kp_controlledshutdown.h"
#include "proto/kp_ctl.h"

static inline kerr_t kp_adapt_altpart_req(rbuf_t *rb, int16_t v, arena_t *a, void *out)
{
    (void)v;
    return kp_altpart_req_decode(rb, a, out);
}
static inline kerr_t kp_adapt_altpart_resp(rbuf_t *rb, int16_t v, arena_t *a, void *out)
{
    (void)v;
    return kp_altpart_resp_decode(rb, a, out);
}
static inline kerr_t kp_adapt_cshut_req(rbuf_t *rb, int16_t v, arena_t *a, void *out)
{
    (void)v;
    (void)a;
    return kp_cshut_req_decode(rb, out);
}
static inline kerr_t kp_adapt_cshut_resp(rbuf_t *rb, int16_t v, arena_t *a, void *out)
{
    (void)v;
    return kp_cshut_resp_decode(rb, a, out);
}
static inline kerr_t kp_adapt_leaderandisr(rbuf_t *rb, int16_t v, arena_t *a, void *out)
{
    (void)v;
    return kp_leaderandisr_req_decode(rb, a, out);
}
static inline kerr_t kp_adapt_updatemetadata(rbuf_t *rb, int16_t v, arena_t *a, void *out)
{
    (void)v;
    return kp_updatemetadata_req_decode(rb, a, out);
}
static inline kerr_t kp_adapt_stopreplica(rbuf_t *rb, int16_t v, arena_t *a, void *out)
{
    (void)v;
    return kp_stopreplica_req_decode(rb, a, out);
}

#endif
