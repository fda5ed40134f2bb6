/* connect_distributed.c: bin/connect-distributed WORKER.properties
 * A Kafka Connect worker in a group of workers (group.id) on our brokers: configs, offsets and
 * status on the internal topics, work balanced by the group's leader (dist.h). Threads: main
 * (start-up, then signals), REST, the group thread, the internal topics reader, one per task. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "log.h"
#include "wmain.h"

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: connect-distributed [-daemon] connect-distributed.properties\n");
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "Usage: connect-distributed [-daemon] connect-distributed.properties\n");
        return 1;
    }
    int first = argc > 2 && argv[1][0] == '-' && argv[1][1] == 'd' ? 2 : 1;
    kc_herder_t *h = kc_boot(argv[first], true, "connect-distributed");
    if (!kc_fetch_cluster_id(h)) {
        fprintf(stderr, "connect-distributed: cannot reach Kafka at bootstrap.servers=%s\n",
                kc_wcfg_str(h->wcfg, "bootstrap.servers"));
        return 1;
    }
    kc_rest_t *rest = kc_boot_rest(h, "connect-distributed");
    char err[1024];
    pthread_mutex_lock(&h->lock);
    h->rebalancing = true; /* until the first assignment */
    pthread_mutex_unlock(&h->lock);
    dist_t *d = dist_start(h, err, sizeof err);
    if (!d || dist_group_start(d, err, sizeof err) != 0) {
        fprintf(stderr, "connect-distributed: %s\n", err);
        kc_rest_stop(rest);
        return 1;
    }
    log_info("connect", "Kafka Connect distributed worker %s started (group %s)", h->worker_id,
             kc_wcfg_str(h->wcfg, "group.id"));
    kc_wait_signal();
    dist_stop(d);
    kc_rest_stop(rest);
    log_info("connect", "Kafka Connect stopped");
    return 0;
}
