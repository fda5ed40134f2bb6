/* kafka_acls.c: kafka-acls, as Kafka's AclCommand with --bootstrap-server:
 *   --add | --remove | --list, resources --topic T / --group G / --cluster /
 *   --transactional-id X (repeatable) with --resource-pattern-type literal|prefixed|match|any,
 *   entries from --allow-principal / --deny-principal x --allow-host / --deny-host (default *)
 *   x --operation (repeatable, default All), or the --producer / --consumer sets; --force
 *   skips the confirmation of --remove; --principal filters --list.
 * Output as Kafka's:
 *   Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=A, patternType=LITERAL)`:
 *    	(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)
 *   (blank line), then the "Current ACLs for resource `...`:" listing of the same resources.
 * With --authorizer-properties zookeeper.connect=H:P the tool reads and writes the znodes
 * itself (Kafka's bootstrap path: no broker, no authorization), with the change notices every
 * broker follows. The ACL APIs go to the first bootstrap server with the broker's own codecs
 * (cli_request, CreateAcls / DescribeAcls / DeleteAcls v2), over TLS and with a SASL login when
 * --command-config says so (clireq.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acl.h"
#include "authz.h"
#include "cli.h"
#include "proto/kp_acls.h"
#include "zkpath.h"

#define TOOL       "kafka-acls"
#define TIMEOUT_MS 30000
#define ACLS_VER   2
#define NL         "\n"

static cli_opt_t opts[] = {
    CLI_OPT("bootstrap-server", true,
            "A list of host/port pairs to use for establishing the connection to the Kafka "
            "cluster."),
    CLI_OPT("authorizer-properties", true,
            "REQUIRED without --bootstrap-server: zookeeper.connect=HOST:PORT, to work on the "
            "ACLs in ZooKeeper directly (as Kafka's AclAuthorizer stores them)."),
    CLI_OPT("command-config", true,
            "A property file containing configs to be passed to Admin Client."),
    CLI_OPT("add", false, "Indicates you are trying to add ACLs."),
    CLI_OPT("remove", false, "Indicates you are trying to remove ACLs."),
    CLI_OPT("list", false,
            "List ACLs for the specified resource, use --topic <topic> or --group <group> or "
            "--cluster to specify a resource."),
    CLI_OPT("topic", true, "topic to which ACLs should be added or removed."),
    CLI_OPT("group", true, "Consumer Group to which the ACLs should be added or removed."),
    CLI_OPT("cluster", false, "Add/Remove cluster ACLs."),
    CLI_OPT("transactional-id", true,
            "The transactionalId to which ACLs should be added or removed."),
    CLI_OPT("resource-pattern-type", true,
            "The type of the resource pattern or pattern filter: literal, prefixed, match or "
            "any (default: LITERAL)"),
    CLI_OPT("operation", true,
            "Operation that is being allowed or denied (default: All). Repeatable."),
    CLI_OPT("allow-principal", true, "principal is in principalType:name format. Repeatable."),
    CLI_OPT("deny-principal", true, "principal is in principalType:name format. Repeatable."),
    CLI_OPT("principal", true, "List ACLs for the specified principal. Repeatable."),
    CLI_OPT("allow-host", true,
            "Host from which principals listed in --allow-principal will "
            "have access (default: *)."),
    CLI_OPT("deny-host", true,
            "Host from which principals listed in --deny-principal will be "
            "denied access (default: *)."),
    CLI_OPT("producer", false,
            "Convenience option to add/remove ACLs for producer role: WRITE, DESCRIBE and "
            "CREATE on topic."),
    CLI_OPT("consumer", false,
            "Convenience option to add/remove ACLs for consumer role: READ, DESCRIBE on topic "
            "and READ on consumer-group."),
    CLI_OPT("idempotent", false, "Enable idempotence for the producer (with --producer)."),
    CLI_OPT("force", false, "Assume Yes to all queries and do not prompt."),
    CLI_END,
};

/* A resource pattern (or filter) and the entries going with it. */
typedef struct acls_res {
    int8_t type, pattern;
    const char *name;
} acls_res_t;

typedef struct acls_ace {
    const char *principal, *host;
    int8_t op, perm;
} acls_ace_t;

static const char *acls_bs;
static zhandle_t *acls_zh; /* --authorizer-properties zookeeper.connect=...: ZooKeeper itself */

/* ---- --authorizer-properties: the ACLs in ZooKeeper, written as the brokers' ctl thread
 * writes them (common/acl.h), answered in the ACL APIs' response structures ---- */

/* Every pattern under root into a, as the brokers' cache holds them. */
static void acls_zk_load_root(authz_t *a, const char *root, int8_t pattern)
{
    struct String_vector types = {0}, names;
    if (zoo_get_children(acls_zh, root, 0, &types) != ZOK) return;
    for (int i = 0; i < types.count; i++) {
        int8_t t = acl_res_parse(types.data[i]);
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/%s", root, types.data[i]);
        if (t < ACL_RES_TOPIC || zoo_get_children(acls_zh, dir, 0, &names) != ZOK) continue;
        for (int j = 0; j < names.count; j++) {
            char path[1024];
            snprintf(path, sizeof(path), "%s/%s", dir, names.data[j]);
            char *data = cli_zk_get(acls_zh, path, NULL);
            acl_entry_t *e = NULL;
            int n = 0;
            if (data) acl_entries_parse(data, &e, &n);
            authz_set(a, t, pattern, names.data[j], e, n);
            free(data);
        }
        deallocate_String_vector(&names);
    }
    deallocate_String_vector(&types);
}

static authz_t *acls_zk_load(void)
{
    authz_t *a = authz_new(NULL, false);
    acls_zk_load_root(a, ZKPATH_ACL, ACL_PAT_LITERAL);
    acls_zk_load_root(a, ZKPATH_ACL_PREFIXED, ACL_PAT_PREFIXED);
    return a;
}

/* Add or remove one entry of a pattern (version-checked read-modify-write, retried), then the
 * change notice every broker follows. */
static int16_t acls_zk_edit(const kp_acl_binding_t *b, bool remove)
{
    char path[1024], *name = kstr_dup(b->name);
    if (acl_zk_path(path, sizeof(path), b->restype, b->pattern, name) != KERR_NONE) {
        free(name);
        return KERR_INVALID_REQUEST;
    }
    char *pr = kstr_dup(b->principal), *host = kstr_dup(b->host);
    acl_entry_t x = {pr, host, b->op, b->perm};
    int rc = ZBADVERSION;
    bool changed = false;
    for (int attempt = 0; attempt < 5 && (rc == ZBADVERSION || rc == ZNODEEXISTS); attempt++) {
        struct Stat st = {0};
        char *data = cli_zk_get(acls_zh, path, &st);
        bool existed = data != NULL;
        acl_entry_t *e = NULL;
        int n = 0;
        if (data) acl_entries_parse(data, &e, &n);
        free(data);
        changed = acl_entries_apply(&e, &n, &x, remove);
        char *json = n ? acl_entries_json(e, n) : NULL;
        if (!changed)
            rc = ZOK;
        else if (!n)
            rc = zoo_delete(acls_zh, path, st.version);
        else if (!existed && (cli_zk_mkdirs(acls_zh, path), true))
            rc = zoo_set(acls_zh, path, json, (int)strlen(json), 0);
        else
            rc = zoo_set(acls_zh, path, json, (int)strlen(json), st.version);
        free(json);
        acl_entries_free(e, n);
    }
    if (rc == ZOK && changed) {
        char notice[256], *d = acl_change_data(b->restype, b->pattern, name);
        snprintf(notice, sizeof(notice), "%s/" ZKPATH_ACL_CHANGE_SEQ,
                 b->pattern == ACL_PAT_LITERAL ? ZKPATH_ACL_CHANGES : ZKPATH_ACL_EXTENDED_CHANGES);
        cli_zk_mkdirs(acls_zh, b->pattern == ACL_PAT_LITERAL ? ZKPATH_ACL_CHANGES
                                                             : ZKPATH_ACL_EXTENDED_CHANGES);
        zoo_create(acls_zh, notice, d, (int)strlen(d), cli_zk_acl(notice), ZOO_SEQUENCE, NULL, 0);
        free(d);
    }
    free(name);
    free(pr);
    free(host);
    return rc == ZOK ? 0 : KERR_UNKNOWN_SERVER_ERROR;
}

typedef struct acls_zk_found {
    arena_t *a;
    kp_acl_binding_t *b;
    int32_t n, cap;
} acls_zk_found_t;

static kstr_t acls_zk_str(arena_t *a, const char *s)
{
    return (kstr_t){arena_strndup(a, s, strlen(s)), (int32_t)strlen(s)};
}

static void acls_zk_collect(void *arg, int8_t t, int8_t p, const char *name, const acl_entry_t *e)
{
    acls_zk_found_t *f = arg;
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        kp_acl_binding_t *nb = arena_alloc(f->a, (size_t)f->cap * sizeof(*nb));
        if (f->n) memcpy(nb, f->b, (size_t)f->n * sizeof(*nb));
        f->b = nb;
    }
    f->b[f->n++] = (kp_acl_binding_t){t,
                                      acls_zk_str(f->a, name),
                                      p,
                                      acls_zk_str(f->a, e->principal),
                                      acls_zk_str(f->a, e->host),
                                      e->op,
                                      e->perm};
}

/* The bindings of the ZooKeeper ACLs a filter matches (strings in a). */
static acls_zk_found_t acls_zk_match(authz_t *cache, const kp_acl_binding_t *fb, arena_t *a)
{
    char *name = fb->name.len >= 0 ? kstr_dup(fb->name) : NULL;
    char *pr = fb->principal.len >= 0 ? kstr_dup(fb->principal) : NULL;
    char *host = fb->host.len >= 0 ? kstr_dup(fb->host) : NULL;
    authz_filter_t f = {fb->restype, fb->pattern, name, pr, host, fb->op, fb->perm};
    acls_zk_found_t found = {a, NULL, 0, 0};
    authz_each(cache, &f, acls_zk_collect, &found);
    free(name);
    free(pr);
    free(host);
    return found;
}

/* What a broker would answer for the request, from ZooKeeper. */
static void acls_zk_serve(int16_t key, const void *req, void *out, arena_t *a)
{
    authz_t *cache = acls_zk_load();
    if (key == KAPI_DESCRIBE_ACLS) {
        kp_describeacls_resp_t *resp = memset(out, 0, sizeof(kp_describeacls_resp_t));
        acls_zk_found_t f = acls_zk_match(cache, &((const kp_describeacls_req_t *)req)->filter, a);
        kp_acl_resources_group(a, f.b, f.n, resp);
    } else if (key == KAPI_CREATE_ACLS) {
        const kp_createacls_req_t *r = req;
        kp_createacls_resp_t *resp = memset(out, 0, sizeof(kp_createacls_resp_t));
        resp->n = r->n;
        resp->results = arena_calloc(a, (size_t)r->n + 1, sizeof(kp_acl_err_t));
        for (int32_t i = 0; i < r->n; i++)
            resp->results[i] = (kp_acl_err_t){acls_zk_edit(&r->creations[i], false), KSTR_NULL};
    } else {
        const kp_deleteacls_req_t *r = req;
        kp_deleteacls_resp_t *resp = memset(out, 0, sizeof(kp_deleteacls_resp_t));
        resp->n = r->n;
        resp->results = arena_calloc(a, (size_t)r->n + 1, sizeof(kp_deleteacls_result_t));
        for (int32_t i = 0; i < r->n; i++) {
            acls_zk_found_t f = acls_zk_match(cache, &r->filters[i], a);
            kp_deleteacls_result_t *res = &resp->results[i];
            res->nmatching = f.n;
            res->matching = arena_calloc(a, (size_t)f.n + 1, sizeof(kp_acl_match_t));
            for (int32_t j = 0; j < f.n; j++)
                res->matching[j] =
                    (kp_acl_match_t){{acls_zk_edit(&f.b[j], true), KSTR_NULL}, f.b[j]};
        }
    }
    authz_free(cache);
}

static void acls_print_pattern(const char *what, const acls_res_t *r)
{
    printf("%s `ResourcePattern%s(resourceType=%s, name=%s, patternType=%s)`: " NL, what,
           r->pattern == ACL_PAT_LITERAL || r->pattern == ACL_PAT_PREFIXED ? "" : "Filter",
           acl_res_name(r->type), r->name ? r->name : "null", acl_pat_name(r->pattern));
}

/* Kafka's " \t(ace)\n\t(ace) \n" (the entries' toString, one a line). */
static void acls_print_aces(const acls_ace_t *a, int n)
{
    printf(" ");
    for (int i = 0; i < n; i++)
        printf("%s\t(principal=%s, host=%s, operation=%s, permissionType=%s)", i ? NL : "",
               a[i].principal, a[i].host, acl_op_name(a[i].op), acl_perm_name(a[i].perm));
    printf(" " NL);
}

/* Kafka's "<header> \n \t(ace)\n\t(ace) \n" and println's newline. */
static void acls_print_block(const char *what, const acls_res_t *r, const acls_ace_t *a, int n)
{
    acls_print_pattern(what, r);
    acls_print_aces(a, n);
    printf(NL);
}

static int8_t acls_pattern_opt(bool filter)
{
    const char *v = cli_val(opts, "resource-pattern-type");
    if (!v) return ACL_PAT_LITERAL;
    int8_t p = acl_pat_parse(v);
    if (!p) cli_die(TOOL, "Invalid value %s for --resource-pattern-type", v);
    if (!filter && p != ACL_PAT_LITERAL && p != ACL_PAT_PREFIXED)
        cli_die(TOOL, "A '--resource-pattern-type' value of '%s' is not valid when adding acls.",
                v);
    return p;
}

/* The resources named on the command line. */
static int acls_resources(acls_res_t *out, int max, int8_t pattern)
{
    static const struct {
        const char *opt;
        int8_t type;
    } kinds[] = {
        {"topic", ACL_RES_TOPIC}, {"group", ACL_RES_GROUP}, {"transactional-id", ACL_RES_TXNID}};
    int n = 0;
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        cli_opt_t *o = cli_opt(opts, kinds[k].opt);
        for (int i = 0; i < o->nvals && n < max; i++)
            out[n++] = (acls_res_t){kinds[k].type, pattern, o->vals[i]};
    }
    if (cli_has(opts, "cluster") && n < max)
        out[n++] = (acls_res_t){ACL_RES_CLUSTER, pattern, ACL_CLUSTER_NAME};
    return n;
}

/* Principals x hosts x ops for one permission. */
static int acls_expand(const char *popt, const char *hopt, int8_t perm, const int8_t *ops, int nops,
                       acls_ace_t *out, int n, int max)
{
    cli_opt_t *p = cli_opt(opts, popt), *h = cli_opt(opts, hopt);
    static const char *const star[] = {"*"};
    const char *const *hosts = h->nvals ? h->vals : star;
    int nhosts = h->nvals ? h->nvals : 1;
    for (int i = 0; i < p->nvals; i++) {
        if (!strchr(p->vals[i], ':'))
            cli_die(TOOL,
                    "Error while executing ACL command: expected a string in format "
                    "principalType:principalName but got %s",
                    p->vals[i]);
        for (int j = 0; j < nhosts; j++)
            for (int k = 0; k < nops && n < max; k++)
                out[n++] = (acls_ace_t){p->vals[i], hosts[j], ops[k], perm};
    }
    return n;
}

/* --operation values (default All). */
static int acls_ops(int8_t *ops, int max)
{
    cli_opt_t *o = cli_opt(opts, "operation");
    if (!o->nvals) {
        ops[0] = ACL_OP_ALL;
        return 1;
    }
    int n = 0;
    for (int i = 0; i < o->nvals && n < max; i++) {
        int8_t op = acl_op_parse(o->vals[i]);
        if (op < ACL_OP_ALL) cli_die(TOOL, "Invalid operation: %s", o->vals[i]);
        ops[n++] = op;
    }
    return n;
}

static int acls_entries(const int8_t *ops, int nops, acls_ace_t *out, int max)
{
    int n = acls_expand("allow-principal", "allow-host", ACL_PERM_ALLOW, ops, nops, out, 0, max);
    return acls_expand("deny-principal", "deny-host", ACL_PERM_DENY, ops, nops, out, n, max);
}

static kp_acl_binding_t acls_binding(const acls_res_t *r, const acls_ace_t *a)
{
    kp_acl_binding_t b = {r->type,     r->name ? KSTR(r->name) : KSTR_NULL,
                          r->pattern,  KSTR_NULL,
                          KSTR_NULL,   ACL_OP_ANY,
                          ACL_PERM_ANY};
    if (a) {
        b.principal = a->principal ? KSTR(a->principal) : KSTR_NULL;
        b.host = a->host ? KSTR(a->host) : KSTR_NULL;
        b.op = a->op;
        b.perm = a->perm;
    }
    return b;
}

static const char *acls_exception(int16_t code)
{
    switch (code) {
    case KERR_SECURITY_DISABLED:
        return "SecurityDisabledException";
    case KERR_CLUSTER_AUTHORIZATION_FAILED:
        return "ClusterAuthorizationException";
    case KERR_INVALID_REQUEST:
        return "InvalidRequestException";
    default:
        return "UnknownServerException";
    }
}

static void acls_fail(const kp_acl_err_t *e)
{
    const char *dflt = e->error_code == KERR_CLUSTER_AUTHORIZATION_FAILED
                           ? "Cluster authorization failed."
                           : kerr_name((kerr_t)e->error_code);
    printf("Error while executing ACL command: org.apache.kafka.common.errors.%s: %.*s\n",
           acls_exception(e->error_code), e->error_message.len >= 0 ? e->error_message.len : -1,
           e->error_message.len >= 0 ? e->error_message.p : dflt);
    exit(1);
}

typedef void acls_enc_fn(wbuf_t *wb, int16_t ver, const void *req);
typedef kerr_t acls_dec_fn(rbuf_t *rb, int16_t ver, arena_t *a, void *out);

/* Encode req, send it, decode the answer into out (its views point into *body: free it and
 * the arena after use). Dies when no well-formed answer comes. */
static void acls_call(int16_t key, acls_enc_fn *enc, const void *req, acls_dec_fn *dec, void *out,
                      arena_t *a, uint8_t **body)
{
    if (acls_zh) {
        arena_init(a);
        *body = NULL;
        acls_zk_serve(key, req, out, a);
        return;
    }
    wbuf_t wb;
    wbuf_init(&wb);
    enc(&wb, ACLS_VER, req);
    size_t len;
    if (!cli_request(acls_bs, key, ACLS_VER, &wb, TIMEOUT_MS, body, &len))
        cli_die(TOOL, "Error while executing ACL command: no answer from %s within %d ms", acls_bs,
                TIMEOUT_MS);
    wbuf_free(&wb);
    rbuf_t rb;
    rbuf_init(&rb, *body, len);
    arena_init(a);
    if (dec(&rb, ACLS_VER, a, out) != KERR_NONE)
        cli_die(TOOL, "malformed %s response", kp_api_name(key));
}

#define ACLS_CALL(key, api, req, out, a, body)                                                     \
    acls_call(key, (acls_enc_fn *)kp_##api##_req_encode, req,                                      \
              (acls_dec_fn *)kp_##api##_resp_decode, out, a, body)

/* ---- list ---- */

static void acls_describe(const acls_res_t *filter, const char *principal)
{
    kp_describeacls_req_t req = {acls_binding(filter, NULL)};
    if (principal) req.filter.principal = KSTR(principal);
    uint8_t *body;
    arena_t a;
    kp_describeacls_resp_t resp;
    ACLS_CALL(KAPI_DESCRIBE_ACLS, describeacls, &req, &resp, &a, &body);
    if (resp.err.error_code) acls_fail(&resp.err);
    for (int32_t i = 0; i < resp.nresources; i++) {
        kp_acl_resource_t *res = &resp.resources[i];
        acls_ace_t *aces = calloc((size_t)res->nacls + 1, sizeof(*aces));
        for (int32_t j = 0; j < res->nacls; j++) {
            kp_acl_binding_t *b = &res->acls[j];
            aces[j] = (acls_ace_t){kstr_dup(b->principal), kstr_dup(b->host), b->op, b->perm};
        }
        char *name = kstr_dup(res->acls[0].name);
        acls_res_t r = {res->acls[0].restype, res->acls[0].pattern, name};
        acls_print_block("Current ACLs for resource", &r, aces, res->nacls);
        for (int32_t j = 0; j < res->nacls; j++) {
            free((char *)aces[j].principal);
            free((char *)aces[j].host);
        }
        free(aces);
        free(name);
    }
    arena_free(&a);
    free(body);
}

static void acls_list(const acls_res_t *res, int nres)
{
    acls_res_t any = {ACL_RES_ANY, ACL_PAT_ANY, NULL};
    cli_opt_t *p = cli_opt(opts, "principal");
    for (int k = 0; k < (p->nvals ? p->nvals : 1); k++) {
        const char *principal = p->nvals ? p->vals[k] : NULL;
        if (principal) printf("ACLs for principal `%s`" NL, principal);
        if (nres == 0) acls_describe(&any, principal);
        for (int i = 0; i < nres; i++) acls_describe(&res[i], principal);
    }
}

/* ---- add ---- */

static void acls_add(const acls_res_t *res, int nres, const acls_ace_t *const *aces,
                     const int *naces)
{
    int total = 0;
    for (int i = 0; i < nres; i++) total += naces[i];
    kp_acl_binding_t *b = calloc((size_t)total + 1, sizeof(*b));
    int k = 0;
    for (int i = 0; i < nres; i++) {
        acls_print_block("Adding ACLs for resource", &res[i], aces[i], naces[i]);
        for (int j = 0; j < naces[i]; j++) b[k++] = acls_binding(&res[i], &aces[i][j]);
    }
    fflush(stdout);
    kp_createacls_req_t req = {k, b};
    uint8_t *body;
    arena_t a;
    kp_createacls_resp_t resp;
    ACLS_CALL(KAPI_CREATE_ACLS, createacls, &req, &resp, &a, &body);
    free(b);
    for (int32_t i = 0; i < resp.n; i++)
        if (resp.results[i].error_code) acls_fail(&resp.results[i]);
    arena_free(&a);
    free(body);
}

/* ---- remove ---- */

/* Kafka's confirmAction: --force, or a line that is "y" (any case). */
static bool acls_confirm(void)
{
    if (cli_has(opts, "force")) return true;
    fflush(stdout);
    char line[16];
    if (!fgets(line, sizeof(line), stdin)) return false;
    line[strcspn(line, "\r\n")] = '\0';
    return strcasecmp(line, "y") == 0;
}

/* The question Kafka asks before a removal (printed unless --force). */
static void acls_ask(const acls_res_t *r, const acls_ace_t *a, int n)
{
    if (cli_has(opts, "force")) return;
    char filter[1024];
    snprintf(filter, sizeof(filter),
             "`ResourcePatternFilter(resourceType=%s, name=%s, patternType=%s)`",
             acl_res_name(r->type), r->name, acl_pat_name(r->pattern));
    if (!n) {
        printf("Are you sure you want to delete all ACLs for resource filter %s? (y/n)" NL, filter);
        return;
    }
    printf("Are you sure you want to remove ACLs: " NL);
    acls_print_aces(a, n);
    printf(" from resource filter %s? (y/n)" NL, filter);
}

static void acls_delete(const kp_acl_binding_t *filters, int n)
{
    kp_deleteacls_req_t req = {n, (kp_acl_binding_t *)filters};
    uint8_t *body;
    arena_t a;
    kp_deleteacls_resp_t resp;
    ACLS_CALL(KAPI_DELETE_ACLS, deleteacls, &req, &resp, &a, &body);
    for (int32_t i = 0; i < resp.n; i++) {
        if (resp.results[i].err.error_code) acls_fail(&resp.results[i].err);
        for (int32_t j = 0; j < resp.results[i].nmatching; j++)
            if (resp.results[i].matching[j].err.error_code)
                acls_fail(&resp.results[i].matching[j].err);
    }
    arena_free(&a);
    free(body);
}

static void acls_remove(const acls_res_t *res, int nres, const acls_ace_t *const *aces,
                        const int *naces)
{
    for (int i = 0; i < nres; i++) {
        acls_ask(&res[i], aces[i], naces[i]);
        if (!acls_confirm()) continue;
        kp_acl_binding_t *f = calloc((size_t)naces[i] + 1, sizeof(*f));
        for (int j = 0; j < naces[i]; j++) f[j] = acls_binding(&res[i], &aces[i][j]);
        if (!naces[i]) f[0] = acls_binding(&res[i], NULL);
        acls_delete(f, naces[i] ? naces[i] : 1);
        free(f);
    }
}

/* The entries of each resource: --producer / --consumer sets, else the options. */
static int acls_role_ops(int8_t type, int8_t *ops)
{
    bool prod = cli_has(opts, "producer"), cons = cli_has(opts, "consumer");
    int n = 0;
    if (type == ACL_RES_TOPIC && prod) {
        ops[n++] = ACL_OP_WRITE;
        ops[n++] = ACL_OP_DESCRIBE;
        ops[n++] = ACL_OP_CREATE;
    }
    if (type == ACL_RES_TOPIC && cons) {
        ops[n++] = ACL_OP_READ;
        if (!prod) ops[n++] = ACL_OP_DESCRIBE;
    }
    if (type == ACL_RES_GROUP && cons) ops[n++] = ACL_OP_READ;
    if (type == ACL_RES_TXNID && prod) {
        ops[n++] = ACL_OP_WRITE;
        ops[n++] = ACL_OP_DESCRIBE;
    }
    if (type == ACL_RES_CLUSTER && prod && cli_has(opts, "idempotent"))
        ops[n++] = ACL_OP_IDEMPOTENT_WRITE;
    return n;
}

int main(int argc, char **argv)
{
    cli_parse_or_usage(TOOL, "This tool helps to manage acls on kafka.", opts, argc, argv);
    acls_bs = cli_val(opts, "bootstrap-server");
    const char *ap = cli_val(opts, "authorizer-properties");
    if (!acls_bs && !ap)
        cli_die(TOOL, "One of --bootstrap-server or --authorizer-properties must be specified");
    if (acls_bs && ap)
        cli_die(TOOL, "Only one of --bootstrap-server or --authorizer-properties must be "
                      "specified");
    if (ap) {
        if (strncmp(ap, "zookeeper.connect=", 18) != 0)
            cli_die(TOOL, "--authorizer-properties: zookeeper.connect=HOST:PORT expected");
        acls_zh = cli_zk_connect(TOOL, ap + 18, 15000);
        if (!acls_zh) cli_die(TOOL, "cannot reach ZooKeeper at %s within 15000 ms", ap + 18);
    }
    int actions = cli_has(opts, "add") + cli_has(opts, "remove") + cli_has(opts, "list");
    if (actions != 1)
        cli_die(TOOL, "Command must include exactly one action: --list, --add, --remove. ");
    bool list = cli_has(opts, "list"),
         roles = cli_has(opts, "producer") || cli_has(opts, "consumer");
    if (roles && !list && cli_has(opts, "consumer") && !cli_opt(opts, "group")->nvals)
        cli_die(TOOL, "With --consumer you must specify a --group");
    cli_command_security(TOOL, cli_val(opts, "command-config"));
    acls_res_t res[64];
    int nres = acls_resources(res, 60, acls_pattern_opt(!cli_has(opts, "add")));
    if (roles && cli_opt(opts, "transactional-id")->nvals == 0 && cli_has(opts, "idempotent"))
        res[nres++] = (acls_res_t){ACL_RES_CLUSTER, ACL_PAT_LITERAL, ACL_CLUSTER_NAME};
    if (list) {
        acls_list(res, nres);
        return 0;
    }
    if (nres == 0)
        cli_die(TOOL, "You must provide at least one resource: --topic <topic> or --cluster or "
                      "--group <group> or --transactional-id <id>");
    acls_ace_t *aces[64];
    int naces[64];
    for (int i = 0; i < nres; i++) {
        int8_t ops[16];
        int nops = roles ? acls_role_ops(res[i].type, ops) : acls_ops(ops, 16);
        aces[i] = calloc(1024, sizeof(acls_ace_t));
        naces[i] = nops ? acls_entries(ops, nops, aces[i], 1024) : 0;
    }
    if (cli_has(opts, "add")) {
        for (int i = 0; i < nres; i++)
            if (!naces[i])
                cli_die(TOOL, "You must specify one of: --allow-principal, --deny-principal when "
                              "trying to add ACLs.");
        acls_add(res, nres, (const acls_ace_t *const *)aces, naces);
    } else {
        acls_remove(res, nres, (const acls_ace_t *const *)aces, naces);
    }
    acls_list(res, nres);
    for (int i = 0; i < nres; i++) free(aces[i]);
    return 0;
}
