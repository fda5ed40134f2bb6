/* scram.h: SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka uses them: the stored
 * credential format of ZooKeeper's /config/users/<user> ("salt=<b64>,stored_key=<b64>,
 * server_key=<b64>,iterations=<n>"), making a credential from a password (PBKDF2 with
 * OpenSSL), and the server side of the exchange:
 *
 *   client-first  "n,,n=<user>,r=<cnonce>"        -> server-first "r=<cnonce><snonce>,s=..,i=.."
 *   client-final  "c=biws,r=<nonce>,p=<proof>"    -> server-final "v=<server signature>"
 *
 * Every parser takes untrusted bytes with a length (no NUL needed) and bounds everything it
 * keeps; proofs are compared in constant time; nonces come from RAND_bytes.
 * Owner: scram_server_t is the caller's (scram_server_free). Any thread. */
#ifndef SCRAM_H
#define SCRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum scram_mech { SCRAM_SHA_256 = 256, SCRAM_SHA_512 = 512 } scram_mech_t;

#define SCRAM_MAX_KEY        64 /* SHA-512 */
#define SCRAM_MAX_SALT       128
#define SCRAM_MIN_ITERATIONS 4096
#define SCRAM_MAX_ITERATIONS 16384

typedef struct scram_cred {
    uint8_t salt[SCRAM_MAX_SALT];
    size_t salt_len;
    uint8_t stored_key[SCRAM_MAX_KEY], server_key[SCRAM_MAX_KEY];
    size_t key_len; /* 32 or 64 */
    int iterations;
} scram_cred_t;

/* "SCRAM-SHA-256" / "SCRAM-SHA-512" -> mech; 0 when neither. */
int scram_mech_parse(const char *name);
const char *scram_mech_name(scram_mech_t m);

/* Make a credential for password with a fresh random salt. 0, or -1. */
int scram_cred_make(scram_mech_t m, const char *password, int iterations, scram_cred_t *out);
/* A credential from a client-made salt and salted password (AlterUserScramCredentials). 0, or
 * -1 when the salt is empty or too long or the salted password is not the hash's length. */
int scram_cred_from_salted(scram_mech_t m, const uint8_t *salt, size_t salt_len,
                           const uint8_t *salted, size_t salted_len, int iterations,
                           scram_cred_t *out);
/* The salted password (Hi) of password for a salt, for the tools. 0, or -1. */
int scram_salted_password(scram_mech_t m, const char *password, const uint8_t *salt,
                          size_t salt_len, int iterations, uint8_t *out, size_t *out_len);
/* The ZooKeeper form of c into buf (NUL-terminated). -1 when buf is too small. */
int scram_cred_format(const scram_cred_t *c, char *buf, size_t n);
/* Parse the ZooKeeper form. 0, or -1 when malformed or of the wrong key length for m. */
int scram_cred_parse(scram_mech_t m, const char *s, scram_cred_t *out);

/* Base64 (standard alphabet, padded). encode: -1 when out is too small; decode: the length,
 * or -1 when malformed or too long for out. */
int scram_b64_encode(const uint8_t *in, size_t len, char *out, size_t n);
int scram_b64_decode(const char *in, size_t len, uint8_t *out, size_t n);

typedef struct scram_server scram_server_t;
/* Looks a user's credential up for the exchange; false when unknown. */
typedef bool scram_lookup_fn(void *arg, scram_mech_t m, const char *user, scram_cred_t *out);

scram_server_t *scram_server_new(scram_mech_t m, scram_lookup_fn *lookup, void *arg);
void scram_server_free(scram_server_t *s);
/* Feed one client message; on success *out (malloc'd, *out_len bytes) is the answer and the
 * return is 0 (more to come) or 1 (authenticated: scram_server_user() is the user). -1: the
 * exchange failed (why says how, for the log; the client only learns it failed). */
int scram_server_step(scram_server_t *s, const uint8_t *in, size_t len, uint8_t **out,
                      size_t *out_len, char *why, size_t why_n);
const char *scram_server_user(const scram_server_t *s);

/* The client side, for the broker's own connections and the CLI: the first message, then the
 * final message for the server's first; then scram_client_verify the server's final. */
typedef struct scram_client scram_client_t;
scram_client_t *scram_client_new(scram_mech_t m, const char *user, const char *password);
void scram_client_free(scram_client_t *c);
/* Both return a malloc'd message (NUL-terminated), NULL on failure (why set). */
char *scram_client_first(scram_client_t *c);
char *scram_client_final(scram_client_t *c, const uint8_t *server_first, size_t len, char *why,
                         size_t why_n);
bool scram_client_verify(scram_client_t *c, const uint8_t *server_final, size_t len);

#endif
