/* check_connect_cdata.c: Connect's data model, config definitions and the basic converters. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cdata.h"
#include "connector.h"
#include "testutil.h"

START_TEST(test_struct_schema_value_validate_copy)
{
    cd_schema_t *s = cd_schema_new(CD_STRUCT);
    cd_schema_set_name(s, "row");
    ck_assert(cd_schema_add_field(s, "id", cd_schema_prim(CD_INT32, false)));
    ck_assert(cd_schema_add_field(s, "name", cd_schema_prim(CD_STRING, true)));
    ck_assert(!cd_schema_add_field(s, "id", cd_schema_prim(CD_INT64, false)));
    cd_value_t *v = cd_struct_new(s);
    char err[256];
    ck_assert(!cd_value_validate(s, v, err, sizeof err)); /* id is required */
    ck_assert_ptr_nonnull(strstr(err, "\"id\""));
    ck_assert(cd_struct_set(v, "id", cd_int(CD_INT32, 7)));
    cd_value_t *stray = cd_int(CD_INT32, 1);
    ck_assert(!cd_struct_set(v, "nope", stray)); /* not taken: still ours */
    cd_value_free(stray);
    ck_assert(cd_value_validate(s, v, err, sizeof err));
    cd_struct_set(v, "id", cd_int(CD_INT32, 1LL << 40)); /* out of int32 range */
    ck_assert(!cd_value_validate(s, v, err, sizeof err));
    cd_struct_set(v, "id", cd_int(CD_INT32, 7));
    cd_struct_set(v, "name", cd_string("ann"));
    cd_value_t *c = cd_value_copy(v);
    ck_assert(cd_value_equal(v, c));
    cd_struct_set(c, "name", cd_string("bob"));
    ck_assert(!cd_value_equal(v, c));
    cd_schema_t *sc = cd_schema_copy(s);
    ck_assert(cd_schema_equal(s, sc));
    cd_schema_set_param(sc, "x", "y");
    ck_assert(!cd_schema_equal(s, sc));
    cd_schema_unref(sc);
    cd_schema_unref(s); /* v and c still hold references */
    ck_assert_str_eq(cd_struct_get(c, "name")->u.s.p, "bob");
    cd_value_free(v);
    cd_value_free(c);
}
END_TEST

START_TEST(test_decimal_text_round_trip)
{
    static const struct {
        const char *in;
        int scale;
        const char *out;
        size_t nbytes;
    } cases[] = {
        {"0", 2, "0.00", 1},
        {"1.5", 2, "1.50", 2},
        {"-1.5", 2, "-1.50", 2},
        {"127", 0, "127", 1},
        {"128", 0, "128", 2},
        {"-128", 0, "-128", 1},
        {"0.005", 2, "0.01", 1},
        {"-0.01", 2, "-0.01", 1},
        {"123456789012345678901234567890.12", 2, "123456789012345678901234567890.12", 14},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cd_value_t *v = cd_decimal_from_string(cases[i].in, cases[i].scale);
        ck_assert_ptr_nonnull(v);
        ck_assert_uint_eq(v->u.s.len, cases[i].nbytes);
        char *t = cd_decimal_to_string((uint8_t *)v->u.s.p, v->u.s.len, cases[i].scale);
        ck_assert_str_eq(t, cases[i].out);
        free(t);
        cd_value_free(v);
    }
    ck_assert_ptr_null(cd_decimal_from_string("1.2.3", 2));
    ck_assert_ptr_null(cd_decimal_from_string("abc", 2));
}
END_TEST

static const kc_cfg_def_t defs[] = {
    {.name = "file", .type = KC_CFG_STRING},
    {.name = "topic", .type = KC_CFG_STRING, .required = true},
    {.name = "batch.size",
     .type = KC_CFG_INT,
     .default_value = "2000",
     .validator = kc_valid_at_least,
     .valid_arg = "1"},
    {.name = "mode",
     .type = KC_CFG_STRING,
     .default_value = "insert",
     .validator = kc_valid_in,
     .valid_arg = "insert|upsert"},
    {.name = "fields", .type = KC_CFG_LIST, .default_value = " a, b ,,c"},
};

START_TEST(test_config_defaults_and_validation)
{
    json_t *props = json_pack("{ss ss}", "batch.size", "0", "mode", "merge");
    json_t *errs = NULL;
    ck_assert_int_eq(kc_cfg_validate(defs, 5, props, &errs), 3);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(errs, "topic"), 0)),
                     "Missing required configuration \"topic\" which has no default value.");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(errs, "batch.size"), 0)),
                     "Invalid value 0 for configuration batch.size: Value must be at least 1");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(errs, "mode"), 0)),
                     "Invalid value merge for configuration mode: String must be one of: "
                     "insert, upsert");
    ck_assert_uint_eq(json_array_size(json_object_get(errs, "file")), 0);
    json_decref(errs);
    json_object_set_new(props, "batch.size", json_string("x"));
    json_object_set_new(props, "mode", json_string("UPSERT"));
    json_object_set_new(props, "topic", json_string("t"));
    ck_assert_int_eq(kc_cfg_validate(defs, 5, props, &errs), 1);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(errs, "batch.size"), 0)),
                     "Invalid value x for configuration batch.size: Not a number of type INT");
    json_decref(errs);
    json_object_del(props, "batch.size");
    ck_assert_int_eq(kc_cfg_validate(defs, 5, props, NULL), 0);
    ck_assert_int_eq(kc_cfg_int(defs, 5, props, "batch.size"), 2000);
    json_t *l = kc_cfg_list(defs, 5, props, "fields");
    ck_assert_uint_eq(json_array_size(l), 3);
    ck_assert_str_eq(json_string_value(json_array_get(l, 1)), "b");
    json_decref(l);
    json_decref(props);
}
END_TEST

START_TEST(test_registry_and_basic_converters)
{
    ck_assert_int_eq(kc_plugins_init(NULL, NULL, 0), 0);
    const kc_plugin_t *src = kc_plugin_find(KC_PLUGIN_SOURCE, "FileStreamSource");
    ck_assert_ptr_nonnull(src);
    ck_assert_ptr_eq(kc_plugin_find(KC_PLUGIN_SOURCE, "FileStreamSourceConnector"), src);
    ck_assert_ptr_eq(kc_plugin_find_any("org.apache.kafka.connect.file.FileStreamSourceConnector"),
                     src);
    ck_assert_ptr_null(kc_plugin_find(KC_PLUGIN_SINK, "FileStreamSource"));
    const kc_plugin_t *sc = kc_plugin_find(KC_PLUGIN_CONVERTER, "StringConverter");
    ck_assert_ptr_nonnull(sc);
    char err[128];
    void *c = sc->ops.converter.configure(NULL, false, err, sizeof err);
    cd_schema_t *s = cd_schema_new(CD_STRUCT);
    cd_schema_add_field(s, "a", cd_schema_prim(CD_INT32, false));
    cd_schema_add_field(s, "b", cd_schema_prim(CD_STRING, true));
    cd_value_t *v = cd_struct_new(s);
    cd_struct_set(v, "a", cd_int(CD_INT32, 1));
    cd_struct_set(v, "b", cd_string("x"));
    uint8_t *out;
    size_t len;
    ck_assert_int_eq(sc->ops.converter.from_connect(c, "t", s, v, &out, &len, err, sizeof err),
                     KC_OK);
    ck_assert_str_eq((char *)out, "Struct{a=1,b=x}");
    free(out);
    cd_schema_t *rs;
    cd_value_t *rv;
    ck_assert_int_eq(
        sc->ops.converter.to_connect(c, "t", (const uint8_t *)"hi", 2, &rs, &rv, err, sizeof err),
        KC_OK);
    ck_assert(rs->optional && rs->type == CD_STRING);
    ck_assert_str_eq(rv->u.s.p, "hi");
    cd_value_free(rv);
    const kc_plugin_t *bc = kc_plugin_find(KC_PLUGIN_CONVERTER, "ByteArrayConverter");
    ck_assert_int_eq(bc->ops.converter.from_connect(NULL, "t", s, v, &out, &len, err, sizeof err),
                     KC_ERR);
    cd_value_free(v);
    cd_schema_unref(s);
}
END_TEST

static Suite *connect_cdata_suite(void)
{
    Suite *s = suite_create("connect_cdata");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_struct_schema_value_validate_copy);
    tcase_add_test(tc, test_decimal_text_round_trip);
    tcase_add_test(tc, test_config_defaults_and_validation);
    tcase_add_test(tc, test_registry_and_basic_converters);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(connect_cdata_suite)
