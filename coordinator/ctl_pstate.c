/* ctl_pstate.c: the controller's partition state machine (Kafka's KafkaController in
 * ZooKeeper mode): every topic's assignment and partition states (ctl_ctrl_t.topics), read
 * from ZooKeeper on election and kept current by watches (topics created, grown, deleted) and
 * by the controller's own fenced writes (ctl_pwrite.c); AlterPartition from leaders. Ctl
 * thread, while this broker holds /controller.
 *
 * Partition state machine, reduced to what decides anything:
 *   no state znode      -> NewPartition: leader = first live replica, ISR = live replicas
 *   leader alive         -> OnlinePartition (ISR loses dead members, leader epoch + 1)
 *   leader dead          -> a new leader from the live ISR, in assignment order (unclean: any
 *                           live replica, only with unclean.leader.election.enable); none:
 *                           OfflinePartition, leader -1, the ISR keeps its last member
 * Every change bumps the leader epoch (as Kafka's ZooKeeper controller does), except ISR
 * changes a leader asks for with AlterPartition, which bump only the partition epoch.
 * Brokers shutting down (ControlledShutdown) are never chosen as leader and may not rejoin an
 * ISR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_int.h"
#include "ktime.h"
#include "log.h"
#include "zkpath.h"

/* ---------------------------------------------------------------- small helpers */

bool ctl_ids_has(const int32_t *ids, int32_t n, int32_t x)
{
    for (int32_t i = 0; i < n; i++)
        if (ids[i] == x) return true;
    return false;
}

/* Remove every id for which drop(id) holds; returns the new count. */
static int32_t ids_filter(int32_t *ids, int32_t n, bool (*keep)(void *, int32_t), void *arg)
{
    int32_t k = 0;
    for (int32_t i = 0; i < n; i++)
        if (keep(arg, ids[i])) ids[k++] = ids[i];
    return k;
}

static bool ids_same_set(const int32_t *a, int32_t na, const int32_t *b, int32_t nb)
{
    if (na != nb) return false;
    for (int32_t i = 0; i < na; i++)
        if (!ctl_ids_has(b, nb, a[i])) return false;
    return true;
}

/* ---------------------------------------------------------------- topics */

void ctl_topic_free(void *p)
{
    ctl_topic_t *t = p;
    if (!t) return;
    free(t->parts);
    free(t->name);
    free(t);
}

/* A topic from its assignment znode's data (path: for the log), its partitions without their
 * states; NULL when malformed. */
static ctl_topic_t *ctl_topic_parse(const char *name, const char *data, const char *path)
{
    zkpath_topic_t zt;
    if (zkpath_topic_parse(data, &zt) != KERR_NONE) {
        log_warn("ctl", "malformed topic znode %s ignored", path);
        return NULL;
    }
    ctl_topic_t *t = calloc(1, sizeof(*t));
    if (!t) abort();
    t->name = strdup(name);
    memcpy(t->id, zt.id, 16);
    t->nparts = zt.nparts;
    t->parts = calloc((size_t)(zt.nparts ? zt.nparts : 1), sizeof(ctl_part_t));
    if (!t->name || !t->parts) abort();
    for (int32_t p = 0; p < zt.nparts; p++) {
        ctl_part_t *cp = &t->parts[p];
        cp->nreplicas = zt.nreplicas[p] > CTL_MAX_RF ? CTL_MAX_RF : zt.nreplicas[p];
        memcpy(cp->replicas, zt.replicas[p], (size_t)cp->nreplicas * sizeof(int32_t));
        if (zt.nadding) { /* a reassignment in progress */
            cp->nadding = zt.nadding[p] > CTL_MAX_RF ? CTL_MAX_RF : zt.nadding[p];
            cp->nremoving = zt.nremoving[p] > CTL_MAX_RF ? CTL_MAX_RF : zt.nremoving[p];
            memcpy(cp->adding, zt.adding[p], (size_t)cp->nadding * sizeof(int32_t));
            memcpy(cp->removing, zt.removing[p], (size_t)cp->nremoving * sizeof(int32_t));
        }
    }
    zkpath_topic_clear(&zt);
    return t;
}

/* Read one topic's assignment (watching it) and partition states. */
ctl_topic_t *ctl_load_topic(ctl_t *c, const char *name)
{
    char path[512];
    zkpath_topic(path, sizeof(path), name);
    char *data = NULL;
    if (ctl_zget(c, path, true, &data, NULL) != ZOK) return NULL;
    ctl_topic_t *t = ctl_topic_parse(name, data, path);
    free(data);
    if (t && !ctl_load_pstates(c, &t, 1)) {
        ctl_topic_free(t);
        return NULL;
    }
    return t;
}

bool ctl_load_all_topics(ctl_t *c)
{
    struct String_vector sv;
    if (ctl_zchildren(c, ZKPATH_BROKER_TOPICS, true, &sv) != ZOK) return true;
    char **paths = calloc((size_t)sv.count + 1, sizeof(char *));
    ctl_topic_t **ts = calloc((size_t)sv.count + 1, sizeof(*ts));
    if (!paths || !ts) abort();
    for (int i = 0; i < sv.count; i++) {
        char path[512];
        zkpath_topic(path, sizeof(path), sv.data[i]);
        if (!(paths[i] = strdup(path))) abort();
    }
    int64_t t0 = ktime_mono_ms();
    ctl_zread_t *r = ctl_zget_many(c, paths, sv.count, true);
    int n = 0, nparts = 0;
    for (int i = 0; r && i < sv.count; i++)
        if (r[i].rc == ZOK && (ts[n] = ctl_topic_parse(sv.data[i], r[i].data, paths[i])) != NULL)
            nparts += ts[n++]->nparts;
    int64_t t1 = ktime_mono_ms();
    bool ok = r && ctl_load_pstates(c, ts, n);
    log_info("ctl", "read %d topics in %lld ms, their %d partition states in %lld ms", n,
             (long long)(t1 - t0), nparts, (long long)(ktime_mono_ms() - t1));
    for (int i = 0; i < n; i++) {
        if (ok)
            dict_set(c->ctrl.topics, ts[i]->name, ts[i]);
        else
            ctl_topic_free(ts[i]);
    }
    ctl_zread_free(r, sv.count);
    for (int i = 0; i < sv.count; i++) free(paths[i]);
    free(paths);
    free(ts);
    deallocate_String_vector(&sv);
    return ok;
}

/* What t-p's state should become given the live brokers: create it, move leadership off an
 * offline leader, drop offline ISR members, elect a leader for an offline partition whose ISR
 * member is back. false when nothing changes. */
static bool ctl_decide(ctl_t *c, ctl_topic_t *t, int32_t p, ctl_offline_t *off, ctl_part_t *npp,
                       const char **whyp)
{
    ctl_part_t *cp = &t->parts[p];
    ctl_part_t np = *cp;
    const char *why;
    off->topic = t->name;
    off->p = p;
    if (!cp->has_state) {
        np.nisr = 0;
        for (int32_t i = 0; i < cp->nreplicas; i++)
            if (ctl_is_online(off, cp->replicas[i])) np.isr[np.nisr++] = cp->replicas[i];
        if (np.nisr == 0) return false; /* NewPartition with no live replica stays offline */
        np.leader = ctl_pick_from_isr(c, cp, np.isr, np.nisr, off, -1);
        if (np.leader < 0) np.leader = np.isr[0];
        np.leader_epoch = 0;
        why = "new";
    } else {
        bool leader_ok = cp->leader >= 0 && ctl_is_online(off, cp->leader);
        np.nisr = ids_filter(np.isr, cp->nisr, ctl_is_online, off);
        if (leader_ok && np.nisr == cp->nisr) return false;
        if (leader_ok) {
            why = "ISR shrink: replica offline";
        } else {
            np.leader = ctl_pick_from_isr(c, cp, np.isr, np.nisr, off, -1);
            why = "leader election";
            if (np.leader < 0 && c->conf.unclean_leader_election) {
                for (int32_t i = 0; i < cp->nreplicas && np.leader < 0; i++)
                    if (ctl_is_online(off, cp->replicas[i])) np.leader = cp->replicas[i];
                if (np.leader >= 0) {
                    np.isr[0] = np.leader;
                    np.nisr = 1;
                    why = "UNCLEAN leader election";
                    log_warn("ctl",
                             "%s-%d: no live ISR member; electing out-of-sync replica %d "
                             "(unclean.leader.election.enable): data may be lost",
                             t->name, p, np.leader);
                }
            }
            if (np.leader < 0) {
                /* OfflinePartition: keep the last ISR member, which holds the committed data */
                if (np.nisr == 0) {
                    np.isr[0] = cp->leader >= 0 ? cp->leader : cp->isr[0];
                    np.nisr = cp->nisr > 0 ? 1 : 0;
                }
                if (cp->leader == -1 && ids_same_set(np.isr, np.nisr, cp->isr, cp->nisr))
                    return false;
                np.leader = -1;
                why = "offline: no live in-sync replica";
            }
        }
        np.leader_epoch = cp->leader_epoch + 1;
    }
    *npp = np;
    *whyp = why;
    return true;
}

/* Add to ch (from *n on) the changes ctl_decide calls for among t's partitions from first on. */
static void ctl_decide_topic(ctl_t *c, ctl_topic_t *t, int32_t first, ctl_offline_t *off,
                             ctl_change_t *ch, int *n)
{
    if (t->deleting) return;
    for (int32_t p = first; p < t->nparts; p++) {
        if (!ctl_decide(c, t, p, off, &ch[*n].np, &ch[*n].why)) continue;
        ch[*n].t = t;
        ch[*n].p = p;
        (*n)++;
    }
}

/* Commit ch all at once; the written ones get LeaderAndIsr to their replicas. */
static void ctl_commit_and_tell(ctl_t *c, ctl_change_t *ch, int n, ctl_batch_t *b)
{
    if (n == 0 || ctl_commit_many(c, ch, n) == 0) return;
    for (int i = 0; i < n && c->ctrl.active; i++) {
        ctl_part_t *cp = &ch[i].t->parts[ch[i].p];
        if (!cp->has_state || cp->leader_epoch != ch[i].np.leader_epoch ||
            cp->zkver != ch[i].np.zkver)
            continue; /* not written */
        ctl_batch_lai_replicas(c, b, ch[i].t, ch[i].p);
        b->metadata = true;
    }
}

/* Decide the partitions of t from first on and commit them all at once. */
static void ctl_reconcile_topic(ctl_t *c, ctl_topic_t *t, int32_t first, ctl_offline_t *off,
                                ctl_batch_t *b)
{
    if (t->deleting || first >= t->nparts || !c->ctrl.active) return;
    ctl_change_t *ch = calloc((size_t)(t->nparts - first), sizeof(*ch));
    if (!ch) abort();
    int n = 0;
    ctl_decide_topic(c, t, first, off, ch, &n);
    ctl_commit_and_tell(c, ch, n, b);
    free(ch);
}

/* Every topic's changes go to ZooKeeper in one pipelined set: a failover moving 10,000
 * partitions waits for ZooKeeper once, not once per topic. */
void ctl_reconcile_all(ctl_t *c, ctl_offline_t *off, ctl_batch_t *b)
{
    if (!c->ctrl.active) return;
    size_t it = 0, total = 0;
    void *v;
    while (dict_next(c->ctrl.topics, &it, NULL, &v)) total += (size_t)((ctl_topic_t *)v)->nparts;
    ctl_change_t *ch = calloc(total + 1, sizeof(*ch));
    if (!ch) abort();
    int n = 0;
    it = 0;
    while (dict_next(c->ctrl.topics, &it, NULL, &v)) ctl_decide_topic(c, v, 0, off, ch, &n);
    ctl_commit_and_tell(c, ch, n, b);
    free(ch);
}

void ctl_reconcile_offline(ctl_t *c)
{
    ctl_batch_t b;
    ctl_batch_init(&b);
    ctl_offline_t off = {c, NULL, 0, NULL, 0};
    ctl_reconcile_all(c, &off, &b);
    ctl_reassign_check_all(c, &b);
    b.metadata = true;
    ctl_batch_send(c, &b);
}

void ctl_on_topics_changed(ctl_t *c)
{
    struct String_vector sv;
    int rc = ctl_zchildren(c, ZKPATH_BROKER_TOPICS, true, &sv);
    if (rc != ZOK) {
        log_error("ctl", "list %s failed: %s", ZKPATH_BROKER_TOPICS, zerror(rc));
        return;
    }
    ctl_batch_t b;
    ctl_batch_init(&b);
    ctl_offline_t off = {c, NULL, 0, NULL, 0};
    for (int i = 0; i < sv.count && c->ctrl.active; i++) {
        if (dict_get(c->ctrl.topics, sv.data[i])) continue;
        ctl_topic_t *t = ctl_load_topic(c, sv.data[i]);
        if (!t) continue;
        t->is_new = true;
        dict_set(c->ctrl.topics, t->name, t);
        log_info("ctl", "new topic %s with %d partitions", t->name, t->nparts);
        ctl_reconcile_topic(c, t, 0, &off, &b);
        b.metadata = true;
    }
    /* topics removed behind our back */
    size_t it = 0;
    const char *name;
    void *v;
    char **gone = calloc((c->ctrl.topics ? dict_size(c->ctrl.topics) : 0) + 1, sizeof(char *));
    int ngone = 0;
    while (c->ctrl.active && dict_next(c->ctrl.topics, &it, &name, &v)) {
        bool found = false;
        for (int i = 0; i < sv.count && !found; i++) found = strcmp(sv.data[i], name) == 0;
        if (!found) gone[ngone++] = strdup(name);
    }
    deallocate_String_vector(&sv);
    if (ngone) {
        for (int i = 0; i < ngone; i++)
            ((ctl_topic_t *)dict_get(c->ctrl.topics, gone[i]))->deleting = true;
        b.metadata = true;
    }
    ctl_batch_send(c, &b);
    for (int i = 0; i < ngone; i++) {
        if (c->ctrl.active) ctl_topic_free(dict_del(c->ctrl.topics, gone[i]));
        free(gone[i]);
    }
    free(gone);
}

/* A topic's assignment znode changed (partitions added). */
void ctl_on_topic_changed(ctl_t *c, const char *name)
{
    ctl_topic_t *old = dict_get(c->ctrl.topics, name);
    if (!old) return;
    ctl_topic_t *t = ctl_load_topic(c, name);
    if (!t) return;
    t->deleting = old->deleting;
    /* the controller's view of existing partitions is authoritative (it wrote them) */
    for (int32_t p = 0; p < old->nparts && p < t->nparts; p++) t->parts[p] = old->parts[p];
    int32_t first_new = old->nparts;
    ctl_topic_free(dict_set(c->ctrl.topics, t->name, t));
    ctl_batch_t b;
    ctl_batch_init(&b);
    ctl_offline_t off = {c, NULL, 0, NULL, 0};
    ctl_reconcile_topic(c, t, first_new, &off, &b);
    b.metadata = true;
    ctl_batch_send(c, &b);
}

void ctl_on_delete_topics(ctl_t *c)
{
    struct String_vector sv;
    if (ctl_zchildren(c, ZKPATH_ADMIN_DELETE_TOPICS, true, &sv) != ZOK) return;
    for (int i = 0; i < sv.count && c->ctrl.active; i++) {
        const char *name = sv.data[i];
        char path[512];
        ctl_topic_t *t = dict_get(c->ctrl.topics, name);
        if (t) {
            /* gone from metadata first, then the replicas stop and delete their logs */
            t->deleting = true;
            ctl_batch_t b;
            ctl_batch_init(&b);
            b.metadata = true;
            for (int32_t p = 0; p < t->nparts; p++)
                for (int32_t r = 0; r < t->parts[p].nreplicas; r++)
                    ctl_batch_stop(&b, t->parts[p].replicas[r], name, p, true);
            ctl_batch_send(c, &b);
            zkpath_topic(path, sizeof(path), name);
            int rc = ctl_zdelete_recursive(c, path);
            if (rc != ZOK) log_error("ctl", "delete %s failed: %s", path, zerror(rc));
            zkpath_topic_config(path, sizeof(path), name);
            ctl_zdelete_recursive(c, path);
            ctl_topic_free(dict_del(c->ctrl.topics, name));
            log_info("ctl", "deleted topic %s", name);
        }
        snprintf(path, sizeof(path), "%s/%s", ZKPATH_ADMIN_DELETE_TOPICS, name);
        zoo_delete(c->zh, path, -1);
    }
    deallocate_String_vector(&sv);
}

ctl_topic_t *ctl_find_part(ctl_t *c, const char *topic, int32_t p)
{
    ctl_topic_t *t = dict_get(c->ctrl.topics, topic);
    if (!t || t->deleting || p < 0 || p >= t->nparts || !t->parts[p].has_state) return NULL;
    return t;
}

/* Check one proposal against the controller's state; KERR_NONE with *write set when the ISR
 * changes (np is the new state), KERR_NONE and no write when it already holds. */
static kerr_t ctl_alter_check(ctl_t *c, ctl_op_t *op, ctl_isr_change_t *ch, ctl_batch_t *b,
                              ctl_change_t *w, bool *write)
{
    *write = false;
    ctl_topic_t *t = ctl_find_part(c, ch->topic, ch->partition);
    if (!t) return KERR_UNKNOWN_TOPIC_OR_PARTITION;
    ctl_part_t *cp = &t->parts[ch->partition];
    if (cp->leader != op->broker_id) return KERR_NOT_LEADER_OR_FOLLOWER;
    if (ch->leader_epoch != cp->leader_epoch) return KERR_FENCED_LEADER_EPOCH;
    if (ch->partition_epoch != cp->zkver) {
        /* the leader missed an update (e.g. our answer was lost): tell it the state */
        ctl_batch_lai(b, cp->leader, t, ch->partition);
        return KERR_INVALID_UPDATE_VERSION;
    }
    if (ch->nisr <= 0 || ch->nisr > CTL_MAX_RF || !ctl_ids_has(ch->isr, ch->nisr, cp->leader))
        return KERR_INVALID_REQUEST;
    for (int32_t i = 0; i < ch->nisr; i++) {
        int32_t r = ch->isr[i];
        if (!ctl_ids_has(cp->replicas, cp->nreplicas, r)) return KERR_INVALID_REQUEST;
        bool joining = !ctl_ids_has(cp->isr, cp->nisr, r);
        if (joining &&
            (!ctl_replica_online(c, r, t->name, ch->partition) || ctl_shutting_down(c, r)))
            return KERR_INELIGIBLE_REPLICA;
    }
    if (ids_same_set(ch->isr, ch->nisr, cp->isr, cp->nisr)) return KERR_NONE;
    w->t = t;
    w->p = ch->partition;
    w->np = *cp;
    w->np.nisr = ch->nisr;
    memcpy(w->np.isr, ch->isr, (size_t)ch->nisr * sizeof(int32_t));
    w->why = w->np.nisr > cp->nisr ? "ISR expand" : "ISR shrink";
    *write = true;
    return KERR_NONE;
}

/* The answer to one proposal: the state the controller now holds. */
static void ctl_alter_answer(ctl_t *c, ctl_isr_change_t *ch)
{
    ctl_topic_t *t = ctl_find_part(c, ch->topic, ch->partition);
    if (!t) {
        ch->err = KERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    ctl_part_t *cp = &t->parts[ch->partition];
    ch->leader = cp->leader;
    ch->leader_epoch = cp->leader_epoch;
    ch->partition_epoch = cp->zkver;
    ch->nisr = cp->nisr;
    memcpy(ch->isr, cp->isr, (size_t)cp->nisr * sizeof(int32_t));
}

/* Every proposal of a leader's AlterPartition is checked, and the ISR changes among them are
 * written with one pipelined write set (ctl_commit_many: each fenced as before). */
void ctl_alter_partition(ctl_t *c, ctl_op_t *op)
{
    op->err = ctl_check_requester(c, op);
    if (op->err) return;
    ctl_batch_t b;
    ctl_batch_init(&b);
    ctl_change_t *w = calloc((size_t)op->nchanges + 1, sizeof(*w));
    int *wix = calloc((size_t)op->nchanges + 1, sizeof(int)); /* change -> its write, or -1 */
    if (!w || !wix) abort();
    int n = 0;
    for (int i = 0; i < op->nchanges; i++) {
        bool write = false;
        op->changes[i].err = ctl_alter_check(c, op, &op->changes[i], &b, &w[n], &write);
        wix[i] = write ? n++ : -1;
    }
    int64_t t0 = ktime_mono_ms();
    int written = n ? ctl_commit_many(c, w, n) : 0;
    if (op->nchanges > 1) /* a batch (isr.c); single changes are logged by the write alone */
        log_info("ctl", "AlterPartition from broker %d: %d changes, %d written in %lld ms",
                 op->broker_id, op->nchanges, written, (long long)(ktime_mono_ms() - t0));
    for (int i = 0; i < op->nchanges; i++) {
        ctl_isr_change_t *ch = &op->changes[i];
        if (ch->err) continue;
        if (!c->ctrl.active) { /* fenced while writing: the state is gone */
            ch->err = KERR_NOT_CONTROLLER;
            continue;
        }
        if (wix[i] >= 0) {
            ctl_change_t *x = &w[wix[i]];
            ctl_part_t *cp = &x->t->parts[x->p];
            if (cp->zkver != x->np.zkver || !ids_same_set(cp->isr, cp->nisr, ch->isr, ch->nisr)) {
                ch->err = KERR_INVALID_UPDATE_VERSION; /* not written (re-read) */
                continue;
            }
            b.metadata = true;
            if (strcmp(x->why, "ISR expand") == 0)
                ctl_reassign_check(c, x->t, x->p, &b); /* the target may be in sync */
        }
        ctl_alter_answer(c, ch);
    }
    free(w);
    free(wix);
    ctl_batch_send(c, &b);
}
