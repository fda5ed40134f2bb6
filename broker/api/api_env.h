/* api_env.h: what the API handlers are given to work with (as Kafka's KafkaApis is given its
 * replica manager, coordinators, metadata cache, authorizer, quotas and config).
 *
 * One api_env_t per broker, inside the server and filled once by server.c at start-up, before
 * the listeners open; every request carries a pointer to it (req_t.env, conn.h). The modules
 * it points to are the server's: the handlers borrow them and never free them; the server
 * clears grp and txn when it frees them at shutdown. The fields under "the api's own state"
 * belong to the api: made when first needed, freed by api_initproducerid_free and
 * api_autocreate_free. Reactor thread only. */
#ifndef API_ENV_H
#define API_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "ev.h"
#include "kerr.h"

typedef struct lmgr lmgr_t;
typedef struct rmgr rmgr_t;
typedef struct fsess_cache fsess_cache_t;
typedef struct mdcache mdcache_t;
typedef struct tconf tconf_t;
typedef struct ctl ctl_t;
typedef struct ctl_msg ctl_msg_t;
typedef struct grp_coord grp_coord_t;
typedef struct txn_coord txn_coord_t;
typedef struct metrics metrics_t;
typedef struct quota_mgr quota_mgr_t;
typedef struct authz authz_t;
typedef struct sasl_users sasl_users_t;
typedef struct pidgen pidgen_t;
typedef struct dict dict_t;

/* Apply a controller message that came over the wire (api_ctl.c); takes ownership of m. The
 * server's ctlapply_msg, which the api layer sits below. */
typedef struct ctlapply ctlapply_t;
typedef kerr_t api_ctl_apply_fn(ctlapply_t *ca, ctl_msg_t *m);

typedef struct api_env {
    ev_loop_t *loop;
    const cfg_t *cfg;
    int32_t broker_id;
    const char *cluster_id;    /* the server's; set once registered (before the listeners open) */
    int64_t max_request_bytes; /* socket.request.max.bytes */
    bool rack_selector;        /* replica.selector.class=RackAwareReplicaSelector (KIP-392) */
    lmgr_t *lmgr;
    rmgr_t *rmgr;
    fsess_cache_t *fsess; /* fetch sessions (replica/fsess.h); NULL = sessionless answers */
    mdcache_t *md;
    tconf_t *tconf;
    ctl_t *ctl;          /* the coordinator thread (ctl.h) */
    grp_coord_t *grp;    /* group coordinator (broker/group/grp.h) */
    txn_coord_t *txn;    /* transaction coordinator (broker/txn/txn.h) */
    metrics_t *metrics;  /* never NULL */
    quota_mgr_t *quota;  /* never NULL */
    authz_t *authz;      /* NULL = no authorization */
    sasl_users_t *users; /* SCRAM credentials (sasl.h) */
    api_ctl_apply_fn *ctl_apply;
    ctlapply_t *ctl_apply_arg; /* ctl_apply's first argument; the api does not look into it */
    /* the api's own state */
    dict_t *autocreating; /* api_metadata.c: topics with an auto-create in flight */
    pidgen_t *pidgen;     /* api_initproducerid.c: producer id block in use */
} api_env_t;

#endif
