/* configs_quota.c: kafka-configs for client quota entities (see configs_quota.h). */
#include "configs_quota.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/kp_alterclientquotas.h"
#include "proto/kp_describeclientquotas.h"
#include "qcfg.h"
#include "configs_scram.h"
#include "scram.h"

#define CQ_TIMEOUT_MS 30000

/* The entity as given: up to two parts (users, clients), each a name, the default or (describe
 * only) any. */
typedef struct cq_part {
    bool is_user;
    const char *name; /* NULL: default or any */
    bool any;
} cq_part_t;

typedef struct cq_entity {
    cq_part_t parts[2];
    int n;
} cq_entity_t;

static const char *cq_args;

static void cq_error(kerr_t err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void cq_error(kerr_t err, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "Error while executing config command with args '%s': %s: ", cq_args,
            cli_java_exception((rd_kafka_resp_err_t)err));
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

bool cq_is_quota_entity(cli_opt_t *opts)
{
    cli_opt_t *t = cli_opt(opts, "entity-type");
    for (int i = 0; i < t->nvals; i++)
        if (strcmp(t->vals[i], "users") == 0 || strcmp(t->vals[i], "clients") == 0) return true;
    return false;
}

/* --entity-type/--entity-name/--entity-default pairs, in the order given (a default given
 * before a name on the command line belongs to the first type). */
static void cq_parse_entity(cli_opt_t *opts, cq_entity_t *e)
{
    cli_opt_t *t = cli_opt(opts, "entity-type"), *nm = cli_opt(opts, "entity-name");
    bool dflt = cli_has(opts, "entity-default");
    memset(e, 0, sizeof(*e));
    if (t->nvals > 2 || nm->nvals + (dflt ? 1 : 0) > t->nvals)
        cli_fail("Only 'users' and 'clients' entity types may be specified together, each with "
                 "at most one --entity-name or --entity-default");
    bool default_first = dflt && nm->nvals > 0 && cq_args &&
                         strstr(cq_args, "--entity-default") < strstr(cq_args, "--entity-name");
    int next_name = 0;
    for (int i = 0; i < t->nvals; i++) {
        cq_part_t *p = &e->parts[e->n++];
        if (strcmp(t->vals[i], "users") != 0 && strcmp(t->vals[i], "clients") != 0)
            cli_fail("Only 'users' and 'clients' entity types may be specified together");
        p->is_user = strcmp(t->vals[i], "users") == 0;
        bool use_default =
            dflt && ((default_first && i == 0) ||
                     (!default_first && next_name >= nm->nvals && i == t->nvals - 1));
        if (use_default)
            p->name = NULL;
        else if (next_name < nm->nvals)
            p->name = nm->vals[next_name++];
        else
            p->any = true;
    }
    if (e->n == 2 && e->parts[0].is_user == e->parts[1].is_user)
        cli_fail("Only 'users' and 'clients' entity types may be specified together");
    if (e->n == 2 && e->parts[1].is_user) { /* users part first, as Kafka's entity paths */
        cq_part_t tmp = e->parts[0];
        e->parts[0] = e->parts[1];
        e->parts[1] = tmp;
    }
    if (cli_has(opts, "alter"))
        for (int i = 0; i < e->n; i++)
            if (e->parts[i].any)
                cli_fail("an entity-name or default entity must be specified with --alter of "
                         "users, clients, brokers or ips");
}

static int cq_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- --bootstrap-server ---- */

/* DescribeClientQuotas of e (strict, as Kafka's tool asks) into resp; exits on errors. The
 * caller frees *body and a. */
static void cq_describe_req(const char *bs, const cq_entity_t *e, arena_t *a, uint8_t **body,
                            kp_describeclientquotas_resp_t *resp)
{
    kp_dcq_component_t comps[2];
    for (int i = 0; i < e->n; i++) {
        const cq_part_t *p = &e->parts[i];
        comps[i] = (kp_dcq_component_t){KSTR(p->is_user ? "user" : "client-id"),
                                        p->any    ? KP_QUOTA_MATCH_ANY
                                        : p->name ? KP_QUOTA_MATCH_EXACT
                                                  : KP_QUOTA_MATCH_DEFAULT,
                                        p->name ? KSTR(p->name) : KSTR_NULL};
    }
    kp_describeclientquotas_req_t req = {e->n, comps, true};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_describeclientquotas_req_encode(&wb, 1, &req);
    size_t len;
    if (!cli_request(bs, KAPI_DESCRIBE_CLIENT_QUOTAS, 1, &wb, CQ_TIMEOUT_MS, body, &len))
        cq_error(KERR_REQUEST_TIMED_OUT, "no DescribeClientQuotas answer from %s", bs);
    wbuf_free(&wb);
    arena_init(a);
    rbuf_t rb;
    rbuf_init(&rb, *body, len);
    if (kp_describeclientquotas_resp_decode(&rb, 1, a, resp) != KERR_NONE)
        cq_error(KERR_UNKNOWN_SERVER_ERROR, "malformed DescribeClientQuotas answer");
    if (resp->error_code)
        cq_error(resp->error_code, "%s", resp->error_message ? resp->error_message : "");
}

static void cq_describe_bs(const char *bs, const cq_entity_t *e)
{
    arena_t a;
    uint8_t *body;
    kp_describeclientquotas_resp_t resp;
    cq_describe_req(bs, e, &a, &body, &resp);
    char **lines = calloc((size_t)(resp.nentries > 0 ? resp.nentries : 0) + 1, sizeof(char *));
    int nlines = 0;
    for (int32_t i = 0; i < resp.nentries; i++) {
        const kp_dcq_entry_t *en = &resp.entries[i];
        char line[4096];
        size_t o = (size_t)snprintf(line, sizeof(line), "Quota configs for ");
        for (int pass = 0; pass < 2; pass++) /* user-principal first, then client-id */
            for (int32_t j = 0; j < en->nentity; j++) {
                const kp_quota_entity_t *pe = &en->entity[j];
                bool user = kstr_eq(pe->entity_type, "user");
                if (user != (pass == 0)) continue;
                const char *tn = user ? "user-principal" : "client-id";
                o += (size_t)snprintf(line + o, sizeof(line) - o, "%s", pass && o > 18 ? ", " : "");
                if (pe->entity_name.len < 0)
                    o += (size_t)snprintf(line + o, sizeof(line) - o, "the default %s", tn);
                else
                    o += (size_t)snprintf(line + o, sizeof(line) - o, "%s '%.*s'", tn,
                                          pe->entity_name.len, pe->entity_name.p);
            }
        o += (size_t)snprintf(line + o, sizeof(line) - o, " are ");
        for (int32_t j = 0; j < en->nvalues; j++) {
            char num[64];
            qcfg_java_double(en->values[j].value, num, sizeof(num));
            o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%.*s=%s", j ? ", " : "",
                                  en->values[j].key.len, en->values[j].key.p, num);
        }
        lines[nlines++] = strdup(line);
    }
    qsort(lines, (size_t)nlines, sizeof(char *), cq_cmp_str);
    for (int i = 0; i < nlines; i++) {
        puts(lines[i]);
        free(lines[i]);
    }
    free(lines);
    arena_free(&a);
    free(body);
    if (e->n == 1 && e->parts[0].is_user && (e->parts[0].name || e->parts[0].any)) {
        char why[512];
        kerr_t err = cs_describe(bs, e->parts[0].name, why, sizeof(why));
        if (err) cq_error(err, "%s", why);
    }
}

/* Users: the SCRAM keys of add/del go through AlterUserScramCredentials (configs_scram.h); the
 * rest stay in add/del for AlterClientQuotas. */
static void cq_alter_scram(const char *bs, const cq_entity_t *e, zkpath_config_t *add, char **del,
                           int *ndel)
{
    const char *keys[2], *specs[2], *dels[2];
    int nk = 0, nd = 0;
    for (int i = 0; i < add->n; i++)
        if (scram_mech_parse(add->keys[i]) && nk < 2) {
            keys[nk] = add->keys[i];
            specs[nk++] = add->vals[i];
        }
    for (int i = 0; i < *ndel; i++)
        if (scram_mech_parse(del[i]) && nd < 2) dels[nd++] = del[i];
    if (!nk && !nd) return;
    if (e->n != 1 || !e->parts[0].is_user || !e->parts[0].name)
        cli_fail("SCRAM credentials may only be set for a user entity (--entity-type users "
                 "--entity-name NAME)");
    char why[512];
    kerr_t err = cs_alter(bs, e->parts[0].name, nk, keys, specs, nd, dels, why, sizeof(why));
    if (err) cq_error(err, "%s", why);
    for (int i = 0; i < nk; i++) zkpath_config_del(add, keys[i]);
    int o = 0;
    for (int i = 0; i < *ndel; i++)
        if (!scram_mech_parse(del[i])) del[o++] = del[i];
    *ndel = o;
}

/* Whether the entity has key set now (--delete-config of an unset key is an error). */
static bool cq_has_key(const char *bs, const cq_entity_t *e, const char *key)
{
    arena_t a;
    uint8_t *body;
    kp_describeclientquotas_resp_t resp;
    cq_describe_req(bs, e, &a, &body, &resp);
    bool found = false;
    for (int32_t i = 0; i < resp.nentries; i++)
        for (int32_t j = 0; j < resp.entries[i].nvalues; j++)
            found |= kstr_eq(resp.entries[i].values[j].key, key);
    arena_free(&a);
    free(body);
    return found;
}

static void cq_alter_bs(const char *bs, const cq_entity_t *e, const zkpath_config_t *add_in,
                        char **del, int ndel)
{
    zkpath_config_t addc = {0}, *add = &addc;
    for (int i = 0; i < add_in->n; i++) zkpath_config_put(add, add_in->keys[i], add_in->vals[i]);
    int ndel0 = ndel;
    cq_alter_scram(bs, e, add, del, &ndel);
    if (add->n == 0 && ndel == 0 && (add_in->n || ndel0)) {
        printf("Completed updating config for user %s.\n", e->parts[0].name);
        zkpath_config_clear(add);
        return;
    }
    char bad[1024] = "";
    size_t bo = 0;
    for (int i = 0; i < ndel; i++)
        if (!cq_has_key(bs, e, del[i]))
            bo += (size_t)snprintf(bad + bo, sizeof(bad) - bo, "%s%s", bo ? "," : "", del[i]);
    if (bo) cq_error(KERR_INVALID_CONFIG, "Invalid config(s): %s", bad);
    kp_quota_entity_t parts[2];
    for (int i = 0; i < e->n; i++)
        parts[i] = (kp_quota_entity_t){KSTR(e->parts[i].is_user ? "user" : "client-id"),
                                       e->parts[i].name ? KSTR(e->parts[i].name) : KSTR_NULL};
    kp_acq_op_t *ops = calloc((size_t)(add->n + ndel) + 1, sizeof(*ops));
    int nops = 0;
    for (int i = 0; i < add->n; i++) {
        char *end;
        double v = strtod(add->vals[i], &end);
        if (!*add->vals[i] || *end)
            cli_fail("Cannot parse quota configuration value for %s: %s", add->keys[i],
                     add->vals[i]);
        ops[nops++] = (kp_acq_op_t){KSTR(add->keys[i]), v, false};
    }
    for (int i = 0; i < ndel; i++) ops[nops++] = (kp_acq_op_t){KSTR(del[i]), 0, true};
    kp_acq_entry_t entry = {e->n, parts, nops, ops};
    kp_alterclientquotas_req_t req = {1, &entry, false};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_alterclientquotas_req_encode(&wb, 1, &req);
    free(ops);
    uint8_t *body;
    size_t len;
    if (!cli_request(bs, KAPI_ALTER_CLIENT_QUOTAS, 1, &wb, 60000, &body, &len))
        cq_error(KERR_REQUEST_TIMED_OUT, "no AlterClientQuotas answer from %s", bs);
    wbuf_free(&wb);
    arena_t a;
    arena_init(&a);
    kp_alterclientquotas_resp_t resp;
    rbuf_t rb;
    rbuf_init(&rb, body, len);
    if (kp_alterclientquotas_resp_decode(&rb, 1, &a, &resp) != KERR_NONE || resp.nentries != 1)
        cq_error(KERR_UNKNOWN_SERVER_ERROR, "malformed AlterClientQuotas answer");
    if (resp.entries[0].error_code)
        cq_error(resp.entries[0].error_code, "%s",
                 resp.entries[0].error_message ? resp.entries[0].error_message : "");
    arena_free(&a);
    free(body);
    const cq_part_t *head = &e->parts[0];
    if (head->name)
        printf("Completed updating config for %s %s.\n", head->is_user ? "user" : "client",
               head->name);
    else
        printf("Completed updating default config for %s in the cluster.\n",
               head->is_user ? "users" : "clients");
    zkpath_config_clear(add);
}

/* ---- --zookeeper ---- */

/* "client-id 'X'", "default client-id", "user-principal 'u', client-id 'c'" */
static void cq_zk_entity_str(const cq_entity_t *e, char *out, size_t n)
{
    size_t o = 0;
    for (int i = 0; i < e->n; i++) {
        const char *tn = e->parts[i].is_user ? "user-principal" : "client-id";
        o += (size_t)snprintf(out + o, o < n ? n - o : 0, "%s", i ? ", " : "");
        if (e->parts[i].name)
            o += (size_t)snprintf(out + o, o < n ? n - o : 0, "%s '%s'", tn, e->parts[i].name);
        else
            o += (size_t)snprintf(out + o, o < n ? n - o : 0, "default %s", tn);
    }
}

static void cq_zk_entity_path(const cq_entity_t *e, char *out, size_t n)
{
    zkpath_qentity_t q = {0};
    for (int i = 0; i < e->n; i++) {
        if (e->parts[i].is_user) {
            q.has_user = true;
            q.user = e->parts[i].name;
        } else {
            q.has_client = true;
            q.client = e->parts[i].name;
        }
    }
    if (zkpath_qentity_path(out, n, &q) != KERR_NONE) cli_fail("entity name too long");
}

static void cq_zk_describe_one(zhandle_t *zh, const cq_entity_t *e)
{
    char epath[1600], path[1700], what[1600];
    cq_zk_entity_path(e, epath, sizeof(epath));
    snprintf(path, sizeof(path), "/config/%s", epath);
    cq_zk_entity_str(e, what, sizeof(what));
    zkpath_config_t cs;
    cli_zk_config_read(zh, path, &cs);
    printf("Configs for %s are ", what);
    for (int i = 0; i < cs.n; i++) printf("%s%s=%s", i ? "," : "", cs.keys[i], cs.vals[i]);
    putchar('\n');
    zkpath_config_clear(&cs);
}

static void cq_zk_describe(zhandle_t *zh, const cq_entity_t *e)
{
    if (e->n != 1 || !e->parts[0].any) {
        cq_zk_describe_one(zh, e);
        return;
    }
    /* every entity of the type */
    struct String_vector sv;
    const char *dir = e->parts[0].is_user ? ZKPATH_CONFIG_USERS : ZKPATH_CONFIG_CLIENTS;
    if (zoo_get_children(zh, dir, 0, &sv) != ZOK) return;
    qsort(sv.data, (size_t)sv.count, sizeof(char *), cq_cmp_str);
    for (int i = 0; i < sv.count; i++) {
        char name[768];
        cq_entity_t one = *e;
        one.parts[0].any = false;
        one.parts[0].name = NULL;
        if (strcmp(sv.data[i], ZKPATH_DEFAULT_ENTITY) != 0) {
            if (zkpath_desanitize(sv.data[i], name, sizeof(name)) != KERR_NONE) continue;
            one.parts[0].name = name;
        }
        cq_zk_describe_one(zh, &one);
    }
    deallocate_String_vector(&sv);
}

/* A SCRAM credential from "[iterations=N,]password=P" (Kafka's ConfigCommand syntax) in
 * ZooKeeper's form; exits with Kafka's message on a bad value. */
static void cq_scram_cred(scram_mech_t m, const char *spec, char *out, size_t n)
{
    char pw[512], why[256];
    int iterations;
    if (!cs_parse_spec(m, spec, pw, sizeof(pw), &iterations, why, sizeof(why))) cli_fail("%s", why);
    scram_cred_t c;
    if (scram_cred_make(m, pw, iterations, &c) != 0 || scram_cred_format(&c, out, n))
        cli_fail("cannot make a %s credential", scram_mech_name(m));
}

static void cq_zk_alter(zhandle_t *zh, const cq_entity_t *e, const zkpath_config_t *add, char **del,
                        int ndel)
{
    char epath[1600], path[1700], what[1600], why[256];
    cq_zk_entity_path(e, epath, sizeof(epath));
    snprintf(path, sizeof(path), "/config/%s", epath);
    cq_zk_entity_str(e, what, sizeof(what));
    for (int i = 0; i < add->n; i++) {
        double v;
        if (scram_mech_parse(add->keys[i])) continue;
        kerr_t err = qcfg_parse(add->keys[i], add->vals[i], &v, why, sizeof(why));
        if (err) cq_error(err, "%s", why);
    }
    zkpath_config_t cur;
    cli_zk_config_read(zh, path, &cur);
    zkpath_config_t scram = {0};
    for (int i = 0; i < add->n; i++) {
        int m = scram_mech_parse(add->keys[i]);
        if (!m) continue;
        if (e->n != 1 || !e->parts[0].is_user || !e->parts[0].name)
            cli_fail("SCRAM credentials may only be set for a user entity (--entity-type users "
                     "--entity-name NAME)");
        char cred[1024];
        cq_scram_cred((scram_mech_t)m, add->vals[i], cred, sizeof(cred));
        zkpath_config_put(&scram, add->keys[i], cred);
    }
    char bad[1024] = "";
    size_t bo = 0;
    for (int i = 0; i < ndel; i++)
        if (zkpath_config_find(&cur, del[i]) < 0)
            bo += (size_t)snprintf(bad + bo, sizeof(bad) - bo, "%s%s", bo ? "," : "", del[i]);
    if (bo) cli_fail("Invalid config(s): %s", bad);
    for (int i = 0; i < add->n; i++)
        if (!scram_mech_parse(add->keys[i])) zkpath_config_put(&cur, add->keys[i], add->vals[i]);
    for (int i = 0; i < scram.n; i++) zkpath_config_put(&cur, scram.keys[i], scram.vals[i]);
    zkpath_config_clear(&scram);
    for (int i = 0; i < ndel; i++) zkpath_config_del(&cur, del[i]);
    /* the notice's entity path is "<type>/<rest>" of the entity path */
    char type[16];
    const char *slash = strchr(epath, '/');
    snprintf(type, sizeof(type), "%.*s", (int)(slash - epath), epath);
    int rc = cli_zk_config_write(zh, path, type, slash + 1, &cur);
    zkpath_config_clear(&cur);
    if (rc != ZOK) cq_error(KERR_UNKNOWN_SERVER_ERROR, "writing %s failed: %s", path, zerror(rc));
    printf("Completed updating config for entity: %s.\n", what);
}

int cq_main(cli_opt_t *opts, const char *bootstrap, const char *zk, const zkpath_config_t *add,
            char **del, int ndel, const char *args_line)
{
    cq_args = args_line;
    cq_entity_t e;
    cq_parse_entity(opts, &e);
    if (bootstrap) {
        if (cli_has(opts, "describe"))
            cq_describe_bs(bootstrap, &e);
        else
            cq_alter_bs(bootstrap, &e, add, del, ndel);
        return 0;
    }
    zhandle_t *zh = cli_zk_connect("kafka-configs", zk, 10000);
    if (!zh)
        cq_error(KERR_REQUEST_TIMED_OUT,
                 "Timed out waiting for connection while in state: CONNECTING (ZooKeeper at %s)",
                 zk);
    if (cli_has(opts, "describe"))
        cq_zk_describe(zh, &e);
    else
        cq_zk_alter(zh, &e, add, del, ndel);
    zookeeper_close(zh);
    return 0;
}
