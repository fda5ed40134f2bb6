/* check_proto.c: the protocol codecs: requests built byte by byte decode to the right fields
 * in old and flexible versions, every truncated prefix fails cleanly, bad counts and lengths
 * are refused, and responses encode to the expected layout. */
#include <check.h>
#include <stdlib.h>
#include <unistd.h>

#include "proto/kp.h"
#include "proto/kp_alterconfigs.h"
#include "proto/kp_alterreplicalogdirs.h"
#include "proto/kp_apiversions.h"
#include "proto/kp_createpartitions.h"
#include "proto/kp_createtopics.h"
#include "proto/kp_deleterecords.h"
#include "proto/kp_deletetopics.h"
#include "proto/kp_describelogdirs.h"
#include "proto/kp_describecluster.h"
#include "proto/kp_describeconfigs.h"
#include "proto/kp_fetch.h"
#include "proto/kp_incrementalalterconfigs.h"
#include "proto/kp_listoffsets.h"
#include "proto/kp_metadata.h"
#include "proto/kp_produce.h"
#include "proto/kp_reassign.h"
#include "testutil.h"

START_TEST(test_apiversions_response_v0_and_v3_bytes)
{
    kp_apiversions_api_t apis[] = {{0, 0, 9}, {18, 0, 3}};
    kp_apiversions_resp_t r = {.error_code = 0, .napis = 2, .apis = apis, .throttle_time_ms = 0};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_apiversions_resp_encode(&wb, 0, &r);
    const uint8_t v0[] = {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 9, 0, 18, 0, 0, 0, 3};
    ck_assert_uint_eq(wb.len, sizeof(v0));
    ck_assert(memcmp(wb.p, v0, sizeof(v0)) == 0);
    wbuf_reset(&wb);
    kp_apiversions_resp_encode(&wb, 3, &r);
    const uint8_t v3[] = {0, 0, 3, 0, 0, 0, 0, 0, 9, 0, 0, 18, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0};
    ck_assert_uint_eq(wb.len, sizeof(v3));
    ck_assert(memcmp(wb.p, v3, sizeof(v3)) == 0);
    wbuf_free(&wb);
}
END_TEST

/* The client side used by kafka-topics (topic ids): a request encoded in every version decodes
 * to the same request, and a response encoded by the broker's encoder decodes field for field;
 * every strict prefix of a response fails. */
START_TEST(test_metadata_client_side_round_trips)
{
    for (int16_t ver = 0; ver <= 12; ver++) {
        uint8_t id[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
        kp_metadata_req_topic_t rt[2] = {{.name = KSTR("alpha")}, {.name = KSTR("b")}};
        memcpy(rt[1].topic_id, id, 16);
        kp_metadata_req_t req = {.ntopics = 2,
                                 .topics = rt,
                                 .allow_auto_topic_creation = false,
                                 .include_topic_authorized_operations = true};
        wbuf_t wb;
        wbuf_init(&wb);
        kp_metadata_req_encode(&wb, ver, &req);
        kp_metadata_req_t back;
        tu_decode_prefixes(TU_DEC(kp_metadata_req_decode), ver, &wb, &back);
        ck_assert_int_eq(back.ntopics, 2);
        ck_assert(kstr_eq(back.topics[0].name, "alpha") && kstr_eq(back.topics[1].name, "b"));
        ck_assert(ver < 10 || memcmp(back.topics[1].topic_id, id, 16) == 0);
        ck_assert(back.allow_auto_topic_creation == (ver < 4));
        ck_assert(back.include_topic_authorized_operations == (ver >= 8));

        int32_t reps[3] = {1, 2, 3}, isr[2] = {1, 3}, off[1] = {2};
        kp_metadata_part_resp_t parts[2] = {
            {.partition_index = 0,
             .leader_id = 1,
             .leader_epoch = 4,
             .nreplicas = 3,
             .replica_nodes = reps,
             .nisr = 2,
             .isr_nodes = isr,
             .noffline = 1,
             .offline_replicas = off},
            {.error_code = 5,
             .partition_index = 1,
             .leader_id = -1,
             .leader_epoch = 7,
             .nreplicas = 3,
             .replica_nodes = reps},
        };
        kp_metadata_topic_resp_t topics[2] = {
            {.name = KSTR("alpha"), .is_internal = true, .nparts = 2, .parts = parts},
            {.error_code = 3, .name = KSTR("b")},
        };
        memcpy(topics[0].topic_id, id, 16);
        kp_metadata_broker_t brokers[2] = {{1, KSTR("h1"), 9092, KSTR("r1")},
                                           {2, KSTR("host-two"), 9093, KSTR_NULL}};
        kp_metadata_resp_t resp = {.throttle_time_ms = 11,
                                   .nbrokers = 2,
                                   .brokers = brokers,
                                   .cluster_id = KSTR("cid"),
                                   .controller_id = 2,
                                   .ntopics = 2,
                                   .topics = topics};
        wbuf_reset(&wb);
        kp_metadata_resp_encode(&wb, ver, &resp);
        kp_metadata_resp_t r;
        tu_decode_prefixes(TU_DEC(kp_metadata_resp_decode), ver, &wb, &r);
        ck_assert_int_eq(r.throttle_time_ms, ver >= 3 ? 11 : 0);
        ck_assert_int_eq(r.nbrokers, 2);
        ck_assert(kstr_eq(r.brokers[1].host, "host-two") && r.brokers[1].port == 9093);
        ck_assert(ver < 1 ? r.brokers[0].rack.len == -1 : kstr_eq(r.brokers[0].rack, "r1"));
        ck_assert(ver < 2 ? r.cluster_id.len == -1 : kstr_eq(r.cluster_id, "cid"));
        ck_assert_int_eq(r.controller_id, ver >= 1 ? 2 : -1);
        ck_assert_int_eq(r.ntopics, 2);
        ck_assert(kstr_eq(r.topics[0].name, "alpha") && r.topics[0].nparts == 2);
        ck_assert(ver < 10 || memcmp(r.topics[0].topic_id, id, 16) == 0);
        ck_assert(r.topics[0].is_internal == (ver >= 1));
        ck_assert_int_eq(r.topics[1].error_code, 3);
        const kp_metadata_part_resp_t *p = &r.topics[0].parts[0];
        ck_assert(p->leader_id == 1 && p->nreplicas == 3 && p->replica_nodes[2] == 3);
        ck_assert(p->nisr == 2 && p->isr_nodes[1] == 3);
        ck_assert_int_eq(p->noffline, ver >= 5 ? 1 : 0);
        ck_assert_int_eq(p->leader_epoch, ver >= 7 ? 4 : -1);
        ck_assert_int_eq(r.topics[0].parts[1].error_code, 5);
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_metadata_request_versions)
{
    kp_metadata_req_t req;
    wbuf_t wb;
    wbuf_init(&wb);
    /* v1: null array = all topics */
    wbuf_i32(&wb, -1);
    tu_decode_prefixes(TU_DEC(kp_metadata_req_decode), 1, &wb, &req);
    ck_assert_int_eq(req.ntopics, -1);
    /* v4: two topics, no auto-creation */
    wbuf_reset(&wb);
    wbuf_i32(&wb, 2);
    wbuf_str(&wb, "a", 1);
    wbuf_str(&wb, "bb", 2);
    wbuf_bool(&wb, false);
    tu_decode_prefixes(TU_DEC(kp_metadata_req_decode), 4, &wb, &req);
    ck_assert_int_eq(req.ntopics, 2);
    ck_assert(kstr_eq(req.topics[1].name, "bb"));
    ck_assert(!req.allow_auto_topic_creation);
    /* v12 flexible: topic_id + compact nullable name, tags */
    wbuf_reset(&wb);
    wbuf_uvarint(&wb, 2); /* 1 topic */
    uint8_t id[16] = {1, 2, 3};
    wbuf_uuid(&wb, id);
    wbuf_compact_str(&wb, "top", 3);
    wbuf_tags(&wb, true);
    wbuf_bool(&wb, true);
    wbuf_bool(&wb, false);
    wbuf_tags(&wb, true);
    tu_decode_prefixes(TU_DEC(kp_metadata_req_decode), 12, &wb, &req);
    ck_assert(kstr_eq(req.topics[0].name, "top"));
    ck_assert_int_eq(req.topics[0].topic_id[2], 3);
    /* a negative count other than -1, and a count bigger than the bytes */
    wbuf_reset(&wb);
    wbuf_i32(&wb, -5);
    rbuf_t rb;
    arena_t a;
    arena_init(&a);
    rbuf_init(&rb, wb.p, wb.len);
    ck_assert_int_eq(kp_metadata_req_decode(&rb, 1, &a, &req), KERR__BAD_MSG);
    wbuf_reset(&wb);
    wbuf_i32(&wb, 1000000);
    rbuf_init(&rb, wb.p, wb.len);
    ck_assert_int_eq(kp_metadata_req_decode(&rb, 1, &a, &req), KERR__BAD_MSG);
    arena_free(&a);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_produce_request_v3_and_v9)
{
    kp_produce_req_t req;
    wbuf_t wb;
    wbuf_init(&wb);
    wbuf_str(&wb, NULL, -1); /* transactional id */
    wbuf_i16(&wb, -1);
    wbuf_i32(&wb, 1500);
    wbuf_i32(&wb, 1);
    wbuf_str(&wb, "t", 1);
    wbuf_i32(&wb, 1);
    wbuf_i32(&wb, 4);
    wbuf_bytes_f(&wb, false, "RECS", 4);
    tu_decode_prefixes(TU_DEC(kp_produce_req_decode), 3, &wb, &req);
    ck_assert_int_eq(req.acks, -1);
    ck_assert_int_eq(req.timeout_ms, 1500);
    ck_assert_int_eq(req.topics[0].parts[0].index, 4);
    ck_assert_int_eq(req.topics[0].parts[0].records.len, 4);
    wbuf_reset(&wb);
    wbuf_compact_str(&wb, "txn", 3);
    wbuf_i16(&wb, 1);
    wbuf_i32(&wb, 10);
    wbuf_uvarint(&wb, 2);
    wbuf_compact_str(&wb, "t", 1);
    wbuf_uvarint(&wb, 2);
    wbuf_i32(&wb, 0);
    wbuf_compact_str(&wb, "xy", 2);
    wbuf_tags(&wb, true);
    wbuf_tags(&wb, true);
    wbuf_tags(&wb, true);
    tu_decode_prefixes(TU_DEC(kp_produce_req_decode), 9, &wb, &req);
    ck_assert(kstr_eq(req.transactional_id, "txn"));
    ck_assert_int_eq(req.topics[0].parts[0].records.len, 2);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_fetch_request_and_response_with_file_range)
{
    kp_fetch_req_t req;
    wbuf_t wb;
    wbuf_init(&wb);
    /* v11 */
    wbuf_i32(&wb, -1);
    wbuf_i32(&wb, 500);
    wbuf_i32(&wb, 1);
    wbuf_i32(&wb, 52428800);
    wbuf_i8(&wb, 0);
    wbuf_i32(&wb, 0);
    wbuf_i32(&wb, -1);
    wbuf_i32(&wb, 1);
    wbuf_str(&wb, "t", 1);
    wbuf_i32(&wb, 1);
    wbuf_i32(&wb, 2);     /* partition */
    wbuf_i32(&wb, 5);     /* current leader epoch (v9+) */
    wbuf_i64(&wb, 77);    /* fetch offset */
    wbuf_i64(&wb, -1);    /* log start offset */
    wbuf_i32(&wb, 1000);  /* partition max bytes */
    wbuf_i32(&wb, 0);     /* forgotten topics */
    wbuf_str(&wb, "", 0); /* rack */
    tu_decode_prefixes(TU_DEC(kp_fetch_req_decode), 11, &wb, &req);
    ck_assert_int_eq(req.max_wait_ms, 500);
    ck_assert_int_eq(req.topics[0].parts[0].fetch_offset, 77);
    ck_assert_int_eq(req.topics[0].parts[0].current_leader_epoch, 5);
    ck_assert_int_eq(req.session_epoch, -1);
    /* response: the records of partition 0 come from a file range */
    kp_fetch_part_resp_t p = {.partition_index = 2,
                              .high_watermark = 100,
                              .naborted = -1,
                              .preferred_read_replica = -1,
                              .rec_fd = dup(0),
                              .rec_off = 4096,
                              .rec_flen = 300};
    kp_fetch_topic_resp_t t = {.topic = KSTR("t"), .nparts = 1, .parts = &p};
    kp_fetch_resp_t resp = {.ntopics = 1, .topics = &t};
    wbuf_reset(&wb);
    kp_fetch_resp_encode(&wb, 11, &resp);
    ck_assert_uint_eq(wb.nfiles, 1);
    ck_assert_uint_eq(wb.files[0].off, 4096);
    ck_assert_uint_eq(wb.files[0].len, 300);
    ck_assert_uint_eq(wb.files[0].at, wb.len); /* records are the last thing */
    /* the 4 bytes before the range hold its length */
    ck_assert_uint_eq(wb.p[wb.len - 1], 300 & 0xff);
    ck_assert_uint_eq(wbuf_total(&wb), wb.len + 300);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_listoffsets_request)
{
    kp_listoffsets_req_t req;
    wbuf_t wb;
    wbuf_init(&wb);
    wbuf_i32(&wb, -1);
    wbuf_i8(&wb, 1);
    wbuf_uvarint(&wb, 2);
    wbuf_compact_str(&wb, "t", 1);
    wbuf_uvarint(&wb, 2);
    wbuf_i32(&wb, 0);
    wbuf_i32(&wb, -1);
    wbuf_i64(&wb, -2);
    wbuf_tags(&wb, true);
    wbuf_tags(&wb, true);
    wbuf_tags(&wb, true);
    tu_decode_prefixes(TU_DEC(kp_listoffsets_req_decode), 6, &wb, &req);
    ck_assert_int_eq(req.isolation_level, 1);
    ck_assert_int_eq(req.topics[0].parts[0].timestamp, -2);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_reassignment_codecs_round_trip)
{
    int32_t target[] = {2, 3, 4};
    kp_reassign_part_t parts[] = {{0, 3, target}, {1, -1, NULL}}; /* a move and a cancel */
    kp_reassign_topic_t topic = {KSTR("t"), 2, parts};
    kp_reassign_req_t req = {.timeout_ms = 5000, .ntopics = 1, .topics = &topic};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_reassign_req_encode(&wb, 0, &req);
    kp_reassign_req_t back;
    tu_decode_prefixes(TU_DEC(kp_reassign_req_decode), 0, &wb, &back);
    ck_assert_int_eq(back.timeout_ms, 5000);
    ck_assert(kstr_eq(back.topics[0].name, "t"));
    ck_assert_int_eq(back.topics[0].parts[0].nreplicas, 3);
    ck_assert_int_eq(back.topics[0].parts[0].replicas[2], 4);
    ck_assert_int_eq(back.topics[0].parts[1].nreplicas, -1);

    kp_reassign_part_resp_t pr[] = {{0, 0, NULL}, {1, KERR_NO_REASSIGNMENT_IN_PROGRESS, "none"}};
    kp_reassign_topic_resp_t tr = {KSTR("t"), 2, pr};
    kp_reassign_resp_t resp = {.ntopics = 1, .topics = &tr};
    wbuf_reset(&wb);
    kp_reassign_resp_encode(&wb, 0, &resp);
    kp_reassign_resp_t rback;
    tu_decode_prefixes(TU_DEC(kp_reassign_resp_decode), 0, &wb, &rback);
    ck_assert_int_eq(rback.topics[0].parts[1].error_code, KERR_NO_REASSIGNMENT_IN_PROGRESS);
    ck_assert_str_eq(rback.topics[0].parts[1].error_message, "none");
    ck_assert_ptr_null(rback.error_message);

    int32_t idx[] = {0, 5};
    kp_topic_parts_t lt = {KSTR("t"), 2, idx};
    kp_listreassign_req_t lreq = {.timeout_ms = 1, .ntopics = 1, .topics = &lt};
    wbuf_reset(&wb);
    kp_listreassign_req_encode(&wb, 0, &lreq);
    kp_listreassign_req_t lback;
    tu_decode_prefixes(TU_DEC(kp_listreassign_req_decode), 0, &wb, &lback);
    ck_assert_int_eq(lback.topics[0].parts[1], 5);

    int32_t rs[] = {4, 2, 3, 1}, add[] = {4}, rem[] = {1};
    kp_listreassign_part_t lp = {0, 4, 1, 1, rs, add, rem};
    kp_listreassign_topic_t ltr = {KSTR("t"), 1, &lp};
    kp_listreassign_resp_t lresp = {.ntopics = 1, .topics = &ltr};
    wbuf_reset(&wb);
    kp_listreassign_resp_encode(&wb, 0, &lresp);
    kp_listreassign_resp_t lrback;
    tu_decode_prefixes(TU_DEC(kp_listreassign_resp_decode), 0, &wb, &lrback);
    ck_assert_int_eq(lrback.topics[0].parts[0].nreplicas, 4);
    ck_assert_int_eq(lrback.topics[0].parts[0].removing[0], 1);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_admin_requests)
{
    wbuf_t wb;
    wbuf_init(&wb);
    kp_createtopics_req_t ct;
    wbuf_i32(&wb, 1);
    wbuf_str(&wb, "new", 3);
    wbuf_i32(&wb, 3);
    wbuf_i16(&wb, 1);
    wbuf_i32(&wb, 0); /* assignments */
    wbuf_i32(&wb, 1); /* configs */
    wbuf_str(&wb, "retention.ms", 12);
    wbuf_str(&wb, "100", 3);
    wbuf_i32(&wb, 30000);
    wbuf_bool(&wb, true);
    tu_decode_prefixes(TU_DEC(kp_createtopics_req_decode), 1, &wb, &ct);
    ck_assert_int_eq(ct.topics[0].num_partitions, 3);
    ck_assert(kstr_eq(ct.topics[0].configs[0].value, "100"));
    ck_assert(ct.validate_only);

    kp_deletetopics_req_t dt;
    wbuf_reset(&wb);
    wbuf_i32(&wb, 2);
    wbuf_str(&wb, "a", 1);
    wbuf_str(&wb, "b", 1);
    wbuf_i32(&wb, 1000);
    tu_decode_prefixes(TU_DEC(kp_deletetopics_req_decode), 0, &wb, &dt);
    ck_assert_int_eq(dt.ntopics, 2);
    ck_assert(kstr_eq(dt.topics[1].name, "b"));

    kp_describeconfigs_req_t dc;
    wbuf_reset(&wb);
    wbuf_uvarint(&wb, 2);
    wbuf_i8(&wb, 2);
    wbuf_compact_str(&wb, "t", 1);
    wbuf_uvarint(&wb, 0); /* null keys */
    wbuf_tags(&wb, true);
    wbuf_bool(&wb, true);
    wbuf_bool(&wb, false);
    wbuf_tags(&wb, true);
    tu_decode_prefixes(TU_DEC(kp_describeconfigs_req_decode), 4, &wb, &dc);
    ck_assert_int_eq(dc.resources[0].nkeys, -1);
    ck_assert(dc.include_synonyms);

    kp_createpartitions_req_t cp;
    wbuf_reset(&wb);
    wbuf_i32(&wb, 1);
    wbuf_str(&wb, "t", 1);
    wbuf_i32(&wb, 6);
    wbuf_i32(&wb, -1);
    wbuf_i32(&wb, 5000);
    wbuf_bool(&wb, false);
    tu_decode_prefixes(TU_DEC(kp_createpartitions_req_decode), 0, &wb, &cp);
    ck_assert_int_eq(cp.topics[0].count, 6);
    ck_assert_int_eq(cp.topics[0].nassignments, -1);

    kp_describecluster_req_t dcl;
    wbuf_reset(&wb);
    wbuf_bool(&wb, false);
    wbuf_i8(&wb, 1);
    wbuf_tags(&wb, true);
    tu_decode_prefixes(TU_DEC(kp_describecluster_req_decode), 1, &wb, &dcl);
    ck_assert_int_eq(dcl.endpoint_type, 1);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_alterconfigs_and_incremental_every_version)
{
    wbuf_t wb;
    wbuf_init(&wb);
    kp_alterconfigs_req_t r;
    /* AlterConfigs v0/v1: one topic, a value and a null value */
    wbuf_i32(&wb, 1);
    wbuf_i8(&wb, 2);
    wbuf_str(&wb, "t", 1);
    wbuf_i32(&wb, 2);
    wbuf_str(&wb, "retention.ms", 12);
    wbuf_str(&wb, "100", 3);
    wbuf_str(&wb, "segment.ms", 10);
    wbuf_str(&wb, NULL, -1);
    wbuf_bool(&wb, true);
    for (int16_t v = 0; v <= 1; v++) {
        tu_decode_prefixes(TU_DEC(kp_alterconfigs_req_decode), v, &wb, &r);
        ck_assert_int_eq(r.resources[0].nconfigs, 2);
        ck_assert(kstr_eq(r.resources[0].configs[0].value, "100"));
        ck_assert_int_eq(r.resources[0].configs[1].value.len, -1);
        ck_assert_int_eq(r.resources[0].configs[0].config_operation, KP_CONFIG_OP_SET);
        ck_assert(r.validate_only);
    }
    /* AlterConfigs v2 and IncrementalAlterConfigs v1 (flexible; the latter with operations) */
    for (int incremental = 0; incremental <= 1; incremental++) {
        wbuf_reset(&wb);
        wbuf_uvarint(&wb, 2);
        wbuf_i8(&wb, 4);
        wbuf_compact_str(&wb, "1", 1);
        wbuf_uvarint(&wb, 2);
        wbuf_compact_str(&wb, "cleanup.policy", 14);
        if (incremental) wbuf_i8(&wb, KP_CONFIG_OP_APPEND);
        wbuf_compact_str(&wb, "compact", 7);
        wbuf_tags(&wb, true);
        wbuf_tags(&wb, true);
        wbuf_bool(&wb, false);
        wbuf_tags(&wb, true);
        if (incremental)
            tu_decode_prefixes(TU_DEC(kp_incrementalalterconfigs_req_decode), 1, &wb, &r);
        else
            tu_decode_prefixes(TU_DEC(kp_alterconfigs_req_decode), 2, &wb, &r);
        ck_assert_int_eq(r.resources[0].resource_type, 4);
        ck_assert_int_eq(r.resources[0].configs[0].config_operation,
                         incremental ? KP_CONFIG_OP_APPEND : KP_CONFIG_OP_SET);
        ck_assert(!r.validate_only);
    }
    /* IncrementalAlterConfigs v0 */
    wbuf_reset(&wb);
    wbuf_i32(&wb, 1);
    wbuf_i8(&wb, 2);
    wbuf_str(&wb, "t", 1);
    wbuf_i32(&wb, 1);
    wbuf_str(&wb, "retention.ms", 12);
    wbuf_i8(&wb, KP_CONFIG_OP_DELETE);
    wbuf_str(&wb, NULL, -1);
    wbuf_bool(&wb, false);
    tu_decode_prefixes(TU_DEC(kp_incrementalalterconfigs_req_decode), 0, &wb, &r);
    ck_assert_int_eq(r.resources[0].configs[0].config_operation, KP_CONFIG_OP_DELETE);

    /* responses: v0 (int32 arrays, int16 strings) and flexible (compact, tags) */
    kp_alterconfigs_resource_resp_t res = {
        .error_code = 40, .error_message = "bad", .resource_type = 2, .resource_name = KSTR("t")};
    kp_alterconfigs_resp_t resp = {.throttle_time_ms = 0, .nresponses = 1, .responses = &res};
    wbuf_reset(&wb);
    kp_alterconfigs_resp_encode(&wb, 1, &resp);
    static const uint8_t v0[] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 40, 0, 3, 'b', 'a', 'd', 2, 0, 1, 't'};
    ck_assert_uint_eq(wb.len, sizeof(v0));
    ck_assert_mem_eq(wb.p, v0, sizeof(v0));
    wbuf_reset(&wb);
    kp_incrementalalterconfigs_resp_encode(&wb, 1, &resp);
    static const uint8_t v1[] = {0, 0, 0, 0, 2, 0, 40, 4, 'b', 'a', 'd', 2, 2, 't', 0, 0};
    ck_assert_uint_eq(wb.len, sizeof(v1));
    ck_assert_mem_eq(wb.p, v1, sizeof(v1));
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_deleterecords_every_version)
{
    for (int16_t ver = 0; ver <= 2; ver++) {
        bool f = ver >= 2;
        wbuf_t wb;
        wbuf_init(&wb);
        wbuf_array_len(&wb, f, 1);
        wbuf_str_f(&wb, f, "orders", 6);
        wbuf_array_len(&wb, f, 2);
        wbuf_i32(&wb, 0);
        wbuf_i64(&wb, 3);
        wbuf_tags(&wb, f);
        wbuf_i32(&wb, 2);
        wbuf_i64(&wb, -1);
        wbuf_tags(&wb, f);
        wbuf_tags(&wb, f);
        wbuf_i32(&wb, 30000);
        wbuf_tags(&wb, f);
        kp_deleterecords_req_t req;
        tu_decode_prefixes(TU_DEC(kp_deleterecords_req_decode), ver, &wb, &req);
        ck_assert_int_eq(req.ntopics, 1);
        ck_assert(kstr_eq(req.topics[0].name, "orders"));
        ck_assert_int_eq(req.topics[0].nparts, 2);
        ck_assert_int_eq(req.topics[0].parts[0].offset, 3);
        ck_assert_int_eq(req.topics[0].parts[1].partition_index, 2);
        ck_assert_int_eq(req.topics[0].parts[1].offset, -1);
        ck_assert_int_eq(req.timeout_ms, 30000);
        /* the encoder writes what the decoder read */
        wbuf_t again;
        wbuf_init(&again);
        kp_deleterecords_req_encode(&again, ver, &req);
        ck_assert_int_eq(again.len, wb.len);
        ck_assert_int_eq(memcmp(again.p, wb.p, wb.len), 0);
        /* response: encode, then every prefix fails and the whole decodes back */
        kp_deleterecords_part_resp_t pr[2] = {{0, 3, 0}, {2, -1, KERR_OFFSET_OUT_OF_RANGE}};
        kp_deleterecords_topic_resp_t tr = {KSTR("orders"), 2, pr};
        kp_deleterecords_resp_t resp = {7, 1, &tr}, back;
        wbuf_reset(&wb);
        kp_deleterecords_resp_encode(&wb, ver, &resp);
        tu_decode_prefixes(TU_DEC(kp_deleterecords_resp_decode), ver, &wb, &back);
        ck_assert_int_eq(back.throttle_time_ms, 7);
        ck_assert_int_eq(back.topics[0].parts[0].low_watermark, 3);
        ck_assert_int_eq(back.topics[0].parts[1].error_code, KERR_OFFSET_OUT_OF_RANGE);
        wbuf_free(&again);
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_describelogdirs_every_version)
{
    for (int16_t ver = 0; ver <= 4; ver++) {
        wbuf_t wb;
        wbuf_init(&wb);
        /* null topics: every partition */
        kp_describelogdirs_req_t all = {.ntopics = -1}, req;
        kp_describelogdirs_req_encode(&wb, ver, &all);
        rbuf_t rb;
        rbuf_init(&rb, wb.p, wb.len);
        arena_t a;
        arena_init(&a);
        ck_assert_int_eq(kp_describelogdirs_req_decode(&rb, ver, &a, &req), KERR_NONE);
        ck_assert_int_eq(req.ntopics, -1);
        /* one topic, two partitions */
        int32_t ps[2] = {0, 5};
        kp_topic_parts_t tp = {KSTR("t"), 2, ps};
        kp_describelogdirs_req_t one = {1, &tp};
        wbuf_reset(&wb);
        kp_describelogdirs_req_encode(&wb, ver, &one);
        tu_decode_prefixes(TU_DEC(kp_describelogdirs_req_decode), ver, &wb, &req);
        ck_assert_int_eq(req.ntopics, 1);
        ck_assert_int_eq(req.topics[0].parts[1], 5);
        /* response round trip */
        kp_logdir_part_t lp = {3, 1234, 0, false};
        kp_logdir_topic_t lt = {KSTR("t"), 1, &lp};
        kp_logdir_result_t res[2] = {{0, KSTR("/data/a"), 1, &lt, 100, 50},
                                     {KERR_KAFKA_STORAGE_ERROR, KSTR("/data/b"), 0, NULL, -1, -1}};
        kp_describelogdirs_resp_t resp = {0, 0, 2, res}, back;
        wbuf_reset(&wb);
        kp_describelogdirs_resp_encode(&wb, ver, &resp);
        tu_decode_prefixes(TU_DEC(kp_describelogdirs_resp_decode), ver, &wb, &back);
        ck_assert_int_eq(back.nresults, 2);
        ck_assert(kstr_eq(back.results[0].log_dir, "/data/a"));
        ck_assert_int_eq(back.results[0].topics[0].parts[0].partition_size, 1234);
        ck_assert_int_eq(back.results[0].topics[0].parts[0].partition_index, 3);
        ck_assert_int_eq(back.results[1].error_code, KERR_KAFKA_STORAGE_ERROR);
        ck_assert_int_eq(back.results[0].total_bytes, ver >= 4 ? 100 : -1);
        arena_free(&a);
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_alterreplicalogdirs_every_version)
{
    for (int16_t ver = 0; ver <= 2; ver++) {
        wbuf_t wb;
        wbuf_init(&wb);
        int32_t ps[2] = {0, 4};
        kp_topic_parts_t tp = {KSTR("orders"), 2, ps};
        kp_alterlogdir_t d[2] = {{KSTR("/data/b"), 1, &tp}, {KSTR("/data/a"), 0, NULL}};
        kp_alterreplicalogdirs_req_t req = {2, d}, back;
        kp_alterreplicalogdirs_req_encode(&wb, ver, &req);
        tu_decode_prefixes(TU_DEC(kp_alterreplicalogdirs_req_decode), ver, &wb, &back);
        ck_assert_int_eq(back.ndirs, 2);
        ck_assert(kstr_eq(back.dirs[0].path, "/data/b"));
        ck_assert(kstr_eq(back.dirs[0].topics[0].name, "orders"));
        ck_assert_int_eq(back.dirs[0].topics[0].parts[1], 4);
        ck_assert_int_eq(back.dirs[1].ntopics, 0);
        kp_part_err_t pe[2] = {{0, 0}, {4, KERR_LOG_DIR_NOT_FOUND}};
        kp_topic_errs_t te = {KSTR("orders"), 2, pe};
        kp_alterreplicalogdirs_resp_t resp = {3, 1, &te}, rback;
        wbuf_reset(&wb);
        kp_alterreplicalogdirs_resp_encode(&wb, ver, &resp);
        tu_decode_prefixes(TU_DEC(kp_alterreplicalogdirs_resp_decode), ver, &wb, &rback);
        ck_assert_int_eq(rback.throttle_time_ms, 3);
        ck_assert_int_eq(rback.results[0].parts[1].error_code, KERR_LOG_DIR_NOT_FOUND);
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_request_header_v1_and_v2)
{
    wbuf_t wb;
    wbuf_init(&wb);
    kp_req_hdr_t h = {
        .api_key = 3, .api_version = 12, .correlation_id = 99, .client_id = KSTR("cli")};
    kp_req_hdr_encode(&wb, true, &h);
    rbuf_t rb;
    rbuf_init(&rb, wb.p, wb.len);
    kp_req_hdr_t back;
    ck_assert_int_eq(kp_req_hdr_decode(&rb, true, &back), KERR_NONE);
    ck_assert_int_eq(back.correlation_id, 99);
    ck_assert(kstr_eq(back.client_id, "cli"));
    ck_assert_uint_eq(rbuf_left(&rb), 0);
    ck_assert_int_eq(kp_req_hdr_peek(wb.p, 7, &back), KERR__BAD_MSG);
    wbuf_free(&wb);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("proto");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_apiversions_response_v0_and_v3_bytes);
    tcase_add_test(tc, test_metadata_request_versions);
    tcase_add_test(tc, test_metadata_client_side_round_trips);
    tcase_add_test(tc, test_produce_request_v3_and_v9);
    tcase_add_test(tc, test_fetch_request_and_response_with_file_range);
    tcase_add_test(tc, test_listoffsets_request);
    tcase_add_test(tc, test_admin_requests);
    tcase_add_test(tc, test_reassignment_codecs_round_trip);
    tcase_add_test(tc, test_request_header_v1_and_v2);
    tcase_add_test(tc, test_alterconfigs_and_incremental_every_version);
    tcase_add_test(tc, test_deleterecords_every_version);
    tcase_add_test(tc, test_describelogdirs_every_version);
    tcase_add_test(tc, test_alterreplicalogdirs_every_version);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
