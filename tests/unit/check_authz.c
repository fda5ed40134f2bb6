/* check_authz.c: the authorizer's decisions (broker/authz.c) and the ACL formats in ZooKeeper
 * (common/acl.c): literal, wildcard and prefixed patterns, implied operations, DENY over
 * ALLOW, principal and host wildcards, super.users, allow.everyone.if.no.acl.found, the
 * DescribeAcls/DeleteAcls filters, and Kafka's JSON and change-notice formats. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "authz.h"
#include "proto/kp_acls.h"
#include "testutil.h"

#define ALICE "User:alice"
#define BOB   "User:bob"
#define H1    "127.0.0.1"
#define H2    "127.0.0.2"

/* Add one entry to a pattern (read-modify-write of the cache, as a reload would). */
static void add(authz_t *a, int8_t t, int8_t pat, const char *name, const char *pr,
                const char *host, int8_t op, int8_t perm)
{
    acl_entry_t *e = calloc(1, sizeof(*e));
    e->principal = strdup(pr);
    e->host = strdup(host);
    e->op = op;
    e->perm = perm;
    authz_set(a, t, pat, name, e, 1);
}

static bool can(const authz_t *a, const char *pr, const char *host, int8_t op, int8_t t,
                const char *name)
{
    return authz_allowed(a, pr, host, op, t, name);
}

START_TEST(test_authz_literal_allow_and_implied_describe)
{
    authz_t *a = authz_new(NULL, false);
    ck_assert(!can(a, ALICE, H1, ACL_OP_WRITE, ACL_RES_TOPIC, "A")); /* no ACL: refused */
    add(a, ACL_RES_TOPIC, ACL_PAT_LITERAL, "A", ALICE, "*", ACL_OP_WRITE, ACL_PERM_ALLOW);
    ck_assert(can(a, ALICE, H1, ACL_OP_WRITE, ACL_RES_TOPIC, "A"));
    ck_assert(can(a, ALICE, H2, ACL_OP_DESCRIBE, ACL_RES_TOPIC, "A")); /* Write => Describe */
    ck_assert(!can(a, ALICE, H1, ACL_OP_READ, ACL_RES_TOPIC, "A"));
    ck_assert(!can(a, BOB, H1, ACL_OP_WRITE, ACL_RES_TOPIC, "A"));
    ck_assert(!can(a, ALICE, H1, ACL_OP_WRITE, ACL_RES_TOPIC, "B"));
    ck_assert(!can(a, ALICE, H1, ACL_OP_WRITE, ACL_RES_GROUP, "A")); /* other type */
    add(a, ACL_RES_TOPIC, ACL_PAT_LITERAL, "C", ALICE, "*", ACL_OP_ALTER_CONFIGS, ACL_PERM_ALLOW);
    ck_assert(can(a, ALICE, H1, ACL_OP_DESCRIBE_CONFIGS, ACL_RES_TOPIC, "C"));
    ck_assert(!can(a, ALICE, H1, ACL_OP_DESCRIBE, ACL_RES_TOPIC, "C"));
    add(a, ACL_RES_CLUSTER, ACL_PAT_LITERAL, ACL_CLUSTER_NAME, ALICE, "*", ACL_OP_ALL,
        ACL_PERM_ALLOW);
    ck_assert(can(a, ALICE, H1, ACL_OP_CLUSTER_ACTION, ACL_RES_CLUSTER, ACL_CLUSTER_NAME));
    ck_assert(can(a, ALICE, H1, ACL_OP_IDEMPOTENT_WRITE, ACL_RES_CLUSTER, ACL_CLUSTER_NAME));
    authz_free(a);
}
END_TEST

START_TEST(test_authz_wildcards_prefixed_and_hosts)
{
    authz_t *a = authz_new("", false);
    add(a, ACL_RES_TOPIC, ACL_PAT_PREFIXED, "logs-", BOB, "*", ACL_OP_READ, ACL_PERM_ALLOW);
    ck_assert(can(a, BOB, H1, ACL_OP_READ, ACL_RES_TOPIC, "logs-app"));
    ck_assert(can(a, BOB, H1, ACL_OP_READ, ACL_RES_TOPIC, "logs-"));
    ck_assert(!can(a, BOB, H1, ACL_OP_READ, ACL_RES_TOPIC, "logs"));
    ck_assert(!can(a, BOB, H1, ACL_OP_READ, ACL_RES_TOPIC, "app-logs-x"));
    add(a, ACL_RES_GROUP, ACL_PAT_LITERAL, "*", "User:*", H1, ACL_OP_READ, ACL_PERM_ALLOW);
    ck_assert(can(a, ALICE, H1, ACL_OP_READ, ACL_RES_GROUP, "g1"));
    ck_assert(can(a, BOB, H1, ACL_OP_DESCRIBE, ACL_RES_GROUP, "any"));
    ck_assert(!can(a, BOB, H2, ACL_OP_READ, ACL_RES_GROUP, "g1")); /* other host */
    authz_free(a);
}
END_TEST

START_TEST(test_authz_deny_beats_allow)
{
    authz_t *a = authz_new(NULL, true);
    add(a, ACL_RES_TOPIC, ACL_PAT_LITERAL, "*", "User:*", "*", ACL_OP_ALL, ACL_PERM_ALLOW);
    ck_assert(can(a, ALICE, H2, ACL_OP_WRITE, ACL_RES_TOPIC, "secret"));
    add(a, ACL_RES_TOPIC, ACL_PAT_PREFIXED, "sec", "User:*", H2, ACL_OP_WRITE, ACL_PERM_DENY);
    ck_assert(!can(a, ALICE, H2, ACL_OP_WRITE, ACL_RES_TOPIC, "secret"));
    ck_assert(can(a, ALICE, H1, ACL_OP_WRITE, ACL_RES_TOPIC, "secret")); /* deny is for H2 */
    ck_assert(can(a, ALICE, H2, ACL_OP_READ, ACL_RES_TOPIC, "secret"));  /* only Write denied */
    /* a deny of Write does not deny Describe (implication works for ALLOW only) */
    ck_assert(can(a, ALICE, H2, ACL_OP_DESCRIBE, ACL_RES_TOPIC, "secret"));
    /* allow.everyone.if.no.acl.found: a resource with no ACL at all is open, one with any
     * ACL is not */
    ck_assert(can(a, BOB, H1, ACL_OP_READ, ACL_RES_GROUP, "g"));
    add(a, ACL_RES_GROUP, ACL_PAT_LITERAL, "g", ALICE, "*", ACL_OP_READ, ACL_PERM_ALLOW);
    ck_assert(!can(a, BOB, H1, ACL_OP_READ, ACL_RES_GROUP, "g"));
    authz_set(a, ACL_RES_GROUP, ACL_PAT_LITERAL, "g", NULL, 0); /* removed: open again */
    ck_assert(can(a, BOB, H1, ACL_OP_READ, ACL_RES_GROUP, "g"));
    authz_free(a);
}
END_TEST

START_TEST(test_authz_super_users_skip_every_acl)
{
    authz_t *a = authz_new(" User:admin ; User:broker;", false);
    add(a, ACL_RES_TOPIC, ACL_PAT_LITERAL, "A", "User:*", "*", ACL_OP_ALL, ACL_PERM_DENY);
    ck_assert(can(a, "User:admin", H1, ACL_OP_WRITE, ACL_RES_TOPIC, "A"));
    ck_assert(can(a, "User:broker", H1, ACL_OP_CLUSTER_ACTION, ACL_RES_CLUSTER, "kafka-cluster"));
    ck_assert(!can(a, "User:admins", H1, ACL_OP_WRITE, ACL_RES_TOPIC, "A"));
    ck_assert(authz_super_user(a, "User:admin"));
    ck_assert(!authz_super_user(a, ""));
    authz_free(a);
}
END_TEST

static void count_visit(void *arg, int8_t t, int8_t p, const char *name, const acl_entry_t *e)
{
    (void)t, (void)p, (void)name, (void)e;
    (*(int *)arg)++;
}

static int count(const authz_t *a, authz_filter_t f)
{
    int n = 0;
    authz_each(a, &f, count_visit, &n);
    return n;
}

START_TEST(test_authz_filters_as_describe_and_delete_acls)
{
    authz_t *a = authz_new(NULL, false);
    add(a, ACL_RES_TOPIC, ACL_PAT_LITERAL, "logs-a", ALICE, "*", ACL_OP_WRITE, ACL_PERM_ALLOW);
    add(a, ACL_RES_TOPIC, ACL_PAT_LITERAL, "*", BOB, "*", ACL_OP_READ, ACL_PERM_ALLOW);
    add(a, ACL_RES_TOPIC, ACL_PAT_PREFIXED, "logs-", BOB, H2, ACL_OP_READ, ACL_PERM_DENY);
    add(a, ACL_RES_GROUP, ACL_PAT_LITERAL, "g1", ALICE, "*", ACL_OP_READ, ACL_PERM_ALLOW);
    authz_filter_t any = {ACL_RES_ANY, ACL_PAT_ANY, NULL, NULL, NULL, ACL_OP_ANY, ACL_PERM_ANY};
    ck_assert_int_eq(count(a, any), 4);
    authz_filter_t f = any;
    f.restype = ACL_RES_TOPIC;
    f.name = "logs-a";
    ck_assert_int_eq(count(a, f), 1); /* ANY pattern type: exact names only */
    f.pattern = ACL_PAT_MATCH;
    ck_assert_int_eq(count(a, f), 3); /* literal, wildcard and prefix */
    f.pattern = ACL_PAT_PREFIXED;
    ck_assert_int_eq(count(a, f), 0);
    f = any;
    f.principal = BOB;
    ck_assert_int_eq(count(a, f), 2);
    f.perm = ACL_PERM_DENY;
    ck_assert_int_eq(count(a, f), 1);
    f = any;
    f.op = ACL_OP_READ;
    f.host = "*";
    ck_assert_int_eq(count(a, f), 2);
    const char *why;
    f.op = ACL_OP_UNKNOWN;
    ck_assert_int_eq(authz_filter_check(&f, &why), KERR_INVALID_REQUEST);
    ck_assert_int_eq(authz_filter_check(&any, &why), KERR_NONE);
    authz_free(a);
}
END_TEST

START_TEST(test_acl_zookeeper_formats_are_kafkas)
{
    char path[256];
    ck_assert_int_eq(acl_zk_path(path, sizeof(path), ACL_RES_TOPIC, ACL_PAT_LITERAL, "A"), 0);
    ck_assert_str_eq(path, "/kafka-acl/Topic/A");
    acl_zk_path(path, sizeof(path), ACL_RES_TXNID, ACL_PAT_PREFIXED, "tx-");
    ck_assert_str_eq(path, "/kafka-acl-extended/prefixed/TransactionalId/tx-");
    ck_assert_int_ne(acl_zk_path(path, sizeof(path), ACL_RES_TOPIC, ACL_PAT_MATCH, "A"), 0);
    acl_entry_t e = {"User:alice", "*", ACL_OP_IDEMPOTENT_WRITE, ACL_PERM_ALLOW};
    char *json = acl_entries_json(&e, 1);
    ck_assert_str_eq(json, "{\"version\":1,\"acls\":[{\"principal\":\"User:alice\","
                           "\"permissionType\":\"Allow\",\"operation\":\"IdempotentWrite\","
                           "\"host\":\"*\"}]}");
    acl_entry_t *out;
    int n;
    ck_assert_int_eq(acl_entries_parse(json, &out, &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(out[0].op, ACL_OP_IDEMPOTENT_WRITE);
    ck_assert_str_eq(out[0].principal, "User:alice");
    acl_entries_free(out, n);
    free(json);
    ck_assert_int_ne(acl_entries_parse("{\"version\":1}", &out, &n), 0);
    char *d = acl_change_data(ACL_RES_GROUP, ACL_PAT_LITERAL, "g:1");
    ck_assert_str_eq(d, "GROUP:g:1");
    int8_t t, p;
    char name[64];
    ck_assert_int_eq(acl_change_parse(d, false, &t, &p, name, sizeof(name)), 0);
    ck_assert_int_eq(t, ACL_RES_GROUP);
    ck_assert_str_eq(name, "g:1");
    free(d);
    ck_assert_int_eq(acl_change_parse("Topic:x", false, &t, &p, name, sizeof(name)), 0);
    d = acl_change_data(ACL_RES_TOPIC, ACL_PAT_PREFIXED, "logs-");
    ck_assert_str_eq(d, "{\"version\":1,\"resourceType\":\"TOPIC\",\"name\":\"logs-\","
                        "\"patternType\":\"PREFIXED\"}");
    ck_assert_int_eq(acl_change_parse(d, true, &t, &p, name, sizeof(name)), 0);
    ck_assert_int_eq(p, ACL_PAT_PREFIXED);
    free(d);
    ck_assert_int_ne(acl_change_parse("garbage", false, &t, &p, name, sizeof(name)), 0);
    ck_assert_int_ne(acl_change_parse("{", true, &t, &p, name, sizeof(name)), 0);
}
END_TEST

/* Every version of the three ACL APIs: what is encoded decodes back (requests and answers),
 * every strict prefix fails, and v0 carries no pattern type (read back as LITERAL). */
START_TEST(test_acl_codecs_round_trip_every_version)
{
    for (int16_t v = 0; v <= 3; v++) {
        kp_acl_binding_t b = {
            ACL_RES_TOPIC,    KSTR("logs-"), v ? ACL_PAT_PREFIXED : ACL_PAT_LITERAL,
            KSTR("User:bob"), KSTR("*"),     ACL_OP_READ,
            ACL_PERM_ALLOW};
        wbuf_t wb;
        wbuf_init(&wb);
        kp_createacls_req_t creq = {1, &b}, cout;
        kp_createacls_req_encode(&wb, v, &creq);
        tu_decode_prefixes(TU_DEC(kp_createacls_req_decode), v, &wb, &cout);
        ck_assert_int_eq(cout.n, 1);
        ck_assert(kstr_eq(cout.creations[0].principal, "User:bob"));
        ck_assert_int_eq(cout.creations[0].pattern, v ? ACL_PAT_PREFIXED : ACL_PAT_LITERAL);
        wbuf_reset(&wb);
        kp_acl_binding_t f = {ACL_RES_ANY, KSTR_NULL,  ACL_PAT_ANY, KSTR_NULL,
                              KSTR_NULL,   ACL_OP_ANY, ACL_PERM_ANY};
        kp_describeacls_req_t dreq = {f}, dout;
        kp_describeacls_req_encode(&wb, v, &dreq);
        tu_decode_prefixes(TU_DEC(kp_describeacls_req_decode), v, &wb, &dout);
        ck_assert_int_eq(dout.filter.name.len, -1);
        wbuf_reset(&wb);
        kp_acl_resource_t res = {1, &b};
        kp_describeacls_resp_t dresp = {0, {0, KSTR_NULL}, 1, &res}, drout;
        kp_describeacls_resp_encode(&wb, v, &dresp);
        tu_decode_prefixes(TU_DEC(kp_describeacls_resp_decode), v, &wb, &drout);
        ck_assert_int_eq(drout.nresources, 1);
        ck_assert(kstr_eq(drout.resources[0].acls[0].name, "logs-"));
        wbuf_reset(&wb);
        kp_acl_match_t m = {{0, KSTR_NULL}, b};
        kp_deleteacls_result_t dr = {{0, KSTR_NULL}, 1, &m};
        kp_deleteacls_resp_t xresp = {0, 1, &dr}, xout;
        kp_deleteacls_resp_encode(&wb, v, &xresp);
        tu_decode_prefixes(TU_DEC(kp_deleteacls_resp_decode), v, &wb, &xout);
        ck_assert_int_eq(xout.results[0].nmatching, 1);
        ck_assert_int_eq(xout.results[0].matching[0].acl.op, ACL_OP_READ);
        wbuf_reset(&wb);
        kp_deleteacls_req_t xreq = {1, &f}, xrout;
        kp_deleteacls_req_encode(&wb, v, &xreq);
        tu_decode_prefixes(TU_DEC(kp_deleteacls_req_decode), v, &wb, &xrout);
        wbuf_reset(&wb);
        kp_acl_err_t e = {KERR_INVALID_REQUEST, KSTR("bad")};
        kp_createacls_resp_t cresp = {0, 1, &e}, crout;
        kp_createacls_resp_encode(&wb, v, &cresp);
        tu_decode_prefixes(TU_DEC(kp_createacls_resp_decode), v, &wb, &crout);
        ck_assert_int_eq(crout.results[0].error_code, KERR_INVALID_REQUEST);
        wbuf_free(&wb);
    }
    /* a creation with a null principal is malformed, a filter's null principal is "any" */
    uint8_t bad[] = {0, 0, 0, 1, 2, 0, 1, 'A', 3, 0xff, 0xff, 0, 1, '*', 4, 3};
    rbuf_t rb;
    rbuf_init(&rb, bad, sizeof(bad));
    arena_t a;
    arena_init(&a);
    kp_createacls_req_t out;
    ck_assert_int_ne(kp_createacls_req_decode(&rb, 1, &a, &out), KERR_NONE);
    rbuf_init(&rb, bad, sizeof(bad));
    kp_deleteacls_req_t dout;
    ck_assert_int_eq(kp_deleteacls_req_decode(&rb, 1, &a, &dout), KERR_NONE);
    ck_assert_int_eq(dout.filters[0].principal.len, -1);
    arena_free(&a);
}
END_TEST

static Suite *authz_suite(void)
{
    Suite *s = suite_create("authz");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_authz_literal_allow_and_implied_describe);
    tcase_add_test(tc, test_authz_wildcards_prefixed_and_hosts);
    tcase_add_test(tc, test_authz_deny_beats_allow);
    tcase_add_test(tc, test_authz_super_users_skip_every_acl);
    tcase_add_test(tc, test_authz_filters_as_describe_and_delete_acls);
    tcase_add_test(tc, test_acl_zookeeper_formats_are_kafkas);
    tcase_add_test(tc, test_acl_codecs_round_trip_every_version);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(authz_suite)
