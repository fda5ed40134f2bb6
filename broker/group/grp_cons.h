/* grp_cons.h: a KIP-848 consumer-protocol group (ConsumerGroupHeartbeat), the state that
 * grp_cons.c keeps beside a grp_t whose type is "consumer" (g->cons != NULL).
 *
 * Epochs as KIP-848: the group epoch bumps when a member joins or leaves, a member's
 * subscription or server assignor changes, or a subscribed topic's partition count (or
 * existence) changes; the target assignment is recomputed by the selected assignor when the
 * group epoch is ahead of the assignment epoch. Each member reconciles towards its target on
 * its own heartbeats: partitions it must give up go to "revoking" and it stays at its epoch
 * until a heartbeat shows it no longer owns them; a partition goes to its new owner only once
 * no other member holds it (assigned or revoking); then the member takes the assignment epoch.
 *
 * Membership lives in memory only: it is not written to __consumer_offsets, so after a
 * coordinator failover members get UNKNOWN_MEMBER_ID and join again (their committed offsets
 * are kept, as every offset commit is a record of __consumer_offsets).
 *
 * Ownership: the grp_t owns its grp_cons_t (grp_cons_free from grp_destroy); the group owns its
 * members, each member its strings and partition sets. Reactor thread only. */
#ifndef GRP_CONS_H
#define GRP_CONS_H

#include <stdbool.h>
#include <stdint.h>

#include "ev.h"
#include "proto/kp_consumergroupheartbeat.h"

typedef struct grp grp_t;

/* One topic-partition, the topic by id (as the protocol names it). */
typedef struct grp_tp {
    uint8_t id[16];
    int32_t part;
} grp_tp_t;

/* A set of topic-partitions (sorted by id, then partition). */
typedef struct grp_tps {
    int n, cap;
    grp_tp_t *v;
} grp_tps_t;

typedef enum grp_cm_state {
    GRP_CM_STABLE,     /* has its whole target at the assignment epoch */
    GRP_CM_UNREVOKED,  /* must revoke partitions first; stays at its epoch */
    GRP_CM_UNRELEASED, /* at the assignment epoch, waiting for partitions others still hold */
} grp_cm_state_t;

typedef struct grp_cons grp_cons_t;

typedef struct grp_cmember {
    struct grp_cmember *next;
    grp_cons_t *cg;
    char *id, *instance_id, *rack_id, *client_id, *client_host, *assignor;
    int32_t epoch, prev_epoch; /* epoch -2: a static member that left for now */
    grp_cm_state_t state;
    int32_t rebalance_timeout_ms;
    int nsubs;
    char **subs; /* sorted, no duplicates */
    grp_tps_t assigned, revoking, target;
    ev_timer_id_t session_timer, revoke_timer;
} grp_cmember_t;

/* A subscribed topic as the group last saw it in the metadata (nparts 0: absent). */
typedef struct grp_cmeta {
    char *name;
    uint8_t id[16];
    int32_t nparts;
} grp_cmeta_t;

struct grp_cons {
    grp_t *g;
    int32_t group_epoch, assignment_epoch;
    char *assignor; /* of the current target */
    grp_cmember_t *members;
    int nmembers;
    int nmeta;
    grp_cmeta_t *meta; /* sorted by name */
};

/* ---- grp_cons.c, for grp_cons_hb.c (the heartbeat) ---- */
bool grp_tps_has(const grp_tps_t *s, const grp_tp_t *tp);
void grp_tps_add(grp_tps_t *s, const grp_tp_t *tp); /* keeps the order; no duplicates */
void grp_tps_clear(grp_tps_t *s);
bool grp_tps_eq(const grp_tps_t *a, const grp_tps_t *b);
void grp_tps_copy(grp_tps_t *dst, const grp_tps_t *src);
/* *field = a copy of v (unchanged when v is null). */
void grp_cons_set(char **field, kstr_t v);
grp_cmember_t *grp_cmember_find(grp_cons_t *cg, kstr_t id);
grp_cmember_t *grp_cmember_by_instance(grp_cons_t *cg, kstr_t instance_id);
grp_cmember_t *grp_cmember_add(grp_cons_t *cg, const char *id);
/* A member leaves the group (left, fenced or expired): the group epoch moves on. */
void grp_cmember_remove(grp_cons_t *cg, grp_cmember_t *m, const char *why);
/* Restart the member's session timer. */
void grp_cmember_touch(grp_cmember_t *m);
/* The request's topic names, sorted and without duplicates; true when they differ. */
bool grp_cmember_set_subs(grp_cmember_t *m, const kp_cgh_req_t *req);
/* The next group epoch (why is logged). */
void grp_cons_bump(grp_cons_t *cg, const char *why);
grp_cons_t *grp_cons_new(grp_t *g);
/* The subscribed topics as the metadata shows them now; bumps the group epoch on change. */
void grp_cons_refresh_meta(grp_cons_t *cg);
/* Compute the target assignment of the current group epoch. */
void grp_cons_compute_target(grp_cons_t *cg);
/* Move m towards its target given what it owns (NULL: unknown). */
void grp_cmember_reconcile(grp_cmember_t *m, const grp_tps_t *owned);

#endif
