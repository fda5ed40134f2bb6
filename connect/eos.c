/* eos.c: exactly-once source support (KIP-618) shared by the source task and the distributed
 * store: Kafka's transactional ids of source tasks and their fencing (worker.h). */
#include "worker.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>

void kc_eos_txn_id(const json_t *wcfg, const char *connector, int task, char *buf, size_t n)
{
    snprintf(buf, n, "%s-%s-%d", kc_wcfg_str(wcfg, "group.id"), connector, task);
}

int kc_eos_fence(const json_t *wcfg, const char *connector, int task, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = kc_rdk_conf(wcfg, "producer", NULL, err, errlen);
    if (!conf) return -1;
    char tid[600], e[256];
    kc_eos_txn_id(wcfg, connector, task, tid, sizeof tid);
    if (rd_kafka_conf_set(conf, "transactional.id", tid, e, sizeof e) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "%s", e);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen);
    if (!rk) return -1;
    rd_kafka_error_t *ie = rd_kafka_init_transactions(rk, 60000);
    int rc = 0;
    if (ie) {
        snprintf(err, errlen, "fencing %s: %s", tid, rd_kafka_error_string(ie));
        rd_kafka_error_destroy(ie);
        rc = -1;
    }
    rd_kafka_destroy(rk);
    return rc;
}
