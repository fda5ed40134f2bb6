/* console_admin.c: the console's changes and per-broker details, made as a Kafka client would,
 * over the protocol (console_job.h):
 *   POST   /v1/topics                {"name", "partitions", "replication_factor", "configs"}
 *                                    CreateTopics v4 to the controller
 *   DELETE /v1/topics/<name>         DeleteTopics v3 to the controller
 *   PUT    /v1/topics/<name>/configs {"set": {k: v}, "delete": [k]}
 *                                    IncrementalAlterConfigs v0 (SET / DELETE) to the controller
 *   POST   /v1/topics/<t>/partitions/<p>/messages {"key", "value", "headers": [{key, value}]}
 *                                    one record (text; null allowed), Produce v7 acks=all to
 *                                    the leader; answers its offset
 *   GET    /v1/brokers/<id>          DescribeConfigs v3 (as kafka-configs --describe --all shows
 *                                    them) and DescribeLogDirs v1 (sizes) of that broker
 * A Kafka error answers {"error": message, "error_code", "error_name"} with 400 (invalid
 * input), 404 (unknown topic), 409 (exists), 503 (no controller / unreachable) or 500. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "console.h"
#include "console_admin.h"
#include "console_auth.h"
#include "console_groups.h"
#include "console_job.h"
#include "ktime.h"
#include "mdcache.h"
#include "proto/kp.h"
#include "rec/batch.h"

#define CT_REQ                                                                                     \
    "topics:[name:str,num_partitions:i32,replication_factor:i16,assignments:[partition_index:i32," \
    "broker_ids:[i32]],configs:[name:str,value:nstr]],timeout_ms:i32,validate_only:bool"
#define CT_RESP "throttle_time_ms:i32,topics:[name:str,error_code:i16,error_message:nstr]"
#define DT_REQ  "topic_names:[str],timeout_ms:i32"
#define DT_RESP "throttle_time_ms:i32,responses:[name:str,error_code:i16]"
#define IA_REQ                                                                                     \
    "resources:[resource_type:i8,resource_name:str,configs:[name:str,config_operation:i8,"         \
    "value:nstr]],validate_only:bool"
#define IA_RESP                                                                                    \
    "throttle_time_ms:i32,responses:[error_code:i16,error_message:nstr,resource_type:i8,"          \
    "resource_name:str]"
#define DC_REQ                                                                                     \
    "resources:[resource_type:i8,resource_name:str,configuration_keys:?[str]],"                    \
    "include_synonyms:bool,include_documentation:bool"
#define DC_RESP                                                                                    \
    "throttle_time_ms:i32,results:[error_code:i16,error_message:nstr,resource_type:i8,"            \
    "resource_name:str,configs:[name:str,value:nstr,read_only:bool,config_source:i8,"              \
    "is_sensitive:bool,synonyms:[name:str,value:nstr,source:i8],config_type:i8,"                   \
    "documentation:nstr]]"
#define DL_REQ "topics:?[topic:str,partitions:[i32]]"
#define DL_RESP                                                                                    \
    "throttle_time_ms:i32,results:[error_code:i16,log_dir:str,topics:[name:str,partitions:["       \
    "partition_index:i32,partition_size:i64,offset_lag:i64,is_future_key:bool]]]"
#define PR_REQ                                                                                     \
    "transactional_id:nstr,acks:i16,timeout_ms:i32,topic_data:[name:str,partition_data:["          \
    "index:i32,records:nbytes]]"
#define PR_RESP                                                                                    \
    "responses:[name:str,partition_responses:[index:i32,error_code:i16,base_offset:i64,"           \
    "log_append_time_ms:i64,log_start_offset:i64]],throttle_time_ms:i32"

#define CADM_TIMEOUT_MS 8000 /* the brokers' own wait, below the job's CJOB_TIMEOUT_MS */
#define CADM_RES_TOPIC  2
#define CADM_RES_BROKER 4

static int cadm_status(kerr_t ec)
{
    switch (ec) {
    case KERR_TOPIC_ALREADY_EXISTS:
        return 409;
    case KERR_UNKNOWN_TOPIC_OR_PARTITION:
        return 404;
    case KERR_NOT_CONTROLLER:
    case KERR_REQUEST_TIMED_OUT:
    case KERR_BROKER_NOT_AVAILABLE:
    case KERR_NOT_LEADER_OR_FOLLOWER:
    case KERR__TRANSPORT:
    case KERR__DESTROY:
        return 503;
    case KERR_INVALID_TOPIC_EXCEPTION:
    case KERR_INVALID_PARTITIONS:
    case KERR_INVALID_REPLICATION_FACTOR:
    case KERR_INVALID_REPLICA_ASSIGNMENT:
    case KERR_INVALID_CONFIG:
    case KERR_INVALID_REQUEST:
    case KERR_POLICY_VIOLATION:
        return 400;
    default:
        return 500;
    }
}

/* Answer a Kafka error (message: the broker's, else the code's description). */
static void cadm_kafka_error(cjob_t *j, kerr_t ec, const char *message)
{
    const char *msg = message && *message ? message : kerr_str(ec);
    cjob_reply(j, cadm_status(ec),
               json_pack("{sosiss}", "error", console_str(msg, strlen(msg)), "error_code",
                         (int)kerr_wire(ec), "error_name", kerr_name(ec)));
}

/* The first error of resp's array (error_code / error_message fields) or done (200 with ok). */
static void cadm_on_result(cjob_t *j, void *tag, int32_t broker, kerr_t err, json_t *resp)
{
    const char *array = tag;
    (void)broker;
    if (err) {
        cadm_kafka_error(j, err, "the broker could not be reached");
        return;
    }
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(resp, array), i, r)
    {
        kerr_t ec = (kerr_t)json_integer_value(json_object_get(r, "error_code"));
        if (ec) {
            cadm_kafka_error(j, ec, json_string_value(json_object_get(r, "error_message")));
            return;
        }
    }
    json_t *done = json_object_get(j->st, "done");
    cjob_reply(j,
               json_is_integer(json_object_get(j->st, "status"))
                   ? (int)json_integer_value(json_object_get(j->st, "status"))
                   : 200,
               done ? json_incref(done) : json_object());
}

/* A step that answers nothing itself: the result callback above already did. */
static void cadm_none(cjob_t *j)
{
    (void)j;
}

static json_t *cadm_body(const http_req_t *req, http_resp_t *resp)
{
    json_error_t e;
    json_t *b = json_loadb(req->body, req->body_len, 0, &e);
    if (json_is_object(b)) return b;
    json_decref(b);
    console_error(resp, 400, "%s", "the body must be a JSON object");
    return NULL;
}

/* Send the request of one resource change to the controller and answer its outcome. */
static void cadm_to_controller(console_t *con, const http_req_t *req, http_resp_t *resp,
                               int16_t api, int16_t ver, const char *rq, json_t *doc,
                               const char *rs, const char *array, json_t *done, int status)
{
    int32_t ctl = mdcache_controller(con->d.md);
    if (ctl < 0) {
        json_decref(doc);
        json_decref(done);
        console_error(resp, 503, "%s", "no controller is known");
        return;
    }
    cjob_t *j = cjob_new(con, req);
    json_object_set_new(j->st, "done", done);
    json_object_set_new(j->st, "status", json_integer(status));
    cjob_call(j, ctl, api, ver, rq, doc, rs, cadm_on_result, (void *)array);
    cjob_then(j, cadm_none);
}

static json_t *cadm_configs(const json_t *obj, bool as_ops)
{
    json_t *a = json_array();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        json_t *val = json_is_string(v) ? json_incref(v) : json_null();
        if (json_is_integer(v)) {
            char num[32];
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
            json_decref(val);
            val = json_string(num);
        }
        json_t *c = json_pack("{ssso}", "name", k, "value", val);
        if (as_ops) json_object_set_new(c, "config_operation", json_integer(0)); /* SET */
        json_array_append_new(a, c);
    }
    return a;
}

static void cadm_create(console_t *con, const http_req_t *req, http_resp_t *resp)
{
    json_t *b = cadm_body(req, resp);
    if (!b) return;
    const char *name = json_string_value(json_object_get(b, "name"));
    json_t *np = json_object_get(b, "partitions"), *rf = json_object_get(b, "replication_factor");
    json_t *cfg = json_object_get(b, "configs");
    if (!name || !*name || (np && !json_is_integer(np)) || (rf && !json_is_integer(rf)) ||
        (cfg && !json_is_object(cfg))) {
        json_decref(b);
        console_error(resp, 400, "%s",
                      "give name (string), partitions and replication_factor (integers, -1 for "
                      "the broker defaults) and configs (an object)");
        return;
    }
    cauth_as_t as;
    cauth_as(con, req, &as);
    if (!cauth_may(con, &as, ACL_OP_CREATE, ACL_RES_CLUSTER, ACL_CLUSTER_NAME) &&
        !cauth_need(con, req, resp, ACL_OP_CREATE, ACL_RES_TOPIC, name)) { /* as CreateTopics */
        json_decref(b);
        return;
    }
    json_t *topic = json_pack("{sssIsIs[]so}", "name", name, "num_partitions",
                              np ? json_integer_value(np) : (json_int_t)-1, "replication_factor",
                              rf ? json_integer_value(rf) : (json_int_t)-1, "assignments",
                              "configs", cfg ? cadm_configs(cfg, false) : json_array());
    json_t *doc =
        json_pack("{s[o]sisb}", "topics", topic, "timeout_ms", CADM_TIMEOUT_MS, "validate_only", 0);
    json_t *done = json_pack("{ss}", "created", name);
    json_decref(b);
    cadm_to_controller(con, req, resp, KAPI_CREATE_TOPICS, 4, CT_REQ, doc, CT_RESP, "topics", done,
                       201);
}

static void cadm_delete(console_t *con, const char *name, const http_req_t *req, http_resp_t *resp)
{
    if (!cauth_need(con, req, resp, ACL_OP_DELETE, ACL_RES_TOPIC, name)) return;
    if (!mdcache_topic(con->d.md, name)) {
        console_error(resp, 404, "unknown topic: %s", name);
        return;
    }
    json_t *doc = json_pack("{s[s]si}", "topic_names", name, "timeout_ms", CADM_TIMEOUT_MS);
    cadm_to_controller(con, req, resp, KAPI_DELETE_TOPICS, 3, DT_REQ, doc, DT_RESP, "responses",
                       json_pack("{ss}", "deleted", name), 200);
}

static void cadm_alter(console_t *con, const char *name, const http_req_t *req, http_resp_t *resp)
{
    if (!cauth_need(con, req, resp, ACL_OP_ALTER_CONFIGS, ACL_RES_TOPIC, name)) return;
    json_t *b = cadm_body(req, resp);
    if (!b) return;
    json_t *set = json_object_get(b, "set"), *del = json_object_get(b, "delete");
    if ((set && !json_is_object(set)) || (del && !json_is_array(del))) {
        json_decref(b);
        console_error(resp, 400, "%s", "set must be an object, delete an array of names");
        return;
    }
    if (!mdcache_topic(con->d.md, name)) {
        json_decref(b);
        console_error(resp, 404, "unknown topic: %s", name);
        return;
    }
    json_t *ops = set ? cadm_configs(set, true) : json_array();
    size_t i;
    json_t *k;
    json_array_foreach(del, i, k) if (json_is_string(k)) json_array_append_new(
        ops, json_pack("{sOsisn}", "name", k, "config_operation", 1, "value")); /* DELETE */
    json_t *doc = json_pack("{s[{siss}]sb}", "resources", "resource_type", CADM_RES_TOPIC,
                            "resource_name", name, "validate_only", 0);
    json_object_set_new(json_array_get(json_object_get(doc, "resources"), 0), "configs", ops);
    json_decref(b);
    cadm_to_controller(con, req, resp, KAPI_INCREMENTAL_ALTER_CONFIGS, 0, IA_REQ, doc, IA_RESP,
                       "responses", json_pack("{ss}", "altered", name), 200);
}

/* ---- produce one record ---- */

static bool cadm_text(const json_t *v, const char **p, int32_t *len)
{
    if (json_is_null(v) || !v) {
        *p = NULL;
        *len = -1;
        return true;
    }
    if (!json_is_string(v)) return false;
    *p = json_string_value(v);
    *len = (int32_t)json_string_length(v);
    return true;
}

/* The record batch of body's key, value and headers into out; false when malformed. */
static bool cadm_batch(const json_t *body, wbuf_t *out)
{
    const char *k, *v;
    int32_t kl, vl;
    if (!cadm_text(json_object_get(body, "key"), &k, &kl) ||
        !cadm_text(json_object_get(body, "value"), &v, &vl))
        return false;
    wbuf_t hdrs;
    wbuf_init(&hdrs);
    json_t *hs = json_object_get(body, "headers");
    size_t i;
    json_t *h;
    bool ok = !hs || json_is_array(hs);
    json_array_foreach(hs, i, h)
    {
        const char *hk, *hv;
        int32_t hkl, hvl;
        if (!cadm_text(json_object_get(h, "key"), &hk, &hkl) || !hk ||
            !cadm_text(json_object_get(h, "value"), &hv, &hvl)) {
            ok = false;
            break;
        }
        wbuf_varint(&hdrs, hkl);
        wbuf_append(&hdrs, hk, (size_t)hkl);
        wbuf_varint(&hdrs, hvl);
        if (hv) wbuf_append(&hdrs, hv, (size_t)hvl);
    }
    if (ok) {
        batch_builder_t bb;
        int64_t now = ktime_wall_ms();
        batch_builder_init(&bb, now);
        batch_builder_add(&bb, 0, now, k, kl, v, vl, hs ? (int32_t)json_array_size(hs) : 0, hdrs.p,
                          hdrs.len);
        batch_builder_finish(&bb, NULL, out);
        batch_builder_free(&bb);
    }
    wbuf_free(&hdrs);
    return ok;
}

static void cadm_on_produce(cjob_t *j, void *tag, int32_t broker, kerr_t err, json_t *resp)
{
    (void)tag, (void)broker;
    json_t *pr =
        json_array_get(json_object_get(json_array_get(json_object_get(resp, "responses"), 0),
                                       "partition_responses"),
                       0);
    kerr_t ec = err  ? err
                : pr ? (kerr_t)json_integer_value(json_object_get(pr, "error_code"))
                     : KERR__TRANSPORT;
    if (ec) {
        cadm_kafka_error(j, ec, NULL);
        return;
    }
    json_t *st = j->st;
    cjob_reply(j, 201,
               json_pack("{sOsOsO}", "topic", json_object_get(st, "topic"), "partition",
                         json_object_get(st, "partition"), "offset",
                         json_object_get(pr, "base_offset")));
}

void console_produce(console_t *con, const char *topic, int32_t partition, const http_req_t *req,
                     http_resp_t *resp)
{
    if (!cauth_need(con, req, resp, ACL_OP_WRITE, ACL_RES_TOPIC, topic)) return; /* as Produce */
    const md_topic_t *t = mdcache_topic(con->d.md, topic);
    if (!t || partition < 0 || partition >= t->nparts) {
        console_error(resp, 404, "unknown topic or partition: %s", topic);
        return;
    }
    json_t *b = cadm_body(req, resp);
    if (!b) return;
    wbuf_t batch;
    wbuf_init(&batch);
    bool ok = cadm_batch(b, &batch);
    json_decref(b);
    if (!ok || t->parts[partition].leader < 0) {
        wbuf_free(&batch);
        console_error(resp, ok ? 503 : 400, "%s",
                      ok ? "the partition has no leader"
                         : "key and value must be strings or null, headers [{key, value}]");
        return;
    }
    json_t *records = json_stringn_nocheck((const char *)batch.p, batch.len);
    wbuf_free(&batch);
    json_t *doc = json_pack("{snsisis[{sss[{siso}]}]}", "transactional_id", "acks", -1,
                            "timeout_ms", CADM_TIMEOUT_MS, "topic_data", "name", topic,
                            "partition_data", "index", partition, "records", records);
    cjob_t *j = cjob_new(con, req);
    json_object_set_new(j->st, "topic", json_string(topic));
    json_object_set_new(j->st, "partition", json_integer(partition));
    cjob_call(j, t->parts[partition].leader, KAPI_PRODUCE, 7, PR_REQ, doc, PR_RESP, cadm_on_produce,
              NULL);
    cjob_then(j, cadm_none);
}

/* ---- GET /v1/brokers/<id> ---- */

static const char *cadm_source(json_int_t s)
{
    static const char *const names[] = {"UNKNOWN",
                                        "DYNAMIC_TOPIC_CONFIG",
                                        "DYNAMIC_BROKER_CONFIG",
                                        "DYNAMIC_DEFAULT_BROKER_CONFIG",
                                        "STATIC_BROKER_CONFIG",
                                        "DEFAULT_CONFIG",
                                        "DYNAMIC_BROKER_LOGGER_CONFIG"};
    return s >= 0 && s < 7 ? names[s] : "UNKNOWN";
}

static void cadm_on_configs(cjob_t *j, void *tag, int32_t broker, kerr_t err, json_t *resp)
{
    (void)tag;
    json_t *res = json_array_get(json_object_get(resp, "results"), 0), *out = json_array();
    json_object_set_new(j->st, "configs", out);
    kerr_t ec = err ? err : (kerr_t)json_integer_value(json_object_get(res, "error_code"));
    if (ec) {
        cgrp_note(j, "broker %d: DescribeConfigs: %s", broker, kerr_name(ec));
        return;
    }
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(res, "configs"), i, c) json_array_append_new(
        out, json_pack("{sOsOsssOsO}", "name", json_object_get(c, "name"), "value",
                       json_object_get(c, "value"), "source",
                       cadm_source(json_integer_value(json_object_get(c, "config_source"))),
                       "read_only", json_object_get(c, "read_only"), "sensitive",
                       json_object_get(c, "is_sensitive")));
}

static void cadm_on_logdirs(cjob_t *j, void *tag, int32_t broker, kerr_t err, json_t *resp)
{
    (void)tag;
    json_t *out = json_array();
    json_object_set_new(j->st, "log_dirs", out);
    if (err) {
        cgrp_note(j, "broker %d: DescribeLogDirs: %s", broker, kerr_name(err));
        return;
    }
    size_t i, k, p;
    json_t *d, *t, *pp;
    json_array_foreach(json_object_get(resp, "results"), i, d)
    {
        json_int_t size = 0, n = 0;
        json_array_foreach(json_object_get(d, "topics"), k, t)
            json_array_foreach(json_object_get(t, "partitions"), p, pp)
        {
            size += json_integer_value(json_object_get(pp, "partition_size"));
            n++;
        }
        kerr_t ec = (kerr_t)json_integer_value(json_object_get(d, "error_code"));
        json_array_append_new(out, json_pack("{sOsosIsI}", "dir", json_object_get(d, "log_dir"),
                                             "error", ec ? json_string(kerr_name(ec)) : json_null(),
                                             "size_bytes", size, "partitions", n));
    }
}

static void cadm_broker_done(cjob_t *j)
{
    json_t *errs = json_object_get(j->st, "errors");
    cjob_reply(j, 200,
               json_pack("{sOsOsOso}", "id", json_object_get(j->st, "id"), "configs",
                         json_object_get(j->st, "configs"), "log_dirs",
                         json_object_get(j->st, "log_dirs"), "errors",
                         errs ? json_incref(errs) : json_array()));
}

void console_broker(console_t *con, const char *rest, const http_req_t *req, http_resp_t *resp)
{
    char *end = NULL;
    long id = strtol(rest, &end, 10);
    if (!*rest || *end || !mdcache_broker(con->d.md, (int32_t)id)) {
        console_error(resp, 404, "unknown broker: %s", rest);
        return;
    }
    char name[16];
    snprintf(name, sizeof(name), "%ld", id);
    cjob_t *j = cjob_new(con, req);
    json_object_set_new(j->st, "id", json_integer(id));
    json_object_set_new(j->st, "configs", json_array());
    json_object_set_new(j->st, "log_dirs", json_array());
    /* each part only when its Kafka request would be allowed (both on the cluster) */
    if (cauth_may(con, &j->as, ACL_OP_DESCRIBE_CONFIGS, ACL_RES_CLUSTER, ACL_CLUSTER_NAME)) {
        json_t *dc = json_pack("{s[{sisssn}]sbsb}", "resources", "resource_type", CADM_RES_BROKER,
                               "resource_name", name, "configuration_keys", "include_synonyms", 0,
                               "include_documentation", 0);
        cjob_call(j, (int32_t)id, KAPI_DESCRIBE_CONFIGS, 3, DC_REQ, dc, DC_RESP, cadm_on_configs,
                  NULL);
    } else {
        cgrp_note(j, "broker %d: DescribeConfigs: CLUSTER_AUTHORIZATION_FAILED", (int)id);
    }
    if (cauth_may(con, &j->as, ACL_OP_DESCRIBE, ACL_RES_CLUSTER, ACL_CLUSTER_NAME))
        cjob_call(j, (int32_t)id, KAPI_DESCRIBE_LOG_DIRS, 1, DL_REQ, json_pack("{sn}", "topics"),
                  DL_RESP, cadm_on_logdirs, NULL);
    else
        cgrp_note(j, "broker %d: DescribeLogDirs: CLUSTER_AUTHORIZATION_FAILED", (int)id);
    cjob_then(j, cadm_broker_done);
}

void console_topic_change(console_t *con, const char *rest, const http_req_t *req,
                          http_resp_t *resp)
{
    const char *slash = strchr(rest, '/');
    char name[256];
    snprintf(name, sizeof(name), "%.*s", slash ? (int)(slash - rest) : (int)strlen(rest), rest);
    int64_t p = -1;
    if (slash && strncmp(slash, "/partitions/", 12) == 0) {
        char *end = NULL;
        p = strtoll(slash + 12, &end, 10);
        if (end == slash + 12 || strcmp(end, "/messages") != 0) p = -2;
    }
    if (!*rest && strcmp(req->method, "POST") == 0)
        cadm_create(con, req, resp);
    else if (*rest && !slash && strcmp(req->method, "DELETE") == 0)
        cadm_delete(con, name, req, resp);
    else if (slash && strcmp(slash, "/configs") == 0 && strcmp(req->method, "PUT") == 0)
        cadm_alter(con, name, req, resp);
    else if (p >= 0 && strcmp(req->method, "POST") == 0)
        console_produce(con, name, (int32_t)p, req, resp);
    else
        console_error(resp, 405, "%s does not take that method", req->path);
}
