/* sasl.h: SASL authentication of a client connection on a SASL_PLAINTEXT / SASL_SSL listener,
 * as Kafka's SaslServerAuthenticator: a SaslHandshake picks the mechanism (PLAIN, SCRAM-SHA-256,
 * SCRAM-SHA-512), then the tokens come in SaslAuthenticate requests (handshake v1) or as raw
 * size-prefixed frames (handshake v0). Until it succeeds only ApiVersions, SaslHandshake and
 * SaslAuthenticate are served (conn.c closes the connection on anything else) and a frame may
 * not exceed sasl.server.max.receive.size. A failed login is logged with the peer and answered
 * (SASL_AUTHENTICATION_FAILED) after connection.failed.authentication.delay.ms, then the
 * connection closes.
 *
 * SCRAM credentials: ZooKeeper's /config/users/<user> ("SCRAM-SHA-512" = "salt=..,stored_key=..,
 * server_key=..,iterations=.."), delivered to sasl_users_set by the coordinator thread at start
 * and on every /config/changes notice, so a new user logs in without a restart. PLAIN users:
 * user_<name>="<password>" options of the listener's PlainLoginModule JAAS config.
 *
 * Owner: the connection owns its sasl_conn_t; the server owns the sasl_users_t (made after the
 * listeners, freed after the connections). Reactor thread only. */
#ifndef SASL_H
#define SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

typedef struct sasl_users sasl_users_t;
typedef struct listener listener_t;
typedef struct req req_t;

/* The frame r carries is a raw token (handshake v0): answer it with a raw token. */
void sasl_raw_token(req_t *r);
/* Handlers (api.c's table): the connection's SASL state decides the answer. */
void sasl_handshake(req_t *r, rbuf_t *body);
void sasl_authenticate(req_t *r, rbuf_t *body);

/* The broker's users: SCRAM credentials (empty at first) and, for sasl_password_ok, the PLAIN
 * JAAS configs of the listeners ls[0..n) (borrowed: they outlive the users). */
sasl_users_t *sasl_users_new(const listener_t *ls, int n);
void sasl_users_free(sasl_users_t *u);
/* Replace a user's SCRAM credentials from its /config/users entity (entity_path "users/<u>",
 * sanitized as in ZooKeeper); other configs are ignored. */
void sasl_users_set(sasl_users_t *u, const char *entity_path, int n, const char *const *keys,
                    const char *const *vals);
/* Whether password is user's: one of its SCRAM credentials (the stored key Hi(password) gives,
 * compared in constant time) or its user_<name> entry in a SASL listener's PLAIN JAAS config.
 * An unknown user costs a PBKDF2 too, so the time taken does not tell whether it exists. For
 * logins that are not SASL exchanges (the web console's, console_auth.c). */
bool sasl_password_ok(const sasl_users_t *u, const char *user, const char *password);
/* The iterations of user's credential for mech (SCRAM_SHA_256 / SCRAM_SHA_512), 0 for none. */
int sasl_user_iterations(const sasl_users_t *u, const char *user, int mech);
/* Users with SCRAM credentials: for (size_t it = 0; sasl_users_next(users, &it, &u);). */
bool sasl_users_next(const sasl_users_t *u, size_t *it, const char **user);

#endif
