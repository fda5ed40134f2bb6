/* api_describecluster.c: DescribeCluster (KIP-700): live brokers on the client's listener,
 * cluster id and controller id, from the metadata cache. */
#include <string.h>

#include "api.h"
#include "mdcache.h"
#include "proto/kp_describecluster.h"
#include "api_env.h"

void api_describecluster(req_t *r, rbuf_t *rb)
{
    api_env_t *env = r->env;
    kp_describecluster_req_t req;
    if (kp_describecluster_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed DescribeCluster request");
        return;
    }
    kp_describecluster_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.endpoint_type = req.endpoint_type;
    if (r->hdr.api_version >= 1 && req.endpoint_type != 1) {
        /* Only broker endpoints (1) exist in a ZooKeeper-mode cluster. */
        resp.error_code = KERR_INVALID_REQUEST;
    }
    resp.cluster_id = (kstr_t){env->cluster_id, (int32_t)strlen(env->cluster_id)};
    resp.controller_id = mdcache_controller(env->md);
    resp.cluster_authorized_operations = INT32_MIN;
    int nb;
    const md_broker_t *b = mdcache_brokers(env->md, &nb);
    resp.brokers = arena_calloc(&r->arena, (size_t)nb, sizeof(*resp.brokers));
    const char *listener = conn_listener(r->c)->name;
    for (int i = 0; i < nb; i++) {
        const md_endpoint_t *ep = md_broker_endpoint(&b[i], listener);
        if (!ep) continue;
        kp_describecluster_broker_t *o = &resp.brokers[resp.nbrokers++];
        o->broker_id = b[i].id;
        o->host = (kstr_t){ep->host, (int32_t)strlen(ep->host)};
        o->port = ep->port;
        o->rack = b[i].rack[0] ? (kstr_t){b[i].rack, (int32_t)strlen(b[i].rack)} : KSTR_NULL;
    }
    kp_describecluster_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}
