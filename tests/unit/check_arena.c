/* check_arena.c: the request arena (zeroed, aligned, big blocks, strndup) and the error
 * table (every code has a name; local errors map to wire codes). */
#include <check.h>
#include <stdint.h>

#include "arena.h"
#include "kerr.h"
#include "testutil.h"

START_TEST(test_arena_allocations)
{
    arena_t a;
    arena_init(&a);
    for (int i = 0; i < 1000; i++) {
        uint8_t *p = arena_alloc(&a, (size_t)(i % 97) + 1);
        ck_assert_uint_eq((uintptr_t)p % 16, 0);
        for (int k = 0; k < (i % 97) + 1; k++) ck_assert_uint_eq(p[k], 0);
        memset(p, 0xab, (size_t)(i % 97) + 1);
    }
    uint8_t *big = arena_calloc(&a, 100000, 4); /* larger than a chunk */
    ck_assert_uint_eq(big[399999], 0);
    char *s = arena_strndup(&a, "hello world", 5);
    ck_assert_str_eq(s, "hello");
    ck_assert_ptr_nonnull(arena_alloc(&a, 0));
    arena_free(&a);
    ck_assert_ptr_null(a.head);
}
END_TEST

START_TEST(test_kerr_names_and_wire_codes)
{
    ck_assert_str_eq(kerr_name(KERR_NONE), "NONE");
    ck_assert_str_eq(kerr_name(KERR_UNKNOWN_TOPIC_OR_PARTITION), "UNKNOWN_TOPIC_OR_PARTITION");
    ck_assert_str_eq(kerr_name(KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND),
                     "NOT_ENOUGH_REPLICAS_AFTER_APPEND");
    ck_assert_str_eq(kerr_name((kerr_t)9999), "UNKNOWN_ERROR_CODE");
    for (int e = -1; e <= 108; e++) ck_assert_str_ne(kerr_name((kerr_t)e), "UNKNOWN_ERROR_CODE");
    ck_assert_int_eq(kerr_wire(KERR_MESSAGE_TOO_LARGE), 10);
    ck_assert_int_eq(kerr_wire(KERR__BAD_MSG), KERR_CORRUPT_MESSAGE);
    ck_assert_int_eq(kerr_wire(KERR__IO), KERR_KAFKA_STORAGE_ERROR);
    ck_assert_int_eq(kerr_wire(KERR__NOENT), KERR_UNKNOWN_SERVER_ERROR);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("arena");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_arena_allocations);
    tcase_add_test(tc, test_kerr_names_and_wire_codes);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
