/* sasl.c: the server side of SASL PLAIN and SCRAM on a connection (see sasl.h). */
#include "sasl.h"
#include "sasl_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "conn.h"
#include "dict.h"
#include "ev.h"
#include "jaas.h"
#include "kerr.h"
#include "log.h"
#include "proto/kp_sasl.h"
#include "scram.h"
#include "sec.h"

typedef struct sasl_user {
    bool has256, has512;
    scram_cred_t c256, c512;
} sasl_user_t;

struct sasl_users {
    dict_t *scram;        /* user -> sasl_user_t*: SCRAM credentials from /config/users */
    const listener_t *ls; /* the listeners, for their PLAIN JAAS users */
    int nls;
};

/* ---- credentials ---- */

sasl_users_t *sasl_users_new(const listener_t *ls, int n)
{
    sasl_users_t *u = calloc(1, sizeof(*u));
    if (!u) abort();
    u->scram = dict_new();
    u->ls = ls;
    u->nls = n;
    return u;
}

static void sasl_user_free(void *p)
{
    if (p) OPENSSL_cleanse(p, sizeof(sasl_user_t));
    free(p);
}

void sasl_users_free(sasl_users_t *u)
{
    if (!u) return;
    dict_free(u->scram, sasl_user_free);
    free(u);
}

static bool sasl_users_lookup(const sasl_users_t *users, scram_mech_t m, const char *user,
                              scram_cred_t *out)
{
    const sasl_user_t *u = dict_get(users->scram, user);
    if (!u) return false;
    if (m == SCRAM_SHA_256 && u->has256)
        *out = u->c256;
    else if (m == SCRAM_SHA_512 && u->has512)
        *out = u->c512;
    else
        return false;
    return true;
}

/* scram.h's lookup callback: arg is the sasl_users_t. */
static bool sasl_scram_lookup(void *arg, scram_mech_t m, const char *user, scram_cred_t *out)
{
    return sasl_users_lookup(arg, m, user, out);
}

/* %XX-decode a sanitized ZooKeeper name (Kafka's Sanitizer URL-encodes user names). */
static void sasl_desanitize(const char *in, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 1 < n; p++) {
        unsigned v;
        if (*p == '%' && p[1] && p[2] && sscanf(p + 1, "%2x", &v) == 1) {
            out[o++] = (char)v;
            p += 2;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

void sasl_users_set(sasl_users_t *users, const char *entity_path, int n, const char *const *keys,
                    const char *const *vals)
{
    if (strncmp(entity_path, "users/", 6) != 0 || strchr(entity_path + 6, '/')) return;
    char user[512];
    sasl_desanitize(entity_path + 6, user, sizeof(user));
    sasl_user_t *u = calloc(1, sizeof(*u));
    if (!u) abort();
    for (int i = 0; i < n; i++) {
        int m = scram_mech_parse(keys[i]);
        if (!m) continue;
        scram_cred_t *c = m == SCRAM_SHA_256 ? &u->c256 : &u->c512;
        if (scram_cred_parse((scram_mech_t)m, vals[i], c) != 0) {
            log_warn("sasl", "malformed %s credential of user %s ignored", keys[i], user);
            continue;
        }
        if (m == SCRAM_SHA_256)
            u->has256 = true;
        else
            u->has512 = true;
    }
    sasl_user_free(dict_del(users->scram, user));
    if (u->has256 || u->has512) {
        dict_set(users->scram, user, u);
        log_info("sasl", "SCRAM credentials of user %s updated", user);
    } else {
        free(u);
    }
}

int sasl_user_iterations(const sasl_users_t *users, const char *user, int mech)
{
    const sasl_user_t *u = dict_get(users->scram, user);
    if (!u) return 0;
    if (mech == SCRAM_SHA_256) return u->has256 ? u->c256.iterations : 0;
    return u->has512 ? u->c512.iterations : 0;
}

bool sasl_users_next(const sasl_users_t *u, size_t *it, const char **user)
{
    void *v;
    return dict_next(u->scram, it, user, &v);
}

/* One SCRAM credential against password: Hi(password) gives the stored key the client would
 * prove knowledge of; compared in constant time. */
static bool sasl_scram_matches(scram_mech_t m, const scram_cred_t *c, const char *password)
{
    uint8_t salted[SCRAM_MAX_KEY];
    size_t sl;
    scram_cred_t mine;
    bool ok =
        scram_salted_password(m, password, c->salt, c->salt_len, c->iterations, salted, &sl) == 0 &&
        scram_cred_from_salted(m, c->salt, c->salt_len, salted, sl, c->iterations, &mine) == 0 &&
        mine.key_len == c->key_len &&
        CRYPTO_memcmp(mine.stored_key, c->stored_key, c->key_len) == 0;
    OPENSSL_cleanse(salted, sizeof(salted));
    OPENSSL_cleanse(&mine, sizeof(mine));
    return ok;
}

bool sasl_password_ok(const sasl_users_t *u, const char *user, const char *password)
{
    bool known = false, ok = false;
    scram_cred_t c;
    static const scram_mech_t mechs[] = {SCRAM_SHA_512, SCRAM_SHA_256};
    for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
        if (!sasl_users_lookup(u, mechs[i], user, &c)) continue;
        known = true;
        ok = ok || sasl_scram_matches(mechs[i], &c, password);
    }
    char key[300];
    snprintf(key, sizeof(key), "user_%s", user);
    size_t pl = strlen(password);
    for (int i = 0; i < u->nls; i++) {
        const jaas_t *j = u->ls[i].sec.plain;
        const char *want = j && strlen(user) < 256 ? jaas_get(j, key) : NULL;
        if (!want) continue;
        known = true;
        ok = ok || (strlen(want) == pl && CRYPTO_memcmp(want, password, pl) == 0);
    }
    if (!known) /* about the work of a user with a credential: no timing hint */
        (void)scram_cred_make(SCRAM_SHA_512, password, SCRAM_MIN_ITERATIONS, &c);
    OPENSSL_cleanse(&c, sizeof(c));
    return ok;
}

/* ---- mechanisms ---- */

/* PLAIN: "[authzid] NUL user NUL password" against user_<user> of the JAAS config. */
static int sasl_plain(req_t *r, const uint8_t *tok, size_t len, char *user, size_t un, char *why,
                      size_t wn)
{
    const jaas_t *j = conn_listener(r->c)->sec.plain;
    const uint8_t *z1 = memchr(tok, 0, len);
    const uint8_t *z2 = z1 ? memchr(z1 + 1, 0, len - (size_t)(z1 + 1 - tok)) : NULL;
    if (!z1 || !z2) {
        snprintf(why, wn, "Invalid SASL/PLAIN response: expected 3 tokens");
        return -1;
    }
    size_t azl = (size_t)(z1 - tok), ul = (size_t)(z2 - z1 - 1), pl = len - (size_t)(z2 + 1 - tok);
    if (ul == 0 || ul >= un || ul > 255) {
        snprintf(why, wn, "Authentication failed: username not specified");
        return -1;
    }
    memcpy(user, z1 + 1, ul);
    user[ul] = '\0';
    if (azl && (azl != ul || memcmp(tok, user, ul) != 0)) {
        snprintf(why, wn,
                 "Authentication failed: Client requested an authorization id that is "
                 "different from username");
        return -1;
    }
    char key[300];
    snprintf(key, sizeof(key), "user_%s", user);
    const char *want = j ? jaas_get(j, key) : NULL;
    bool ok = want && strlen(want) == pl && CRYPTO_memcmp(want, z2 + 1, pl) == 0;
    if (!ok) {
        snprintf(why, wn, "Authentication failed: Invalid username or password");
        return -1;
    }
    return 1;
}

/* One token through the chosen mechanism: 1 authenticated (user set), 0 more to come, -1
 * failed. *out is a malloc'd answer (may be NULL for none). */
static int sasl_step(req_t *r, sasl_conn_t *s, const uint8_t *tok, size_t len, uint8_t **out,
                     size_t *out_len, char *user, size_t un, char *why, size_t wn)
{
    *out = NULL;
    *out_len = 0;
    if (s->mech == SEC_MECH_PLAIN) return sasl_plain(r, tok, len, user, un, why, wn);
    if (!s->scram) {
        scram_mech_t m = s->mech == SEC_MECH_SCRAM_SHA_256 ? SCRAM_SHA_256 : SCRAM_SHA_512;
        s->scram = scram_server_new(m, sasl_scram_lookup, conn_env(r->c)->users);
        if (!s->scram) abort();
    }
    char detail[200];
    int rc = scram_server_step(s->scram, tok, len, out, out_len, detail, sizeof(detail));
    if (rc < 0) {
        snprintf(why, wn,
                 "Authentication failed during authentication due to invalid credentials with "
                 "SASL mechanism %s (%s)",
                 sec_mech_name(s->mech), detail);
        return -1;
    }
    if (rc == 1) snprintf(user, un, "%s", scram_server_user(s->scram));
    return rc;
}

static void sasl_succeeded(req_t *r, sasl_conn_t *s, const char *user)
{
    char p[300];
    snprintf(p, sizeof(p), "User:%s", user);
    conn_set_principal(r->c, p);
    s->done = true;
    log_debug("sasl", "%s authenticated as %s with %s", conn_peer(r->c), p, sec_mech_name(s->mech));
}

/* The client public part of a failure message (the detail in parentheses stays in the log). */
static void sasl_public_msg(const char *why, char *out, size_t n)
{
    const char *paren = strstr(why, " (");
    snprintf(out, n, "%.*s", paren ? (int)(paren - why) : (int)strlen(why), why);
}

/* ---- delayed failure answers ---- */

static void sasl_delay_fire(ev_loop_t *loop, void *arg)
{
    (void)loop;
    req_t *r = arg;
    if (r->c) conn_close_after_flush(r->c);
    req_done(r);
}

static void sasl_delay_close(ev_loop_t *loop, void *arg)
{
    (void)loop;
    req_t *r = arg;
    if (r->c) conn_close(r->c, "failed authentication");
    req_done_noresp(r); /* orphaned by the close: freed here */
}

/* Answer r (its response already encoded) after connection.failed.authentication.delay.ms,
 * then close, as Kafka delays the close of a failed login. */
static void sasl_fail_later(req_t *r, const char *why, bool answer)
{
    log_warn("sasl", "Failed authentication with %s (%s)", conn_peer(r->c), why);
    const conn_env_t *env = conn_env(r->c);
    int64_t ms = cfg_int(env->cfg, "connection.failed.authentication.delay.ms");
    req_defer(r);
    ev_timer_add(env->loop, ms, answer ? sasl_delay_fire : sasl_delay_close, r);
}

void sasl_raw_token(req_t *r)
{
    sasl_conn_t *s = conn_sasl(r->c);
    uint8_t *out;
    size_t out_len;
    char user[300], why[400];
    int rc = sasl_step(r, s, r->frame, r->frame_len, &out, &out_len, user, sizeof(user), why,
                       sizeof(why));
    if (rc < 0) {
        free(out);
        sasl_fail_later(r, why, false); /* v0: no answer, the connection just closes */
        return;
    }
    wbuf_reserve_i32(&r->resp);
    if (out_len) wbuf_append(&r->resp, out, out_len);
    free(out);
    if (rc == 1) sasl_succeeded(r, s, user);
    if (rc == 1 || out_len) {
        req_done(r);
    } else {
        wbuf_reset(&r->resp);
        req_done_noresp(r);
    }
}

/* ---- the two APIs ---- */

void sasl_handshake(req_t *r, rbuf_t *body)
{
    kp_saslhandshake_req_t req;
    if (kp_saslhandshake_req_decode(body, r->hdr.api_version, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed SaslHandshake request");
        return;
    }
    sasl_conn_t *s = conn_sasl(r->c);
    const sec_listener_t *sl = &conn_listener(r->c)->sec;
    static const char *names[3];
    int nn = 0;
    for (unsigned m = SEC_MECH_PLAIN; m <= SEC_MECH_SCRAM_SHA_512; m <<= 1)
        if (sl->mechs & m) names[nn++] = sec_mech_name(m);
    kp_saslhandshake_resp_t resp = {
        .error_code = KERR_NONE, .nmechanisms = nn, .mechanisms = names};
    char mech[64];
    snprintf(mech, sizeof(mech), "%.*s", req.mechanism.len < 63 ? req.mechanism.len : 63,
             req.mechanism.p ? req.mechanism.p : "");
    unsigned m = sec_mech_parse(mech);
    if (!s || s->done || s->mech) {
        resp.error_code = KERR_ILLEGAL_SASL_STATE;
    } else if (!(sl->mechs & m)) {
        resp.error_code = KERR_UNSUPPORTED_SASL_MECHANISM;
        log_warn("sasl", "Failed authentication with %s (Unsupported SASL mechanism %s)",
                 conn_peer(r->c), mech);
        conn_close_after_flush(r->c);
    } else {
        s->mech = m;
        s->raw = r->hdr.api_version == 0;
    }
    kp_saslhandshake_resp_encode(&r->resp, r->hdr.api_version, &resp);
    req_done(r);
}

void sasl_authenticate(req_t *r, rbuf_t *body)
{
    kp_saslauth_req_t req;
    int16_t ver = r->hdr.api_version;
    if (kp_saslauth_req_decode(body, ver, &r->arena, &req) != KERR_NONE) {
        req_fail(r, "malformed SaslAuthenticate request");
        return;
    }
    sasl_conn_t *s = conn_sasl(r->c);
    kp_saslauth_resp_t resp = {0};
    if (!s || s->done) {
        resp.error_code = KERR_ILLEGAL_SASL_STATE;
        resp.error_message = "SaslAuthenticate request received after successful authentication";
        kp_saslauth_resp_encode(&r->resp, ver, &resp);
        req_done(r);
        return;
    }
    if (!s->mech || s->raw) {
        req_fail(r, "SaslAuthenticate before SaslHandshake (illegal SASL state)");
        return;
    }
    uint8_t *out;
    size_t out_len;
    char user[300], why[400], pub[400];
    int rc = sasl_step(r, s, req.auth_bytes.p, (size_t)req.auth_bytes.len, &out, &out_len, user,
                       sizeof(user), why, sizeof(why));
    if (rc < 0) {
        sasl_public_msg(why, pub, sizeof(pub));
        resp.error_code = KERR_SASL_AUTHENTICATION_FAILED;
        resp.error_message = pub;
        kp_saslauth_resp_encode(&r->resp, ver, &resp);
        free(out);
        sasl_fail_later(r, why, true);
        return;
    }
    resp.auth_bytes = out;
    resp.auth_len = (int32_t)out_len;
    kp_saslauth_resp_encode(&r->resp, ver, &resp);
    free(out);
    if (rc == 1) sasl_succeeded(r, s, user);
    req_done(r);
}
