/* check_connect_worker.c: the worker's properties files and config, offset keys as Kafka
 * writes them, and the file connectors' source offsets. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connector.h"
#include "testutil.h"
#include "worker.h"

static char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/check_connect_%d.properties", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

START_TEST(test_properties_file_as_java_reads_it)
{
    char err[256];
    char *path = write_tmp("# comment\n! also a comment\nbootstrap.servers=a:1,\\\n    b:2\n"
                           "key.converter : StringConverter\nvalue.converter StringConverter\n"
                           "path=C:\\\\dir\\tx\n  spaced.key = v  \n\nempty=\n");
    json_t *p = kc_props_load(path, err, sizeof err);
    unlink(path);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(kc_wcfg_str(p, "bootstrap.servers"), "a:1,b:2");
    ck_assert_str_eq(kc_wcfg_str(p, "key.converter"), "StringConverter");
    ck_assert_str_eq(kc_wcfg_str(p, "value.converter"), "StringConverter");
    ck_assert_str_eq(kc_wcfg_str(p, "path"), "C:\\dir\tx");
    ck_assert_str_eq(kc_wcfg_str(p, "spaced.key"), "v");
    ck_assert_str_eq(kc_wcfg_str(p, "empty"), "");
    ck_assert_uint_eq(json_object_size(p), 6);
    json_decref(p);
    ck_assert_ptr_null(kc_props_load("/nonexistent/x.properties", err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.properties"));
}
END_TEST

START_TEST(test_worker_config_defaults_and_errors)
{
    char err[256];
    json_t *w = json_pack("{ssss}", "key.converter", "StringConverter", "value.converter",
                          "StringConverter");
    ck_assert(!kc_wcfg_finish(w, false, err, sizeof err));
    ck_assert_str_eq(err, "Missing required configuration \"offset.storage.file.filename\" "
                          "which has no default value.");
    json_object_set_new(w, "offset.storage.file.filename", json_string("/tmp/o"));
    ck_assert(kc_wcfg_finish(w, false, err, sizeof err));
    ck_assert_str_eq(kc_wcfg_str(w, "listeners"), "http://:8083");
    ck_assert_int_eq(kc_wcfg_int(w, "offset.flush.interval.ms"), 60000);
    ck_assert_int_eq(kc_wcfg_int(w, "task.shutdown.graceful.timeout.ms"), 5000);
    ck_assert_str_eq(kc_wcfg_str(w, "bootstrap.servers"), "localhost:9092");
    char host[64];
    int port;
    json_object_set_new(w, "listeners", json_string("HTTP://127.0.0.1:8084,http://:9"));
    ck_assert_int_eq(kc_first_listener(w, host, sizeof host, &port, err, sizeof err), 0);
    ck_assert_str_eq(host, "127.0.0.1");
    ck_assert_int_eq(port, 8084);
    json_object_set_new(w, "offset.flush.interval.ms", json_string("soon"));
    ck_assert(!kc_wcfg_finish(w, false, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "offset.flush.interval.ms"));
    json_object_set_new(w, "offset.flush.interval.ms", json_string("10"));
    ck_assert(!kc_wcfg_finish(w, true, err, sizeof err)); /* distributed needs group.id */
    ck_assert_ptr_nonnull(strstr(err, "\"group.id\""));
    json_object_set_new(w, "producer.linger.ms", json_string("7"));
    json_t *pr = kc_props_prefixed(w, "producer.");
    ck_assert_str_eq(kc_wcfg_str(pr, "linger.ms"), "7");
    ck_assert_uint_eq(json_object_size(pr), 1);
    json_decref(pr);
    json_decref(w);
}
END_TEST

START_TEST(test_offset_keys_as_kafka_writes_them)
{
    json_t *part = json_pack("{ss}", "filename", "test.txt");
    char *k = kc_offset_key("local-file-source", part);
    ck_assert_str_eq(k, "[\"local-file-source\",{\"filename\":\"test.txt\"}]");
    json_t *map = json_object();
    json_object_set_new(map, k, json_pack("{si}", "position", 12));
    json_object_set_new(map, "[\"other\",{\"filename\":\"x\"}]", json_pack("{si}", "position", 1));
    json_t *mine = kc_offsets_filter(map, "local-file-source");
    ck_assert_uint_eq(json_array_size(mine), 1);
    json_t *want =
        json_pack("{s{ss}s{si}}", "partition", "filename", "test.txt", "offset", "position", 12);
    ck_assert(json_equal(json_array_get(mine, 0), want));
    json_decref(want);
    json_decref(mine);
    json_decref(map);
    json_decref(part);
    free(k);
}
END_TEST

/* The file source's task, driven as the runtime drives it, with a stored offset. */
static json_t *stored;
static json_t *fake_offset(kc_source_ctx_t *ctx, const json_t *partition)
{
    (void)ctx;
    ck_assert_str_eq(json_string_value(json_object_get(partition, "filename")),
                     json_string_value(json_object_get(stored, "file")));
    return json_pack("{si}", "position", 4); /* after "foo\n" */
}
static bool never(kc_source_ctx_t *ctx)
{
    (void)ctx;
    return false;
}

START_TEST(test_file_source_resumes_at_the_stored_position)
{
    ck_assert_int_eq(kc_plugins_init(NULL, NULL, 0), 0);
    const kc_plugin_t *p = kc_plugin_find(KC_PLUGIN_SOURCE, "FileStreamSource");
    char path[64];
    snprintf(path, sizeof path, "/tmp/check_connect_src_%d.txt", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs("foo\nbar\nbaz\npartial", f);
    fclose(f);
    stored = json_pack("{ssss}", "file", path, "topic", "t");
    kc_source_ctx_t ctx = {NULL, "c", 0, fake_offset, never};
    char err[256];
    void *t = p->ops.source.task.start(stored, &ctx, err, sizeof err);
    ck_assert_ptr_nonnull(t);
    kc_batch_t b = {0};
    ck_assert_int_eq(p->ops.source.task.poll(t, &b, err, sizeof err), KC_OK);
    ck_assert_uint_eq(b.n, 2); /* bar, baz; "partial" waits for its newline */
    ck_assert_str_eq(b.recs[0]->value->u.s.p, "bar");
    ck_assert_int_eq(json_integer_value(json_object_get(b.recs[1]->source_offset, "position")), 12);
    ck_assert_str_eq(b.recs[1]->topic, "t");
    for (size_t i = 0; i < b.n; i++) cd_record_free(b.recs[i]);
    free(b.recs);
    p->ops.source.task.stop(t);
    json_decref(stored);
    unlink(path);
}
END_TEST

static Suite *connect_worker_suite(void)
{
    Suite *s = suite_create("connect_worker");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_properties_file_as_java_reads_it);
    tcase_add_test(tc, test_worker_config_defaults_and_errors);
    tcase_add_test(tc, test_offset_keys_as_kafka_writes_them);
    tcase_add_test(tc, test_file_source_resumes_at_the_stored_position);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(connect_worker_suite)
