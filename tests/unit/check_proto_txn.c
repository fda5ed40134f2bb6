/* check_proto_txn.c: the transaction coordinator's codecs (AddPartitionsToTxn v0-3,
 * AddOffsetsToTxn v0-3, EndTxn v0-3, DescribeTransactions v0, ListTransactions v0-1): requests
 * round-trip at every version and every truncated prefix fails cleanly; responses decode back
 * (the CLI's decoders) and DescribeTransactions carries the epoch as an int32. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proto/kp_addoffsetstotxn.h"
#include "proto/kp_addpartitionstotxn.h"
#include "proto/kp_describeproducers.h"
#include "proto/kp_describetransactions.h"
#include "proto/kp_endtxn.h"
#include "proto/kp_listtransactions.h"
#include "testutil.h"

START_TEST(test_addparts_roundtrip)
{
    int32_t p1[] = {0, 2}, p2[] = {7};
    kp_topic_parts_t topics[] = {{KSTR("orders"), 2, p1}, {KSTR("pay"), 1, p2}};
    kp_addparts_req_t in = {KSTR("tx-1"), 4242, 3, 2, topics};
    for (int16_t v = 0; v <= 3; v++) {
        wbuf_t wb;
        wbuf_init(&wb);
        kp_addparts_req_encode(&wb, v, &in);
        kp_addparts_req_t out;
        tu_decode_prefixes(TU_DEC(kp_addparts_req_decode), v, &wb, &out);
        ck_assert(kstr_eq(out.transactional_id, "tx-1"));
        ck_assert(out.producer_id == 4242 && out.producer_epoch == 3);
        ck_assert_int_eq(out.ntopics, 2);
        ck_assert(kstr_eq(out.topics[1].name, "pay") && out.topics[1].parts[0] == 7);
        ck_assert(out.topics[0].nparts == 2 && out.topics[0].parts[1] == 2);
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_addoffsets_endtxn_roundtrip)
{
    for (int16_t v = 0; v <= 3; v++) {
        kp_addoffsets_req_t ao = {KSTR("tx"), 9, 1, KSTR("grp")};
        wbuf_t wb;
        wbuf_init(&wb);
        kp_addoffsets_req_encode(&wb, v, &ao);
        kp_addoffsets_req_t aout;
        tu_decode_prefixes(TU_DEC(kp_addoffsets_req_decode), v, &wb, &aout);
        ck_assert(kstr_eq(aout.group_id, "grp") && aout.producer_id == 9);
        wbuf_reset(&wb);
        kp_endtxn_req_t et = {KSTR("tx"), 9, 1, true};
        kp_endtxn_req_encode(&wb, v, &et);
        kp_endtxn_req_t eout;
        tu_decode_prefixes(TU_DEC(kp_endtxn_req_decode), v, &wb, &eout);
        ck_assert(eout.committed && eout.producer_epoch == 1 &&
                  kstr_eq(eout.transactional_id, "tx"));
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_describe_transactions)
{
    kstr_t ids[] = {KSTR("a"), KSTR("bb")};
    kp_dtxn_req_t in = {2, ids};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_dtxn_req_encode(&wb, 0, &in);
    kp_dtxn_req_t out;
    tu_decode_prefixes(TU_DEC(kp_dtxn_req_decode), 0, &wb, &out);
    ck_assert(out.nids == 2 && kstr_eq(out.transactional_ids[1], "bb"));
    wbuf_reset(&wb);
    int32_t parts[] = {1, 4};
    kp_topic_parts_t tp = {KSTR("t"), 2, parts};
    kp_dtxn_state_t st = {0, KSTR("a"), KSTR("Ongoing"), 60000, 1234, 77, 5, 1, &tp};
    kp_dtxn_resp_t resp = {0, 1, &st};
    kp_dtxn_resp_encode(&wb, 0, &resp);
    /* throttle(4) count(1) error(2) id(2) state(8) timeout(4) start(8) pid(8) epoch int32 */
    ck_assert_int_eq(wb.p[4 + 1 + 2 + 2 + 8 + 4 + 8 + 8 + 3], 5);
    kp_dtxn_resp_t back;
    tu_decode_prefixes(TU_DEC(kp_dtxn_resp_decode), 0, &wb, &back);
    ck_assert(back.nstates == 1 && back.states[0].producer_epoch == 5);
    ck_assert(kstr_eq(back.states[0].transaction_state, "Ongoing"));
    ck_assert(back.states[0].ntopics == 1 && back.states[0].topics[0].parts[1] == 4);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_list_transactions)
{
    kstr_t states[] = {KSTR("Ongoing")};
    int64_t pids[] = {5, 6};
    for (int16_t v = 0; v <= 1; v++) {
        kp_ltxn_req_t in = {1, states, 2, pids, 60000};
        wbuf_t wb;
        wbuf_init(&wb);
        kp_ltxn_req_encode(&wb, v, &in);
        kp_ltxn_req_t out;
        tu_decode_prefixes(TU_DEC(kp_ltxn_req_decode), v, &wb, &out);
        ck_assert(out.nstates == 1 && out.npids == 2 && out.producer_id_filters[1] == 6);
        ck_assert(out.duration_filter == (v >= 1 ? 60000 : -1));
        wbuf_reset(&wb);
        kstr_t unknown[] = {KSTR("Bogus")};
        kp_ltxn_txn_t txns[] = {{KSTR("tx"), 5, KSTR("Ongoing")}};
        kp_ltxn_resp_t resp = {0, 0, 1, unknown, 1, txns};
        kp_ltxn_resp_encode(&wb, v, &resp);
        kp_ltxn_resp_t back;
        tu_decode_prefixes(TU_DEC(kp_ltxn_resp_decode), v, &wb, &back);
        ck_assert(back.nunknown == 1 && kstr_eq(back.unknown_state_filters[0], "Bogus"));
        ck_assert(back.ntxns == 1 && back.txns[0].producer_id == 5);
        wbuf_free(&wb);
    }
}
END_TEST

START_TEST(test_describe_producers)
{
    int32_t parts[] = {3};
    kp_topic_parts_t tp = {KSTR("t"), 1, parts};
    kp_dprod_req_t in = {1, &tp};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_dprod_req_encode(&wb, 0, &in);
    kp_dprod_req_t out;
    tu_decode_prefixes(TU_DEC(kp_dprod_req_decode), 0, &wb, &out);
    ck_assert(out.ntopics == 1 && out.topics[0].parts[0] == 3);
    wbuf_reset(&wb);
    kp_dprod_producer_t pr = {42, 2, 9, 1000, -1, 17};
    kp_dprod_part_t pp = {3, 0, KSTR_NULL, 1, &pr};
    kp_dprod_topic_t pt = {KSTR("t"), 1, &pp};
    kp_dprod_resp_t resp = {0, 1, &pt};
    kp_dprod_resp_encode(&wb, 0, &resp);
    kp_dprod_resp_t back;
    tu_decode_prefixes(TU_DEC(kp_dprod_resp_decode), 0, &wb, &back);
    const kp_dprod_producer_t *b = &back.topics[0].parts[0].producers[0];
    ck_assert(b->producer_id == 42 && b->producer_epoch == 2 && b->last_sequence == 9);
    ck_assert(b->coordinator_epoch == -1 && b->current_txn_start_offset == 17);
    ck_assert(back.topics[0].parts[0].error_message.len < 0);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_huge_counts_refused)
{
    /* AddPartitionsToTxn v0 claiming 2^30 topics in a short body */
    uint8_t b[] = {0, 1, 't', 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0x40, 0, 0, 0};
    rbuf_t rb;
    rbuf_init(&rb, b, sizeof(b));
    arena_t a;
    arena_init(&a);
    kp_addparts_req_t out;
    ck_assert_int_eq(kp_addparts_req_decode(&rb, 0, &a, &out), KERR__BAD_MSG);
    arena_free(&a);
}
END_TEST

static Suite *proto_txn_suite(void)
{
    Suite *s = suite_create("proto_txn");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_addparts_roundtrip);
    tcase_add_test(tc, test_addoffsets_endtxn_roundtrip);
    tcase_add_test(tc, test_describe_transactions);
    tcase_add_test(tc, test_list_transactions);
    tcase_add_test(tc, test_describe_producers);
    tcase_add_test(tc, test_huge_counts_refused);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(proto_txn_suite)
