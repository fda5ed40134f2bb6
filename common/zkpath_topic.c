/* zkpath_topic.c: Kafka's JSON for a topic's znodes: the assignment (with KIP-455
 * reassignment sets), each partition's state, and the /admin/reassign_partitions request. */
#include <stdlib.h>
#include <string.h>

#include "zkpath_int.h"

/* ---- topic assignment ---- */

void zkpath_topic_init(zkpath_topic_t *t, const uint8_t id[16], int32_t nparts, int32_t rf,
                       const int32_t *assign)
{
    memset(t, 0, sizeof(*t));
    if (id) memcpy(t->id, id, 16);
    zkpath_topic_add(t, nparts, rf, assign);
}

void zkpath_topic_add(zkpath_topic_t *t, int32_t add, int32_t rf, const int32_t *assign)
{
    int32_t n = t->nparts + add;
    t->nreplicas = realloc(t->nreplicas, (size_t)(n ? n : 1) * sizeof(int32_t));
    t->replicas = realloc(t->replicas, (size_t)(n ? n : 1) * sizeof(int32_t *));
    if (!t->nreplicas || !t->replicas) abort();
    for (int32_t i = 0; i < add; i++) {
        int32_t p = t->nparts + i;
        t->nreplicas[p] = rf;
        t->replicas[p] = malloc((size_t)(rf ? rf : 1) * sizeof(int32_t));
        if (!t->replicas[p]) abort();
        memcpy(t->replicas[p], assign + (size_t)i * (size_t)rf, (size_t)rf * sizeof(int32_t));
    }
    if (t->nadding) { /* the new partitions are not being reassigned */
        t->nadding = realloc(t->nadding, (size_t)n * sizeof(int32_t));
        t->nremoving = realloc(t->nremoving, (size_t)n * sizeof(int32_t));
        t->adding = realloc(t->adding, (size_t)n * sizeof(*t->adding));
        t->removing = realloc(t->removing, (size_t)n * sizeof(*t->removing));
        if (!t->nadding || !t->nremoving || !t->adding || !t->removing) abort();
        for (int32_t p = t->nparts; p < n; p++) t->nadding[p] = t->nremoving[p] = 0;
    }
    t->nparts = n;
}

void zkpath_topic_clear(zkpath_topic_t *t)
{
    for (int32_t p = 0; p < t->nparts; p++) free(t->replicas[p]);
    free(t->replicas);
    free(t->nreplicas);
    free(t->nadding);
    free(t->nremoving);
    free(t->adding);
    free(t->removing);
    memset(t, 0, sizeof(*t));
}

/* Make room for every partition's adding/removing sets (zeroed). */
static void zkpath_topic_reassign_alloc(zkpath_topic_t *t)
{
    if (t->nadding) return;
    size_t n = (size_t)(t->nparts ? t->nparts : 1);
    t->nadding = calloc(n, sizeof(int32_t));
    t->nremoving = calloc(n, sizeof(int32_t));
    t->adding = calloc(n, sizeof(*t->adding));
    t->removing = calloc(n, sizeof(*t->removing));
    if (!t->nadding || !t->nremoving || !t->adding || !t->removing) abort();
}

void zkpath_topic_set_reassign(zkpath_topic_t *t, int32_t p, int32_t nadd, const int32_t *add,
                               int32_t nrem, const int32_t *rem)
{
    if (p < 0 || p >= t->nparts) return;
    if (!t->nadding && nadd == 0 && nrem == 0) return;
    zkpath_topic_reassign_alloc(t);
    t->nadding[p] = nadd > ZKPATH_MAX_ISR ? ZKPATH_MAX_ISR : nadd;
    t->nremoving[p] = nrem > ZKPATH_MAX_ISR ? ZKPATH_MAX_ISR : nrem;
    memcpy(t->adding[p], add, (size_t)t->nadding[p] * sizeof(int32_t));
    memcpy(t->removing[p], rem, (size_t)t->nremoving[p] * sizeof(int32_t));
}

/* {"0":[4],...} for the partitions with a non-empty set. */
static json_t *zkpath_sets_json(const zkpath_topic_t *t, bool adding)
{
    json_t *o = json_object();
    for (int32_t p = 0; t->nadding && p < t->nparts; p++) {
        int32_t n = adding ? t->nadding[p] : t->nremoving[p];
        if (n == 0) continue;
        json_t *arr = json_array();
        for (int32_t i = 0; i < n; i++)
            json_array_append_new(arr, json_integer(adding ? t->adding[p][i] : t->removing[p][i]));
        char key[16];
        snprintf(key, sizeof(key), "%d", p);
        json_object_set_new(o, key, arr);
    }
    return o;
}

/* Read "adding_replicas" or "removing_replicas" (absent in older znodes: none). */
static kerr_t zkpath_sets_parse(json_t *o, zkpath_topic_t *t, bool adding)
{
    json_t *sets = json_object_get(o, adding ? "adding_replicas" : "removing_replicas");
    if (!sets) return KERR_NONE;
    if (!json_is_object(sets)) return KERR__BAD_MSG;
    const char *key;
    json_t *arr;
    json_object_foreach(sets, key, arr)
    {
        char *end;
        long p = strtol(key, &end, 10);
        if (*end || p < 0 || p >= t->nparts || !json_is_array(arr) ||
            json_array_size(arr) > ZKPATH_MAX_ISR)
            return KERR__BAD_MSG;
        zkpath_topic_reassign_alloc(t);
        int32_t *n = adding ? &t->nadding[p] : &t->nremoving[p];
        int32_t *ids = adding ? t->adding[p] : t->removing[p];
        *n = 0;
        for (size_t i = 0; i < json_array_size(arr); i++) {
            json_t *v = json_array_get(arr, i);
            if (!json_is_integer(v)) return KERR__BAD_MSG;
            ids[(*n)++] = (int32_t)json_integer_value(v);
        }
    }
    return KERR_NONE;
}

char *zkpath_topic_json(const zkpath_topic_t *t)
{
    json_t *o = json_object();
    json_t *parts = json_object();
    for (int32_t p = 0; p < t->nparts; p++) {
        json_t *arr = json_array();
        for (int32_t i = 0; i < t->nreplicas[p]; i++)
            json_array_append_new(arr, json_integer(t->replicas[p][i]));
        char key[16];
        snprintf(key, sizeof(key), "%d", p);
        json_object_set_new(parts, key, arr);
    }
    json_object_set_new(o, "partitions", parts);
    char id[23];
    zkpath_uuid_encode(t->id, id);
    json_object_set_new(o, "topic_id", json_string(id));
    json_object_set_new(o, "adding_replicas", zkpath_sets_json(t, true));
    json_object_set_new(o, "removing_replicas", zkpath_sets_json(t, false));
    json_object_set_new(o, "version", json_integer(3));
    return zkpath_dump(o);
}

kerr_t zkpath_topic_parse(const char *json, zkpath_topic_t *t)
{
    memset(t, 0, sizeof(*t));
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    json_t *parts = json_object_get(o, "partitions");
    json_t *id = json_object_get(o, "topic_id");
    if (json_is_string(id)) zkpath_uuid_decode(json_string_value(id), t->id);
    if (!json_is_object(parts)) {
        json_decref(o);
        return KERR__BAD_MSG;
    }
    int32_t n = (int32_t)json_object_size(parts);
    t->nreplicas = calloc((size_t)(n ? n : 1), sizeof(int32_t));
    t->replicas = calloc((size_t)(n ? n : 1), sizeof(int32_t *));
    if (!t->nreplicas || !t->replicas) abort();
    t->nparts = n;
    kerr_t err = KERR_NONE;
    for (int32_t p = 0; p < n && !err; p++) {
        char key[16];
        snprintf(key, sizeof(key), "%d", p);
        json_t *arr = json_object_get(parts, key);
        if (!json_is_array(arr)) {
            err = KERR__BAD_MSG;
            break;
        }
        size_t rf = json_array_size(arr);
        t->replicas[p] = calloc(rf ? rf : 1, sizeof(int32_t));
        if (!t->replicas[p]) abort();
        t->nreplicas[p] = (int32_t)rf;
        for (size_t i = 0; i < rf; i++) {
            json_t *v = json_array_get(arr, i);
            if (!json_is_integer(v)) {
                err = KERR__BAD_MSG;
                break;
            }
            t->replicas[p][i] = (int32_t)json_integer_value(v);
        }
    }
    if (!err) err = zkpath_sets_parse(o, t, true);
    if (!err) err = zkpath_sets_parse(o, t, false);
    json_decref(o);
    if (err) zkpath_topic_clear(t);
    return err;
}

/* ---- partition state ---- */

char *zkpath_pstate_json(const zkpath_pstate_t *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "controller_epoch", json_integer(s->controller_epoch));
    json_object_set_new(o, "leader", json_integer(s->leader));
    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "leader_epoch", json_integer(s->leader_epoch));
    json_t *isr = json_array();
    for (int32_t i = 0; i < s->nisr; i++) json_array_append_new(isr, json_integer(s->isr[i]));
    json_object_set_new(o, "isr", isr);
    return zkpath_dump(o);
}

kerr_t zkpath_pstate_parse(const char *json, zkpath_pstate_t *s)
{
    memset(s, 0, sizeof(*s));
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    kerr_t err = KERR_NONE;
    json_t *isr = json_object_get(o, "isr");
    if (!zkpath_get_int(o, "controller_epoch", &s->controller_epoch) ||
        !zkpath_get_int(o, "leader", &s->leader) ||
        !zkpath_get_int(o, "leader_epoch", &s->leader_epoch) || !json_is_array(isr) ||
        json_array_size(isr) > ZKPATH_MAX_ISR) {
        err = KERR__BAD_MSG;
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(isr, i, v)
        {
            if (!json_is_integer(v)) {
                err = KERR__BAD_MSG;
                break;
            }
            s->isr[s->nisr++] = (int32_t)json_integer_value(v);
        }
    }
    json_decref(o);
    return err;
}

/* ---- reassignment request ---- */

kerr_t zkpath_reassign_parse(const char *json, int *n, zkpath_reassign_t **out)
{
    *n = 0;
    *out = NULL;
    json_t *o = zkpath_load(json);
    if (!o) return KERR__BAD_MSG;
    json_t *arr = json_object_get(o, "partitions");
    if (!json_is_array(arr)) {
        json_decref(o);
        return KERR__BAD_MSG;
    }
    *out = calloc(json_array_size(arr) + 1, sizeof(**out));
    if (!*out) abort();
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        json_t *t = json_object_get(e, "topic");
        json_t *r = json_object_get(e, "replicas");
        zkpath_reassign_t *x = &(*out)[*n];
        if (!json_is_string(t) || !zkpath_get_int(e, "partition", &x->partition) ||
            !json_is_array(r) || json_array_size(r) > ZKPATH_MAX_ISR)
            continue;
        bool ok = true;
        x->nreplicas = 0;
        for (size_t k = 0; k < json_array_size(r) && ok; k++) {
            json_t *v = json_array_get(r, k);
            ok = json_is_integer(v);
            if (ok) x->replicas[x->nreplicas++] = (int32_t)json_integer_value(v);
        }
        if (!ok) continue;
        x->topic = strdup(json_string_value(t));
        if (!x->topic) abort();
        (*n)++;
    }
    json_decref(o);
    return KERR_NONE;
}

char *zkpath_reassign_json(int n, const zkpath_reassign_t *e)
{
    json_t *o = json_object();
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "topic", json_string(e[i].topic));
        json_object_set_new(x, "partition", json_integer(e[i].partition));
        json_t *r = json_array();
        for (int32_t k = 0; k < e[i].nreplicas; k++)
            json_array_append_new(r, json_integer(e[i].replicas[k]));
        json_object_set_new(x, "replicas", r);
        json_array_append_new(arr, x);
    }
    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "partitions", arr);
    return zkpath_dump(o);
}
