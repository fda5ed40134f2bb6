/* check_proto_txnpart.c: the partition-side transaction codecs: WriteTxnMarkers v0-1 and
 * TxnOffsetCommit v0-3 round-trip, and every strict prefix of an encoded request fails to
 * decode. */
#include <check.h>

#include "proto/kp_txnoffsetcommit.h"
#include "proto/kp_writetxnmarkers.h"
#include "testutil.h"

START_TEST(test_writetxnmarkers_roundtrip)
{
    for (int16_t v = 0; v <= 1; v++) {
        int32_t parts[] = {0, 7};
        kp_wtm_topic_t t = {KSTR("orders"), 2, parts};
        kp_wtm_marker_t m = {.producer_id = 4242,
                             .producer_epoch = 3,
                             .commit = true,
                             .ntopics = 1,
                             .topics = &t,
                             .coordinator_epoch = 9};
        kp_wtm_req_t req = {1, &m};
        wbuf_t wb;
        wbuf_init(&wb);
        kp_wtm_req_encode(&wb, v, &req);
        kp_wtm_req_t out;
        tu_decode_prefixes(TU_DEC(kp_wtm_req_decode), v, &wb, &out);
        ck_assert_int_eq(out.nmarkers, 1);
        ck_assert_int_eq(out.markers[0].producer_id, 4242);
        ck_assert_int_eq(out.markers[0].producer_epoch, 3);
        ck_assert(out.markers[0].commit);
        ck_assert_int_eq(out.markers[0].coordinator_epoch, 9);
        ck_assert(kstr_eq(out.markers[0].topics[0].name, "orders"));
        ck_assert_int_eq(out.markers[0].topics[0].nparts, 2);
        ck_assert_int_eq(out.markers[0].topics[0].parts[1], 7);
        /* the response both ways */
        kp_wtm_part_resp_t pr[2] = {{0, 0}, {7, 6}};
        kp_wtm_topic_resp_t tr = {KSTR("orders"), 2, pr};
        kp_wtm_marker_resp_t mr = {4242, 1, &tr};
        kp_wtm_resp_t resp = {1, &mr};
        wbuf_reset(&wb);
        kp_wtm_resp_encode(&wb, v, &resp);
        rbuf_t rb;
        rbuf_init(&rb, wb.p, wb.len);
        arena_t a;
        arena_init(&a);
        kp_wtm_resp_t back;
        ck_assert_int_eq(kp_wtm_resp_decode(&rb, v, &a, &back), KERR_NONE);
        ck_assert_int_eq(back.markers[0].topics[0].parts[1].error_code, 6);
        arena_free(&a);
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_txnoffsetcommit_roundtrip)
{
    for (int16_t v = 0; v <= 3; v++) {
        kp_offsetcommit_part_t p = {.partition_index = 2,
                                    .committed_offset = 77,
                                    .committed_leader_epoch = v >= 2 ? 5 : -1,
                                    .committed_metadata = KSTR("md")};
        kp_offsetcommit_topic_t t = {KSTR("in"), 1, &p};
        kp_txnoffsetcommit_req_t req = {.transactional_id = KSTR("tid"),
                                        .producer_id = 11,
                                        .producer_epoch = 2,
                                        .c = {.group_id = KSTR("g"),
                                              .generation_id = v >= 3 ? 4 : -1,
                                              .member_id = v >= 3 ? KSTR("m-1") : KSTR(""),
                                              .group_instance_id = KSTR_NULL,
                                              .ntopics = 1,
                                              .topics = &t}};
        wbuf_t wb;
        wbuf_init(&wb);
        kp_txnoffsetcommit_req_encode(&wb, v, &req);
        kp_txnoffsetcommit_req_t out;
        tu_decode_prefixes(TU_DEC(kp_txnoffsetcommit_req_decode), v, &wb, &out);
        ck_assert(kstr_eq(out.transactional_id, "tid"));
        ck_assert(kstr_eq(out.c.group_id, "g"));
        ck_assert_int_eq(out.producer_id, 11);
        ck_assert_int_eq(out.producer_epoch, 2);
        ck_assert_int_eq(out.c.generation_id, v >= 3 ? 4 : -1);
        ck_assert(kstr_eq(out.c.member_id, v >= 3 ? "m-1" : ""));
        ck_assert_int_eq(out.c.retention_time_ms, -1);
        ck_assert_int_eq(out.c.topics[0].parts[0].committed_offset, 77);
        ck_assert_int_eq(out.c.topics[0].parts[0].committed_leader_epoch, v >= 2 ? 5 : -1);
        ck_assert(kstr_eq(out.c.topics[0].parts[0].committed_metadata, "md"));
        wbuf_free(&wb);
    }
}
END_TEST

static Suite *proto_txnpart_suite(void)
{
    Suite *s = suite_create("proto_txnpart");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_writetxnmarkers_roundtrip);
    tcase_add_test(tc, test_txnoffsetcommit_roundtrip);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(proto_txnpart_suite)
