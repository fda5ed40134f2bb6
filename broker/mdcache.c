/* mdcache.c: brokers in a small array, topics in a dict; deep copies so the controller's
 * structures and the cache never share memory. */
#include "mdcache.h"

#include <stdlib.h>
#include <string.h>

#include "dict.h"

struct mdcache {
    int32_t controller;
    md_broker_t *brokers;
    int nbrokers;
    dict_t *topics; /* name -> md_topic_t* */
};

static void md_topic_free(void *p)
{
    md_topic_t *t = p;
    if (!t) return;
    for (int32_t i = 0; i < t->nparts; i++) {
        free(t->parts[i].replicas);
        free(t->parts[i].isr);
        free(t->parts[i].offline);
    }
    free(t->parts);
    free(t->name);
    free(t);
}

mdcache_t *mdcache_new(void)
{
    mdcache_t *md = calloc(1, sizeof(*md));
    if (!md) abort();
    md->controller = -1;
    md->topics = dict_new();
    return md;
}

void mdcache_free(mdcache_t *md)
{
    if (!md) return;
    dict_free(md->topics, md_topic_free);
    free(md->brokers);
    free(md);
}

void mdcache_set_controller(mdcache_t *md, int32_t id)
{
    md->controller = id;
}
int32_t mdcache_controller(const mdcache_t *md)
{
    return md->controller;
}

void mdcache_set_brokers(mdcache_t *md, const md_broker_t *b, int n)
{
    free(md->brokers);
    md->brokers = n ? malloc((size_t)n * sizeof(*b)) : NULL;
    if (n && !md->brokers) abort();
    if (n) memcpy(md->brokers, b, (size_t)n * sizeof(*b));
    md->nbrokers = n;
}

const md_broker_t *mdcache_broker(const mdcache_t *md, int32_t id)
{
    for (int i = 0; i < md->nbrokers; i++)
        if (md->brokers[i].id == id) return &md->brokers[i];
    return NULL;
}

const md_broker_t *mdcache_brokers(const mdcache_t *md, int *n)
{
    *n = md->nbrokers;
    return md->brokers;
}

static int32_t *md_dup_ids(const int32_t *ids, int32_t n)
{
    if (n <= 0) return NULL;
    int32_t *d = malloc((size_t)n * sizeof(*d));
    if (!d) abort();
    memcpy(d, ids, (size_t)n * sizeof(*d));
    return d;
}

void mdcache_put_topic(mdcache_t *md, const md_topic_t *t)
{
    md_topic_t *c = calloc(1, sizeof(*c));
    if (!c) abort();
    *c = *t;
    c->name = strdup(t->name);
    c->parts = t->nparts ? calloc((size_t)t->nparts, sizeof(md_part_t)) : NULL;
    if (!c->name || (t->nparts && !c->parts)) abort();
    for (int32_t i = 0; i < t->nparts; i++) {
        const md_part_t *s = &t->parts[i];
        md_part_t *d = &c->parts[i];
        *d = *s;
        d->replicas = md_dup_ids(s->replicas, s->nreplicas);
        d->isr = md_dup_ids(s->isr, s->nisr);
        d->offline = md_dup_ids(s->offline, s->noffline);
    }
    md_topic_free(dict_set(md->topics, c->name, c));
}

void mdcache_remove_topic(mdcache_t *md, const char *name)
{
    md_topic_free(dict_del(md->topics, name));
}

const md_topic_t *mdcache_topic(const mdcache_t *md, const char *name)
{
    return dict_get(md->topics, name);
}

const md_part_t *mdcache_part(const mdcache_t *md, const char *topic, int32_t p)
{
    const md_topic_t *t = dict_get(md->topics, topic);
    if (!t || p < 0 || p >= t->nparts) return NULL;
    return &t->parts[p];
}

const md_topic_t *mdcache_next_topic(const mdcache_t *md, size_t *it)
{
    void *v;
    return dict_next(md->topics, it, NULL, &v) ? v : NULL;
}

int mdcache_topic_count(const mdcache_t *md)
{
    return (int)dict_size(md->topics);
}
