/* qcfg.h: the client quota configs Kafka stores per user / client-id entity
 * (producer_byte_rate, consumer_byte_rate, request_percentage): their names, types and
 * validation, and the number formats Kafka uses for them (ZooKeeper keeps the byte rates as
 * integers, DescribeClientQuotas and kafka-configs print Java doubles: 1024.0, 1.048576E7).
 * Shared by the broker (AlterClientQuotas, enforcement), the coordinator and kafka-configs.
 * Pure functions over a static table. Any thread. */
#ifndef QCFG_H
#define QCFG_H

#include <stdbool.h>
#include <stddef.h>

#include "kerr.h"

typedef enum qcfg_key {
    QCFG_PRODUCER_BYTE_RATE,
    QCFG_CONSUMER_BYTE_RATE,
    QCFG_REQUEST_PERCENTAGE,
    QCFG_NKEYS,
} qcfg_key_t;

/* The key's index, or -1 when name is not a client quota config. */
int qcfg_key(const char *name);
const char *qcfg_name(qcfg_key_t k);

/* A value as AlterClientQuotas carries it (float64): KERR_INVALID_REQUEST for an unknown key
 * ("Invalid configuration key X") or a fraction for a LONG key ("Configuration X must be a
 * Long value"), as Kafka's ZooKeeper-mode AdminManager answers; KERR_INVALID_CONFIG for a
 * value that is not a positive finite number. Reason in why. */
kerr_t qcfg_check(const char *key, double v, char *why, size_t n);
/* A value given as text (ZooKeeper znode, kafka-configs --add-config): parsed, then checked as
 * qcfg_check; a non-number is KERR_INVALID_CONFIG. */
kerr_t qcfg_parse(const char *key, const char *s, double *v, char *why, size_t n);
/* The text stored in ZooKeeper: integers for the byte rates ("1024"), a double otherwise. */
void qcfg_store_str(qcfg_key_t k, double v, char *out, size_t n);
/* Java's Double.toString (what Kafka's tools print): "1024.0", "0.5", "1.048576E7". */
void qcfg_java_double(double v, char *out, size_t n);

#endif
