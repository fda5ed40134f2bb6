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
#include "sec.h"

typedef struct lmgr lmgr_t;
typedef struct rmgr rmgr_t;
typedef struct mdcache mdcache_t;
typedef struct ctl ctl_t;
typedef struct conn conn_t;
typedef struct peer peer_t;
typedef struct chan_mgr chan_mgr_t;
typedef struct pidgen pidgen_t;
typedef struct grp_coord grp_coord_t;
typedef struct txn_coord txn_coord_t;
typedef struct metrics metrics_t;
typedef struct bhttp bhttp_t;
typedef struct quota_mgr quota_mgr_t;
typedef struct authz authz_t;
typedef struct tconf tconf_t;
typedef struct md_waiter md_waiter_t;
typedef struct ctlreq ctlreq_t;
typedef struct ctlapply ctlapply_t;
typedef struct isr isr_t;
typedef struct ldfail ldfail_t;

#define SERVER_MAX_LISTENERS 8

typedef struct server server_t;

typedef struct listener {
    server_t *srv;
    char name[64];  /* listener name, e.g. PLAINTEXT */
    char host[256]; /* bind host */
    int port;
    char adv_host[256]; /* advertised host:port for Metadata */
    int adv_port;
    int fd;
    sec_listener_t sec;         /* protocol, TLS context, SASL mechanisms (sec.h) */
    ev_timer_id_t accept_timer; /* accepting paused (out of fds) until it fires; 0 = not */
    int64_t accept_warned_ms;   /* when running out of fds on accept was last logged */
} listener_t;

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
    mdcache_t *md;
    ctl_t *ctl;
    grp_coord_t *grp;          /* group coordinator (broker/group/grp.h) */
    txn_coord_t *txn;          /* transaction coordinator (broker/txn/txn.h) */
    metrics_t *metrics;        /* counters (metrics.h); never NULL once started */
    quota_mgr_t *quota;        /* client quotas (quota.h); never NULL once started */
    authz_t *authz;            /* authorizer.class.name (authz.h); NULL = no authorization */
    bhttp_t *http;             /* http.listeners: /metrics, /v1/, console (bhttp.h); NULL = off */
    conn_t *conns;             /* all open connections (intrusive list) */
    int64_t max_request_bytes; /* socket.request.max.bytes */
    int64_t sasl_max_receive;  /* sasl.server.max.receive.size: frames before authentication */
    struct dict *scram_users;  /* sasl.c: user -> SCRAM credentials from /config/users */
    md_waiter_t *md_waiters;   /* server.c: requests waiting for a metadata change */
    tconf_t *tconf;            /* tconf.c: per-topic config overrides */
    struct dict *autocreating; /* topics with an auto-create in flight */
    ctlreq_t *ctlreq;          /* ctlreq.h: requests to the controller */
    ctlapply_t *ctlapply;      /* ctlapply.h: applies the controller's messages */
    isr_t *isr;                /* isr.h: the leaders' ISR proposals */
    ldfail_t *ldfail;          /* ldfail.h: log dir failures */
    chan_mgr_t *chan;          /* coordinator/chan.c: the controller's channels to brokers */
    pidgen_t *pidgen;          /* api_initproducerid.c: producer id block in use */
    bool rack_selector;        /* replica.selector.class=RackAwareReplicaSelector (KIP-392) */
    bool stopping;
    bool ready;         /* registered and serving */
    bool shutting_down; /* controlled shutdown in progress */
    int shutdown_attempts;
};

/* Metadata waiters: fn(arg, false) is called now and after every metadata update until it
 * returns true; fn(arg, true) is called once if timeout_ms passes first. */
typedef bool server_md_check_fn(void *arg, bool timed_out);
void server_md_wait(server_t *srv, int64_t timeout_ms, server_md_check_fn *fn, void *arg);

/* The metadata cache changed: re-run the metadata waiters (ctlapply.c). */
void server_md_changed(server_t *srv);

/* Registered in ZooKeeper (first time: open the listeners and serve; later, a new session:
 * tell the controller again about offline log dirs). */
void server_registered(server_t *srv, const char *cluster_id, int64_t broker_epoch);

/* Auto-create topic with the broker defaults (Metadata path); at most one in flight per topic. */
void server_autocreate_topic(server_t *srv, const char *topic);

/* Stop the broker with exit status 1 (logged with why): an unclean stop. */
void server_fatal(server_t *srv, const char *why);

/* Build and start everything from a finished config. Returns 0, or -1 after logging why. */
int server_start(server_t *srv, cfg_t *cfg);
/* Run the reactor until a stop signal; then shut down cleanly. Returns the exit status. */
int server_run(server_t *srv);

#endif
