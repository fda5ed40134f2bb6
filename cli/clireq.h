/* clireq.h: one blocking request/response exchange with one broker, encoded with the broker's
 * own codecs (common/proto), for what librdkafka 2.0 does not offer the tools (topic ids in
 * Metadata, DescribeLogDirs). Plain TCP unless clireq_set_security() read a client config
 * (--command-config): then every connection does TLS (SSL, SASL_SSL) and a SASL login (PLAIN,
 * SCRAM-SHA-256/512: SaslHandshake v1 + SaslAuthenticate v1) before its first request.
 * Single-threaded tools; the fd belongs to the caller (close it). */
#ifndef CLIREQ_H
#define CLIREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Read security.protocol, sasl.mechanism, sasl.jaas.config (or sasl.username/password),
 * ssl.truststore.location / ssl.ca.location, ssl.keystore.location, ssl.key.password and
 * ssl.endpoint.identification.algorithm from a properties file. 0, or -1 with err. */
int clireq_set_security(const char *path, char *err, size_t n);

/* A blocking connection to host:port with send and receive timeouts of timeout_ms; -1 when
 * the broker cannot be reached within it. */
int clireq_open(const char *host, int port, int timeout_ms);
/* Send the request body req as (api_key, ver) with request header v2 (flexible) or v1, and read
 * the answer: *body (caller frees) holds the whole response frame after its size, *hdr_len
 * the bytes of its response header (v1 or v0), *len the total. false on an I/O error, a
 * timeout, a mismatched correlation id or an implausible size. */
bool clireq_call(int fd, int16_t api_key, int16_t ver, bool flexible, const char *client_id,
                 const wbuf_t *req, uint8_t **body, size_t *len, size_t *hdr_len);

#endif
