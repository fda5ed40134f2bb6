/* api_alterconfigs.c: AlterConfigs (replace a resource's dynamic configs), and the resource
 * handling IncrementalAlterConfigs shares (api_incrementalalterconfigs.c decodes, then calls
 * api_alterconfigs_run).
 *
 * Topics: requests are checked here (duplicate keys, known keys and valid values, APPEND and
 * SUBTRACT only on list configs), then the coordinator thread rewrites /config/topics/<t> and
 * writes a /config/changes notice (CTL_OP_ALTER_CONFIGS); every broker reloads the topic's
 * configs from that notice, this one before the answer goes out.
 * Brokers: the replication throttle rates are dynamic (this broker's id, or "" for the
 * cluster-wide <default>), written to /config/brokers/<id> with a change notice the same way;
 * setting any other broker config is refused with Kafka's "Cannot update these configs
 * dynamically" (INVALID_REQUEST) rather than stored and ignored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "ctl.h"
#include "proto/kp_alterconfigs.h"
#include "proto/kp_describeconfigs.h"
#include "proto/kp_incrementalalterconfigs.h"
#include "api_env.h"
#include "tcfg.h"

typedef struct ac_state {
    req_t *r;
    bool incremental;
    kp_alterconfigs_resp_t resp;
    ctl_op_t *op;
    int *spec_of; /* response index -> spec index, -1 when answered here */
} ac_state_t;

static void ac_respond(ac_state_t *st)
{
    if (st->incremental)
        kp_incrementalalterconfigs_resp_encode(&st->r->resp, st->r->hdr.api_version, &st->resp);
    else
        kp_alterconfigs_resp_encode(&st->r->resp, st->r->hdr.api_version, &st->resp);
    ctl_op_free(st->op);
    req_done(st->r);
}

static void ac_fail(ac_state_t *st, int32_t i, kerr_t err, const char *msg)
{
    st->resp.responses[i].error_code = (int16_t)err;
    st->resp.responses[i].error_message =
        msg && *msg ? arena_strndup(&st->r->arena, msg, strlen(msg)) : NULL;
}

static void ac_done(ctl_op_t *op, void *arg)
{
    ac_state_t *st = arg;
    for (int32_t i = 0; i < st->resp.nresponses; i++) {
        int k = st->spec_of[i];
        if (k >= 0 && op->topics[k].err) ac_fail(st, i, op->topics[k].err, op->topics[k].errmsg);
    }
    ac_respond(st);
}

static const char *ac_op_name(int8_t op)
{
    return op == KP_CONFIG_OP_APPEND ? "append" : op == KP_CONFIG_OP_SUBTRACT ? "subtract" : "";
}

/* Checks a topic resource; KERR_NONE or the error with a message in why. */
static kerr_t ac_check_topic(const kp_alterconfigs_resource_t *res, bool incremental, char *why,
                             size_t n)
{
    for (int32_t j = 0; j < res->nconfigs; j++) {
        const kp_alterconfigs_config_t *c = &res->configs[j];
        for (int32_t k = 0; k < j; k++)
            if (res->configs[k].name.len == c->name.len &&
                memcmp(res->configs[k].name.p, c->name.p, (size_t)c->name.len) == 0) {
                snprintf(why, n, "Error due to duplicate config keys");
                return KERR_INVALID_REQUEST;
            }
        char key[256], val[4096];
        snprintf(key, sizeof(key), "%.*s", c->name.len, c->name.p);
        snprintf(val, sizeof(val), "%.*s", c->value.len > 0 ? c->value.len : 0, c->value.p);
        int8_t op = c->config_operation;
        if (op < KP_CONFIG_OP_SET || op > KP_CONFIG_OP_SUBTRACT) {
            snprintf(why, n, "Unknown alter config operation %d for config key: %s", op, key);
            return KERR_INVALID_REQUEST;
        }
        if (op == KP_CONFIG_OP_DELETE) continue;
        if (!incremental && c->value.len < 0) continue; /* dropped, as Kafka does */
        kerr_t e = tcfg_validate(key, op == KP_CONFIG_OP_SET ? val : NULL, why, n);
        if (e) return e;
        if ((op == KP_CONFIG_OP_APPEND || op == KP_CONFIG_OP_SUBTRACT) && !tcfg_is_list(key)) {
            snprintf(why, n, "Config value %s is not allowed for config key: %s", ac_op_name(op),
                     key);
            return KERR_INVALID_CONFIG;
        }
    }
    return KERR_NONE;
}

/* The broker configs this broker applies at runtime (per broker or cluster-wide <default>):
 * the replication throttles (replica/rthrottle.h). */
static const char *const ac_dynamic_broker_keys[] = {"leader.replication.throttled.rate",
                                                     "follower.replication.throttled.rate"};

static bool ac_broker_dynamic(const char *key)
{
    for (size_t i = 0; i < sizeof(ac_dynamic_broker_keys) / sizeof(ac_dynamic_broker_keys[0]); i++)
        if (strcmp(key, ac_dynamic_broker_keys[i]) == 0) return true;
    return false;
}

/* A broker resource: our id or "" (<default>); only the dynamic keys, each a LONG >= 0, set
 * or deleted. Anything else gets Kafka's "Cannot update these configs dynamically". */
static kerr_t ac_check_broker(api_env_t *env, const kp_alterconfigs_resource_t *res, char *why,
                              size_t n)
{
    char id[16];
    snprintf(id, sizeof(id), "%d", env->broker_id);
    if (res->resource_name.len > 0 && !kstr_eq(res->resource_name, id)) {
        snprintf(why, n, "Unexpected broker id, expected %d or empty string, but received %.*s",
                 env->broker_id, res->resource_name.len, res->resource_name.p);
        return KERR_INVALID_REQUEST;
    }
    char bad[512] = "";
    size_t o = 0;
    for (int32_t j = 0; j < res->nconfigs; j++) {
        const kp_alterconfigs_config_t *c = &res->configs[j];
        char key[256], val[64];
        snprintf(key, sizeof(key), "%.*s", c->name.len, c->name.p);
        snprintf(val, sizeof(val), "%.*s", c->value.len > 0 ? c->value.len : 0, c->value.p);
        bool setting = c->config_operation != KP_CONFIG_OP_DELETE && c->value.len >= 0;
        if (!ac_broker_dynamic(key)) {
            if (setting)
                o += (size_t)snprintf(bad + o, o < sizeof(bad) ? sizeof(bad) - o : 0, "%s%s",
                                      o ? ", " : "", key);
            continue;
        }
        if (c->config_operation == KP_CONFIG_OP_APPEND ||
            c->config_operation == KP_CONFIG_OP_SUBTRACT) {
            snprintf(why, n, "Config value %s is not allowed for config key: %s",
                     ac_op_name(c->config_operation), key);
            return KERR_INVALID_CONFIG;
        }
        char *end;
        long long v = strtoll(val, &end, 10);
        if (setting && (end == val || *end || v < 0)) {
            snprintf(why, n, "Invalid value %s for configuration %s: Value must be at least 0", val,
                     key);
            return KERR_INVALID_CONFIG;
        }
    }
    if (o == 0) return KERR_NONE;
    snprintf(why, n,
             "Invalid config value for resource ConfigResource(type=BROKER, name='%.*s'): Cannot "
             "update these configs dynamically: Set(%s)",
             res->resource_name.len, res->resource_name.p, bad);
    return KERR_INVALID_REQUEST;
}

static char *ac_dup(kstr_t s)
{
    return s.len < 0 ? NULL : kstr_dup(s);
}

/* The topic resource as an operation spec (heap copies; freed by ctl_op_free). */
static void ac_spec(api_env_t *env, const kp_alterconfigs_resource_t *res, bool incremental,
                    ctl_topic_spec_t *s)
{
    s->name = kstr_dup(res->resource_name);
    s->ncfg = res->nconfigs;
    size_t n = (size_t)res->nconfigs + 1;
    s->cfg_keys = calloc(n, sizeof(char *));
    s->cfg_vals = calloc(n, sizeof(char *));
    if (!s->cfg_keys || !s->cfg_vals) abort();
    if (incremental) {
        s->cfg_ops = calloc(n, sizeof(int8_t));
        s->cfg_bases = calloc(n, sizeof(char *));
        if (!s->cfg_ops || !s->cfg_bases) abort();
    }
    for (int32_t j = 0; j < res->nconfigs; j++) {
        const kp_alterconfigs_config_t *c = &res->configs[j];
        s->cfg_keys[j] = kstr_dup(c->name);
        s->cfg_vals[j] = ac_dup(c->value);
        if (!incremental) continue;
        s->cfg_ops[j] = c->config_operation;
        if (c->config_operation == KP_CONFIG_OP_APPEND ||
            c->config_operation == KP_CONFIG_OP_SUBTRACT) {
            char buf[256];
            const char *d = tcfg_default_str(env->cfg, s->cfg_keys[j], buf, sizeof(buf));
            s->cfg_bases[j] = d ? strdup(d) : NULL;
        }
    }
}

void api_alterconfigs_run(req_t *r, const kp_alterconfigs_req_t *req, bool incremental)
{
    ac_state_t *st = arena_alloc(&r->arena, sizeof(*st));
    memset(st, 0, sizeof(*st));
    st->r = r;
    st->incremental = incremental;
    int32_t n = req->nresources > 0 ? req->nresources : 0;
    st->resp.nresponses = n;
    st->resp.responses = arena_calloc(&r->arena, (size_t)n + 1, sizeof(*st->resp.responses));
    st->spec_of = arena_calloc(&r->arena, (size_t)n + 1, sizeof(int));
    st->op = calloc(1, sizeof(ctl_op_t));
    if (!st->op) abort();
    st->op->type = CTL_OP_ALTER_CONFIGS;
    st->op->validate_only = req->validate_only;
    st->op->topics = calloc((size_t)n + 1, sizeof(ctl_topic_spec_t));
    if (!st->op->topics) abort();
    for (int32_t i = 0; i < n; i++) {
        const kp_alterconfigs_resource_t *res = &req->resources[i];
        st->resp.responses[i].resource_type = res->resource_type;
        st->resp.responses[i].resource_name = res->resource_name;
        st->spec_of[i] = -1;
        char why[1024] = "";
        kerr_t err =
            authz_config_resource(r, ACL_OP_ALTER_CONFIGS, res->resource_type, res->resource_name);
        if (err) {
            /* refused: answered with the authorization error */
        } else if (res->resource_type == KP_RESOURCE_TOPIC) {
            char name[256];
            snprintf(name, sizeof(name), "%.*s", res->resource_name.len, res->resource_name.p);
            err = md_topic_name_valid(name, why, sizeof(why));
            if (!err) err = ac_check_topic(res, incremental, why, sizeof(why));
            if (!err) {
                st->spec_of[i] = st->op->ntopics;
                ac_spec(r->env, res, incremental, &st->op->topics[st->op->ntopics++]);
                continue;
            }
        } else if (res->resource_type == KP_RESOURCE_BROKER) {
            err = ac_check_broker(r->env, res, why, sizeof(why));
            if (!err) {
                st->spec_of[i] = st->op->ntopics;
                ctl_topic_spec_t *s = &st->op->topics[st->op->ntopics++];
                ac_spec(r->env, res, incremental, s);
                s->broker_entity = true;
                continue;
            }
        } else {
            err = KERR_INVALID_REQUEST;
            snprintf(why, sizeof(why), "Unsupported resource type %d", res->resource_type);
        }
        if (err) ac_fail(st, i, err, why);
    }
    if (st->op->ntopics == 0) {
        ac_respond(st);
        return;
    }
    st->op->done = ac_done;
    st->op->arg = st;
    req_defer(r);
    ctl_submit(r->env->ctl, st->op);
}

void api_alterconfigs(req_t *r, rbuf_t *rb)
{
    kp_alterconfigs_req_t req;
    if (kp_alterconfigs_req_decode(rb, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed AlterConfigs request");
        return;
    }
    api_alterconfigs_run(r, &req, false);
}
