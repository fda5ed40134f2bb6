/* ctl_admin.c: admin operations run on the ctl thread (see ctl.h): create topics (configs,
 * then the assignment znode the controller watches), delete topics (a marker under
 * /admin/delete_topics), add partitions, alter a topic's dynamic configs (/config/topics/<t>
 * and a /config/changes notice) and a client quota entity's (/config/clients/<c>,
 * /config/users/<u>[/clients/<c>] and a notice). Each spec gets an error code and message as
 * Kafka's AdminZkClient would give them. */
#include "ctl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "log.h"
#include "qcfg.h"
#include "scram.h"
#include "tcfg.h"
#include "zkpath.h"

static void ctl_spec_fail(ctl_topic_spec_t *s, kerr_t err, const char *fmt, const char *arg)
{
    s->err = err;
    snprintf(s->errmsg, sizeof(s->errmsg), fmt, arg);
}

static bool ctl_id_in(const assign_broker_t *b, int n, int32_t id)
{
    for (int i = 0; i < n; i++)
        if (b[i].id == id) return true;
    return false;
}

/* Kafka's messages when some live brokers have a rack and others not: CreateTopics
 * (AdminUtils.assignReplicasToBrokers) and CreatePartitions (AdminZkClient.getBrokerMetadatas,
 * which checks first, whatever the request). Both are UNKNOWN_SERVER_ERROR in Kafka. */
#define CTL_MIXED_RACKS_CREATE                                                                     \
    "Not all brokers have rack information for replica rack aware assignment."
#define CTL_MIXED_RACKS_ENFORCED                                                                   \
    "Not all brokers have rack information. Add --disable-rack-aware in command line to make "     \
    "replica assignment without rack information."

static void ctl_create_topic(ctl_t *c, ctl_topic_spec_t *s, bool validate_only)
{
    char why[256];
    if ((s->err = md_topic_name_valid(s->name, why, sizeof(why))) != KERR_NONE) {
        snprintf(s->errmsg, sizeof(s->errmsg), "%s", why);
        return;
    }
    if (s->nassign > 0 && (s->num_partitions != -1 || s->replication_factor != -1)) {
        ctl_spec_fail(s, KERR_INVALID_REQUEST,
                      "Both numPartitions or replicationFactor and replicasAssignments were set. "
                      "Both cannot be used at the same time.%s",
                      "");
        return;
    }
    for (int i = 0; i < s->ncfg; i++) {
        if (tcfg_validate(s->cfg_keys[i], s->cfg_vals[i], why, sizeof(why)) != KERR_NONE) {
            ctl_spec_fail(s, KERR_INVALID_CONFIG, "%s", why);
            return;
        }
    }
    assign_broker_t live[ASSIGN_MAX_BROKERS];
    int nlive = ctl_live_brokers(c, live, ASSIGN_MAX_BROKERS);
    if (nlive <= 0) {
        ctl_spec_fail(s, KERR_UNKNOWN_SERVER_ERROR, "cannot list brokers in ZooKeeper%s", "");
        return;
    }
    int32_t nparts = s->nassign > 0            ? s->nassign
                     : s->num_partitions == -1 ? c->conf.default_partitions
                                               : s->num_partitions;
    int16_t rf = s->nassign > 0                ? (int16_t)s->assign_rf
                 : s->replication_factor == -1 ? c->conf.default_replication_factor
                                               : s->replication_factor;
    if (nparts <= 0) {
        ctl_spec_fail(s, KERR_INVALID_PARTITIONS, "Number of partitions must be larger than 0.%s",
                      "");
        return;
    }
    if (rf <= 0 || rf > CTL_MAX_RF) {
        ctl_spec_fail(s, KERR_INVALID_REPLICATION_FACTOR,
                      "Replication factor must be larger than 0.%s", "");
        return;
    }
    if (s->nassign == 0 && rf > nlive) {
        s->err = KERR_INVALID_REPLICATION_FACTOR;
        snprintf(s->errmsg, sizeof(s->errmsg),
                 "Replication factor: %d larger than available brokers: %d.", rf, nlive);
        return;
    }
    int32_t *assign = malloc((size_t)nparts * (size_t)rf * sizeof(int32_t));
    if (!assign) abort();
    if (s->nassign > 0) {
        memcpy(assign, s->assign, (size_t)nparts * (size_t)rf * sizeof(int32_t));
        for (int32_t i = 0; i < nparts * rf; i++) {
            if (!ctl_id_in(live, nlive, assign[i])) {
                s->err = KERR_INVALID_REPLICA_ASSIGNMENT;
                snprintf(s->errmsg, sizeof(s->errmsg), "Unknown broker %d in replica assignment",
                         assign[i]);
                free(assign);
                return;
            }
        }
    } else if (assign_auto(live, nlive, true, 0, nparts, rf, rand() % nlive, rand() % nlive,
                           assign) != KERR_NONE) {
        ctl_spec_fail(s, KERR_UNKNOWN_SERVER_ERROR, "%s", CTL_MIXED_RACKS_CREATE);
        free(assign);
        return;
    }
    s->result_partitions = nparts;
    s->result_rf = rf;
    if (validate_only) {
        char path[512];
        zkpath_topic(path, sizeof(path), s->name);
        struct Stat st;
        if (zoo_exists(c->zh, path, 0, &st) == ZOK)
            ctl_spec_fail(s, KERR_TOPIC_ALREADY_EXISTS, "Topic '%s' already exists.", s->name);
        free(assign);
        return;
    }
    char id[23];
    zkpath_uuid_new(id);
    zkpath_uuid_decode(id, s->topic_id);
    /* Configs first (as Kafka's AdminZkClient does), then the assignment the controller
     * watches for. */
    char path[512];
    zkpath_topic_config(path, sizeof(path), s->name);
    char *cjson = zkpath_config_json(s->ncfg, (const char *const *)s->cfg_keys,
                                     (const char *const *)s->cfg_vals);
    int rc = ctl_zcreate_p(c, path, cjson, 0);
    if (rc == ZNODEEXISTS) rc = zoo_set(c->zh, path, cjson, (int)strlen(cjson), -1);
    free(cjson);
    if (rc != ZOK) {
        free(assign);
        ctl_spec_fail(s, KERR_UNKNOWN_SERVER_ERROR, "write topic config failed%s", "");
        return;
    }
    zkpath_topic_t zt;
    zkpath_topic_init(&zt, s->topic_id, nparts, rf, assign);
    char *tjson = zkpath_topic_json(&zt);
    zkpath_topic_clear(&zt);
    free(assign);
    zkpath_topic(path, sizeof(path), s->name);
    rc = ctl_zcreate_p(c, path, tjson, 0);
    free(tjson);
    if (rc == ZNODEEXISTS) {
        ctl_spec_fail(s, KERR_TOPIC_ALREADY_EXISTS, "Topic '%s' already exists.", s->name);
        return;
    }
    if (rc != ZOK) {
        ctl_spec_fail(s, KERR_UNKNOWN_SERVER_ERROR, "write topic znode failed%s", "");
        return;
    }
    log_info("ctl", "created topic %s: %d partitions, replication factor %d", s->name, nparts, rf);
    /* The config is known now; tell the local broker before any partition opens. */
    ctl_load_topic_config(c, s->name);
}

static void ctl_delete_topic(ctl_t *c, ctl_topic_spec_t *s)
{
    if (!c->conf.delete_topic_enable) {
        ctl_spec_fail(s, KERR_TOPIC_DELETION_DISABLED,
                      "Topic deletion is disabled (delete.topic.enable=false)%s", "");
        return;
    }
    char path[512];
    zkpath_topic(path, sizeof(path), s->name);
    struct Stat st;
    if (zoo_exists(c->zh, path, 0, &st) != ZOK) {
        ctl_spec_fail(s, KERR_UNKNOWN_TOPIC_OR_PARTITION,
                      "This server does not host this topic-partition.%s", "");
        return;
    }
    snprintf(path, sizeof(path), "%s/%s", ZKPATH_ADMIN_DELETE_TOPICS, s->name);
    int rc = ctl_zcreate_p(c, path, NULL, 0);
    if (rc != ZOK && rc != ZNODEEXISTS)
        ctl_spec_fail(s, KERR_UNKNOWN_SERVER_ERROR, "create delete marker failed%s", "");
}

static void ctl_create_partitions(ctl_t *c, ctl_topic_spec_t *s, bool validate_only)
{
    char path[512];
    zkpath_topic(path, sizeof(path), s->name);
    char *data = NULL;
    struct Stat st;
    if (ctl_zget(c, path, false, &data, &st) != ZOK) {
        ctl_spec_fail(s, KERR_UNKNOWN_TOPIC_OR_PARTITION, "Topic '%s' does not exist.", s->name);
        return;
    }
    zkpath_topic_t zt;
    kerr_t err = zkpath_topic_parse(data, &zt);
    free(data);
    if (err) {
        ctl_spec_fail(s, KERR_UNKNOWN_SERVER_ERROR, "malformed topic znode%s", "");
        return;
    }
    int32_t cur = zt.nparts;
    if (s->num_partitions <= cur) {
        s->err = KERR_INVALID_PARTITIONS;
        snprintf(s->errmsg, sizeof(s->errmsg),
                 "Topic currently has %d partitions, which is higher than the requested %d.", cur,
                 s->num_partitions);
        if (s->num_partitions == cur)
            snprintf(s->errmsg, sizeof(s->errmsg), "Topic already has %d partitions.", cur);
        zkpath_topic_clear(&zt);
        return;
    }
    int16_t rf = (int16_t)(cur > 0 ? zt.nreplicas[0] : 1);
    assign_broker_t live[ASSIGN_MAX_BROKERS];
    int nlive = ctl_live_brokers(c, live, ASSIGN_MAX_BROKERS);
    if (nlive <= 0) {
        ctl_spec_fail(s, KERR_UNKNOWN_SERVER_ERROR, "cannot list brokers in ZooKeeper%s", "");
        zkpath_topic_clear(&zt);
        return;
    }
    if (assign_racks_mixed(live, nlive)) {
        ctl_spec_fail(s, KERR_UNKNOWN_SERVER_ERROR, "%s", CTL_MIXED_RACKS_ENFORCED);
        zkpath_topic_clear(&zt);
        return;
    }
    int32_t add = s->num_partitions - cur;
    if (s->nassign > 0 && s->nassign != add) {
        ctl_spec_fail(s, KERR_INVALID_REPLICA_ASSIGNMENT,
                      "Increasing the number of partitions requires an assignment for each new "
                      "partition%s",
                      "");
        zkpath_topic_clear(&zt);
        return;
    }
    if (s->nassign == 0 && rf > nlive) {
        ctl_spec_fail(s, KERR_INVALID_REPLICATION_FACTOR,
                      "Replication factor larger than available brokers%s", "");
        zkpath_topic_clear(&zt);
        return;
    }
    int32_t *assign = malloc((size_t)add * (size_t)rf * sizeof(int32_t));
    if (!assign) abort();
    if (s->nassign > 0 && s->assign_rf == rf)
        memcpy(assign, s->assign, (size_t)add * (size_t)rf * sizeof(int32_t));
    else {
        /* Kafka's fixed start for new partitions: after partition 0's first replica */
        int32_t start = assign_start_after(live, nlive, cur > 0 ? zt.replicas[0][0] : 0);
        assign_auto(live, nlive, true, cur, add, rf, start, start, assign);
    }
    s->result_partitions = s->num_partitions;
    if (validate_only) {
        free(assign);
        zkpath_topic_clear(&zt);
        return;
    }
    zkpath_topic_add(&zt, add, rf, assign);
    free(assign);
    char *json = zkpath_topic_json(&zt);
    zkpath_topic_clear(&zt);
    int rc = zoo_set(c->zh, path, json, (int)strlen(json), st.version);
    free(json);
    if (rc != ZOK)
        ctl_spec_fail(s,
                      rc == ZBADVERSION ? KERR_REASSIGNMENT_IN_PROGRESS : KERR_UNKNOWN_SERVER_ERROR,
                      "update topic znode failed%s", "");
}

/* ---- alter topic configs (AlterConfigs / IncrementalAlterConfigs) ---- */

/* Whether the comma-separated list holds item (items compared trimmed of spaces). */
static bool ctl_list_has(const char *list, const char *item, size_t ilen)
{
    for (const char *p = list; *p;) {
        while (*p == ' ') p++;
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        while (l > 0 && p[l - 1] == ' ') l--;
        if (l == ilen && strncmp(p, item, l) == 0) return true;
        if (!e) break;
        p = e + 1;
    }
    return false;
}

/* APPEND (items of add not yet in base, in order) or SUBTRACT (base without add's items). */
static char *ctl_list_edit(const char *base, const char *add, bool append)
{
    size_t cap = strlen(base) + strlen(add) + 2, o = 0;
    char *out = malloc(cap);
    if (!out) abort();
    out[0] = '\0';
    for (int pass = 0; pass < (append ? 2 : 1); pass++) {
        const char *list = pass == 0 ? base : add;
        for (const char *p = list; *p;) {
            while (*p == ' ') p++;
            const char *e = strchr(p, ',');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            while (l > 0 && p[l - 1] == ' ') l--;
            bool keep = l > 0;
            if (keep && pass == 0 && !append) keep = !ctl_list_has(add, p, l);
            if (keep && pass == 1) keep = !ctl_list_has(out, p, l);
            if (keep) o += (size_t)snprintf(out + o, cap - o, "%s%.*s", o ? "," : "", (int)l, p);
            if (!e) break;
            p = e + 1;
        }
    }
    return out;
}

/* Apply the spec's operations to cs; KERR_NONE or an error in s. */
static kerr_t ctl_cfg_apply(ctl_topic_spec_t *s, zkpath_config_t *cs, bool quota)
{
    if (!s->cfg_ops) { /* AlterConfigs: the given set replaces the overrides */
        zkpath_config_clear(cs);
        for (int i = 0; i < s->ncfg; i++)
            if (s->cfg_vals[i]) /* null values are dropped, as Kafka does */
                zkpath_config_put(cs, s->cfg_keys[i], s->cfg_vals[i]);
    } else {
        for (int i = 0; i < s->ncfg; i++) {
            const char *k = s->cfg_keys[i], *v = s->cfg_vals[i] ? s->cfg_vals[i] : "";
            int at = zkpath_config_find(cs, k);
            const char *cur = at >= 0 ? cs->vals[at] : s->cfg_bases ? s->cfg_bases[i] : NULL;
            if (s->cfg_ops[i] == CTL_CFG_SET) {
                zkpath_config_put(cs, k, v);
            } else if (s->cfg_ops[i] == CTL_CFG_DELETE) {
                zkpath_config_del(cs, k);
            } else { /* APPEND, SUBTRACT: list configs (checked by the broker) */
                char *nv = ctl_list_edit(cur ? cur : "", v, s->cfg_ops[i] == CTL_CFG_APPEND);
                zkpath_config_put(cs, k, nv);
                free(nv);
            }
        }
    }
    char why[256];
    for (int i = 0; i < cs->n && !s->broker_entity; i++) { /* broker keys: checked by the broker */
        double num;
        if (quota && scram_mech_parse(cs->keys[i])) continue; /* a user's SCRAM credential */
        kerr_t err = quota ? qcfg_parse(cs->keys[i], cs->vals[i], &num, why, sizeof(why))
                           : tcfg_validate(cs->keys[i], cs->vals[i], why, sizeof(why));
        if (err != KERR_NONE) {
            ctl_spec_fail(s, quota ? err : KERR_INVALID_CONFIG, "%s", why);
            return s->err;
        }
    }
    return KERR_NONE;
}

/* Read, edit and write an entity's config znode at path (version-checked, retried on a
 * concurrent write), then notify every broker through /config/changes with entity, as Kafka's
 * AdminZkClient does, and deliver the new configs to this broker before the answer. */
static void ctl_entity_edit(ctl_t *c, ctl_topic_spec_t *s, bool validate_only, const char *path,
                            const char *entity, bool quota)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        char *data = NULL;
        struct Stat st;
        int rc = ctl_zget(c, path, false, &data, &st);
        if (rc != ZOK && rc != ZNONODE) {
            ctl_spec_fail(s, KERR_UNKNOWN_SERVER_ERROR, "read entity config failed: %s",
                          zerror(rc));
            return;
        }
        zkpath_config_t cs = {0};
        if (data && *data && zkpath_config_parse(data, &cs.n, &cs.keys, &cs.vals) != KERR_NONE) {
            log_warn("ctl", "alter configs of %s: malformed JSON at %s replaced", entity, path);
            memset(&cs, 0, sizeof(cs));
        }
        free(data);
        if (ctl_cfg_apply(s, &cs, quota) != KERR_NONE || validate_only) {
            zkpath_config_clear(&cs);
            return;
        }
        char *json =
            zkpath_config_json(cs.n, (const char *const *)cs.keys, (const char *const *)cs.vals);
        zkpath_config_clear(&cs);
        if (rc == ZNONODE)
            rc = ctl_zcreate_p(c, path, json, 0);
        else
            rc = zoo_set(c->zh, path, json, (int)strlen(json), st.version);
        free(json);
        if (rc == ZBADVERSION || rc == ZNODEEXISTS) continue; /* raced with another writer */
        if (rc != ZOK) {
            ctl_spec_fail(s, KERR_UNKNOWN_SERVER_ERROR, "write entity config failed: %s",
                          zerror(rc));
            return;
        }
        char *notice = zkpath_config_change_json(entity);
        rc = ctl_zcreate_p(c, ZKPATH_CONFIG_CHANGE_PREFIX, notice, ZOO_SEQUENCE);
        free(notice);
        if (rc != ZOK)
            log_warn("ctl", "alter configs of %s: change notification failed: %s", entity,
                     zerror(rc));
        log_info("ctl", "updated the dynamic configs of %s", entity);
        if (quota)
            ctl_load_quota_entity(c, entity);
        else if (s->broker_entity) /* this broker applies it before answering */
            ctl_load_broker_config(c, *s->name ? atoi(s->name) : -1);
        else
            ctl_load_topic_config(c, s->name);
        return;
    }
    ctl_spec_fail(s, KERR_UNKNOWN_SERVER_ERROR, "config of %s kept changing; retry", entity);
}

/* A topic's /config/topics/<t>, or a broker's /config/brokers/<id> (AlterConfigs /
 * IncrementalAlterConfigs). */
static void ctl_alter_configs(ctl_t *c, ctl_topic_spec_t *s, bool validate_only)
{
    char path[512], entity[512];
    if (s->broker_entity) { /* name: the id, or "" for <default> */
        int32_t id = *s->name ? atoi(s->name) : -1;
        zkpath_broker_config(path, sizeof(path), id);
        zkpath_config_entity(entity, sizeof(entity), "brokers", id < 0 ? NULL : s->name);
        ctl_entity_edit(c, s, validate_only, path, entity, false);
        return;
    }
    zkpath_topic(path, sizeof(path), s->name);
    struct Stat st;
    if (zoo_exists(c->zh, path, 0, &st) != ZOK) {
        ctl_spec_fail(s, KERR_UNKNOWN_TOPIC_OR_PARTITION, "Topic %s does not exist.", s->name);
        return;
    }
    zkpath_topic_config(path, sizeof(path), s->name);
    zkpath_config_entity(entity, sizeof(entity), "topics", s->name);
    ctl_entity_edit(c, s, validate_only, path, entity, false);
}

/* A client quota entity's /config/<entity path> (AlterClientQuotas). */
static void ctl_alter_quotas(ctl_t *c, ctl_topic_spec_t *s, bool validate_only)
{
    char path[1024];
    snprintf(path, sizeof(path), "/config/%s", s->name);
    ctl_entity_edit(c, s, validate_only, path, s->name, true);
}

static void ctl_op_done_cb(ev_loop_t *loop, void *arg)
{
    (void)loop;
    ctl_op_t *op = arg;
    op->done(op, op->arg);
}

void ctl_run_op(ctl_t *c, ctl_op_t *op)
{
    switch (op->type) {
    case CTL_OP_ALTER_PARTITION:
        ctl_alter_partition(c, op);
        ev_post(c->loop, ctl_op_done_cb, op);
        return;
    case CTL_OP_CONTROLLED_SHUTDOWN:
        ctl_controlled_shutdown(c, op);
        ev_post(c->loop, ctl_op_done_cb, op);
        return;
    case CTL_OP_ELECT_LEADERS:
        ctl_elect_leaders(c, op);
        ev_post(c->loop, ctl_op_done_cb, op);
        return;
    case CTL_OP_ALLOC_PRODUCER_IDS:
        ctl_alloc_producer_ids(c, op);
        ev_post(c->loop, ctl_op_done_cb, op);
        return;
    case CTL_OP_ALTER_REASSIGNMENTS:
        ctl_alter_reassignments(c, op);
        ev_post(c->loop, ctl_op_done_cb, op);
        return;
    case CTL_OP_LIST_REASSIGNMENTS:
        ctl_list_reassignments(c, op);
        ev_post(c->loop, ctl_op_done_cb, op);
        return;
    case CTL_OP_LOG_DIR_FAILURE:
        ctl_report_log_dir_failure(c, op);
        ev_post(c->loop, ctl_op_done_cb, op);
        return;
    case CTL_OP_ACLS:
        ctl_acl_apply(c, op);
        ev_post(c->loop, ctl_op_done_cb, op);
        return;
    default:
        break;
    }
    for (int i = 0; i < op->ntopics; i++) {
        ctl_topic_spec_t *s = &op->topics[i];
        if (s->err) continue; /* rejected by the broker before submitting */
        if (!c->connected) {
            ctl_spec_fail(s, KERR_REQUEST_TIMED_OUT, "ZooKeeper is not connected%s", "");
            continue;
        }
        switch (op->type) {
        case CTL_OP_CREATE_TOPICS:
            ctl_create_topic(c, s, op->validate_only);
            break;
        case CTL_OP_DELETE_TOPICS:
            ctl_delete_topic(c, s);
            break;
        case CTL_OP_CREATE_PARTITIONS:
            ctl_create_partitions(c, s, op->validate_only);
            break;
        case CTL_OP_ALTER_CONFIGS:
            ctl_alter_configs(c, s, op->validate_only);
            break;
        case CTL_OP_ALTER_CLIENT_QUOTAS:
            ctl_alter_quotas(c, s, op->validate_only);
            break;
        default:
            break;
        }
    }
    ev_post(c->loop, ctl_op_done_cb, op);
}

void ctl_fail_op(ctl_t *c, ctl_op_t *op, kerr_t err, const char *why)
{
    op->err = err;
    for (int i = 0; i < op->ntopics; i++) ctl_spec_fail(&op->topics[i], err, "%s", why);
    for (int i = 0; i < op->nchanges; i++) op->changes[i].err = err;
    for (int i = 0; i < op->nacls; i++) op->acls[i].err = err;
    ev_post(c->loop, ctl_op_done_cb, op);
}

void ctl_op_free(ctl_op_t *op)
{
    if (!op) return;
    for (int i = 0; i < op->ntopics; i++) {
        ctl_topic_spec_t *s = &op->topics[i];
        free(s->name);
        free(s->assign);
        for (int j = 0; j < s->ncfg; j++) {
            free(s->cfg_keys[j]);
            free(s->cfg_vals[j]);
            if (s->cfg_bases) free(s->cfg_bases[j]);
        }
        free(s->cfg_keys);
        free(s->cfg_vals);
        free(s->cfg_ops);
        free(s->cfg_bases);
    }
    free(op->topics);
    for (int i = 0; i < op->nchanges; i++) free(op->changes[i].topic);
    free(op->changes);
    for (int i = 0; i < op->ntps; i++) free(op->tps[i].topic);
    free(op->tps);
    for (int i = 0; i < op->nreassign; i++) free(op->reassign[i].topic);
    free(op->reassign);
    for (int i = 0; i < op->nacls; i++) {
        free(op->acls[i].name);
        free(op->acls[i].principal);
        free(op->acls[i].host);
    }
    free(op->acls);
    free(op);
}

void ctl_alloc_producer_ids(ctl_t *c, ctl_op_t *op)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        char *data = NULL;
        struct Stat st;
        int rc = ctl_zget(c, ZKPATH_LATEST_PRODUCER_ID_BLOCK, false, &data, &st);
        int64_t start = 0;
        if (rc == ZOK && data && *data) {
            int64_t s0, e0;
            if (zkpath_pid_block_parse(data, &s0, &e0) != KERR_NONE) {
                free(data);
                log_error("ctl", "malformed %s", ZKPATH_LATEST_PRODUCER_ID_BLOCK);
                op->err = KERR_UNKNOWN_SERVER_ERROR;
                return;
            }
            start = e0 + 1;
        } else if (rc != ZOK && rc != ZNONODE) {
            free(data);
            op->err = KERR_COORDINATOR_NOT_AVAILABLE;
            return;
        }
        free(data);
        int64_t end = start + CTL_PID_BLOCK_SIZE - 1;
        char *json = zkpath_pid_block_json(c->conf.broker_id, start, end);
        if (rc == ZNONODE)
            rc = ctl_zcreate_p(c, ZKPATH_LATEST_PRODUCER_ID_BLOCK, json, 0);
        else
            rc = zoo_set(c->zh, ZKPATH_LATEST_PRODUCER_ID_BLOCK, json, (int)strlen(json),
                         st.version);
        free(json);
        if (rc == ZOK) {
            op->pid_block_start = start;
            op->pid_block_end = end;
            log_info("ctl", "allocated producer id block %lld-%lld", (long long)start,
                     (long long)end);
            return;
        }
        if (rc != ZBADVERSION && rc != ZNODEEXISTS) break;
    }
    op->err = KERR_COORDINATOR_NOT_AVAILABLE;
}

void ctl_submit(ctl_t *c, ctl_op_t *op)
{
    ctl_ev_t *ev = calloc(1, sizeof(*ev));
    if (!ev) abort();
    ev->type = CTL_EV_OP;
    ev->op = op;
    ctl_push(c, ev);
}
