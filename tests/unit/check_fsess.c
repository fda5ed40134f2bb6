/* check_fsess.c: KIP-227 fetch sessions. The follower's side (fshandler) sends a full request
 * naming every partition after anything that may leave its session and the leader's apart,
 * and never leaves out of an incremental one a partition whose fetch offset, log start or
 * leader epoch changed; the broker's cache (fsess) keeps the fetch offset the requests gave. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "replica/fsess.h"
#include "replica/fshandler.h"
#include "testutil.h"

typedef struct fsh_req {
    bool full;
    int nincluded; /* partitions named */
    int nforgotten;
    int32_t session_id, session_epoch;
} fsh_req_t;

/* One request over n partitions "t"-0.. with fetch offsets offs[] and leader epoch epoch. */
static fsh_req_t fsh_round(fshandler_t *h, int n, const int64_t *offs, int32_t epoch)
{
    arena_t a;
    arena_init(&a);
    kp_fetch_req_t req;
    memset(&req, 0, sizeof(req));
    fsh_req_t out = {.full = fshandler_begin(h, &req)};
    for (int i = 0; i < n; i++) {
        kp_fetch_part_t p = {.partition = i,
                             .current_leader_epoch = epoch,
                             .fetch_offset = offs[i],
                             .log_start_offset = 0};
        out.nincluded += fshandler_include(h, "t", &p);
    }
    fshandler_end(h, &a, &req);
    out.nforgotten = req.nforgotten;
    out.session_id = req.session_id;
    out.session_epoch = req.session_epoch;
    arena_free(&a);
    return out;
}

START_TEST(test_follower_session_full_then_incremental_then_full_again)
{
    fshandler_t *h = fshandler_new();
    int64_t offs[3] = {10, 20, 30};
    fsh_req_t r = fsh_round(h, 3, offs, 5);
    ck_assert(r.full);
    ck_assert_int_eq(r.session_epoch, 0);
    ck_assert_int_eq(r.nincluded, 3);
    fshandler_answer(h, true, KERR_NONE, 77);
    /* nothing moved: an incremental request naming nothing */
    r = fsh_round(h, 3, offs, 5);
    ck_assert(!r.full);
    ck_assert_int_eq(r.session_id, 77);
    ck_assert_int_eq(r.session_epoch, 1);
    ck_assert_int_eq(r.nincluded, 0);
    fshandler_answer(h, false, KERR_NONE, 77);
    /* partition 1 appended (offset up) and partition 2 truncated (offset down): both named */
    offs[1] = 25;
    offs[2] = 12;
    r = fsh_round(h, 3, offs, 5);
    ck_assert(!r.full);
    ck_assert_int_eq(r.session_epoch, 2);
    ck_assert_int_eq(r.nincluded, 2);
    fshandler_answer(h, false, KERR_NONE, 77);
    /* a new leader epoch alone is a change too */
    r = fsh_round(h, 3, offs, 6);
    ck_assert_int_eq(r.nincluded, 3);
    fshandler_answer(h, false, KERR_NONE, 77);
    /* a partition left out is forgotten */
    r = fsh_round(h, 2, offs, 6);
    ck_assert(!r.full);
    ck_assert_int_eq(r.nforgotten, 1);
    fshandler_answer(h, false, KERR_NONE, 77);
    /* a reset (partition added, removed, truncated, in error): full, naming every partition
     * and the old id (the leader frees it) */
    fshandler_reset(h);
    r = fsh_round(h, 3, offs, 6);
    ck_assert(r.full);
    ck_assert_int_eq(r.session_id, 77);
    ck_assert_int_eq(r.session_epoch, 0);
    ck_assert_int_eq(r.nincluded, 3);
    ck_assert_int_eq(r.nforgotten, 0);
    fshandler_answer(h, true, KERR_NONE, 78);
    r = fsh_round(h, 3, offs, 6);
    ck_assert_int_eq(r.session_id, 78);
    ck_assert_int_eq(r.session_epoch, 1);
    ck_assert_int_eq(r.nincluded, 0);
    fshandler_free(h);
}
END_TEST

START_TEST(test_follower_session_errors_make_the_next_request_full)
{
    kerr_t errs[] = {KERR_FETCH_SESSION_ID_NOT_FOUND, KERR_INVALID_FETCH_SESSION_EPOCH,
                     KERR__TIMEDOUT, KERR_NOT_LEADER_OR_FOLLOWER};
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
        fshandler_t *h = fshandler_new();
        int64_t offs[2] = {1, 2};
        fsh_round(h, 2, offs, 0);
        fshandler_answer(h, true, KERR_NONE, 9);
        ck_assert(!fsh_round(h, 2, offs, 0).full);
        fshandler_answer(h, false, errs[i], 0);
        fsh_req_t r = fsh_round(h, 2, offs, 0);
        ck_assert(r.full);
        ck_assert_int_eq(r.nincluded, 2);
        fshandler_free(h);
    }
    /* an incremental answer from another session, or a sessionless answer: full again */
    fshandler_t *h = fshandler_new();
    int64_t offs[1] = {3};
    fsh_round(h, 1, offs, 0);
    fshandler_answer(h, true, KERR_NONE, 9);
    fsh_round(h, 1, offs, 0);
    fshandler_answer(h, false, KERR_NONE, 10);
    ck_assert(fsh_round(h, 1, offs, 0).full);
    fshandler_answer(h, true, KERR_NONE, 0);
    ck_assert(fsh_round(h, 1, offs, 0).full);
    fshandler_free(h);
}
END_TEST

/* The broker's cached fetch offset follows the requests only (Kafka's CachedPartition
 * .updateRequestParams): a partition an incremental request leaves out keeps the offset the
 * last request naming it gave, whatever the answers carried. */
START_TEST(test_cache_fetch_offset_follows_the_requests)
{
    fsess_cache_t *c = fsess_cache_new(2);
    fsess_t *s = fsess_create(c, true, 2, 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->epoch, 1);
    fsess_set(s, "t", 0, 5, 100, -1, 0, 1024);
    fsess_set(s, "t", 1, 5, 200, -1, 0, 1024);
    s->parts[0].sent_hw = 150; /* an answer: what the client was told, not where it fetches */
    fsess_set(s, "t", 1, 5, 250, -1, 0, 1024);
    ck_assert_int_eq(s->nparts, 2);
    ck_assert_int_eq(s->parts[0].fetch_offset, 100);
    ck_assert_int_eq(s->parts[0].sent_hw, 150);
    ck_assert_int_eq(s->parts[1].fetch_offset, 250);
    fsess_forget(s, "t", 0);
    ck_assert_int_eq(s->nparts, 1);
    ck_assert_int_eq(fsess_parts_cached(c), 1);
    ck_assert_ptr_eq(fsess_get(c, s->id), s);
    fsess_remove(c, s->id);
    ck_assert_int_eq(fsess_count(c), 0);
    fsess_cache_free(c);
}
END_TEST

static Suite *fsess_suite(void)
{
    Suite *s = suite_create("fsess");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_follower_session_full_then_incremental_then_full_again);
    tcase_add_test(tc, test_follower_session_errors_make_the_next_request_full);
    tcase_add_test(tc, test_cache_fetch_offset_follows_the_requests);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(fsess_suite)
