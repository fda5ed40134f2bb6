/* api_describeconfigs.c: DescribeConfigs for topics (every topic config: the override from
 * /config/topics, else the broker default) and for this broker (its static config). */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "authz.h"
#include "cfg.h"
#include "mdcache.h"
#include "proto/kp_describeconfigs.h"
#include "api_env.h"
#include "tcfg.h"
#include "tconf.h"

static bool dc_wanted(const kp_describeconfigs_resource_t *res, const char *key)
{
    if (res->nkeys < 0) return true;
    for (int32_t i = 0; i < res->nkeys; i++)
        if (kstr_eq(res->keys[i], key)) return true;
    return false;
}

static void dc_topic(req_t *r, const kp_describeconfigs_resource_t *res,
                     kp_describeconfigs_result_t *out, bool synonyms)
{
    api_env_t *env = r->env;
    char *topic = arena_strndup(&r->arena, res->resource_name.p, (size_t)res->resource_name.len);
    if (!mdcache_topic(env->md, topic)) {
        out->error_code = KERR_UNKNOWN_TOPIC_OR_PARTITION;
        out->error_message = "Topic does not exist";
        return;
    }
    int n = 0;
    const char *key, *bkey;
    cfg_type_t type;
    while (tcfg_entry(n, &key, &type, &bkey)) n++;
    out->configs = arena_calloc(&r->arena, (size_t)n, sizeof(*out->configs));
    for (int i = 0; tcfg_entry(i, &key, &type, &bkey); i++) {
        if (!dc_wanted(res, key)) continue;
        kp_describeconfigs_entry_t *e = &out->configs[out->nconfigs++];
        e->name = key;
        e->config_type = (int8_t)type;
        const char *ov = tconf_override(env->tconf, topic, key);
        char *buf = arena_alloc(&r->arena, 64);
        const char *dflt = tcfg_default_str(env->cfg, key, buf, 64);
        bool broker_set = bkey && !cfg_is_default(env->cfg, bkey);
        if (ov) {
            e->value = arena_strndup(&r->arena, ov, strlen(ov));
            e->config_source = KP_CONFIG_SOURCE_DYNAMIC_TOPIC;
        } else {
            e->value = dflt ? arena_strndup(&r->arena, dflt, strlen(dflt)) : NULL;
            e->config_source =
                broker_set ? KP_CONFIG_SOURCE_STATIC_BROKER : KP_CONFIG_SOURCE_DEFAULT;
            e->is_default = !broker_set;
        }
        if (synonyms) {
            e->synonyms = arena_calloc(&r->arena, 3, sizeof(*e->synonyms));
            if (ov)
                e->synonyms[e->nsynonyms++] =
                    (kp_describeconfigs_synonym_t){key, e->value, KP_CONFIG_SOURCE_DYNAMIC_TOPIC};
            if (broker_set)
                e->synonyms[e->nsynonyms++] = (kp_describeconfigs_synonym_t){
                    bkey, cfg_str(env->cfg, bkey), KP_CONFIG_SOURCE_STATIC_BROKER};
            else if (bkey && dflt)
                e->synonyms[e->nsynonyms++] = (kp_describeconfigs_synonym_t){
                    bkey, e->value && !ov ? e->value : dflt, KP_CONFIG_SOURCE_DEFAULT};
        }
    }
}

static void dc_broker(req_t *r, const kp_describeconfigs_resource_t *res,
                      kp_describeconfigs_result_t *out)
{
    api_env_t *env = r->env;
    char id[16];
    snprintf(id, sizeof(id), "%d", env->broker_id);
    if (res->resource_name.len > 0 && !kstr_eq(res->resource_name, id)) {
        out->error_code = KERR_INVALID_REQUEST;
        out->error_message = "Unexpected broker id: describe a broker's config on that broker";
        return;
    }
    int n = 0;
    const char *key, *value;
    cfg_type_t type;
    bool is_default;
    while (cfg_entry(env->cfg, n, &key, &value, &type, &is_default)) n++;
    out->configs = arena_calloc(&r->arena, (size_t)n, sizeof(*out->configs));
    for (int i = 0; cfg_entry(env->cfg, i, &key, &value, &type, &is_default); i++) {
        if (!dc_wanted(res, key)) continue;
        kp_describeconfigs_entry_t *e = &out->configs[out->nconfigs++];
        e->name = key;
        e->is_sensitive = type == CFG_PASSWORD; /* as Kafka: a password's value is null */
        e->value = e->is_sensitive ? NULL : value;
        e->read_only = true;
        e->is_default = is_default;
        e->config_source = is_default ? KP_CONFIG_SOURCE_DEFAULT : KP_CONFIG_SOURCE_STATIC_BROKER;
        e->config_type = (int8_t)type;
    }
}

void api_describeconfigs(req_t *r, rbuf_t *rb)
{
    kp_describeconfigs_req_t req;
    int16_t ver = r->hdr.api_version;
    if (kp_describeconfigs_req_decode(rb, ver, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed DescribeConfigs request");
        return;
    }
    kp_describeconfigs_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    resp.nresults = req.nresources;
    resp.results = arena_calloc(&r->arena, (size_t)(req.nresources > 0 ? req.nresources : 0),
                                sizeof(*resp.results));
    for (int32_t i = 0; i < req.nresources; i++) {
        kp_describeconfigs_resource_t *res = &req.resources[i];
        kp_describeconfigs_result_t *out = &resp.results[i];
        out->resource_type = res->resource_type;
        out->resource_name = res->resource_name;
        kerr_t denied = authz_config_resource(r, ACL_OP_DESCRIBE_CONFIGS, res->resource_type,
                                              res->resource_name);
        if (denied)
            out->error_code = (int16_t)denied;
        else if (res->resource_type == KP_RESOURCE_TOPIC)
            dc_topic(r, res, out, req.include_synonyms);
        else if (res->resource_type == KP_RESOURCE_BROKER)
            dc_broker(r, res, out);
        else {
            out->error_code = KERR_INVALID_REQUEST;
            out->error_message = "Unsupported resource type";
        }
    }
    kp_describeconfigs_resp_encode(&r->resp, ver, &resp);
    req_done(r);
}
