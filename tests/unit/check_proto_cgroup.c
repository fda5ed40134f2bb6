/* check_proto_cgroup.c: the KIP-848 codecs (ConsumerGroupHeartbeat v0-1, ConsumerGroupDescribe
 * v0-1) and ListGroups v5: requests round-trip, every truncated prefix fails cleanly (exact-size
 * copies, so ASan sees overreads), null "unchanged" fields stay null, huge counts are refused,
 * and responses encode to Kafka's bytes (a null Assignment is one 0xff byte). */
#include <check.h>
#include <stdlib.h>

#include "proto/kp_consumergroupdescribe.h"
#include "proto/kp_consumergroupheartbeat.h"
#include "proto/kp_listgroups.h"
#include "testutil.h"

static arena_t keep;

START_TEST(test_cgh_request_roundtrip)
{
    kstr_t subs[] = {KSTR("orders"), KSTR("payments")};
    int32_t parts[] = {0, 2, 5};
    kp_cgh_topic_t owned[] = {{{1, 2, 3}, 3, parts}};
    kp_cgh_req_t in = {KSTR("g"), KSTR("m-1"), 0,         KSTR("inst"),  KSTR_NULL, 45000,
                       2,         subs,        KSTR_NULL, KSTR("range"), 1,         owned};
    for (int16_t v = 0; v <= 1; v++) {
        wbuf_t wb;
        wbuf_init(&wb);
        kp_cgh_req_encode(&wb, v, &in);
        kp_cgh_req_t out;
        tu_decode_prefixes(TU_DEC(kp_cgh_req_decode), v, &wb, &out);
        ck_assert(kstr_eq(out.group_id, "g") && kstr_eq(out.member_id, "m-1"));
        ck_assert(kstr_eq(out.instance_id, "inst") && out.rack_id.len < 0);
        ck_assert_int_eq(out.rebalance_timeout_ms, 45000);
        ck_assert_int_eq(out.nsubscribed, 2);
        ck_assert(kstr_eq(out.subscribed[1], "payments"));
        ck_assert(out.subscribed_regex.len < 0 && kstr_eq(out.server_assignor, "range"));
        ck_assert_int_eq(out.nowned, 1);
        ck_assert_int_eq(out.owned[0].topic_id[2], 3);
        ck_assert(out.owned[0].nparts == 3 && out.owned[0].parts[2] == 5);
        wbuf_free(&wb);
    }
    /* a keepalive: every "unchanged" field null */
    kp_cgh_req_t ka = {KSTR("g"), KSTR("m-1"), 7,         KSTR_NULL, KSTR_NULL, -1,
                       -1,        NULL,        KSTR_NULL, KSTR_NULL, -1,        NULL};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_cgh_req_encode(&wb, 1, &ka);
    kp_cgh_req_t out;
    tu_decode_prefixes(TU_DEC(kp_cgh_req_decode), 1, &wb, &out);
    ck_assert(out.member_epoch == 7 && out.nsubscribed == -1 && out.nowned == -1);
    ck_assert(out.server_assignor.len < 0 && out.subscribed_regex.len < 0);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_cgh_huge_counts_refused)
{
    /* group "g", member "m", epoch 0, null instance/rack, timeout, then 2^31 subscribed names */
    const uint8_t body[] = {2, 'g', 2,    'm',  0,    0,    0,    0,    0,   0,
                            0, 0,   0xea, 0x60, 0xff, 0xff, 0xff, 0xff, 0x07};
    rbuf_t rb;
    rbuf_init(&rb, body, sizeof(body));
    arena_t a;
    arena_init(&a);
    kp_cgh_req_t r;
    ck_assert_int_eq(kp_cgh_req_decode(&rb, 1, &a, &r), KERR__BAD_MSG);
    /* ConsumerGroupDescribe claiming 1,000,000 group ids in 4 bytes */
    const uint8_t d[] = {0xc1, 0x84, 0x3d, 0};
    rbuf_init(&rb, d, sizeof(d));
    kp_cgd_req_t dr;
    ck_assert_int_eq(kp_cgd_req_decode(&rb, 0, &a, &dr), KERR__BAD_MSG);
    arena_free(&a);
}
END_TEST

START_TEST(test_cgh_response_bytes)
{
    wbuf_t wb;
    wbuf_init(&wb);
    kp_cgh_resp_t r = {0, 0, KSTR_NULL, KSTR("m"), 3, 5000, false, 0, NULL};
    kp_cgh_resp_encode(&wb, 1, &r);
    const uint8_t keepalive[] = {0, 0, 0, 0, 0, 0,    0,    2,    'm', 0,
                                 0, 0, 3, 0, 0, 0x13, 0x88, 0xff, 0};
    ck_assert_uint_eq(wb.len, sizeof(keepalive));
    ck_assert(memcmp(wb.p, keepalive, sizeof(keepalive)) == 0);
    int32_t parts[] = {1, 4};
    kp_cgh_topic_t t = {{9}, 2, parts};
    r.has_assignment = true;
    r.nassigned = 1;
    r.assigned = &t;
    wbuf_reset(&wb);
    kp_cgh_resp_encode(&wb, 1, &r);
    kp_cgh_resp_t back;
    rbuf_t rb;
    rbuf_init(&rb, wb.p, wb.len);
    ck_assert_int_eq(kp_cgh_resp_decode(&rb, 1, &keep, &back), KERR_NONE);
    ck_assert(back.has_assignment && back.nassigned == 1 && back.assigned[0].topic_id[0] == 9);
    ck_assert(back.assigned[0].nparts == 2 && back.assigned[0].parts[1] == 4);
    ck_assert(back.member_epoch == 3 && kstr_eq(back.member_id, "m"));
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_cgd_roundtrip_and_response)
{
    kstr_t ids[] = {KSTR("g1"), KSTR("g2")};
    kp_cgd_req_t in = {2, ids, true};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_cgd_req_encode(&wb, 1, &in);
    kp_cgd_req_t out;
    tu_decode_prefixes(TU_DEC(kp_cgd_req_decode), 1, &wb, &out);
    ck_assert(out.ngroups == 2 && kstr_eq(out.groups[1], "g2") &&
              out.include_authorized_operations);
    /* a group with no members: v0 and v1 are the same bytes (MemberType is per member) */
    kp_cgd_group_t g = {69, KSTR_NULL, KSTR("g1"), KSTR("Dead"), 0,
                        0,  KSTR(""),  0,          NULL,         INT32_MIN};
    kp_cgd_resp_t r = {0, 1, &g};
    wbuf_reset(&wb);
    kp_cgd_resp_encode(&wb, 0, &r);
    const uint8_t exp[] = {0, 0, 0, 0, 2, 0, 69, 0, 3, 'g', '1',  5, 'D', 'e', 'a', 'd',
                           0, 0, 0, 0, 0, 0, 0,  0, 1, 1,   0x80, 0, 0,   0,   0,   0};
    ck_assert_uint_eq(wb.len, sizeof(exp));
    ck_assert(memcmp(wb.p, exp, sizeof(exp)) == 0);
    /* one member: v1 adds one MemberType byte */
    kp_cgd_member_t m = {.member_id = KSTR("m"),
                         .instance_id = KSTR_NULL,
                         .rack_id = KSTR_NULL,
                         .client_id = KSTR("c"),
                         .client_host = KSTR("/h"),
                         .subscribed_regex = KSTR_NULL,
                         .member_type = 1};
    g.nmembers = 1;
    g.members = &m;
    wbuf_reset(&wb);
    kp_cgd_resp_encode(&wb, 0, &r);
    size_t v0 = wb.len;
    wbuf_reset(&wb);
    kp_cgd_resp_encode(&wb, 1, &r);
    ck_assert_uint_eq(wb.len, v0 + 1);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_listgroups_v5_types)
{
    kstr_t types[] = {KSTR("consumer")};
    kp_listgroups_req_t in = {0, NULL, 1, types};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_listgroups_req_encode(&wb, 5, &in);
    kp_listgroups_req_t out;
    tu_decode_prefixes(TU_DEC(kp_listgroups_req_decode), 5, &wb, &out);
    ck_assert(out.nstates == 0 && out.ntypes == 1 && kstr_eq(out.types_filter[0], "consumer"));
    kp_listgroups_group_t g = {KSTR("g"), KSTR("consumer"), KSTR("Stable"), KSTR("consumer")};
    kp_listgroups_resp_t r = {0, 0, 1, &g};
    wbuf_reset(&wb);
    kp_listgroups_resp_encode(&wb, 5, &r);
    const uint8_t exp[] = {0,   0,   0,   0,   0,   0,   2,   2,   'g', 9,   'c', 'o',
                           'n', 's', 'u', 'm', 'e', 'r', 7,   'S', 't', 'a', 'b', 'l',
                           'e', 9,   'c', 'o', 'n', 's', 'u', 'm', 'e', 'r', 0,   0};
    ck_assert_uint_eq(wb.len, sizeof(exp));
    ck_assert(memcmp(wb.p, exp, sizeof(exp)) == 0);
    wbuf_free(&wb);
}
END_TEST

static Suite *proto_cgroup_suite(void)
{
    Suite *s = suite_create("proto_cgroup");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_cgh_request_roundtrip);
    tcase_add_test(tc, test_cgh_huge_counts_refused);
    tcase_add_test(tc, test_cgh_response_bytes);
    tcase_add_test(tc, test_cgd_roundtrip_and_response);
    tcase_add_test(tc, test_listgroups_v5_types);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(proto_cgroup_suite)
