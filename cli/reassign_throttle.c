/* reassign_throttle.c: kafka-reassign-partitions' replication throttles (IncrementalAlterConfigs
 * on the topics and brokers of a move), as Kafka's modifyReassignmentThrottle and
 * clearAllThrottles set and clear them. See reassign.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clireq.h"
#include "proto/kp_describeconfigs.h"
#include "proto/kp_incrementalalterconfigs.h"
#include "reassign.h"

static const char *const rp_rate_keys[] = {"leader.replication.throttled.rate",
                                           "follower.replication.throttled.rate"};
static const char *const rp_list_keys[] = {"leader.replication.throttled.replicas",
                                           "follower.replication.throttled.replicas"};

/* IncrementalAlterConfigs v1 of one resource (type, name) with n configs, sent to broker id;
 * exits with the broker's error. */
static void rp_iac(rp_cluster_t *c, int32_t broker, int8_t type, const char *name, int n,
                   const char *const *keys, const char *const *vals, int8_t op)
{
    kp_alterconfigs_config_t cfg[4];
    for (int i = 0; i < n; i++)
        cfg[i] = (kp_alterconfigs_config_t){KSTR(keys[i]), op, vals ? KSTR(vals[i]) : KSTR_NULL};
    kp_alterconfigs_resource_t res = {type, KSTR(name), n, cfg};
    kp_alterconfigs_req_t req = {.nresources = 1, .resources = &res};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_incrementalalterconfigs_req_encode(&wb, 1, &req);
    for (int i = 0; i < c->md->broker_cnt; i++) {
        if (c->md->brokers[i].id != broker) continue;
        int fd = clireq_open(c->md->brokers[i].host, c->md->brokers[i].port, 30000);
        uint8_t *body = NULL;
        size_t len = 0, hdr = 0;
        bool ok = fd >= 0 && clireq_call(fd, KAPI_INCREMENTAL_ALTER_CONFIGS, 1, true,
                                         "reassign-partitions-tool", &wb, &body, &len, &hdr);
        if (fd >= 0) close(fd);
        wbuf_free(&wb);
        if (!ok) rp_fail("Error: broker %d did not answer IncrementalAlterConfigs", broker);
        rbuf_t rb;
        rbuf_init(&rb, body + hdr, len - hdr);
        arena_t a;
        arena_init(&a);
        kp_alterconfigs_resp_t resp;
        if (kp_incrementalalterconfigs_resp_decode(&rb, 1, &a, &resp) != KERR_NONE)
            rp_fail("Error: malformed IncrementalAlterConfigs response");
        for (int32_t k = 0; k < resp.nresponses; k++)
            if (resp.responses[k].error_code)
                rp_fail("Error: %s", resp.responses[k].error_message
                                         ? resp.responses[k].error_message
                                         : kerr_str(resp.responses[k].error_code));
        arena_free(&a);
        free(body);
        return;
    }
    wbuf_free(&wb);
}

/* Append id to ids[*n] (room for max) unless it is there already: the broker sets the tool
 * prints and configures. */
void rp_ids_add(int32_t *ids, int *n, int max, int32_t id)
{
    for (int j = 0; j < *n; j++)
        if (ids[j] == id) return;
    if (*n < max) ids[(*n)++] = id;
}

static int rp_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int rp_cmp_id(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The sorted "p:b" entries of topic's moves (leader: sources; follower: new destinations), as
 * one comma-joined string (Kafka's TreeSet[String].mkString(",")). */
static char *rp_throttle_list(const rp_list_t *src, const rp_list_t *dst, const char *topic,
                              bool leader)
{
    char **e = calloc((size_t)src->n * RP_MAX_RF + 1, sizeof(char *));
    int n = 0;
    for (int i = 0; i < src->n; i++) {
        const rp_part_t *s = &src->v[i], *d = &dst->v[i];
        if (strcmp(s->topic, topic) != 0) continue;
        const rp_part_t *from = leader ? s : d;
        for (int32_t k = 0; k < from->n; k++) {
            bool is_src = false;
            for (int32_t m = 0; m < s->n; m++)
                is_src = is_src || s->replicas[m] == from->replicas[k];
            if (!leader && is_src) continue;
            char buf[32];
            snprintf(buf, sizeof(buf), "%d:%d", s->partition, from->replicas[k]);
            bool dup = false;
            for (int j = 0; j < n && !dup; j++) dup = strcmp(e[j], buf) == 0;
            if (!dup) e[n++] = strdup(buf);
        }
    }
    qsort(e, (size_t)n, sizeof(char *), rp_cmp_str);
    size_t len = 1;
    for (int i = 0; i < n; i++) len += strlen(e[i]) + 1;
    char *out = calloc(len, 1);
    for (int i = 0; i < n; i++) {
        if (i) strcat(out, ",");
        strcat(out, e[i]);
        free(e[i]);
    }
    free(e);
    return out;
}

/* The sources of each target's move: the replicas it had before any ongoing reassignment
 * (replicas minus adding), or its current replicas. */
static void rp_sources(const rp_list_t *targets, const rp_list_t *cur, const rp_list_t *ongoing,
                       const rp_list_t *adding, rp_list_t *out)
{
    for (int i = 0; i < targets->n; i++) {
        const rp_part_t *t = &targets->v[i];
        const rp_part_t *on = rp_find(ongoing, t->topic, t->partition);
        const rp_part_t *base = on ? on : rp_find(cur, t->topic, t->partition);
        const rp_part_t *add = on ? rp_find(adding, t->topic, t->partition) : NULL;
        rp_part_t *x = rp_add(out, t->topic, t->partition);
        for (int32_t k = 0; base && k < base->n; k++) {
            bool adding_it = false;
            for (int32_t m = 0; add && m < add->n; m++)
                adding_it |= add->replicas[m] == base->replicas[k];
            if (!adding_it) x->replicas[x->n++] = base->replicas[k];
        }
    }
}

void rp_throttle_set(rp_cluster_t *c, const rp_list_t *targets, const rp_list_t *cur,
                     long long rate)
{
    rp_list_t ongoing = {0}, adding = {0}, src = {0};
    rp_ongoing(c, NULL, &ongoing, &adding, NULL);
    rp_sources(targets, cur, &ongoing, &adding, &src);
    for (int i = 0; i < targets->n; i++) { /* each topic once */
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = !strcmp(targets->v[j].topic, targets->v[i].topic);
        if (seen) continue;
        char *lv = rp_throttle_list(&src, targets, targets->v[i].topic, true);
        char *fv = rp_throttle_list(&src, targets, targets->v[i].topic, false);
        const char *vals[2] = {lv, fv};
        int32_t any = rd_kafka_controllerid(c->rk, CLI_REACH_MS);
        rp_iac(c, any, KP_RESOURCE_TOPIC, targets->v[i].topic, 2, rp_list_keys, vals,
               KP_CONFIG_OP_SET);
        free(lv);
        free(fv);
    }
    int32_t ids[1024];
    int n = 0;
    for (int i = 0; i < targets->n; i++) {
        const rp_part_t *sets[2] = {&src.v[i], &targets->v[i]};
        for (int s = 0; s < 2; s++)
            for (int32_t k = 0; k < sets[s]->n; k++)
                rp_ids_add(ids, &n, 1024, sets[s]->replicas[k]);
    }
    qsort(ids, (size_t)n, sizeof(int32_t), rp_cmp_id);
    char v[32];
    snprintf(v, sizeof(v), "%lld", rate);
    const char *vals[2] = {v, v};
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "%d", ids[i]);
        rp_iac(c, ids[i], KP_RESOURCE_BROKER, name, 2, rp_rate_keys, vals, KP_CONFIG_OP_SET);
    }
}

/* Delete the throttle configs of brokers ids (live ones) and topics. */
void rp_throttle_clear(rp_cluster_t *c, const int32_t *ids, int n, const char *const *topics,
                       int nt)
{
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "%d", ids[i]);
        if (rp_broker_known(c, ids[i]))
            rp_iac(c, ids[i], KP_RESOURCE_BROKER, name, 2, rp_rate_keys, NULL, KP_CONFIG_OP_DELETE);
    }
    int32_t any = rd_kafka_controllerid(c->rk, CLI_REACH_MS);
    for (int i = 0; i < nt; i++)
        rp_iac(c, any, KP_RESOURCE_TOPIC, topics[i], 2, rp_list_keys, NULL, KP_CONFIG_OP_DELETE);
}
