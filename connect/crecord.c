/* crecord.c: Connect records (cdata.h) and the kc_batch of connector.h. */
#include "cdata.h"
#include "cd_mem.h"
#include "connector.h"

#include <stdlib.h>
#include <string.h>

cd_record_t *cd_record_new(const char *topic)
{
    cd_record_t *r = cd_xcalloc(1, sizeof *r);
    r->topic = cd_xstrdup(topic);
    r->partition = -1;
    r->offset = -1;
    r->timestamp = -1;
    return r;
}

void cd_record_free(cd_record_t *r)
{
    if (!r) return;
    free(r->topic);
    cd_schema_unref(r->key_schema);
    cd_value_free(r->key);
    cd_schema_unref(r->value_schema);
    cd_value_free(r->value);
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].key);
        cd_schema_unref(r->headers[i].schema);
        cd_value_free(r->headers[i].value);
    }
    free(r->headers);
    json_decref(r->source_partition);
    json_decref(r->source_offset);
    free(r);
}

cd_record_t *cd_record_copy(const cd_record_t *r)
{
    cd_record_t *c = cd_record_new(r->topic);
    c->partition = r->partition;
    c->offset = r->offset;
    c->timestamp = r->timestamp;
    cd_record_set_key(c, cd_schema_ref(r->key_schema), cd_value_copy(r->key));
    cd_record_set_value(c, cd_schema_ref(r->value_schema), cd_value_copy(r->value));
    for (size_t i = 0; i < r->nheaders; i++)
        cd_record_add_header(c, r->headers[i].key, cd_schema_ref(r->headers[i].schema),
                             cd_value_copy(r->headers[i].value));
    cd_record_set_source(c, r->source_partition ? json_deep_copy(r->source_partition) : NULL,
                         r->source_offset ? json_deep_copy(r->source_offset) : NULL);
    return c;
}

void cd_record_set_topic(cd_record_t *r, const char *topic)
{
    char *t = cd_xstrdup(topic);
    free(r->topic);
    r->topic = t;
}

/* Replace a (schema, value) pair of the record, taking both references. */
static void set_pair(cd_schema_t **sp, cd_value_t **vp, cd_schema_t *schema, cd_value_t *value)
{
    cd_schema_unref(*sp);
    cd_value_free(*vp);
    *sp = schema;
    *vp = value;
}

void cd_record_set_key(cd_record_t *r, cd_schema_t *schema, cd_value_t *key)
{
    set_pair(&r->key_schema, &r->key, schema, key);
}

void cd_record_set_value(cd_record_t *r, cd_schema_t *schema, cd_value_t *value)
{
    set_pair(&r->value_schema, &r->value, schema, value);
}

void cd_record_set_source(cd_record_t *r, json_t *partition, json_t *offset)
{
    json_decref(r->source_partition);
    json_decref(r->source_offset);
    r->source_partition = partition;
    r->source_offset = offset;
}

void cd_record_add_header(cd_record_t *r, const char *key, cd_schema_t *schema, cd_value_t *value)
{
    if (r->nheaders == r->cap_headers) {
        r->cap_headers = r->cap_headers ? r->cap_headers * 2 : 4;
        r->headers = cd_xrealloc(r->headers, r->cap_headers * sizeof *r->headers);
    }
    r->headers[r->nheaders++] = (cd_header_t){cd_xstrdup(key), schema, value};
}

void cd_record_add_header_str(cd_record_t *r, const char *key, const char *value)
{
    cd_record_add_header(r, key, cd_schema_prim(CD_STRING, true), value ? cd_string(value) : NULL);
}

const cd_header_t *cd_record_header(const cd_record_t *r, const char *key)
{
    for (size_t i = r->nheaders; i-- > 0;)
        if (strcmp(r->headers[i].key, key) == 0) return &r->headers[i];
    return NULL;
}

void kc_batch_push(kc_batch_t *b, cd_record_t *rec)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->recs = cd_xrealloc(b->recs, b->cap * sizeof *b->recs);
    }
    b->recs[b->n++] = rec;
}
