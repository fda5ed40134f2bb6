/* tlsio.h: TLS on a non-blocking socket with OpenSSL 3, for the reactor (broker/conn.c, the
 * broker's outgoing connections) and blocking callers alike.
 *
 * A context holds what Kafka's ssl.* keys configure: the PEM keystore (a file with key and
 * chain, or the key and chain inline), an optional key password, the PEM truststore (a file or
 * inline certificates), ssl.client.auth, ssl.enabled.protocols, ssl.cipher.suites (Kafka's
 * IANA names) and, for a client, hostname verification. A tlsio_t is one connection: reads and
 * writes never block; when OpenSSL needs the socket to become readable or writable first, they
 * return TLSIO_AGAIN and tlsio_wants() says which, also when a read needs a write (handshake,
 * key update) or the other way round. The handshake runs inside the first reads and writes.
 *
 * A read drains every whole record OpenSSL has buffered before saying TLSIO_AGAIN, so a
 * caller that reads until TLSIO_AGAIN never leaves plaintext behind that no poll would report
 * (with tlsio_read_ahead, see tlsio_pending for one that stops earlier).
 * A write of n bytes may take fewer (partial writes on); after TLSIO_AGAIN the next write must
 * offer at least the bytes offered before, starting at the same place (OpenSSL's rule; the
 * buffer may move).
 *
 * Owner: the caller owns both (tlsio_free does not close the fd). A context may be shared by
 * threads once built; a tlsio_t belongs to one thread. */
#ifndef TLSIO_H
#define TLSIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct tlsio_ctx tlsio_ctx_t;
typedef struct tlsio tlsio_t;

typedef enum tlsio_auth {
    TLSIO_AUTH_NONE,
    TLSIO_AUTH_REQUESTED,
    TLSIO_AUTH_REQUIRED,
} tlsio_auth_t;

/* Strings may be NULL or "" (unset). The *_key names say which Kafka key a value came from,
 * for messages. */
typedef struct tlsio_conf {
    bool server;
    const char *keystore_location;   /* PEM file: private key and certificate chain */
    const char *keystore_key;        /* inline PEM private key */
    const char *keystore_chain;      /* inline PEM certificate chain */
    const char *key_password;        /* of an encrypted key */
    const char *truststore_location; /* PEM file of CA certificates */
    const char *truststore_certs;    /* inline PEM CA certificates */
    tlsio_auth_t client_auth;        /* server only */
    const char *enabled_protocols;   /* "TLSv1.2,TLSv1.3" */
    const char *cipher_suites;       /* comma list of IANA names; "" = OpenSSL's defaults */
    bool verify_hostname;            /* client: ssl.endpoint.identification.algorithm=https */
    const char *key_prefix;          /* "ssl." or "listener.name.x.ssl.": for messages */
} tlsio_conf_t;

/* NULL with err naming the key and the reason. */
tlsio_ctx_t *tlsio_ctx_new(const tlsio_conf_t *conf, char *err, size_t n);
void tlsio_ctx_free(tlsio_ctx_t *ctx);

#define TLSIO_AGAIN (-1)
#define TLSIO_ERROR (-2)

/* A connection on fd (non-blocking or blocking). host (client only, may be NULL) is sent as
 * SNI when a name and checked against the certificate when verify_hostname. NULL on OOM. */
tlsio_t *tlsio_new(tlsio_ctx_t *ctx, int fd, const char *host);
void tlsio_free(tlsio_t *t);

/* > 0 bytes; 0 the peer closed; TLSIO_AGAIN; TLSIO_ERROR (tlsio_error() says why). */
ssize_t tlsio_read(tlsio_t *t, void *buf, size_t n);
ssize_t tlsio_write(tlsio_t *t, const void *buf, size_t n);
/* Writes take the whole buffer (several 16 KB records) or nothing (TLSIO_AGAIN, then retry
 * with the same bytes): with partial writes, each write returns after one record. */
void tlsio_whole_writes(tlsio_t *t);
/* Read up to `bytes` of records from the socket per read() instead of each record's header
 * and body apart (two syscalls per <= 16 KB record). The records read ahead sit inside
 * OpenSSL, where no poll sees them: a caller that stops reading before TLSIO_AGAIN must go on
 * while tlsio_pending() says so. */
void tlsio_read_ahead(tlsio_t *t, size_t bytes);
/* Bytes (records, whole or not) buffered inside OpenSSL that a read would consume first. */
bool tlsio_pending(const tlsio_t *t);
/* Collect the records OpenSSL makes (of writes, the handshake, alerts) in a buffer of `bytes`
 * (at least one record, ~16.5 KB) and write() them in one go, where OpenSSL's socket BIO makes
 * each 16 KB record its own write() and TCP push. A write that returned > 0 may leave
 * records here: the caller then polls for EV_WRITE while tlsio_unsent() and calls
 * tlsio_flush(). Call before the handshake starts; false on OOM (the connection is unchanged).
 * The buffer is freed with t. */
bool tlsio_write_buffer(tlsio_t *t, size_t bytes);
bool tlsio_unsent(const tlsio_t *t);
/* Write buffered records: 1 none left, TLSIO_AGAIN (tlsio_wants() is EV_WRITE), TLSIO_ERROR. */
int tlsio_flush(tlsio_t *t);
/* Drive the handshake only: 1 done, TLSIO_AGAIN, TLSIO_ERROR. */
int tlsio_handshake(tlsio_t *t);
bool tlsio_established(const tlsio_t *t);
/* After TLSIO_AGAIN: what the socket must become, as EV_READ / EV_WRITE bits (ev.h). */
uint32_t tlsio_wants(const tlsio_t *t);
/* The last read wanted the socket writable / the last write wanted it readable. */
bool tlsio_read_wants_write(const tlsio_t *t);
bool tlsio_write_wants_read(const tlsio_t *t);
const char *tlsio_error(const tlsio_t *t);
/* Send close_notify (best effort, never blocks). */
void tlsio_shutdown(tlsio_t *t);

/* The verified peer certificate's subject as RFC 2253 ("CN=alice,OU=eng,O=org", Java's
 * X500Principal.getName()); false when the peer sent none. */
bool tlsio_peer_dn(const tlsio_t *t, char *buf, size_t n);

#endif
