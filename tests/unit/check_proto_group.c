/* check_proto_group.c: the group API codecs: every request round-trips through its encoder and
 * decoder in old and flexible versions, every truncated prefix fails cleanly (never a crash;
 * the copies are exact-size so ASan sees any overread), huge counts are refused before any
 * allocation, and responses encode to the layout clients expect. */
#include <check.h>
#include <stdlib.h>

#include "proto/kp_deletegroups.h"
#include "proto/kp_describegroups.h"
#include "proto/kp_findcoordinator.h"
#include "proto/kp_heartbeat.h"
#include "proto/kp_joingroup.h"
#include "proto/kp_leavegroup.h"
#include "proto/kp_listgroups.h"
#include "proto/kp_offsetcommit.h"
#include "proto/kp_offsetdelete.h"
#include "proto/kp_offsetfetch.h"
#include "proto/kp_syncgroup.h"
#include "testutil.h"

static arena_t keep; /* decoded views used by assertions live until exit */

START_TEST(test_joingroup_roundtrip_all_versions)
{
    kp_joingroup_protocol_t protos[] = {{KSTR("range"), {(const uint8_t *)"\0\1m", 3}},
                                        {KSTR("roundrobin"), {(const uint8_t *)"", 0}}};
    kp_joingroup_req_t in = {KSTR("grp"),      10000, 30000, KSTR("m-1"), KSTR("inst"),
                             KSTR("consumer"), 2,     protos};
    for (int16_t v = 0; v <= 7; v++) {
        wbuf_t wb;
        wbuf_init(&wb);
        kp_joingroup_req_encode(&wb, v, &in);
        kp_joingroup_req_t out;
        tu_decode_prefixes(TU_DEC(kp_joingroup_req_decode), v, &wb, &out);
        ck_assert(kstr_eq(out.group_id, "grp") && kstr_eq(out.member_id, "m-1"));
        ck_assert_int_eq(out.rebalance_timeout_ms, v >= 1 ? 30000 : 10000);
        ck_assert(v >= 5 ? kstr_eq(out.group_instance_id, "inst") : out.group_instance_id.len < 0);
        ck_assert_int_eq(out.nprotocols, 2);
        ck_assert(kstr_eq(out.protocols[1].name, "roundrobin"));
        ck_assert_int_eq(out.protocols[0].metadata.len, 3);
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_syncgroup_heartbeat_leavegroup_roundtrip)
{
    kp_syncgroup_assignment_t as[] = {{KSTR("m-1"), {(const uint8_t *)"abc", 3}}};
    kp_syncgroup_req_t sin = {KSTR("g"),     4, KSTR("m-1"), KSTR_NULL, KSTR("consumer"),
                              KSTR("range"), 1, as};
    kp_leavegroup_member_t lm[] = {{KSTR("m-1"), KSTR("i-1"), 0}, {KSTR("m-2"), KSTR_NULL, 0}};
    kp_leavegroup_req_t lin = {KSTR("g"), 2, lm};
    kp_heartbeat_req_t hin = {KSTR("g"), 9, KSTR("m-1"), KSTR("i-1")};
    for (int16_t v = 0; v <= 5; v++) {
        wbuf_t wb;
        wbuf_init(&wb);
        kp_syncgroup_req_encode(&wb, v, &sin);
        kp_syncgroup_req_t s;
        tu_decode_prefixes(TU_DEC(kp_syncgroup_req_decode), v, &wb, &s);
        ck_assert_int_eq(s.generation_id, 4);
        ck_assert_int_eq(s.nassignments, 1);
        ck_assert(v >= 5 ? kstr_eq(s.protocol_name, "range") : s.protocol_name.len < 0);
        wbuf_reset(&wb);
        if (v <= 4) {
            kp_heartbeat_req_encode(&wb, v, &hin);
            kp_heartbeat_req_t h;
            tu_decode_prefixes(TU_DEC(kp_heartbeat_req_decode), v, &wb, &h);
            ck_assert_int_eq(h.generation_id, 9);
            ck_assert(v >= 3 ? kstr_eq(h.group_instance_id, "i-1") : h.group_instance_id.len < 0);
            wbuf_reset(&wb);
            kp_leavegroup_req_encode(&wb, v, &lin);
            kp_leavegroup_req_t l;
            tu_decode_prefixes(TU_DEC(kp_leavegroup_req_decode), v, &wb, &l);
            ck_assert_int_eq(l.nmembers, v >= 3 ? 2 : 1);
            ck_assert(kstr_eq(l.members[0].member_id, "m-1"));
        }
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_offsets_roundtrip)
{
    kp_offsetcommit_part_t parts[] = {{0, 42, 3, -1, KSTR("md")}, {5, 7, -1, -1, KSTR_NULL}};
    kp_offsetcommit_topic_t topics[] = {{KSTR("t"), 2, parts}};
    kp_offsetcommit_req_t cin = {KSTR("g"), 2, KSTR("m"), KSTR_NULL, 60000, 1, topics};
    int32_t pidx[] = {0, 3};
    kp_topic_parts_t ft[] = {{KSTR("t"), 2, pidx}};
    kp_offsetfetch_req_t fin = {KSTR("g"), 1, ft, true};
    for (int16_t v = 0; v <= 8; v++) {
        wbuf_t wb;
        wbuf_init(&wb);
        kp_offsetcommit_req_encode(&wb, v, &cin);
        kp_offsetcommit_req_t c;
        tu_decode_prefixes(TU_DEC(kp_offsetcommit_req_decode), v, &wb, &c);
        ck_assert_int_eq(c.topics[0].parts[0].committed_offset, 42);
        ck_assert_int_eq(c.topics[0].parts[0].committed_leader_epoch, v >= 6 ? 3 : -1);
        ck_assert_int_eq(c.retention_time_ms, v >= 2 && v <= 4 ? 60000 : -1);
        ck_assert(c.topics[0].parts[1].committed_metadata.len < 0);
        wbuf_reset(&wb);
        if (v <= 7) {
            kp_offsetfetch_req_encode(&wb, v, &fin);
            kp_offsetfetch_req_t f;
            tu_decode_prefixes(TU_DEC(kp_offsetfetch_req_decode), v, &wb, &f);
            ck_assert_int_eq(f.ntopics, 1);
            ck_assert_int_eq(f.topics[0].parts[1], 3);
            ck_assert_int_eq(f.require_stable, v >= 7);
        }
        wbuf_free(&wb);
    }
    /* v2+: a null topics array asks for everything; v1 may not */
    kp_offsetfetch_req_t all = {KSTR("g"), -1, NULL, false};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_offsetfetch_req_encode(&wb, 6, &all);
    kp_offsetfetch_req_t f;
    tu_decode_prefixes(TU_DEC(kp_offsetfetch_req_decode), 6, &wb, &f);
    ck_assert_int_eq(f.ntopics, -1);
    wbuf_reset(&wb);
    kp_offsetfetch_req_encode(&wb, 1, &all);
    rbuf_t rb;
    rbuf_init(&rb, wb.p, wb.len);
    ck_assert_int_eq(kp_offsetfetch_req_decode(&rb, 1, &keep, &f), KERR__BAD_MSG);
    /* OffsetDelete v0 */
    kp_offsetdelete_req_t din = {KSTR("g"), 1, ft};
    wbuf_reset(&wb);
    kp_offsetdelete_req_encode(&wb, 0, &din);
    kp_offsetdelete_req_t d;
    tu_decode_prefixes(TU_DEC(kp_offsetdelete_req_decode), 0, &wb, &d);
    ck_assert_int_eq(d.topics[0].nparts, 2);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_admin_requests_roundtrip)
{
    kstr_t names[] = {KSTR("a"), KSTR("bb")};
    for (int16_t v = 0; v <= 5; v++) {
        wbuf_t wb;
        wbuf_init(&wb);
        kp_describegroups_req_t din = {2, names, true};
        kp_describegroups_req_encode(&wb, v, &din);
        kp_describegroups_req_t d;
        tu_decode_prefixes(TU_DEC(kp_describegroups_req_decode), v, &wb, &d);
        ck_assert(d.ngroups == 2 && kstr_eq(d.groups[1], "bb"));
        wbuf_reset(&wb);
        kp_findcoordinator_req_t fin = {KP_COORD_GROUP, v >= 4 ? 2 : 1, names};
        if (v <= 4) {
            kp_findcoordinator_req_encode(&wb, v, &fin);
            kp_findcoordinator_req_t fc;
            tu_decode_prefixes(TU_DEC(kp_findcoordinator_req_decode), v, &wb, &fc);
            ck_assert_int_eq(fc.nkeys, v >= 4 ? 2 : 1);
            ck_assert(kstr_eq(fc.keys[0], "a"));
            wbuf_reset(&wb);
            kp_listgroups_req_t lin = {v >= 4 ? 1 : 0, names, 0, NULL};
            kp_listgroups_req_encode(&wb, v, &lin);
            kp_listgroups_req_t l;
            rbuf_t rb;
            rbuf_init(&rb, wb.p, wb.len);
            ck_assert_int_eq(kp_listgroups_req_decode(&rb, v, &keep, &l), KERR_NONE);
            ck_assert_int_eq(l.nstates, v >= 4 ? 1 : 0);
            wbuf_reset(&wb);
        }
        if (v <= 2) {
            kp_deletegroups_req_t gin = {2, names};
            kp_deletegroups_req_encode(&wb, v, &gin);
            kp_deletegroups_req_t g;
            tu_decode_prefixes(TU_DEC(kp_deletegroups_req_decode), v, &wb, &g);
            ck_assert(g.ngroups == 2 && kstr_eq(g.groups_names[0], "a"));
        }
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_huge_counts_refused)
{
    /* JoinGroup v1: strings, then a protocols count of 2^31-1 in a tiny body */
    wbuf_t wb;
    wbuf_init(&wb);
    wbuf_str(&wb, "g", 1);
    wbuf_i32(&wb, 10000);
    wbuf_i32(&wb, 10000);
    wbuf_str(&wb, "", 0);
    wbuf_str(&wb, "consumer", 8);
    wbuf_i32(&wb, INT32_MAX);
    rbuf_t rb;
    rbuf_init(&rb, wb.p, wb.len);
    kp_joingroup_req_t j;
    arena_t a;
    arena_init(&a);
    ck_assert_int_eq(kp_joingroup_req_decode(&rb, 1, &a, &j), KERR__BAD_MSG);
    /* flexible DescribeGroups v5 with a compact count of 2^32-2 */
    wbuf_reset(&wb);
    wbuf_uvarint(&wb, UINT32_MAX);
    rbuf_init(&rb, wb.p, wb.len);
    kp_describegroups_req_t d;
    ck_assert_int_eq(kp_describegroups_req_decode(&rb, 5, &a, &d), KERR__BAD_MSG);
    arena_free(&a);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_responses_encode_expected_bytes)
{
    /* JoinGroup v0, error 79 (MEMBER_ID_REQUIRED): error, generation -1, "", "", member, [] */
    kp_joingroup_resp_t jr = {0, 79, -1, KSTR_NULL, KSTR_NULL, KSTR(""), KSTR("m"), 0, NULL};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_joingroup_resp_encode(&wb, 0, &jr);
    const uint8_t j0[] = {0, 79, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1, 'm', 0, 0, 0, 0};
    ck_assert_uint_eq(wb.len, sizeof(j0));
    ck_assert(memcmp(wb.p, j0, sizeof(j0)) == 0);
    /* FindCoordinator v0: error 0, node 1, host "h", port 9092 */
    kp_findcoordinator_coord_t c = {KSTR("g"), 1, KSTR("h"), 9092, 0, KSTR_NULL};
    kp_findcoordinator_resp_t fr = {0, 1, &c};
    wbuf_reset(&wb);
    kp_findcoordinator_resp_encode(&wb, 0, &fr);
    const uint8_t f0[] = {0, 0, 0, 0, 0, 1, 0, 1, 'h', 0, 0, 0x23, 0x84};
    ck_assert_uint_eq(wb.len, sizeof(f0));
    ck_assert(memcmp(wb.p, f0, sizeof(f0)) == 0);
    /* v4: throttle, [key, node, host, port, error, message, tags], tags */
    wbuf_reset(&wb);
    kp_findcoordinator_resp_encode(&wb, 4, &fr);
    const uint8_t f4[] = {0, 0,   0, 0, 2,    2,    'g', 0, 0, 0, 1,
                          2, 'h', 0, 0, 0x23, 0x84, 0,   0, 0, 0, 0};
    ck_assert_uint_eq(wb.len, sizeof(f4));
    ck_assert(memcmp(wb.p, f4, sizeof(f4)) == 0);
    /* SyncGroup v0 with no assignment: error, empty (not null) bytes */
    kp_syncgroup_resp_t sr = {0, 27, KSTR_NULL, KSTR_NULL, {NULL, -1}};
    wbuf_reset(&wb);
    kp_syncgroup_resp_encode(&wb, 0, &sr);
    const uint8_t s0[] = {0, 27, 0, 0, 0, 0};
    ck_assert_uint_eq(wb.len, sizeof(s0));
    ck_assert(memcmp(wb.p, s0, sizeof(s0)) == 0);
    wbuf_free(&wb);
}
END_TEST

static Suite *proto_group_suite(void)
{
    Suite *s = suite_create("proto_group");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_joingroup_roundtrip_all_versions);
    tcase_add_test(tc, test_syncgroup_heartbeat_leavegroup_roundtrip);
    tcase_add_test(tc, test_offsets_roundtrip);
    tcase_add_test(tc, test_admin_requests_roundtrip);
    tcase_add_test(tc, test_huge_counts_refused);
    tcase_add_test(tc, test_responses_encode_expected_bytes);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(proto_group_suite)
