/* grp_coord.c: which groups this broker coordinates. Tracks the role of every
 * __consumer_offsets partition through the replica manager's role hook (leader: load it;
 * follower or stopped: drop its groups), creates the topic on the first FindCoordinator,
 * and serves the group-level admin APIs (DescribeGroups, ListGroups, DeleteGroups). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "ctl.h"
#include "grp_int.h"
#include "ktime.h"
#include "log.h"
#include "mdcache.h"
#include "rec/batch.h"
#include "replica/rmgr.h"
#include "txn/txn.h"

/* ---------------------------------------------------------------- hashing */

/* Next code point of UTF-8 s[*i..len); malformed input yields U+FFFD and skips one byte. */
static uint32_t grp_utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[*i];
    int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1fu) : n == 2 ? (c & 0x0fu) : (c & 0x07u);
    if (n < 0 || *i + (size_t)n >= len + (n == 0)) {
        (*i)++;
        return n == 0 ? c : 0xfffd;
    }
    for (int k = 1; k <= n; k++) {
        if ((s[*i + (size_t)k] & 0xc0) != 0x80) {
            (*i)++;
            return 0xfffd;
        }
        cp = (cp << 6) | (s[*i + (size_t)k] & 0x3fu);
    }
    *i += (size_t)n + 1;
    return cp;
}

int32_t grp_partition_for(const char *group, size_t len, int32_t nparts)
{
    uint32_t h = 0; /* java.lang.String.hashCode over UTF-16 code units, wrapping */
    size_t i = 0;
    while (i < len) {
        uint32_t cp = grp_utf8_next((const unsigned char *)group, len, &i);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            h = 31 * h + (0xd800 + (cp >> 10));
            h = 31 * h + (0xdc00 + (cp & 0x3ff));
        } else {
            h = 31 * h + cp;
        }
    }
    int32_t hc = (int32_t)h;
    int32_t a = hc == INT32_MIN ? 0 : hc < 0 ? -hc : hc; /* Kafka's Utils.abs */
    return nparts > 0 ? a % nparts : 0;
}

/* ---------------------------------------------------------------- groups */

grp_t *grp_get(grp_coord_t *gc, const char *id)
{
    return dict_get(gc->groups, id);
}

grp_t *grp_new(grp_coord_t *gc, const char *id, int32_t partition)
{
    grp_t *g = calloc(1, sizeof(*g));
    if (!g) abort();
    g->gc = gc;
    g->id = strdup(id);
    if (!g->id) abort();
    g->partition = partition;
    g->state = GRP_EMPTY;
    g->state_ts = ktime_wall_ms();
    g->offsets = dict_new();
    dict_set(gc->groups, id, g);
    return g;
}

void grp_foreach_offset(grp_coord_t *gc, grp_offset_visit_fn *fn, void *arg)
{
    size_t it = 0;
    void *v;
    while (dict_next(gc->groups, &it, NULL, &v)) {
        grp_t *g = v;
        size_t jt = 0;
        void *o;
        while (dict_next(g->offsets, &jt, NULL, &o)) {
            grp_offset_t *off = o;
            fn(arg, g->id, off->topic, off->partition, off->offset);
        }
    }
}

void grp_destroy(grp_t *g, kerr_t err)
{
    grp_coord_t *gc = g->gc;
    grp_fail_pending(g, err);
    dict_del(gc->groups, g->id);
    g->state = GRP_DEAD;
    while (g->members) {
        grp_member_t *m = g->members;
        g->members = m->next;
        grp_member_free(m);
    }
    grp_cons_free(g->cons);
    grp_txn_free_all(g);
    dict_free(g->offsets, grp_offset_free);
    free(g->protocol_type);
    free(g->protocol);
    free(g->leader);
    free(g->id);
    free(g);
}

kerr_t grp_lookup(grp_coord_t *gc, kstr_t id, bool create, grp_t **out)
{
    *out = NULL;
    if (id.len <= 0) return KERR_INVALID_GROUP_ID;
    int32_t p = grp_partition_for(id.p, (size_t)id.len, gc->nparts);
    if (gc->parts[p].state == GC_PART_NONE) return KERR_NOT_COORDINATOR;
    if (gc->parts[p].state == GC_PART_LOADING) return KERR_COORDINATOR_LOAD_IN_PROGRESS;
    char *cid = kstr_dup(id);
    if (!cid) abort();
    grp_t *g = grp_get(gc, cid);
    if (!g && create) g = grp_new(gc, cid, p);
    free(cid);
    *out = g;
    return KERR_NONE;
}

partition_t *grp_offsets_partition(grp_coord_t *gc, int32_t p)
{
    partition_t *part = rmgr_get(gc->d.rmgr, GRP_OFFSETS_TOPIC, p);
    return part && part->is_leader ? part : NULL;
}

/* ---------------------------------------------------------------- partition roles */

grp_t *grp_next_of_part(grp_coord_t *gc, int32_t p, size_t *it)
{
    void *v;
    while (dict_next(gc->groups, it, NULL, &v))
        if (((grp_t *)v)->partition == p) return v;
    return NULL;
}

static void grp_unload(grp_coord_t *gc, int32_t p)
{
    gc_part_t *gp = &gc->parts[p];
    if (gp->load_timer) ev_timer_cancel(gc->loop, gp->load_timer);
    gp->load_timer = 0;
    gp->state = GC_PART_NONE;
    size_t it = 0;
    int n = 0;
    for (grp_t *g; (g = grp_next_of_part(gc, p, &it)); n++) grp_destroy(g, KERR_NOT_COORDINATOR);
    if (n) log_info("grp", "unloaded %d groups of %s-%d", n, GRP_OFFSETS_TOPIC, p);
}

static void grp_role_hook(void *arg, const char *topic, int32_t p, rmgr_role_t role,
                          int32_t leader_epoch)
{
    grp_coord_t *gc = arg;
    if (strcmp(topic, GRP_OFFSETS_TOPIC) != 0 || p < 0 || p >= gc->nparts) return;
    gc_part_t *gp = &gc->parts[p];
    if (role == RMGR_ROLE_LEADER) {
        if (gp->state != GC_PART_NONE && gp->epoch == leader_epoch) return;
        grp_unload(gc, p);
        gp->epoch = leader_epoch;
        grp_load_start(gc, p);
    } else {
        grp_unload(gc, p);
        gp->epoch = leader_epoch;
    }
}

/* group.consumer.assignors (validated by cfg: uniform and range only), in order. */
static void grp_coord_assignors(grp_coord_t *gc, const char *list)
{
    gc->cons_assignors = calloc(strlen(list) / 2 + 2, sizeof(char *));
    if (!gc->cons_assignors) abort();
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        const char *s = p, *e = p + n;
        while (s < e && (*s == ' ' || *s == '\t')) s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
        if (e > s) {
            char *name = strndup(s, (size_t)(e - s));
            if (!name) abort();
            for (char *c = name; *c; c++) *c = (char)tolower((unsigned char)*c);
            gc->cons_assignors[gc->ncons_assignors++] = name;
        }
        p += n + (p[n] == ',');
    }
    if (gc->ncons_assignors == 0) gc->cons_assignors[gc->ncons_assignors++] = strdup("uniform");
}

grp_coord_t *grp_coord_new(const grp_deps_t *deps)
{
    grp_coord_t *gc = calloc(1, sizeof(*gc));
    if (!gc) abort();
    gc->d = *deps;
    gc->loop = deps->loop;
    const cfg_t *cfg = deps->cfg;
    gc->nparts = (int32_t)cfg_int(cfg, "offsets.topic.num.partitions");
    gc->parts = calloc((size_t)gc->nparts, sizeof(*gc->parts));
    if (!gc->parts) abort();
    for (int32_t p = 0; p < gc->nparts; p++) {
        gc->parts[p].gc = gc;
        gc->parts[p].index = p;
    }
    gc->groups = dict_new();
    gc->min_session_ms = (int32_t)cfg_int(cfg, "group.min.session.timeout.ms");
    gc->max_session_ms = (int32_t)cfg_int(cfg, "group.max.session.timeout.ms");
    gc->initial_delay_ms = (int32_t)cfg_int(cfg, "group.initial.rebalance.delay.ms");
    gc->retention_ms = cfg_int(cfg, "offsets.retention.minutes") * 60000;
    gc->retention_check_ms = cfg_int(cfg, "offsets.retention.check.interval.ms");
    gc->commit_timeout_ms = cfg_int(cfg, "offsets.commit.timeout.ms");
    gc->max_metadata_bytes = (int32_t)cfg_int(cfg, "offset.metadata.max.bytes");
    gc->cons_hb_ms = (int32_t)cfg_int(cfg, "group.consumer.heartbeat.interval.ms");
    gc->cons_session_ms = (int32_t)cfg_int(cfg, "group.consumer.session.timeout.ms");
    gc->cons_max_size = (int32_t)cfg_int(cfg, "group.consumer.max.size");
    grp_coord_assignors(gc, cfg_str(cfg, "group.consumer.assignors"));
    gc->last_expire_ms = ktime_wall_ms();
    rmgr_set_role_hook(deps->rmgr, grp_role_hook, gc);
    return gc;
}

void grp_coord_free(grp_coord_t *gc)
{
    if (!gc) return;
    rmgr_set_role_hook(gc->d.rmgr, NULL, gc);
    for (int32_t p = 0; p < gc->nparts; p++) grp_unload(gc, p);
    dict_free(gc->groups, NULL);
    for (int i = 0; i < gc->ncons_assignors; i++) free(gc->cons_assignors[i]);
    free(gc->cons_assignors);
    free(gc->parts);
    free(gc);
}

void grp_coord_tick(grp_coord_t *gc, int64_t now_ms)
{
    if (now_ms - gc->last_expire_ms < gc->retention_check_ms) return;
    gc->last_expire_ms = now_ms;
    grp_expire_offsets(gc, now_ms);
}

/* ---------------------------------------------------------------- FindCoordinator */

/* Create __consumer_offsets as Kafka does on first use: offsets.topic.num.partitions,
 * replication factor capped by the live brokers, compacted. */
static void grp_create_offsets_topic(grp_coord_t *gc)
{
    const cfg_t *cfg = gc->d.cfg;
    static const char *const keys[] = {"cleanup.policy", "segment.bytes", "compression.type"};
    const char *vals[] = {"compact", cfg_str(cfg, "offsets.topic.segment.bytes"), "producer"};
    gc->d.itopic_create(gc->d.itopic_arg, "grp", GRP_OFFSETS_TOPIC, gc->nparts,
                        cfg_int(cfg, "offsets.topic.replication.factor"), 3, keys, vals,
                        &gc->creating);
}

static void grp_find_one(grp_coord_t *gc, int8_t key_type, kstr_t key, const char *listener,
                         kp_findcoordinator_coord_t *c)
{
    c->key = key;
    c->node_id = -1;
    c->host = KSTR("");
    c->port = -1;
    c->error_message = KSTR_NULL;
    if (key_type == KP_COORD_TRANSACTION) {
        txn_find_coordinator(gc->d.txn, key, listener, c);
        return;
    }
    if (key_type != KP_COORD_GROUP) {
        c->error_code = KERR_INVALID_REQUEST;
        return;
    }
    const md_topic_t *t = mdcache_topic(gc->d.md, GRP_OFFSETS_TOPIC);
    if (!t) {
        grp_create_offsets_topic(gc);
        c->error_code = KERR_COORDINATOR_NOT_AVAILABLE;
        return;
    }
    int32_t p = grp_partition_for(key.p, key.len > 0 ? (size_t)key.len : 0, gc->nparts);
    const md_broker_t *b = p < t->nparts && t->parts[p].leader >= 0
                               ? mdcache_broker(gc->d.md, t->parts[p].leader)
                               : NULL;
    const md_endpoint_t *ep = b ? md_broker_endpoint(b, listener) : NULL;
    if (!ep) {
        c->error_code = KERR_COORDINATOR_NOT_AVAILABLE;
        return;
    }
    c->error_code = KERR_NONE;
    c->node_id = b->id;
    c->host = KSTR(ep->host);
    c->port = ep->port;
}

void grp_find_coordinator(grp_coord_t *gc, const kp_findcoordinator_req_t *req,
                          const char *listener, arena_t *a, kp_findcoordinator_resp_t *resp)
{
    resp->ncoords = req->nkeys;
    resp->coords = arena_calloc(a, (size_t)req->nkeys + 1, sizeof(*resp->coords));
    for (int32_t i = 0; i < req->nkeys; i++)
        grp_find_one(gc, req->key_type, req->keys[i], listener, &resp->coords[i]);
}

/* ---------------------------------------------------------------- DescribeGroups, ListGroups */

static kstr_t grp_k(const char *s)
{
    return s ? KSTR(s) : KSTR("");
}

static void grp_describe_one(grp_t *g, arena_t *a, kp_describegroups_group_t *out)
{
    bool stable = g->state == GRP_STABLE;
    out->group_state = KSTR(grp_state_names[g->state]);
    out->protocol_type = grp_k(g->protocol_type);
    out->protocol_data = stable ? grp_k(g->protocol) : KSTR("");
    out->members = arena_calloc(a, (size_t)g->nmembers + 1, sizeof(*out->members));
    for (grp_member_t *m = g->members; m; m = m->next) {
        kp_describegroups_member_t *dm = &out->members[out->nmembers++];
        const grp_proto_t *p = stable ? grp_member_proto(m, g->protocol) : NULL;
        dm->member_id = KSTR(m->id);
        dm->group_instance_id = m->instance_id ? KSTR(m->instance_id) : KSTR_NULL;
        dm->client_id = grp_k(m->client_id);
        dm->client_host = grp_k(m->client_host);
        dm->member_metadata = p ? (kbytes_t){p->meta, p->meta_len} : (kbytes_t){NULL, 0};
        dm->member_assignment =
            stable ? (kbytes_t){m->assignment, m->assignment_len} : (kbytes_t){NULL, 0};
    }
}

void grp_describe(grp_coord_t *gc, const kp_describegroups_req_t *req, arena_t *a,
                  kp_describegroups_resp_t *resp)
{
    resp->ngroups = req->ngroups;
    resp->groups = arena_calloc(a, (size_t)req->ngroups + 1, sizeof(*resp->groups));
    for (int32_t i = 0; i < req->ngroups; i++) {
        kp_describegroups_group_t *out = &resp->groups[i];
        out->group_id = req->groups[i];
        out->authorized_operations = INT32_MIN;
        out->group_state = KSTR("Dead");
        out->protocol_type = KSTR("");
        out->protocol_data = KSTR("");
        grp_t *g = NULL;
        out->error_code = (int16_t)grp_lookup(gc, req->groups[i], false, &g);
        if (g && !g->cons) grp_describe_one(g, a, out); /* KIP-848 groups: Dead, as Kafka */
    }
}

/* Is name in the filter (case-insensitive)? An empty filter takes everything. */
static bool grp_filter_has(int32_t n, const kstr_t *filter, const char *name)
{
    if (n == 0) return true;
    for (int32_t i = 0; i < n; i++)
        if (filter[i].len == (int32_t)strlen(name) &&
            strncasecmp(filter[i].p, name, (size_t)filter[i].len) == 0)
            return true;
    return false;
}

void grp_list(grp_coord_t *gc, const kp_listgroups_req_t *req, arena_t *a,
              kp_listgroups_resp_t *resp)
{
    for (int32_t p = 0; p < gc->nparts; p++)
        if (gc->parts[p].state == GC_PART_LOADING)
            resp->error_code = KERR_COORDINATOR_LOAD_IN_PROGRESS;
    resp->groups = arena_calloc(a, dict_size(gc->groups) + 1, sizeof(*resp->groups));
    size_t it = 0;
    void *v;
    while (dict_next(gc->groups, &it, NULL, &v)) {
        grp_t *g = v;
        const char *state = g->cons ? grp_cons_state(g) : grp_state_names[g->state];
        const char *type = g->cons ? "consumer" : "classic";
        if (gc->parts[g->partition].state != GC_PART_LOADED ||
            !grp_filter_has(req->nstates, req->states_filter, state) ||
            !grp_filter_has(req->ntypes, req->types_filter, type))
            continue;
        kp_listgroups_group_t *lg = &resp->groups[resp->ngroups++];
        lg->group_id = KSTR(g->id);
        lg->protocol_type = grp_k(g->protocol_type);
        lg->group_state = KSTR(state);
        lg->group_type = KSTR(type);
    }
}

/* ---------------------------------------------------------------- DeleteGroups */

typedef struct grp_del_ctx {
    grp_coord_t *gc;
    kp_deletegroups_resp_t resp;
    int outstanding;
    grp_delete_cb *cb;
    void *arg;
} grp_del_ctx_t;

typedef struct grp_del_one {
    grp_del_ctx_t *ctx;
    int32_t index;
    char *id;
} grp_del_one_t;

static void grp_del_finish(grp_del_ctx_t *ctx)
{
    if (--ctx->outstanding > 0) return;
    ctx->cb(ctx->arg, &ctx->resp);
    free(ctx);
}

static void grp_del_done(void *arg, kerr_t err)
{
    grp_del_one_t *one = arg;
    grp_del_ctx_t *ctx = one->ctx;
    ctx->resp.results[one->index].error_code = (int16_t)err;
    grp_t *g = grp_get(ctx->gc, one->id);
    if (!err && g && g->state == GRP_EMPTY) {
        log_info("grp", "group %s deleted", g->id);
        grp_destroy(g, KERR_COORDINATOR_NOT_AVAILABLE);
    }
    free(one->id);
    free(one);
    grp_del_finish(ctx);
}

void grp_delete_groups(grp_coord_t *gc, const kp_deletegroups_req_t *req, arena_t *a,
                       grp_delete_cb *cb, void *arg)
{
    grp_del_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) abort();
    ctx->gc = gc;
    ctx->cb = cb;
    ctx->arg = arg;
    ctx->outstanding = 1; /* released below, after the loop */
    ctx->resp.nresults = req->ngroups;
    ctx->resp.results = arena_calloc(a, (size_t)req->ngroups + 1, sizeof(*ctx->resp.results));
    int64_t now = ktime_wall_ms();
    for (int32_t i = 0; i < req->ngroups; i++) {
        kp_deletegroups_result_t *res = &ctx->resp.results[i];
        res->group_id = req->groups_names[i];
        grp_t *g = NULL;
        kerr_t err = grp_lookup(gc, req->groups_names[i], false, &g);
        if (!err && (!g || g->state == GRP_DEAD)) err = KERR_GROUP_ID_NOT_FOUND;
        if (!err && g->state != GRP_EMPTY) err = KERR_NON_EMPTY_GROUP;
        res->error_code = (int16_t)err;
        if (err) continue;
        batch_builder_t bb;
        batch_builder_init(&bb, now);
        grp_tombstones_all(g, &bb, now);
        wbuf_t wb;
        wbuf_init(&wb);
        batch_builder_finish(&bb, NULL, &wb);
        batch_builder_free(&bb);
        grp_del_one_t *one = calloc(1, sizeof(*one));
        if (!one) abort();
        one->ctx = ctx;
        one->index = i;
        one->id = strdup(g->id);
        if (!one->id) abort();
        ctx->outstanding++;
        grp_append(gc, g->partition, &wb, grp_del_done, one);
    }
    grp_del_finish(ctx);
}
