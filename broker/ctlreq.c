/* ctlreq.c: broker-to-controller requests (see ctlreq.h). */
#include "ctlreq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "log.h"
#include "mdcache.h"
#include "peer.h"
#include "proto/kp.h"
#include "proto/kp_alterpartition.h"
#include "proto/kp_controlledshutdown.h"

struct ctlreq {
    ctlreq_deps_t d;
    peer_t *peer; /* connection to the controller (NULL until needed) */
    int32_t peer_id;
};

static void ctlreq_finish_cb(ev_loop_t *loop, void *arg)
{
    (void)loop;
    ctl_op_t *op = arg;
    op->done(op, op->arg);
}

/* Fail op from the loop (never from inside ctlreq_submit). */
static void ctlreq_fail(ctlreq_t *cr, ctl_op_t *op, kerr_t err)
{
    op->err = err;
    for (int i = 0; i < op->nchanges; i++) op->changes[i].err = err;
    ev_timer_add(cr->d.loop, 0, ctlreq_finish_cb, op);
}

/* ---- AlterPartition ---- */

kp_altpart_part_t **ctlreq_altpart_group(const ctl_isr_change_t *ch, int n, arena_t *a,
                                         kp_altpart_t *r)
{
    int32_t *tix = malloc(((size_t)n + 1) * sizeof(int32_t)); /* change -> its topic */
    kp_altpart_part_t **part_of = arena_calloc(a, (size_t)n + 1, sizeof(*part_of));
    if (!tix) abort();
    r->ntopics = 0;
    r->topics = arena_calloc(a, (size_t)n + 1, sizeof(kp_altpart_topic_t));
    for (int i = 0; i < n; i++) {
        int32_t j = r->ntopics - 1; /* sorted input: the last topic, else a scan */
        if (j < 0 || !kstr_eq(r->topics[j].name, ch[i].topic))
            for (j = 0; j < r->ntopics && !kstr_eq(r->topics[j].name, ch[i].topic); j++) {
            }
        if (j == r->ntopics) {
            char *name = arena_strndup(a, ch[i].topic, strlen(ch[i].topic));
            r->topics[r->ntopics++].name = KSTR(name);
        }
        r->topics[j].nparts++; /* counted first: each topic's array is sized exactly */
        tix[i] = j;
    }
    for (int32_t j = 0; j < r->ntopics; j++) {
        r->topics[j].parts =
            arena_calloc(a, (size_t)r->topics[j].nparts, sizeof(kp_altpart_part_t));
        r->topics[j].nparts = 0;
    }
    for (int i = 0; i < n; i++) {
        kp_altpart_topic_t *t = &r->topics[tix[i]];
        part_of[i] = &t->parts[t->nparts++];
        part_of[i]->partition = ch[i].partition;
    }
    free(tix);
    return part_of;
}

static void ctlreq_encode_alter(const ctl_op_t *op, wbuf_t *wb)
{
    arena_t a;
    arena_init(&a);
    kp_altpart_t r;
    memset(&r, 0, sizeof(r));
    r.broker_id = op->broker_id;
    r.broker_epoch = op->broker_epoch;
    kp_altpart_part_t **part_of = ctlreq_altpart_group(op->changes, op->nchanges, &a, &r);
    for (int i = 0; i < op->nchanges; i++) {
        ctl_isr_change_t *ch = &op->changes[i];
        kp_altpart_part_t *p = part_of[i];
        p->leader_epoch = ch->leader_epoch;
        p->nisr = ch->nisr;
        p->isr = ch->isr;
        p->partition_epoch = ch->partition_epoch;
    }
    kp_altpart_req_encode(wb, &r);
    arena_free(&a);
}

static void ctlreq_decode_alter(ctl_op_t *op, rbuf_t *body)
{
    arena_t a;
    arena_init(&a);
    kp_altpart_t r;
    if (kp_altpart_resp_decode(body, &a, &r) != KERR_NONE) {
        op->err = KERR__TRANSPORT;
    } else if (r.error_code) {
        op->err = (kerr_t)r.error_code;
    } else {
        for (int i = 0; i < op->nchanges; i++) op->changes[i].err = KERR_UNKNOWN_SERVER_ERROR;
        int next = 0; /* answers come in the request's order: try the next change first */
        for (int32_t i = 0; i < r.ntopics; i++)
            for (int32_t j = 0; j < r.topics[i].nparts; j++) {
                kp_altpart_part_t *p = &r.topics[i].parts[j];
                for (int m = 0; m < op->nchanges; m++) {
                    int k = (next + m) % op->nchanges;
                    ctl_isr_change_t *ch = &op->changes[k];
                    if (ch->partition != p->partition || !kstr_eq(r.topics[i].name, ch->topic))
                        continue;
                    next = k + 1;
                    ch->err = (kerr_t)p->error_code;
                    ch->leader = p->leader_id;
                    ch->leader_epoch = p->leader_epoch;
                    ch->partition_epoch = p->partition_epoch;
                    ch->nisr = p->nisr > CTL_MAX_RF ? CTL_MAX_RF : p->nisr;
                    memcpy(ch->isr, p->isr, (size_t)ch->nisr * sizeof(int32_t));
                    break;
                }
            }
    }
    arena_free(&a);
}

/* ---- ControlledShutdown ---- */

static void ctlreq_decode_cshut(ctl_op_t *op, rbuf_t *body)
{
    arena_t a;
    arena_init(&a);
    kp_cshut_resp_t r;
    if (kp_cshut_resp_decode(body, &a, &r) != KERR_NONE) {
        op->err = KERR__TRANSPORT;
    } else {
        op->err = (kerr_t)r.error_code;
        op->tps = calloc((size_t)r.nremaining + 1, sizeof(ctl_tp_t));
        if (!op->tps) abort();
        for (int32_t i = 0; i < r.nremaining; i++) {
            op->tps[op->ntps].topic = kstr_dup(r.remaining[i].topic);
            if (!op->tps[op->ntps].topic) continue;
            op->tps[op->ntps++].partition = r.remaining[i].partition;
        }
    }
    arena_free(&a);
}

/* ---- routing ---- */

static void ctlreq_answered(void *arg, kerr_t err, rbuf_t *body)
{
    ctl_op_t *op = arg;
    if (err) {
        op->err = err == KERR__DESTROY ? KERR__TRANSPORT : err;
        for (int i = 0; i < op->nchanges; i++) op->changes[i].err = op->err;
    } else if (op->type == CTL_OP_ALTER_PARTITION) {
        ctlreq_decode_alter(op, body);
    } else {
        ctlreq_decode_cshut(op, body);
    }
    op->done(op, op->arg);
}

void ctlreq_submit(ctlreq_t *cr, ctl_op_t *op)
{
    int32_t ctl = mdcache_controller(cr->d.md);
    if (ctl == cr->d.broker_id) {
        ctl_submit(cr->d.ctl, op);
        return;
    }
    const md_broker_t *b = ctl >= 0 ? mdcache_broker(cr->d.md, ctl) : NULL;
    const md_endpoint_t *e = b ? md_broker_endpoint(b, cr->d.inter_broker_listener) : NULL;
    if (!e && b && b->nendpoints > 0) e = &b->ep[0];
    if (!e) {
        ctlreq_fail(cr, op, KERR_NOT_CONTROLLER);
        return;
    }
    if (cr->peer && cr->peer_id != ctl) {
        peer_free(cr->peer);
        cr->peer = NULL;
    }
    if (!cr->peer) {
        char name[32], cid[48];
        snprintf(name, sizeof(name), "controller %d", ctl);
        snprintf(cid, sizeof(cid), "broker-%d-to-controller", cr->d.broker_id);
        cr->peer = peer_new(cr->d.loop, name, cid, e->host, e->port, 16u << 20);
        cr->peer_id = ctl;
    } else {
        peer_set_addr(cr->peer, e->host, e->port);
    }
    wbuf_t wb;
    wbuf_init(&wb);
    if (op->type == CTL_OP_ALTER_PARTITION) {
        ctlreq_encode_alter(op, &wb);
        peer_request(cr->peer, KAPI_ALTER_PARTITION, KP_ALTER_PARTITION_VERSION, true, &wb,
                     CTLREQ_TIMEOUT_MS, ctlreq_answered, op);
    } else {
        kp_cshut_req_t r = {.broker_id = op->broker_id, .broker_epoch = op->broker_epoch};
        kp_cshut_req_encode(&wb, &r);
        peer_request(cr->peer, KAPI_CONTROLLED_SHUTDOWN, KP_CONTROLLED_SHUTDOWN_VERSION, true, &wb,
                     CTLREQ_TIMEOUT_MS, ctlreq_answered, op);
    }
    wbuf_free(&wb);
}

ctlreq_t *ctlreq_new(const ctlreq_deps_t *d)
{
    ctlreq_t *cr = calloc(1, sizeof(*cr));
    if (!cr) abort();
    cr->d = *d;
    cr->peer_id = -1;
    return cr;
}

void ctlreq_free(ctlreq_t *cr)
{
    if (!cr) return;
    ctlreq_close(cr);
    free(cr);
}

void ctlreq_close(ctlreq_t *cr)
{
    peer_free(cr->peer);
    cr->peer = NULL;
}
