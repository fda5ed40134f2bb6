/* check_kpjson.c: Kafka bodies <-> JSON by schema (common/proto/kpjson.c): the bytes written
 * for a known request, round trips (plain and flexible), null arrays and strings, truncated
 * or lying input. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "proto/kpjson.h"
#include "testutil.h"

#define SCHEMA                                                                                     \
    "id:i32,name:str,note:nstr,keys:?[str],parts:[index:i32,offset:i64,ok:bool,tag:i8,"            \
    "small:i16],blob:nbytes"

START_TEST(test_kpjson_encodes_wire_order)
{
    /* OffsetFetch v5: group "g", topics null */
    json_t *doc = json_pack("{sssn}", "group_id", "g", "topics");
    wbuf_t wb;
    wbuf_init(&wb);
    kpjson_encode("group_id:str,topics:?[name:str,partition_indexes:[i32]]", doc, &wb, false);
    const uint8_t want[] = {0, 1, 'g', 0xff, 0xff, 0xff, 0xff};
    ck_assert_uint_eq(wb.len, sizeof(want));
    ck_assert_mem_eq(wb.p, want, sizeof(want));
    wbuf_free(&wb);
    json_decref(doc);
}
END_TEST

static json_t *roundtrip(const json_t *doc, bool flex)
{
    wbuf_t wb;
    wbuf_init(&wb);
    kpjson_encode(SCHEMA, doc, &wb, flex);
    rbuf_t rb;
    rbuf_init(&rb, wb.p, wb.len);
    json_t *back = kpjson_decode(SCHEMA, &rb, flex);
    ck_assert_uint_eq(rbuf_left(&rb), 0);
    wbuf_free(&wb);
    return back;
}

START_TEST(test_kpjson_round_trips)
{
    json_t *doc = json_pack("{sisssns[ss]s[{sisIsbsisi}]ss}", "id", -7, "name", "topic", "note",
                            "keys", "a", "b", "parts", "index", 3, "offset", (json_int_t)1 << 40,
                            "ok", 1, "tag", -2, "small", 300, "blob", "xyz");
    for (int flex = 0; flex < 2; flex++) {
        json_t *back = roundtrip(doc, flex);
        ck_assert_ptr_nonnull(back);
        json_t *want = json_deep_copy(doc);
        json_object_set_new(want, "blob", json_integer(3)); /* bytes decode as their size */
        char *a = json_dumps(back, JSON_SORT_KEYS), *b = json_dumps(want, JSON_SORT_KEYS);
        ck_assert_str_eq(a, b);
        free(a), free(b);
        json_decref(back), json_decref(want);
    }
    json_decref(doc);
}
END_TEST

START_TEST(test_kpjson_missing_fields_take_defaults)
{
    json_t *empty = json_object();
    json_t *back = roundtrip(empty, false);
    json_decref(empty);
    ck_assert_ptr_nonnull(back);
    ck_assert_int_eq(json_integer_value(json_object_get(back, "id")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(back, "name")), "");
    ck_assert(json_is_null(json_object_get(back, "note")));
    ck_assert(json_is_null(json_object_get(back, "keys")));
    ck_assert_uint_eq(json_array_size(json_object_get(back, "parts")), 0);
    ck_assert(json_is_null(json_object_get(back, "blob")));
    json_decref(back);
}
END_TEST

START_TEST(test_kpjson_rejects_short_and_lying_input)
{
    const uint8_t shortbuf[] = {0, 0, 0, 1, 0, 5, 'a'}; /* name claims 5 bytes, has 1 */
    rbuf_t rb;
    rbuf_init(&rb, shortbuf, sizeof(shortbuf));
    ck_assert_ptr_null(kpjson_decode(SCHEMA, &rb, false));
    const uint8_t huge[] = {0, 0, 0, 1, 0, 0, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff}; /* array */
    rbuf_init(&rb, huge, sizeof(huge));
    ck_assert_ptr_null(kpjson_decode(SCHEMA, &rb, false));
    const uint8_t bad_utf8[] = {0,    0,    0,    1,    0, 2, 0xff, 'x', /* id, name */
                                0xff, 0xff,                              /* note: null */
                                0xff, 0xff, 0xff, 0xff,                  /* keys: null */
                                0,    0,    0,    0,                     /* parts: [] */
                                0xff, 0xff, 0xff, 0xff};                 /* blob: null */
    rbuf_init(&rb, bad_utf8, sizeof(bad_utf8));
    json_t *d = kpjson_decode(SCHEMA, &rb, false);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(json_string_value(json_object_get(d, "name")), "?x");
    json_decref(d);
}
END_TEST

START_TEST(test_kpjson_raw_bytes_kept_for_a_nested_decode)
{
    const uint8_t inner[] = {0, 7, 0xff, 0x00}; /* i16 7, then two bytes not UTF-8 */
    json_t *doc = json_pack("{so}", "b", json_stringn_nocheck((const char *)inner, 4));
    wbuf_t wb;
    wbuf_init(&wb);
    kpjson_encode("b:raw", doc, &wb, false);
    rbuf_t rb;
    rbuf_init(&rb, wb.p, wb.len);
    json_t *back = kpjson_decode("b:raw", &rb, false);
    ck_assert_ptr_nonnull(back);
    json_t *b = json_object_get(back, "b");
    ck_assert_uint_eq(json_string_length(b), 4);
    ck_assert_mem_eq(json_string_value(b), inner, 4);
    rbuf_init(&rb, json_string_value(b), json_string_length(b));
    json_t *in = kpjson_decode("v:i16", &rb, false);
    ck_assert_int_eq(json_integer_value(json_object_get(in, "v")), 7);
    json_decref(in), json_decref(back), json_decref(doc);
    wbuf_free(&wb);
}
END_TEST

static Suite *kpjson_suite(void)
{
    Suite *s = suite_create("kpjson");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_kpjson_encodes_wire_order);
    tcase_add_test(tc, test_kpjson_round_trips);
    tcase_add_test(tc, test_kpjson_missing_fields_take_defaults);
    tcase_add_test(tc, test_kpjson_rejects_short_and_lying_input);
    tcase_add_test(tc, test_kpjson_raw_bytes_kept_for_a_nested_decode);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(kpjson_suite)
