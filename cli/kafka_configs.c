/* kafka_configs.c: kafka-configs, as Kafka's ConfigCommand, for topics and brokers:
 *   --describe [--all]   "Dynamic configs for topic t are:" then "  k=v sensitive=false
 *                        synonyms={DYNAMIC_TOPIC_CONFIG:k=v, DEFAULT_CONFIG:log.k=v}"
 *   --alter --add-config k=v,k2=[a,b] --add-config-file F --delete-config k,k2
 *                        "Completed updating config for topic t."
 * with --entity-type topics|brokers and --entity-name X | --entity-default, or the shorthands
 * --topic X, --broker N, --broker-defaults.
 *
 * --bootstrap-server goes through the Admin API (DescribeConfigs, AlterConfigs: librdkafka has
 * no IncrementalAlterConfigs, so the tool sends the merged set of dynamic configs as Kafka's
 * tool did before 2.3). --zookeeper (topics) edits /config/topics/<t> and writes the
 * /config/changes notice every broker follows, as Kafka's AdminZkClient does; its describe
 * prints "Configs for topic 't' are k=v,...". Client quota entities (users, clients) are
 * configs_quota.c's. Other entity types (ips, broker-loggers) are not served by this broker
 * and are refused with a reason. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clireq.h"
#include "configs_quota.h"
#include "md.h"
#include "tcfg.h"
#include "zkpath.h"

#define TOOL       "kafka-configs"
#define TIMEOUT_MS 30000

static cli_opt_t opts[] = {
    CLI_OPT("bootstrap-server", true,
            "The Kafka server to connect to. This is required for describing and altering broker "
            "configs."),
    CLI_OPT("zookeeper", true,
            "DEPRECATED. The connection string for the zookeeper connection in the form "
            "host:port. REQUIRED unless --bootstrap-server is given."),
    CLI_OPT("command-config", true,
            "Property file containing configs to be passed to Admin Client."),
    CLI_OPT("alter", false, "Alter the configuration for the entity."),
    CLI_OPT("describe", false, "List configs for the given entity."),
    CLI_OPT("all", false,
            "List all configs for the given topic or broker entity (includes static "
            "configuration when the entity type is brokers)"),
    CLI_OPT("entity-type", true, "Type of entity (topics/clients/users/brokers)"),
    CLI_OPT("entity-name", true,
            "Name of entity (topic name/client id/user principal name/broker id)"),
    CLI_OPT("entity-default", false,
            "Default entity name for clients/users/brokers (applies to corresponding entity type "
            "in command line)"),
    CLI_OPT("add-config", true,
            "Key Value pairs of configs to add. Square brackets can be used to group values which "
            "contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'."),
    CLI_OPT("add-config-file", true, "Path to a properties file with configs to add."),
    CLI_OPT("delete-config", true, "config keys to remove 'k1,k2'"),
    CLI_OPT("force", false, "Suppress console prompts"),
    CLI_OPT("topic", true, "The topic's name."),
    CLI_OPT("broker", true, "The broker's ID."),
    CLI_OPT("broker-defaults", false, "The config defaults for all brokers."),
    CLI_END,
};

static char args_line[4096];

/* Anything else: Kafka's "Error while executing config command with args '...'" (its stack
 * trace reduced to the exception line). */
static void command_error(rd_kafka_resp_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void command_error(rd_kafka_resp_err_t err, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "Error while executing config command with args '%s': %s: ", args_line,
            cli_java_exception(err));
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* The entity: type "topics" or "brokers", name NULL for the broker default. */
typedef struct entity {
    const char *type;
    const char *name;
    bool is_default;
} entity_t;

static bool is_broker_id(const char *s)
{
    if (!*s) return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return false;
    return true;
}

static void parse_entity(entity_t *e, bool zk)
{
    int ntypes = cli_opt(opts, "entity-type")->nvals;
    bool flags =
        cli_has(opts, "topic") || cli_has(opts, "broker") || cli_has(opts, "broker-defaults");
    if ((ntypes || cli_has(opts, "entity-name") || cli_has(opts, "entity-default")) && flags)
        cli_fail("--entity-{type,name,default} should not be used in conjunction with specific "
                 "entity flags");
    memset(e, 0, sizeof(*e));
    if (cli_has(opts, "topic")) {
        e->type = "topics";
        e->name = cli_val(opts, "topic");
    } else if (cli_has(opts, "broker")) {
        e->type = "brokers";
        e->name = cli_val(opts, "broker");
    } else if (cli_has(opts, "broker-defaults")) {
        e->type = "brokers";
        e->is_default = true;
    } else {
        if (ntypes == 0) cli_fail("At least one entity type must be specified");
        if (ntypes > 1)
            cli_fail("Only 'users' and 'clients' entity types may be specified together");
        e->type = cli_val(opts, "entity-type");
        e->name = cli_val(opts, "entity-name");
        e->is_default = cli_has(opts, "entity-default");
    }
    bool topics = strcmp(e->type, "topics") == 0, brokers = strcmp(e->type, "brokers") == 0;
    if (!topics && !brokers) {
        bool kafka_type = strcmp(e->type, "clients") == 0 || strcmp(e->type, "users") == 0 ||
                          strcmp(e->type, "ips") == 0 || strcmp(e->type, "broker-loggers") == 0;
        cli_fail("Invalid entity type %s, the entity type must be one of topics,brokers with "
                 "the %s argument%s",
                 e->type, zk ? "--zookeeper" : "--bootstrap-server",
                 kafka_type ? " (this broker serves no client, user, ip or broker-logger "
                              "configs)"
                            : "");
    }
    if (topics && e->is_default) cli_fail("--entity-default is not supported for topics");
    if (brokers && e->name && !is_broker_id(e->name))
        cli_fail("The entity name for brokers must be a valid integer broker id, but it is: %s",
                 e->name);
    if (topics && e->name) {
        char why[256];
        if (md_topic_name_valid(e->name, why, sizeof(why)) != KERR_NONE) cli_fail("%s", why);
    }
    if (cli_has(opts, "alter") && !e->name && !e->is_default) {
        if (brokers)
            cli_fail("an entity-name or default entity must be specified with --alter of "
                     "users, clients, brokers or ips");
        cli_fail("an entity name must be specified with --alter of %s", e->type);
    }
}

/* --add-config: "k1=v1,k2=[a,b],k3=v3" (commas inside [] belong to the value; the brackets
 * go) and --add-config-file properties. */
static void parse_added(zkpath_config_t *add)
{
    memset(add, 0, sizeof(*add));
    const char *file = cli_val(opts, "add-config-file");
    if (file) {
        FILE *f = fopen(file, "r");
        if (!f) cli_fail("%s (No such file or directory)", file);
        char line[4096];
        while (fgets(line, sizeof(line), f)) {
            line[strcspn(line, "\r\n")] = '\0';
            char *s = line;
            while (*s == ' ' || *s == '\t') s++;
            if (!*s || *s == '#' || *s == '!') continue;
            char *eq = strchr(s, '=');
            if (!eq) continue;
            *eq = '\0';
            char *k = s, *v = eq + 1;
            for (char *t = k + strlen(k); t > k && (t[-1] == ' ' || t[-1] == '\t');) *--t = '\0';
            while (*v == ' ' || *v == '\t') v++;
            zkpath_config_put(add, k, v);
        }
        fclose(f);
    }
    const char *spec = cli_val(opts, "add-config");
    if (!spec) return;
    const char *p = spec;
    while (*p) {
        const char *start = p;
        int depth = 0;
        while (*p && !(*p == ',' && depth == 0)) {
            depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
            p++;
        }
        char item[4096];
        snprintf(item, sizeof(item), "%.*s", (int)(p - start), start);
        if (*p == ',') p++;
        char *eq = strchr(item, '=');
        if (!eq)
            cli_fail("Invalid entity config: all configs to be added must be in the format "
                     "\"key=val\".");
        *eq = '\0';
        char *k = item, *v = eq + 1, val[4096];
        while (*k == ' ') k++;
        for (char *t = k + strlen(k); t > k && t[-1] == ' ';) *--t = '\0';
        size_t o = 0;
        for (const char *c = v; *c && o + 1 < sizeof(val); c++)
            if (*c != '[' && *c != ']') val[o++] = *c;
        val[o] = '\0';
        char *vv = val;
        while (*vv == ' ') vv++;
        for (char *t = vv + strlen(vv); t > vv && t[-1] == ' ';) *--t = '\0';
        if (!*k)
            cli_fail("Invalid entity config: all configs to be added must be in the format "
                     "\"key=val\".");
        zkpath_config_put(add, k, vv);
    }
}

/* --delete-config k1,k2 (repeatable) */
static int parse_deleted(char ***out)
{
    cli_opt_t *o = cli_opt(opts, "delete-config");
    char **keys = NULL;
    int n = 0;
    for (int i = 0; i < o->nvals; i++) {
        char *copy = strdup(o->vals[i]);
        for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save)) {
            while (*tok == ' ') tok++;
            for (char *t = tok + strlen(tok); t > tok && t[-1] == ' ';) *--t = '\0';
            if (!*tok) continue;
            keys = realloc(keys, (size_t)(n + 1) * sizeof(char *));
            if (!keys) abort();
            keys[n++] = strdup(tok);
        }
        free(copy);
    }
    *out = keys;
    return n;
}

static void check_deletes(const zkpath_config_t *cur, char **del, int ndel)
{
    char bad[2048] = "";
    size_t o = 0;
    for (int i = 0; i < ndel; i++)
        if (zkpath_config_find(cur, del[i]) < 0)
            o += (size_t)snprintf(bad + o, o < sizeof(bad) ? sizeof(bad) - o : 0, "%s%s",
                                  o ? "," : "", del[i]);
    if (o) cli_fail("Invalid config(s): %s", bad);
}

/* ------------------------------------------------------------------ ZooKeeper mode */

static void zk_entity_path(const entity_t *e, const char *name, char *path, size_t n)
{
    if (strcmp(e->type, "topics") == 0)
        zkpath_topic_config(path, n, name);
    else
        zkpath_broker_config(path, n, name ? atoi(name) : -1);
}

static void zk_describe_one(zhandle_t *zh, const entity_t *e, const char *name)
{
    char path[512];
    zk_entity_path(e, name, path, sizeof(path));
    zkpath_config_t cs;
    cli_zk_config_read(zh, path, &cs);
    if (strcmp(e->type, "topics") == 0)
        printf("Configs for topic '%s' are ", name);
    else if (name)
        printf("Configs for brokers '%s' are ", name);
    else
        printf("Configs for default brokers are ");
    for (int i = 0; i < cs.n; i++) printf("%s%s=%s", i ? "," : "", cs.keys[i], cs.vals[i]);
    putchar('\n');
    zkpath_config_clear(&cs);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int zk_main(const char *conn, const entity_t *e)
{
    printf("Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.\n"
           "Use --bootstrap-server instead to specify a broker to connect to.\n");
    fflush(stdout);
    zhandle_t *zh = cli_zk_connect(TOOL, conn, 10000);
    if (!zh)
        command_error(RD_KAFKA_RESP_ERR__TIMED_OUT,
                      "Timed out waiting for connection while in state: CONNECTING (ZooKeeper at "
                      "%s)",
                      conn);
    if (cli_has(opts, "describe")) {
        if (e->name || e->is_default) {
            zk_describe_one(zh, e, e->name);
        } else {
            /* every entity of the type that has a config znode */
            const char *dir =
                strcmp(e->type, "topics") == 0 ? ZKPATH_CONFIG_TOPICS : ZKPATH_CONFIG_BROKERS;
            struct String_vector sv;
            if (zoo_get_children(zh, dir, 0, &sv) == ZOK) {
                qsort(sv.data, (size_t)sv.count, sizeof(char *), cmp_str);
                for (int i = 0; i < sv.count; i++)
                    zk_describe_one(zh, e,
                                    strcmp(sv.data[i], "<default>") == 0 ? NULL : sv.data[i]);
                deallocate_String_vector(&sv);
            }
        }
        zookeeper_close(zh);
        return 0;
    }
    zkpath_config_t add;
    parse_added(&add);
    char **del;
    int ndel = parse_deleted(&del);
    if (strcmp(e->type, "brokers") == 0 && add.n > 0)
        cli_fail("--bootstrap-server option must be specified to update broker configs (and "
                 "this broker applies no dynamic broker config: Cannot update these configs "
                 "dynamically: Set(%s%s)",
                 add.keys[0], add.n > 1 ? ", ..." : "");
    char path[512];
    if (strcmp(e->type, "topics") == 0) {
        zkpath_topic(path, sizeof(path), e->name);
        if (!cli_zk_exists(zh, path))
            command_error(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "Topic %s does not exist.",
                          e->name);
        char why[256];
        for (int i = 0; i < add.n; i++)
            if (tcfg_validate(add.keys[i], add.vals[i], why, sizeof(why)) != KERR_NONE)
                command_error(RD_KAFKA_RESP_ERR_INVALID_CONFIG, "%s", why);
    }
    zk_entity_path(e, e->name, path, sizeof(path));
    zkpath_config_t cur;
    cli_zk_config_read(zh, path, &cur);
    check_deletes(&cur, del, ndel);
    for (int i = 0; i < add.n; i++) zkpath_config_put(&cur, add.keys[i], add.vals[i]);
    for (int i = 0; i < ndel; i++) zkpath_config_del(&cur, del[i]);
    int rc = cli_zk_config_write(zh, path, e->type, e->name, &cur);
    if (rc != ZOK)
        command_error(RD_KAFKA_RESP_ERR__TRANSPORT, "writing %s failed: %s", path, zerror(rc));
    if (strcmp(e->type, "topics") == 0)
        printf("Completed updating config for entity: topic '%s'.\n", e->name);
    else if (e->name)
        printf("Completed updating config for entity: brokers '%s'.\n", e->name);
    else
        printf("Completed updating config for entity: default brokers.\n");
    zkpath_config_clear(&cur);
    zkpath_config_clear(&add);
    zookeeper_close(zh);
    return 0;
}

/* ------------------------------------------------------------------ Admin API mode */

/* DescribeConfigs (alter false) or AlterConfigs of the one resource res (destroyed here): the
 * result event (caller destroys); an event-level error ends the tool. */
static rd_kafka_event_t *configs_call(rd_kafka_t *rk, rd_kafka_queue_t *q,
                                      rd_kafka_ConfigResource_t *res, bool alter)
{
    rd_kafka_AdminOptions_t *ao = cli_admin_options(
        rk, alter ? RD_KAFKA_ADMIN_OP_ALTERCONFIGS : RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, TIMEOUT_MS);
    if (alter)
        rd_kafka_AlterConfigs(rk, &res, 1, ao, q);
    else
        rd_kafka_DescribeConfigs(rk, &res, 1, ao, q);
    rd_kafka_event_t *ev = cli_admin_wait(
        TOOL, q, alter ? RD_KAFKA_EVENT_ALTERCONFIGS_RESULT : RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT,
        TIMEOUT_MS + 5000);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_ConfigResource_destroy(res);
    if (rd_kafka_event_error(ev))
        command_error(rd_kafka_event_error(ev), "%s", rd_kafka_event_error_string(ev));
    return ev;
}

/* DescribeConfigs of one resource; the event (caller destroys) and its entries. */
static rd_kafka_event_t *describe_resource(rd_kafka_t *rk, rd_kafka_queue_t *q,
                                           rd_kafka_ResourceType_t type, const char *name,
                                           const rd_kafka_ConfigEntry_t ***entries, size_t *n)
{
    rd_kafka_event_t *ev = configs_call(rk, q, rd_kafka_ConfigResource_new(type, name), false);
    size_t nres;
    const rd_kafka_ConfigResource_t **rs =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &nres);
    if (nres != 1) command_error(RD_KAFKA_RESP_ERR__BAD_MSG, "no result for %s", name);
    rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(rs[0]);
    if (e) {
        const char *msg = rd_kafka_ConfigResource_error_string(rs[0]);
        if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            command_error(e, "Topic %s does not exist.", name);
        command_error(e, "%s", msg && *msg ? msg : rd_kafka_err2str(e));
    }
    *entries = rd_kafka_ConfigResource_configs(rs[0], n);
    return ev;
}

static rd_kafka_ConfigSource_t dynamic_source(const entity_t *e, const char *name)
{
    if (strcmp(e->type, "topics") == 0) return RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG;
    return name && *name ? RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG
                         : RD_KAFKA_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG;
}

static rd_kafka_ResourceType_t resource_type(const entity_t *e)
{
    return strcmp(e->type, "topics") == 0 ? RD_KAFKA_RESOURCE_TOPIC : RD_KAFKA_RESOURCE_BROKER;
}

static void admin_describe_one(rd_kafka_t *rk, rd_kafka_queue_t *q, const entity_t *e,
                               const char *name)
{
    bool all = cli_has(opts, "all");
    if (!*name)
        printf("Default configs for %s in the cluster are:\n", e->type);
    else
        printf("%s configs for %s %s are:\n", all ? "All" : "Dynamic",
               strcmp(e->type, "topics") == 0 ? "topic" : "broker", name);
    if (!*name) return; /* the cluster default: see default_entity_alter() */
    const rd_kafka_ConfigEntry_t **ce;
    size_t n;
    rd_kafka_event_t *ev = describe_resource(rk, q, resource_type(e), name, &ce, &n);
    rd_kafka_ConfigSource_t want = dynamic_source(e, name);
    for (size_t i = 0; i < n; i++) {
        if (!all && rd_kafka_ConfigEntry_source(ce[i]) != want) continue;
        const char *v = rd_kafka_ConfigEntry_value(ce[i]);
        printf("  %s=%s sensitive=%s synonyms={", rd_kafka_ConfigEntry_name(ce[i]), v ? v : "null",
               rd_kafka_ConfigEntry_is_sensitive(ce[i]) ? "true" : "false");
        size_t ns;
        const rd_kafka_ConfigEntry_t **syn = rd_kafka_ConfigEntry_synonyms(ce[i], &ns);
        for (size_t k = 0; k < ns; k++) {
            const char *sv = rd_kafka_ConfigEntry_value(syn[k]);
            printf("%s%s:%s=%s", k ? ", " : "",
                   rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(syn[k])),
                   rd_kafka_ConfigEntry_name(syn[k]), sv ? sv : "null");
        }
        printf("}\n");
    }
    rd_kafka_event_destroy(ev);
}

static int cmp_md_topic(const void *a, const void *b)
{
    return strcmp(((const rd_kafka_metadata_topic_t *)a)->topic,
                  ((const rd_kafka_metadata_topic_t *)b)->topic);
}

static int cmp_md_broker(const void *a, const void *b)
{
    int32_t x = ((const rd_kafka_metadata_broker_t *)a)->id,
            y = ((const rd_kafka_metadata_broker_t *)b)->id;
    return (x > y) - (x < y);
}

static void admin_describe(rd_kafka_t *rk, rd_kafka_queue_t *q, const entity_t *e)
{
    if (e->name || e->is_default) {
        admin_describe_one(rk, q, e, e->name ? e->name : "");
        return;
    }
    /* every topic (internal ones included), or every broker then the cluster default */
    const rd_kafka_metadata_t *md;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md, TIMEOUT_MS);
    if (err) command_error(err, "%s", rd_kafka_err2str(err));
    if (strcmp(e->type, "topics") == 0) {
        rd_kafka_metadata_topic_t *ts = calloc((size_t)md->topic_cnt + 1, sizeof(*ts));
        memcpy(ts, md->topics, sizeof(*ts) * (size_t)md->topic_cnt);
        qsort(ts, (size_t)md->topic_cnt, sizeof(*ts), cmp_md_topic);
        for (int i = 0; i < md->topic_cnt; i++)
            if (!ts[i].err) admin_describe_one(rk, q, e, ts[i].topic);
        free(ts);
    } else {
        rd_kafka_metadata_broker_t *bs = calloc((size_t)md->broker_cnt + 1, sizeof(*bs));
        memcpy(bs, md->brokers, sizeof(*bs) * (size_t)md->broker_cnt);
        qsort(bs, (size_t)md->broker_cnt, sizeof(*bs), cmp_md_broker);
        for (int i = 0; i < md->broker_cnt; i++) {
            char id[16];
            snprintf(id, sizeof(id), "%d", bs[i].id);
            admin_describe_one(rk, q, e, id);
        }
        admin_describe_one(rk, q, e, "");
        free(bs);
    }
    rd_kafka_metadata_destroy(md);
}

/* The cluster-wide broker default (resource name ""): librdkafka 2.0 cannot name it in a
 * request, and this broker never holds dynamic broker configs (it refuses to set them), so
 * the default's dynamic set is known to be empty: describe prints the heading alone, and an
 * alter can only fail as the broker would fail it. */
static void default_entity_alter(const zkpath_config_t *add, char **del, int ndel)
{
    zkpath_config_t none = {0};
    check_deletes(&none, del, ndel);
    char keys[1024] = "";
    size_t o = 0;
    for (int i = 0; i < add->n; i++)
        o += (size_t)snprintf(keys + o, o < sizeof(keys) ? sizeof(keys) - o : 0, "%s%s",
                              i ? ", " : "", add->keys[i]);
    command_error(RD_KAFKA_RESP_ERR_INVALID_REQUEST,
                  "Invalid config value for resource ConfigResource(type=BROKER, name=''): Cannot "
                  "update these configs dynamically: Set(%s)",
                  keys);
}

static void admin_alter(rd_kafka_t *rk, rd_kafka_queue_t *q, const entity_t *e)
{
    const char *name = e->name ? e->name : "";
    zkpath_config_t add;
    parse_added(&add);
    char **del;
    int ndel = parse_deleted(&del);
    if (!*name) default_entity_alter(&add, del, ndel);
    /* the current dynamic configs, merged with the change, go back as the whole new set */
    const rd_kafka_ConfigEntry_t **ce;
    size_t n;
    rd_kafka_event_t *ev = describe_resource(rk, q, resource_type(e), name, &ce, &n);
    zkpath_config_t cur = {0};
    rd_kafka_ConfigSource_t want = dynamic_source(e, name);
    for (size_t i = 0; i < n; i++)
        if (rd_kafka_ConfigEntry_source(ce[i]) == want)
            zkpath_config_put(&cur, rd_kafka_ConfigEntry_name(ce[i]),
                              rd_kafka_ConfigEntry_value(ce[i]));
    rd_kafka_event_destroy(ev);
    check_deletes(&cur, del, ndel);
    for (int i = 0; i < add.n; i++) zkpath_config_put(&cur, add.keys[i], add.vals[i]);
    for (int i = 0; i < ndel; i++) zkpath_config_del(&cur, del[i]);

    rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(resource_type(e), name);
    for (int i = 0; i < cur.n; i++)
        rd_kafka_ConfigResource_set_config(res, cur.keys[i], cur.vals[i]);
    ev = configs_call(rk, q, res, true);
    size_t nres;
    const rd_kafka_ConfigResource_t **rs =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &nres);
    for (size_t i = 0; i < nres; i++) {
        rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(rs[i]);
        if (!err) continue;
        const char *msg = rd_kafka_ConfigResource_error_string(rs[i]);
        command_error(err, "%s", msg && *msg ? msg : rd_kafka_err2str(err));
    }
    rd_kafka_event_destroy(ev);
    if (*name)
        printf("Completed updating config for %s %s.\n",
               strcmp(e->type, "topics") == 0 ? "topic" : "broker", name);
    else
        printf("Completed updating default config for %s in the cluster.\n", e->type);
    zkpath_config_clear(&cur);
    zkpath_config_clear(&add);
}

int main(int argc, char **argv)
{
    const char *summary = "This tool helps to manipulate and describe entity config for a topic, "
                          "client, user or broker";
    cli_parse_or_usage(TOOL, summary, opts, argc, argv);
    size_t o = 0;
    for (int i = 1; i < argc && o < sizeof(args_line); i++)
        o += (size_t)snprintf(args_line + o, sizeof(args_line) - o, "%s%s", i > 1 ? " " : "",
                              argv[i]);
    if (cli_has(opts, "alter") + cli_has(opts, "describe") != 1)
        cli_fail("Command must include exactly one action: --describe, --alter");
    if (cli_has(opts, "describe") &&
        (cli_has(opts, "add-config") || cli_has(opts, "delete-config") ||
         cli_has(opts, "add-config-file")))
        cli_fail("Option \"[describe]\" can't be used with option \"[add-config]\" or "
                 "\"[delete-config]\"");
    const char *bs = cli_val(opts, "bootstrap-server"), *zk = cli_val(opts, "zookeeper");
    if (!bs && !zk)
        cli_fail("One of the required --bootstrap-server or --zookeeper arguments must be "
                 "specified");
    if (bs && zk) cli_fail("Only one of --bootstrap-server or --zookeeper must be specified");
    if (cli_has(opts, "all") && zk) cli_fail("--bootstrap-server must be specified for --all");
    if (cli_has(opts, "alter")) {
        if (cli_has(opts, "add-config") && cli_has(opts, "add-config-file"))
            cli_fail("Only one of --add-config or --add-config-file must be specified");
        if (!cli_has(opts, "add-config") && !cli_has(opts, "add-config-file") &&
            !cli_has(opts, "delete-config"))
            cli_fail("At least one of --add-config, --add-config-file, or --delete-config must "
                     "be specified with --alter");
    }
    if (bs) cli_command_security(TOOL, cli_val(opts, "command-config"));
    if (cq_is_quota_entity(opts)) {
        zkpath_config_t add;
        char **del;
        parse_added(&add);
        int ndel = parse_deleted(&del);
        return cq_main(opts, bs, zk, &add, del, ndel, args_line);
    }
    entity_t e;
    parse_entity(&e, zk != NULL);
    if (zk) return zk_main(zk, &e);

    rd_kafka_t *rk = cli_admin_new(TOOL, bs, cli_val(opts, "command-config"));
    cli_wait_cluster(TOOL, rk);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    if (cli_has(opts, "describe"))
        admin_describe(rk, q, &e);
    else
        admin_alter(rk, q, &e);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return 0;
}
