/* configs_scram.h: kafka-configs --bootstrap-server for a user's SCRAM credentials, as Kafka 3's
 * ConfigCommand: --add-config 'SCRAM-SHA-512=[password=x],SCRAM-SHA-256=[iterations=8192,
 * password=y]' sends AlterUserScramCredentials with a fresh salt and the salted password made
 * here (the password never leaves the tool), --delete-config SCRAM-SHA-512 a deletion, and
 * --describe prints "SCRAM credential configs for user-principal 'alice' are
 * SCRAM-SHA-512=iterations=4096" from DescribeUserScramCredentials. Single-threaded tool. */
#ifndef CONFIGS_SCRAM_H
#define CONFIGS_SCRAM_H

#include <stdbool.h>
#include <stddef.h>

#include "kerr.h"
#include "scram.h"

/* "[iterations=N,]password=P" -> password (into pw) and iterations; false with why. */
bool cs_parse_spec(scram_mech_t m, const char *spec, char *pw, size_t pwn, int *iterations,
                   char *why, size_t wn);
/* Print the SCRAM line of user (NULL: every user). KERR_NONE, or the error with why. */
kerr_t cs_describe(const char *bootstrap, const char *user, char *why, size_t wn);
/* Upsert (keys[i] = mechanism name, specs[i] its spec) and delete (dels) user's
 * credentials in one request. KERR_NONE, or the first error with why. */
kerr_t cs_alter(const char *bootstrap, const char *user, int nadd, const char *const *keys,
                const char *const *specs, int ndel, const char *const *dels, char *why, size_t wn);

#endif
