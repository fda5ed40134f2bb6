/* kp.c: request and response headers. */
#include "kp.h"

#include <string.h>

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

/* Kafka's ApiKeys in key order (0..69). */
static const char *const kp_api_names[] = {
    "Produce",
    "Fetch",
    "ListOffsets",
    "Metadata",
    "LeaderAndIsr",
    "StopReplica",
    "UpdateMetadata",
    "ControlledShutdown",
    "OffsetCommit",
    "OffsetFetch",
    "FindCoordinator",
    "JoinGroup",
    "Heartbeat",
    "LeaveGroup",
    "SyncGroup",
    "DescribeGroups",
    "ListGroups",
    "SaslHandshake",
    "ApiVersions",
    "CreateTopics",
    "DeleteTopics",
    "DeleteRecords",
    "InitProducerId",
    "OffsetForLeaderEpoch",
    "AddPartitionsToTxn",
    "AddOffsetsToTxn",
    "EndTxn",
    "WriteTxnMarkers",
    "TxnOffsetCommit",
    "DescribeAcls",
    "CreateAcls",
    "DeleteAcls",
    "DescribeConfigs",
    "AlterConfigs",
    "AlterReplicaLogDirs",
    "DescribeLogDirs",
    "SaslAuthenticate",
    "CreatePartitions",
    "CreateDelegationToken",
    "RenewDelegationToken",
    "ExpireDelegationToken",
    "DescribeDelegationToken",
    "DeleteGroups",
    "ElectLeaders",
    "IncrementalAlterConfigs",
    "AlterPartitionReassignments",
    "ListPartitionReassignments",
    "OffsetDelete",
    "DescribeClientQuotas",
    "AlterClientQuotas",
    "DescribeUserScramCredentials",
    "AlterUserScramCredentials",
    "Vote",
    "BeginQuorumEpoch",
    "EndQuorumEpoch",
    "DescribeQuorum",
    "AlterPartition",
    "UpdateFeatures",
    "Envelope",
    "FetchSnapshot",
    "DescribeCluster",
    "DescribeProducers",
    "BrokerRegistration",
    "BrokerHeartbeat",
    "UnregisterBroker",
    "DescribeTransactions",
    "ListTransactions",
    "AllocateProducerIds",
    "ConsumerGroupHeartbeat",
    "ConsumerGroupDescribe",
};

const char *kp_api_name(int16_t key)
{
    if (key < 0 || (size_t)key >= sizeof(kp_api_names) / sizeof(kp_api_names[0])) return NULL;
    return kp_api_names[key];
}

void kp_resp_hdr_encode(wbuf_t *wb, bool flexible_hdr, int32_t correlation_id)
{
    wbuf_i32(wb, correlation_id);
    wbuf_tags(wb, flexible_hdr);
}

void *kp_array_alloc(rbuf_t *rb, bool flexible, size_t min_elem, arena_t *a, size_t elem_size,
                     int32_t *n)
{
    int32_t len = rbuf_array_len(rb, flexible, min_elem);
    if (len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    *n = rbuf_err(rb) ? 0 : len;
    return *n > 0 ? arena_calloc(a, (size_t)*n, elem_size) : NULL;
}

kstr_t *kp_strs_decode(rbuf_t *rb, bool flexible, arena_t *a, int32_t *n)
{
    kstr_t *s = kp_array_alloc(rb, flexible, 1, a, sizeof(kstr_t), n);
    for (int32_t i = 0; i < *n && !rbuf_err(rb); i++) {
        s[i] = rbuf_str_f(rb, flexible);
        if (s[i].len < 0) rbuf_fail(rb, KERR__BAD_MSG);
    }
    return s;
}

void kp_strs_encode(wbuf_t *wb, bool flexible, int32_t n, const kstr_t *s)
{
    wbuf_array_len(wb, flexible, n);
    for (int32_t i = 0; i < n; i++) wbuf_kstr_f(wb, flexible, s[i]);
}

int32_t *kp_i32s_decode(rbuf_t *rb, bool flexible, arena_t *a, int32_t *n)
{
    int32_t *v = kp_array_alloc(rb, flexible, 4, a, sizeof(int32_t), n);
    for (int32_t i = 0; i < *n && !rbuf_err(rb); i++) v[i] = rbuf_i32(rb);
    return v;
}

void kp_i32s_encode(wbuf_t *wb, bool flexible, int32_t n, const int32_t *v)
{
    wbuf_array_len(wb, flexible, n);
    for (int32_t i = 0; i < n; i++) wbuf_i32(wb, v[i]);
}

void kp_topic_parts_decode(rbuf_t *rb, bool flexible, arena_t *a, bool name_required,
                           kp_topic_parts_t *t, int32_t n)
{
    for (int32_t i = 0; i < n && !rbuf_err(rb); i++) {
        t[i].name = rbuf_str_f(rb, flexible);
        if (name_required && t[i].name.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        t[i].parts = kp_i32s_decode(rb, flexible, a, &t[i].nparts);
        if (flexible) rbuf_skip_tags(rb);
    }
}

void kp_topic_parts_encode(wbuf_t *wb, bool flexible, int32_t n, const kp_topic_parts_t *t)
{
    wbuf_array_len(wb, flexible, n);
    for (int32_t i = 0; i < n; i++) {
        wbuf_kstr_f(wb, flexible, t[i].name);
        kp_i32s_encode(wb, flexible, t[i].nparts, t[i].parts);
        wbuf_tags(wb, flexible);
    }
}

void kp_topic_errs_encode(wbuf_t *wb, bool flexible, int32_t n, const kp_topic_errs_t *t)
{
    wbuf_array_len(wb, flexible, n);
    for (int32_t i = 0; i < n; i++) {
        wbuf_kstr_f(wb, flexible, t[i].name);
        wbuf_array_len(wb, flexible, t[i].nparts);
        for (int32_t j = 0; j < t[i].nparts; j++) {
            wbuf_i32(wb, t[i].parts[j].partition_index);
            wbuf_i16(wb, t[i].parts[j].error_code);
            wbuf_tags(wb, flexible);
        }
        wbuf_tags(wb, flexible);
    }
}

double kp_f64_decode(rbuf_t *rb)
{
    uint64_t bits = (uint64_t)rbuf_i64(rb);
    double v;
    memcpy(&v, &bits, sizeof(v));
    return v;
}

void kp_f64_encode(wbuf_t *wb, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    wbuf_i64(wb, (int64_t)bits);
}

kp_quota_entity_t *kp_quota_entity_decode(rbuf_t *rb, bool f, arena_t *a, int32_t *n)
{
    /* smallest: type length + name length (+ tags) */
    kp_quota_entity_t *e = kp_array_alloc(rb, f, 2, a, sizeof(*e), n);
    for (int32_t i = 0; i < *n && !rbuf_err(rb); i++) {
        e[i].entity_type = rbuf_str_f(rb, f);
        if (e[i].entity_type.len < 0) rbuf_fail(rb, KERR__BAD_MSG);
        e[i].entity_name = rbuf_str_f(rb, f);
        if (f) rbuf_skip_tags(rb);
    }
    return e;
}

void kp_quota_entity_encode(wbuf_t *wb, bool f, int32_t n, const kp_quota_entity_t *e)
{
    wbuf_array_len(wb, f, n);
    for (int32_t i = 0; i < n; i++) {
        wbuf_kstr_f(wb, f, e[i].entity_type);
        wbuf_kstr_f(wb, f, e[i].entity_name);
        wbuf_tags(wb, f);
    }
}
