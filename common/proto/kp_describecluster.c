/* kp_describecluster.c: DescribeCluster codec. */
#include "kp_describecluster.h"

bool kp_describecluster_flexible(int16_t ver)
{
    (void)ver;
    return true;
}

kerr_t kp_describecluster_req_decode(rbuf_t *rb, int16_t ver, arena_t *a,
                                     kp_describecluster_req_t *out)
{
    (void)a;
    out->include_cluster_authorized_operations = rbuf_bool(rb);
    out->endpoint_type = ver >= 1 ? rbuf_i8(rb) : 1;
    rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_describecluster_resp_encode(wbuf_t *wb, int16_t ver, const kp_describecluster_resp_t *r)
{
    wbuf_i32(wb, r->throttle_time_ms);
    wbuf_i16(wb, r->error_code);
    wbuf_compact_str(wb, r->error_message.p, r->error_message.p ? r->error_message.len : -1);
    if (ver >= 1) wbuf_i8(wb, r->endpoint_type);
    wbuf_compact_str(wb, r->cluster_id.p, r->cluster_id.len);
    wbuf_i32(wb, r->controller_id);
    wbuf_array_len(wb, true, r->nbrokers);
    for (int32_t i = 0; i < r->nbrokers; i++) {
        const kp_describecluster_broker_t *b = &r->brokers[i];
        wbuf_i32(wb, b->broker_id);
        wbuf_compact_str(wb, b->host.p, b->host.len);
        wbuf_i32(wb, b->port);
        wbuf_compact_str(wb, b->rack.p, b->rack.len);
        wbuf_tags(wb, true);
    }
    wbuf_i32(wb, r->cluster_authorized_operations);
    wbuf_tags(wb, true);
}
