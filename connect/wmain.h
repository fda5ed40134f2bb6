/* wmain.h: what connect-standalone and connect-distributed share at start-up and shutdown:
 * the worker config, plugins, the Kafka cluster id, the REST server, signal handling.
 * Main thread only. */
#ifndef WMAIN_H
#define WMAIN_H

#include "worker.h"

/* Load and check the worker properties (exit 1 naming the problem), register plugins, block
 * SIGINT/SIGTERM in every thread to come. Returns the herder. */
kc_herder_t *kc_boot(const char *worker_props, bool distributed, const char *tool);
/* Ask the cluster for its id (30 s at most); false when Kafka cannot be reached. */
bool kc_fetch_cluster_id(kc_herder_t *h);
/* Start REST and fill h->worker_id / h->url from rest.advertised.* or the bound address. */
kc_rest_t *kc_boot_rest(kc_herder_t *h, const char *tool);
/* Block until SIGINT or SIGTERM. */
void kc_wait_signal(void);
/* Create (or check) a connector from a properties file, as standalone does at start. */
bool kc_create_from_file(kc_herder_t *h, const char *path, char *err, size_t errlen);

#endif
