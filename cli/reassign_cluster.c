/* reassign_cluster.c: kafka-reassign-partitions' view of the cluster and its reassignment
 * requests to the controller (AlterPartitionReassignments / ListPartitionReassignments through
 * clireq.h and the broker's own codecs; librdkafka 2.0 has no such calls). See reassign.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "cli.h"
#include "clireq.h"
#include "ktime.h"
#include "proto/kp_reassign.h"
#include "reassign.h"

void rp_refresh(rp_cluster_t *c)
{
    if (c->md) rd_kafka_metadata_destroy(c->md);
    rd_kafka_resp_err_t e = rd_kafka_metadata(c->rk, 1, NULL, &c->md, CLI_REACH_MS);
    if (e)
        rp_fail("Error: cannot reach the brokers within %d ms: %s", CLI_REACH_MS,
                rd_kafka_err2str(e));
}

bool rp_broker_known(const rp_cluster_t *c, int32_t id)
{
    for (int i = 0; i < c->md->broker_cnt; i++)
        if (c->md->brokers[i].id == id) return true;
    return false;
}

/* The current replicas of t-p, or NULL (unknown topic or partition). */
const rd_kafka_metadata_partition_t *rp_current(const rp_cluster_t *c, const char *t, int32_t p)
{
    for (int i = 0; i < c->md->topic_cnt; i++) {
        const rd_kafka_metadata_topic_t *mt = &c->md->topics[i];
        if (strcmp(mt->topic, t) != 0 || mt->err) continue;
        for (int j = 0; j < mt->partition_cnt; j++)
            if (mt->partitions[j].id == p) return &mt->partitions[j];
    }
    return NULL;
}

void rp_current_of(const rp_cluster_t *c, const rp_list_t *targets, rp_list_t *out)
{
    for (int i = 0; i < targets->n; i++) {
        const rp_part_t *t = &targets->v[i];
        const rd_kafka_metadata_partition_t *mp = rp_current(c, t->topic, t->partition);
        if (!mp) rp_fail("Error: Topic-partition %s-%d not found.", t->topic, t->partition);
        rp_part_t *x = rp_add(out, t->topic, t->partition);
        for (int k = 0; k < mp->replica_cnt && k < RP_MAX_RF; k++)
            x->replicas[x->n++] = mp->replicas[k];
    }
}

/* Send one request to the controller, retrying (a controller change answers NOT_CONTROLLER at
 * the top level) until the deadline. The answer body is the caller's (free). */
static uint8_t *rp_call(rp_cluster_t *c, int16_t key, const wbuf_t *req, rbuf_t *rb,
                        int16_t (*top_error)(const uint8_t *, size_t))
{
    int64_t deadline = ktime_mono_ms() + 30000;
    for (;;) {
        int32_t ctl = rd_kafka_controllerid(c->rk, CLI_REACH_MS);
        for (int i = 0; ctl >= 0 && i < c->md->broker_cnt; i++) {
            if (c->md->brokers[i].id != ctl) continue;
            int fd = clireq_open(c->md->brokers[i].host, c->md->brokers[i].port, 30000);
            uint8_t *body = NULL;
            size_t len = 0, hdr = 0;
            bool ok = fd >= 0 && clireq_call(fd, key, 0, true, "reassign-partitions-tool", req,
                                             &body, &len, &hdr);
            if (fd >= 0) close(fd);
            if (ok && top_error(body + hdr, len - hdr) != KERR_NOT_CONTROLLER) {
                rbuf_init(rb, body + hdr, len - hdr);
                return body;
            }
            free(body);
        }
        if (ktime_mono_ms() >= deadline)
            rp_fail("Error: the controller did not answer %s within 30000 ms", kp_api_name(key));
        usleep(200 * 1000); /* a new controller is being elected: ask again shortly */
        rp_refresh(c);
    }
}

/* Both responses start with throttle_time_ms, error_code. */
static int16_t rp_top_error(const uint8_t *p, size_t n)
{
    return n >= 6 ? (int16_t)bytes_get_be16(p + 4) : KERR_NONE;
}

/* The ongoing reassignments (all, or only_in's partitions). */
void rp_ongoing(rp_cluster_t *c, const rp_list_t *only_in, rp_list_t *out, rp_list_t *adding,
                rp_list_t *removing)
{
    kp_listreassign_req_t req = {.timeout_ms = 30000, .ntopics = -1};
    wbuf_t wb;
    wbuf_init(&wb);
    kp_listreassign_req_encode(&wb, 0, &req);
    rbuf_t rb;
    uint8_t *body = rp_call(c, KAPI_LIST_PARTITION_REASSIGNMENTS, &wb, &rb, rp_top_error);
    wbuf_free(&wb);
    arena_t a;
    arena_init(&a);
    kp_listreassign_resp_t resp;
    if (kp_listreassign_resp_decode(&rb, 0, &a, &resp) != KERR_NONE)
        rp_fail("Error: malformed ListPartitionReassignments response");
    if (resp.error_code)
        rp_fail("Error: %s", resp.error_message ? resp.error_message : kerr_str(resp.error_code));
    for (int32_t i = 0; i < resp.ntopics; i++) {
        char *name = kstr_dup(resp.topics[i].name);
        for (int32_t j = 0; j < resp.topics[i].nparts; j++) {
            const kp_listreassign_part_t *p = &resp.topics[i].parts[j];
            if (only_in && !rp_find(only_in, name, p->partition)) continue;
            const int32_t *sets[3] = {p->replicas, p->adding, p->removing};
            int32_t ns[3] = {p->nreplicas, p->nadding, p->nremoving};
            rp_list_t *ls[3] = {out, adding, removing};
            for (int s = 0; s < 3; s++) {
                if (!ls[s]) continue;
                rp_part_t *x = rp_add(ls[s], name, p->partition);
                for (int32_t k = 0; k < ns[s] && k < RP_MAX_RF; k++)
                    x->replicas[x->n++] = sets[s][k];
            }
        }
        free(name);
    }
    arena_free(&a);
    free(body);
}

/* AlterPartitionReassignments for parts (n = -1 in an entry: cancel); prints Kafka's error
 * block and exits when a partition failed. */
void rp_alter(rp_cluster_t *c, const rp_list_t *parts, bool cancel)
{
    kp_reassign_req_t req = {.timeout_ms = 30000, .ntopics = parts->n};
    req.topics = calloc((size_t)parts->n + 1, sizeof(*req.topics));
    kp_reassign_part_t *ps = calloc((size_t)parts->n + 1, sizeof(*ps));
    if (!req.topics || !ps) abort();
    for (int i = 0; i < parts->n; i++) { /* one topic entry per partition: simple and valid */
        ps[i].partition = parts->v[i].partition;
        ps[i].nreplicas = cancel ? -1 : parts->v[i].n;
        ps[i].replicas = parts->v[i].replicas;
        req.topics[i].name = KSTR(parts->v[i].topic);
        req.topics[i].nparts = 1;
        req.topics[i].parts = &ps[i];
    }
    wbuf_t wb;
    wbuf_init(&wb);
    kp_reassign_req_encode(&wb, 0, &req);
    free(req.topics);
    free(ps);
    rbuf_t rb;
    uint8_t *body = rp_call(c, KAPI_ALTER_PARTITION_REASSIGNMENTS, &wb, &rb, rp_top_error);
    wbuf_free(&wb);
    arena_t a;
    arena_init(&a);
    kp_reassign_resp_t resp;
    if (kp_reassign_resp_decode(&rb, 0, &a, &resp) != KERR_NONE)
        rp_fail("Error: malformed AlterPartitionReassignments response");
    if (resp.error_code)
        rp_fail("Error: %s", resp.error_message ? resp.error_message : kerr_str(resp.error_code));
    rp_list_t errs = {0};
    for (int32_t i = 0; i < resp.ntopics; i++)
        for (int32_t j = 0; j < resp.topics[i].nparts; j++) {
            const kp_reassign_part_resp_t *p = &resp.topics[i].parts[j];
            if (!p->error_code) continue;
            char *name = kstr_dup(resp.topics[i].name);
            rp_add(&errs, name, p->partition)->msg =
                p->error_message ? p->error_message : kerr_str(p->error_code);
            free(name);
        }
    if (errs.n) {
        qsort(errs.v, (size_t)errs.n, sizeof(*errs.v), rp_cmp);
        printf("Error %s partition reassignment%s%s\n", cancel ? "cancelling" : "reassigning",
               errs.n == 1 ? "" : "s", cancel ? " for:" : "(s):");
        for (int i = 0; i < errs.n; i++)
            printf("%s-%d: %s\n", errs.v[i].topic, errs.v[i].partition, errs.v[i].msg);
        exit(1);
    }
    arena_free(&a);
    free(body);
}
