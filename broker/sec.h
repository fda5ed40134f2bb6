/* sec.h: a listener's security settings (Kafka's listener.security.protocol.map, ssl.* and
 * sasl.* keys, each overridable per listener as listener.name.<lower-case name>.<key>), and
 * the broker's own client settings for its inter-broker connections.
 *
 * Built once at start-up (a bad value stops it, naming the key); read-only afterwards, shared
 * by the reactor and the coordinator thread (the TLS contexts are thread-safe). */
#ifndef SEC_H
#define SEC_H

#include <stdbool.h>
#include <stddef.h>

#include "cfg.h"
#include "secproto.h"
#include "tlsio.h"

typedef struct jaas jaas_t;

typedef struct sec_listener {
    char name[64];
    secproto_t proto;
    tlsio_ctx_t *tls;   /* server context: SSL and SASL_SSL listeners */
    bool tls_principal; /* SSL listener: the principal is the client certificate's DN */
    unsigned mechs;     /* sasl.enabled.mechanisms we serve (SASL listeners) */
    jaas_t *plain;      /* PlainLoginModule options: user_<name>="password" */
} sec_listener_t;

/* The value of key for listener (listener.name.<lower>.<key>, else key); "" when unset. */
const char *sec_cfg(const cfg_t *cfg, const char *listener, const char *key);

/* Fill l for listener name. 0, or -1 with err naming the key. */
int sec_listener_init(sec_listener_t *l, const cfg_t *cfg, const char *name, char *err, size_t n);
void sec_listener_free(sec_listener_t *l);

/* The broker's client settings for the inter-broker listener. 0, or -1 with err. */
int sec_client_init(sec_client_t *c, const cfg_t *cfg, const char *ibl, char *err, size_t n);
void sec_client_free(sec_client_t *c);

#endif
