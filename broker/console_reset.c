/* console_reset.c: POST /v1/groups/<id>/reset-offsets, kafka-consumer-groups --reset-offsets
 * from the console, for a group coordinated by any broker. The body is a JSON object:
 *   "strategy": "to-earliest" | "to-latest" | "to-offset" | "shift-by" | "to-datetime" |
 *               "by-duration"
 *   "value":    N for to-offset / shift-by; ms since the epoch for to-datetime; ms for
 *               by-duration (the page parses the tool's ISO-8601 forms)
 *   "topics":   ["t", "t:0,2", ...] (--topic) or "all_topics": true (--all-topics: the
 *               partitions the group has committed offsets for)
 *   "execute":  true to commit (--execute); otherwise a dry run (--dry-run)
 * Steps, as the tool's: DescribeGroups + OffsetFetch to the coordinator (the leader of the
 * group's __consumer_offsets partition); the group must be Empty or Dead ("inactive"); then
 * ListOffsets earliest / latest (and by time) to the leaders; new offsets clamped to
 * [earliest, latest] as the tool does; then, when executing, OffsetCommit v7 to the coordinator
 * (generation -1, no member: an admin commit). The answer lists each partition's current and
 * new offset (and its commit error, when executing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "console.h"
#include "console_auth.h"
#include "console_groups.h"
#include "group/grp.h"
#include "ktime.h"
#include "mdcache.h"
#include "proto/kp.h"

#define OC_REQ                                                                                     \
    "group_id:str,generation_id:i32,member_id:str,group_instance_id:nstr,topics:[name:str,"        \
    "partitions:[partition_index:i32,committed_offset:i64,committed_leader_epoch:i32,"             \
    "committed_metadata:nstr]]"
#define OC_RESP                                                                                    \
    "throttle_time_ms:i32,topics:[name:str,partitions:[partition_index:i32,error_code:i16]]"

static const char *const creset_strategies[] = {"to-earliest", "to-latest",   "to-offset",
                                                "shift-by",    "to-datetime", "by-duration"};

static const char *creset_group(cjob_t *j)
{
    return json_string_value(json_object_get(j->st, "group"));
}

static json_t *creset_group_obj(cjob_t *j)
{
    return json_object_get(json_object_get(j->st, "groups"), creset_group(j));
}

/* The request body's checks; NULL when fine, else why not. */
static const char *creset_check(const json_t *body)
{
    const char *s = json_string_value(json_object_get(body, "strategy"));
    bool known = false;
    for (size_t i = 0; s && i < sizeof(creset_strategies) / sizeof(creset_strategies[0]); i++)
        known |= strcmp(s, creset_strategies[i]) == 0;
    if (!known)
        return "strategy must be one of to-earliest, to-latest, to-offset, shift-by, "
               "to-datetime, by-duration";
    if (strcmp(s, "to-earliest") != 0 && strcmp(s, "to-latest") != 0 &&
        !json_is_integer(json_object_get(body, "value")))
        return "value must be an integer for this strategy";
    bool all = json_is_true(json_object_get(body, "all_topics"));
    const json_t *topics = json_object_get(body, "topics");
    if (all == (json_is_array(topics) && json_array_size(topics) > 0))
        return "One of the reset scopes should be defined: all_topics or topics (not both)";
    return NULL;
}

/* "t" or "t:0,2" into parts ({key: {topic, partition}}); false with a reason in err. */
static bool creset_scope_one(cjob_t *j, const char *spec, json_t *parts, char *err, size_t n)
{
    char topic[256];
    const char *colon = strchr(spec, ':');
    snprintf(topic, sizeof(topic), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
    if (!cauth_may(j->con, &j->as, ACL_OP_READ, ACL_RES_TOPIC, topic)) { /* before it is known */
        snprintf(err, n, "%s may not READ TOPIC %s", j->as.principal, topic);
        return false;
    }
    const md_topic_t *t = mdcache_topic(j->con->d.md, topic);
    if (!t) {
        snprintf(err, n, "unknown topic: %s", topic);
        return false;
    }
    for (int32_t p = 0; p < t->nparts; p++) {
        if (colon) { /* only the listed partitions */
            bool listed = false;
            for (const char *q = colon + 1; *q; q += strcspn(q, ",") + (q[strcspn(q, ",")] != 0))
                listed |= atoi(q) == p && *q >= '0' && *q <= '9';
            if (!listed) continue;
        }
        char key[300];
        cgrp_key(key, sizeof(key), topic, p);
        json_object_set_new(parts, key, json_pack("{sssi}", "topic", topic, "partition", p));
    }
    return true;
}

static bool creset_scope(cjob_t *j, char *err, size_t n)
{
    json_t *parts = json_object(), *body = json_object_get(j->st, "body");
    json_object_set_new(j->st, "parts", parts);
    size_t i;
    json_t *o;
    if (json_is_true(json_object_get(body, "all_topics"))) {
        json_array_foreach(json_object_get(creset_group_obj(j), "offsets"), i, o)
        {
            char key[300];
            cgrp_key(key, sizeof(key), json_string_value(json_object_get(o, "topic")),
                     json_integer_value(json_object_get(o, "partition")));
            json_object_set_new(parts, key,
                                json_pack("{sOsO}", "topic", json_object_get(o, "topic"),
                                          "partition", json_object_get(o, "partition")));
        }
        return true;
    }
    json_array_foreach(json_object_get(body, "topics"), i,
                       o) if (!json_is_string(o) ||
                              !creset_scope_one(j, json_string_value(o), parts, err, n))
    {
        if (!json_is_string(o)) snprintf(err, n, "topics must be strings");
        return false;
    }
    return true;
}

/* ---- the answer ---- */

static void creset_on_commit(cjob_t *j, void *tag, int32_t broker, kerr_t err, json_t *resp)
{
    (void)tag;
    json_t *rows = json_object_get(j->st, "rows");
    if (err) {
        cgrp_note(j, "broker %d: OffsetCommit: %s", broker, kerr_name(err));
        return;
    }
    size_t i, k, r;
    json_t *t, *p, *row;
    json_array_foreach(json_object_get(resp, "topics"), i, t)
        json_array_foreach(json_object_get(t, "partitions"), k, p) json_array_foreach(rows, r, row)
    {
        if (!json_equal(json_object_get(row, "topic"), json_object_get(t, "name")) ||
            !json_equal(json_object_get(row, "partition"), json_object_get(p, "partition_index")))
            continue;
        kerr_t ec = (kerr_t)json_integer_value(json_object_get(p, "error_code"));
        json_object_set_new(row, "error", ec ? json_string(kerr_name(ec)) : json_null());
        if (ec)
            cgrp_note(j, "%s-%d: %s", json_string_value(json_object_get(row, "topic")),
                      (int)json_integer_value(json_object_get(row, "partition")), kerr_str(ec));
    }
}

static void creset_reply(cjob_t *j)
{
    json_t *errs = json_object_get(j->st, "errors");
    bool exec = json_is_true(json_object_get(json_object_get(j->st, "body"), "execute"));
    json_t *doc = json_pack("{sOsOsbsOso}", "group", json_object_get(j->st, "group"), "coordinator",
                            json_object_get(j->st, "coordinator"), "execute", exec, "partitions",
                            json_object_get(j->st, "rows"), "errors",
                            errs ? json_incref(errs) : json_array());
    cjob_reply(j, exec && errs ? 500 : 200, doc);
}

static void creset_commit(cjob_t *j)
{
    json_t *topics = json_object(), *arr = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(j->st, "rows"), i, row)
    {
        const char *name = json_string_value(json_object_get(row, "topic"));
        json_t *t = json_object_get(topics, name);
        if (!t) {
            t = json_pack("{sss[]}", "name", name, "partitions");
            json_object_set_new(topics, name, t);
            json_array_append(arr, t);
        }
        json_array_append_new(json_object_get(t, "partitions"),
                              json_pack("{sOsOsisn}", "partition_index",
                                        json_object_get(row, "partition"), "committed_offset",
                                        json_object_get(row, "new_offset"),
                                        "committed_leader_epoch", -1, "committed_metadata"));
    }
    json_decref(topics);
    json_t *req =
        json_pack("{sOsisssnso}", "group_id", json_object_get(j->st, "group"), "generation_id", -1,
                  "member_id", "", "group_instance_id", "topics", arr);
    cjob_call(j, (int32_t)json_integer_value(json_object_get(j->st, "coordinator")),
              KAPI_OFFSET_COMMIT, 7, OC_REQ, req, OC_RESP, creset_on_commit, NULL);
    cjob_then(j, creset_reply);
}

/* ---- the new offsets ---- */

/* The new offset of one partition by the strategy; -1 with a reason in err. */
static int64_t creset_target(cjob_t *j, const char *key, json_t *cur, char *err, size_t n)
{
    json_t *body = json_object_get(j->st, "body");
    const char *s = json_string_value(json_object_get(body, "strategy"));
    json_t *lo = json_object_get(json_object_get(j->st, "lo"), key);
    json_t *hi = json_object_get(json_object_get(j->st, "hi"), key);
    json_t *at = json_object_get(json_object_get(j->st, "at"), key);
    if (!lo || !hi || (strstr(s, "-d") && !at)) {
        snprintf(err, n, "the offsets of %s could not be read from its leader", key);
        return -1;
    }
    int64_t l = json_integer_value(lo), h = json_integer_value(hi), v;
    int64_t arg = json_integer_value(json_object_get(body, "value"));
    if (strcmp(s, "to-earliest") == 0) return l;
    if (strcmp(s, "to-latest") == 0) return h;
    if (at) /* by time: a partition with no record that late falls back to the log end */
        return json_integer_value(at) < 0 ? h : json_integer_value(at);
    if (strcmp(s, "shift-by") == 0) {
        if (!cur) {
            snprintf(err, n,
                     "Cannot shift offset for partition %s since there is no current committed "
                     "offset",
                     key);
            return -1;
        }
        v = json_integer_value(cur) + arg;
    } else {
        v = arg;
    }
    return v < l ? l : v > h ? h : v; /* the tool clamps to the log's range */
}

static void creset_plan(cjob_t *j)
{
    json_t *cur = json_object(), *rows = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(creset_group_obj(j), "offsets"), i, o)
    {
        char key[300];
        cgrp_key(key, sizeof(key), json_string_value(json_object_get(o, "topic")),
                 json_integer_value(json_object_get(o, "partition")));
        json_object_set(cur, key, json_object_get(o, "committed_offset"));
    }
    json_object_set_new(j->st, "rows", rows);
    const char *key;
    json_t *tp;
    json_object_foreach(json_object_get(j->st, "parts"), key, tp)
    {
        char err[512];
        json_t *c = json_object_get(cur, key);
        int64_t v = creset_target(j, key, c, err, sizeof(err));
        if (v < 0) {
            json_decref(cur);
            cjob_error(j, strstr(err, "shift") ? 400 : 503, "%s", err);
            return;
        }
        json_array_append_new(rows, json_pack("{sOsOsOsI}", "topic", json_object_get(tp, "topic"),
                                              "partition", json_object_get(tp, "partition"),
                                              "current_offset", c ? c : json_null(), "new_offset",
                                              (json_int_t)v));
    }
    json_decref(cur);
    if (json_is_true(json_object_get(json_object_get(j->st, "body"), "execute")))
        creset_commit(j);
    else
        creset_reply(j);
}

/* Read on every topic of the scope (OffsetCommit's check, made before any request). */
static bool creset_topics_allowed(cjob_t *j, char *err, size_t n)
{
    const char *key;
    json_t *tp;
    json_object_foreach(json_object_get(j->st, "parts"), key, tp)
    {
        const char *topic = json_string_value(json_object_get(tp, "topic"));
        if (topic && !cauth_may(j->con, &j->as, ACL_OP_READ, ACL_RES_TOPIC, topic)) {
            snprintf(err, n, "%s may not READ TOPIC %s", j->as.principal, topic);
            return false;
        }
    }
    return true;
}

/* The group's state and offsets are in: check it is inactive, then ask the logs' offsets. */
static void creset_offsets(cjob_t *j)
{
    json_t *g = creset_group_obj(j);
    const char *state = json_string_value(json_object_get(g, "state"));
    json_int_t ec = json_integer_value(json_object_get(g, "error_code"));
    if (!state || ec) {
        cjob_error(j, 503, "the group coordinator did not answer: %s",
                   ec ? kerr_name((kerr_t)ec) : "no response");
        return;
    }
    if (strcmp(state, "Empty") != 0 && strcmp(state, "Dead") != 0) {
        char msg[600];
        snprintf(msg, sizeof(msg),
                 "Assignments can only be reset if the group '%s' is inactive, but the current "
                 "state is %s.",
                 creset_group(j), state);
        cjob_error(j, 409, "%s", msg);
        return;
    }
    char err[512];
    if (!creset_scope(j, err, sizeof(err))) {
        cjob_error(j,
                   strncmp(err, "unknown", 7) == 0 ? 404
                   : strstr(err, " may not ")      ? 403
                                                   : 400,
                   "%s", err);
        return;
    }
    if (!creset_topics_allowed(j, err, sizeof(err))) { /* --all-topics: the committed ones */
        cjob_error(j, 403, "%s", err);
        return;
    }
    json_t *parts = json_object_get(j->st, "parts"), *body = json_object_get(j->st, "body");
    const char *s = json_string_value(json_object_get(body, "strategy"));
    json_object_set_new(j->st, "lo", json_object());
    json_object_set_new(j->st, "hi", json_object());
    cgrp_list_offsets(j, parts, -2, json_object_get(j->st, "lo"));
    cgrp_list_offsets(j, parts, -1, json_object_get(j->st, "hi"));
    int64_t v = json_integer_value(json_object_get(body, "value"));
    if (strstr(s, "-d")) { /* to-datetime, by-duration */
        json_object_set_new(j->st, "at", json_object());
        int64_t ts = strcmp(s, "by-duration") == 0 ? ktime_wall_ms() - v : v;
        cgrp_list_offsets(j, parts, ts < 0 ? 0 : ts, json_object_get(j->st, "at"));
    }
    cjob_then(j, creset_plan);
}

/* The coordinator of group: the leader of its __consumer_offsets partition, or -1. */
static int32_t creset_coordinator(console_t *con, const char *group, size_t len)
{
    const md_topic_t *t = mdcache_topic(con->d.md, "__consumer_offsets");
    if (!t || t->nparts <= 0) return -1;
    return t->parts[grp_partition_for(group, len, t->nparts)].leader;
}

void console_reset(console_t *con, const char *rest, size_t idlen, const http_req_t *req,
                   http_resp_t *resp)
{
    if (strcmp(req->method, "POST") != 0) {
        console_error(resp, 405, "%s takes POST", req->path);
        return;
    }
    json_error_t jerr;
    json_t *body = json_loadb(req->body, req->body_len, 0, &jerr);
    const char *why = !json_is_object(body) ? "the body must be a JSON object" : creset_check(body);
    if (why) {
        json_decref(body);
        console_error(resp, 400, "%s", why);
        return;
    }
    char *gid = strndup(rest, idlen);
    if (!gid) abort();
    bool may = cauth_need(con, req, resp, ACL_OP_READ, ACL_RES_GROUP, gid); /* as OffsetCommit */
    free(gid);
    if (!may) {
        json_decref(body);
        return;
    }
    int32_t coord = creset_coordinator(con, rest, idlen);
    if (coord < 0) {
        json_decref(body);
        console_error(resp, 503, "%s", "the group has no coordinator (__consumer_offsets offline)");
        return;
    }
    cjob_t *j = cjob_new(con, req);
    json_t *group = json_stringn_nocheck(rest, idlen);
    json_object_set_new(j->st, "body", body);
    json_object_set_new(j->st, "group", group);
    json_object_set_new(j->st, "coordinator", json_integer(coord));
    json_t *groups = json_object();
    json_object_set_new(groups, json_string_value(group), json_pack("{sO}", "group_id", group));
    json_object_set_new(j->st, "groups", groups);
    cgrp_describe(j, coord, groups);
    cjob_then(j, creset_offsets);
}
