/* scram.c: SCRAM credentials and exchanges (see scram.h). */
#include "scram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define SCRAM_MAX_MSG  4096 /* longest client message accepted */
#define SCRAM_MAX_USER 256

int scram_mech_parse(const char *name)
{
    if (strcmp(name, "SCRAM-SHA-256") == 0) return SCRAM_SHA_256;
    if (strcmp(name, "SCRAM-SHA-512") == 0) return SCRAM_SHA_512;
    return 0;
}

const char *scram_mech_name(scram_mech_t m)
{
    return m == SCRAM_SHA_256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
}

static const EVP_MD *scram_md(scram_mech_t m)
{
    return m == SCRAM_SHA_256 ? EVP_sha256() : EVP_sha512();
}

static size_t scram_klen(scram_mech_t m)
{
    return m == SCRAM_SHA_256 ? 32 : 64;
}

/* ---- base64 ---- */

int scram_b64_encode(const uint8_t *in, size_t len, char *out, size_t n)
{
    if (n < 4 * ((len + 2) / 3) + 1) return -1;
    return EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

int scram_b64_decode(const char *in, size_t len, uint8_t *out, size_t n)
{
    if (len % 4 != 0) return -1;
    size_t pad = len >= 1 && in[len - 1] == '=' ? (len >= 2 && in[len - 2] == '=' ? 2 : 1) : 0;
    if (len / 4 * 3 - pad > n) return -1;
    for (size_t i = 0; i < len; i++) {
        char ch = in[i];
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || (ch == '=' && i >= len - 2);
        if (!ok || (i == len - 2 && ch == '=' && in[len - 1] != '=')) return -1;
    }
    if (len == 0) return 0;
    uint8_t tmp[3];
    /* EVP_DecodeBlock writes whole groups: decode the last group apart so a padded end fits */
    int r = len > 4 ? EVP_DecodeBlock(out, (const unsigned char *)in, (int)(len - 4)) : 0;
    if (r < 0 || EVP_DecodeBlock(tmp, (const unsigned char *)in + len - 4, 4) != 3) return -1;
    memcpy(out + r, tmp, 3 - pad);
    return r + 3 - (int)pad;
}

/* ---- credentials ---- */

static int scram_hmac(scram_mech_t m, const uint8_t *key, size_t klen, const void *data, size_t len,
                      uint8_t *out)
{
    unsigned int ol = 0;
    return HMAC(scram_md(m), key, (int)klen, data, len, out, &ol) ? 0 : -1;
}

static int scram_hash(scram_mech_t m, const uint8_t *in, size_t len, uint8_t *out)
{
    unsigned int ol = 0;
    return EVP_Digest(in, len, out, &ol, scram_md(m), NULL) == 1 ? 0 : -1;
}

/* StoredKey and ServerKey from the salted password (RFC 5802 section 3). */
static int scram_keys(scram_mech_t m, const uint8_t *salted, scram_cred_t *c)
{
    uint8_t ck[SCRAM_MAX_KEY];
    size_t kl = scram_klen(m);
    if (scram_hmac(m, salted, kl, "Client Key", 10, ck) != 0 ||
        scram_hash(m, ck, kl, c->stored_key) ||
        scram_hmac(m, salted, kl, "Server Key", 10, c->server_key) != 0)
        return -1;
    c->key_len = kl;
    return 0;
}

int scram_cred_make(scram_mech_t m, const char *password, int iterations, scram_cred_t *out)
{
    memset(out, 0, sizeof(*out));
    out->salt_len = 32;
    out->iterations = iterations;
    if (RAND_bytes(out->salt, (int)out->salt_len) != 1) return -1;
    uint8_t salted[SCRAM_MAX_KEY];
    size_t kl = scram_klen(m);
    if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), out->salt, (int)out->salt_len,
                          iterations, scram_md(m), (int)kl, salted) != 1)
        return -1;
    return scram_keys(m, salted, out);
}

int scram_cred_from_salted(scram_mech_t m, const uint8_t *salt, size_t salt_len,
                           const uint8_t *salted, size_t salted_len, int iterations,
                           scram_cred_t *out)
{
    memset(out, 0, sizeof(*out));
    if (salt_len == 0 || salt_len > SCRAM_MAX_SALT || salted_len != scram_klen(m)) return -1;
    memcpy(out->salt, salt, salt_len);
    out->salt_len = salt_len;
    out->iterations = iterations;
    return scram_keys(m, salted, out);
}

int scram_salted_password(scram_mech_t m, const char *password, const uint8_t *salt,
                          size_t salt_len, int iterations, uint8_t *out, size_t *out_len)
{
    *out_len = scram_klen(m);
    return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iterations,
                             scram_md(m), (int)*out_len, out) == 1
               ? 0
               : -1;
}

int scram_cred_format(const scram_cred_t *c, char *buf, size_t n)
{
    char salt[200], sk[100], svk[100];
    if (scram_b64_encode(c->salt, c->salt_len, salt, sizeof(salt)) < 0 ||
        scram_b64_encode(c->stored_key, c->key_len, sk, sizeof(sk)) < 0 ||
        scram_b64_encode(c->server_key, c->key_len, svk, sizeof(svk)) < 0)
        return -1;
    int l = snprintf(buf, n, "salt=%s,stored_key=%s,server_key=%s,iterations=%d", salt, sk, svk,
                     c->iterations);
    return l < 0 || (size_t)l >= n ? -1 : 0;
}

int scram_cred_parse(scram_mech_t m, const char *s, scram_cred_t *out)
{
    memset(out, 0, sizeof(*out));
    int have = 0;
    size_t kl = scram_klen(m);
    while (*s) {
        size_t len = strcspn(s, ",");
        const char *eq = memchr(s, '=', len);
        if (!eq) return -1;
        size_t kn = (size_t)(eq - s), vn = len - kn - 1;
        const char *v = eq + 1;
        int r;
        if (kn == 4 && !memcmp(s, "salt", 4)) {
            if ((r = scram_b64_decode(v, vn, out->salt, sizeof(out->salt))) <= 0) return -1;
            out->salt_len = (size_t)r;
            have |= 1;
        } else if (kn == 10 && !memcmp(s, "stored_key", 10)) {
            if (scram_b64_decode(v, vn, out->stored_key, sizeof(out->stored_key)) != (int)kl)
                return -1;
            have |= 2;
        } else if (kn == 10 && !memcmp(s, "server_key", 10)) {
            if (scram_b64_decode(v, vn, out->server_key, sizeof(out->server_key)) != (int)kl)
                return -1;
            have |= 4;
        } else if (kn == 10 && !memcmp(s, "iterations", 10)) {
            char num[16];
            if (vn == 0 || vn >= sizeof(num)) return -1;
            memcpy(num, v, vn);
            num[vn] = '\0';
            char *end;
            long it = strtol(num, &end, 10);
            if (*end || it < 1 || it > 1000000) return -1;
            out->iterations = (int)it;
            have |= 8;
        }
        s += len;
        if (*s == ',') s++;
    }
    out->key_len = kl;
    return have == 15 ? 0 : -1;
}

/* ---- the server's exchange ---- */

struct scram_server {
    scram_mech_t mech;
    scram_lookup_fn *lookup;
    void *arg;
    int step; /* 0: want client-first, 1: want client-final, 2: done, -1: failed */
    scram_cred_t cred;
    char user[SCRAM_MAX_USER];
    char gs2[SCRAM_MAX_USER + 8];     /* the client's GS2 header, "n,," */
    char client_bare[SCRAM_MAX_MSG];  /* client-first-message-bare */
    char server_first[SCRAM_MAX_MSG]; /* server-first-message */
    char nonce[SCRAM_MAX_MSG];        /* client nonce + server nonce */
};

scram_server_t *scram_server_new(scram_mech_t m, scram_lookup_fn *lookup, void *arg)
{
    scram_server_t *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->mech = m;
    s->lookup = lookup;
    s->arg = arg;
    return s;
}

void scram_server_free(scram_server_t *s)
{
    if (!s) return;
    OPENSSL_cleanse(&s->cred, sizeof(s->cred));
    free(s);
}

const char *scram_server_user(const scram_server_t *s)
{
    return s->user;
}

/* A saslname with =2C and =3D escapes into out. -1 when malformed or too long. */
static int scram_unescape(const char *in, size_t len, char *out, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = in[i];
        if (ch == '=') {
            if (i + 2 >= len) return -1;
            if (in[i + 1] == '2' && in[i + 2] == 'C')
                ch = ',';
            else if (in[i + 1] == '3' && in[i + 2] == 'D')
                ch = '=';
            else
                return -1;
            i += 2;
        }
        if (o + 1 >= n) return -1;
        out[o++] = ch;
    }
    out[o] = '\0';
    return o ? 0 : -1;
}

/* The message as a C string in buf; -1 when too long or not printable ASCII. */
static int scram_text(const uint8_t *in, size_t len, char *buf, size_t n)
{
    if (len == 0 || len >= n) return -1;
    for (size_t i = 0; i < len; i++)
        if (in[i] < 0x20 || in[i] > 0x7e) return -1;
    memcpy(buf, in, len);
    buf[len] = '\0';
    return 0;
}

static int scram_fail(scram_server_t *s, char *why, size_t n, const char *what)
{
    s->step = -1;
    snprintf(why, n, "%s", what);
    return -1;
}

static char *scram_dup(const char *s, size_t *len)
{
    *len = strlen(s);
    return strdup(s);
}

static int scram_client_first_in(scram_server_t *s, const char *msg, uint8_t **out, size_t *out_len,
                                 char *why, size_t wn)
{
    /* gs2-header: ("n" | "y") "," ["a=" authzid] "," */
    if ((msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',')
        return scram_fail(s, why, wn, "channel binding is not supported (gs2 header)");
    const char *p = msg + 2;
    const char *authz = NULL;
    size_t authz_len = 0;
    if (p[0] == 'a' && p[1] == '=') {
        authz = p + 2;
        authz_len = strcspn(authz, ",");
        p = authz + authz_len;
    }
    if (*p != ',') return scram_fail(s, why, wn, "malformed gs2 header");
    p++;
    if ((size_t)(p - msg) >= sizeof(s->gs2)) return scram_fail(s, why, wn, "gs2 header too long");
    snprintf(s->gs2, sizeof(s->gs2), "%.*s", (int)(p - msg), msg);
    snprintf(s->client_bare, sizeof(s->client_bare), "%s", p);
    if (strncmp(p, "n=", 2) != 0) return scram_fail(s, why, wn, "no user name");
    size_t ulen = strcspn(p + 2, ",");
    if (scram_unescape(p + 2, ulen, s->user, sizeof(s->user)) != 0)
        return scram_fail(s, why, wn, "malformed user name");
    p += 2 + ulen;
    if (strncmp(p, ",r=", 3) != 0) return scram_fail(s, why, wn, "no client nonce");
    size_t nlen = strcspn(p + 3, ",");
    if (nlen == 0) return scram_fail(s, why, wn, "empty client nonce");
    const char *ext = p + 3 + nlen;
    if (strstr(ext, "tokenauth=true"))
        return scram_fail(s, why, wn, "delegation tokens are not supported");
    char az[SCRAM_MAX_USER];
    if (authz && (scram_unescape(authz, authz_len, az, sizeof(az)) != 0 || strcmp(az, s->user)))
        return scram_fail(s, why, wn, "authorization id differs from the user name");
    if (!s->lookup(s->arg, s->mech, s->user, &s->cred))
        return scram_fail(s, why, wn, "unknown user");
    uint8_t rnd[24];
    char srnd[64];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
        scram_b64_encode(rnd, sizeof(rnd), srnd, sizeof(srnd)) < 0)
        return scram_fail(s, why, wn, "no random bytes");
    char salt[200];
    scram_b64_encode(s->cred.salt, s->cred.salt_len, salt, sizeof(salt));
    snprintf(s->nonce, sizeof(s->nonce), "%.*s%s", (int)nlen, p + 3, srnd);
    int l = snprintf(s->server_first, sizeof(s->server_first), "r=%s,s=%s,i=%d", s->nonce, salt,
                     s->cred.iterations);
    if (l < 0 || (size_t)l >= sizeof(s->server_first))
        return scram_fail(s, why, wn, "client nonce too long");
    *out = (uint8_t *)scram_dup(s->server_first, out_len);
    if (!*out) return scram_fail(s, why, wn, "out of memory");
    s->step = 1;
    return 0;
}

static int scram_client_final_in(scram_server_t *s, const char *msg, uint8_t **out, size_t *out_len,
                                 char *why, size_t wn)
{
    const char *pp = strstr(msg, ",p=");
    if (strncmp(msg, "c=", 2) != 0 || !pp) return scram_fail(s, why, wn, "malformed final message");
    size_t clen = strcspn(msg + 2, ",");
    uint8_t cb[SCRAM_MAX_USER + 8];
    int cbl = scram_b64_decode(msg + 2, clen, cb, sizeof(cb));
    if (cbl < 0 || (size_t)cbl != strlen(s->gs2) || memcmp(cb, s->gs2, (size_t)cbl) != 0)
        return scram_fail(s, why, wn, "channel binding does not match");
    /* Kafka's ScramSaslServer accepts a final nonce that ends with the server's nonce
     * (librdkafka sends its client nonce in front of it once more) */
    const char *r = msg + 2 + clen;
    size_t nlen = strlen(s->nonce);
    size_t rlen = strncmp(r, ",r=", 3) == 0 ? strcspn(r + 3, ",") : 0;
    if (rlen < nlen || strncmp(r + 3 + rlen - nlen, s->nonce, nlen) != 0)
        return scram_fail(s, why, wn, "nonce does not match");
    uint8_t proof[SCRAM_MAX_KEY + 4];
    const char *pv = pp + 3;
    int pl = scram_b64_decode(pv, strlen(pv), proof, sizeof(proof));
    if (pl != (int)s->cred.key_len) return scram_fail(s, why, wn, "malformed proof");
    /* AuthMessage = client-first-bare "," server-first "," client-final-without-proof */
    size_t am_cap = strlen(s->client_bare) + strlen(s->server_first) + strlen(msg) + 3;
    char *am = malloc(am_cap);
    if (!am) return scram_fail(s, why, wn, "out of memory");
    int aml =
        snprintf(am, am_cap, "%s,%s,%.*s", s->client_bare, s->server_first, (int)(pp - msg), msg);
    uint8_t sig[SCRAM_MAX_KEY], ck[SCRAM_MAX_KEY], sk[SCRAM_MAX_KEY], ssig[SCRAM_MAX_KEY];
    size_t kl = s->cred.key_len;
    int ok = scram_hmac(s->mech, s->cred.stored_key, kl, am, (size_t)aml, sig) == 0;
    for (size_t i = 0; i < kl; i++) ck[i] = proof[i] ^ sig[i];
    ok = ok && scram_hash(s->mech, ck, kl, sk) == 0 &&
         CRYPTO_memcmp(sk, s->cred.stored_key, kl) == 0;
    ok = ok && scram_hmac(s->mech, s->cred.server_key, kl, am, (size_t)aml, ssig) == 0;
    free(am);
    if (!ok) return scram_fail(s, why, wn, "invalid credentials (proof)");
    char v[200] = "v=";
    scram_b64_encode(ssig, kl, v + 2, sizeof(v) - 2);
    *out = (uint8_t *)scram_dup(v, out_len);
    if (!*out) return scram_fail(s, why, wn, "out of memory");
    s->step = 2;
    return 1;
}

int scram_server_step(scram_server_t *s, const uint8_t *in, size_t len, uint8_t **out,
                      size_t *out_len, char *why, size_t why_n)
{
    char msg[SCRAM_MAX_MSG];
    *out = NULL;
    *out_len = 0;
    if (s->step < 0 || s->step > 1) return scram_fail(s, why, why_n, "unexpected message");
    if (scram_text(in, len, msg, sizeof(msg)) != 0)
        return scram_fail(s, why, why_n, "malformed or oversized SCRAM message");
    if (s->step == 0) return scram_client_first_in(s, msg, out, out_len, why, why_n);
    return scram_client_final_in(s, msg, out, out_len, why, why_n);
}

/* ---- the client's exchange ---- */

struct scram_client {
    scram_mech_t mech;
    char user[SCRAM_MAX_USER * 3], password[SCRAM_MAX_USER];
    char first_bare[SCRAM_MAX_MSG];
    uint8_t server_key[SCRAM_MAX_KEY];
    char auth_msg_sig[200]; /* expected "v=..." */
};

scram_client_t *scram_client_new(scram_mech_t m, const char *user, const char *password)
{
    scram_client_t *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    c->mech = m;
    size_t o = 0;
    for (const char *p = user; *p && o + 4 < sizeof(c->user); p++) {
        if (*p == ',' || *p == '=') {
            memcpy(c->user + o, *p == ',' ? "=2C" : "=3D", 3);
            o += 3;
        } else {
            c->user[o++] = *p;
        }
    }
    snprintf(c->password, sizeof(c->password), "%s", password);
    return c;
}

void scram_client_free(scram_client_t *c)
{
    if (!c) return;
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
}

char *scram_client_first(scram_client_t *c)
{
    uint8_t rnd[24];
    char nonce[64];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) return NULL;
    scram_b64_encode(rnd, sizeof(rnd), nonce, sizeof(nonce));
    snprintf(c->first_bare, sizeof(c->first_bare), "n=%s,r=%s", c->user, nonce);
    char *out = malloc(strlen(c->first_bare) + 4);
    if (out) sprintf(out, "n,,%s", c->first_bare);
    return out;
}

char *scram_client_final(scram_client_t *c, const uint8_t *sf, size_t len, char *why, size_t wn)
{
    char msg[SCRAM_MAX_MSG];
    if (scram_text(sf, len, msg, sizeof(msg)) != 0 || strncmp(msg, "r=", 2) != 0) {
        snprintf(why, wn, "malformed server-first message");
        return NULL;
    }
    const char *nonce = msg + 2;
    size_t nlen = strcspn(nonce, ",");
    const char *sp = strstr(msg, ",s="), *ip = strstr(msg, ",i=");
    const char *cn = strstr(c->first_bare, ",r=") + 3;
    if (!sp || !ip || nlen <= strlen(cn) || strncmp(nonce, cn, strlen(cn)) != 0) {
        snprintf(why, wn, "server-first message without salt, iterations or our nonce");
        return NULL;
    }
    uint8_t salt[SCRAM_MAX_SALT];
    int sl = scram_b64_decode(sp + 3, strcspn(sp + 3, ","), salt, sizeof(salt));
    long it = strtol(ip + 3, NULL, 10);
    if (sl <= 0 || it < 1 || it > 1000000) {
        snprintf(why, wn, "bad salt or iteration count");
        return NULL;
    }
    size_t kl = scram_klen(c->mech);
    uint8_t salted[SCRAM_MAX_KEY], ck[SCRAM_MAX_KEY], stored[SCRAM_MAX_KEY], sig[SCRAM_MAX_KEY],
        ssig[SCRAM_MAX_KEY];
    PKCS5_PBKDF2_HMAC(c->password, (int)strlen(c->password), salt, sl, (int)it, scram_md(c->mech),
                      (int)kl, salted);
    scram_hmac(c->mech, salted, kl, "Client Key", 10, ck);
    scram_hash(c->mech, ck, kl, stored);
    scram_hmac(c->mech, salted, kl, "Server Key", 10, c->server_key);
    char without[SCRAM_MAX_MSG], am[3 * SCRAM_MAX_MSG];
    snprintf(without, sizeof(without), "c=biws,r=%.*s", (int)nlen, nonce);
    int aml = snprintf(am, sizeof(am), "%s,%s,%s", c->first_bare, msg, without);
    scram_hmac(c->mech, stored, kl, am, (size_t)aml, sig);
    scram_hmac(c->mech, c->server_key, kl, am, (size_t)aml, ssig);
    for (size_t i = 0; i < kl; i++) ck[i] ^= sig[i];
    strcpy(c->auth_msg_sig, "v=");
    scram_b64_encode(ssig, kl, c->auth_msg_sig + 2, sizeof(c->auth_msg_sig) - 2);
    char proof[200];
    scram_b64_encode(ck, kl, proof, sizeof(proof));
    char *out = malloc(strlen(without) + strlen(proof) + 4);
    if (out) sprintf(out, "%s,p=%s", without, proof);
    return out;
}

bool scram_client_verify(scram_client_t *c, const uint8_t *sf, size_t len)
{
    size_t l = strlen(c->auth_msg_sig);
    return len == l && CRYPTO_memcmp(sf, c->auth_msg_sig, l) == 0;
}
