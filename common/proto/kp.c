/* kp.c: request and response headers. */
#include "kp.h"

kerr_t kp_req_hdr_peek(const uint8_t *frame, size_t len, kp_req_hdr_t *h)
{
    rbuf_t rb;
    rbuf_init(&rb, frame, len);
    h->api_key = rbuf_i16(&rb);
    h->api_version = rbuf_i16(&rb);
    h->correlation_id = rbuf_i32(&rb);
    h->client_id = KSTR_NULL;
    return rbuf_err(&rb) ? KERR__BAD_MSG : KERR_NONE;
}

kerr_t kp_req_hdr_decode(rbuf_t *rb, bool flexible_hdr, kp_req_hdr_t *h)
{
    h->api_key = rbuf_i16(rb);
    h->api_version = rbuf_i16(rb);
    h->correlation_id = rbuf_i32(rb);
    h->client_id = rbuf_str(rb); /* header v1 and v2 both use a non-compact string */
    if (flexible_hdr) rbuf_skip_tags(rb);
    return rbuf_err(rb) ? KERR__BAD_MSG : KERR_NONE;
}

void kp_req_hdr_encode(wbuf_t *wb, bool flexible_hdr, const kp_req_hdr_t *h)
{
    wbuf_i16(wb, h->api_key);
    wbuf_i16(wb, h->api_version);
    wbuf_i32(wb, h->correlation_id);
    wbuf_str(wb, h->client_id.p, h->client_id.len);
    wbuf_tags(wb, flexible_hdr);
}

void kp_resp_hdr_encode(wbuf_t *wb, bool flexible_hdr, int32_t correlation_id)
{
    wbuf_i32(wb, correlation_id);
    wbuf_tags(wb, flexible_hdr);
}
