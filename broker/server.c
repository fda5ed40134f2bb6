/* server.c: start-up, the controller's messages, periodic work and clean shutdown.
 * Start-up follows Kafka's order: open and recover the logs, then join ZooKeeper (register,
 * stand for controller), then open the listeners once registered. */
#include "server.h"
#include "peer.h"
#include "sasl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "chan.h"
#include "api/api.h"
#include "bhttp.h"
#include "conn.h"
#include "ctl.h"
#include "ctlapply.h"
#include "ctlreq.h"
#include "dict.h"
#include "ktime.h"
#include "group/grp.h"
#include "log.h"
#include "mdcache.h"
#include "metrics.h"
#include "quota.h"
#include "net.h"
#include "ldfail.h"
#include "isr.h"
#include "itopic.h"
#include "replica/fsess.h"
#include "replica/rmgr.h"
#include "store/lmgr.h"
#include "store/plog.h"
#include "tconf.h"
#include "authz.h"
#include "txn/txn.h"

#define SERVER_TICK_MS 1000

static int server_exit_code;

/* ---- listeners ---- */

#define SERVER_ACCEPT_BACKOFF_MS 100

static void server_accept_resume(ev_loop_t *loop, void *arg)
{
    listener_t *l = arg;
    l->accept_timer = 0;
    if (l->fd >= 0) ev_fd_mod(loop, l->fd, EV_READ);
}

/* Out of fds (or socket memory): the connection stays in the backlog and the level-triggered
 * listener would be reported again at once, a busy loop. Stop watching it for a moment, as
 * libuv and Redis back off, and say so at most every 10 s. The log dirs are not concerned. */
static void server_accept_backoff(ev_loop_t *loop, listener_t *l, int err)
{
    int64_t now = ktime_mono_ms();
    if (!l->accept_warned_ms || now - l->accept_warned_ms >= 10000) {
        l->accept_warned_ms = now;
        log_warn("server", "accept on %s failed: %s; pausing new connections for %d ms", l->name,
                 strerror(err), SERVER_ACCEPT_BACKOFF_MS);
    }
    ev_fd_mod(loop, l->fd, 0);
    l->accept_timer = ev_timer_add(loop, SERVER_ACCEPT_BACKOFF_MS, server_accept_resume, l);
}

/* A connection's requests go to the API table. */
static void server_dispatch(void *arg, req_t *r)
{
    (void)arg;
    api_dispatch(r);
}

/* The typed dependencies of the connections and the API handlers, once everything they point
 * to exists (DESIGN.md 1: the handlers do not reach through server_t). */
static void server_fill_envs(server_t *srv)
{
    srv->net = (conn_env_t){
        .loop = srv->loop,
        .cfg = srv->cfg,
        .max_request_bytes = cfg_int(srv->cfg, "socket.request.max.bytes"),
        .sasl_max_receive = cfg_int(srv->cfg, "sasl.server.max.receive.size"),
        .metrics = srv->metrics,
        .quota = srv->quota,
        .users = srv->users,
        .api = &srv->api,
        .raw_token = sasl_raw_token,
    };
    srv->api = (api_env_t){
        .loop = srv->loop,
        .cfg = srv->cfg,
        .broker_id = srv->broker_id,
        .cluster_id = srv->cluster_id,
        .max_request_bytes = srv->net.max_request_bytes,
        .rack_selector = cfg_replica_selector(srv->cfg) == CFG_SELECTOR_RACK_AWARE,
        .lmgr = srv->lmgr,
        .rmgr = srv->rmgr,
        .fsess = srv->fsess,
        .md = srv->md,
        .tconf = srv->tconf,
        .ctl = srv->ctl,
        .grp = srv->grp,
        .txn = srv->txn,
        .metrics = srv->metrics,
        .quota = srv->quota,
        .authz = srv->authz,
        .users = srv->users,
        .ctl_apply = ctlapply_msg,
        .ctl_apply_arg = srv->ctlapply,
    };
    for (int i = 0; i < srv->nlisteners; i++) srv->listeners[i].env = &srv->net;
}

static void server_on_accept(ev_loop_t *loop, int fd, uint32_t events, void *arg)
{
    (void)events;
    listener_t *l = arg;
    for (int i = 0; i < 64; i++) {
        char peer[64];
        int cfd = net_accept(fd, peer, sizeof(peer));
        if (cfd < 0) {
            int err = errno;
            if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
                server_accept_backoff(loop, l, err);
            else if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR)
                log_warn("server", "accept on %s failed: %s", l->name, strerror(err));
            return;
        }
        conn_new(l->env, l, cfd, peer, server_dispatch, NULL);
    }
}

static int server_open_listeners(server_t *srv)
{
    for (int i = 0; i < srv->nlisteners; i++) {
        listener_t *l = &srv->listeners[i];
        char err[256];
        l->fd = net_listen_tcp(l->host, l->port, 511, err, sizeof(err));
        if (l->fd < 0) {
            log_error("server", "cannot listen for %s: %s", l->name, err);
            return -1;
        }
        ev_fd_add(srv->loop, l->fd, EV_READ, server_on_accept, l);
        log_info("server", "listening on %s://%s:%d (%s, advertised %s:%d)", l->name,
                 l->host[0] ? l->host : "0.0.0.0", l->port, secproto_name(l->sec.proto),
                 l->adv_host, l->adv_port);
    }
    return 0;
}

static void server_close_listeners(server_t *srv)
{
    for (int i = 0; i < srv->nlisteners; i++) {
        if (srv->listeners[i].fd < 0) continue;
        ev_timer_cancel(srv->loop, srv->listeners[i].accept_timer);
        srv->listeners[i].accept_timer = 0;
        ev_fd_del(srv->loop, srv->listeners[i].fd);
        close(srv->listeners[i].fd);
        srv->listeners[i].fd = -1;
    }
}

/* listeners + advertised.listeners -> srv->listeners (advertised falls back to the bind
 * address, and an empty or wildcard bind host to this machine's name, as Kafka does). */
static int server_setup_listeners(server_t *srv)
{
    cfg_listener_t ls[SERVER_MAX_LISTENERS], adv[SERVER_MAX_LISTENERS];
    char err[512];
    int n = cfg_listeners(srv->cfg, "listeners", ls, SERVER_MAX_LISTENERS, err, sizeof(err));
    if (n <= 0) {
        log_error("server", "listeners: %s", n < 0 ? err : "none configured");
        return -1;
    }
    int nadv = 0;
    const char *advs = cfg_str(srv->cfg, "advertised.listeners");
    if (advs && *advs) {
        nadv = cfg_listeners(srv->cfg, "advertised.listeners", adv, SERVER_MAX_LISTENERS, err,
                             sizeof(err));
        if (nadv < 0) {
            log_error("server", "advertised.listeners: %s", err);
            return -1;
        }
    }
    char hostname[256] = "localhost";
    gethostname(hostname, sizeof(hostname) - 1);
    for (int i = 0; i < n; i++) {
        listener_t *l = &srv->listeners[i];
        memset(l, 0, sizeof(*l));
        l->fd = -1;
        snprintf(l->name, sizeof(l->name), "%s", ls[i].name);
        snprintf(l->host, sizeof(l->host), "%s", ls[i].host);
        l->port = ls[i].port;
        const cfg_listener_t *a = NULL;
        for (int j = 0; j < nadv; j++)
            if (strcmp(adv[j].name, ls[i].name) == 0) a = &adv[j];
        const char *ah = a ? a->host : ls[i].host;
        if (!ah[0] || strcmp(ah, "0.0.0.0") == 0) ah = hostname;
        snprintf(l->adv_host, sizeof(l->adv_host), "%s", ah);
        l->adv_port = a ? a->port : ls[i].port;
        if (sec_listener_init(&l->sec, srv->cfg, l->name, err, sizeof(err)) != 0) {
            log_error("server", "listener %s: %s", l->name, err);
            return -1;
        }
    }
    srv->nlisteners = n;
    char ibl[64];
    cfg_inter_broker_listener(srv->cfg, ibl, sizeof(ibl));
    if (sec_client_init(&srv->sec_client, srv->cfg, ibl, err, sizeof(err)) != 0) {
        log_error("server", "inter-broker listener %s: %s", ibl, err);
        return -1;
    }
    peer_set_security(&srv->sec_client);
    return 0;
}

/* ---- registration ---- */

void server_registered(server_t *srv, const char *cluster_id, int64_t broker_epoch)
{
    snprintf(srv->cluster_id, sizeof(srv->cluster_id), "%s", cluster_id);
    srv->broker_epoch = broker_epoch;
    if (srv->ready) {
        ldfail_reregistered(srv->ldfail);
        return;
    }
    if (server_open_listeners(srv) != 0) {
        server_exit_code = 1;
        ev_stop(srv->loop);
        return;
    }
    srv->ready = true;
    log_info("server", "[KafkaServer id=%d] started (cluster id %s)", srv->broker_id,
             srv->cluster_id);
}

void server_fatal(server_t *srv, const char *why)
{
    log_error("server", "fatal: %s; shutting down", why);
    server_exit_code = 1;
    ev_stop(srv->loop);
}

static void server_deliver(void *arg, ctl_msg_t *m)
{
    server_t *srv = arg;
    ctlapply_msg(srv->ctlapply, m);
}

/* ---- the server's part of its modules' work (their deps' callbacks; arg: the server) ---- */

static void server_registered_cb(void *arg, const char *cluster_id, int64_t broker_epoch)
{
    server_registered(arg, cluster_id, broker_epoch);
}

static void server_md_changed_cb(void *arg)
{
    server_t *srv = arg;
    mdcache_changed(srv->md);
}

static void server_users_set_cb(void *arg, const char *entity, int n, const char *const *keys,
                                const char *const *vals)
{
    server_t *srv = arg;
    sasl_users_set(srv->users, entity, n, keys, vals);
}

static void server_fatal_cb(void *arg, const char *why)
{
    server_fatal(arg, why);
}

static bool server_password_ok_cb(void *arg, const char *user, const char *password)
{
    server_t *srv = arg;
    return sasl_password_ok(srv->users, user, password);
}

static bool server_serving_cb(void *arg)
{
    server_t *srv = arg;
    return srv->ready && !srv->stopping && !srv->shutting_down;
}

static int server_pending_cb(void *arg, int16_t api)
{
    server_t *srv = arg;
    return conn_pending(&srv->net, api);
}

/* ldfail's ops: the ctl thread starts after the log manager is hooked. */
static void server_ctl_submit_cb(void *arg, ctl_op_t *op)
{
    server_t *srv = arg;
    ctl_submit(srv->ctl, op);
}

/* ---- periodic work and signals ---- */

static void server_tick(ev_loop_t *loop, void *arg)
{
    server_t *srv = arg;
    rmgr_tick(srv->rmgr, ktime_wall_ms());
    grp_coord_tick(srv->grp, ktime_wall_ms());
    txn_coord_tick(srv->txn, ktime_wall_ms());
    ev_timer_add(loop, SERVER_TICK_MS, server_tick, srv);
}

/* ---- controlled shutdown (Kafka's KafkaServer.controlledShutdown) ---- */

static void server_controlled_shutdown(server_t *srv);

static void server_cshut_retry(ev_loop_t *loop, void *arg)
{
    (void)loop;
    server_controlled_shutdown(arg);
}

static void server_cshut_done(ctl_op_t *op, void *arg)
{
    server_t *srv = arg;
    kerr_t err = op->err;
    int remaining = op->ntps;
    ctl_op_free(op);
    if (!srv->shutting_down) return;
    if (!err && remaining == 0) {
        log_info("server", "controlled shutdown succeeded: no partition led here any more");
        ev_stop(srv->loop);
        return;
    }
    int max = (int)cfg_int(srv->cfg, "controlled.shutdown.max.retries");
    if (srv->shutdown_attempts > max) {
        log_warn("server",
                 "controlled shutdown did not finish after %d attempts (%s, %d "
                 "partitions still led here); shutting down anyway",
                 srv->shutdown_attempts, err ? kerr_name(err) : "partitions remain", remaining);
        ev_stop(srv->loop);
        return;
    }
    int64_t backoff = cfg_int(srv->cfg, "controlled.shutdown.retry.backoff.ms");
    log_info("server",
             "controlled shutdown attempt %d: %s, %d partitions still led here; "
             "retrying in %lld ms",
             srv->shutdown_attempts, err ? kerr_name(err) : "not done", remaining,
             (long long)backoff);
    ev_timer_add(srv->loop, backoff, server_cshut_retry, srv);
}

static void server_controlled_shutdown(server_t *srv)
{
    ctl_op_t *op = calloc(1, sizeof(*op));
    if (!op) abort();
    op->type = CTL_OP_CONTROLLED_SHUTDOWN;
    op->broker_id = srv->broker_id;
    op->broker_epoch = srv->broker_epoch;
    op->done = server_cshut_done;
    op->arg = srv;
    srv->shutdown_attempts++;
    ctlreq_submit(srv->ctlreq, op);
}

static void server_on_signal(ev_loop_t *loop, int fd, uint32_t events, void *arg)
{
    (void)events;
    server_t *srv = arg;
    struct signalfd_siginfo si;
    if (read(fd, &si, sizeof(si)) != sizeof(si)) return;
    if (srv->shutting_down || !srv->ready || !cfg_bool(srv->cfg, "controlled.shutdown.enable")) {
        log_info("server", "received signal %d: shutting down", (int)si.ssi_signo);
        srv->stopping = true;
        ev_stop(loop);
        return;
    }
    /* first move leadership away, while still serving; a second signal stops at once */
    log_info("server", "received signal %d: starting controlled shutdown", (int)si.ssi_signo);
    srv->shutting_down = true;
    srv->stopping = true;
    server_controlled_shutdown(srv);
}

/* The high watermark to checkpoint for a log: the partition's when hosted, else the one it
 * had at start-up (never the log end: that would expose uncommitted data after a restart). */
static int64_t server_log_hw(plog_t *log, void *arg)
{
    server_t *srv = arg;
    partition_t *part = rmgr_get(srv->rmgr, plog_topic(log), plog_partition(log));
    if (part && part->log == log && part->hw >= 0) return part->hw;
    int64_t hw = lmgr_checkpointed_hw(srv->lmgr, plog_topic(log), plog_partition(log));
    return hw >= 0 ? hw : 0;
}

static void server_plog_defaults(const cfg_t *cfg, plog_cfg_t *pc)
{
    plog_cfg_defaults(pc);
    pc->segment_bytes = cfg_int(cfg, "log.segment.bytes");
    pc->segment_ms = cfg_roll_ms(cfg);
    pc->retention_ms = cfg_retention_ms(cfg);
    pc->retention_bytes = cfg_int(cfg, "log.retention.bytes");
    pc->index_interval_bytes = (int32_t)cfg_int(cfg, "log.index.interval.bytes");
    pc->segment_index_bytes = (int32_t)cfg_int(cfg, "log.index.size.max.bytes");
    pc->flush_messages = cfg_int(cfg, "log.flush.interval.messages");
    pc->file_delete_delay_ms = cfg_int(cfg, "log.segment.delete.delay.ms");
}

/* What handles log dir failures and the controller's news (after the replica manager). */
static void server_new_handlers(server_t *srv)
{
    ldfail_deps_t ld = {.loop = srv->loop,
                        .lmgr = srv->lmgr,
                        .rmgr = srv->rmgr,
                        .broker_id = srv->broker_id,
                        .broker_epoch = &srv->broker_epoch,
                        .stopping = &srv->stopping,
                        .submit = server_ctl_submit_cb,
                        .fatal = server_fatal_cb,
                        .arg = srv};
    srv->ldfail = ldfail_new(&ld);
    ctlapply_deps_t ad = {.md = srv->md,
                          .rmgr = srv->rmgr,
                          .tconf = srv->tconf,
                          .quota = srv->quota,
                          .authz = srv->authz,
                          .broker_id = srv->broker_id,
                          .broker_epoch = &srv->broker_epoch,
                          .registered = server_registered_cb,
                          .md_changed = server_md_changed_cb,
                          .users_set = server_users_set_cb,
                          .fatal = server_fatal_cb,
                          .arg = srv};
    srv->ctlapply = ctlapply_new(&ad);
}

/* http.listeners: /metrics, /v1/health and the console (after the ctl thread started). */
static int server_start_http(server_t *srv)
{
    bhttp_deps_t hd = {.console = {.loop = srv->loop,
                                   .cfg = srv->cfg,
                                   .md = srv->md,
                                   .ctl = srv->ctl,
                                   .rmgr = srv->rmgr,
                                   .tconf = srv->tconf,
                                   .metrics = srv->metrics,
                                   .authz = srv->authz,
                                   .broker_id = srv->broker_id,
                                   .cluster_id = srv->cluster_id,
                                   .inter_broker_listener = srv->inter_broker_listener,
                                   .password_ok = server_password_ok_cb,
                                   .arg = srv},
                       .lmgr = srv->lmgr,
                       .grp = srv->grp,
                       .fsess = srv->fsess,
                       .serving = server_serving_cb,
                       .pending = server_pending_cb};
    return bhttp_start(&hd, &srv->http);
}

/* The coordinators' internal topics, created through the controller (started after them). */
static void server_itopic_create(void *arg, const char *log_tag, const char *name, int32_t nparts,
                                 int64_t replication_factor, int ncfg, const char *const *keys,
                                 const char *const *vals, bool *creating)
{
    server_t *srv = arg;
    itopic_create(srv->ctl, srv->md, log_tag, name, nparts, replication_factor, ncfg, keys, vals,
                  creating);
}

static void server_pid_alloc(void *arg, txn_pid_got_fn *fn, void *fn_arg)
{
    server_t *srv = arg;
    api_pid_alloc(&srv->api, fn, fn_arg);
}

/* The transaction coordinator first: the group coordinator hands it FindCoordinator for
 * transactional ids. */
static void server_coords_new(server_t *srv)
{
    txn_deps_t td = {.loop = srv->loop,
                     .cfg = srv->cfg,
                     .rmgr = srv->rmgr,
                     .md = srv->md,
                     .broker_id = srv->broker_id,
                     .inter_broker_listener = srv->inter_broker_listener,
                     .pid_alloc = server_pid_alloc,
                     .pid_arg = srv,
                     .itopic_create = server_itopic_create,
                     .itopic_arg = srv};
    srv->txn = txn_coord_new(&td);
    grp_deps_t gd = {.loop = srv->loop,
                     .cfg = srv->cfg,
                     .rmgr = srv->rmgr,
                     .md = srv->md,
                     .txn = srv->txn,
                     .itopic_create = server_itopic_create,
                     .itopic_arg = srv};
    srv->grp = grp_coord_new(&gd);
}

int server_start(server_t *srv, cfg_t *cfg)
{
    memset(srv, 0, sizeof(*srv));
    srv->cfg = cfg;
    srv->broker_id = (int32_t)cfg_int(cfg, "broker.id");
    char ident[32];
    snprintf(ident, sizeof(ident), "broker %d", srv->broker_id);
    log_set_ident(ident);
    signal(SIGPIPE, SIG_IGN);

    /* Block the stop signals in every thread (ZooKeeper's and ours inherit the mask) and read
     * them through a signalfd on the reactor. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    pthread_sigmask(SIG_BLOCK, &mask, NULL);

    srv->loop = ev_new();
    if (!srv->loop) {
        log_error("server", "cannot create the event loop: %s", strerror(errno));
        return -1;
    }
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0 || ev_fd_add(srv->loop, sfd, EV_READ, server_on_signal, srv) != 0) {
        log_error("server", "cannot watch signals: %s", strerror(errno));
        return -1;
    }
    /* counting only when someone can scrape: see metrics.h */
    srv->metrics = metrics_new(*cfg_str(cfg, "http.listeners") != '\0');
    srv->quota = quota_new((int)cfg_int(cfg, "quota.window.num"),
                           (int)cfg_int(cfg, "quota.window.size.seconds"));
    char err[512];
    srv->authz = authz_from_cfg(cfg, err, sizeof(err));
    if (*err) {
        log_error("server", "%s", err);
        return -1;
    }
    if (server_setup_listeners(srv) != 0) return -1;
    srv->users = sasl_users_new(srv->listeners, srv->nlisteners);

    plog_cfg_t pc;
    server_plog_defaults(cfg, &pc);
    if (lmgr_open(cfg_log_dirs(cfg), srv->broker_id, NULL, &pc, &srv->lmgr, err, sizeof(err)) !=
        KERR_NONE) {
        log_error("server", "cannot open log dirs %s: %s", cfg_log_dirs(cfg), err);
        return -1;
    }
    lmgr_set_intervals(srv->lmgr, cfg_int(cfg, "log.retention.check.interval.ms"),
                       cfg_int(cfg, "log.flush.offset.checkpoint.interval.ms"));
    lmgr_set_hw_fn(srv->lmgr, server_log_hw, srv);
    lmgr_set_cleaner(srv->lmgr, cfg_bool(cfg, "log.cleaner.enable"),
                     cfg_int(cfg, "log.cleaner.backoff.ms"));
    srv->md = mdcache_new(srv->loop);
    srv->tconf = tconf_new(cfg);
    srv->isr = isr_new(srv->broker_id, &srv->broker_epoch);
    rmgr_deps_t rd = {.loop = srv->loop,
                      .cfg = cfg,
                      .broker_id = srv->broker_id,
                      .lmgr = srv->lmgr,
                      .tconf = srv->tconf,
                      .md = srv->md,
                      .metrics = srv->metrics,
                      .isr_send = isr_send,
                      .isr_arg = srv->isr};
    srv->rmgr = rmgr_new(&rd);
    srv->fsess = fsess_cache_new((int)cfg_int(cfg, "max.incremental.fetch.session.cache.slots"));
    server_new_handlers(srv);
    cfg_inter_broker_listener(cfg, srv->inter_broker_listener, sizeof(srv->inter_broker_listener));
    server_coords_new(srv); /* after the inter-broker listener: the marker sender uses it */

    ctl_conf_t cc;
    memset(&cc, 0, sizeof(cc));
    cc.zk_connect = cfg_str(cfg, "zookeeper.connect");
    cc.session_timeout_ms = (int)cfg_int(cfg, "zookeeper.session.timeout.ms");
    cc.broker_id = srv->broker_id;
    cc.self.id = srv->broker_id;
    const char *rack = cfg_str(cfg, "broker.rack");
    snprintf(cc.self.rack, sizeof(cc.self.rack), "%s", rack ? rack : "");
    for (int i = 0; i < srv->nlisteners && i < MD_MAX_ENDPOINTS; i++) {
        md_endpoint_t *e = &cc.self.ep[cc.self.nendpoints++];
        snprintf(e->listener, sizeof(e->listener), "%s", srv->listeners[i].name);
        snprintf(e->host, sizeof(e->host), "%s", srv->listeners[i].adv_host);
        e->port = srv->listeners[i].adv_port;
    }
    snprintf(cc.listener_protocol_map, sizeof(cc.listener_protocol_map), "%s",
             cfg_str(cfg, "listener.security.protocol.map"));
    cc.default_partitions = (int32_t)cfg_int(cfg, "num.partitions");
    cc.default_replication_factor = (int16_t)cfg_int(cfg, "default.replication.factor");
    cc.delete_topic_enable = cfg_bool(cfg, "delete.topic.enable");
    cc.unclean_leader_election = cfg_bool(cfg, "unclean.leader.election.enable");
    snprintf(cc.inter_broker_listener, sizeof(cc.inter_broker_listener), "%s",
             srv->inter_broker_listener);
    cc.auto_leader_rebalance = cfg_bool(cfg, "auto.leader.rebalance.enable");
    cc.leader_imbalance_check_ms = cfg_int(cfg, "leader.imbalance.check.interval.seconds") * 1000;
    cc.leader_imbalance_pct = (int32_t)cfg_int(cfg, "leader.imbalance.per.broker.percentage");
    cc.acls = srv->authz != NULL;
    char zerr[512];
    if (zkauth_load(&cc.zkauth, cfg_bool(cfg, "zookeeper.set.acl"), getenv("KAFKA_OPTS"), zerr,
                    sizeof(zerr)) != 0) {
        log_error("server", "invalid ZooKeeper security (zookeeper.set.acl): %s", zerr);
        return -1;
    }
    if (zkauth_enabled(&cc.zkauth))
        log_info("server", "ZooKeeper login as digest user from JAAS section %s%s",
                 cc.zkauth.section, cc.zkauth.set_acl ? ", znodes get ACLs" : "");
    srv->chan = chan_mgr_new(srv->loop, srv->broker_id);
    cc.chan = srv->chan;
    srv->ctl = ctl_start(srv->loop, &cc, server_deliver, srv);
    if (!srv->ctl) {
        log_error("server", "cannot start the coordinator thread");
        return -1;
    }
    ctlreq_deps_t qd = {.loop = srv->loop,
                        .md = srv->md,
                        .ctl = srv->ctl,
                        .broker_id = srv->broker_id,
                        .inter_broker_listener = srv->inter_broker_listener};
    srv->ctlreq = ctlreq_new(&qd);
    isr_bind(srv->isr, srv->loop, srv->rmgr, srv->ctlreq);
    server_fill_envs(srv);
    if (server_start_http(srv) != 0) return -1;
    ev_timer_add(srv->loop, SERVER_TICK_MS, server_tick, srv);
    log_info("server", "starting broker %d (zookeeper.connect=%s, log.dirs=%s)", srv->broker_id,
             cc.zk_connect, cfg_log_dirs(cfg));
    return 0;
}

int server_run(server_t *srv)
{
    ev_run(srv->loop);
    log_info("server", "[KafkaServer id=%d] shutting down", srv->broker_id);
    server_close_listeners(srv);
    bhttp_stop(srv->http);
    srv->http = NULL;
    /* Answer what is parked (delayed fetches, admin requests waiting for metadata) so every
     * request is freed, then close the connections. */
    rmgr_wake_all(srv->rmgr);
    grp_coord_free(srv->grp); /* answers waiting JoinGroup/SyncGroup requests */
    srv->grp = srv->api.grp = NULL;
    mdcache_wait_cancel_all(srv->md);
    api_initproducerid_free(&srv->api);
    txn_coord_free(srv->txn); /* after the id waiters: they may hold its requests */
    srv->txn = srv->api.txn = NULL;
    conn_close_all(&srv->net);
    rmgr_stop_fetchers(srv->rmgr);
    ctlreq_close(srv->ctlreq);
    ctl_stop(srv->ctl); /* closes the ZooKeeper session: deregisters this broker */
    srv->ctl = srv->api.ctl = NULL;
    chan_mgr_free(srv->chan);
    srv->chan = NULL;
    if (server_exit_code == 0) rmgr_snapshot_all(srv->rmgr);
    /* the final checkpoints read the partitions' high watermarks: close the logs first */
    lmgr_close(srv->lmgr, server_exit_code == 0);
    rmgr_free(srv->rmgr);
    ctlreq_free(srv->ctlreq);
    isr_free(srv->isr);
    ldfail_free(srv->ldfail);
    ctlapply_free(srv->ctlapply);
    fsess_cache_free(srv->fsess);
    srv->fsess = srv->api.fsess = NULL;
    mdcache_free(srv->md);
    tconf_free(srv->tconf);
    api_autocreate_free(&srv->api);
    sasl_users_free(srv->users);
    srv->users = srv->net.users = srv->api.users = NULL;
    for (int i = 0; i < srv->nlisteners; i++) sec_listener_free(&srv->listeners[i].sec);
    sec_client_free(&srv->sec_client);
    metrics_free(srv->metrics);
    quota_free(srv->quota);
    authz_free(srv->authz);
    srv->authz = NULL;
    srv->metrics = NULL;
    log_info("server", "[KafkaServer id=%d] shut down completed", srv->broker_id);
    return server_exit_code;
}
