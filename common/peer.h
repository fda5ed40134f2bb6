/* peer.h: an outgoing Kafka-protocol connection from this broker to another broker, for
 * follower fetches, the controller's requests, AlterPartition and ControlledShutdown: Kafka's
 * NetworkClient reduced to one connection per peer_t.
 *
 * Requests are queued and written in order; several may be in flight; responses are matched
 * by correlation id (a broker answers in order on one connection). Each request's callback
 * runs exactly once, on the reactor:
 *   KERR_NONE              body is a reader over the response body (valid during the call)
 *   KERR__TRANSPORT        connect, read or write failed, the peer closed, or it answered
 *                          out of order or with an oversized frame
 *   KERR_REQUEST_TIMED_OUT the request's timeout passed; the connection is then closed,
 *                          failing every other request on it with KERR__TRANSPORT, since
 *                          later answers can no longer be matched
 *   KERR__DESTROY          peer_free() was called
 * After a failure the next request connects again (no background reconnect loop: callers
 * decide their own retry backoff).
 *
 * Owner: whoever created it. A callback may queue new requests and may call peer_free() on
 * its own peer (the free is deferred until the callback returns). Reactor thread only. */
#ifndef PEER_H
#define PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ev.h"
#include "kerr.h"

typedef struct peer peer_t;
typedef void peer_resp_fn(void *arg, kerr_t err, rbuf_t *body);

/* name is used in logs (e.g. "broker 2"); client_id goes in every request header;
 * max_resp_bytes bounds a response frame (larger: KERR__TRANSPORT, never allocated). */
peer_t *peer_new(ev_loop_t *loop, const char *name, const char *client_id, const char *host,
                 int port, size_t max_resp_bytes);
/* Every peer created from now on connects with the inter-broker listener's security (TLS,
 * then a SASL login before any request: SaslHandshake v1 and SaslAuthenticate v1 with the
 * broker's own credentials). Called once at start-up; sc must outlive every peer. */
struct sec_client;
void peer_set_security(const struct sec_client *sc);

/* Fails every queued request with KERR__DESTROY, closes the connection, frees. */
void peer_free(peer_t *p);

/* Point the peer at another address: a change closes the connection (failing what is queued
 * with KERR__TRANSPORT). */
void peer_set_addr(peer_t *p, const char *host, int port);
bool peer_addr_is(const peer_t *p, const char *host, int port);

/* Queue a request: body is the encoded request body (copied). flexible selects request
 * header v2 / response header v1. */
void peer_request(peer_t *p, int16_t api_key, int16_t api_version, bool flexible,
                  const wbuf_t *body, int64_t timeout_ms, peer_resp_fn *cb, void *arg);
/* Requests queued or in flight. */
int peer_pending(const peer_t *p);

#endif
