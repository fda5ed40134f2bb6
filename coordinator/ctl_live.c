/* ctl_live.c: the live brokers as the controller sees them: read from /brokers/ids (each with
 * the czxid of its registration as broker epoch), followed by watch (a broker gone or
 * restarted loses leadership and ISR membership; a broker started learns every partition it
 * hosts), and their controlled shutdown. Ctl thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "ctl_int.h"
#include "log.h"
#include "zkpath.h"

const ctl_broker_t *ctl_broker(const ctl_t *c, int32_t id)
{
    for (int i = 0; i < c->ctrl.nlive; i++)
        if (c->ctrl.live[i].info.id == id) return &c->ctrl.live[i];
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
    if (c->ctrl.active) {
        int n = 0;
        for (int i = 0; i < c->ctrl.nlive && n < max; i++)
            ctl_assign_broker(&out[n++], &c->ctrl.live[i].info);
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

/* Full LeaderAndIsr to broker id: every partition it hosts. */
void ctl_batch_all_of(ctl_t *c, ctl_batch_t *b, int32_t id)
{
    ctl_batch_full(b, id);
    size_t it = 0;
    void *v;
    while (dict_next(c->ctrl.topics, &it, NULL, &v)) {
        ctl_topic_t *t = v;
        if (t->deleting) continue;
        for (int32_t p = 0; p < t->nparts; p++)
            if (t->parts[p].has_state &&
                ctl_ids_has(t->parts[p].replicas, t->parts[p].nreplicas, id))
                ctl_batch_lai(b, id, t, p);
    }
}

/* ---------------------------------------------------------------- watch events */

void ctl_on_brokers_changed(ctl_t *c)
{
    int n = 0;
    ctl_broker_t *now = ctl_read_brokers(c, true, &n);
    if (!now) return;
    int32_t dead[256], bounced[256], started[256];
    int ndead = 0, nbounced = 0, nstarted = 0;
    for (int i = 0; i < c->ctrl.nlive; i++) {
        const ctl_broker_t *o = &c->ctrl.live[i];
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
    free(c->ctrl.live);
    c->ctrl.live = now;
    c->ctrl.nlive = n;
    if (ndead == 0 && nstarted == 0) return;
    /* drop the notifications of brokers gone or restarted, apply those of new registrations */
    ctl_on_log_dir_events(c);
    if (!c->ctrl.active) return;
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
    for (int i = 0; i < nstarted && c->ctrl.active; i++) {
        log_info("ctl", "broker %d is up", started[i]);
        ctl_batch_all_of(c, &b, started[i]);
    }
    ctl_reassign_check_all(c, &b); /* a leaving leader may have been waited for */
    b.metadata = true;
    ctl_batch_send(c, &b);
}

kerr_t ctl_check_requester(ctl_t *c, ctl_op_t *op)
{
    if (!c->ctrl.active) return KERR_NOT_CONTROLLER;
    const ctl_broker_t *b = ctl_broker(c, op->broker_id);
    if (!b) return KERR_BROKER_NOT_AVAILABLE;
    if (op->broker_epoch >= 0 && op->broker_epoch != b->epoch) return KERR_STALE_BROKER_EPOCH;
    return KERR_NONE;
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
    for (int i = 0; i < c->ctrl.nlive; i++)
        if (c->ctrl.live[i].info.id == id) c->ctrl.live[i].shutting_down = true;
    log_info("ctl", "controlled shutdown of broker %d", id);
    ctl_batch_t b;
    ctl_batch_init(&b);
    int cap = 0;
    ctl_offline_t off = {c, NULL, 0, NULL, 0};
    size_t it = 0;
    void *v;
    while (c->ctrl.active && dict_next(c->ctrl.topics, &it, NULL, &v)) {
        ctl_topic_t *t = v;
        for (int32_t p = 0; p < t->nparts && !t->deleting && c->ctrl.active; p++) {
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
