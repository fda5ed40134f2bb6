/* console_txns.c: the console's transactions, cluster-wide, asked of the brokers over the
 * Kafka protocol (console_job.h), like the groups:
 *   GET /v1/transactions   ListTransactions v0 to every live broker (each lists the
 *                          transactional ids it coordinates), then DescribeTransactions v0 to
 *                          that broker for its ids: state, producer id/epoch, timeout, start
 *                          time and partitions. A transaction is "hanging" when it has been
 *                          Ongoing longer than its timeout (the coordinator should have aborted
 *                          it). Brokers that could not answer are named in "errors".
 * The answer is deferred: the HTTP request waits, suspended, for the last response. */
#include "console_txns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "console.h"
#include "console_auth.h"
#include "console_groups.h"
#include "console_job.h"
#include "ktime.h"
#include "mdcache.h"
#include "proto/kp.h"

/* both APIs are flexible from v0 */
#define LT_REQ "state_filters:[str],producer_id_filters:[i64]"
#define LT_RESP                                                                                    \
    "throttle_time_ms:i32,error_code:i16,unknown_state_filters:[str],"                             \
    "transaction_states:[transactional_id:str,producer_id:i64,transaction_state:str]"
#define DT_REQ "transactional_ids:[str]"
#define DT_RESP                                                                                    \
    "throttle_time_ms:i32,transaction_states:[error_code:i16,transactional_id:str,"                \
    "transaction_state:str,transaction_timeout_ms:i32,transaction_start_time_ms:i64,"              \
    "producer_id:i64,producer_epoch:i32,topics:[topic:str,partitions:[i32]]]"

static void ctxn_on_describe(cjob_t *j, void *tag, int32_t broker, kerr_t err, json_t *resp)
{
    json_t *mine = tag;
    if (err) {
        cgrp_note(j, "broker %d: DescribeTransactions: %s", broker, kerr_name(err));
        return;
    }
    int64_t now = ktime_wall_ms();
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(resp, "transaction_states"), i, d)
    {
        json_t *t =
            json_object_get(mine, json_string_value(json_object_get(d, "transactional_id")));
        if (!t) continue;
        json_int_t ec = json_integer_value(json_object_get(d, "error_code"));
        json_object_set_new(t, "error_code", json_integer(ec));
        if (ec) {
            json_object_set_new(t, "error", json_string(kerr_name((kerr_t)ec)));
            continue;
        }
        const char *state = json_string_value(json_object_get(d, "transaction_state"));
        json_int_t timeout = json_integer_value(json_object_get(d, "transaction_timeout_ms"));
        json_int_t start = json_integer_value(json_object_get(d, "transaction_start_time_ms"));
        bool hanging = state && strcmp(state, "Ongoing") == 0 && start > 0 && now - start > timeout;
        json_object_set(t, "state", json_object_get(d, "transaction_state"));
        json_object_set(t, "producer_epoch", json_object_get(d, "producer_epoch"));
        json_object_set_new(t, "timeout_ms", json_integer(timeout));
        json_object_set_new(t, "start_time_ms", json_integer(start));
        json_object_set_new(t, "hanging", json_boolean(hanging));
        json_t *topics = json_array(), *tp; /* the topics it may describe, as Kafka filters */
        size_t k;
        json_array_foreach(json_object_get(d, "topics"), k, tp)
        {
            const char *name = json_string_value(json_object_get(tp, "topic"));
            if (name && cauth_may(j->con, &j->as, ACL_OP_DESCRIBE, ACL_RES_TOPIC, name))
                json_array_append(topics, tp);
        }
        json_object_set_new(t, "topics", topics);
    }
}

static void ctxn_on_list(cjob_t *j, void *tag, int32_t broker, kerr_t err, json_t *resp)
{
    (void)tag;
    json_int_t ec = resp ? json_integer_value(json_object_get(resp, "error_code")) : 0;
    if (err || ec) {
        cgrp_note(j, "broker %d: ListTransactions: %s", broker, kerr_name(err ? err : (kerr_t)ec));
        return;
    }
    json_t *mine = cgrp_slot(j, broker);
    size_t i;
    json_t *lt;
    json_array_foreach(json_object_get(resp, "transaction_states"), i, lt)
    {
        const char *id = json_string_value(json_object_get(lt, "transactional_id"));
        if (!id || !cauth_may(j->con, &j->as, ACL_OP_DESCRIBE, ACL_RES_TXNID, id))
            continue; /* ListTransactions lists the ids one may describe */
        json_object_set_new(mine, id,
                            json_pack("{sssisOsOs[]sb}", "transactional_id", id, "coordinator",
                                      broker, "producer_id", json_object_get(lt, "producer_id"),
                                      "state", json_object_get(lt, "transaction_state"), "topics",
                                      "hanging", 0));
    }
}

static void ctxn_finish(cjob_t *j)
{
    json_t *all = cgrp_all(j);
    json_t *errs = json_object_get(j->st, "errors");
    cjob_reply(j, 200,
               json_pack("{sosIso}", "transactions", all, "now_ms", (json_int_t)ktime_wall_ms(),
                         "errors", errs ? json_incref(errs) : json_array()));
}

static void ctxn_describe_all(cjob_t *j)
{
    const char *bk, *id;
    json_t *mine, *t;
    json_object_foreach(json_object_get(j->st, "by_broker"), bk, mine)
    {
        if (!json_object_size(mine)) continue;
        json_t *ids = json_array();
        json_object_foreach(mine, id, t) json_array_append_new(ids, json_string(id));
        cjob_call_flex(j, atoi(bk), KAPI_DESCRIBE_TRANSACTIONS, 0, true, DT_REQ,
                       json_pack("{so}", "transactional_ids", ids), DT_RESP, ctxn_on_describe,
                       mine);
    }
    cjob_then(j, ctxn_finish);
}

void console_txns(console_t *con, const char *rest, const http_req_t *req, http_resp_t *resp)
{
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        console_error(resp, 405, "%s takes GET", req->path);
        return;
    }
    if (*rest) {
        console_error(resp, 404, "no such resource: %s", req->path);
        return;
    }
    cjob_t *j = cjob_new(con, req);
    json_object_set_new(j->st, "by_broker", json_object());
    int nb = 0;
    const md_broker_t *b = mdcache_brokers(con->d.md, &nb);
    for (int i = 0; i < nb; i++)
        cjob_call_flex(j, b[i].id, KAPI_LIST_TRANSACTIONS, 0, true, LT_REQ, json_object(), LT_RESP,
                       ctxn_on_list, NULL);
    cjob_then(j, ctxn_describe_all);
}
