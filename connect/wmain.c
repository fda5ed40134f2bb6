/* wmain.c: start-up and shutdown shared by the two Connect workers (wmain.h). */
#include "wmain.h"

#include <librdkafka/rdkafka.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "herder_ops.h"
#include "http.h"
#include "log.h"

kc_herder_t *kc_boot(const char *worker_props, bool distributed, const char *tool)
{
    char err[1024];
    json_t *w = kc_props_load(worker_props, err, sizeof err);
    if (!w || !kc_wcfg_finish(w, distributed, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", tool, err);
        exit(1);
    }
    log_set_ident(distributed ? "connect-distributed" : "connect-standalone");
    /* one malloc arena per librdkafka thread keeps tens of MB touched; two are enough */
    mallopt(M_ARENA_MAX, 2);
    kc_plugins_init(kc_wcfg_str(w, "plugin.path"), err, sizeof err);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    kc_guard_install();
    return kc_herder_new(w, distributed);
}

bool kc_fetch_cluster_id(kc_herder_t *h)
{
    char err[512];
    rd_kafka_conf_t *conf = kc_rdk_conf(h->wcfg, "producer", NULL, err, sizeof err);
    if (!conf) return false;
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) return false;
    char *id = rd_kafka_clusterid(rk, 30000);
    if (id) {
        h->kafka_cluster_id = strdup(id);
        rd_kafka_mem_free(rk, id);
    }
    rd_kafka_destroy(rk);
    return h->kafka_cluster_id != NULL;
}

kc_rest_t *kc_boot_rest(kc_herder_t *h, const char *tool)
{
    char err[512];
    kc_rest_t *r = kc_rest_start(h, err, sizeof err);
    if (!r) {
        fprintf(stderr, "%s: cannot start the REST server (listeners=%s): %s\n", tool,
                kc_wcfg_str(h->wcfg, "listeners"), err);
        exit(1);
    }
    char host[256] = "";
    int port = kc_rest_port(r);
    char lhost[256];
    int lport;
    if (kc_first_listener(h->wcfg, lhost, sizeof lhost, &lport, err, sizeof err) == 0)
        snprintf(host, sizeof host, "%s", lhost);
    const char *ah = kc_wcfg_str(h->wcfg, "rest.advertised.host.name");
    const char *ap = kc_wcfg_str(h->wcfg, "rest.advertised.port");
    if (*ah) snprintf(host, sizeof host, "%s", ah);
    if (!host[0] && gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "localhost");
    if (*ap) port = atoi(ap);
    snprintf(h->worker_id, sizeof h->worker_id, "%s:%d", host, port);
    snprintf(h->url, sizeof h->url, "http://%s:%d/", host, port);
    log_info("connect", "REST server listening on port %d, advertised URL %s", kc_rest_port(r),
             h->url);
    return r;
}

void kc_wait_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig;
    sigwait(&set, &sig);
    log_info("connect", "Kafka Connect stopping (signal %d)", sig);
}

bool kc_create_from_file(kc_herder_t *h, const char *path, char *err, size_t errlen)
{
    json_t *props = kc_props_load(path, err, errlen);
    if (!props) return false;
    const char *name = json_string_value(json_object_get(props, "name"));
    json_t *req = json_pack("{s s sO}", "name", name ? name : "", "config", props);
    json_t *body = NULL;
    int rc = kc_op_create(h, req, &body);
    if (rc != 201 && rc != 200)
        snprintf(err, errlen, "Failed to create connector for %s: %s", path,
                 json_string_value(json_object_get(body, "message")));
    json_decref(body);
    json_decref(req);
    json_decref(props);
    return rc == 201 || rc == 200;
}
