/* rmgr_int.h: the replica manager's internal state, shared by its files (rmgr.h is the
 * public API):
 *   rmgr.c       lifetime, the partition table, role hooks, stopping replicas, periodic work
 *   rmgr_role.c  LeaderAndIsr: becoming leader or follower; the follower fetchers it owns
 *   rmgr_isr.c   leader: each follower's state, the high watermark, ISR shrink and expand
 *   rmgr_log.c   appends, truncation, log start offset moves (DeleteRecords, followers)
 *   rmgr_wait.c  the waiters (purgatory) and acks=all appends for the broker's own writers
 * Ownership: rm->topics owns every rtopic_t and its partitions; rm->fetchers owns the
 * fetchers; each waiter owns its links. Reactor thread only. */
#ifndef RMGR_INT_H
#define RMGR_INT_H

#include "ev.h"
#include "rmgr.h"

typedef struct dict dict_t;
typedef struct rthrottle rthrottle_t;
typedef struct logmove logmove_t;

typedef struct rtopic {
    int32_t nparts;
    partition_t **parts; /* index = partition id; NULL = not hosted */
} rtopic_t;

struct rmgr_wlink {
    rmgr_wlink_t *next, *prev;
    rmgr_waiter_t *w;
    partition_t *part;
};

struct rmgr_waiter {
    rmgr_waiter_t *gnext, *gprev; /* every waiter (rmgr_wake_all) */
    rmgr_t *rm;
    unsigned mask;
    int nlinks;
    rmgr_wlink_t *links;
    ev_timer_id_t timer;
    rmgr_wake_fn *fn;
    void *arg;
};

struct rmgr {
    rmgr_deps_t d;
    dict_t *topics; /* name -> rtopic_t* */
    rmgr_waiter_t *waiters;
    /* role hooks (the group and transaction coordinators) */
    int nhooks;
    rmgr_role_hook_fn *role_hook[RMGR_MAX_ROLE_HOOKS];
    void *role_hook_arg[RMGR_MAX_ROLE_HOOKS];
    int64_t lag_max_ms;
    int64_t last_isr_check_ms;
    rthrottle_t *throttle;
    logmove_t *moves;     /* replica moves between log dirs (logmove.h) */
    fetcher_t **fetchers; /* one per broker we follow (fetcher.h) */
    int nfetchers;
};

/* rmgr.c: the slot of topic-p, created (with no log yet) when missing. */
partition_t *rmgr_slot(rmgr_t *rm, const char *topic, int32_t p);
/* rmgr.c: run the role hooks for topic-p. */
void rmgr_role_changed(rmgr_t *rm, const char *topic, int32_t p, rmgr_role_t role,
                       int32_t leader_epoch);
/* rmgr_role.c: retry delayed partitions and fetchers; free fetchers left without partitions. */
void rmgr_fetchers_tick(rmgr_t *rm);
/* rmgr_isr.c: Kafka's maybeShrinkIsr for part (leader only). */
void rmgr_check_isr(rmgr_t *rm, partition_t *part, int64_t now);
/* rmgr_wait.c: fire the waiters of part interested in ev. */
void rmgr_wake(rmgr_t *rm, partition_t *part, unsigned ev);

#endif
