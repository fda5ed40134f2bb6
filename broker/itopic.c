/* itopic.c: creating the internal topics (itopic.h). */
#include "itopic.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "log.h"
#include "mdcache.h"

typedef struct itopic_ctx {
    bool *creating;
    const char *tag;
} itopic_ctx_t;

static void itopic_done(ctl_op_t *op, void *arg)
{
    itopic_ctx_t *ctx = arg;
    ctl_topic_spec_t *s = &op->topics[0];
    if (s->err && s->err != KERR_TOPIC_ALREADY_EXISTS)
        log_warn(ctx->tag, "creating %s failed: %s %s", s->name, kerr_name(s->err), s->errmsg);
    *ctx->creating = false;
    free(ctx);
    ctl_op_free(op);
}

static char *itopic_strdup(const char *s)
{
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

void itopic_create(ctl_t *ctl, const mdcache_t *md, const char *log_tag, const char *name,
                   int32_t nparts, int64_t replication_factor, int ncfg, const char *const *keys,
                   const char *const *vals, bool *creating)
{
    if (*creating) return;
    *creating = true;
    int nlive;
    mdcache_brokers(md, &nlive);
    int64_t rf = replication_factor;
    if (rf > nlive) rf = nlive > 0 ? nlive : 1;
    ctl_op_t *op = calloc(1, sizeof(*op));
    itopic_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (!op || !ctx) abort();
    op->type = CTL_OP_CREATE_TOPICS;
    op->ntopics = 1;
    op->topics = calloc(1, sizeof(ctl_topic_spec_t));
    if (!op->topics) abort();
    ctl_topic_spec_t *s = &op->topics[0];
    s->name = itopic_strdup(name);
    s->num_partitions = nparts;
    s->replication_factor = (int16_t)rf;
    s->ncfg = ncfg;
    s->cfg_keys = calloc((size_t)ncfg + 1, sizeof(char *));
    s->cfg_vals = calloc((size_t)ncfg + 1, sizeof(char *));
    if (!s->cfg_keys || !s->cfg_vals) abort();
    for (int i = 0; i < ncfg; i++) {
        s->cfg_keys[i] = itopic_strdup(keys[i]);
        s->cfg_vals[i] = itopic_strdup(vals[i]);
    }
    ctx->creating = creating;
    ctx->tag = log_tag;
    op->done = itopic_done;
    op->arg = ctx;
    log_info(log_tag, "creating %s (%d partitions, replication factor %d)", name, nparts, (int)rf);
    ctl_submit(ctl, op);
}
