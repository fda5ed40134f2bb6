/* ctl_leader.c: choosing partition leaders beyond the state machine's own elections: who may
 * lead (live, in the ISR, not shutting down, replica not in a failed log dir), preferred-leader
 * election (/admin/preferred_replica_election, the periodic auto rebalance) and ElectLeaders
 * requests (preferred or unclean). Ctl thread, active controller only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_int.h"
#include "log.h"
#include "zkpath.h"

/* ---------------------------------------------------------------- elections */

bool ctl_is_online(void *arg, int32_t id)
{
    ctl_offline_t *o = arg;
    return ctl_replica_online(o->c, id, o->topic, o->p) && !ctl_ids_has(o->extra, o->nextra, id);
}

/* Leader for cp among isr (assignment order), skipping shutting-down brokers and exclude. */
int32_t ctl_pick_from_isr(const ctl_t *c, const ctl_part_t *cp, const int32_t *isr, int32_t nisr,
                          ctl_offline_t *off, int32_t exclude)
{
    for (int32_t i = 0; i < cp->nreplicas; i++) {
        int32_t r = cp->replicas[i];
        if (r == exclude || !ctl_ids_has(isr, nisr, r) || !ctl_is_online(off, r) ||
            ctl_shutting_down(c, r))
            continue;
        return r;
    }
    return -1;
}

/* ---------------------------------------------------------------- preferred leaders */

/* Make the first replica leader when it is live, in the ISR and not shutting down. */
static kerr_t ctl_elect_preferred(ctl_t *c, ctl_topic_t *t, int32_t p, ctl_batch_t *b)
{
    ctl_part_t *cp = &t->parts[p];
    if (!cp->has_state || cp->nreplicas == 0) return KERR_UNKNOWN_TOPIC_OR_PARTITION;
    int32_t pref = cp->replicas[0];
    if (cp->leader == pref) return KERR_ELECTION_NOT_NEEDED;
    if (!ctl_replica_online(c, pref, t->name, p) || ctl_shutting_down(c, pref) ||
        !ctl_ids_has(cp->isr, cp->nisr, pref))
        return KERR_PREFERRED_LEADER_NOT_AVAILABLE;
    ctl_part_t np = *cp;
    np.leader = pref;
    np.leader_epoch = cp->leader_epoch + 1;
    if (!ctl_commit(c, t, p, &np, "preferred leader election")) return KERR_UNKNOWN_SERVER_ERROR;
    ctl_batch_lai_replicas(c, b, t, p);
    b->metadata = true;
    return KERR_NONE;
}

/* Unclean election on request (ElectLeaders type 1): only when no leader is alive. */
static kerr_t ctl_elect_unclean(ctl_t *c, ctl_topic_t *t, int32_t p, ctl_batch_t *b)
{
    ctl_part_t *cp = &t->parts[p];
    if (!cp->has_state) return KERR_UNKNOWN_TOPIC_OR_PARTITION;
    if (cp->leader >= 0 && ctl_replica_online(c, cp->leader, t->name, p))
        return KERR_ELECTION_NOT_NEEDED;
    ctl_offline_t off = {c, NULL, 0, t->name, p};
    ctl_part_t np = *cp;
    np.leader = ctl_pick_from_isr(c, cp, cp->isr, cp->nisr, &off, -1);
    if (np.leader < 0) {
        for (int32_t i = 0; i < cp->nreplicas && np.leader < 0; i++)
            if (ctl_replica_online(c, cp->replicas[i], t->name, p) &&
                !ctl_shutting_down(c, cp->replicas[i]))
                np.leader = cp->replicas[i];
        if (np.leader < 0) return KERR_ELIGIBLE_LEADERS_NOT_AVAILABLE;
        np.isr[0] = np.leader;
        np.nisr = 1;
    }
    np.leader_epoch = cp->leader_epoch + 1;
    if (!ctl_commit(c, t, p, &np, "unclean leader election by request"))
        return KERR_UNKNOWN_SERVER_ERROR;
    ctl_batch_lai_replicas(c, b, t, p);
    b->metadata = true;
    return KERR_NONE;
}

void ctl_on_preferred_election(ctl_t *c)
{
    char *data = NULL;
    struct Stat st;
    int rc = ctl_zget(c, ZKPATH_ADMIN_PREFERRED_REPLICA_ELECTION, true, &data, &st);
    if (rc == ZNONODE) {
        zoo_wexists(c->zh, ZKPATH_ADMIN_PREFERRED_REPLICA_ELECTION, ctl_watcher, c, &st);
        return;
    }
    if (rc != ZOK) return;
    int n = 0;
    char **topics = NULL;
    int32_t *parts = NULL;
    if (zkpath_preferred_parse(data, &n, &topics, &parts) != KERR_NONE)
        log_warn("ctl", "malformed %s ignored", ZKPATH_ADMIN_PREFERRED_REPLICA_ELECTION);
    free(data);
    ctl_batch_t b;
    ctl_batch_init(&b);
    for (int i = 0; i < n && c->ctrl.active; i++) {
        ctl_topic_t *t = dict_get(c->ctrl.topics, topics[i]);
        if (t && parts[i] >= 0 && parts[i] < t->nparts) ctl_elect_preferred(c, t, parts[i], &b);
    }
    ctl_batch_send(c, &b);
    for (int i = 0; i < n; i++) free(topics[i]);
    free(topics);
    free(parts);
    zoo_delete(c->zh, ZKPATH_ADMIN_PREFERRED_REPLICA_ELECTION, -1);
    zoo_wexists(c->zh, ZKPATH_ADMIN_PREFERRED_REPLICA_ELECTION, ctl_watcher, c, &st);
}

/* Kafka's checkAndTriggerAutoLeaderRebalance: per broker, the share of partitions it should
 * lead (first replica) but does not; above leader.imbalance.per.broker.percentage, move those
 * leaderships back where possible. */
void ctl_ctrl_tick(ctl_t *c, int64_t now_ms)
{
    if (!c->ctrl.active || !c->conf.auto_leader_rebalance || now_ms < c->ctrl.next_rebalance_ms)
        return;
    c->ctrl.next_rebalance_ms = now_ms + c->conf.leader_imbalance_check_ms;
    ctl_batch_t b;
    ctl_batch_init(&b);
    for (int i = 0; i < c->ctrl.nlive && c->ctrl.active; i++) {
        int32_t id = c->ctrl.live[i].info.id;
        int total = 0, off = 0;
        size_t it = 0;
        void *v;
        while (dict_next(c->ctrl.topics, &it, NULL, &v)) {
            ctl_topic_t *t = v;
            for (int32_t p = 0; p < t->nparts && !t->deleting; p++) {
                if (!t->parts[p].has_state || t->parts[p].replicas[0] != id) continue;
                total++;
                off += t->parts[p].leader != id;
            }
        }
        if (total == 0 || off * 100 <= total * c->conf.leader_imbalance_pct) continue;
        log_info("ctl",
                 "broker %d leads %d of its %d preferred partitions less than it should: "
                 "rebalancing",
                 id, off, total);
        it = 0;
        while (c->ctrl.active && dict_next(c->ctrl.topics, &it, NULL, &v)) {
            ctl_topic_t *t = v;
            for (int32_t p = 0; p < t->nparts && !t->deleting && c->ctrl.active; p++)
                if (t->parts[p].has_state && t->parts[p].replicas[0] == id)
                    ctl_elect_preferred(c, t, p, &b);
        }
    }
    ctl_batch_send(c, &b);
}

void ctl_op_tp_add(ctl_op_t *op, int *cap, const char *topic, int32_t p, kerr_t err)
{
    if (op->ntps == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        op->tps = realloc(op->tps, (size_t)*cap * sizeof(*op->tps));
        if (!op->tps) abort();
    }
    ctl_tp_t *tp = &op->tps[op->ntps++];
    memset(tp, 0, sizeof(*tp));
    tp->topic = strdup(topic);
    if (!tp->topic) abort();
    tp->partition = p;
    tp->err = err;
}

void ctl_elect_leaders(ctl_t *c, ctl_op_t *op)
{
    if (!c->ctrl.active) {
        op->err = KERR_NOT_CONTROLLER;
        return;
    }
    ctl_batch_t b;
    ctl_batch_init(&b);
    if (op->all_partitions) {
        int cap = 0;
        size_t it = 0;
        void *v;
        while (dict_next(c->ctrl.topics, &it, NULL, &v)) {
            ctl_topic_t *t = v;
            for (int32_t p = 0; p < t->nparts && !t->deleting; p++)
                ctl_op_tp_add(op, &cap, t->name, p, KERR_NONE);
        }
    }
    for (int i = 0; i < op->ntps && c->ctrl.active; i++) {
        ctl_tp_t *tp = &op->tps[i];
        ctl_topic_t *t = ctl_find_part(c, tp->topic, tp->partition);
        if (!t) {
            tp->err = KERR_UNKNOWN_TOPIC_OR_PARTITION;
            continue;
        }
        tp->err = op->election_type == 1 ? ctl_elect_unclean(c, t, tp->partition, &b)
                                         : ctl_elect_preferred(c, t, tp->partition, &b);
        if (tp->err == KERR_PREFERRED_LEADER_NOT_AVAILABLE)
            snprintf(tp->errmsg, sizeof(tp->errmsg),
                     "Failed to elect leader for partition %s-%d under strategy "
                     "PreferredReplicaPartitionLeaderElectionStrategy",
                     tp->topic, tp->partition);
    }
    ctl_batch_send(c, &b);
}
