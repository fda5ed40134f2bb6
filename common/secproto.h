/* secproto.h: Kafka's security protocols and listener.security.protocol.map.
 *
 * A listener name maps to one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL through the map
 * ("NAME:PROTO,NAME:PROTO", Kafka's default maps each protocol name to itself). Pure functions,
 * any thread. */
#ifndef SECPROTO_H
#define SECPROTO_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
