/* check_connect_json.c: JsonConverter: the envelope bytes Kafka writes (examples from Kafka's
 * JsonConverterTest and the Connect docs), schemas.enable=false, logical types, Java number
 * formatting, round trips, and errors for bad input. */
#include "conv_json.h"
#include "testutil.h"

static cj_t *conv(const char *schemas_enable, const char *decimal_format)
{
    json_t *p = json_object();
    if (schemas_enable) json_object_set_new(p, "schemas.enable", json_string(schemas_enable));
    if (decimal_format) json_object_set_new(p, "decimal.format", json_string(decimal_format));
    char err[256];
    cj_t *cj = cj_new(p, err, sizeof err);
    ck_assert_msg(cj != NULL, "%s", err);
    json_decref(p);
    return cj;
}

/* from_connect as a NUL-terminated string (caller frees). */
static char *to_json(cj_t *cj, const cd_schema_t *s, const cd_value_t *v)
{
    wbuf_t wb;
    wbuf_init(&wb);
    bool is_null;
    char err[256];
    ck_assert_msg(cj_from_connect(cj, s, v, &wb, &is_null, err, sizeof err) == 0, "%s", err);
    char *out = strndup((const char *)wb.p, wb.len);
    wbuf_free(&wb);
    return out;
}

static void assert_json(cj_t *cj, const cd_schema_t *s, const cd_value_t *v, const char *want)
{
    char *got = to_json(cj, s, v);
    ck_assert_str_eq(got, want);
    free(got);
}

static int from_json(cj_t *cj, const char *text, cd_schema_t **s, cd_value_t **v, char *err)
{
    return cj_to_connect(cj, (const uint8_t *)text, strlen(text), s, v, err, 256);
}

static cd_schema_t *row_schema(void)
{
    cd_schema_t *s = cd_schema_new(CD_STRUCT);
    cd_schema_add_field(s, "id", cd_schema_prim(CD_INT32, false));
    cd_schema_add_field(s, "name", cd_schema_prim(CD_STRING, true));
    cd_schema_add_field(s, "big", cd_schema_prim(CD_INT64, false));
    cd_schema_add_field(s, "ok", cd_schema_prim(CD_BOOLEAN, false));
    cd_schema_add_field(s, "score", cd_schema_prim(CD_FLOAT64, true));
    cd_schema_set_name(s, "kc.Row");
    return s;
}

static cd_value_t *row_value(cd_schema_t *s)
{
    cd_value_t *v = cd_struct_new(s);
    cd_struct_set(v, "id", cd_int(CD_INT32, 7));
    cd_struct_set(v, "name", cd_string("a\"b"));
    cd_struct_set(v, "big", cd_int(CD_INT64, 9007199254740993LL));
    cd_struct_set(v, "ok", cd_bool(true));
    return v; /* score stays null */
}

START_TEST(test_json_struct_envelope_bytes)
{
    cj_t *cj = conv(NULL, NULL);
    cd_schema_t *s = row_schema();
    cd_value_t *v = row_value(s);
    assert_json(cj, s, v,
                "{\"schema\":{\"type\":\"struct\",\"fields\":["
                "{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},"
                "{\"type\":\"string\",\"optional\":true,\"field\":\"name\"},"
                "{\"type\":\"int64\",\"optional\":false,\"field\":\"big\"},"
                "{\"type\":\"boolean\",\"optional\":false,\"field\":\"ok\"},"
                "{\"type\":\"double\",\"optional\":true,\"field\":\"score\"}],"
                "\"optional\":false,\"name\":\"kc.Row\"},"
                "\"payload\":{\"id\":7,\"name\":\"a\\\"b\",\"big\":9007199254740993,\"ok\":true,"
                "\"score\":null}}");
    /* the cached schema text is reused for an equal schema built separately */
    cd_schema_t *s2 = row_schema();
    cd_value_t *v2 = row_value(s2);
    char *a = to_json(cj, s, v), *b = to_json(cj, s2, v2);
    ck_assert_str_eq(a, b);
    free(a), free(b);
    cd_value_free(v), cd_value_free(v2);
    cd_schema_unref(s), cd_schema_unref(s2);
    cj_free(cj);
}
END_TEST

START_TEST(test_json_schemas_disabled_writes_payload_only)
{
    cj_t *cj = conv("false", NULL);
    cd_schema_t *s = row_schema();
    cd_value_t *v = row_value(s);
    assert_json(
        cj, s, v,
        "{\"id\":7,\"name\":\"a\\\"b\",\"big\":9007199254740993,\"ok\":true,\"score\":null}");
    cd_value_t *i = cd_int(CD_INT32, 12);
    assert_json(cj, cd_schema_prim(CD_INT32, false), i, "12");
    cd_value_free(i);
    cd_value_free(v);
    cd_schema_unref(s);
    cj_free(cj);
}
END_TEST

START_TEST(test_json_primitives_as_kafka_writes_them)
{
    cj_t *cj = conv(NULL, NULL);
    cd_value_t *b = cd_bool(true);
    assert_json(cj, cd_schema_prim(CD_BOOLEAN, false), b,
                "{\"schema\":{\"type\":\"boolean\",\"optional\":false},\"payload\":true}");
    cd_value_t *f = cd_float(CD_FLOAT32, 12.34f);
    assert_json(cj, cd_schema_prim(CD_FLOAT32, false), f,
                "{\"schema\":{\"type\":\"float\",\"optional\":false},\"payload\":12.34}");
    cd_value_t *by = cd_bytes("test-string", 11);
    assert_json(cj, cd_schema_prim(CD_BYTES, false), by,
                "{\"schema\":{\"type\":\"bytes\",\"optional\":false},\"payload\":"
                "\"dGVzdC1zdHJpbmc=\"}");
    cd_value_t *st = cd_string("tab\there\x01\xc3\xa9");
    assert_json(cj, cd_schema_prim(CD_STRING, true), st,
                "{\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":"
                "\"tab\\there\\u0001\xc3\xa9\"}");
    assert_json(cj, cd_schema_prim(CD_STRING, true), NULL,
                "{\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":null}");
    cd_value_free(b), cd_value_free(f), cd_value_free(by), cd_value_free(st);
    cj_free(cj);
}
END_TEST

START_TEST(test_json_java_number_format)
{
    static const struct {
        double d;
        bool is_float;
        const char *want;
    } cases[] = {
        {1.0, false, "1.0"},
        {12.34, false, "12.34"},
        {-0.5, false, "-0.5"},
        {1e7, false, "1.0E7"},
        {1.5e10, false, "1.5E10"},
        {0.001, false, "0.001"},
        {0.0001, false, "1.0E-4"},
        {123456.789, false, "123456.789"},
        {0.1 + 0.2, false, "0.30000000000000004"},
        {0.0, false, "0.0"},
        {-0.0, false, "-0.0"},
        {3.4028235e38, true, "3.4028235E38"},
        {0.1f, true, "0.1"},
        {1234567.0, false, "1234567.0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[40];
        cj_fmt_double(buf, sizeof buf, cases[i].d, cases[i].is_float);
        ck_assert_str_eq(buf, cases[i].want);
    }
}
END_TEST

START_TEST(test_json_logical_types)
{
    cj_t *cj = conv(NULL, NULL);
    cd_schema_t *dec = cd_schema_decimal(2);
    cd_value_t *d = cd_decimal_from_string("1.56", 2); /* unscaled 156: {0x00, 0x9c} */
    assert_json(cj, dec, d,
                "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":"
                "\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":"
                "{\"scale\":\"2\"}},\"payload\":\"AJw=\"}");
    cj_t *num = conv(NULL, "NUMERIC");
    char *n = to_json(num, dec, d);
    ck_assert_ptr_nonnull(strstr(n, "\"payload\":1.56}"));
    free(n);
    /* Kafka's decimalWithTrailingZerosToNumericJson: Decimal(4) 1.5600 keeps its zeros */
    cd_schema_t *dec4 = cd_schema_decimal(4);
    cd_value_t *d4 = cd_decimal_from_string("1.56", 4);
    n = to_json(num, dec4, d4);
    ck_assert_ptr_nonnull(strstr(n, "\"parameters\":{\"scale\":\"4\"}},\"payload\":1.5600}"));
    free(n);
    cd_value_free(d4);
    cd_schema_unref(dec4);
    cd_schema_t *date = cd_schema_logical(CD_LOGICAL_DATE);
    cd_value_t *dv = cd_int(CD_INT32, 10000);
    assert_json(cj, date, dv,
                "{\"schema\":{\"type\":\"int32\",\"optional\":false,\"name\":"
                "\"org.apache.kafka.connect.data.Date\",\"version\":1},\"payload\":10000}");
    cd_schema_t *ts = cd_schema_logical(CD_LOGICAL_TIMESTAMP);
    cd_value_t *tv = cd_int(CD_INT64, 4000000000LL);
    assert_json(cj, ts, tv,
                "{\"schema\":{\"type\":\"int64\",\"optional\":false,\"name\":"
                "\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},\"payload\":"
                "4000000000}");
    /* and back: the schema is Decimal(2) again and the bytes are the same */
    cd_schema_t *s;
    cd_value_t *v;
    char err[256];
    ck_assert_int_eq(from_json(cj,
                               "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka."
                               "connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":"
                               "\"2\"}},\"payload\":\"AJw=\"}",
                               &s, &v, err),
                     0);
    ck_assert(cd_schema_equal(s, dec));
    ck_assert(cd_value_equal(v, d));
    cd_value_free(v);
    cd_schema_unref(s);
    ck_assert_int_eq(from_json(num,
                               "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka."
                               "connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":"
                               "\"2\"}},\"payload\":1.56}",
                               &s, &v, err),
                     0);
    ck_assert(cd_value_equal(v, d));
    cd_value_free(v), cd_schema_unref(s);
    cd_value_free(d), cd_value_free(dv), cd_value_free(tv);
    cd_schema_unref(dec), cd_schema_unref(date), cd_schema_unref(ts);
    cj_free(cj), cj_free(num);
}
END_TEST

START_TEST(test_json_reads_kafka_examples)
{
    cj_t *cj = conv(NULL, NULL);
    cd_schema_t *s;
    cd_value_t *v;
    char err[256];
    ck_assert_int_eq(
        from_json(cj, "{ \"schema\": { \"type\": \"boolean\" }, \"payload\": true }", &s, &v, err),
        0);
    ck_assert_ptr_eq(s, cd_schema_prim(CD_BOOLEAN, false));
    ck_assert(v->type == CD_BOOLEAN && v->u.b);
    cd_value_free(v);
    ck_assert_int_eq(
        from_json(cj,
                  "{ \"schema\": { \"type\": \"struct\", \"fields\": [{ \"field\": \"field1\", "
                  "\"type\": \"boolean\" }, { \"field\": \"field2\", \"type\": \"string\" }] }, "
                  "\"payload\": { \"field1\": true, \"field2\": \"string\" } }",
                  &s, &v, err),
        0);
    ck_assert_int_eq(s->nfields, 2);
    ck_assert(cd_struct_get(v, "field1")->u.b);
    ck_assert_str_eq(cd_struct_get(v, "field2")->u.s.p, "string");
    cd_value_free(v), cd_schema_unref(s);
    /* a map with int keys is an array of pairs */
    ck_assert_int_eq(from_json(cj,
                               "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},"
                               "\"values\":{\"type\":\"int32\"}},\"payload\":[[1,12],[2,15]]}",
                               &s, &v, err),
                     0);
    ck_assert_int_eq(v->u.map.n, 2);
    ck_assert_int_eq(v->u.map.vals[1]->u.i, 15);
    assert_json(cj, s, v,
                "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\",\"optional\":false},"
                "\"values\":{\"type\":\"int32\",\"optional\":false},\"optional\":false},"
                "\"payload\":[[1,12],[2,15]]}");
    cd_value_free(v), cd_schema_unref(s);
    /* "schema": null reads schemaless */
    ck_assert_int_eq(
        from_json(cj, "{\"schema\":null,\"payload\":{\"a\":[1,2.5,\"x\"]}}", &s, &v, err), 0);
    ck_assert_ptr_null(s);
    ck_assert(v->type == CD_MAP);
    cd_value_t *a = cd_map_get_str(v, "a");
    ck_assert(a->u.arr.items[0]->type == CD_INT64 && a->u.arr.items[1]->type == CD_FLOAT64);
    cd_value_free(v);
    cj_free(cj);
}
END_TEST

START_TEST(test_json_schemaless_read_and_write)
{
    cj_t *cj = conv("false", NULL);
    cd_schema_t *s;
    cd_value_t *v;
    char err[256];
    ck_assert_int_eq(
        from_json(cj, "{\"k\":\"v\",\"n\":3,\"f\":1.5,\"b\":false,\"z\":null}", &s, &v, err), 0);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(cd_map_get_str(v, "n")->u.i, 3);
    assert_json(cj, NULL, v, "{\"k\":\"v\",\"n\":3,\"f\":1.5,\"b\":false,\"z\":null}");
    cd_value_free(v);
    ck_assert_int_eq(from_json(cj, "[1,\"two\"]", &s, &v, err), 0);
    ck_assert(v->type == CD_ARRAY && v->u.arr.n == 2);
    cd_value_free(v);
    /* an envelope-shaped object is plain data when schemas are off */
    ck_assert_int_eq(from_json(cj, "{\"schema\":1,\"payload\":2}", &s, &v, err), 0);
    ck_assert(v->type == CD_MAP);
    cd_value_free(v);
    cj_free(cj);
}
END_TEST

START_TEST(test_json_round_trip_all_types)
{
    cj_t *cj = conv(NULL, NULL);
    cd_schema_t *s = cd_schema_new(CD_STRUCT);
    cd_schema_add_field(s, "i8", cd_schema_prim(CD_INT8, false));
    cd_schema_add_field(s, "i16", cd_schema_prim(CD_INT16, false));
    cd_schema_add_field(s, "f32", cd_schema_prim(CD_FLOAT32, false));
    cd_schema_add_field(s, "f64", cd_schema_prim(CD_FLOAT64, false));
    cd_schema_add_field(s, "raw", cd_schema_prim(CD_BYTES, true));
    cd_schema_add_field(s, "list", cd_schema_array(cd_schema_prim(CD_STRING, true)));
    cd_schema_add_field(
        s, "tags",
        cd_schema_map(cd_schema_prim(CD_STRING, false), cd_schema_prim(CD_INT64, false)));
    cd_schema_add_field(s, "dec", cd_schema_decimal(3));
    cd_schema_add_field(s, "time", cd_schema_logical(CD_LOGICAL_TIME));
    cd_schema_t *withdef = cd_schema_new(CD_INT32);
    withdef->optional = true;
    cd_schema_set_doc(withdef, "has a default");
    ck_assert(cd_schema_set_default(withdef, cd_int(CD_INT32, 42)));
    cd_schema_add_field(s, "def", withdef);
    cd_value_t *v = cd_struct_new(s);
    cd_struct_set(v, "i8", cd_int(CD_INT8, -128));
    cd_struct_set(v, "i16", cd_int(CD_INT16, 32767));
    cd_struct_set(v, "f32", cd_float(CD_FLOAT32, (float)0.1));
    cd_struct_set(v, "f64", cd_float(CD_FLOAT64, -1.25e-300));
    cd_struct_set(v, "raw", cd_bytes("\x00\xff\x10", 3));
    cd_value_t *l = cd_array_new();
    cd_array_push(l, cd_string("x"));
    cd_array_push(l, NULL);
    cd_struct_set(v, "list", l);
    cd_value_t *m = cd_map_new();
    cd_map_put(m, cd_string("a"), cd_int(CD_INT64, 1));
    cd_struct_set(v, "tags", m);
    cd_struct_set(v, "dec", cd_decimal_from_string("-12345.678", 3));
    cd_struct_set(v, "time", cd_int(CD_INT32, 14400000));
    cd_struct_set(v, "def", cd_int(CD_INT32, 5));
    char *text = to_json(cj, s, v);
    ck_assert_ptr_nonnull(strstr(text, "{\"type\":\"int32\",\"optional\":true,\"doc\":\"has a "
                                       "default\",\"default\":42,\"field\":\"def\"}"));
    cd_schema_t *s2;
    cd_value_t *v2;
    char err[256];
    ck_assert_msg(from_json(cj, text, &s2, &v2, err) == 0, "%s", err);
    ck_assert(cd_schema_equal(s, s2));
    ck_assert(cd_value_equal(v, v2));
    char *again = to_json(cj, s2, v2);
    ck_assert_str_eq(text, again);
    free(text), free(again);
    cd_value_free(v), cd_value_free(v2);
    cd_schema_unref(s), cd_schema_unref(s2);
    cj_free(cj);
}
END_TEST

START_TEST(test_json_bad_input_is_an_error)
{
    cj_t *cj = conv(NULL, NULL);
    cd_schema_t *s = (cd_schema_t *)1;
    cd_value_t *v = (cd_value_t *)1;
    char err[256];
    ck_assert_int_eq(from_json(cj, "{\"schema\":", &s, &v, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "Converting byte[] to Kafka Connect data failed"));
    ck_assert_int_eq(from_json(cj, "{\"payload\":1}", &s, &v, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "requires \"schema\" and \"payload\""));
    ck_assert_int_eq(
        from_json(cj, "{\"schema\":{\"type\":\"int32\"},\"payload\":1,\"x\":2}", &s, &v, err), -1);
    ck_assert_int_eq(from_json(cj, "{\"schema\":{\"type\":\"int9\"},\"payload\":1}", &s, &v, err),
                     -1);
    ck_assert_str_eq(err, "Unknown schema type: int9");
    ck_assert_int_eq(from_json(cj, "{\"schema\":{\"type\":\"int8\"},\"payload\":300}", &s, &v, err),
                     -1);
    ck_assert_int_eq(
        from_json(cj, "{\"schema\":{\"type\":\"int32\"},\"payload\":null}", &s, &v, err), -1);
    ck_assert_str_eq(err, "Invalid null value for required int32 field");
    ck_assert_int_eq(
        from_json(cj, "{\"schema\":{\"type\":\"bytes\"},\"payload\":\"!!\"}", &s, &v, err), -1);
    ck_assert_str_eq(err, "Invalid bytes field");
    ck_assert_int_eq(from_json(cj,
                               "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"id\","
                               "\"type\":\"int32\"}]},\"payload\":{\"id\":\"x\"}}",
                               &s, &v, err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "(field \"id\")"));
    /* a tombstone is null schema and value, not an error */
    ck_assert_int_eq(cj_to_connect(cj, NULL, 0, &s, &v, err, sizeof err), 0);
    ck_assert_ptr_null(s);
    ck_assert_ptr_null(v);
    /* writing null for a required schema fails */
    wbuf_t wb;
    wbuf_init(&wb);
    bool is_null;
    ck_assert_int_eq(
        cj_from_connect(cj, cd_schema_prim(CD_INT32, false), NULL, &wb, &is_null, err, sizeof err),
        -1);
    ck_assert_int_eq(wb.len, 0);
    ck_assert_int_eq(cj_from_connect(cj, NULL, NULL, &wb, &is_null, err, sizeof err), 0);
    ck_assert(is_null);
    /* Kafka's mismatchSchemaJson: a struct whose schema is not the one given */
    cd_schema_t *other = cd_schema_new(CD_STRUCT);
    cd_schema_add_field(other, "x", cd_schema_prim(CD_INT32, false));
    cd_schema_t *mine = cd_schema_new(CD_STRUCT);
    cd_schema_add_field(mine, "y", cd_schema_prim(CD_INT32, false));
    cd_value_t *st = cd_struct_new(mine);
    cd_struct_set(st, "y", cd_int(CD_INT32, 1));
    ck_assert_int_eq(cj_from_connect(cj, other, st, &wb, &is_null, err, sizeof err), -1);
    ck_assert_str_eq(err, "Mismatching schema.");
    cd_value_free(st);
    cd_schema_unref(other), cd_schema_unref(mine);
    json_t *p = json_pack("{s:s}", "decimal.format", "HEX");
    ck_assert_ptr_null(cj_new(p, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "decimal.format"));
    json_decref(p);
    wbuf_free(&wb);
    cj_free(cj);
}
END_TEST

START_TEST(test_json_base64)
{
    static const char *const enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg=="};
    for (size_t n = 0; n < 5; n++) {
        wbuf_t wb;
        wbuf_init(&wb);
        cj_base64_encode(&wb, (const uint8_t *)"foob", n);
        ck_assert_int_eq(wb.len, strlen(enc[n]));
        ck_assert(wb.len == 0 || memcmp(wb.p, enc[n], wb.len) == 0);
        uint8_t *out;
        size_t len;
        ck_assert_int_eq(cj_base64_decode(enc[n], strlen(enc[n]), &out, &len), 0);
        ck_assert_int_eq(len, n);
        ck_assert(memcmp(out, "foob", n) == 0);
        free(out);
        wbuf_free(&wb);
    }
    uint8_t *out;
    size_t len;
    ck_assert_int_eq(cj_base64_decode("Z", 1, &out, &len), -1);
    ck_assert_int_eq(cj_base64_decode("Zm9*", 4, &out, &len), -1);
}
END_TEST

START_TEST(test_json_cached_schema_fast_path_matches_full_parse)
{
    cj_t *cj = conv(NULL, NULL);
    cd_schema_t *s1, *s2, *s3;
    cd_value_t *v1, *v2, *v3;
    char err[256];
    const char *a = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
                    "\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":"
                    "true,\"field\":\"s\"}],\"optional\":false},\"payload\":{\"id\":1,\"s\":"
                    "\"}{,\\\"\"}}";
    const char *b = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
                    "\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":"
                    "true,\"field\":\"s\"}],\"optional\":false},\"payload\":{\"id\":2,\"s\":null}}";
    ck_assert_msg(from_json(cj, a, &s1, &v1, err) == 0, "%s", err); /* full parse, cached */
    ck_assert_msg(from_json(cj, b, &s2, &v2, err) == 0, "%s", err); /* fast path */
    ck_assert_ptr_eq(s1, s2);
    ck_assert_str_eq(cd_struct_get(v1, "s")->u.s.p, "}{,\"");
    ck_assert_int_eq(cd_struct_get(v2, "id")->u.i, 2);
    ck_assert_ptr_null(cd_struct_get(v2, "s"));
    /* same schema bytes but a payload of the wrong type, or trailing fields: errors */
    const char *bad =
        "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
        "\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":"
        "true,\"field\":\"s\"}],\"optional\":false},\"payload\":{\"id\":\"x\"},\"z\":1}";
    ck_assert_int_eq(from_json(cj, bad, &s3, &v3, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "requires \"schema\" and \"payload\""));
    cd_value_free(v1), cd_value_free(v2);
    cd_schema_unref(s1), cd_schema_unref(s2);
    cj_free(cj);
}
END_TEST

/* Every prefix and many byte mutations of a valid envelope: an error or a value, never a crash
 * or a leak (run under ASan by the asan build), with the fast path primed. */
START_TEST(test_json_truncated_and_mutated_input_never_crashes)
{
    cj_t *cj = conv(NULL, NULL);
    cd_schema_t *s = row_schema();
    cd_value_t *v = row_value(s);
    char *good = to_json(cj, s, v);
    size_t len = strlen(good);
    char err[256];
    cd_schema_t *os;
    cd_value_t *ov;
    ck_assert_int_eq(cj_to_connect(cj, (const uint8_t *)good, len, &os, &ov, err, sizeof err), 0);
    cd_value_free(ov), cd_schema_unref(os);
    for (size_t cut = 0; cut < len; cut++) {
        char *copy = malloc(cut ? cut : 1);
        memcpy(copy, good, cut);
        ck_assert_int_eq(cj_to_connect(cj, (const uint8_t *)copy, cut, &os, &ov, err, sizeof err),
                         -1);
        free(copy);
    }
    unsigned seed = 12345;
    static const char junk[] = "{}[]\":,0-9.eE\\nul tr";
    for (int round = 0; round < 3000; round++) {
        char *copy = malloc(len);
        memcpy(copy, good, len);
        for (int k = 0; k < 1 + round % 3; k++) {
            seed = seed * 1103515245u + 12345u;
            copy[(seed >> 8) % len] = junk[(seed >> 20) % (sizeof junk - 1)];
        }
        if (cj_to_connect(cj, (const uint8_t *)copy, len, &os, &ov, err, sizeof err) == 0) {
            cd_value_free(ov);
            cd_schema_unref(os);
        }
        free(copy);
    }
    free(good);
    cd_value_free(v);
    cd_schema_unref(s);
    cj_free(cj);
}
END_TEST

static Suite *json_suite(void)
{
    Suite *s = suite_create("connect_json");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_json_struct_envelope_bytes);
    tcase_add_test(tc, test_json_schemas_disabled_writes_payload_only);
    tcase_add_test(tc, test_json_primitives_as_kafka_writes_them);
    tcase_add_test(tc, test_json_java_number_format);
    tcase_add_test(tc, test_json_logical_types);
    tcase_add_test(tc, test_json_reads_kafka_examples);
    tcase_add_test(tc, test_json_schemaless_read_and_write);
    tcase_add_test(tc, test_json_round_trip_all_types);
    tcase_add_test(tc, test_json_bad_input_is_an_error);
    tcase_add_test(tc, test_json_base64);
    tcase_add_test(tc, test_json_cached_schema_fast_path_matches_full_parse);
    tcase_add_test(tc, test_json_truncated_and_mutated_input_never_crashes);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(json_suite)
