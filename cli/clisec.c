/* clisec.c: Java client security keys for librdkafka (see clisec.h). */
#include "clisec.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "jaas.h"

static void clisec_set(const char *tool, rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char err[512];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
        cli_die(tool, "%s: %s", k, err);
}

static void clisec_jaas(const char *tool, rd_kafka_conf_t *conf, const char *v)
{
    char why[256];
    jaas_t *j = jaas_parse(v, why, sizeof(why));
    if (!j) cli_die(tool, "Invalid value for sasl.jaas.config: %s", why);
    const char *u = jaas_get(j, "username"), *p = jaas_get(j, "password");
    if (u) clisec_set(tool, conf, "sasl.username", u);
    if (p) clisec_set(tool, conf, "sasl.password", p);
    jaas_free(j);
}

bool clisec_conf_set(const char *tool, rd_kafka_conf_t *conf, const char *k, const char *v)
{
    if (strcmp(k, "sasl.mechanism") == 0) {
        clisec_set(tool, conf, "sasl.mechanisms", v);
    } else if (strcmp(k, "sasl.jaas.config") == 0) {
        clisec_jaas(tool, conf, v);
    } else if (strcmp(k, "ssl.truststore.location") == 0) {
        clisec_set(tool, conf, "ssl.ca.location", v);
    } else if (strcmp(k, "ssl.truststore.certificates") == 0) {
        clisec_set(tool, conf, "ssl.ca.pem", v);
    } else if (strcmp(k, "ssl.keystore.location") == 0) {
        clisec_set(tool, conf, "ssl.key.location", v);
        clisec_set(tool, conf, "ssl.certificate.location", v);
    } else if (strcmp(k, "ssl.keystore.key") == 0) {
        clisec_set(tool, conf, "ssl.key.pem", v);
    } else if (strcmp(k, "ssl.keystore.certificate.chain") == 0) {
        clisec_set(tool, conf, "ssl.certificate.pem", v);
    } else if (strcmp(k, "ssl.keystore.type") == 0 || strcmp(k, "ssl.truststore.type") == 0) {
        if (strcasecmp(v, "PEM") != 0)
            cli_die(tool, "%s=%s: only PEM stores are supported by these tools", k, v);
    } else if (strcmp(k, "ssl.endpoint.identification.algorithm") == 0) {
        clisec_set(tool, conf, k, *v ? v : "none");
    } else if (strcmp(k, "ssl.protocol") == 0 || strcmp(k, "ssl.enabled.protocols") == 0 ||
               strcmp(k, "ssl.keystore.password") == 0 ||
               strcmp(k, "ssl.truststore.password") == 0) {
        /* OpenSSL negotiates the protocol; PEM stores have no store password */
    } else {
        return false;
    }
    return true;
}
