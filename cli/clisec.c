/* clisec.c: Java client security keys for librdkafka (see clisec.h). */
#include "clisec.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jaas.h"

/* Set k=v on conf; false with "k: reason" in err when librdkafka refuses it. */
static bool clisec_set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err,
                       size_t errlen)
{
    char why[512];
    if (rd_kafka_conf_set(conf, k, v, why, sizeof(why)) == RD_KAFKA_CONF_OK) return true;
    snprintf(err, errlen, "%s: %s", k, why);
    return false;
}

static bool clisec_jaas(rd_kafka_conf_t *conf, const char *v, char *err, size_t errlen)
{
    char why[256];
    jaas_t *j = jaas_parse(v, why, sizeof(why));
    if (!j) {
        snprintf(err, errlen, "Invalid value for sasl.jaas.config: %s", why);
        return false;
    }
    const char *u = jaas_get(j, "username"), *p = jaas_get(j, "password");
    bool ok = (!u || clisec_set(conf, "sasl.username", u, err, errlen)) &&
              (!p || clisec_set(conf, "sasl.password", p, err, errlen));
    jaas_free(j);
    return ok;
}

/* The keys that map one to one onto a librdkafka key. */
static const struct {
    const char *java, *rdkafka;
} clisec_renames[] = {
    {"sasl.mechanism", "sasl.mechanisms"},
    {"ssl.truststore.location", "ssl.ca.location"},
    {"ssl.truststore.certificates", "ssl.ca.pem"},
    {"ssl.keystore.key", "ssl.key.pem"},
    {"ssl.keystore.certificate.chain", "ssl.certificate.pem"},
};

/* Keys accepted and ignored: OpenSSL negotiates the protocol; PEM stores have no password. */
static const char *const clisec_ignored[] = {"ssl.protocol", "ssl.enabled.protocols",
                                             "ssl.keystore.password", "ssl.truststore.password"};

#define CLISEC_N(a)   (sizeof(a) / sizeof((a)[0]))
#define CLISEC_RC(ok) ((ok) ? CLISEC_SET : CLISEC_ERR)

clisec_rc_t clisec_conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err,
                            size_t errlen)
{
    for (size_t i = 0; i < CLISEC_N(clisec_renames); i++)
        if (strcmp(k, clisec_renames[i].java) == 0)
            return CLISEC_RC(clisec_set(conf, clisec_renames[i].rdkafka, v, err, errlen));
    for (size_t i = 0; i < CLISEC_N(clisec_ignored); i++)
        if (strcmp(k, clisec_ignored[i]) == 0) return CLISEC_SET;
    if (strcmp(k, "sasl.jaas.config") == 0) return CLISEC_RC(clisec_jaas(conf, v, err, errlen));
    if (strcmp(k, "ssl.keystore.location") == 0)
        return CLISEC_RC(clisec_set(conf, "ssl.key.location", v, err, errlen) &&
                         clisec_set(conf, "ssl.certificate.location", v, err, errlen));
    if (strcmp(k, "ssl.keystore.type") == 0 || strcmp(k, "ssl.truststore.type") == 0) {
        if (strcasecmp(v, "PEM") == 0) return CLISEC_SET;
        snprintf(err, errlen, "%s=%s: only PEM stores are supported by these tools", k, v);
        return CLISEC_ERR;
    }
    if (strcmp(k, "ssl.endpoint.identification.algorithm") == 0)
        return CLISEC_RC(clisec_set(conf, k, *v ? v : "none", err, errlen));
    return CLISEC_NOT_MINE;
}
