/* reassign_plan.c: kafka-reassign-partitions' partition lists and reassignment JSON (see
 * reassign.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reassign.h"

rp_part_t *rp_add(rp_list_t *l, const char *topic, int32_t p)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, (size_t)l->cap * sizeof(*l->v));
        if (!l->v) abort();
    }
    rp_part_t *x = &l->v[l->n++];
    memset(x, 0, sizeof(*x));
    x->topic = strdup(topic);
    if (!x->topic) abort();
    x->partition = p;
    return x;
}

int rp_cmp(const void *a, const void *b)
{
    const rp_part_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

rp_part_t *rp_find(const rp_list_t *l, const char *topic, int32_t p)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i].partition == p && strcmp(l->v[i].topic, topic) == 0) return &l->v[i];
    return NULL;
}

/* Kafka's TerseReassignmentFailureException / AdminCommandFailedException: the reason on
 * stdout (as Kafka's tool prints it) and exit 1. */
void rp_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    exit(1);
}

/* ---- JSON in and out ---- */

json_t *rp_load(const char *path)
{
    json_error_t je;
    json_t *js = json_load_file(path, 0, &je);
    if (!js) rp_fail("Error: %s is not valid JSON: %s (line %d)", path, je.text, je.line);
    json_t *v = json_object_get(js, "version");
    if (v && (!json_is_integer(v) || json_integer_value(v) != 1))
        rp_fail("Error: Not supported version field value %s",
                json_is_integer(v) ? "other than 1" : "(not a number)");
    return js;
}

/* {"version":1,"partitions":[{"topic","partition","replicas","log_dirs"}...]} sorted, compact. */
void rp_print_json(rp_list_t *l)
{
    qsort(l->v, (size_t)l->n, sizeof(*l->v), rp_cmp);
    json_t *o = json_object();
    json_t *arr = json_array();
    for (int i = 0; i < l->n; i++) {
        json_t *e = json_object();
        json_t *r = json_array(), *d = json_array();
        for (int32_t k = 0; k < l->v[i].n; k++) {
            json_array_append_new(r, json_integer(l->v[i].replicas[k]));
            json_array_append_new(d, json_string("any"));
        }
        json_object_set_new(e, "topic", json_string(l->v[i].topic));
        json_object_set_new(e, "partition", json_integer(l->v[i].partition));
        json_object_set_new(e, "replicas", r);
        json_object_set_new(e, "log_dirs", d);
        json_array_append_new(arr, e);
    }
    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "partitions", arr);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    printf("%s", s);
    free(s);
    json_decref(o);
}

/* Kafka's parseExecuteAssignmentArgs checks, on --reassignment-json-file. */
void rp_parse_targets(const char *path, rp_list_t *out, bool checks)
{
    json_t *js = rp_load(path);
    json_t *arr = json_object_get(js, "partitions");
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        json_t *t = json_object_get(e, "topic"), *p = json_object_get(e, "partition");
        json_t *r = json_object_get(e, "replicas"), *d = json_object_get(e, "log_dirs");
        if (!json_is_string(t) || !json_is_integer(p) || !json_is_array(r))
            rp_fail("Error: %s: every partition needs \"topic\", \"partition\" and \"replicas\"",
                    path);
        if (json_array_size(r) > RP_MAX_RF) rp_fail("Error: %s: too many replicas", path);
        rp_part_t *x = rp_add(out, json_string_value(t), (int32_t)json_integer_value(p));
        for (size_t k = 0; k < json_array_size(r); k++) {
            json_t *b = json_array_get(r, k);
            if (!json_is_integer(b)) rp_fail("Error: %s: replicas must be broker ids", path);
            x->replicas[x->n++] = (int32_t)json_integer_value(b);
        }
        if (d && (!json_is_array(d) || json_array_size(d) != json_array_size(r)))
            rp_fail("Error: Size of replicas list is different from size of log dirs list for "
                    "partition %s-%d",
                    x->topic, x->partition);
        for (size_t k = 0; d && k < json_array_size(d); k++)
            if (!json_is_string(json_array_get(d, k)) ||
                strcmp(json_string_value(json_array_get(d, k)), "any") != 0)
                rp_fail("Error: log_dirs other than \"any\" move replicas between log directories "
                        "(AlterReplicaLogDirs), which this cluster does not serve");
    }
    json_decref(js);
    if (!checks) return;
    if (out->n == 0) rp_fail("Error: Partition reassignment list cannot be empty");
    for (int a = 0; a < out->n; a++) {
        if (out->v[a].n == 0) rp_fail("Error: Partition replica list cannot be empty");
        for (int b = a + 1; b < out->n; b++)
            if (rp_cmp(&out->v[a], &out->v[b]) == 0)
                rp_fail("Error: Partition reassignment contains duplicate topic partitions: %s-%d",
                        out->v[a].topic, out->v[a].partition);
        for (int32_t k = 0; k < out->v[a].n; k++)
            for (int32_t m = k + 1; m < out->v[a].n; m++)
                if (out->v[a].replicas[k] == out->v[a].replicas[m])
                    rp_fail("Error: Partition replica lists may not contain duplicate entries: "
                            "%s-%d contains multiple entries for %d",
                            out->v[a].topic, out->v[a].partition, out->v[a].replicas[k]);
    }
}

void rp_print_tps(const rp_list_t *l)
{
    for (int i = 0; i < l->n; i++)
        printf("%s%s-%d", i ? "," : "", l->v[i].topic, l->v[i].partition);
}
