/* secproto.h: Kafka's security protocols and listener.security.protocol.map, the SASL
 * mechanisms, and the client side of a connection's security (sec_client_t: what a broker uses
 * for its inter-broker connections, peer.h; filled by broker/sec.c from the broker's keys).
 *
 * A listener name maps to one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL through the map
 * ("NAME:PROTO,NAME:PROTO", Kafka's default maps each protocol name to itself). Pure functions,
 * any thread. */
#ifndef SECPROTO_H
#define SECPROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "tlsio.h"

typedef enum secproto {
    SECPROTO_PLAINTEXT,
    SECPROTO_SSL,
    SECPROTO_SASL_PLAINTEXT,
    SECPROTO_SASL_SSL,
} secproto_t;

/* The protocol named s (case-insensitive), or -1. */
int secproto_parse(const char *s);
const char *secproto_name(secproto_t p);
static inline bool secproto_tls(secproto_t p)
{
    return p == SECPROTO_SSL || p == SECPROTO_SASL_SSL;
}
static inline bool secproto_sasl(secproto_t p)
{
    return p == SECPROTO_SASL_PLAINTEXT || p == SECPROTO_SASL_SSL;
}

/* The protocol of listener in map: 0 with *out set; -1 when the map does not name the
 * listener; -2 when the map is malformed or names an unknown protocol (why says which). */
int secproto_of_listener(const char *map, const char *listener, secproto_t *out, char *why,
                         size_t n);

/* SASL mechanisms, as bits. */
#define SEC_MECH_PLAIN         1u
#define SEC_MECH_SCRAM_SHA_256 2u
#define SEC_MECH_SCRAM_SHA_512 4u

/* What the broker uses to connect to other brokers (the inter-broker listener). */
typedef struct sec_client {
    secproto_t proto;
    tlsio_ctx_t *tls;   /* client context, NULL for PLAINTEXT / SASL_PLAINTEXT */
    unsigned mech;      /* sasl.mechanism.inter.broker.protocol */
    char username[256]; /* from the listener's JAAS config for that mechanism */
    char password[256];
} sec_client_t;

/* A mechanism's bit for its name ("SCRAM-SHA-512"), 0 when unknown; and its name. */
unsigned sec_mech_parse(const char *name);
const char *sec_mech_name(unsigned mech);

#endif
