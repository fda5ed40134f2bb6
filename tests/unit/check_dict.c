/* check_dict.c: insert, replace, delete with tombstones, growth, iteration. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dict.h"

START_TEST(test_dict_set_get_replace_delete)
{
    dict_t *d = dict_new();
    ck_assert_ptr_null(dict_set(d, "a", (void *)1));
    ck_assert_ptr_eq(dict_set(d, "a", (void *)2), (void *)1);
    ck_assert_ptr_eq(dict_get(d, "a"), (void *)2);
    ck_assert_ptr_null(dict_get(d, "b"));
    ck_assert_ptr_eq(dict_del(d, "a"), (void *)2);
    ck_assert_ptr_null(dict_get(d, "a"));
    ck_assert_uint_eq(dict_size(d), 0);
    dict_free(d, NULL);
}
END_TEST

START_TEST(test_dict_many_keys_survive_growth_and_churn)
{
    dict_t *d = dict_new();
    char k[32];
    for (intptr_t i = 1; i <= 5000; i++) {
        snprintf(k, sizeof(k), "topic-%ld", (long)i);
        dict_set(d, k, (void *)i);
    }
    for (intptr_t i = 1; i <= 5000; i += 2) {
        snprintf(k, sizeof(k), "topic-%ld", (long)i);
        ck_assert_ptr_eq(dict_del(d, k), (void *)i);
    }
    for (intptr_t i = 1; i <= 5000; i++) {
        snprintf(k, sizeof(k), "topic-%ld", (long)i);
        ck_assert_ptr_eq(dict_get(d, k), (i % 2) ? NULL : (void *)i);
    }
    size_t it = 0, n = 0;
    const char *key;
    void *v;
    while (dict_next(d, &it, &key, &v)) n++;
    ck_assert_uint_eq(n, 2500);
    ck_assert_uint_eq(dict_size(d), 2500);
    dict_free(d, NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dict");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_dict_set_get_replace_delete);
    tcase_add_test(tc, test_dict_many_keys_survive_growth_and_churn);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
