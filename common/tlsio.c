/* tlsio.c: OpenSSL contexts from Kafka's ssl.* settings and non-blocking TLS I/O (tlsio.h). */
#include "tlsio.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "ev.h"

struct tlsio_ctx {
    SSL_CTX *ssl;
    bool server;
    bool verify_hostname;
};

struct tlsio {
    SSL *ssl;
    int fd;
    bool rd_wants_w, wr_wants_r;
    uint32_t wants;
    bool established;
    /* tlsio_write_buffer: records not yet written to fd are wbuf[woff, wlen) */
    uint8_t *wbuf;
    size_t wcap, woff, wlen;
    int werrno; /* a failed write() of wbuf */
    char err[256];
};

/* The first queued OpenSSL error as text (and clear the queue). */
static const char *tlsio_ossl_err(char *buf, size_t n)
{
    unsigned long e = ERR_get_error();
    if (!e) {
        snprintf(buf, n, "unknown TLS error");
    } else {
        ERR_error_string_n(e, buf, n);
    }
    ERR_clear_error();
    return buf;
}

static bool set(const char *s)
{
    return s && *s;
}

/* ---- keystore and truststore ---- */

static BIO *tlsio_bio(const char *file, const char *inline_pem)
{
    if (set(inline_pem)) return BIO_new_mem_buf(inline_pem, -1);
    return BIO_new_file(file, "r");
}

static int tlsio_load_key(SSL_CTX *ctx, const tlsio_conf_t *c, char *err, size_t n)
{
    const char *key = set(c->keystore_key) ? "keystore.key" : "keystore.location";
    BIO *b = tlsio_bio(c->keystore_location, c->keystore_key);
    if (!b) {
        snprintf(err, n, "Invalid value for configuration %s%s: cannot read %s", c->key_prefix, key,
                 c->keystore_location);
        return -1;
    }
    char ebuf[200];
    EVP_PKEY *pk =
        PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)(c->key_password ? c->key_password : ""));
    BIO_free(b);
    if (!pk) {
        snprintf(err, n, "Invalid value for configuration %s%s: no usable private key (%s%s)",
                 c->key_prefix, key, tlsio_ossl_err(ebuf, sizeof(ebuf)),
                 set(c->key_password) ? "" : "; encrypted keys need ssl.key.password");
        return -1;
    }
    int ok = SSL_CTX_use_PrivateKey(ctx, pk);
    EVP_PKEY_free(pk);
    if (ok != 1) {
        snprintf(err, n, "Invalid value for configuration %s%s: %s", c->key_prefix, key,
                 tlsio_ossl_err(ebuf, sizeof(ebuf)));
        return -1;
    }
    return 0;
}

static int tlsio_load_chain(SSL_CTX *ctx, const tlsio_conf_t *c, char *err, size_t n)
{
    const char *key = set(c->keystore_chain) ? "keystore.certificate.chain" : "keystore.location";
    BIO *b = tlsio_bio(c->keystore_location, c->keystore_chain);
    if (!b) {
        snprintf(err, n, "Invalid value for configuration %s%s: cannot read %s", c->key_prefix, key,
                 c->keystore_location);
        return -1;
    }
    char ebuf[200];
    int count = 0;
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
        int ok = count == 0 ? SSL_CTX_use_certificate(ctx, x) : SSL_CTX_add0_chain_cert(ctx, x);
        if (count == 0) X509_free(x);
        if (ok != 1) {
            if (count) X509_free(x);
            BIO_free(b);
            snprintf(err, n, "Invalid value for configuration %s%s: %s", c->key_prefix, key,
                     tlsio_ossl_err(ebuf, sizeof(ebuf)));
            return -1;
        }
        count++;
    }
    ERR_clear_error(); /* the end of the PEM input */
    BIO_free(b);
    if (count == 0) {
        snprintf(err, n, "Invalid value for configuration %s%s: no certificate found",
                 c->key_prefix, key);
        return -1;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        snprintf(err, n,
                 "Invalid value for configuration %s%s: the certificate does not match the "
                 "private key",
                 c->key_prefix, key);
        ERR_clear_error();
        return -1;
    }
    return 0;
}

static int tlsio_load_trust(SSL_CTX *ctx, const tlsio_conf_t *c, char *err, size_t n)
{
    const char *key = set(c->truststore_certs) ? "truststore.certificates" : "truststore.location";
    if (!set(c->truststore_certs) && !set(c->truststore_location)) {
        SSL_CTX_set_default_verify_paths(ctx);
        return 0;
    }
    BIO *b = tlsio_bio(c->truststore_location, c->truststore_certs);
    if (!b) {
        snprintf(err, n, "Invalid value for configuration %s%s: cannot read %s", c->key_prefix, key,
                 c->truststore_location);
        return -1;
    }
    X509_STORE *st = SSL_CTX_get_cert_store(ctx);
    int count = 0;
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
        X509_STORE_add_cert(st, x);
        X509_free(x);
        count++;
    }
    ERR_clear_error();
    BIO_free(b);
    if (count == 0) {
        snprintf(err, n, "Invalid value for configuration %s%s: no certificate found",
                 c->key_prefix, key);
        return -1;
    }
    return 0;
}

/* ---- protocols and cipher suites ---- */

static int tlsio_protocols(SSL_CTX *ctx, const tlsio_conf_t *c, char *err, size_t n)
{
    const char *s = set(c->enabled_protocols) ? c->enabled_protocols : "TLSv1.2,TLSv1.3";
    int lo = 0, hi = 0;
    while (*s) {
        while (*s == ' ' || *s == ',') s++;
        if (!*s) break;
        size_t len = strcspn(s, ", ");
        int v = 0;
        if (len == 7 && strncmp(s, "TLSv1.2", 7) == 0) v = TLS1_2_VERSION;
        if (len == 7 && strncmp(s, "TLSv1.3", 7) == 0) v = TLS1_3_VERSION;
        if (len == 7 && strncmp(s, "TLSv1.1", 7) == 0) v = TLS1_1_VERSION;
        if (len == 5 && strncmp(s, "TLSv1", 5) == 0) v = TLS1_VERSION;
        if (!v) {
            snprintf(err, n,
                     "Invalid value %s for configuration %senabled.protocols: unknown protocol "
                     "%.*s",
                     c->enabled_protocols, c->key_prefix, (int)len, s);
            return -1;
        }
        if (!lo || v < lo) lo = v;
        if (v > hi) hi = v;
        s += len;
    }
    if (!lo) {
        snprintf(err, n, "Invalid value for configuration %senabled.protocols: no protocol",
                 c->key_prefix);
        return -1;
    }
    SSL_CTX_set_min_proto_version(ctx, lo);
    SSL_CTX_set_max_proto_version(ctx, hi);
    return 0;
}

/* OpenSSL's name of a TLS 1.2 suite given by its IANA (Java) name, or NULL. */
static const char *tlsio_cipher_by_std_name(SSL_CTX *ctx, const char *std)
{
    STACK_OF(SSL_CIPHER) *all = SSL_CTX_get_ciphers(ctx);
    for (int i = 0; i < sk_SSL_CIPHER_num(all); i++) {
        const SSL_CIPHER *ci = sk_SSL_CIPHER_value(all, i);
        const char *sn = SSL_CIPHER_standard_name(ci);
        if (sn && strcmp(sn, std) == 0) return SSL_CIPHER_get_name(ci);
    }
    return NULL;
}

static int tlsio_ciphers(SSL_CTX *ctx, const tlsio_conf_t *c, char *err, size_t n)
{
    if (!set(c->cipher_suites)) return 0;
    SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFDEFAULT"); /* see every suite by name */
    char v12[2048] = "", v13[1024] = "";
    const char *s = c->cipher_suites;
    while (*s) {
        while (*s == ' ' || *s == ',') s++;
        if (!*s) break;
        size_t len = strcspn(s, ", ");
        char name[128];
        snprintf(name, sizeof(name), "%.*s", (int)len, s);
        s += len;
        bool is13 = strcmp(name, "TLS_AES_128_GCM_SHA256") == 0 ||
                    strcmp(name, "TLS_AES_256_GCM_SHA384") == 0 ||
                    strcmp(name, "TLS_CHACHA20_POLY1305_SHA256") == 0 ||
                    strcmp(name, "TLS_AES_128_CCM_SHA256") == 0;
        const char *os = is13 ? name : tlsio_cipher_by_std_name(ctx, name);
        if (!os) {
            snprintf(err, n,
                     "Invalid value %s for configuration %scipher.suites: unknown cipher suite %s",
                     c->cipher_suites, c->key_prefix, name);
            return -1;
        }
        char *dst = is13 ? v13 : v12;
        size_t cap = is13 ? sizeof(v13) : sizeof(v12);
        size_t l = strlen(dst);
        snprintf(dst + l, cap - l, "%s%s", l ? ":" : "", os);
    }
    /* naming no suite of a version turns that version off */
    int ok = SSL_CTX_set_ciphersuites(ctx, v13);
    if (ok == 1) ok = SSL_CTX_set_cipher_list(ctx, v12[0] ? v12 : "DEFAULT");
    if (ok != 1) {
        char ebuf[200];
        snprintf(err, n, "Invalid value %s for configuration %scipher.suites: %s", c->cipher_suites,
                 c->key_prefix, tlsio_ossl_err(ebuf, sizeof(ebuf)));
        return -1;
    }
    if (!v12[0]) SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    if (!v13[0]) SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    return 0;
}

/* ---- contexts ---- */

static int tlsio_ctx_setup(tlsio_ctx_t *t, const tlsio_conf_t *c, char *err, size_t n)
{
    SSL_CTX *ctx = t->ssl;
    /* no SSL_MODE_RELEASE_BUFFERS: freeing and re-allocating the record buffers around every
     * read and write costs more than the 2 x ~17 KB a connection keeps */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    if (tlsio_protocols(ctx, c, err, n) != 0 || tlsio_ciphers(ctx, c, err, n) != 0) return -1;
    bool have_key = set(c->keystore_location) || set(c->keystore_key);
    if (c->server && !have_key) {
        snprintf(err, n,
                 "Missing required configuration %skeystore.location (or %skeystore.key and "
                 "%skeystore.certificate.chain) for a TLS listener",
                 c->key_prefix, c->key_prefix, c->key_prefix);
        return -1;
    }
    if (have_key && (tlsio_load_key(ctx, c, err, n) != 0 || tlsio_load_chain(ctx, c, err, n) != 0))
        return -1;
    if (tlsio_load_trust(ctx, c, err, n) != 0) return -1;
    if (c->server) {
        int mode = c->client_auth == TLSIO_AUTH_REQUIRED
                       ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                   : c->client_auth == TLSIO_AUTH_REQUESTED ? SSL_VERIFY_PEER
                                                            : SSL_VERIFY_NONE;
        SSL_CTX_set_verify(ctx, mode, NULL);
        static const unsigned char sid[] = "kafka-c";
        SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    return 0;
}

tlsio_ctx_t *tlsio_ctx_new(const tlsio_conf_t *c, char *err, size_t n)
{
    tlsio_ctx_t *t = calloc(1, sizeof(*t));
    if (!t) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    t->server = c->server;
    t->verify_hostname = c->verify_hostname;
    t->ssl = SSL_CTX_new(c->server ? TLS_server_method() : TLS_client_method());
    if (!t->ssl) {
        char ebuf[200];
        snprintf(err, n, "cannot create a TLS context: %s", tlsio_ossl_err(ebuf, sizeof(ebuf)));
        free(t);
        return NULL;
    }
    if (tlsio_ctx_setup(t, c, err, n) != 0) {
        tlsio_ctx_free(t);
        return NULL;
    }
    return t;
}

void tlsio_ctx_free(tlsio_ctx_t *t)
{
    if (!t) return;
    SSL_CTX_free(t->ssl);
    free(t);
}

/* ---- connections ---- */

static bool tlsio_is_ip(const char *h)
{
    unsigned char b[16];
    return inet_pton(AF_INET, h, b) == 1 || inet_pton(AF_INET6, h, b) == 1;
}

tlsio_t *tlsio_new(tlsio_ctx_t *ctx, int fd, const char *host)
{
    tlsio_t *t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    t->ssl = SSL_new(ctx->ssl);
    t->fd = fd;
    if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1) {
        if (t->ssl) SSL_free(t->ssl);
        free(t);
        ERR_clear_error();
        return NULL;
    }
    if (ctx->server) {
        SSL_set_accept_state(t->ssl);
        return t;
    }
    SSL_set_connect_state(t->ssl);
    if (set(host)) {
        bool ip = tlsio_is_ip(host);
        if (!ip) SSL_set_tlsext_host_name(t->ssl, host);
        if (ctx->verify_hostname) {
            X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
            if (ip)
                X509_VERIFY_PARAM_set1_ip_asc(vp, host);
            else
                X509_VERIFY_PARAM_set1_host(vp, host, 0);
        }
    }
    return t;
}

void tlsio_free(tlsio_t *t)
{
    if (!t) return;
    SSL_free(t->ssl);
    free(t->wbuf);
    free(t);
}

/* ---- the write buffer (tlsio_write_buffer) ---- */

/* Write what wbuf holds to the socket: 1 all of it, TLSIO_AGAIN (part left), TLSIO_ERROR. */
static int tlsio_drain(tlsio_t *t)
{
    while (t->woff < t->wlen) {
        ssize_t n = write(t->fd, t->wbuf + t->woff, t->wlen - t->woff);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return TLSIO_AGAIN;
        if (n <= 0) {
            t->werrno = n < 0 ? errno : EPIPE;
            snprintf(t->err, sizeof(t->err), "%s", strerror(t->werrno));
            return TLSIO_ERROR;
        }
        t->woff += (size_t)n;
    }
    t->woff = t->wlen = 0;
    return 1;
}

/* OpenSSL hands each record (and handshake flight) here: kept in wbuf until it is full or
 * the caller flushes, so several records go out in one write(). */
static int tlsio_bio_write(BIO *b, const char *data, int len)
{
    tlsio_t *t = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    size_t n = (size_t)len;
    if (!t->werrno && t->wcap - t->wlen < n) tlsio_drain(t);
    if (t->werrno) { /* for SSL_ERROR_SYSCALL's reader (tlsio_fail) */
        errno = t->werrno;
        return -1;
    }
    if (t->wcap - t->wlen < n && t->woff > 0) { /* part was written: move the rest down */
        memmove(t->wbuf, t->wbuf + t->woff, t->wlen - t->woff);
        t->wlen -= t->woff;
        t->woff = 0;
    }
    if (t->wcap - t->wlen < n) {
        if (t->wlen > 0) { /* the socket is full: OpenSSL retries this record later */
            BIO_set_retry_write(b);
            return -1;
        }
        n = t->wcap; /* a record larger than the buffer: take what fits */
    }
    memcpy(t->wbuf + t->wlen, data, n);
    t->wlen += n;
    return (int)n;
}

static long tlsio_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    (void)ptr;
    tlsio_t *t = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_FLUSH: { /* the end of a handshake flight, an alert, close_notify */
        BIO_clear_retry_flags(b);
        int r = tlsio_drain(t);
        if (r == TLSIO_AGAIN) BIO_set_retry_write(b);
        if (r == TLSIO_ERROR) errno = t->werrno;
        return r == 1 ? 1 : -1;
    }
    case BIO_CTRL_WPENDING:
        return (long)(t->wlen - t->woff);
    default:
        return 0;
    }
}

static BIO_METHOD *tlsio_bio_method;

static void tlsio_bio_method_init(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tlsio write buffer");
    if (m && (BIO_meth_set_write(m, tlsio_bio_write) != 1 ||
              BIO_meth_set_ctrl(m, tlsio_bio_ctrl) != 1)) {
        BIO_meth_free(m);
        m = NULL;
    }
    tlsio_bio_method = m;
}

bool tlsio_write_buffer(tlsio_t *t, size_t bytes)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, tlsio_bio_method_init);
    if (!tlsio_bio_method || !(t->wbuf = malloc(bytes))) return false;
    BIO *b = BIO_new(tlsio_bio_method);
    if (!b) {
        free(t->wbuf);
        t->wbuf = NULL;
        return false;
    }
    t->wcap = bytes;
    BIO_set_data(b, t);
    BIO_set_init(b, 1);
    SSL_set0_wbio(t->ssl, b); /* the socket BIO stays the read side */
    return true;
}

bool tlsio_unsent(const tlsio_t *t)
{
    return t->woff < t->wlen;
}

int tlsio_flush(tlsio_t *t)
{
    if (!t->wbuf) return 1;
    int r = tlsio_drain(t);
    if (r == TLSIO_AGAIN) t->wants = EV_WRITE;
    return r;
}

/* Map an SSL_* failure: TLSIO_AGAIN with wants set, 0 for a clean close, or TLSIO_ERROR. */
static int tlsio_fail(tlsio_t *t, int rc, bool reading)
{
    int e = SSL_get_error(t->ssl, rc);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        t->wants = EV_READ;
        if (!reading) t->wr_wants_r = true;
        ERR_clear_error();
        return TLSIO_AGAIN;
    case SSL_ERROR_WANT_WRITE:
        t->wants = EV_WRITE;
        if (reading) t->rd_wants_w = true;
        ERR_clear_error();
        return TLSIO_AGAIN;
    case SSL_ERROR_ZERO_RETURN:
        ERR_clear_error();
        return 0;
    case SSL_ERROR_SYSCALL:
        if (errno == EAGAIN || errno == EINTR) {
            t->wants = reading ? EV_READ : EV_WRITE;
            ERR_clear_error();
            return TLSIO_AGAIN;
        }
        snprintf(t->err, sizeof(t->err), "%s",
                 errno ? strerror(errno) : "connection closed during the TLS exchange");
        ERR_clear_error();
        return errno ? TLSIO_ERROR : 0;
    default: {
        char ebuf[200];
        long vr = SSL_get_verify_result(t->ssl);
        tlsio_ossl_err(ebuf, sizeof(ebuf));
        if (vr != X509_V_OK)
            snprintf(t->err, sizeof(t->err), "TLS handshake failed: %s (%s)",
                     X509_verify_cert_error_string(vr), ebuf);
        else
            snprintf(t->err, sizeof(t->err), "TLS failed: %s", ebuf);
        return TLSIO_ERROR;
    }
    }
}

ssize_t tlsio_read(tlsio_t *t, void *buf, size_t n)
{
    t->rd_wants_w = false;
    size_t got = 0;
    int rc = SSL_read_ex(t->ssl, buf, n, &got);
    if (rc == 1) {
        t->established = true;
        return (ssize_t)got;
    }
    return tlsio_fail(t, 0, true);
}

ssize_t tlsio_write(tlsio_t *t, const void *buf, size_t n)
{
    t->wr_wants_r = false;
    size_t done = 0;
    int rc = SSL_write_ex(t->ssl, buf, n, &done);
    if (rc == 1) {
        t->established = true;
        /* the records are in wbuf: send what the socket takes, the rest on tlsio_flush */
        if (t->wbuf && tlsio_flush(t) == TLSIO_ERROR) return TLSIO_ERROR;
        return (ssize_t)done;
    }
    int r = tlsio_fail(t, 0, false);
    if (r == 0) {
        snprintf(t->err, sizeof(t->err), "the peer closed the TLS connection");
        return TLSIO_ERROR;
    }
    return r;
}

void tlsio_whole_writes(tlsio_t *t)
{
    SSL_clear_mode(t->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE);
}

void tlsio_read_ahead(tlsio_t *t, size_t bytes)
{
    /* OpenSSL sizes the read buffer at the first read: at least one whole record */
    SSL_set_default_read_buffer_len(t->ssl, bytes);
    SSL_set_read_ahead(t->ssl, 1);
}

bool tlsio_pending(const tlsio_t *t)
{
    return SSL_has_pending(t->ssl) == 1;
}

int tlsio_handshake(tlsio_t *t)
{
    int rc = SSL_do_handshake(t->ssl);
    if (rc == 1) {
        t->established = true;
        return 1;
    }
    int r = tlsio_fail(t, rc, true);
    if (r == 0) {
        snprintf(t->err, sizeof(t->err), "the peer closed the connection during the handshake");
        return TLSIO_ERROR;
    }
    return r;
}

bool tlsio_established(const tlsio_t *t)
{
    return t->established || SSL_is_init_finished(t->ssl);
}

uint32_t tlsio_wants(const tlsio_t *t)
{
    return t->wants;
}

bool tlsio_read_wants_write(const tlsio_t *t)
{
    return t->rd_wants_w;
}

bool tlsio_write_wants_read(const tlsio_t *t)
{
    return t->wr_wants_r;
}

const char *tlsio_error(const tlsio_t *t)
{
    return t->err[0] ? t->err : "TLS error";
}

void tlsio_shutdown(tlsio_t *t)
{
    if (SSL_is_init_finished(t->ssl)) SSL_shutdown(t->ssl);
    if (t->wbuf) tlsio_drain(t);
    ERR_clear_error();
}

bool tlsio_peer_dn(const tlsio_t *t, char *buf, size_t n)
{
    X509 *x = SSL_get0_peer_certificate(t->ssl);
    if (!x || n == 0) return false;
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) return false;
    X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    int len = BIO_read(b, buf, (int)n - 1);
    BIO_free(b);
    buf[len > 0 ? len : 0] = '\0';
    return true;
}
