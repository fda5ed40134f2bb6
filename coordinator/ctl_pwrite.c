/* ctl_pwrite.c: the controller's partition-state znodes: reading one, writing one, and writing
 * many with all the writes in flight at once. Every write is a zoo_multi that checks
 * /controller_epoch's version (fencing older controllers) and the state znode's version (the
 * partition epoch); a fenced write makes this broker resign. Ctl thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_int.h"
#include "log.h"
#include "zkpath.h"

#define CTL_FENCED (-10000) /* ctl_write_state: /controller_epoch moved on */

/* cp's state from its znode's data (has_state false when malformed). */
static void ctl_pstate_set(ctl_part_t *cp, const char *data, const struct Stat *st,
                           const char *spath)
{
    zkpath_pstate_t ps;
    cp->has_state = false;
    if (zkpath_pstate_parse(data, &ps) != KERR_NONE) {
        log_warn("ctl", "malformed partition state %s ignored", spath);
        return;
    }
    cp->has_state = true;
    cp->leader = ps.leader;
    cp->leader_epoch = ps.leader_epoch;
    cp->nisr = ps.nisr > CTL_MAX_RF ? CTL_MAX_RF : ps.nisr;
    memcpy(cp->isr, ps.isr, (size_t)cp->nisr * sizeof(int32_t));
    cp->zkver = st->version;
}

/* Read one partition's state znode into cp (has_state false when it does not exist). */
void ctl_load_pstate(ctl_t *c, const char *name, int32_t p, ctl_part_t *cp)
{
    char spath[512];
    zkpath_partition_state(spath, sizeof(spath), name, p);
    char *data = NULL;
    struct Stat st;
    cp->has_state = false;
    if (ctl_zget(c, spath, false, &data, &st) != ZOK) return;
    ctl_pstate_set(cp, data, &st, spath);
    free(data);
}

/* Read the state znodes of every partition of ts[0..nts) with all the reads in flight at once
 * (a new controller of 10,000 partitions waits for ZooKeeper once, not 10,000 times). false
 * when ZooKeeper did not answer them all in time (the states are then not set). */
bool ctl_load_pstates(ctl_t *c, ctl_topic_t *const *ts, int nts)
{
    int n = 0;
    for (int i = 0; i < nts; i++) n += ts[i]->nparts;
    char **paths = calloc((size_t)n + 1, sizeof(char *));
    if (!paths) abort();
    for (int i = 0, k = 0; i < nts; i++)
        for (int32_t p = 0; p < ts[i]->nparts; p++, k++) {
            char spath[512];
            zkpath_partition_state(spath, sizeof(spath), ts[i]->name, p);
            paths[k] = strdup(spath);
            if (!paths[k]) abort();
        }
    ctl_zread_t *r = ctl_zget_many(c, paths, n, false);
    for (int i = 0, k = 0; r && i < nts; i++)
        for (int32_t p = 0; p < ts[i]->nparts; p++, k++) {
            ts[i]->parts[p].has_state = false;
            if (r[k].rc == ZOK)
                ctl_pstate_set(&ts[i]->parts[p], r[k].data, &r[k].st, paths[k]);
            else if (r[k].rc != ZNONODE)
                log_error("ctl", "read %s failed: %s", paths[k], zerror(r[k].rc));
        }
    for (int k = 0; k < n; k++) free(paths[k]);
    free(paths);
    bool ok = r != NULL;
    ctl_zread_free(r, n);
    return ok;
}

/* Whether a multi's rc is ZooKeeper's answer (one op refused) rather than a connection
 * failure (after which the client may still write the results). */
static bool ctl_zanswered(int rc)
{
    return rc == ZBADVERSION || rc == ZNONODE || rc == ZNODEEXISTS || rc == ZNOAUTH ||
           rc == ZBADARGUMENTS || rc == ZRUNTIMEINCONSISTENCY;
}

/* Write a partition state, fenced by the controller epoch znode's version and (update) by the
 * state znode's version. ZOK (cp->zkver updated), CTL_FENCED (we are no longer the
 * controller: resigned), or the ZooKeeper error. */
static int ctl_write_state(ctl_t *c, const char *topic, int32_t p, ctl_part_t *cp, bool create)
{
    char spath[512];
    zkpath_partition_state(spath, sizeof(spath), topic, p);
    zkpath_pstate_t ps = {.controller_epoch = c->ctrl.epoch,
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
    zoo_check_op_init(&ops[0], ZKPATH_CONTROLLER_EPOCH, c->ctrl.epoch_zkver);
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
    if (!ctl_zanswered(rc)) return rc; /* out stays allocated: see above */
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

/* Partition writes per multi: each multi is one ZooKeeper transaction (one check of
 * /controller_epoch, then each partition's set, or its two creates), so 10,000 partitions cost
 * 100 transactions, not 10,000; 100 states of about 200 bytes stay far below jute.maxbuffer. */
#define CTL_MULTI_PARTS 100

/* One multi in flight: the ZooKeeper client writes rc and res when the answer arrives (the
 * partitions' Stats go to their own ctl_change_t), on the heap for the same reason as in
 * ctl_write_state. */
typedef struct ctl_multi {
    int first, n; /* its changes */
    int rc;
    bool done;
    ctl_zwait_t *wait;
    zoo_op_result_t res[1 + 2 * CTL_MULTI_PARTS];
} ctl_multi_t;

/* ZooKeeper's IO thread: one multi answered. */
static void ctl_multi_answered(int rc, const void *data)
{
    ctl_multi_t *m = (ctl_multi_t *)data;
    m->rc = rc;
    ctl_zwait_end(m->wait, &m->done);
}

/* The "partitions" znode of every topic among ch that gets a new partition (a multi's create of
 * the partition's own znode needs its parent). */
static void ctl_mkdirs_new(ctl_t *c, ctl_change_t *ch, int n)
{
    const ctl_topic_t *last = NULL;
    for (int i = 0; i < n; i++) {
        if (ch[i].t->parts[ch[i].p].has_state || ch[i].t == last) continue;
        last = ch[i].t;
        char ppath[512];
        zkpath_partition(ppath, sizeof(ppath), ch[i].t->name, 0);
        char *slash = strrchr(ppath, '/');
        if (slash) *slash = '\0';
        ctl_zmkdirs(c, ppath);
    }
}

/* The ops of m's partition writes (out[m->first..]) after the check of /controller_epoch; the
 * strings they point to are added to str (freed once the multi is sent). The op count. */
static int ctl_multi_ops(ctl_t *c, ctl_multi_t *m, ctl_change_t *out, zoo_op_t *ops, char **str)
{
    int nops = 0, ns = 0;
    zoo_check_op_init(&ops[nops++], ZKPATH_CONTROLLER_EPOCH, c->ctrl.epoch_zkver);
    for (int i = m->first; i < m->first + m->n; i++) {
        ctl_change_t *o = &out[i];
        ctl_part_t *cp = &o->t->parts[o->p];
        o->np.zkver = cp->zkver;
        char path[512];
        zkpath_pstate_t ps = {.controller_epoch = c->ctrl.epoch,
                              .leader = o->np.leader,
                              .leader_epoch = o->np.leader_epoch,
                              .nisr = o->np.nisr};
        size_t k = o->np.nisr > 0 ? (size_t)o->np.nisr : 0;
        if (k > ZKPATH_MAX_ISR) k = ZKPATH_MAX_ISR;
        memcpy(ps.isr, o->np.isr, k * sizeof(int32_t));
        char *json = str[ns++] = zkpath_pstate_json(&ps);
        if (!cp->has_state) {
            zkpath_partition(path, sizeof(path), o->t->name, o->p);
            char *pp = str[ns++] = strdup(path);
            if (!pp) abort();
            zoo_create_op_init(&ops[nops++], pp, NULL, -1, zkauth_acl(&c->conf.zkauth, pp), 0, NULL,
                               0);
        }
        zkpath_partition_state(path, sizeof(path), o->t->name, o->p);
        char *sp = str[ns++] = strdup(path);
        if (!sp) abort();
        if (cp->has_state)
            zoo_set_op_init(&ops[nops++], sp, json, (int)strlen(json), cp->zkver, &o->st);
        else
            zoo_create_op_init(&ops[nops++], sp, json, (int)strlen(json),
                               zkauth_acl(&c->conf.zkauth, sp), 0, NULL, 0);
    }
    str[ns] = NULL;
    return nops;
}

/* Apply the outcome of multi m to its changes (out[m->first..]), copying each back to ch.
 * A multi that failed on one partition (a conflict, a znode left by an earlier attempt) is
 * redone one partition at a time, each write fenced as before. The number written; *fenced
 * when /controller_epoch had moved on. */
static int ctl_multi_apply(ctl_t *c, ctl_multi_t *m, ctl_change_t *out, ctl_change_t *ch,
                           bool *fenced)
{
    int written = 0;
    int rc = m->done ? m->rc : ZOPERATIONTIMEOUT;
    if (rc != ZOK && m->done && (m->res[0].err == ZBADVERSION || m->res[0].err == ZNONODE)) {
        *fenced = true;
        return 0;
    }
    bool retry = m->done && ctl_zanswered(rc);
    for (int i = m->first; i < m->first + m->n && c->ctrl.active; i++) {
        ctl_change_t *o = &out[i];
        bool create = !o->t->parts[o->p].has_state;
        if (retry) {
            written += ctl_commit(c, o->t, o->p, &o->np, o->why);
        } else {
            if (rc == ZOK) o->np.zkver = create ? 0 : o->st.version;
            written += ctl_commit_done(c, o->t, o->p, &o->np, o->why, rc);
        }
        ch[i].np = o->np;
    }
    return written;
}

/* Write every change's state with the multis all in flight at once (a controller electing
 * leaders for 10,000 partitions waits for ZooKeeper about once), every partition's write
 * fenced by /controller_epoch's version and its own znode's version as ctl_write_state()
 * does; applies the written ones (ctl_commit_done) and returns how many were written. A
 * give-up (no answer within the session timeout) leaks the storage the client may still
 * write. */
int ctl_commit_many(ctl_t *c, ctl_change_t *ch, int n)
{
    if (n <= 0) return 0;
    if (zoo_state(c->zh) != ZOO_CONNECTED_STATE) {
        for (int i = 0; i < n; i++)
            ctl_commit_done(c, ch[i].t, ch[i].p, &ch[i].np, ch[i].why, ZCONNECTIONLOSS);
        return 0;
    }
    ctl_mkdirs_new(c, ch, n);
    int nm = (n + CTL_MULTI_PARTS - 1) / CTL_MULTI_PARTS;
    ctl_zwait_t *w = ctl_zwait_new();
    ctl_change_t *out = calloc((size_t)n, sizeof(*out)); /* where the client writes Stats */
    ctl_multi_t *ms = calloc((size_t)nm, sizeof(*ms));
    if (!out || !ms) abort();
    memcpy(out, ch, (size_t)n * sizeof(*out));
    zoo_op_t ops[1 + 2 * CTL_MULTI_PARTS];
    char *str[1 + 3 * CTL_MULTI_PARTS];
    for (int k = 0; k < nm; k++) {
        ctl_multi_t *m = &ms[k];
        m->first = k * CTL_MULTI_PARTS;
        m->n = n - m->first < CTL_MULTI_PARTS ? n - m->first : CTL_MULTI_PARTS;
        m->wait = w;
        int nops = ctl_multi_ops(c, m, out, ops, str);
        ctl_zwait_add(w, 1);
        /* the request is serialized before zoo_amulti returns: the strings may go */
        int rc = zoo_amulti(c->zh, nops, ops, m->res, ctl_multi_answered, m);
        for (int i = 0; str[i]; i++) free(str[i]);
        if (rc != ZOK) {
            m->rc = rc;
            m->done = true;
            ctl_zwait_add(w, -1);
        }
    }
    bool all = ctl_zwait_all(c, w);
    int written = 0;
    bool fenced = false;
    for (int k = 0; k < nm && !fenced && c->ctrl.active; k++)
        written += ctl_multi_apply(c, &ms[k], out, ch, &fenced);
    if (all) {
        ctl_zwait_free(w);
        free(ms);
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
