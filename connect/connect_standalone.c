/* connect_standalone.c: bin/connect-standalone WORKER.properties [CONNECTOR.properties...]
 * Kafka Connect in one process: connectors from the files (and REST), source offsets in
 * offset.storage.file.filename. Threads: main (start-up, then signals), REST, one per task. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "wmain.h"

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: connect-standalone [-daemon] connect-standalone.properties "
               "[connector1.properties connector2.properties ...]\n");
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "Usage: connect-standalone [-daemon] connect-standalone.properties "
                        "[connector1.properties connector2.properties ...]\n");
        return 1;
    }
    int first = 1;
    if (argc > 2 && argv[1][0] == '-' && argv[1][1] == 'd')
        first = 2; /* -daemon: the caller backgrounds us */
    kc_herder_t *h = kc_boot(argv[first], false, "connect-standalone");
    char err[2048];
    const kc_backing_t *b = kc_standalone_backing(h, err, sizeof err);
    if (!b) {
        fprintf(stderr, "connect-standalone: %s\n", err);
        return 1;
    }
    h->backing = b;
    if (!kc_fetch_cluster_id(h)) {
        fprintf(stderr, "connect-standalone: cannot reach Kafka at bootstrap.servers=%s\n",
                kc_wcfg_str(h->wcfg, "bootstrap.servers"));
        return 1;
    }
    kc_rest_t *rest = kc_boot_rest(h, "connect-standalone");
    for (int i = first + 1; i < argc; i++)
        if (!kc_create_from_file(h, argv[i], err, sizeof err)) {
            fprintf(stderr, "connect-standalone: %s\n", err);
            kc_rest_stop(rest);
            pthread_mutex_lock(&h->lock);
            kc_herder_stop_all(h);
            pthread_mutex_unlock(&h->lock);
            return 1;
        }
    log_info("connect", "Kafka Connect started (worker %s)", h->worker_id);
    kc_wait_signal();
    kc_rest_stop(rest);
    pthread_mutex_lock(&h->lock);
    kc_herder_stop_all(h);
    pthread_mutex_unlock(&h->lock);
    log_info("connect", "Kafka Connect stopped");
    json_decref(h->wcfg);
    kc_herder_free(h);
    return 0;
}
