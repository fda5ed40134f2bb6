/* check_proto_repl.c: the replication codecs, both directions: the follower's Fetch request and
 * the leader's response as the follower reads it, OffsetForLeaderEpoch, AlterPartition,
 * ControlledShutdown, the controller's LeaderAndIsr / UpdateMetadata / StopReplica, and the
 * client-facing InitProducerId and ElectLeaders requests. Each round-trips, every truncated
 * prefix fails cleanly, and an absurd count is refused before anything is allocated. */
#include <check.h>
#include <stdlib.h>

#include "proto/kp_alterpartition.h"
#include "proto/kp_controlledshutdown.h"
#include "proto/kp_ctl.h"
#include "proto/kp_electleaders.h"
#include "proto/kp_fetch.h"
#include "proto/kp_initproducerid.h"
#include "proto/kp_offsetforleaderepoch.h"
#include "kp_adapt.h"
#include "testutil.h"

START_TEST(test_fetch_request_and_response_as_a_follower_sees_them)
{
    kp_fetch_part_t parts[] = {{.partition = 2,
                                .current_leader_epoch = 7,
                                .fetch_offset = 1234,
                                .last_fetched_epoch = -1,
                                .log_start_offset = 10,
                                .partition_max_bytes = 1 << 20}};
    kp_fetch_topic_t topics[] = {{KSTR("t"), 1, parts}};
    int32_t gone[] = {4, 9};
    kp_fetch_forgotten_t forgotten[] = {{KSTR("old"), 2, gone}};
    kp_fetch_req_t in = {.replica_id = 3,
                         .max_wait_ms = 500,
                         .min_bytes = 1,
                         .max_bytes = 10 << 20,
                         .session_id = 77,
                         .session_epoch = 5,
                         .ntopics = 1,
                         .topics = topics,
                         .nforgotten = 1,
                         .forgotten = forgotten,
                         .rack_id = KSTR("")};
    for (int16_t v = 4; v <= 12; v++) {
        wbuf_t wb;
        wbuf_init(&wb);
        kp_fetch_req_encode(&wb, v, &in);
        kp_fetch_req_t out;
        tu_decode_prefixes(TU_DEC(kp_fetch_req_decode), v, &wb, &out);
        ck_assert_int_eq(out.replica_id, 3);
        ck_assert_int_eq(out.topics[0].parts[0].fetch_offset, 1234);
        ck_assert_int_eq(out.topics[0].parts[0].current_leader_epoch, v >= 9 ? 7 : -1);
        /* KIP-227 fields from v7 */
        ck_assert_int_eq(out.session_id, v >= 7 ? 77 : 0);
        ck_assert_int_eq(out.session_epoch, v >= 7 ? 5 : -1);
        ck_assert_int_eq(out.nforgotten, v >= 7 ? 1 : 0);
        if (v >= 7) {
            ck_assert_int_eq(out.forgotten[0].topic.len, 3);
            ck_assert_int_eq(out.forgotten[0].nparts, 2);
            ck_assert_int_eq(out.forgotten[0].parts[1], 9);
        }
        wbuf_free(&wb);
    }
    /* the leader's response, read back by the follower: records are a view of the buffer */
    const uint8_t recs[] = "0123456789";
    kp_fetch_part_resp_t pr = {.partition_index = 2,
                               .error_code = 0,
                               .high_watermark = 1200,
                               .last_stable_offset = 1200,
                               .log_start_offset = 10,
                               .naborted = -1,
                               .preferred_read_replica = -1,
                               .rec_mem = recs,
                               .rec_len = 10,
                               .rec_fd = -1};
    kp_fetch_topic_resp_t tr = {KSTR("t"), 1, &pr};
    kp_fetch_resp_t resp = {.ntopics = 1, .topics = &tr};
    for (int16_t v = 4; v <= 12; v++) {
        wbuf_t wb;
        wbuf_init(&wb);
        kp_fetch_resp_encode(&wb, v, &resp);
        kp_fetch_resp_t out;
        tu_decode_prefixes(TU_DEC(kp_fetch_resp_decode), v, &wb, &out);
        kp_fetch_part_resp_t *o = &out.topics[0].parts[0];
        ck_assert_int_eq(o->high_watermark, 1200);
        ck_assert_int_eq(o->log_start_offset, v >= 5 ? 10 : -1);
        ck_assert_int_eq(o->rec_len, 10);
        ck_assert(memcmp(o->rec_mem, recs, 10) == 0);
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_offset_for_leader_epoch_both_directions)
{
    kp_ofle_part_t parts[] = {{0, 5, 4}, {1, -1, 2}};
    kp_ofle_topic_t topics[] = {{KSTR("t"), 2, parts}};
    kp_ofle_req_t in = {.replica_id = 2, .ntopics = 1, .topics = topics};
    kp_ofle_part_resp_t rp[] = {{0, 0, 4, 100}, {74, 1, -1, -1}};
    kp_ofle_topic_resp_t rt = {KSTR("t"), 2, rp};
    kp_ofle_resp_t resp = {.ntopics = 1, .topics = &rt};
    for (int16_t v = 0; v <= 4; v++) {
        wbuf_t wb;
        wbuf_init(&wb);
        kp_ofle_req_encode(&wb, v, &in);
        kp_ofle_req_t out;
        tu_decode_prefixes(TU_DEC(kp_ofle_req_decode), v, &wb, &out);
        ck_assert_int_eq(out.replica_id, v >= 3 ? 2 : -2);
        ck_assert_int_eq(out.topics[0].parts[0].leader_epoch, 4);
        ck_assert_int_eq(out.topics[0].parts[0].current_leader_epoch, v >= 2 ? 5 : -1);
        wbuf_reset(&wb);
        kp_ofle_resp_encode(&wb, v, &resp);
        kp_ofle_resp_t ro;
        tu_decode_prefixes(TU_DEC(kp_ofle_resp_decode), v, &wb, &ro);
        ck_assert_int_eq(ro.topics[0].parts[0].end_offset, 100);
        ck_assert_int_eq(ro.topics[0].parts[0].leader_epoch, v >= 1 ? 4 : -1);
        ck_assert_int_eq(ro.topics[0].parts[1].error_code, 74);
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_alter_partition_and_controlled_shutdown)
{
    int32_t isr[] = {1, 3};
    kp_altpart_part_t p = {.partition = 4,
                           .leader_id = 1,
                           .leader_epoch = 9,
                           .nisr = 2,
                           .isr = isr,
                           .partition_epoch = 17};
    kp_altpart_topic_t t = {KSTR("topic"), 1, &p};
    kp_altpart_t in = {.broker_id = 1, .broker_epoch = 4242, .ntopics = 1, .topics = &t};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_altpart_req_encode(&wb, &in);
    kp_altpart_t out;
    tu_decode_prefixes(kp_adapt_altpart_req, 1, &wb, &out);
    ck_assert_int_eq(out.broker_epoch, 4242);
    ck_assert_int_eq(out.topics[0].parts[0].partition_epoch, 17);
    ck_assert_int_eq(out.topics[0].parts[0].isr[1], 3);
    wbuf_reset(&wb);
    p.error_code = 95; /* INVALID_UPDATE_VERSION */
    kp_altpart_resp_encode(&wb, &in);
    tu_decode_prefixes(kp_adapt_altpart_resp, 1, &wb, &out);
    ck_assert_int_eq(out.topics[0].parts[0].error_code, 95);
    ck_assert_int_eq(out.topics[0].parts[0].leader_id, 1);

    kp_cshut_part_t rem[] = {{KSTR("a"), 0}, {KSTR("b"), 3}};
    kp_cshut_resp_t cr = {.error_code = 0, .nremaining = 2, .remaining = rem};
    wbuf_reset(&wb);
    kp_cshut_resp_encode(&wb, &cr);
    kp_cshut_resp_t co;
    tu_decode_prefixes(kp_adapt_cshut_resp, 3, &wb, &co);
    ck_assert_int_eq(co.nremaining, 2);
    ck_assert(kstr_eq(co.remaining[1].topic, "b") && co.remaining[1].partition == 3);
    wbuf_reset(&wb);
    kp_cshut_req_t cq = {.broker_id = 2, .broker_epoch = 99}, cqo;
    kp_cshut_req_encode(&wb, &cq);
    rbuf_t rb;
    rbuf_init(&rb, wb.p, wb.len);
    ck_assert_int_eq(kp_cshut_req_decode(&rb, &cqo), KERR_NONE);
    ck_assert_int_eq(cqo.broker_epoch, 99);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_controller_requests_round_trip)
{
    int32_t isr[] = {2, 3}, reps[] = {2, 3, 1}, off[] = {1};
    kp_ctl_pstate_t ps = {.partition_index = 0,
                          .controller_epoch = 4,
                          .leader = 2,
                          .leader_epoch = 6,
                          .nisr = 2,
                          .isr = isr,
                          .zk_version = 8,
                          .nreplicas = 3,
                          .replicas = reps,
                          .noffline = 1,
                          .offline = off,
                          .is_new = true};
    kp_ctl_topic_t t = {KSTR("t"), {1, 2, 3}, 1, &ps};
    kp_ctl_endpoint_t ep = {9092, KSTR("h"), KSTR("PLAINTEXT"), 0};
    kp_ctl_broker_t b = {.id = 2,
                         .nendpoints = 1,
                         .endpoints = &ep,
                         .rack = KSTR_NULL,
                         .host = KSTR("h"),
                         .port = 9092};
    kp_ctl_req_t in = {.controller_id = 1,
                       .controller_epoch = 4,
                       .broker_epoch = 77,
                       .type = 1,
                       .ntopics = 1,
                       .topics = &t,
                       .nbrokers = 1,
                       .brokers = &b};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_leaderandisr_req_encode(&wb, &in);
    kp_ctl_req_t out;
    tu_decode_prefixes(kp_adapt_leaderandisr, 5, &wb, &out);
    ck_assert_int_eq(out.type, 1);
    ck_assert_int_eq(out.broker_epoch, 77);
    ck_assert_int_eq(out.topics[0].parts[0].zk_version, 8);
    ck_assert(out.topics[0].parts[0].is_new);
    ck_assert_int_eq(out.brokers[0].port, 9092);
    wbuf_reset(&wb);
    kp_updatemetadata_req_encode(&wb, &in);
    tu_decode_prefixes(kp_adapt_updatemetadata, 7, &wb, &out);
    ck_assert_int_eq(out.topics[0].parts[0].noffline, 1);
    ck_assert(kstr_eq(out.brokers[0].endpoints[0].listener, "PLAINTEXT"));
    kp_stopreplica_part_t sp = {3, 5, true};
    kp_stopreplica_topic_t st = {KSTR("t"), 1, &sp};
    kp_stopreplica_req_t sr = {1, 4, 77, 1, &st}, so;
    wbuf_reset(&wb);
    kp_stopreplica_req_encode(&wb, &sr);
    tu_decode_prefixes(kp_adapt_stopreplica, 3, &wb, &so);
    ck_assert(so.topics[0].parts[0].delete_partition && so.topics[0].parts[0].partition_index == 3);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_initproducerid_and_electleaders_requests)
{
    for (int16_t v = 0; v <= 4; v++) {
        wbuf_t wb;
        wbuf_init(&wb);
        bool f = kp_initpid_flexible(v);
        wbuf_str_f(&wb, f, NULL, -1); /* transactional id: null */
        wbuf_i32(&wb, 60000);
        if (v >= 3) {
            wbuf_i64(&wb, 5);
            wbuf_i16(&wb, 2);
        }
        wbuf_tags(&wb, f);
        kp_initpid_req_t r;
        tu_decode_prefixes(TU_DEC(kp_initpid_req_decode), v, &wb, &r);
        ck_assert_int_eq(r.transactional_id.len, -1);
        ck_assert_int_eq(r.producer_id, v >= 3 ? 5 : -1);
        wbuf_free(&wb);
    }
    for (int16_t v = 0; v <= 2; v++) {
        wbuf_t wb;
        wbuf_init(&wb);
        bool f = kp_elect_flexible(v);
        if (v >= 1) wbuf_i8(&wb, 1);
        wbuf_array_len(&wb, f, 1);
        wbuf_str_f(&wb, f, "t", 1);
        wbuf_array_len(&wb, f, 2);
        wbuf_i32(&wb, 0);
        wbuf_i32(&wb, 4);
        wbuf_tags(&wb, f);
        wbuf_i32(&wb, 30000);
        wbuf_tags(&wb, f);
        kp_elect_req_t r;
        tu_decode_prefixes(TU_DEC(kp_elect_req_decode), v, &wb, &r);
        ck_assert_int_eq(r.election_type, v >= 1 ? 1 : 0);
        ck_assert_int_eq(r.topics[0].parts[1], 4);
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_absurd_counts_refused)
{
    /* AlterPartition claiming 2^30 topics in a 20-byte body */
    wbuf_t wb;
    wbuf_init(&wb);
    wbuf_i32(&wb, 1);
    wbuf_i64(&wb, 1);
    wbuf_uvarint(&wb, 1u << 30);
    wbuf_i32(&wb, 0);
    rbuf_t rb;
    rbuf_init(&rb, wb.p, wb.len);
    arena_t a;
    arena_init(&a);
    kp_altpart_t out;
    ck_assert_int_eq(kp_altpart_req_decode(&rb, &a, &out), KERR__BAD_MSG);
    /* an OffsetForLeaderEpoch v2 with a negative topic count */
    wbuf_reset(&wb);
    wbuf_i32(&wb, -5);
    rbuf_init(&rb, wb.p, wb.len);
    kp_ofle_req_t oq;
    ck_assert_int_eq(kp_ofle_req_decode(&rb, 2, &a, &oq), KERR__BAD_MSG);
    arena_free(&a);
    wbuf_free(&wb);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("proto_repl");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_fetch_request_and_response_as_a_follower_sees_them);
    tcase_add_test(tc, test_offset_for_leader_epoch_both_directions);
    tcase_add_test(tc, test_alter_partition_and_controlled_shutdown);
    tcase_add_test(tc, test_controller_requests_round_trip);
    tcase_add_test(tc, test_initproducerid_and_electleaders_requests);
    tcase_add_test(tc, test_absurd_counts_refused);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
