/* mdcache.c: brokers in a small array, topics in a dict; deep copies so the controller's
 * structures and the cache never share memory. */
#include "mdcache.h"

#include <stdlib.h>
#include <string.h>

#include "dict.h"

typedef struct md_waiter {
    struct md_waiter *next;
    mdcache_check_fn *fn;
    void *arg;
    ev_timer_id_t timer;
    mdcache_t *md;
} md_waiter_t;

struct mdcache {
    ev_loop_t *loop;
    md_waiter_t *waiters; /* requests waiting for a metadata change */
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

mdcache_t *mdcache_new(ev_loop_t *loop)
{
    mdcache_t *md = calloc(1, sizeof(*md));
    if (!md) abort();
    md->loop = loop;
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

/* ---- metadata waiters ---- */

static void mdcache_waiter_remove(mdcache_t *md, md_waiter_t *w)
{
    for (md_waiter_t **pp = &md->waiters; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            return;
        }
    }
}

static void mdcache_waiter_timeout(ev_loop_t *loop, void *arg)
{
    (void)loop;
    md_waiter_t *w = arg;
    mdcache_waiter_remove(w->md, w);
    w->fn(w->arg, true);
    free(w);
}

void mdcache_wait(mdcache_t *md, int64_t timeout_ms, mdcache_check_fn *fn, void *arg)
{
    if (fn(arg, false)) return;
    md_waiter_t *w = calloc(1, sizeof(*w));
    if (!w) abort();
    w->fn = fn;
    w->arg = arg;
    w->md = md;
    w->next = md->waiters;
    md->waiters = w;
    w->timer = ev_timer_add(md->loop, timeout_ms, mdcache_waiter_timeout, w);
}

void mdcache_changed(mdcache_t *md)
{
    md_waiter_t **pp = &md->waiters;
    while (*pp) {
        md_waiter_t *w = *pp;
        if (w->fn(w->arg, false)) {
            *pp = w->next;
            ev_timer_cancel(md->loop, w->timer);
            free(w);
        } else {
            pp = &w->next;
        }
    }
}

void mdcache_wait_cancel_all(mdcache_t *md)
{
    while (md->waiters) {
        md_waiter_t *w = md->waiters;
        md->waiters = w->next;
        ev_timer_cancel(md->loop, w->timer);
        w->fn(w->arg, true);
        free(w);
    }
}
