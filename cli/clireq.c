/* clireq.c: the tools' blocking request helper (see clireq.h). */
#include "clireq.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bytes.h"
#include "jaas.h"
#include "net.h"
#include "proto/kp.h"
#include "proto/kp_sasl.h"
#include "scram.h"
#include "secproto.h"
#include "tlsio.h"

/* No answer to a tool's request comes near this; a larger size is refused unread. */
#define CLIREQ_MAX_RESPONSE (64 << 20)

/* The --command-config security of every connection (clireq_set_security). */
static struct {
    secproto_t proto;
    tlsio_ctx_t *tls;
    char mech[32], user[256], password[256];
} clireq_sec;

/* TLS state of open fds (a tool has a few at a time; a closed fd's slot is reused). */
#define CLIREQ_MAX_TLS 64
static tlsio_t *clireq_tls[CLIREQ_MAX_TLS];

static tlsio_t *clireq_tls_of(int fd)
{
    return fd >= 0 && fd < CLIREQ_MAX_TLS ? clireq_tls[fd] : NULL;
}

/* Read or write exactly n bytes; false on error, timeout or EOF. */
static bool clireq_io(int fd, void *p, size_t n, bool writing)
{
    uint8_t *b = p;
    tlsio_t *t = clireq_tls_of(fd);
    while (n > 0) {
        ssize_t k;
        if (t)
            k = writing ? tlsio_write(t, b, n) : tlsio_read(t, b, n);
        else
            k = writing ? write(fd, b, n) : read(fd, b, n);
        if (k < 0 && !t && errno == EINTR) continue;
        if (k <= 0) return false;
        b += k;
        n -= (size_t)k;
    }
    return true;
}

/* One property of a client config file, Kafka's Java key or librdkafka's. */
static void clireq_sec_prop(const char *k, const char *v, tlsio_conf_t *tc)
{
    if (!strcmp(k, "security.protocol")) {
        int p = secproto_parse(v);
        clireq_sec.proto = p < 0 ? SECPROTO_PLAINTEXT : (secproto_t)p;
    } else if (!strcmp(k, "sasl.mechanism") || !strcmp(k, "sasl.mechanisms")) {
        snprintf(clireq_sec.mech, sizeof(clireq_sec.mech), "%s", v);
    } else if (!strcmp(k, "sasl.username")) {
        snprintf(clireq_sec.user, sizeof(clireq_sec.user), "%s", v);
    } else if (!strcmp(k, "sasl.password")) {
        snprintf(clireq_sec.password, sizeof(clireq_sec.password), "%s", v);
    } else if (!strcmp(k, "sasl.jaas.config")) {
        char why[200];
        jaas_t *j = jaas_parse(v, why, sizeof(why));
        const char *u = j ? jaas_get(j, "username") : NULL,
                   *pw = j ? jaas_get(j, "password") : NULL;
        if (u) snprintf(clireq_sec.user, sizeof(clireq_sec.user), "%s", u);
        if (pw) snprintf(clireq_sec.password, sizeof(clireq_sec.password), "%s", pw);
        jaas_free(j);
    } else if (!strcmp(k, "ssl.truststore.location") || !strcmp(k, "ssl.ca.location")) {
        tc->truststore_location = strdup(v);
    } else if (!strcmp(k, "ssl.keystore.location")) {
        tc->keystore_location = strdup(v);
    } else if (!strcmp(k, "ssl.key.password")) {
        tc->key_password = strdup(v);
    } else if (!strcmp(k, "ssl.endpoint.identification.algorithm")) {
        tc->verify_hostname = strcasecmp(v, "https") == 0;
    }
}

int clireq_set_security(const char *path, char *err, size_t n)
{
    static bool done;
    if (done) return 0; /* one client config per tool run */
    done = true;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, n, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    tlsio_conf_t tc = {.verify_hostname = true, .key_prefix = "ssl."};
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t') s++;
        char *eq = strchr(s, '=');
        if (!*s || *s == '#' || *s == '!' || !eq) continue;
        *eq = '\0';
        for (char *e = eq; e > s && (e[-1] == ' ' || e[-1] == '\t');) *--e = '\0';
        char *v = eq + 1;
        while (*v == ' ' || *v == '\t') v++;
        clireq_sec_prop(s, v, &tc);
    }
    fclose(f);
    if (secproto_tls(clireq_sec.proto) && !(clireq_sec.tls = tlsio_ctx_new(&tc, err, n))) return -1;
    if (secproto_sasl(clireq_sec.proto) && !scram_mech_parse(clireq_sec.mech) &&
        strcmp(clireq_sec.mech, "PLAIN") != 0) {
        snprintf(err, n, "sasl.mechanism %s is not supported (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)",
                 clireq_sec.mech[0] ? clireq_sec.mech : "(unset)");
        return -1;
    }
    return 0;
}

/* One SaslAuthenticate v1 exchange: the server's token in *out (caller frees). */
static bool clireq_sasl_token(int fd, const void *tok, size_t len, uint8_t **out, size_t *out_len)
{
    wbuf_t wb;
    wbuf_init(&wb);
    kp_saslauth_req_encode(&wb, 1, tok, (int32_t)len);
    uint8_t *body;
    size_t blen, hl;
    bool ok =
        clireq_call(fd, KAPI_SASL_AUTHENTICATE, 1, false, "kafka-cli", &wb, &body, &blen, &hl);
    wbuf_free(&wb);
    if (!ok) return false;
    rbuf_t rb;
    rbuf_init(&rb, body + hl, blen - hl);
    kp_saslauth_resp_t r;
    ok = kp_saslauth_resp_decode(&rb, 1, &r) == KERR_NONE && r.error_code == 0;
    if (ok) {
        *out = malloc((size_t)r.auth_len + 1);
        memcpy(*out, r.auth_bytes, (size_t)r.auth_len);
        *out_len = (size_t)r.auth_len;
    }
    free(body);
    return ok;
}

/* SaslHandshake v1 and the mechanism's exchange. */
static bool clireq_sasl(int fd)
{
    wbuf_t wb;
    wbuf_init(&wb);
    kp_saslhandshake_req_encode(&wb, clireq_sec.mech);
    uint8_t *body, *tok = NULL;
    size_t blen, hl, tl;
    bool ok = clireq_call(fd, KAPI_SASL_HANDSHAKE, 1, false, "kafka-cli", &wb, &body, &blen, &hl);
    wbuf_free(&wb);
    if (!ok) return false;
    ok = blen >= hl + 2 && body[hl] == 0 && body[hl + 1] == 0;
    free(body);
    if (!ok) return false;
    if (!strcmp(clireq_sec.mech, "PLAIN")) {
        char t[600];
        size_t ul = strlen(clireq_sec.user), pl = strlen(clireq_sec.password);
        t[0] = '\0';
        memcpy(t + 1, clireq_sec.user, ul + 1);
        memcpy(t + ul + 2, clireq_sec.password, pl);
        ok = clireq_sasl_token(fd, t, ul + 2 + pl, &tok, &tl);
        free(tok);
        return ok;
    }
    scram_client_t *sc = scram_client_new((scram_mech_t)scram_mech_parse(clireq_sec.mech),
                                          clireq_sec.user, clireq_sec.password);
    char *first = scram_client_first(sc), *fin = NULL, why[128];
    ok = first && clireq_sasl_token(fd, first, strlen(first), &tok, &tl);
    if (ok) fin = scram_client_final(sc, tok, tl, why, sizeof(why));
    free(tok);
    tok = NULL;
    ok = ok && fin && clireq_sasl_token(fd, fin, strlen(fin), &tok, &tl);
    ok = ok && scram_client_verify(sc, tok, tl);
    free(tok);
    free(first);
    free(fin);
    scram_client_free(sc);
    return ok;
}

/* TLS and SASL on a fresh blocking connection. */
static bool clireq_secure(int fd, const char *host)
{
    if (fd < CLIREQ_MAX_TLS) {
        tlsio_free(clireq_tls[fd]); /* an earlier connection's, closed by its caller */
        clireq_tls[fd] = NULL;
    }
    if (clireq_sec.tls) {
        if (fd >= CLIREQ_MAX_TLS) return false;
        clireq_tls[fd] = tlsio_new(clireq_sec.tls, fd, host);
        if (!clireq_tls[fd] || tlsio_handshake(clireq_tls[fd]) != 1) return false;
    }
    return !secproto_sasl(clireq_sec.proto) || clireq_sasl(fd);
}

int clireq_open(const char *host, int port, int timeout_ms)
{
    char err[256];
    int fd = net_connect_tcp(host, port, err, sizeof(err));
    if (fd < 0) return -1;
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    if (poll(&pfd, 1, timeout_ms) != 1 || net_connect_result(fd) != 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (!clireq_secure(fd, host)) {
        close(fd);
        return -1;
    }
    return fd;
}

bool clireq_call(int fd, int16_t api_key, int16_t ver, bool flexible, const char *client_id,
                 const wbuf_t *req, uint8_t **body, size_t *len, size_t *hdr_len)
{
    wbuf_t wb;
    wbuf_init(&wb);
    size_t at = wbuf_reserve_i32(&wb);
    kp_req_hdr_t h = {api_key, ver, 1, KSTR(client_id)};
    kp_req_hdr_encode(&wb, flexible, &h);
    wbuf_append(&wb, req->p, req->len);
    wbuf_put_i32_at(&wb, at, (int32_t)(wb.len - 4));
    bool ok = clireq_io(fd, wb.p, wb.len, true);
    wbuf_free(&wb);
    uint8_t sz[4];
    if (!ok || !clireq_io(fd, sz, 4, false)) return false;
    uint32_t n = bytes_get_be32(sz);
    if (n < 4 || n > CLIREQ_MAX_RESPONSE) return false;
    *body = malloc(n);
    if (!*body || !clireq_io(fd, *body, n, false)) {
        free(*body);
        return false;
    }
    rbuf_t rb;
    rbuf_init(&rb, *body, n);
    int32_t corr = rbuf_i32(&rb);
    if (flexible) rbuf_skip_tags(&rb);
    if (rbuf_err(&rb) || corr != h.correlation_id) {
        free(*body);
        return false;
    }
    *len = n;
    *hdr_len = n - rbuf_left(&rb);
    return true;
}
