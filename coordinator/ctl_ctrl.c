/* ctl_ctrl.c: the controller proper (Kafka's KafkaController, ZooKeeper mode), on the ctl
 * thread while this broker holds /controller.
 *
 * State: the live brokers (with the czxid of their registration as broker epoch) and every
 * topic's assignment and partition states, read from ZooKeeper when elected and kept current
 * by watches and by the controller's own writes. Partition-state writes are zoo_multi
 * operations that check /controller_epoch's version (fencing older controllers) and the state
 * znode's version (the partition epoch).
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
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "ctl_int.h"
#include "ktime.h"
#include "log.h"
#include "zkpath.h"

#define CTL_FENCED (-10000) /* ctl_write_state: /controller_epoch moved on */

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

const ctl_broker_t *ctl_broker(const ctl_t *c, int32_t id)
{
    for (int i = 0; i < c->nlive; i++)
        if (c->live[i].info.id == id) return &c->live[i];
    return NULL;
}

bool ctl_broker_live(const ctl_t *c, int32_t id)
{
    return ctl_broker(c, id) != NULL;
}

bool ctl_shutting_down(const ctl_t *c, int32_t id)
{
    const ctl_broker_t *b = ctl_broker(c, id);
    return b && b->shutting_down;
}

/* ---------------------------------------------------------------- brokers */

static int ctl_cmp_broker(const void *a, const void *b)
{
    const ctl_broker_t *x = a, *y = b;
    return (x->info.id > y->info.id) - (x->info.id < y->info.id);
}

ctl_broker_t *ctl_read_brokers(ctl_t *c, bool watch, int *n)
{
    struct String_vector sv;
    int rc = ctl_zchildren(c, ZKPATH_BROKER_IDS, watch, &sv);
    if (rc != ZOK) {
        log_error("ctl", "list %s failed: %s", ZKPATH_BROKER_IDS, zerror(rc));
        return NULL;
    }
    ctl_broker_t *live = calloc((size_t)sv.count + 1, sizeof(*live));
    if (!live) abort();
    int k = 0;
    for (int i = 0; i < sv.count; i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", ZKPATH_BROKER_IDS, sv.data[i]);
        char *data = NULL;
        struct Stat st;
        if (ctl_zget(c, path, false, &data, &st) != ZOK) continue;
        ctl_broker_t *b = &live[k];
        b->info.id = atoi(sv.data[i]);
        if (zkpath_broker_parse(data, &b->info) == KERR_NONE) {
            b->epoch = st.czxid;
            k++;
        } else {
            log_warn("ctl", "malformed registration at %s ignored", path);
        }
        free(data);
    }
    deallocate_String_vector(&sv);
    qsort(live, (size_t)k, sizeof(*live), ctl_cmp_broker);
    *n = k;
    return live;
}

static void ctl_assign_broker(assign_broker_t *o, const md_broker_t *b)
{
    o->id = b->id;
    snprintf(o->rack, sizeof(o->rack), "%s", b->rack);
}

int ctl_live_brokers(ctl_t *c, assign_broker_t *out, int max)
{
    if (c->active) {
        int n = 0;
        for (int i = 0; i < c->nlive && n < max; i++)
            ctl_assign_broker(&out[n++], &c->live[i].info);
        return n;
    }
    int nb = 0;
    ctl_broker_t *b = ctl_read_brokers(c, false, &nb);
    if (!b) return -1;
    int n = 0;
    for (int i = 0; i < nb && n < max; i++) ctl_assign_broker(&out[n++], &b[i].info);
    free(b);
    return n;
}

/* ---------------------------------------------------------------- topics */

static void ctl_topic_free(void *p)
{
    ctl_topic_t *t = p;
    if (!t) return;
    free(t->parts);
    free(t->name);
    free(t);
}

/* Read one partition's state znode into cp (has_state false when it does not exist). */
static void ctl_load_pstate(ctl_t *c, const char *name, int32_t p, ctl_part_t *cp)
{
    char spath[512];
    zkpath_partition_state(spath, sizeof(spath), name, p);
    char *data = NULL;
    struct Stat st;
    cp->has_state = false;
    if (ctl_zget(c, spath, false, &data, &st) != ZOK) return;
    zkpath_pstate_t ps;
    if (zkpath_pstate_parse(data, &ps) == KERR_NONE) {
        cp->has_state = true;
        cp->leader = ps.leader;
        cp->leader_epoch = ps.leader_epoch;
        cp->nisr = ps.nisr > CTL_MAX_RF ? CTL_MAX_RF : ps.nisr;
        memcpy(cp->isr, ps.isr, (size_t)cp->nisr * sizeof(int32_t));
        cp->zkver = st.version;
    } else {
        log_warn("ctl", "malformed partition state %s ignored", spath);
    }
    free(data);
}

/* Read one topic's assignment (watching it) and partition states. */
static ctl_topic_t *ctl_load_topic(ctl_t *c, const char *name)
{
    char path[512];
    zkpath_topic(path, sizeof(path), name);
    char *data = NULL;
    if (ctl_zget(c, path, true, &data, NULL) != ZOK) return NULL;
    zkpath_topic_t zt;
    kerr_t err = zkpath_topic_parse(data, &zt);
    free(data);
    if (err) {
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
        ctl_load_pstate(c, name, p, cp);
    }
    zkpath_topic_clear(&zt);
    return t;
}

/* Write a partition state, fenced by the controller epoch znode's version and (update) by the
 * state znode's version. ZOK (cp->zkver updated), CTL_FENCED (we are no longer the
 * controller: resigned), or the ZooKeeper error. */
static int ctl_write_state(ctl_t *c, const char *topic, int32_t p, ctl_part_t *cp, bool create)
{
    char spath[512];
    zkpath_partition_state(spath, sizeof(spath), topic, p);
    zkpath_pstate_t ps = {.controller_epoch = c->epoch,
                          .leader = cp->leader,
                          .leader_epoch = cp->leader_epoch,
                          .nisr = cp->nisr};
    memcpy(ps.isr, cp->isr, (size_t)cp->nisr * sizeof(int32_t));
    char *json = zkpath_pstate_json(&ps);
    if (create) {
        char ppath[512];
        zkpath_partition(ppath, sizeof(ppath), topic, p);
        int rc = ctl_zmkdirs(c, ppath);
        if (rc != ZOK) {
            free(json);
            return rc;
        }
    }
    if (zoo_state(c->zh) != ZOO_CONNECTED_STATE) {
        free(json);
        return ZCONNECTIONLOSS;
    }
    /* The results (and the set's Stat) are written by the ZooKeeper client when the answer
     * arrives. When the call fails on the connection instead (lost, session expired), the
     * client may still hold pointers to them and write there later: keep them on the heap
     * and leave them be in that case, rather than let it write into a dead stack frame. */
    typedef struct ctl_multi_out {
        zoo_op_result_t res[2];
        struct Stat st;
    } ctl_multi_out_t;
    ctl_multi_out_t *out = calloc(1, sizeof(*out));
    if (!out) abort();
    zoo_op_t ops[2];
    zoo_check_op_init(&ops[0], ZKPATH_CONTROLLER_EPOCH, c->epoch_zkver);
    if (create)
        zoo_create_op_init(&ops[1], spath, json, (int)strlen(json),
                           zkauth_acl(&c->conf.zkauth, spath), 0, NULL, 0);
    else
        zoo_set_op_init(&ops[1], spath, json, (int)strlen(json), cp->zkver, &out->st);
    int rc = zoo_multi(c->zh, 2, ops, out->res);
    free(json);
    if (rc == ZOK) {
        cp->zkver = create ? 0 : out->st.version;
        free(out);
        return ZOK;
    }
    bool answered = rc == ZBADVERSION || rc == ZNONODE || rc == ZNODEEXISTS || rc == ZNOAUTH ||
                    rc == ZBADARGUMENTS || rc == ZRUNTIMEINCONSISTENCY;
    if (!answered) return rc; /* out stays allocated: see above */
    int first = out->res[0].err;
    free(out);
    if (first == ZBADVERSION || first == ZNONODE) {
        log_warn("ctl", "%s changed: another controller was elected", ZKPATH_CONTROLLER_EPOCH);
        ctl_resign(c);
        return CTL_FENCED;
    }
    return rc;
}

/* The outcome of writing np as t-p's state (rc from ZooKeeper): on success t-p takes np and
 * the change is logged; on a conflict the state is re-read. true when written. */
static bool ctl_commit_done(ctl_t *c, ctl_topic_t *t, int32_t p, ctl_part_t *np, const char *why,
                            int rc)
{
    ctl_part_t *cp = &t->parts[p];
    if (rc == CTL_FENCED) return false;
    if (rc != ZOK) {
        log_error("ctl", "write state of %s-%d (%s) failed: %s; re-reading it", t->name, p, why,
                  zerror(rc));
        ctl_load_pstate(c, t->name, p, cp);
        return false;
    }
    np->has_state = true;
    char isr[128] = "";
    for (int32_t i = 0; i < np->nisr; i++)
        snprintf(isr + strlen(isr), sizeof(isr) - strlen(isr), "%s%d", i ? "," : "", np->isr[i]);
    log_info("ctl", "partition %s-%d (%s): leader %d -> %d, leader epoch %d, ISR [%s]", t->name, p,
             why, cp->has_state ? cp->leader : -1, np->leader, np->leader_epoch, isr);
    *cp = *np;
    return true;
}

/* Commit np as t-p's new state (create when it had none). On a version conflict the state is
 * re-read from ZooKeeper. true when written. */
bool ctl_commit(ctl_t *c, ctl_topic_t *t, int32_t p, ctl_part_t *np, const char *why)
{
    ctl_part_t *cp = &t->parts[p];
    np->zkver = cp->zkver;
    int rc = ctl_write_state(c, t->name, p, np, !cp->has_state);
    if (rc == ZOK) np->zkver = cp->has_state ? np->zkver : 0;
    return ctl_commit_done(c, t, p, np, why, rc);
}

/* ---------------------------------------------------------------- pipelined state writes */

/* One partition-state write among many in flight (ctl_commit_many). The ZooKeeper client
 * writes the results and the Stat when the answer arrives: they live on the heap, and are
 * left alone if the wait gives up before the answers came. */
typedef struct ctl_change {
    ctl_topic_t *t;
    int32_t p;
    ctl_part_t np;
    const char *why;
    int rc;
    bool done;
    zoo_op_result_t res[3];
    struct Stat st;
    struct ctl_pending *pending;
} ctl_change_t;

typedef struct ctl_pending {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int remaining;
} ctl_pending_t;

/* ZooKeeper's IO thread: one multi answered. */
static void ctl_change_answered(int rc, const void *data)
{
    ctl_change_t *ch = (ctl_change_t *)data;
    ctl_pending_t *pd = ch->pending;
    pthread_mutex_lock(&pd->mu);
    ch->rc = rc;
    ch->done = true;
    pd->remaining--;
    pthread_cond_signal(&pd->cv);
    pthread_mutex_unlock(&pd->mu);
}

/* Write every change's state with all the multi-ops in flight at once (a controller electing
 * leaders for 1,000 partitions waits for ZooKeeper about once, not 1,000 times), each fenced
 * by /controller_epoch's version and its own znode's version as ctl_write_state() does;
 * applies the written ones (ctl_commit_done) and returns how many were written. A give-up
 * (no answer within the session timeout) leaks the storage the client may still write. */
static int ctl_commit_many(ctl_t *c, ctl_change_t *ch, int n)
{
    if (n <= 0) return 0;
    if (zoo_state(c->zh) != ZOO_CONNECTED_STATE) {
        for (int i = 0; i < n; i++)
            ctl_commit_done(c, ch[i].t, ch[i].p, &ch[i].np, ch[i].why, ZCONNECTIONLOSS);
        return 0;
    }
    /* new partitions need the topic's "partitions" znode first */
    for (int i = 0; i < n; i++) {
        if (ch[i].t->parts[ch[i].p].has_state) continue;
        char ppath[512];
        zkpath_partition(ppath, sizeof(ppath), ch[i].t->name, 0);
        char *slash = strrchr(ppath, '/');
        if (slash) *slash = '\0';
        ctl_zmkdirs(c, ppath);
        break; /* one topic per call */
    }
    ctl_pending_t *pd = calloc(1, sizeof(*pd));
    ctl_change_t *out = calloc((size_t)n, sizeof(*out)); /* where the client writes */
    if (!pd || !out) abort();
    pthread_mutex_init(&pd->mu, NULL);
    pthread_cond_init(&pd->cv, NULL);
    memcpy(out, ch, (size_t)n * sizeof(*out));
    for (int i = 0; i < n; i++) {
        ctl_change_t *o = &out[i];
        ctl_part_t *cp = &o->t->parts[o->p];
        bool create = !cp->has_state;
        o->np.zkver = cp->zkver;
        o->pending = pd;
        char spath[512], ppath[512];
        zkpath_partition_state(spath, sizeof(spath), o->t->name, o->p);
        zkpath_partition(ppath, sizeof(ppath), o->t->name, o->p);
        zkpath_pstate_t ps = {.controller_epoch = c->epoch,
                              .leader = o->np.leader,
                              .leader_epoch = o->np.leader_epoch,
                              .nisr = o->np.nisr};
        size_t k = o->np.nisr > 0 ? (size_t)o->np.nisr : 0;
        if (k > ZKPATH_MAX_ISR) k = ZKPATH_MAX_ISR;
        memcpy(ps.isr, o->np.isr, k * sizeof(int32_t));
        char *json = zkpath_pstate_json(&ps);
        zoo_op_t ops[3];
        int nops = 0;
        zoo_check_op_init(&ops[nops++], ZKPATH_CONTROLLER_EPOCH, c->epoch_zkver);
        if (create) {
            zoo_create_op_init(&ops[nops++], ppath, NULL, -1, zkauth_acl(&c->conf.zkauth, ppath), 0,
                               NULL, 0);
            zoo_create_op_init(&ops[nops++], spath, json, (int)strlen(json),
                               zkauth_acl(&c->conf.zkauth, spath), 0, NULL, 0);
        } else {
            zoo_set_op_init(&ops[nops++], spath, json, (int)strlen(json), cp->zkver, &o->st);
        }
        pthread_mutex_lock(&pd->mu);
        pd->remaining++;
        pthread_mutex_unlock(&pd->mu);
        /* the request is serialized before zoo_amulti returns: json may go */
        int rc = zoo_amulti(c->zh, nops, ops, o->res, ctl_change_answered, o);
        free(json);
        if (rc != ZOK) {
            pthread_mutex_lock(&pd->mu);
            pd->remaining--;
            o->rc = rc;
            o->done = true;
            pthread_mutex_unlock(&pd->mu);
        }
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += c->conf.session_timeout_ms / 1000 + 10;
    pthread_mutex_lock(&pd->mu);
    while (pd->remaining > 0)
        if (pthread_cond_timedwait(&pd->cv, &pd->mu, &ts) != 0) break;
    bool all = pd->remaining == 0;
    pthread_mutex_unlock(&pd->mu);
    int written = 0;
    bool fenced = false;
    for (int i = 0; i < n && !fenced; i++) {
        ctl_change_t *o = &out[i];
        int rc = o->done ? o->rc : ZOPERATIONTIMEOUT;
        bool create = !o->t->parts[o->p].has_state;
        if (rc != ZOK && o->done && (o->res[0].err == ZBADVERSION || o->res[0].err == ZNONODE)) {
            fenced = true;
            break;
        }
        if (rc == ZNODEEXISTS && create) {
            /* the partition's znode was left by an earlier attempt: one at a time */
            written += ctl_commit(c, o->t, o->p, &o->np, o->why);
        } else {
            if (rc == ZOK) o->np.zkver = create ? 0 : o->st.version;
            written += ctl_commit_done(c, o->t, o->p, &o->np, o->why, rc);
        }
        ch[i].np = o->np;
    }
    if (all) {
        pthread_mutex_destroy(&pd->mu);
        pthread_cond_destroy(&pd->cv);
        free(pd);
        free(out);
    } else {
        log_error("ctl", "ZooKeeper did not answer all of %d partition-state writes in time", n);
    }
    if (fenced) {
        log_warn("ctl", "%s changed: another controller was elected", ZKPATH_CONTROLLER_EPOCH);
        ctl_resign(c);
    }
    return written;
}

/* ---------------------------------------------------------------- elections */

/* The brokers treated as offline for one decision: not registered, or in extra (brokers
 * that restarted: their previous incarnation is gone). */
typedef struct ctl_offline {
    const ctl_t *c;
    const int32_t *extra;
    int nextra;
    const char *topic; /* the partition decided (its replicas in failed log dirs are offline) */
    int32_t p;
} ctl_offline_t;

static bool ctl_is_online(void *arg, int32_t id)
{
    ctl_offline_t *o = arg;
    return ctl_replica_online(o->c, id, o->topic, o->p) && !ctl_ids_has(o->extra, o->nextra, id);
}

/* Leader for cp among isr (assignment order), skipping shutting-down brokers and exclude. */
static int32_t ctl_pick_from_isr(const ctl_t *c, const ctl_part_t *cp, const int32_t *isr,
                                 int32_t nisr, ctl_offline_t *off, int32_t exclude)
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

/* Decide the partitions of t from first on and commit them all at once; the changed ones get
 * LeaderAndIsr to their replicas. */
static void ctl_reconcile_topic(ctl_t *c, ctl_topic_t *t, int32_t first, ctl_offline_t *off,
                                ctl_batch_t *b)
{
    if (t->deleting || first >= t->nparts || !c->active) return;
    ctl_change_t *ch = calloc((size_t)(t->nparts - first), sizeof(*ch));
    if (!ch) abort();
    int n = 0;
    for (int32_t p = first; p < t->nparts; p++) {
        if (!ctl_decide(c, t, p, off, &ch[n].np, &ch[n].why)) continue;
        ch[n].t = t;
        ch[n].p = p;
        n++;
    }
    if (n && ctl_commit_many(c, ch, n) > 0) {
        for (int i = 0; i < n && c->active; i++) {
            ctl_part_t *cp = &t->parts[ch[i].p];
            if (!cp->has_state || cp->leader_epoch != ch[i].np.leader_epoch ||
                cp->zkver != ch[i].np.zkver)
                continue; /* not written */
            ctl_batch_lai_replicas(c, b, t, ch[i].p);
            b->metadata = true;
        }
    }
    free(ch);
}

static void ctl_reconcile_all(ctl_t *c, ctl_offline_t *off, ctl_batch_t *b)
{
    size_t it = 0;
    void *v;
    while (c->active && dict_next(c->topics, &it, NULL, &v)) ctl_reconcile_topic(c, v, 0, off, b);
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

/* Full LeaderAndIsr to broker id: every partition it hosts. */
static void ctl_batch_all_of(ctl_t *c, ctl_batch_t *b, int32_t id)
{
    ctl_batch_full(b, id);
    size_t it = 0;
    void *v;
    while (dict_next(c->topics, &it, NULL, &v)) {
        ctl_topic_t *t = v;
        if (t->deleting) continue;
        for (int32_t p = 0; p < t->nparts; p++)
            if (t->parts[p].has_state &&
                ctl_ids_has(t->parts[p].replicas, t->parts[p].nreplicas, id))
                ctl_batch_lai(b, id, t, p);
    }
}

/* ---------------------------------------------------------------- election of the controller */

/* Read the current epoch and bump it with a version check (fences older controllers). */
static bool ctl_bump_epoch(ctl_t *c)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        char *data = NULL;
        struct Stat st;
        int rc = ctl_zget(c, ZKPATH_CONTROLLER_EPOCH, false, &data, &st);
        if (rc == ZNONODE) {
            rc = ctl_zcreate(c, ZKPATH_CONTROLLER_EPOCH, "1", 0);
            if (rc == ZNODEEXISTS) continue;
            if (rc != ZOK) return false;
            c->epoch = 1;
            c->epoch_zkver = 0;
            return true;
        }
        if (rc != ZOK) return false;
        int32_t epoch = atoi(data) + 1;
        free(data);
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", epoch);
        struct Stat nst;
        rc = zoo_set2(c->zh, ZKPATH_CONTROLLER_EPOCH, buf, (int)strlen(buf), st.version, &nst);
        if (rc == ZBADVERSION) continue;
        if (rc != ZOK) return false;
        c->epoch = epoch;
        c->epoch_zkver = nst.version;
        return true;
    }
    return false;
}

void ctl_resign(ctl_t *c)
{
    if (!c->active) return;
    log_info("ctl", "resigning as controller (epoch %d)", c->epoch);
    c->active = false;
    ctl_offline_clear(c);
    dict_free(c->topics, ctl_topic_free);
    c->topics = NULL;
    free(c->live);
    c->live = NULL;
    c->nlive = 0;
    if (c->conf.chan) chan_post_drop(c->conf.chan, -1);
}

static void ctl_become_controller(ctl_t *c)
{
    if (!ctl_bump_epoch(c)) {
        log_error("ctl", "could not increment %s; not acting as controller",
                  ZKPATH_CONTROLLER_EPOCH);
        zoo_delete(c->zh, ZKPATH_CONTROLLER, -1);
        return;
    }
    int n = 0;
    ctl_broker_t *live = ctl_read_brokers(c, true, &n);
    if (!live) {
        zoo_delete(c->zh, ZKPATH_CONTROLLER, -1);
        return;
    }
    c->active = true;
    c->live = live;
    c->nlive = n;
    c->controller_id = c->conf.broker_id;
    c->topics = dict_new();
    log_info("ctl", "broker %d is the controller (epoch %d, %d live brokers)", c->conf.broker_id,
             c->epoch, n);
    struct String_vector sv;
    if (ctl_zchildren(c, ZKPATH_BROKER_TOPICS, true, &sv) == ZOK) {
        for (int i = 0; i < sv.count; i++) {
            ctl_topic_t *t = ctl_load_topic(c, sv.data[i]);
            if (t) dict_set(c->topics, t->name, t);
        }
        deallocate_String_vector(&sv);
    }
    ctl_on_log_dir_events(c); /* replicas the previous controller knew offline */
    if (!c->active) return;
    ctl_batch_t b;
    ctl_batch_init(&b);
    ctl_offline_t off = {c, NULL, 0, NULL, 0};
    ctl_reconcile_all(c, &off, &b);
    for (int i = 0; i < c->nlive && c->active; i++) ctl_batch_all_of(c, &b, c->live[i].info.id);
    ctl_reassign_check_all(c, &b); /* resume what the previous controller left */
    b.metadata = true;
    ctl_batch_send(c, &b);
    if (!c->active) return;
    c->next_rebalance_ms = ktime_mono_ms() + c->conf.leader_imbalance_check_ms;
    ctl_on_delete_topics(c);
    ctl_on_preferred_election(c);
    ctl_on_reassign_znode(c);
}

void ctl_elect(ctl_t *c)
{
    if (c->active) {
        /* /controller changed while we hold it: make sure it is still ours */
        struct Stat st;
        char *data = NULL;
        int32_t id = -1;
        if (ctl_zget(c, ZKPATH_CONTROLLER, true, &data, &st) == ZOK)
            zkpath_controller_parse(data, &id);
        free(data);
        if (id == c->conf.broker_id) return;
        ctl_resign(c);
    }
    char *json = zkpath_controller_json(c->conf.broker_id, ktime_wall_ms());
    int rc = ctl_zcreate(c, ZKPATH_CONTROLLER, json, ZOO_EPHEMERAL);
    free(json);
    struct Stat st;
    char *data = NULL;
    int grc = ctl_zget(c, ZKPATH_CONTROLLER, true, &data, &st);
    if (grc == ZNONODE) {
        /* vanished between create and get: the watch is set by exists */
        zoo_wexists(c->zh, ZKPATH_CONTROLLER, ctl_watcher, c, &st);
        return;
    }
    int32_t id = -1;
    if (grc == ZOK) zkpath_controller_parse(data, &id);
    free(data);
    c->controller_id = id;
    /* Tell the reactor at once: Metadata names the controller, and a client told of one that
     * is gone waits for it (the new controller's UpdateMetadata follows shortly). */
    ctl_msg_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    m->type = CTL_MSG_CONTROLLER;
    m->controller_id = id;
    ctl_send(c, m);
    if (rc == ZOK ||
        (id == c->conf.broker_id && st.ephemeralOwner == zoo_client_id(c->zh)->client_id))
        ctl_become_controller(c);
    else
        log_info("ctl", "broker %d is the controller", id);
}

/* ---------------------------------------------------------------- watch events */

void ctl_on_brokers_changed(ctl_t *c)
{
    int n = 0;
    ctl_broker_t *now = ctl_read_brokers(c, true, &n);
    if (!now) return;
    int32_t dead[256], bounced[256], started[256];
    int ndead = 0, nbounced = 0, nstarted = 0;
    for (int i = 0; i < c->nlive; i++) {
        const ctl_broker_t *o = &c->live[i];
        const ctl_broker_t *m = NULL;
        for (int j = 0; j < n && !m; j++)
            if (now[j].info.id == o->info.id) m = &now[j];
        if (!m && ndead < 256) dead[ndead++] = o->info.id;
        if (m && m->epoch != o->epoch && nbounced < 256) bounced[nbounced++] = o->info.id;
    }
    for (int j = 0; j < n; j++) {
        const ctl_broker_t *o = ctl_broker(c, now[j].info.id);
        if (!o || o->epoch != now[j].epoch) {
            if (nstarted < 256) started[nstarted++] = now[j].info.id;
        } else {
            now[j].shutting_down = o->shutting_down;
        }
    }
    free(c->live);
    c->live = now;
    c->nlive = n;
    if (ndead == 0 && nstarted == 0) return;
    /* drop the notifications of brokers gone or restarted, apply those of new registrations */
    ctl_on_log_dir_events(c);
    if (!c->active) return;
    for (int i = 0; i < ndead; i++) {
        log_info("ctl", "broker %d is gone", dead[i]);
        if (c->conf.chan) chan_post_drop(c->conf.chan, dead[i]);
    }
    for (int i = 0; i < nbounced; i++) {
        log_info("ctl", "broker %d restarted (new registration)", bounced[i]);
        if (c->conf.chan) chan_post_drop(c->conf.chan, bounced[i]);
    }
    ctl_batch_t b;
    ctl_batch_init(&b);
    /* onBrokerFailure: a restarted broker's previous incarnation failed too, so it leaves the
     * ISR and any leadership before it comes back as a follower */
    ctl_offline_t off = {c, bounced, nbounced, NULL, 0};
    if (ndead || nbounced) ctl_reconcile_all(c, &off, &b);
    /* onBrokerStartup: offline partitions whose ISR member returned get a leader; new
     * brokers learn every partition they host */
    ctl_offline_t on = {c, NULL, 0, NULL, 0};
    ctl_reconcile_all(c, &on, &b);
    for (int i = 0; i < nstarted && c->active; i++) {
        log_info("ctl", "broker %d is up", started[i]);
        ctl_batch_all_of(c, &b, started[i]);
    }
    ctl_reassign_check_all(c, &b); /* a leaving leader may have been waited for */
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
    for (int i = 0; i < sv.count && c->active; i++) {
        if (dict_get(c->topics, sv.data[i])) continue;
        ctl_topic_t *t = ctl_load_topic(c, sv.data[i]);
        if (!t) continue;
        t->is_new = true;
        dict_set(c->topics, t->name, t);
        log_info("ctl", "new topic %s with %d partitions", t->name, t->nparts);
        ctl_reconcile_topic(c, t, 0, &off, &b);
        b.metadata = true;
    }
    /* topics removed behind our back */
    size_t it = 0;
    const char *name;
    void *v;
    char **gone = calloc((c->topics ? dict_size(c->topics) : 0) + 1, sizeof(char *));
    int ngone = 0;
    while (c->active && dict_next(c->topics, &it, &name, &v)) {
        bool found = false;
        for (int i = 0; i < sv.count && !found; i++) found = strcmp(sv.data[i], name) == 0;
        if (!found) gone[ngone++] = strdup(name);
    }
    deallocate_String_vector(&sv);
    if (ngone) {
        for (int i = 0; i < ngone; i++)
            ((ctl_topic_t *)dict_get(c->topics, gone[i]))->deleting = true;
        b.metadata = true;
    }
    ctl_batch_send(c, &b);
    for (int i = 0; i < ngone; i++) {
        if (c->active) ctl_topic_free(dict_del(c->topics, gone[i]));
        free(gone[i]);
    }
    free(gone);
}

/* A topic's assignment znode changed (partitions added). */
void ctl_on_topic_changed(ctl_t *c, const char *name)
{
    ctl_topic_t *old = dict_get(c->topics, name);
    if (!old) return;
    ctl_topic_t *t = ctl_load_topic(c, name);
    if (!t) return;
    t->deleting = old->deleting;
    /* the controller's view of existing partitions is authoritative (it wrote them) */
    for (int32_t p = 0; p < old->nparts && p < t->nparts; p++) t->parts[p] = old->parts[p];
    int32_t first_new = old->nparts;
    ctl_topic_free(dict_set(c->topics, t->name, t));
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
    for (int i = 0; i < sv.count && c->active; i++) {
        const char *name = sv.data[i];
        char path[512];
        ctl_topic_t *t = dict_get(c->topics, name);
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
            ctl_topic_free(dict_del(c->topics, name));
            log_info("ctl", "deleted topic %s", name);
        }
        snprintf(path, sizeof(path), "%s/%s", ZKPATH_ADMIN_DELETE_TOPICS, name);
        zoo_delete(c->zh, path, -1);
    }
    deallocate_String_vector(&sv);
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
    for (int i = 0; i < n && c->active; i++) {
        ctl_topic_t *t = dict_get(c->topics, topics[i]);
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
    if (!c->active || !c->conf.auto_leader_rebalance || now_ms < c->next_rebalance_ms) return;
    c->next_rebalance_ms = now_ms + c->conf.leader_imbalance_check_ms;
    ctl_batch_t b;
    ctl_batch_init(&b);
    for (int i = 0; i < c->nlive && c->active; i++) {
        int32_t id = c->live[i].info.id;
        int total = 0, off = 0;
        size_t it = 0;
        void *v;
        while (dict_next(c->topics, &it, NULL, &v)) {
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
        while (c->active && dict_next(c->topics, &it, NULL, &v)) {
            ctl_topic_t *t = v;
            for (int32_t p = 0; p < t->nparts && !t->deleting && c->active; p++)
                if (t->parts[p].has_state && t->parts[p].replicas[0] == id)
                    ctl_elect_preferred(c, t, p, &b);
        }
    }
    ctl_batch_send(c, &b);
}

/* ---------------------------------------------------------------- operations */

static kerr_t ctl_check_requester(ctl_t *c, ctl_op_t *op)
{
    if (!c->active) return KERR_NOT_CONTROLLER;
    const ctl_broker_t *b = ctl_broker(c, op->broker_id);
    if (!b) return KERR_BROKER_NOT_AVAILABLE;
    if (op->broker_epoch >= 0 && op->broker_epoch != b->epoch) return KERR_STALE_BROKER_EPOCH;
    return KERR_NONE;
}

static ctl_topic_t *ctl_find_part(ctl_t *c, const char *topic, int32_t p)
{
    ctl_topic_t *t = dict_get(c->topics, topic);
    if (!t || t->deleting || p < 0 || p >= t->nparts || !t->parts[p].has_state) return NULL;
    return t;
}

static kerr_t ctl_alter_one(ctl_t *c, ctl_op_t *op, ctl_isr_change_t *ch, ctl_batch_t *b)
{
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
    if (!ids_same_set(ch->isr, ch->nisr, cp->isr, cp->nisr)) {
        ctl_part_t np = *cp;
        np.nisr = ch->nisr;
        memcpy(np.isr, ch->isr, (size_t)ch->nisr * sizeof(int32_t));
        bool grow = np.nisr > cp->nisr;
        if (!ctl_commit(c, t, ch->partition, &np, grow ? "ISR expand" : "ISR shrink"))
            return c->active ? KERR_INVALID_UPDATE_VERSION : KERR_NOT_CONTROLLER;
        b->metadata = true;
        if (grow) ctl_reassign_check(c, t, ch->partition, b); /* the target may be in sync */
    }
    ch->leader = cp->leader;
    ch->leader_epoch = cp->leader_epoch;
    ch->partition_epoch = cp->zkver;
    ch->nisr = cp->nisr;
    memcpy(ch->isr, cp->isr, (size_t)cp->nisr * sizeof(int32_t));
    return KERR_NONE;
}

void ctl_alter_partition(ctl_t *c, ctl_op_t *op)
{
    op->err = ctl_check_requester(c, op);
    if (op->err) return;
    ctl_batch_t b;
    ctl_batch_init(&b);
    for (int i = 0; i < op->nchanges && c->active; i++)
        op->changes[i].err = ctl_alter_one(c, op, &op->changes[i], &b);
    ctl_batch_send(c, &b);
}

static void ctl_op_tp_add(ctl_op_t *op, int *cap, const char *topic, int32_t p, kerr_t err)
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

/* Kafka's doControlledShutdown: move every leadership the broker holds to another ISR member
 * (ISR minus the broker), drop it from the ISR of partitions it follows, and stop its
 * replicas (without deleting them) so it neither serves nor fetches while it winds down.
 * Partitions it must keep leading (no other ISR member) are returned. */
void ctl_controlled_shutdown(ctl_t *c, ctl_op_t *op)
{
    op->err = ctl_check_requester(c, op);
    if (op->err) return;
    int32_t id = op->broker_id;
    for (int i = 0; i < c->nlive; i++)
        if (c->live[i].info.id == id) c->live[i].shutting_down = true;
    log_info("ctl", "controlled shutdown of broker %d", id);
    ctl_batch_t b;
    ctl_batch_init(&b);
    int cap = 0;
    ctl_offline_t off = {c, NULL, 0, NULL, 0};
    size_t it = 0;
    void *v;
    while (c->active && dict_next(c->topics, &it, NULL, &v)) {
        ctl_topic_t *t = v;
        for (int32_t p = 0; p < t->nparts && !t->deleting && c->active; p++) {
            ctl_part_t *cp = &t->parts[p];
            if (!cp->has_state || !ctl_ids_has(cp->replicas, cp->nreplicas, id)) continue;
            if (cp->nreplicas == 1) continue; /* nowhere to move: served until the end */
            off.topic = t->name;
            off.p = p;
            ctl_part_t np = *cp;
            if (cp->leader == id) {
                np.leader = ctl_pick_from_isr(c, cp, cp->isr, cp->nisr, &off, id);
                if (np.leader < 0) {
                    ctl_op_tp_add(op, &cap, t->name, p, KERR_NONE);
                    continue;
                }
            } else if (!ctl_ids_has(cp->isr, cp->nisr, id)) {
                ctl_batch_stop(&b, id, t->name, p, false);
                continue;
            }
            np.nisr = 0;
            for (int32_t i = 0; i < cp->nisr; i++)
                if (cp->isr[i] != id) np.isr[np.nisr++] = cp->isr[i];
            np.leader_epoch = cp->leader_epoch + 1;
            if (!ctl_commit(c, t, p, &np, "controlled shutdown")) {
                if (cp->leader == id) ctl_op_tp_add(op, &cap, t->name, p, KERR_NONE);
                continue;
            }
            for (int32_t i = 0; i < cp->nreplicas; i++)
                if (cp->replicas[i] != id && ctl_broker_live(c, cp->replicas[i]))
                    ctl_batch_lai(&b, cp->replicas[i], t, p);
            ctl_batch_stop(&b, id, t->name, p, false);
            b.metadata = true;
        }
    }
    ctl_batch_send(c, &b);
    log_info("ctl", "controlled shutdown of broker %d: %d partitions still led by it", id,
             op->ntps);
}

void ctl_elect_leaders(ctl_t *c, ctl_op_t *op)
{
    if (!c->active) {
        op->err = KERR_NOT_CONTROLLER;
        return;
    }
    ctl_batch_t b;
    ctl_batch_init(&b);
    if (op->all_partitions) {
        int cap = 0;
        size_t it = 0;
        void *v;
        while (dict_next(c->topics, &it, NULL, &v)) {
            ctl_topic_t *t = v;
            for (int32_t p = 0; p < t->nparts && !t->deleting; p++)
                ctl_op_tp_add(op, &cap, t->name, p, KERR_NONE);
        }
    }
    for (int i = 0; i < op->ntps && c->active; i++) {
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
