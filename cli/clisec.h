/* clisec.h: Kafka's Java client security properties (a --command-config, --producer.config or
 * --consumer.config file) in librdkafka's terms:
 *   sasl.mechanism                         -> sasl.mechanisms
 *   sasl.jaas.config (username=, password=) -> sasl.username, sasl.password
 *   ssl.truststore.location (PEM)          -> ssl.ca.location
 *   ssl.truststore.certificates            -> ssl.ca.pem
 *   ssl.keystore.location (PEM key+chain)  -> ssl.key.location + ssl.certificate.location
 *   ssl.keystore.key / .certificate.chain  -> ssl.key.pem / ssl.certificate.pem
 *   ssl.endpoint.identification.algorithm= -> none (Java's empty value turns it off)
 * ssl.keystore.type / ssl.truststore.type must be PEM (JKS and PKCS12 stores are refused with a
 * reason); ssl.protocol and ssl.enabled.protocols are accepted and left to OpenSSL's defaults.
 * Keys librdkafka knows by the same name (security.protocol, ssl.key.password, sasl.username,
 * ...) are not this module's. Single-threaded tools.
 * This module sits below cli.h: it reports errors to its caller rather than ending the tool. */
#ifndef CLISEC_H
#define CLISEC_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

typedef enum clisec_rc {
    CLISEC_NOT_MINE, /* not a Java security key: the caller handles k */
    CLISEC_SET,      /* a Java security key, set on conf (or accepted and ignored) */
    CLISEC_ERR,      /* a Java security key whose value is refused: the reason is in err */
} clisec_rc_t;

/* Translate the Java key k=v onto conf. On CLISEC_ERR, err (errlen bytes) holds the one-line
 * reason the tool should end with. */
clisec_rc_t clisec_conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err,
                            size_t errlen);

#endif
