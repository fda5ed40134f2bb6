/* api.c: the dispatch table and request-header handling. The table below is what ApiVersions
 * advertises: an API is listed only when every listed version is served correctly. */
#include "api.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "proto/kp.h"
#include "sasl.h"
#include "api_env.h"

#define NOFLEX INT16_MAX

static const api_def_t api_defs[] = {
    /* key                        min max flexible_from handler */
    {KAPI_PRODUCE, 0, 9, 9, api_produce},
    {KAPI_FETCH, 4, 12, 12, api_fetch},
    {KAPI_LIST_OFFSETS, 1, 7, 6, api_listoffsets},
    {KAPI_METADATA, 0, 12, 9, api_metadata},
    {KAPI_LEADER_AND_ISR, 5, 5, 4, api_leaderandisr},
    {KAPI_STOP_REPLICA, 3, 3, 2, api_stopreplica},
    {KAPI_UPDATE_METADATA, 7, 7, 6, api_updatemetadata},
    {KAPI_CONTROLLED_SHUTDOWN, 3, 3, 3, api_controlledshutdown},
    {KAPI_OFFSET_COMMIT, 2, 9, 8, api_offsetcommit},
    {KAPI_OFFSET_FETCH, 1, 7, 6, api_offsetfetch},
    {KAPI_FIND_COORDINATOR, 0, 4, 3, api_findcoordinator},
    {KAPI_JOIN_GROUP, 0, 7, 6, api_joingroup},
    {KAPI_HEARTBEAT, 0, 4, 4, api_heartbeat},
    {KAPI_LEAVE_GROUP, 0, 4, 4, api_leavegroup},
    {KAPI_SYNC_GROUP, 0, 5, 4, api_syncgroup},
    {KAPI_DESCRIBE_GROUPS, 0, 5, 5, api_describegroups},
    {KAPI_LIST_GROUPS, 0, 5, 3, api_listgroups},
    {KAPI_API_VERSIONS, 0, 3, 3, api_apiversions},
    {KAPI_SASL_HANDSHAKE, 0, 1, NOFLEX, sasl_handshake},
    {KAPI_SASL_AUTHENTICATE, 0, 2, 2, sasl_authenticate},
    {KAPI_CREATE_TOPICS, 0, 7, 5, api_createtopics},
    {KAPI_DELETE_TOPICS, 0, 6, 4, api_deletetopics},
    {KAPI_DELETE_RECORDS, 0, 2, 2, api_deleterecords},
    {KAPI_INIT_PRODUCER_ID, 0, 4, 2, api_initproducerid},
    {KAPI_OFFSET_FOR_LEADER_EPOCH, 0, 4, 4, api_offsetforleaderepoch},
    {KAPI_ADD_PARTITIONS_TO_TXN, 0, 3, 3, api_addpartitionstotxn},
    {KAPI_ADD_OFFSETS_TO_TXN, 0, 3, 3, api_addoffsetstotxn},
    {KAPI_END_TXN, 0, 3, 3, api_endtxn},
    {KAPI_WRITE_TXN_MARKERS, 0, 1, 1, api_writetxnmarkers},
    {KAPI_TXN_OFFSET_COMMIT, 0, 3, 3, api_txnoffsetcommit},
    {KAPI_DESCRIBE_ACLS, 0, 3, 2, api_describeacls},
    {KAPI_CREATE_ACLS, 0, 3, 2, api_createacls},
    {KAPI_DELETE_ACLS, 0, 3, 2, api_deleteacls},
    {KAPI_DESCRIBE_CONFIGS, 0, 4, 4, api_describeconfigs},
    {KAPI_ALTER_CONFIGS, 0, 2, 2, api_alterconfigs},
    {KAPI_ALTER_REPLICA_LOG_DIRS, 0, 2, 2, api_alterreplicalogdirs},
    {KAPI_DESCRIBE_LOG_DIRS, 0, 4, 2, api_describelogdirs},
    {KAPI_CREATE_PARTITIONS, 0, 3, 2, api_createpartitions},
    {KAPI_DELETE_GROUPS, 0, 2, 2, api_deletegroups},
    {KAPI_ELECT_LEADERS, 0, 2, 2, api_electleaders},
    {KAPI_INCREMENTAL_ALTER_CONFIGS, 0, 1, 1, api_incrementalalterconfigs},
    {KAPI_ALTER_PARTITION_REASSIGNMENTS, 0, 0, 0, api_alterreassign},
    {KAPI_LIST_PARTITION_REASSIGNMENTS, 0, 0, 0, api_listreassign},
    {KAPI_OFFSET_DELETE, 0, 0, NOFLEX, api_offsetdelete},
    {KAPI_DESCRIBE_CLIENT_QUOTAS, 0, 1, 1, api_describeclientquotas},
    {KAPI_ALTER_CLIENT_QUOTAS, 0, 1, 1, api_alterclientquotas},
    {KAPI_DESCRIBE_USER_SCRAM_CREDENTIALS, 0, 0, 0, api_describescram},
    {KAPI_ALTER_USER_SCRAM_CREDENTIALS, 0, 0, 0, api_alterscram},
    {KAPI_ALTER_PARTITION, 1, 1, 0, api_alterpartition},
    {KAPI_DESCRIBE_CLUSTER, 0, 1, 0, api_describecluster},
    {KAPI_DESCRIBE_PRODUCERS, 0, 0, 0, api_describeproducers},
    {KAPI_DESCRIBE_TRANSACTIONS, 0, 0, 0, api_describetransactions},
    {KAPI_LIST_TRANSACTIONS, 0, 1, 0, api_listtransactions},
    {KAPI_CONSUMER_GROUP_HEARTBEAT, 0, 1, 0, api_consumergroupheartbeat},
    {KAPI_CONSUMER_GROUP_DESCRIBE, 0, 1, 0, api_consumergroupdescribe},
};

const api_def_t *api_table(int *n)
{
    *n = (int)(sizeof(api_defs) / sizeof(api_defs[0]));
    return api_defs;
}

const api_def_t *api_lookup(int16_t key)
{
    for (size_t i = 0; i < sizeof(api_defs) / sizeof(api_defs[0]); i++)
        if (api_defs[i].key == key) return &api_defs[i];
    return NULL;
}

void api_dispatch(req_t *r)
{
    kp_req_hdr_t peek;
    if (kp_req_hdr_peek(r->frame, r->frame_len, &peek) != KERR_NONE) {
        req_fail(r, "request header too short");
        return;
    }
    r->hdr = peek;
    const api_def_t *d = api_lookup(peek.api_key);
    bool supported = d && peek.api_version >= d->min && peek.api_version <= d->max;
    if (!supported && peek.api_key == KAPI_API_VERSIONS) {
        /* KIP-511: an unknown ApiVersions version is answered in v0 format with
         * UNSUPPORTED_VERSION and our ranges, so the client can pick a version. */
        r->flexible = false;
        wbuf_reserve_i32(&r->resp);
        kp_resp_hdr_encode(&r->resp, false, peek.correlation_id);
        r->hdr.api_version = 0;
        api_apiversions(r, NULL);
        return;
    }
    if (!supported) {
        char why[96];
        snprintf(why, sizeof(why), "%s version %d not supported", d ? "API" : "unknown API key",
                 peek.api_version);
        req_fail(r, why);
        return;
    }
    r->flexible = peek.api_version >= d->flexible_from;
    rbuf_t rb;
    rbuf_init(&rb, r->frame, r->frame_len);
    if (kp_req_hdr_decode(&rb, r->flexible, &r->hdr) != KERR_NONE) {
        req_fail(r, "malformed request header");
        return;
    }
    /* Response header v0 for ApiVersions always (clients parse it before knowing versions). */
    bool flex_resp_hdr = r->flexible && peek.api_key != KAPI_API_VERSIONS;
    wbuf_reserve_i32(&r->resp);
    kp_resp_hdr_encode(&r->resp, flex_resp_hdr, peek.correlation_id);
    d->handler(r, &rb);
}

void api_client_host(const req_t *r, char *out, size_t n)
{
    snprintf(out, n, "%s", r->c ? conn_peer(r->c) : "");
    char *colon = strrchr(out, ':');
    if (colon) *colon = '\0';
}
