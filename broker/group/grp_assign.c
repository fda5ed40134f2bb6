/* grp_assign.c: the uniform and range server-side assignors (see grp_assign.h). */
#include "grp_assign.h"

#include <stdlib.h>
#include <string.h>

typedef struct grp_asg_ctx {
    grp_asg_member_t *m;
    int n;
    const int32_t *nparts;
    int ntopics;
    int *order;     /* member indexes sorted by id */
    int32_t *owner; /* per partition slot: member index or -1 */
    int32_t *base;  /* first slot of each topic */
    int32_t *count; /* per member */
} grp_asg_ctx_t;

static int grp_asg_by_id(const void *a, const void *b, void *arg)
{
    const grp_asg_member_t *m = arg;
    return strcmp(m[*(const int *)a].id, m[*(const int *)b].id);
}

static bool grp_asg_subscribes(const grp_asg_member_t *m, int32_t topic)
{
    for (int i = 0; i < m->nsubs; i++)
        if (m->subs[i] == topic) return true;
    return false;
}

static void *grp_asg_calloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    if (!p) abort();
    return p;
}

static void grp_asg_init(grp_asg_ctx_t *c, grp_asg_member_t *m, int n, const int32_t *nparts,
                         int ntopics)
{
    c->m = m;
    c->n = n;
    c->nparts = nparts;
    c->ntopics = ntopics;
    c->order = grp_asg_calloc((size_t)n, sizeof(int));
    for (int i = 0; i < n; i++) c->order[i] = i;
    qsort_r(c->order, (size_t)n, sizeof(int), grp_asg_by_id, m);
    c->base = grp_asg_calloc((size_t)ntopics + 1, sizeof(int32_t));
    for (int t = 0; t < ntopics; t++) c->base[t + 1] = c->base[t] + (nparts[t] > 0 ? nparts[t] : 0);
    c->owner = grp_asg_calloc((size_t)c->base[ntopics], sizeof(int32_t));
    for (int32_t s = 0; s < c->base[ntopics]; s++) c->owner[s] = -1;
    c->count = grp_asg_calloc((size_t)n, sizeof(int32_t));
}

static void grp_asg_give(grp_asg_ctx_t *c, int32_t topic, int32_t p, int member)
{
    c->owner[c->base[topic] + p] = member;
    c->count[member]++;
}

/* Turn the owner table into every member's sorted out array; frees the context. */
static void grp_asg_finish(grp_asg_ctx_t *c)
{
    for (int i = 0; i < c->n; i++) {
        c->m[i].nout = 0;
        c->m[i].out = grp_asg_calloc((size_t)c->count[i], sizeof(grp_asg_tp_t));
    }
    for (int32_t t = 0; t < c->ntopics; t++)
        for (int32_t p = 0; p < c->nparts[t]; p++) {
            int32_t o = c->owner[c->base[t] + p];
            if (o >= 0) c->m[o].out[c->m[o].nout++] = (grp_asg_tp_t){t, p};
        }
    free(c->order);
    free(c->owner);
    free(c->base);
    free(c->count);
}

static void grp_asg_range(grp_asg_ctx_t *c)
{
    int *subs = grp_asg_calloc((size_t)c->n, sizeof(int));
    for (int32_t t = 0; t < c->ntopics; t++) {
        int k = 0;
        for (int i = 0; i < c->n; i++)
            if (grp_asg_subscribes(&c->m[c->order[i]], t)) subs[k++] = c->order[i];
        if (k == 0) continue;
        int32_t each = c->nparts[t] / k, extra = c->nparts[t] % k, p = 0;
        for (int i = 0; i < k; i++)
            for (int32_t j = 0; j < each + (i < extra ? 1 : 0); j++)
                grp_asg_give(c, t, p++, subs[i]);
    }
    free(subs);
}

/* Member i's share: floor of the sum over its topics of nparts / subscribers. */
static void grp_asg_quotas(grp_asg_ctx_t *c, int32_t *quota, int32_t *spare)
{
    int32_t total = 0, sumq = 0;
    int32_t *nsub = grp_asg_calloc((size_t)c->ntopics, sizeof(int32_t));
    for (int i = 0; i < c->n; i++)
        for (int s = 0; s < c->m[i].nsubs; s++)
            if (c->m[i].subs[s] >= 0 && c->m[i].subs[s] < c->ntopics) nsub[c->m[i].subs[s]]++;
    for (int32_t t = 0; t < c->ntopics; t++)
        if (nsub[t]) total += c->nparts[t];
    for (int i = 0; i < c->n; i++) {
        double share = 0;
        for (int s = 0; s < c->m[i].nsubs; s++) {
            int32_t t = c->m[i].subs[s];
            if (t >= 0 && t < c->ntopics && nsub[t]) share += (double)c->nparts[t] / nsub[t];
        }
        quota[i] = (int32_t)(share + 1e-9);
        sumq += quota[i];
    }
    *spare = total - sumq;
    free(nsub);
}

/* Keep previous partitions while under limit(i) = quota + (take_spare ? 1 : 0). */
static void grp_asg_keep(grp_asg_ctx_t *c, const int32_t *quota, int32_t *spare, bool extra)
{
    for (int k = 0; k < c->n; k++) {
        int i = c->order[k];
        const grp_asg_member_t *m = &c->m[i];
        for (int j = 0; j < m->nprev; j++) {
            grp_asg_tp_t tp = m->prev[j];
            if (tp.topic < 0 || tp.topic >= c->ntopics || tp.partition < 0 ||
                tp.partition >= c->nparts[tp.topic] || !grp_asg_subscribes(m, tp.topic) ||
                c->owner[c->base[tp.topic] + tp.partition] >= 0)
                continue;
            if (!extra && c->count[i] >= quota[i]) break;
            if (extra && (c->count[i] != quota[i] || *spare <= 0)) break;
            if (extra) (*spare)--;
            grp_asg_give(c, tp.topic, tp.partition, i);
        }
    }
}

static void grp_asg_uniform(grp_asg_ctx_t *c)
{
    int32_t *quota = grp_asg_calloc((size_t)c->n, sizeof(int32_t)), spare = 0;
    grp_asg_quotas(c, quota, &spare);
    grp_asg_keep(c, quota, &spare, false);
    grp_asg_keep(c, quota, &spare, true);
    for (int32_t t = 0; t < c->ntopics; t++)
        for (int32_t p = 0; p < c->nparts[t]; p++) {
            if (c->owner[c->base[t] + p] >= 0) continue;
            int best = -1;
            for (int k = 0; k < c->n; k++) {
                int i = c->order[k];
                if (!grp_asg_subscribes(&c->m[i], t)) continue;
                if (best < 0 || c->count[i] - quota[i] < c->count[best] - quota[best] ||
                    (c->count[i] - quota[i] == c->count[best] - quota[best] &&
                     c->count[i] < c->count[best]))
                    best = i;
            }
            if (best >= 0) grp_asg_give(c, t, p, best);
        }
    free(quota);
}

static const struct {
    const char *name;
    void (*run)(grp_asg_ctx_t *c);
} grp_assignors[] = {
    {"uniform", grp_asg_uniform},
    {"range", grp_asg_range},
};

bool grp_assign_known(const char *name)
{
    for (size_t i = 0; name && i < sizeof(grp_assignors) / sizeof(grp_assignors[0]); i++)
        if (strcmp(grp_assignors[i].name, name) == 0) return true;
    return false;
}

bool grp_assign_run(const char *assignor, grp_asg_member_t *members, int nmembers,
                    const int32_t *nparts, int ntopics)
{
    grp_asg_ctx_t c;
    grp_asg_init(&c, members, nmembers, nparts, ntopics);
    bool known = false;
    for (size_t i = 0; assignor && i < sizeof(grp_assignors) / sizeof(grp_assignors[0]); i++)
        if (strcmp(grp_assignors[i].name, assignor) == 0) {
            grp_assignors[i].run(&c);
            known = true;
        }
    grp_asg_finish(&c);
    return known;
}
