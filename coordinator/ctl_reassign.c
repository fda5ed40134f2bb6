/* ctl_reassign.c: partition reassignment, as Kafka's ZooKeeper-mode controller does it
 * (KIP-455, KafkaController.onPartitionReassignment).
 *
 * With original replicas ORS and target TRS, a reassignment runs in two phases:
 *   A. the assignment znode gets RS = TRS + (ORS - TRS) with adding_replicas = TRS - ORS and
 *      removing_replicas = ORS - TRS; the leader epoch is bumped so every replica, the new ones
 *      included, hears of RS through LeaderAndIsr; the new replicas start fetching.
 *   B. once every TRS member is in the ISR (the leader's AlterPartition says so): a leader from
 *      TRS if the current one is leaving, ISR and RS cut to TRS, the state znode then the
 *      assignment znode written, the removed replicas told to stop and delete their logs.
 * A cancel is phase B towards ORS at once. Each step is a fenced ZooKeeper write, and the
 * adding/removing sets live in the assignment znode, so a new controller resumes where the old
 * one stopped: it re-checks every partition with a reassignment in progress.
 * Requests come through AlterPartitionReassignments or, as before KIP-455, the znode
 * /admin/reassign_partitions (whose entries are removed as they complete). Ctl thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_int.h"
#include "log.h"
#include "zkpath.h"

static bool rs_reassigning(const ctl_part_t *cp)
{
    return cp->nadding > 0 || cp->nremoving > 0;
}

/* a - b, in a's order, into out; the count. */
static int32_t rs_minus(const int32_t *a, int32_t na, const int32_t *b, int32_t nb, int32_t *out)
{
    int32_t n = 0;
    for (int32_t i = 0; i < na; i++)
        if (!ctl_ids_has(b, nb, a[i])) out[n++] = a[i];
    return n;
}

/* The replicas the partition had before its reassignment began (RS - adding). */
static int32_t rs_original(const ctl_part_t *cp, int32_t *out)
{
    return rs_minus(cp->replicas, cp->nreplicas, cp->adding, cp->nadding, out);
}

/* Write t's assignment znode from the controller's view (replicas and reassignment sets),
 * fenced by the controller epoch. ZOK, or the ZooKeeper error (fenced: we resigned). */
static int ctl_write_assignment(ctl_t *c, ctl_topic_t *t)
{
    zkpath_topic_t zt;
    zkpath_topic_init(&zt, t->id, 0, 0, NULL);
    for (int32_t p = 0; p < t->nparts; p++)
        zkpath_topic_add(&zt, 1, t->parts[p].nreplicas, t->parts[p].replicas);
    for (int32_t p = 0; p < t->nparts; p++)
        zkpath_topic_set_reassign(&zt, p, t->parts[p].nadding, t->parts[p].adding,
                                  t->parts[p].nremoving, t->parts[p].removing);
    char *json = zkpath_topic_json(&zt);
    zkpath_topic_clear(&zt);
    char path[512];
    zkpath_topic(path, sizeof(path), t->name);
    zoo_op_t ops[2];
    zoo_op_result_t *res = calloc(2, sizeof(*res)); /* the client may write it late: heap */
    if (!res) abort();
    zoo_check_op_init(&ops[0], ZKPATH_CONTROLLER_EPOCH, c->ctrl.epoch_zkver);
    zoo_set_op_init(&ops[1], path, json, (int)strlen(json), -1, NULL);
    int rc = zoo_multi(c->zh, 2, ops, res);
    free(json);
    if (rc == ZOK || rc == ZBADVERSION || rc == ZNONODE) {
        if (rc != ZOK && (res[0].err == ZBADVERSION || res[0].err == ZNONODE)) {
            log_warn("ctl", "%s changed: another controller was elected", ZKPATH_CONTROLLER_EPOCH);
            ctl_resign(c);
        }
        free(res);
    }
    if (rc != ZOK) log_error("ctl", "write assignment of %s failed: %s", t->name, zerror(rc));
    return rc;
}

/* Drop t-p from /admin/reassign_partitions once its reassignment is over (the znode goes when
 * its last entry does), as Kafka's controller does for requests made that way. */
static void ctl_reassign_znode_done(ctl_t *c, const char *topic, int32_t p)
{
    char *data = NULL;
    struct Stat st;
    if (ctl_zget(c, ZKPATH_ADMIN_REASSIGN_PARTITIONS, false, &data, &st) != ZOK) return;
    int n = 0;
    zkpath_reassign_t *e = NULL;
    zkpath_reassign_parse(data, &n, &e);
    free(data);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(e[i].topic, topic) == 0 && e[i].partition == p) {
            free(e[i].topic);
            continue;
        }
        e[k++] = e[i];
    }
    if (k != n) {
        if (k == 0) {
            zoo_delete(c->zh, ZKPATH_ADMIN_REASSIGN_PARTITIONS, st.version);
        } else {
            char *json = zkpath_reassign_json(k, e);
            zoo_set(c->zh, ZKPATH_ADMIN_REASSIGN_PARTITIONS, json, (int)strlen(json), st.version);
            free(json);
        }
    }
    for (int i = 0; i < k; i++) free(e[i].topic);
    free(e);
}

/* A leader among final for t-p: the current one if it stays and is alive, else the first of
 * final that is in the ISR, live and not shutting down; -1 when there is none. */
static int32_t rs_leader(ctl_t *c, const ctl_topic_t *t, int32_t p, const int32_t *final,
                         int32_t nfinal)
{
    const ctl_part_t *cp = &t->parts[p];
    if (cp->leader >= 0 && ctl_ids_has(final, nfinal, cp->leader) &&
        ctl_replica_online(c, cp->leader, t->name, p) && !ctl_shutting_down(c, cp->leader))
        return cp->leader;
    for (int32_t i = 0; i < nfinal; i++)
        if (ctl_ids_has(cp->isr, cp->nisr, final[i]) &&
            ctl_replica_online(c, final[i], t->name, p) && !ctl_shutting_down(c, final[i]))
            return final[i];
    return -1;
}

/* Phase B: t-p settles on final. false when it cannot yet (no eligible leader) or a write
 * failed (the state is re-read; a later check retries). */
static bool ctl_reassign_finish(ctl_t *c, ctl_topic_t *t, int32_t p, const int32_t *final,
                                int32_t nfinal, ctl_batch_t *b)
{
    ctl_part_t *cp = &t->parts[p];
    int32_t leader = rs_leader(c, t, p, final, nfinal);
    if (leader < 0) {
        log_warn("ctl", "reassignment of %s-%d waits: no live in-sync replica among the target",
                 t->name, p);
        return false;
    }
    int32_t drop[CTL_MAX_RF];
    int32_t ndrop = rs_minus(cp->replicas, cp->nreplicas, final, nfinal, drop);
    ctl_part_t np = *cp;
    np.nreplicas = nfinal;
    memcpy(np.replicas, final, (size_t)nfinal * sizeof(int32_t));
    np.nisr = 0;
    for (int32_t i = 0; i < cp->nisr; i++)
        if (ctl_ids_has(final, nfinal, cp->isr[i])) np.isr[np.nisr++] = cp->isr[i];
    np.leader = leader;
    np.leader_epoch = cp->leader_epoch + 1;
    np.nadding = np.nremoving = 0;
    ctl_part_t before = *cp;
    if (!ctl_commit(c, t, p, &np, "reassignment completed")) return false;
    if (ctl_write_assignment(c, t) != ZOK) {
        /* the state znode already has the new ISR; keep the old replica set and sets in
         * memory so the next check finishes again (and rewrites the assignment) */
        cp->nreplicas = before.nreplicas;
        memcpy(cp->replicas, before.replicas, sizeof(cp->replicas));
        cp->nadding = before.nadding;
        cp->nremoving = before.nremoving;
        return false;
    }
    ctl_batch_lai_replicas(c, b, t, p);
    for (int32_t i = 0; i < ndrop; i++)
        if (ctl_broker_live(c, drop[i])) ctl_batch_stop(b, drop[i], t->name, p, true);
    b->metadata = true;
    log_info("ctl", "reassignment of %s-%d completed: %d replicas, %d removed", t->name, p, nfinal,
             ndrop);
    ctl_reassign_znode_done(c, t->name, p);
    return true;
}

void ctl_reassign_check(ctl_t *c, ctl_topic_t *t, int32_t p, ctl_batch_t *b)
{
    ctl_part_t *cp = &t->parts[p];
    if (!c->ctrl.active || t->deleting || !cp->has_state || !rs_reassigning(cp)) return;
    int32_t target[CTL_MAX_RF];
    int32_t n = rs_minus(cp->replicas, cp->nreplicas, cp->removing, cp->nremoving, target);
    for (int32_t i = 0; i < n; i++)
        if (!ctl_ids_has(cp->isr, cp->nisr, target[i])) return; /* still catching up */
    ctl_reassign_finish(c, t, p, target, n, b);
}

void ctl_reassign_check_all(ctl_t *c, ctl_batch_t *b)
{
    size_t it = 0;
    void *v;
    while (c->ctrl.active && dict_next(c->ctrl.topics, &it, NULL, &v)) {
        ctl_topic_t *t = v;
        for (int32_t p = 0; p < t->nparts && c->ctrl.active; p++) ctl_reassign_check(c, t, p, b);
    }
}

/* Is the target well-formed: 1..CTL_MAX_RF distinct registered brokers? */
static kerr_t rs_validate(ctl_t *c, const ctl_reassign_t *r)
{
    if (r->ntarget <= 0 || r->ntarget > CTL_MAX_RF) return KERR_INVALID_REPLICA_ASSIGNMENT;
    for (int32_t i = 0; i < r->ntarget; i++) {
        if (ctl_ids_has(r->target, i, r->target[i])) return KERR_INVALID_REPLICA_ASSIGNMENT;
        if (!ctl_broker(c, r->target[i])) return KERR_INVALID_REPLICA_ASSIGNMENT;
    }
    return KERR_NONE;
}

/* Phase A for one partition (or the cancel / a no-op). */
static kerr_t ctl_reassign_one(ctl_t *c, ctl_reassign_t *r, ctl_batch_t *b)
{
    ctl_topic_t *t = dict_get(c->ctrl.topics, r->topic);
    if (!t || t->deleting || r->partition < 0 || r->partition >= t->nparts ||
        !t->parts[r->partition].has_state)
        return KERR_UNKNOWN_TOPIC_OR_PARTITION;
    int32_t p = r->partition;
    ctl_part_t *cp = &t->parts[p];
    int32_t ors[CTL_MAX_RF];
    int32_t nors = rs_original(cp, ors);
    if (r->ntarget < 0) { /* cancel: back to the original replicas */
        if (!rs_reassigning(cp)) return KERR_NO_REASSIGNMENT_IN_PROGRESS;
        log_info("ctl", "reassignment of %s-%d cancelled", t->name, p);
        return ctl_reassign_finish(c, t, p, ors, nors, b) ? KERR_NONE : KERR_REQUEST_TIMED_OUT;
    }
    kerr_t err = rs_validate(c, r);
    if (err) {
        snprintf(
            r->errmsg, sizeof(r->errmsg), "The proposed assignment for %s-%d names %s", t->name, p,
            r->ntarget <= 0 ? "no replica" : "a broker twice or a broker that is not registered");
        return err;
    }
    ctl_part_t before = *cp;
    cp->nadding = rs_minus(r->target, r->ntarget, ors, nors, cp->adding);
    cp->nremoving = rs_minus(ors, nors, r->target, r->ntarget, cp->removing);
    memcpy(cp->replicas, r->target, (size_t)r->ntarget * sizeof(int32_t));
    cp->nreplicas =
        r->ntarget + rs_minus(ors, nors, r->target, r->ntarget, cp->replicas + r->ntarget);
    if (ctl_write_assignment(c, t) != ZOK) {
        *cp = before;
        return c->ctrl.active ? KERR_UNKNOWN_SERVER_ERROR : KERR_NOT_CONTROLLER;
    }
    log_info("ctl", "reassignment of %s-%d started: %d replicas to add, %d to remove", t->name, p,
             cp->nadding, cp->nremoving);
    if (!rs_reassigning(cp)) { /* same set (maybe a new order): nothing to move */
        b->metadata = true;
        ctl_reassign_znode_done(c, t->name, p);
        return KERR_NONE;
    }
    ctl_part_t np = *cp; /* every replica, the new ones included, learns of RS */
    np.leader_epoch = cp->leader_epoch + 1;
    if (!ctl_commit(c, t, p, &np, "reassignment started"))
        return c->ctrl.active ? KERR_UNKNOWN_SERVER_ERROR : KERR_NOT_CONTROLLER;
    ctl_batch_lai_replicas(c, b, t, p);
    b->metadata = true;
    ctl_reassign_check(c, t, p, b); /* a pure removal completes at once */
    return KERR_NONE;
}

void ctl_alter_reassignments(ctl_t *c, ctl_op_t *op)
{
    if (!c->ctrl.active) {
        op->err = KERR_NOT_CONTROLLER;
        return;
    }
    ctl_batch_t b;
    ctl_batch_init(&b);
    for (int i = 0; i < op->nreassign && c->ctrl.active; i++)
        op->reassign[i].err = ctl_reassign_one(c, &op->reassign[i], &b);
    ctl_batch_send(c, &b);
    if (!c->ctrl.active) op->err = KERR_NOT_CONTROLLER;
}

/* Fill r (topic and partition set) with t-p's ongoing reassignment. */
static void rs_describe(const ctl_part_t *cp, ctl_reassign_t *r)
{
    r->nreplicas = cp->nreplicas;
    memcpy(r->replicas, cp->replicas, (size_t)cp->nreplicas * sizeof(int32_t));
    r->nadding = cp->nadding;
    memcpy(r->adding, cp->adding, (size_t)cp->nadding * sizeof(int32_t));
    r->nremoving = cp->nremoving;
    memcpy(r->removing, cp->removing, (size_t)cp->nremoving * sizeof(int32_t));
}

static void rs_list_add(ctl_op_t *op, int *cap, const char *topic, int32_t p, const ctl_part_t *cp)
{
    if (op->nreassign == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        op->reassign = realloc(op->reassign, (size_t)*cap * sizeof(*op->reassign));
        if (!op->reassign) abort();
    }
    ctl_reassign_t *r = &op->reassign[op->nreassign++];
    memset(r, 0, sizeof(*r));
    r->topic = strdup(topic);
    if (!r->topic) abort();
    r->partition = p;
    rs_describe(cp, r);
}

/* all_partitions: every ongoing reassignment is listed; else the listed partitions that have
 * one are kept (others dropped, as Kafka answers only ongoing ones). */
void ctl_list_reassignments(ctl_t *c, ctl_op_t *op)
{
    if (!c->ctrl.active) {
        op->err = KERR_NOT_CONTROLLER;
        return;
    }
    if (op->all_partitions) {
        int cap = op->nreassign;
        size_t it = 0;
        void *v;
        while (dict_next(c->ctrl.topics, &it, NULL, &v)) {
            ctl_topic_t *t = v;
            for (int32_t p = 0; p < t->nparts && !t->deleting; p++)
                if (rs_reassigning(&t->parts[p])) rs_list_add(op, &cap, t->name, p, &t->parts[p]);
        }
        return;
    }
    int k = 0;
    for (int i = 0; i < op->nreassign; i++) {
        ctl_reassign_t *r = &op->reassign[i];
        ctl_topic_t *t = dict_get(c->ctrl.topics, r->topic);
        if (!t || t->deleting || r->partition < 0 || r->partition >= t->nparts ||
            !rs_reassigning(&t->parts[r->partition])) {
            free(r->topic);
            continue;
        }
        rs_describe(&t->parts[r->partition], r);
        op->reassign[k++] = *r;
    }
    op->nreassign = k;
}

void ctl_on_reassign_znode(ctl_t *c)
{
    char *data = NULL;
    struct Stat st;
    int rc = ctl_zget(c, ZKPATH_ADMIN_REASSIGN_PARTITIONS, true, &data, &st);
    if (rc == ZNONODE) {
        zoo_wexists(c->zh, ZKPATH_ADMIN_REASSIGN_PARTITIONS, ctl_watcher, c, &st);
        return;
    }
    if (rc != ZOK) return;
    int n = 0;
    zkpath_reassign_t *e = NULL;
    if (zkpath_reassign_parse(data, &n, &e) != KERR_NONE)
        log_warn("ctl", "malformed %s ignored", ZKPATH_ADMIN_REASSIGN_PARTITIONS);
    free(data);
    ctl_batch_t b;
    ctl_batch_init(&b);
    for (int i = 0; i < n && c->ctrl.active; i++) {
        ctl_topic_t *t = dict_get(c->ctrl.topics, e[i].topic);
        if (t && e[i].partition >= 0 && e[i].partition < t->nparts &&
            rs_reassigning(&t->parts[e[i].partition]))
            continue; /* already running (the znode changed because another one ended) */
        ctl_reassign_t r = {
            .topic = e[i].topic, .partition = e[i].partition, .ntarget = e[i].nreplicas};
        memcpy(r.target, e[i].replicas, (size_t)e[i].nreplicas * sizeof(int32_t));
        kerr_t err = ctl_reassign_one(c, &r, &b);
        if (err) {
            log_warn("ctl", "%s: reassignment of %s-%d refused: %s",
                     ZKPATH_ADMIN_REASSIGN_PARTITIONS, e[i].topic, e[i].partition, kerr_name(err));
            ctl_reassign_znode_done(c, e[i].topic, e[i].partition);
        }
    }
    ctl_batch_send(c, &b);
    for (int i = 0; i < n; i++) free(e[i].topic);
    free(e);
}
