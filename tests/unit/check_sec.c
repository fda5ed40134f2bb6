/* check_sec.c: the security parsers and SCRAM: JAAS text, listener protocol maps, base64,
 * SCRAM credentials (RFC 7677's SCRAM-SHA-256 example) and a whole client/server exchange,
 * with a forged proof and a wrong password refused. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "jaas.h"
#include "scram.h"
#include "secproto.h"
#include "testutil.h"

START_TEST(test_jaas_parses_kafka_syntax)
{
    char err[200];
    jaas_t *j = jaas_parse("org.apache.kafka.common.security.plain.PlainLoginModule required\n"
                           "  username=\"admin\" password=\"a\\\"b;c\" user_alice=plain-word ;",
                           err, sizeof(err));
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(jaas_module(j), "org.apache.kafka.common.security.plain.PlainLoginModule");
    ck_assert_str_eq(jaas_get(j, "username"), "admin");
    ck_assert_str_eq(jaas_get(j, "password"), "a\"b;c");
    ck_assert_str_eq(jaas_get(j, "user_alice"), "plain-word");
    ck_assert_ptr_null(jaas_get(j, "user_bob"));
    jaas_free(j);
    ck_assert_ptr_null(jaas_parse("Mod required username=\"x\"", err, sizeof(err))); /* no ; */
    ck_assert_ptr_null(jaas_parse("Mod sometimes;", err, sizeof(err)));
    ck_assert_ptr_null(jaas_parse("Mod required user=\"unterminated;", err, sizeof(err)));
    ck_assert_ptr_null(jaas_parse("", err, sizeof(err)));
}
END_TEST

START_TEST(test_protocol_map)
{
    secproto_t p;
    char why[200];
    const char *map = "PLAINTEXT:PLAINTEXT, INTERNAL:SASL_SSL,ext:ssl";
    ck_assert_int_eq(secproto_of_listener(map, "INTERNAL", &p, why, sizeof(why)), 0);
    ck_assert_int_eq(p, SECPROTO_SASL_SSL);
    ck_assert_int_eq(secproto_of_listener(map, "EXT", &p, why, sizeof(why)), 0);
    ck_assert_int_eq(p, SECPROTO_SSL);
    ck_assert_int_eq(secproto_of_listener(map, "OTHER", &p, why, sizeof(why)), -1);
    ck_assert_int_eq(secproto_of_listener("A:KERBEROS", "A", &p, why, sizeof(why)), -2);
    ck_assert_int_eq(secproto_of_listener("nocolon", "A", &p, why, sizeof(why)), -2);
}
END_TEST

START_TEST(test_base64)
{
    uint8_t out[16];
    ck_assert_int_eq(scram_b64_decode("YWJj", 4, out, sizeof(out)), 3);
    ck_assert_int_eq(scram_b64_decode("YWI=", 4, out, sizeof(out)), 2);
    ck_assert_int_eq(scram_b64_decode("YQ==", 4, out, sizeof(out)), 1);
    ck_assert_int_eq(out[0], 'a');
    ck_assert_int_eq(scram_b64_decode("YQ=", 3, out, sizeof(out)), -1);
    ck_assert_int_eq(scram_b64_decode("Y=Q=", 4, out, sizeof(out)), -1);
    ck_assert_int_eq(scram_b64_decode("YW*j", 4, out, sizeof(out)), -1);
    /* exactly fills the buffer despite padding: 2 bytes into 2 */
    ck_assert_int_eq(scram_b64_decode("YWI=", 4, out, 2), 2);
    ck_assert_int_eq(scram_b64_decode("YWJj", 4, out, 2), -1);
}
END_TEST

/* RFC 7677 section 3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096. */
START_TEST(test_rfc7677_credential)
{
    uint8_t salt[16], salted[64];
    size_t sl;
    ck_assert_int_eq(scram_b64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, salt, sizeof(salt)), 16);
    ck_assert_int_eq(scram_salted_password(SCRAM_SHA_256, "pencil", salt, 16, 4096, salted, &sl),
                     0);
    scram_cred_t c;
    ck_assert_int_eq(scram_cred_from_salted(SCRAM_SHA_256, salt, 16, salted, sl, 4096, &c), 0);
    char s[512];
    ck_assert_int_eq(scram_cred_format(&c, s, sizeof(s)), 0);
    scram_cred_t back;
    ck_assert_int_eq(scram_cred_parse(SCRAM_SHA_256, s, &back), 0);
    ck_assert_mem_eq(back.stored_key, c.stored_key, 32);
    ck_assert_int_eq(back.iterations, 4096);
    /* the RFC's exchange: its ServerSignature from our server key, and its proof checks
     * against our stored key */
    const char *am = "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
                     "hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%"
                     "hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    uint8_t sig[32], proof[32], ck[32], h[32];
    unsigned int l;
    HMAC(EVP_sha256(), c.server_key, 32, (const uint8_t *)am, strlen(am), sig, &l);
    char b64[64];
    scram_b64_encode(sig, 32, b64, sizeof(b64));
    ck_assert_str_eq(b64, "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    ck_assert_int_eq(
        scram_b64_decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", 44, proof, sizeof(proof)),
        32);
    HMAC(EVP_sha256(), c.stored_key, 32, (const uint8_t *)am, strlen(am), sig, &l);
    for (int i = 0; i < 32; i++) ck[i] = proof[i] ^ sig[i];
    SHA256(ck, 32, h);
    ck_assert_mem_eq(h, c.stored_key, 32);
    ck_assert_int_eq(scram_cred_parse(SCRAM_SHA_512, s, &back), -1); /* wrong key length */
    ck_assert_int_eq(scram_cred_parse(SCRAM_SHA_256, "salt=YQ==,iterations=4096", &back), -1);
}
END_TEST

static scram_cred_t test_cred;

static bool test_lookup(void *arg, scram_mech_t m, const char *user, scram_cred_t *out)
{
    (void)arg;
    (void)m;
    if (strcmp(user, "al,ice") != 0) return false;
    *out = test_cred;
    return true;
}

/* A whole exchange; proof_flip flips a bit of the client proof. Returns the server's verdict. */
static int exchange(const char *password, bool flip)
{
    scram_client_t *c = scram_client_new(SCRAM_SHA_512, "al,ice", password);
    scram_server_t *s = scram_server_new(SCRAM_SHA_512, test_lookup, NULL);
    char *first = scram_client_first(c), why[256];
    uint8_t *out;
    size_t ol;
    int rc = scram_server_step(s, (uint8_t *)first, strlen(first), &out, &ol, why, sizeof(why));
    ck_assert_int_eq(rc, 0);
    char *fin = scram_client_final(c, out, ol, why, sizeof(why));
    ck_assert_ptr_nonnull(fin);
    free(out);
    if (flip) fin[strlen(fin) - 3] ^= 1;
    rc = scram_server_step(s, (uint8_t *)fin, strlen(fin), &out, &ol, why, sizeof(why));
    if (rc == 1) {
        ck_assert(scram_client_verify(c, out, ol));
        ck_assert_str_eq(scram_server_user(s), "al,ice");
    }
    free(out);
    free(first);
    free(fin);
    scram_client_free(c);
    scram_server_free(s);
    return rc;
}

START_TEST(test_scram_exchange)
{
    ck_assert_int_eq(scram_cred_make(SCRAM_SHA_512, "secret", 4096, &test_cred), 0);
    ck_assert_int_eq(exchange("secret", false), 1);
    ck_assert_int_eq(exchange("wrong", false), -1);
    ck_assert_int_eq(exchange("secret", true), -1);
    /* unknown user, channel binding asked for, a message after the end */
    scram_server_t *s = scram_server_new(SCRAM_SHA_512, test_lookup, NULL);
    uint8_t *out;
    size_t ol;
    char why[256];
    const char *m = "n,,n=bob,r=abc";
    ck_assert_int_eq(scram_server_step(s, (const uint8_t *)m, strlen(m), &out, &ol, why, 256), -1);
    scram_server_free(s);
    s = scram_server_new(SCRAM_SHA_512, test_lookup, NULL);
    m = "p=tls-unique,,n=al=2Cice,r=abc";
    ck_assert_int_eq(scram_server_step(s, (const uint8_t *)m, strlen(m), &out, &ol, why, 256), -1);
    ck_assert_int_eq(scram_server_step(s, (const uint8_t *)m, strlen(m), &out, &ol, why, 256), -1);
    scram_server_free(s);
}
END_TEST

static Suite *sec_suite(void)
{
    Suite *s = suite_create("sec");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_jaas_parses_kafka_syntax);
    tcase_add_test(tc, test_protocol_map);
    tcase_add_test(tc, test_base64);
    tcase_add_test(tc, test_rfc7677_credential);
    tcase_add_test(tc, test_scram_exchange);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(sec_suite)
