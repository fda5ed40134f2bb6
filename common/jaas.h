/* jaas.h: the JAAS configuration text Kafka takes in sasl.jaas.config:
 *
 *   org.apache.kafka.common.security.plain.PlainLoginModule required
 *       username="admin" password="admin-secret" user_admin="admin-secret";
 *
 * one or more entries "<class> <required|requisite|sufficient|optional> [key=value]... ;",
 * values quoted ("..." with backslash escapes) or bare words. Only the first entry's options
 * are kept (Kafka allows exactly one login module per mechanism and listener).
 * Owner: the caller (jaas_free). Read-only after parsing; any thread. */
#ifndef JAAS_H
#define JAAS_H

#include <stddef.h>

typedef struct jaas jaas_t;

/* NULL with err saying where the text is malformed. */
jaas_t *jaas_parse(const char *text, char *err, size_t n);
void jaas_free(jaas_t *j);
const char *jaas_module(const jaas_t *j);
/* The option's value, NULL when absent. */
const char *jaas_get(const jaas_t *j, const char *key);
/* Iterate options: for (int i = 0; jaas_option(j, i, &k, &v); i++). */
int jaas_option(const jaas_t *j, int i, const char **key, const char **value);

#endif
