/* server.h: the broker process state and its wiring (DESIGN.md section 1).
 *
 * One server_t per process, owned by main(). Every field is touched only on the reactor
 * thread, except `loop` (ev_post is thread-safe). Start-up order: config -> log manager
 * (recovery) -> ZooKeeper session -> cluster id, broker registration -> controller candidate
 * -> listeners. Shutdown (SIGTERM/SIGINT): stop accepting, close connections, deregister,
 * flush logs, write checkpoints and the clean-shutdown marker. */
#ifndef SERVER_H
#define SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "ev.h"
#include "kerr.h"
#include "api/api_env.h"
#include "conn.h"
#include "sec.h"

typedef struct lmgr lmgr_t;
typedef struct rmgr rmgr_t;
typedef struct fsess_cache fsess_cache_t;
typedef struct mdcache mdcache_t;
typedef struct ctl ctl_t;
typedef struct peer peer_t;
typedef struct chan_mgr chan_mgr_t;
typedef struct grp_coord grp_coord_t;
typedef struct txn_coord txn_coord_t;
typedef struct metrics metrics_t;
typedef struct bhttp bhttp_t;
typedef struct quota_mgr quota_mgr_t;
typedef struct authz authz_t;
typedef struct tconf tconf_t;
typedef struct ctlreq ctlreq_t;
typedef struct ctlapply ctlapply_t;
typedef struct isr isr_t;
typedef struct ldfail ldfail_t;

#define SERVER_MAX_LISTENERS 8

typedef struct server server_t;

struct server {
    ev_loop_t *loop;
    cfg_t *cfg;
    int32_t broker_id;
    int64_t broker_epoch; /* czxid of our registration (changes when re-registered) */
    char inter_broker_listener[64];
    sec_client_t sec_client; /* how this broker connects to the others (sec.h) */
    char cluster_id[64];
    listener_t listeners[SERVER_MAX_LISTENERS];
    int nlisteners;
    lmgr_t *lmgr;
    rmgr_t *rmgr;
    fsess_cache_t *fsess; /* fetch sessions (replica/fsess.h) */
    mdcache_t *md;
    ctl_t *ctl;
    grp_coord_t *grp;     /* group coordinator (broker/group/grp.h) */
    txn_coord_t *txn;     /* transaction coordinator (broker/txn/txn.h) */
    metrics_t *metrics;   /* counters (metrics.h); never NULL once started */
    quota_mgr_t *quota;   /* client quotas (quota.h); never NULL once started */
    authz_t *authz;       /* authorizer.class.name (authz.h); NULL = no authorization */
    bhttp_t *http;        /* http.listeners: /metrics, /v1/, console (bhttp.h); NULL = off */
    sasl_users_t *users;  /* sasl.c: SCRAM credentials from /config/users, PLAIN users */
    conn_env_t net;       /* what the connections are given (conn.h; filled at start) */
    api_env_t api;        /* what the API handlers are given (api/api_env.h; idem) */
    tconf_t *tconf;       /* tconf.c: per-topic config overrides */
    ctlreq_t *ctlreq;     /* ctlreq.h: requests to the controller */
    ctlapply_t *ctlapply; /* ctlapply.h: applies the controller's messages */
    isr_t *isr;           /* isr.h: the leaders' ISR proposals */
    ldfail_t *ldfail;     /* ldfail.h: log dir failures */
    chan_mgr_t *chan;     /* coordinator/chan.c: the controller's channels to brokers */
    bool stopping;
    bool ready;         /* registered and serving */
    bool shutting_down; /* controlled shutdown in progress */
    int shutdown_attempts;
};

/* Registered in ZooKeeper (first time: open the listeners and serve; later, a new session:
 * tell the controller again about offline log dirs). */
void server_registered(server_t *srv, const char *cluster_id, int64_t broker_epoch);

/* Stop the broker with exit status 1 (logged with why): an unclean stop. */
void server_fatal(server_t *srv, const char *why);

/* Build and start everything from a finished config. Returns 0, or -1 after logging why. */
int server_start(server_t *srv, cfg_t *cfg);
/* Run the reactor until a stop signal; then shut down cleanly. Returns the exit status. */
int server_run(server_t *srv);

#endif
