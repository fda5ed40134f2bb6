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
 * ...) are not this module's. Single-threaded tools. */
#ifndef CLISEC_H
#define CLISEC_H

#include <stdbool.h>

#include <librdkafka/rdkafka.h>

/* true when k was a Java security key (then it is set on conf, or the tool exits). */
bool clisec_conf_set(const char *tool, rd_kafka_conf_t *conf, const char *k, const char *v);

#endif
