/* check_connect_xform.c: every transform through its plugin ops (configure from Kafka's keys,
 * apply to a record), with a schema (Struct) and without (Map), plus bad configs. */
#include "testutil.h"
#include "xform.h"

static void *configure(const kc_plugin_t *p, const char *json_props, char *err)
{
    json_error_t je;
    json_t *props = json_loads(json_props, 0, &je);
    ck_assert_ptr_nonnull(props);
    void *x = p->ops.transform.configure(props, err, 256);
    json_decref(props);
    return x;
}

static void *must_configure(const kc_plugin_t *p, const char *json_props)
{
    char err[256] = "";
    void *x = configure(p, json_props, err);
    ck_assert_msg(x != NULL, "%s: %s", p->class_name, err);
    return x;
}

static cd_schema_t *user_schema(void)
{
    cd_schema_t *s = cd_schema_new(CD_STRUCT);
    cd_schema_add_field(s, "id", cd_schema_prim(CD_INT32, false));
    cd_schema_add_field(s, "name", cd_schema_prim(CD_STRING, true));
    cd_schema_add_field(s, "ssn", cd_schema_prim(CD_STRING, false));
    cd_schema_add_field(s, "age", cd_schema_prim(CD_INT64, false));
    cd_schema_set_name(s, "kc.User");
    return s;
}

/* A sink-style record on topic "users" partition 2 offset 41 timestamp 2024-03-05 06:07:08.009
 * with a User struct value. */
static cd_record_t *user_record(void)
{
    cd_record_t *r = cd_record_new("users");
    r->partition = 2;
    r->offset = 41;
    r->timestamp = 1709618828009LL;
    cd_schema_t *s = user_schema();
    cd_value_t *v = cd_struct_new(s);
    cd_struct_set(v, "id", cd_int(CD_INT32, 7));
    cd_struct_set(v, "name", cd_string("ann"));
    cd_struct_set(v, "ssn", cd_string("123-45-6789"));
    cd_struct_set(v, "age", cd_int(CD_INT64, 30));
    cd_record_set_value(r, s, v);
    return r;
}

static cd_record_t *map_record(void)
{
    cd_record_t *r = cd_record_new("users");
    r->partition = 0;
    r->offset = 5;
    r->timestamp = 0;
    cd_value_t *m = cd_map_new();
    cd_map_put(m, cd_string("id"), cd_int(CD_INT64, 7));
    cd_map_put(m, cd_string("ssn"), cd_string("123"));
    cd_map_put(m, cd_string("tags"), cd_array_new());
    cd_record_set_value(r, NULL, m);
    return r;
}

static void apply_ok(const kc_plugin_t *p, void *x, cd_record_t **r)
{
    char err[256] = "";
    ck_assert_msg(p->ops.transform.apply(x, r, err, sizeof err) == KC_OK, "%s", err);
}

START_TEST(test_insert_field_with_schema)
{
    const kc_plugin_t *p = &xf_insert_value_plugin;
    void *x = must_configure(p, "{\"topic.field\":\"t!\",\"partition.field\":\"p\","
                                "\"offset.field\":\"o\",\"timestamp.field\":\"ts\","
                                "\"static.field\":\"src\",\"static.value\":\"pg\"}");
    cd_record_t *r = user_record();
    apply_ok(p, x, &r);
    const cd_schema_t *s = r->value_schema;
    ck_assert_int_eq(s->nfields, 9);
    ck_assert_str_eq(s->name, "kc.User");
    ck_assert(!cd_schema_field(s, "t")->schema->optional);
    ck_assert(cd_schema_field(s, "p")->schema->optional);
    ck_assert(cd_schema_is_logical(cd_schema_field(s, "ts")->schema, CD_LOGICAL_TIMESTAMP));
    ck_assert_str_eq(cd_struct_get(r->value, "t")->u.s.p, "users");
    ck_assert_int_eq(cd_struct_get(r->value, "p")->u.i, 2);
    ck_assert_int_eq(cd_struct_get(r->value, "o")->u.i, 41);
    ck_assert_int_eq(cd_struct_get(r->value, "ts")->u.i, 1709618828009LL);
    ck_assert_str_eq(cd_struct_get(r->value, "src")->u.s.p, "pg");
    ck_assert_str_eq(cd_struct_get(r->value, "name")->u.s.p, "ann");
    char err[256];
    ck_assert(cd_value_validate(s, r->value, err, sizeof err));
    /* the derived schema is cached: a second record gets the same one */
    cd_record_t *r2 = user_record();
    apply_ok(p, x, &r2);
    ck_assert_ptr_eq(r2->value_schema, r->value_schema);
    /* a tombstone passes through */
    cd_record_set_value(r2, NULL, NULL);
    apply_ok(p, x, &r2);
    ck_assert_ptr_null(r2->value);
    /* offset.field on a source record (offset -1) is an error */
    cd_record_t *src = user_record();
    src->offset = -1;
    ck_assert_int_eq(p->ops.transform.apply(x, &src, err, sizeof err), KC_ERR);
    ck_assert_ptr_nonnull(strstr(err, "Only SinkRecord supported"));
    cd_record_free(src);
    cd_record_free(r), cd_record_free(r2);
    p->ops.transform.close(x);
}
END_TEST

START_TEST(test_insert_field_schemaless_and_key)
{
    const kc_plugin_t *p = &xf_insert_value_plugin;
    void *x = must_configure(p, "{\"topic.field\":\"t\",\"offset.field\":\"o\"}");
    cd_record_t *r = map_record();
    apply_ok(p, x, &r);
    ck_assert_str_eq(cd_map_get_str(r->value, "t")->u.s.p, "users");
    ck_assert_int_eq(cd_map_get_str(r->value, "o")->u.i, 5);
    p->ops.transform.close(x);
    /* $Key works on the key; a string key is neither Struct nor Map */
    const kc_plugin_t *pk = &xf_insert_key_plugin;
    x = must_configure(pk, "{\"topic.field\":\"t\"}");
    cd_record_set_key(r, cd_schema_prim(CD_STRING, false), cd_string("k"));
    char err[256];
    ck_assert_int_eq(pk->ops.transform.apply(x, &r, err, sizeof err), KC_ERR);
    ck_assert_ptr_nonnull(strstr(err, "Only Struct objects supported for [field insertion]"));
    cd_record_free(r);
    pk->ops.transform.close(x);
}
END_TEST

START_TEST(test_replace_field)
{
    const kc_plugin_t *p = &xf_replace_value_plugin;
    void *x = must_configure(p, "{\"exclude\":\"ssn\",\"renames\":\"id:user_id,age:years\"}");
    cd_record_t *r = user_record();
    apply_ok(p, x, &r);
    const cd_schema_t *s = r->value_schema;
    ck_assert_int_eq(s->nfields, 3);
    ck_assert_str_eq(s->fields[0].name, "user_id");
    ck_assert_str_eq(s->fields[1].name, "name");
    ck_assert_str_eq(s->fields[2].name, "years");
    ck_assert_int_eq(cd_struct_get(r->value, "years")->u.i, 30);
    cd_record_free(r);
    p->ops.transform.close(x);
    x = must_configure(p, "{\"include\":\"id, ssn\"}");
    r = map_record();
    apply_ok(p, x, &r);
    ck_assert_int_eq(r->value->u.map.n, 2);
    ck_assert_ptr_null(cd_map_get_str(r->value, "tags"));
    cd_record_free(r);
    p->ops.transform.close(x);
    char err[256];
    ck_assert_ptr_null(configure(p, "{\"renames\":\"a:b,c\"}", err));
    ck_assert_ptr_nonnull(strstr(err, "Invalid rename mapping"));
}
END_TEST

START_TEST(test_mask_field)
{
    const kc_plugin_t *p = &xf_mask_value_plugin;
    void *x = must_configure(p, "{\"fields\":\"ssn,age\"}");
    cd_record_t *r = user_record();
    apply_ok(p, x, &r);
    ck_assert_str_eq(cd_struct_get(r->value, "ssn")->u.s.p, "");
    ck_assert_int_eq(cd_struct_get(r->value, "age")->u.i, 0);
    ck_assert_str_eq(cd_struct_get(r->value, "name")->u.s.p, "ann");
    cd_record_free(r);
    p->ops.transform.close(x);
    x = must_configure(p, "{\"fields\":\"ssn\",\"replacement\":\"***\"}");
    r = map_record();
    apply_ok(p, x, &r);
    ck_assert_str_eq(cd_map_get_str(r->value, "ssn")->u.s.p, "***");
    cd_record_free(r);
    p->ops.transform.close(x);
    /* a replacement that is not a number for a numeric field fails the record */
    x = must_configure(p, "{\"fields\":\"age\",\"replacement\":\"old\"}");
    r = user_record();
    char err[256];
    ck_assert_int_eq(p->ops.transform.apply(x, &r, err, sizeof err), KC_ERR);
    cd_record_free(r);
    p->ops.transform.close(x);
    ck_assert_ptr_null(configure(p, "{}", err)); /* fields is required */
    ck_assert_ptr_nonnull(strstr(err, "fields"));
}
END_TEST

START_TEST(test_value_to_key)
{
    const kc_plugin_t *p = &xf_value_to_key_plugin;
    void *x = must_configure(p, "{\"fields\":\"id,name\"}");
    cd_record_t *r = user_record();
    apply_ok(p, x, &r);
    ck_assert_int_eq(r->key_schema->type, CD_STRUCT);
    ck_assert_int_eq(r->key_schema->nfields, 2);
    ck_assert_int_eq(cd_struct_get(r->key, "id")->u.i, 7);
    ck_assert_str_eq(cd_struct_get(r->key, "name")->u.s.p, "ann");
    ck_assert_int_eq(cd_struct_get(r->value, "id")->u.i, 7); /* the value keeps its fields */
    cd_record_free(r);
    r = map_record();
    apply_ok(p, x, &r);
    ck_assert_ptr_null(r->key_schema);
    ck_assert_int_eq(cd_map_get_str(r->key, "id")->u.i, 7);
    cd_record_free(r);
    p->ops.transform.close(x);
    x = must_configure(p, "{\"fields\":\"nope\"}");
    r = user_record();
    char err[256];
    ck_assert_int_eq(p->ops.transform.apply(x, &r, err, sizeof err), KC_ERR);
    ck_assert_str_eq(err, "Field does not exist: nope");
    cd_record_free(r);
    p->ops.transform.close(x);
}
END_TEST

START_TEST(test_extract_field)
{
    const kc_plugin_t *p = &xf_extract_value_plugin;
    void *x = must_configure(p, "{\"field\":\"name\"}");
    cd_record_t *r = user_record();
    apply_ok(p, x, &r);
    ck_assert_ptr_eq(r->value_schema, cd_schema_prim(CD_STRING, true));
    ck_assert_str_eq(r->value->u.s.p, "ann");
    cd_record_free(r);
    r = map_record();
    p->ops.transform.close(x);
    x = must_configure(p, "{\"field\":\"id\"}");
    apply_ok(p, x, &r);
    ck_assert_int_eq(r->value->u.i, 7);
    cd_record_free(r);
    p->ops.transform.close(x);
    /* ExtractField$Key after ValueToKey: the common "key from a value field" chain */
    void *v2k = must_configure(&xf_value_to_key_plugin, "{\"fields\":\"id\"}");
    void *ek = must_configure(&xf_extract_key_plugin, "{\"field\":\"id\"}");
    r = user_record();
    apply_ok(&xf_value_to_key_plugin, v2k, &r);
    apply_ok(&xf_extract_key_plugin, ek, &r);
    ck_assert_int_eq(r->key_schema->type, CD_INT32);
    ck_assert_int_eq(r->key->u.i, 7);
    cd_record_free(r);
    xf_value_to_key_plugin.ops.transform.close(v2k);
    xf_extract_key_plugin.ops.transform.close(ek);
    x = must_configure(p, "{\"field\":\"zip\"}");
    r = user_record();
    char err[256];
    ck_assert_int_eq(p->ops.transform.apply(x, &r, err, sizeof err), KC_ERR);
    ck_assert_str_eq(err, "Unknown field: zip");
    cd_record_free(r);
    p->ops.transform.close(x);
}
END_TEST

START_TEST(test_regex_router)
{
    const kc_plugin_t *p = &xf_regex_router_plugin;
    void *x = must_configure(p, "{\"regex\":\"(.*)-(.*)\",\"replacement\":\"$2.$1\"}");
    cd_record_t *r = user_record();
    cd_record_set_topic(r, "orders-eu");
    apply_ok(p, x, &r);
    ck_assert_str_eq(r->topic, "eu.orders");
    cd_record_set_topic(r, "plain"); /* no full match: unchanged */
    apply_ok(p, x, &r);
    ck_assert_str_eq(r->topic, "plain");
    p->ops.transform.close(x);
    /* matches() is a full match: "ab" does not rewrite "xaby" */
    x = must_configure(p, "{\"regex\":\"ab\",\"replacement\":\"Z\"}");
    cd_record_set_topic(r, "xaby");
    apply_ok(p, x, &r);
    ck_assert_str_eq(r->topic, "xaby");
    cd_record_free(r);
    p->ops.transform.close(x);
    char err[256];
    ck_assert_ptr_null(configure(p, "{\"regex\":\"(\",\"replacement\":\"x\"}", err));
    ck_assert_ptr_null(configure(p, "{\"regex\":\"a\"}", err));
}
END_TEST

START_TEST(test_timestamp_router)
{
    const kc_plugin_t *p = &xf_timestamp_router_plugin;
    void *x = must_configure(p, "{}");
    cd_record_t *r = user_record();
    apply_ok(p, x, &r);
    ck_assert_str_eq(r->topic, "users-20240305");
    p->ops.transform.close(x);
    x = must_configure(p, "{\"topic.format\":\"${timestamp}_${topic}\",\"timestamp.format\":"
                          "\"yyyy-MM-dd'T'HH.mm.ss.SSS\"}");
    apply_ok(p, x, &r);
    ck_assert_str_eq(r->topic, "2024-03-05T06.07.08.009_users-20240305");
    r->timestamp = -1;
    char err[256];
    ck_assert_int_eq(p->ops.transform.apply(x, &r, err, sizeof err), KC_ERR);
    ck_assert_ptr_nonnull(strstr(err, "Timestamp missing on record"));
    cd_record_free(r);
    p->ops.transform.close(x);
    ck_assert_ptr_null(configure(p, "{\"timestamp.format\":\"yyyyQQ\"}", err));
    ck_assert_ptr_nonnull(strstr(err, "timestamp.format"));
}
END_TEST

START_TEST(test_transforms_are_registered_under_kafka_names)
{
    char err[256];
    ck_assert_int_eq(kc_plugins_init(NULL, err, sizeof err), 0);
    static const char *const names[] = {
        "org.apache.kafka.connect.transforms.InsertField$Value",
        "org.apache.kafka.connect.transforms.InsertField$Key",
        "org.apache.kafka.connect.transforms.ReplaceField$Value",
        "org.apache.kafka.connect.transforms.MaskField$Value",
        "org.apache.kafka.connect.transforms.ValueToKey",
        "org.apache.kafka.connect.transforms.ExtractField$Key",
        "org.apache.kafka.connect.transforms.RegexRouter",
        "org.apache.kafka.connect.transforms.TimestampRouter",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_msg(kc_plugin_find(KC_PLUGIN_TRANSFORM, names[i]) != NULL, "%s", names[i]);
    ck_assert_ptr_nonnull(
        kc_plugin_find(KC_PLUGIN_CONVERTER, "org.apache.kafka.connect.json.JsonConverter"));
}
END_TEST

static Suite *xform_suite(void)
{
    Suite *s = suite_create("connect_xform");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_insert_field_with_schema);
    tcase_add_test(tc, test_insert_field_schemaless_and_key);
    tcase_add_test(tc, test_replace_field);
    tcase_add_test(tc, test_mask_field);
    tcase_add_test(tc, test_value_to_key);
    tcase_add_test(tc, test_extract_field);
    tcase_add_test(tc, test_regex_router);
    tcase_add_test(tc, test_timestamp_router);
    tcase_add_test(tc, test_transforms_are_registered_under_kafka_names);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(xform_suite)
