/* drill_faults.c: kafka-drill's drills: each fault applied to a node, held (watching the node's
 * roles move to others) and healed, then the wait for a full ISR, recorded as an event for the
 * report. See drill.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "drill.h"

/* ---- the drills ---- */

dr_event_t dr_events[MAX_EVENTS];
int dr_nevents;
bool dr_failed_run;
char dr_fail_reason[512];

void dr_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!dr_failed_run) vsnprintf(dr_fail_reason, sizeof(dr_fail_reason), fmt, ap);
    va_end(ap);
    dr_failed_run = true;
    dr_say("drill failed: %s", dr_fail_reason);
}

static bool is_broker(const dr_cluster_t *c, const dr_node_t *n)
{
    return n >= c->brokers && n < c->brokers + c->nbrokers;
}

static void clear_roles(dr_event_t *ev)
{
    ev->t_moved = -1;
    ev->nled = 0;
    ev->was_controller = false;
}

/* Before a broker fault that lasts a while: what n leads (partitions, controller). */
static void note_roles(dr_ctx_t *d, const dr_node_t *n, dr_event_t *ev)
{
    dr_tstate_t ts;
    clear_roles(ev);
    if (!is_broker(d->c, n) || dr_topic_state(-1, &ts, 5000) != 0) return;
    for (int p = 0; p < ts.nparts && p < dr_nparts; p++) {
        ev->led[p] = ts.leader[p] == n->id;
        ev->nled += ev->led[p];
    }
    ev->was_controller = ts.controller == n->id;
}

/* Everything n held has another holder in the metadata. A short timeout: a stopped or cut-off
 * broker may be the one asked, and the watch must not outlast the fault by much. */
static bool roles_moved(const dr_node_t *n, const dr_event_t *ev)
{
    dr_tstate_t ts;
    if (dr_topic_state(n->id, &ts, 1000) != 0) return false;
    for (int p = 0; p < ts.nparts && p < dr_nparts; p++)
        if (ev->led[p] && (ts.leader[p] < 0 || ts.leader[p] == n->id)) return false;
    return !ev->was_controller || (ts.controller >= 0 && ts.controller != n->id);
}

/* Hold the fault for down_ms, watching for the moment n's roles moved. */
static void hold_fault(const dr_node_t *n, dr_event_t *ev, int down_ms)
{
    int64_t end = ev->t_fault + (int64_t)down_ms * 1000;
    bool watch = ev->nled > 0 || ev->was_controller;
    while (dr_now_us() < end) {
        if (watch && ev->t_moved < 0 && roles_moved(n, ev)) {
            ev->t_moved = dr_now_us();
            dr_say("broker %d's leadership%s moved to others (%.1f s after the fault)", n->id,
                   ev->was_controller ? " and the controller role" : "",
                   (double)(ev->t_moved - ev->t_fault) / 1e6);
        }
        int64_t left_ms = (end - dr_now_us()) / 1000;
        if (left_ms > 0)
            dr_sleep_ms(watch && ev->t_moved < 0 && left_ms > 100 ? 100 : (int)left_ms);
    }
}

/* One fault: apply `fault` to n, wait down_ms, apply `heal`, wait for a full ISR. */
static void fault_and_heal(dr_ctx_t *d, dr_node_t *n, dr_act_t fault, dr_act_t heal, int down_ms,
                           const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void fault_and_heal(dr_ctx_t *d, dr_node_t *n, dr_act_t fault, dr_act_t heal, int down_ms,
                           const char *fmt, ...)
{
    if (dr_nevents >= MAX_EVENTS) return;
    dr_event_t *ev = &dr_events[dr_nevents++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->what, sizeof(ev->what), fmt, ap);
    va_end(ap);
    if (down_ms > 0) /* a restart (down_ms 0) moves leaders in its controlled shutdown */
        note_roles(d, n, ev);
    else
        clear_roles(ev);
    dr_say("%s", ev->what);
    dr_undo.c = d->c;
    dr_undo.n = n;
    dr_undo.undo = heal;
    dr_undo.pending = true;
    /* the fault's time is when it is done to the node: taken before note_roles' metadata
     * requests, a loaded machine let messages sent in between be acked "after" the kill */
    ev->t_fault = dr_now_us();
    if (dr_node_act(d->c, n, fault) != 0) {
        dr_undo.pending = false;
        ev->t_heal = ev->t_isr = -1;
        dr_fail("could not %s %s", dr_act_names[fault], n->name);
        return;
    }
    hold_fault(n, ev, down_ms);
    dr_say("%s %s", dr_act_names[heal], n->name);
    dr_undo.pending = false;
    if (dr_node_act(d->c, n, heal) != 0) dr_fail("could not %s %s", dr_act_names[heal], n->name);
    ev->t_heal = dr_now_us();
    ev->t_isr = dr_wait_isr_full(is_broker(d->c, n) ? n->id : -1, d->recover_s);
    if (ev->t_isr < 0)
        dr_fail("ISR not full again %d s after %s %s", d->recover_s, dr_act_names[heal], n->name);
    else
        dr_say("ISR full again (%.1f s after the fault)", (double)(ev->t_isr - ev->t_fault) / 1e6);
}

static dr_node_t *target_broker(dr_ctx_t *d, int id, const char *role)
{
    if (d->target > 0) id = d->target;
    dr_node_t *n = id >= 0 ? dr_broker_by_id(d->c, id) : NULL;
    if (!n) dr_fail("no broker for the %s (broker id %d)", role, id);
    return n;
}

/* Stop every broker, wait down_ms, start them all again. */
static void full_restart(dr_ctx_t *d)
{
    dr_cluster_t *c = d->c;
    dr_event_t *ev = &dr_events[dr_nevents++];
    snprintf(ev->what, sizeof(ev->what), "stop all %d brokers, start them again", c->nbrokers);
    ev->t_fault = dr_now_us();
    clear_roles(ev);
    dr_say("%s", ev->what);
    for (int i = 0; i < c->nbrokers; i++)
        if (dr_node_act(c, &c->brokers[i], A_TERM) != 0)
            dr_fail("could not stop broker %d", c->brokers[i].id);
    dr_say("all brokers stopped");
    dr_sleep_ms(d->down_ms);
    for (int i = 0; i < c->nbrokers; i++)
        if (dr_node_act(c, &c->brokers[i], A_START) != 0)
            dr_fail("could not start broker %d", c->brokers[i].id);
    ev->t_heal = dr_now_us();
    dr_say("all brokers started");
    ev->t_isr = dr_wait_isr_full(-1, d->recover_s);
    if (ev->t_isr < 0) dr_fail("ISR not full again %d s after the restart", d->recover_s);
}

/* kill -9 the ZooKeeper leader, start it again, and wait for the ensemble to lead again. */
static void kill_zk_leader(dr_ctx_t *d)
{
    dr_cluster_t *c = d->c;
    dr_node_t *z = dr_zk_leader(c);
    if (!z) {
        dr_fail("no ZooKeeper node is leading");
        return;
    }
    fault_and_heal(d, z, A_KILL, A_START, d->down_ms, "kill -9 ZooKeeper node %s (leader)",
                   z->name);
    int64_t deadline = dr_now_us() + 60000000;
    while (!dr_zk_leader(c) && dr_now_us() < deadline) dr_sleep_ms(500);
    dr_node_t *nl = dr_zk_leader(c);
    if (!nl)
        dr_fail("the ZooKeeper ensemble has no leader again");
    else
        dr_say("ZooKeeper leader: %s", nl->name);
}

void dr_run_drill(dr_ctx_t *d, const char *drill)
{
    dr_cluster_t *c = d->c;
    if (strcmp(drill, "none") == 0) {
        dr_say("no fault (baseline)");
        dr_sleep_ms(d->down_ms);
    } else if (strcmp(drill, "kill-leader") == 0 || strcmp(drill, "stop-leader") == 0 ||
               strcmp(drill, "isolate") == 0) {
        int leader = dr_leader_of(0);
        dr_node_t *n = target_broker(d, leader, "leader of partition 0");
        if (!n) return;
        const char *role = n->id == leader ? " (leader of partition 0)" : "";
        if (drill[0] == 'k')
            fault_and_heal(d, n, A_KILL, A_START, d->down_ms, "kill -9 broker %d%s", n->id, role);
        else if (drill[0] == 's')
            fault_and_heal(d, n, A_STOP, A_CONT, d->down_ms,
                           "SIGSTOP broker %d%s for %.1f s (ZooKeeper session %.1f s)", n->id, role,
                           d->down_ms / 1e3, c->session_timeout_ms / 1e3);
        else
            fault_and_heal(d, n, A_ISOLATE, A_HEAL, d->down_ms,
                           "isolate broker %d%s from the network for %.1f s", n->id, role,
                           d->down_ms / 1e3);
    } else if (strcmp(drill, "kill-controller") == 0) {
        int ctl = rd_kafka_controllerid(d->meta, 5000);
        dr_node_t *n = target_broker(d, ctl, "controller");
        if (n)
            fault_and_heal(d, n, A_KILL, A_START, d->down_ms, "kill -9 broker %d%s", n->id,
                           n->id == ctl ? " (the controller)" : "");
    } else if (strcmp(drill, "rolling-restart") == 0) {
        /* one broker at a time, the controller last, each back in the ISR before the next */
        int ctl = rd_kafka_controllerid(d->meta, 5000);
        dr_node_t *order[MAX_NODES];
        int k = 0;
        for (int i = 0; i < c->nbrokers; i++)
            if (c->brokers[i].id != ctl) order[k++] = &c->brokers[i];
        for (int i = 0; i < c->nbrokers; i++)
            if (c->brokers[i].id == ctl) order[k++] = &c->brokers[i];
        for (int i = 0; i < k && !dr_failed_run; i++) {
            fault_and_heal(d, order[i], A_TERM, A_START, 0, "restart broker %d%s", order[i]->id,
                           order[i]->id == ctl ? " (the controller)" : "");
            dr_sleep_ms(2000);
        }
    } else if (strcmp(drill, "full-restart") == 0) {
        full_restart(d);
    } else if (strcmp(drill, "kill-zk-leader") == 0) {
        kill_zk_leader(d);
    } else {
        cli_die(TOOL, "unknown drill '%s' (see --help)", drill);
    }
}
