/* check_pg.c: the libpq wrapper's pure parts: JDBC URL parsing, COPY text escaping, identifier
 * quoting, numeric scale from a type modifier. The server-backed parts are exercised by
 * tests/integ/test_connect_pg.py against a real PostgreSQL. */
#include "pg.h"
#include "testutil.h"

START_TEST(test_pg_url_parse_jdbc_forms)
{
    pg_url_t u;
    char err[128];
    ck_assert_int_eq(
        pg_url_parse(
            "jdbc:postgresql://db.example:6543/sales?user=bob&password=p%3d&sslmode=disable", &u,
            err, sizeof err),
        0);
    ck_assert_str_eq(u.host, "db.example");
    ck_assert_str_eq(u.port, "6543");
    ck_assert_str_eq(u.db, "sales");
    ck_assert_str_eq(u.user, "bob");
    ck_assert_str_eq(u.password, "p%3d");
    ck_assert_str_eq(u.sslmode, "disable");
    ck_assert_int_eq(pg_url_parse("jdbc:postgresql://127.0.0.1/kc", &u, err, sizeof err), 0);
    ck_assert_str_eq(u.port, "5432");
    ck_assert_str_eq(u.db, "kc");
    ck_assert_int_eq(pg_url_parse("jdbc:postgresql:///kc", &u, err, sizeof err), 0);
    ck_assert_str_eq(u.host, "localhost");
    ck_assert_int_eq(pg_url_parse("jdbc:postgresql://h:5432?user=x", &u, err, sizeof err), 0);
    ck_assert_str_eq(u.db, "");
    ck_assert_str_eq(u.user, "x");
}
END_TEST

START_TEST(test_pg_url_parse_rejects_other_urls)
{
    pg_url_t u;
    char err[128];
    ck_assert_int_eq(pg_url_parse("jdbc:mysql://h/db", &u, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "connection.url"));
    ck_assert_int_eq(pg_url_parse("jdbc:postgresql://h:12x/db", &u, err, sizeof err), -1);
    ck_assert_int_eq(pg_url_parse("jdbc:postgresql://h:/db", &u, err, sizeof err), -1);
    ck_assert_int_eq(pg_url_parse(NULL, &u, err, sizeof err), -1);
}
END_TEST

START_TEST(test_pg_copy_escapes_specials)
{
    wbuf_t wb;
    wbuf_init(&wb);
    pg_copy_field(&wb, "a\tb\\c\nd\re", 9, '\t');
    pg_copy_null(&wb, '\t');
    pg_copy_field(&wb, "", 0, '\n');
    ck_assert_int_eq(wb.len, strlen("a\\tb\\\\c\\nd\\re\t\\N\t\n"));
    ck_assert(memcmp(wb.p, "a\\tb\\\\c\\nd\\re\t\\N\t\n", wb.len) == 0);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_pg_ident_doubles_quotes)
{
    wbuf_t wb;
    wbuf_init(&wb);
    pg_ident(&wb, "we\"ird");
    ck_assert_int_eq(wb.len, 9);
    ck_assert(memcmp(wb.p, "\"we\"\"ird\"", 9) == 0);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_pg_numeric_scale_from_typmod)
{
    ck_assert_int_eq(pg_numeric_scale(((12 << 16) | 3) + 4), 3);
    ck_assert_int_eq(pg_numeric_scale(((5 << 16) | 0) + 4), 0);
    ck_assert_int_eq(pg_numeric_scale(-1), -1);
}
END_TEST

static Suite *pg_suite(void)
{
    Suite *s = suite_create("pg");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_pg_url_parse_jdbc_forms);
    tcase_add_test(tc, test_pg_url_parse_rejects_other_urls);
    tcase_add_test(tc, test_pg_copy_escapes_specials);
    tcase_add_test(tc, test_pg_ident_doubles_quotes);
    tcase_add_test(tc, test_pg_numeric_scale_from_typmod);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(pg_suite)
