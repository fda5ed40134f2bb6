/* console_groups.c: the console's consumer groups, cluster-wide, asked of the brokers over the
 * Kafka protocol (console_job.h), never read from this broker's coordinator directly:
 *   GET /v1/groups          ListGroups v2 to every live broker, DescribeGroups v4 to each
 *                           for its groups, OffsetFetch v5 (all partitions) to each group's
 *                           coordinator, ListOffsets v4 (latest: the high watermark) to the
 *                           leaders of the partitions with a committed offset; lag = HW -
 *                           committed. Brokers that could not answer are named in "errors".
 *   GET /v1/groups/<id>     the same for one group (404 when no broker lists it).
 *   POST /v1/groups/<id>/reset-offsets  kafka-consumer-groups --reset-offsets (console_reset.c).
 * The answers are deferred: the HTTP request waits, suspended, for the last response. */
#include "console_groups.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "console.h"
#include "console_auth.h"
#include "console_job.h"
#include "mdcache.h"
#include "proto/kpjson.h"
#include "proto/kp.h"

#define LG_RESP "throttle_time_ms:i32,error_code:i16,groups:[group_id:str,protocol_type:str]"
#define DG_REQ  "groups:[str],include_authorized_operations:bool"
#define DG_RESP                                                                                    \
    "throttle_time_ms:i32,groups:[error_code:i16,group_id:str,group_state:str,protocol_type:str,"  \
    "protocol_data:str,members:[member_id:str,group_instance_id:nstr,client_id:str,"               \
    "client_host:str,member_metadata:bytes,member_assignment:raw],authorized_operations:i32]"
/* ConsumerProtocolAssignment (the "consumer" protocol's member_assignment bytes) */
#define CA_SCHEMA "version:i16,assigned_partitions:[topic:str,partitions:[i32]]"
#define OF_REQ    "group_id:str,topics:?[name:str,partition_indexes:[i32]]"
#define OF_RESP                                                                                    \
    "throttle_time_ms:i32,topics:[name:str,partitions:[partition_index:i32,committed_offset:i64,"  \
    "committed_leader_epoch:i32,metadata:nstr,error_code:i16]],error_code:i16"
#define LO_REQ                                                                                     \
    "replica_id:i32,isolation_level:i8,topics:[name:str,partitions:[partition_index:i32,"          \
    "current_leader_epoch:i32,timestamp:i64]]"
#define LO_RESP                                                                                    \
    "throttle_time_ms:i32,topics:[name:str,partitions:[partition_index:i32,error_code:i16,"        \
    "timestamp:i64,offset:i64,leader_epoch:i32]]"

void cgrp_note(cjob_t *j, const char *fmt, ...)
{
    json_t *errs = json_object_get(j->st, "errors");
    if (!errs) {
        errs = json_array();
        json_object_set_new(j->st, "errors", errs);
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_array_append_new(errs, console_str(msg, strlen(msg)));
}

void cgrp_key(char *key, size_t n, const char *topic, int64_t partition)
{
    snprintf(key, n, "%s/%lld", topic, (long long)partition);
}

/* ---- ListOffsets to the leaders ---- */

static void cgrp_on_offsets(cjob_t *j, void *tag, int32_t broker, kerr_t err, json_t *resp)
{
    json_t *into = tag;
    if (err) {
        cgrp_note(j, "broker %d: ListOffsets: %s", broker, kerr_name(err));
        return;
    }
    size_t i, k;
    json_t *t, *p;
    json_array_foreach(json_object_get(resp, "topics"), i, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        json_array_foreach(json_object_get(t, "partitions"), k, p)
        {
            char key[300];
            cgrp_key(key, sizeof(key), name ? name : "",
                     json_integer_value(json_object_get(p, "partition_index")));
            int16_t ec = (int16_t)json_integer_value(json_object_get(p, "error_code"));
            if (ec)
                cgrp_note(j, "broker %d: ListOffsets: %s", broker, kerr_name((kerr_t)ec));
            else
                json_object_set(into, key, json_object_get(p, "offset"));
        }
    }
}

/* The request to leader in byleader ({"<leader>": {"req": doc, "topics": {name: entry}}}). */
static json_t *cgrp_lo_topic(json_t *byleader, int32_t leader, const char *topic)
{
    char lk[16];
    snprintf(lk, sizeof(lk), "%d", leader);
    json_t *l = json_object_get(byleader, lk);
    if (!l) {
        l = json_pack("{s{sisis[]}s{}}", "req", "replica_id", -1, "isolation_level", 0, "topics",
                      "topics");
        json_object_set_new(byleader, lk, l);
    }
    json_t *t = json_object_get(json_object_get(l, "topics"), topic);
    if (!t) {
        t = json_pack("{sss[]}", "name", topic, "partitions");
        json_array_append_new(json_object_get(json_object_get(l, "req"), "topics"), t);
        json_object_set(json_object_get(l, "topics"), topic, t); /* a second reference */
    }
    return json_object_get(t, "partitions");
}

void cgrp_list_offsets(cjob_t *j, json_t *parts, int64_t ts, json_t *into)
{
    json_t *byleader = json_object();
    const char *key;
    json_t *tp;
    json_object_foreach(parts, key, tp)
    {
        const char *topic = json_string_value(json_object_get(tp, "topic"));
        int32_t p = (int32_t)json_integer_value(json_object_get(tp, "partition"));
        const md_topic_t *t = topic ? mdcache_topic(j->con->d.md, topic) : NULL;
        int32_t leader = t && p >= 0 && p < t->nparts ? t->parts[p].leader : -1;
        if (leader < 0) {
            cgrp_note(j, "no leader for %s", key);
            continue;
        }
        json_array_append_new(cgrp_lo_topic(byleader, leader, topic),
                              json_pack("{sisisI}", "partition_index", p, "current_leader_epoch",
                                        -1, "timestamp", (json_int_t)ts));
    }
    const char *lk;
    json_t *l;
    json_object_foreach(byleader, lk, l)
        cjob_call(j, atoi(lk), KAPI_LIST_OFFSETS, 4, LO_REQ, json_incref(json_object_get(l, "req")),
                  LO_RESP, cgrp_on_offsets, into);
    json_decref(byleader);
}

/* ---- DescribeGroups and OffsetFetch of one group ---- */

/* A member's assigned partitions ([{topic, partitions}]) from its assignment bytes, when the
 * group uses the consumer protocol; else an empty array. */
static json_t *cgrp_assignment(const json_t *raw, bool consumer)
{
    json_t *out = NULL;
    if (consumer && json_is_string(raw) && json_string_length(raw) > 0) {
        rbuf_t rb;
        rbuf_init(&rb, json_string_value(raw), json_string_length(raw));
        json_t *a = kpjson_decode(CA_SCHEMA, &rb, false);
        out = json_incref(json_object_get(a, "assigned_partitions"));
        json_decref(a);
    }
    return out ? out : json_array();
}

static void cgrp_on_describe(cjob_t *j, void *tag, int32_t broker, kerr_t err, json_t *resp)
{
    json_t *groups = tag;
    if (err) {
        cgrp_note(j, "broker %d: DescribeGroups: %s", broker, kerr_name(err));
        return;
    }
    size_t i, m;
    json_t *d, *mb;
    json_array_foreach(json_object_get(resp, "groups"), i, d)
    {
        json_t *g = json_object_get(groups, json_string_value(json_object_get(d, "group_id")));
        if (!g) continue;
        json_int_t ec = json_integer_value(json_object_get(d, "error_code"));
        json_object_set_new(g, "error_code", json_integer(ec));
        json_object_set(g, "state", json_object_get(d, "group_state"));
        json_t *members = json_array();
        const char *ptype = json_string_value(json_object_get(d, "protocol_type"));
        bool consumer = ptype && strcmp(ptype, "consumer") == 0;
        json_array_foreach(json_object_get(d, "members"), m, mb) json_array_append_new(
            members,
            json_pack("{sOsOsOso}", "member_id", json_object_get(mb, "member_id"), "client_id",
                      json_object_get(mb, "client_id"), "client_host",
                      json_object_get(mb, "client_host"), "assignment",
                      cgrp_assignment(json_object_get(mb, "member_assignment"), consumer)));
        json_object_set_new(g, "members", members);
    }
}

static void cgrp_on_fetch(cjob_t *j, void *tag, int32_t broker, kerr_t err, json_t *resp)
{
    json_t *g = tag, *offs = json_array();
    json_object_set_new(g, "offsets", offs);
    if (err || json_integer_value(json_object_get(resp, "error_code"))) {
        kerr_t e = err ? err : (kerr_t)json_integer_value(json_object_get(resp, "error_code"));
        cgrp_note(j, "broker %d: OffsetFetch: %s", broker, kerr_name(e));
        return;
    }
    size_t i, k;
    json_t *t, *p;
    json_array_foreach(json_object_get(resp, "topics"), i, t)
    {
        /* OffsetFetch leaves out the topics one may not describe */
        const char *name = json_string_value(json_object_get(t, "name"));
        if (!name || !cauth_may(j->con, &j->as, ACL_OP_DESCRIBE, ACL_RES_TOPIC, name)) continue;
        json_array_foreach(json_object_get(t, "partitions"), k, p)
        {
            json_int_t off = json_integer_value(json_object_get(p, "committed_offset"));
            if (off < 0 || json_integer_value(json_object_get(p, "error_code"))) continue;
            json_array_append_new(
                offs, json_pack("{sOsOsI}", "topic", json_object_get(t, "name"), "partition",
                                json_object_get(p, "partition_index"), "committed_offset", off));
        }
    }
}

void cgrp_describe(cjob_t *j, int32_t coordinator, json_t *groups)
{
    json_t *ids = json_array();
    const char *id;
    json_t *g;
    json_object_foreach(groups, id, g)
    {
        json_array_append_new(ids, json_string(id));
        cjob_call(j, coordinator, KAPI_OFFSET_FETCH, 5, OF_REQ,
                  json_pack("{sssn}", "group_id", id, "topics"), OF_RESP, cgrp_on_fetch, g);
    }
    cjob_call(j, coordinator, KAPI_DESCRIBE_GROUPS, 4, DG_REQ, json_pack("{so}", "groups", ids),
              DG_RESP, cgrp_on_describe, groups);
}

/* ---- GET /v1/groups[/<id>] ---- */

static void cgrp_on_list(cjob_t *j, void *tag, int32_t broker, kerr_t err, json_t *resp)
{
    (void)tag;
    json_int_t ec = resp ? json_integer_value(json_object_get(resp, "error_code")) : 0;
    if (err || ec) {
        if (ec == KERR_COORDINATOR_LOAD_IN_PROGRESS)
            json_object_set_new(j->st, "loading", json_true());
        cgrp_note(j, "broker %d: ListGroups: %s", broker, kerr_name(err ? err : (kerr_t)ec));
        return;
    }
    const char *only = json_string_value(json_object_get(j->st, "only"));
    json_t *mine = cgrp_slot(j, broker);
    size_t i;
    json_t *lg;
    json_array_foreach(json_object_get(resp, "groups"), i, lg)
    {
        const char *id = json_string_value(json_object_get(lg, "group_id"));
        if (!id || (only && strcmp(id, only) != 0) ||
            !cauth_may(j->con, &j->as, ACL_OP_DESCRIBE, ACL_RES_GROUP, id))
            continue; /* listed when one may describe it (ListGroups, DescribeGroups) */
        json_object_set_new(mine, id,
                            json_pack("{sssssOsisos[]s[]}", "group_id", id, "type", "classic",
                                      "protocol_type", json_object_get(lg, "protocol_type"),
                                      "coordinator", broker, "state", json_string("Unknown"),
                                      "members", "offsets"));
    }
}

json_t *cgrp_slot(cjob_t *j, int32_t broker)
{
    char bk[16];
    snprintf(bk, sizeof(bk), "%d", broker);
    json_t *mine = json_object();
    json_object_set_new(json_object_get(j->st, "by_broker"), bk, mine);
    return mine;
}

json_t *cgrp_all(cjob_t *j)
{
    json_t *all = json_array();
    const char *bk, *id;
    json_t *mine, *g;
    json_object_foreach(json_object_get(j->st, "by_broker"), bk, mine)
        json_object_foreach(mine, id, g) json_array_append(all, g);
    return all;
}

/* fn(offset object, its partition's key, arg) for every committed offset of every group. */
static void cgrp_each_offset(cjob_t *j, void (*fn)(json_t *, const char *, void *), void *arg)
{
    const char *bk, *id;
    json_t *mine, *g, *o;
    size_t i;
    json_object_foreach(json_object_get(j->st, "by_broker"), bk, mine)
        json_object_foreach(mine, id, g) json_array_foreach(json_object_get(g, "offsets"), i, o)
    {
        char key[300];
        cgrp_key(key, sizeof(key), json_string_value(json_object_get(o, "topic")),
                 json_integer_value(json_object_get(o, "partition")));
        fn(o, key, arg);
    }
}

static void cgrp_set_lag(json_t *o, const char *key, void *hw)
{
    json_t *h = json_object_get(hw, key);
    if (!h) return;
    json_int_t c = json_integer_value(json_object_get(o, "committed_offset"));
    json_int_t v = json_integer_value(h);
    json_object_set(o, "high_watermark", h);
    json_object_set_new(o, "lag", json_integer(v > c ? v - c : 0));
}

static void cgrp_finish(cjob_t *j)
{
    cgrp_each_offset(j, cgrp_set_lag, json_object_get(j->st, "hw"));
    json_t *all = cgrp_all(j);
    json_t *errs = json_object_get(j->st, "errors");
    const char *only = json_string_value(json_object_get(j->st, "only"));
    if (only) {
        json_t *one = json_incref(json_array_get(all, 0));
        json_decref(all);
        if (one) {
            if (errs) json_object_set(one, "errors", errs);
            cjob_reply(j, 200, one);
        } else {
            cjob_error(j, 404, "unknown group: %s", only);
        }
        return;
    }
    cjob_reply(j, 200,
               json_pack("{sbsoso}", "loading", json_is_true(json_object_get(j->st, "loading")),
                         "groups", all, "errors", errs ? json_incref(errs) : json_array()));
}

static void cgrp_add_part(json_t *o, const char *key, void *parts)
{
    json_object_set(parts, key, o);
}

static void cgrp_lags(cjob_t *j)
{
    json_t *parts = json_object(), *hw = json_object();
    cgrp_each_offset(j, cgrp_add_part, parts);
    json_object_set_new(j->st, "hw", hw);
    cgrp_list_offsets(j, parts, -1, hw);
    json_decref(parts);
    cjob_then(j, cgrp_finish);
}

static void cgrp_describe_all(cjob_t *j)
{
    const char *bk;
    json_t *mine;
    json_object_foreach(json_object_get(j->st, "by_broker"), bk, mine) if (json_object_size(mine))
        cgrp_describe(j, atoi(bk), mine);
    cjob_then(j, cgrp_lags);
}

void console_groups(console_t *con, const char *rest, const http_req_t *req, http_resp_t *resp)
{
    static const char reset[] = "/reset-offsets"; /* group ids may hold '/' */
    size_t n = strlen(rest), rn = sizeof(reset) - 1;
    if (n > rn && strcmp(rest + n - rn, reset) == 0) {
        console_reset(con, rest, n - rn, req, resp);
        return;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        console_error(resp, 405, "%s takes GET", req->path);
        return;
    }
    if (*rest && !cauth_need(con, req, resp, ACL_OP_DESCRIBE, ACL_RES_GROUP, rest)) return;
    cjob_t *j = cjob_new(con, req);
    if (*rest) json_object_set_new(j->st, "only", json_string_nocheck(rest));
    json_object_set_new(j->st, "by_broker", json_object());
    int nb = 0;
    const md_broker_t *b = mdcache_brokers(con->d.md, &nb);
    for (int i = 0; i < nb; i++)
        cjob_call(j, b[i].id, KAPI_LIST_GROUPS, 2, "", json_object(), LG_RESP, cgrp_on_list, NULL);
    cjob_then(j, cgrp_describe_all);
}
