/* connect_testplugin.c: a plugin.path shared object for the Connect tests: a source whose
 * poll fails (or crashes) after fail.after records, and a sink whose put fails (or crashes)
 * on a record whose value is "poison". Built to build/tests/integ/connect-plugins/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector.h"

typedef struct ft {
    kc_source_ctx_t *ctx;
    char topic[256];
    int after, sent;
    int crash;
} ft_t;

static void *conn_start(const json_t *props, kc_connector_ctx_t *ctx, char *err, size_t n)
{
    (void)ctx, (void)err, (void)n;
    return json_deep_copy(props);
}

static json_t *conn_tasks(void *c, int max)
{
    (void)max;
    return json_pack("[O]", (json_t *)c);
}

static void conn_stop(void *c)
{
    json_decref(c);
}

static int num(const json_t *p, const char *k, int def)
{
    const char *v = json_string_value(json_object_get(p, k));
    return v ? atoi(v) : def;
}

static int crash_mode(const json_t *p)
{
    const char *v = json_string_value(json_object_get(p, "crash"));
    return v && strcmp(v, "true") == 0;
}

static void *src_start(const json_t *props, kc_source_ctx_t *ctx, char *err, size_t n)
{
    (void)err, (void)n;
    ft_t *t = calloc(1, sizeof *t);
    t->ctx = ctx;
    snprintf(t->topic, sizeof t->topic, "%s",
             json_string_value(json_object_get(props, "topic")) ?: "fail-test");
    t->after = num(props, "fail.after", 3);
    t->crash = crash_mode(props);
    return t;
}

static int src_poll(void *task, kc_batch_t *out, char *err, size_t n)
{
    ft_t *t = task;
    if (t->sent >= t->after) {
        if (t->crash) *(volatile int *)0 = 1; /* a plugin bug: SIGSEGV */
        snprintf(err, n, "boom after %d records", t->sent);
        return KC_ERR;
    }
    char v[32];
    snprintf(v, sizeof v, "r%d", t->sent++);
    cd_record_t *r = cd_record_new(t->topic);
    cd_record_set_value(r, cd_schema_prim(CD_STRING, false), cd_string(v));
    cd_record_set_source(r, json_pack("{ss}", "src", "x"), json_pack("{si}", "n", t->sent));
    kc_batch_push(out, r);
    return KC_OK;
}

static void src_stop(void *task)
{
    free(task);
}

static void *sink_start(const json_t *props, kc_sink_ctx_t *ctx, char *err, size_t n)
{
    (void)ctx, (void)err, (void)n;
    int *crash = malloc(sizeof *crash);
    *crash = crash_mode(props);
    return crash;
}

static int sink_put(void *task, cd_record_t *const *recs, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        const cd_value_t *v = recs[i]->value;
        if (v && v->type == CD_STRING && strcmp(v->u.s.p, "poison") == 0) {
            if (*(int *)task) *(volatile int *)0 = 1;
            snprintf(err, errlen, "poison record at offset %lld", (long long)recs[i]->offset);
            return KC_ERR;
        }
    }
    return KC_OK;
}

static void sink_stop(void *task)
{
    free(task);
}

/* A converter that rejects the payload "bad" (for the DLQ test) and reads the rest as strings. */
static int conv_dummy;

static void *conv_configure(const json_t *props, bool is_key, char *err, size_t n)
{
    (void)props, (void)is_key, (void)err, (void)n;
    return &conv_dummy;
}

static int conv_from(void *c, const char *topic, const cd_schema_t *s, const cd_value_t *v,
                     uint8_t **out, size_t *len, char *err, size_t n)
{
    (void)c, (void)topic, (void)s;
    if (v && v->type != CD_STRING) {
        snprintf(err, n, "only strings");
        return KC_ERR;
    }
    *out = v ? (uint8_t *)strdup(v->u.s.p) : NULL;
    *len = v ? v->u.s.len : 0;
    return KC_OK;
}

static int conv_to(void *c, const char *topic, const uint8_t *data, size_t len, cd_schema_t **s,
                   cd_value_t **v, char *err, size_t n)
{
    (void)c, (void)topic;
    if (data && len == 3 && memcmp(data, "bad", 3) == 0) {
        snprintf(err, n,
                 "Converting byte[] to Kafka Connect data failed due to serialization "
                 "error: bad");
        return KC_ERR;
    }
    *s = cd_schema_prim(CD_STRING, true);
    *v = data ? cd_string_n((const char *)data, len) : NULL;
    return KC_OK;
}

static void conv_close(void *c)
{
    (void)c;
}

static const kc_plugin_t rejecting_converter = {
    .abi = KC_PLUGIN_ABI,
    .kind = KC_PLUGIN_CONVERTER,
    .class_name = "test.RejectingConverter",
    .version = "1.0",
    .ops.converter = {conv_configure, conv_from, conv_to, conv_close},
};

static const kc_plugin_t failing_source = {
    .abi = KC_PLUGIN_ABI,
    .kind = KC_PLUGIN_SOURCE,
    .class_name = "test.FailingSourceConnector",
    .version = "1.0",
    .ops.source = {{conn_start, conn_tasks, conn_stop},
                   {src_start, src_poll, NULL, NULL, src_stop}},
};

static const kc_plugin_t failing_sink = {
    .abi = KC_PLUGIN_ABI,
    .kind = KC_PLUGIN_SINK,
    .class_name = "test.FailingSinkConnector",
    .version = "1.0",
    .ops.sink = {{conn_start, conn_tasks, conn_stop},
                 {sink_start, sink_put, NULL, NULL, sink_stop}},
};

int kc_plugin_register(kc_registrar_fn *reg, void *arg)
{
    return reg(arg, &failing_source) || reg(arg, &failing_sink) || reg(arg, &rejecting_converter)
               ? -1
               : 0;
}
