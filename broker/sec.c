/* sec.c: per-listener security settings from Kafka's keys (see sec.h). */
#include "sec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jaas.h"

/* "listener.name.<lower listener>.<key>" into buf. */
static const char *sec_key(char *buf, size_t n, const char *listener, const char *key)
{
    int l = snprintf(buf, n, "listener.name.");
    for (const char *p = listener; *p && (size_t)l + 1 < n; p++)
        buf[l++] = (char)tolower((unsigned char)*p);
    snprintf(buf + l, n - (size_t)l, ".%s", key);
    return buf;
}

const char *sec_cfg(const cfg_t *cfg, const char *listener, const char *key)
{
    char k[512];
    const char *v = cfg_str(cfg, sec_key(k, sizeof(k), listener, key));
    return *v ? v : cfg_str(cfg, key);
}

/* The key a listener's value came from, for messages: its prefix ("listener.name.x." or ""). */
static void sec_prefix(char *buf, size_t n, const cfg_t *cfg, const char *listener, const char *key)
{
    char k[512];
    sec_key(k, sizeof(k), listener, key);
    if (*cfg_str(cfg, k))
        snprintf(buf, n, "%.*s", (int)(strlen(k) - strlen(key)), k);
    else
        buf[0] = '\0';
}

/* The TLS settings of listener as a tlsio_conf_t (strings owned by cfg). */
static int sec_tls_conf(tlsio_conf_t *t, const cfg_t *cfg, const char *l, bool server, char *prefix,
                        size_t plen, char *err, size_t n)
{
    memset(t, 0, sizeof(*t));
    t->server = server;
    t->keystore_location = sec_cfg(cfg, l, "ssl.keystore.location");
    t->keystore_key = sec_cfg(cfg, l, "ssl.keystore.key");
    t->keystore_chain = sec_cfg(cfg, l, "ssl.keystore.certificate.chain");
    t->key_password = sec_cfg(cfg, l, "ssl.key.password");
    t->truststore_location = sec_cfg(cfg, l, "ssl.truststore.location");
    t->truststore_certs = sec_cfg(cfg, l, "ssl.truststore.certificates");
    t->enabled_protocols = sec_cfg(cfg, l, "ssl.enabled.protocols");
    t->cipher_suites = sec_cfg(cfg, l, "ssl.cipher.suites");
    const char *alg = sec_cfg(cfg, l, "ssl.endpoint.identification.algorithm");
    t->verify_hostname = strcasecmp(alg, "https") == 0;
    sec_prefix(prefix, plen, cfg, l, "ssl.keystore.location");
    size_t pl = strlen(prefix);
    snprintf(prefix + pl, plen - pl, "ssl.");
    t->key_prefix = prefix;
    static const char *const types[] = {"ssl.keystore.type", "ssl.truststore.type"};
    for (int i = 0; i < 2; i++) {
        const char *ty = sec_cfg(cfg, l, types[i]);
        if (*ty && strcasecmp(ty, "PEM") != 0) {
            snprintf(err, n,
                     "Invalid value %s for configuration %s: only PEM key and trust stores "
                     "are supported",
                     ty, types[i]);
            return -1;
        }
    }
    const char *ca = sec_cfg(cfg, l, "ssl.client.auth");
    if (!*ca || strcmp(ca, "none") == 0)
        t->client_auth = TLSIO_AUTH_NONE;
    else if (strcmp(ca, "requested") == 0)
        t->client_auth = TLSIO_AUTH_REQUESTED;
    else if (strcmp(ca, "required") == 0)
        t->client_auth = TLSIO_AUTH_REQUIRED;
    else {
        snprintf(err, n,
                 "Invalid value %s for configuration ssl.client.auth: String must be one of: "
                 "required, requested, none",
                 ca);
        return -1;
    }
    return 0;
}

/* sasl.enabled.mechanisms of listener as bits. */
static int sec_mechanisms(const cfg_t *cfg, const char *l, unsigned *out, char *err, size_t n)
{
    const char *s = sec_cfg(cfg, l, "sasl.enabled.mechanisms");
    *out = 0;
    while (*s) {
        while (*s == ' ' || *s == ',') s++;
        if (!*s) break;
        size_t len = strcspn(s, ", ");
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)len, s);
        s += len;
        unsigned m = sec_mech_parse(name);
        if (!m) {
            snprintf(err, n,
                     "Invalid value %s for configuration sasl.enabled.mechanisms: mechanism %s "
                     "is not supported (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 are)",
                     sec_cfg(cfg, l, "sasl.enabled.mechanisms"), name);
            return -1;
        }
        *out |= m;
    }
    if (!*out) {
        snprintf(err, n, "Invalid value for configuration sasl.enabled.mechanisms: no mechanism");
        return -1;
    }
    return 0;
}

/* The JAAS config of listener for mechanism (listener.name.<l>.<mech>.sasl.jaas.config, then
 * sasl.jaas.config); NULL when unset, -1 in *bad when malformed. */
static jaas_t *sec_jaas(const cfg_t *cfg, const char *l, unsigned mech, int *bad, char *err,
                        size_t n)
{
    char key[128], lmech[32];
    snprintf(lmech, sizeof(lmech), "%s", sec_mech_name(mech));
    for (char *p = lmech; *p; p++) *p = (char)tolower((unsigned char)*p);
    snprintf(key, sizeof(key), "%s.sasl.jaas.config", lmech);
    const char *text = sec_cfg(cfg, l, key);
    if (!*text) text = cfg_str(cfg, "sasl.jaas.config");
    *bad = 0;
    if (!*text) return NULL;
    char why[200];
    jaas_t *j = jaas_parse(text, why, sizeof(why));
    if (!j) {
        char full[512];
        snprintf(err, n, "Invalid value for configuration %s: %s",
                 sec_key(full, sizeof(full), l, key), why);
        *bad = -1;
    }
    return j;
}

int sec_listener_init(sec_listener_t *sl, const cfg_t *cfg, const char *name, char *err, size_t n)
{
    memset(sl, 0, sizeof(*sl));
    snprintf(sl->name, sizeof(sl->name), "%s", name);
    char why[256];
    if (secproto_of_listener(cfg_str(cfg, "listener.security.protocol.map"), name, &sl->proto, why,
                             sizeof(why)) != 0) {
        snprintf(err, n, "listener %s: no protocol in listener.security.protocol.map", name);
        return -1;
    }
    if (secproto_tls(sl->proto)) {
        tlsio_conf_t tc;
        char prefix[160];
        if (sec_tls_conf(&tc, cfg, name, true, prefix, sizeof(prefix), err, n) != 0) return -1;
        sl->tls = tlsio_ctx_new(&tc, err, n);
        if (!sl->tls) return -1;
        sl->tls_principal = sl->proto == SECPROTO_SSL;
    }
    if (secproto_sasl(sl->proto)) {
        if (sec_mechanisms(cfg, name, &sl->mechs, err, n) != 0) return -1;
        if (sl->mechs & SEC_MECH_PLAIN) {
            int bad;
            sl->plain = sec_jaas(cfg, name, SEC_MECH_PLAIN, &bad, err, n);
            if (bad) return -1;
            if (!sl->plain) {
                char full[512];
                snprintf(err, n, "Missing required configuration %s for the PLAIN mechanism",
                         sec_key(full, sizeof(full), name, "plain.sasl.jaas.config"));
                return -1;
            }
        }
    }
    return 0;
}

void sec_listener_free(sec_listener_t *sl)
{
    tlsio_ctx_free(sl->tls);
    jaas_free(sl->plain);
    memset(sl, 0, sizeof(*sl));
}

int sec_client_init(sec_client_t *c, const cfg_t *cfg, const char *ibl, char *err, size_t n)
{
    memset(c, 0, sizeof(*c));
    char why[256];
    if (secproto_of_listener(cfg_str(cfg, "listener.security.protocol.map"), ibl, &c->proto, why,
                             sizeof(why)) != 0) {
        snprintf(err, n, "inter-broker listener %s: no protocol", ibl);
        return -1;
    }
    if (secproto_tls(c->proto)) {
        tlsio_conf_t tc;
        char prefix[160];
        if (sec_tls_conf(&tc, cfg, ibl, false, prefix, sizeof(prefix), err, n) != 0) return -1;
        c->tls = tlsio_ctx_new(&tc, err, n);
        if (!c->tls) return -1;
    }
    if (!secproto_sasl(c->proto)) return 0;
    const char *m = cfg_str(cfg, "sasl.mechanism.inter.broker.protocol");
    c->mech = sec_mech_parse(m);
    if (!c->mech) {
        snprintf(err, n,
                 "Invalid value %s for configuration sasl.mechanism.inter.broker.protocol: "
                 "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 is needed for a SASL inter-broker "
                 "listener",
                 m);
        return -1;
    }
    int bad;
    jaas_t *j = sec_jaas(cfg, ibl, c->mech, &bad, err, n);
    if (bad) return -1;
    const char *u = j ? jaas_get(j, "username") : NULL, *p = j ? jaas_get(j, "password") : NULL;
    if (!u || !p) {
        snprintf(err, n,
                 "Missing username and password for the inter-broker mechanism %s in "
                 "listener.name.%s.<mechanism>.sasl.jaas.config",
                 m, ibl);
        jaas_free(j);
        return -1;
    }
    snprintf(c->username, sizeof(c->username), "%s", u);
    snprintf(c->password, sizeof(c->password), "%s", p);
    jaas_free(j);
    return 0;
}

void sec_client_free(sec_client_t *c)
{
    tlsio_ctx_free(c->tls);
    memset(c, 0, sizeof(*c));
}
