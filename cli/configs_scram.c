/* configs_scram.c: SCRAM credentials through the broker (see configs_scram.h). */
#include "configs_scram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "arena.h"
#include "cli.h"
#include "proto/kp_scram.h"

#define CS_TIMEOUT_MS 30000

bool cs_parse_spec(scram_mech_t m, const char *spec, char *pw, size_t pwn, int *iterations,
                   char *why, size_t wn)
{
    char copy[1024];
    bool have_pw = false;
    long it = SCRAM_MIN_ITERATIONS;
    snprintf(copy, sizeof(copy), "%s", spec);
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (strncmp(tok, "password=", 9) == 0) {
            snprintf(pw, pwn, "%s", tok + 9);
            have_pw = pw[0] != '\0';
        } else if (strncmp(tok, "iterations=", 11) == 0) {
            char *end;
            it = strtol(tok + 11, &end, 10);
            if (*end || end == tok + 11) {
                snprintf(why, wn, "Invalid iterations %s", tok + 11);
                return false;
            }
        } else {
            snprintf(why, wn, "Invalid credential property %s for %s", tok, scram_mech_name(m));
            return false;
        }
    }
    if (!have_pw) {
        snprintf(why, wn, "Invalid credential property for %s: password is required",
                 scram_mech_name(m));
        return false;
    }
    if (it < SCRAM_MIN_ITERATIONS || it > SCRAM_MAX_ITERATIONS) {
        snprintf(why, wn, "Iterations %ld is %s the %s %d %s for %s", it,
                 it < SCRAM_MIN_ITERATIONS ? "less than" : "more than",
                 it < SCRAM_MIN_ITERATIONS ? "minimum" : "maximum",
                 it < SCRAM_MIN_ITERATIONS ? SCRAM_MIN_ITERATIONS : SCRAM_MAX_ITERATIONS,
                 it < SCRAM_MIN_ITERATIONS ? "required" : "allowed", scram_mech_name(m));
        return false;
    }
    *iterations = (int)it;
    return true;
}

static int cs_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

kerr_t cs_describe(const char *bs, const char *user, char *why, size_t wn)
{
    wbuf_t wb;
    wbuf_init(&wb);
    kp_dusc_req_encode(&wb, &user, user ? 1 : -1);
    uint8_t *body;
    size_t len;
    bool ok =
        cli_request(bs, KAPI_DESCRIBE_USER_SCRAM_CREDENTIALS, 0, &wb, CS_TIMEOUT_MS, &body, &len);
    wbuf_free(&wb);
    if (!ok) {
        snprintf(why, wn, "no DescribeUserScramCredentials answer from %s", bs);
        return KERR_REQUEST_TIMED_OUT;
    }
    arena_t a;
    arena_init(&a);
    rbuf_t rb;
    rbuf_init(&rb, body, len);
    kp_dusc_resp_t resp;
    kerr_t err = kp_dusc_resp_decode(&rb, &a, &resp) ? KERR_UNKNOWN_SERVER_ERROR : resp.error_code;
    if (err) snprintf(why, wn, "%s", resp.error_message ? resp.error_message : "malformed answer");
    char **lines = calloc((size_t)(resp.nresults > 0 ? resp.nresults : 0) + 1, sizeof(char *));
    int n = 0;
    for (int32_t i = 0; !err && i < resp.nresults; i++) {
        const kp_dusc_result_t *x = &resp.results[i];
        if (x->error_code || x->ncreds == 0) continue; /* a user without credentials */
        char line[1024];
        size_t o = (size_t)snprintf(line, sizeof(line),
                                    "SCRAM credential configs for user-principal '%s' are ",
                                    x->user ? x->user : "");
        for (int32_t j = 0; j < x->ncreds && o < sizeof(line); j++)
            o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s=iterations=%d", j ? ", " : "",
                                  x->creds[j].mechanism == KP_SCRAM_SHA_256 ? "SCRAM-SHA-256"
                                                                            : "SCRAM-SHA-512",
                                  x->creds[j].iterations);
        lines[n++] = strdup(line);
    }
    qsort(lines, (size_t)n, sizeof(char *), cs_cmp);
    for (int i = 0; i < n; i++) {
        puts(lines[i]);
        free(lines[i]);
    }
    free(lines);
    arena_free(&a);
    free(body);
    return err;
}

/* One upsertion: a fresh salt and the salted password. */
static bool cs_upsertion(kp_ausc_upsertion_t *u, arena_t *a, const char *user, const char *key,
                         const char *spec, char *why, size_t wn)
{
    scram_mech_t m = (scram_mech_t)scram_mech_parse(key);
    char pw[512];
    int it;
    if (!cs_parse_spec(m, spec, pw, sizeof(pw), &it, why, wn)) return false;
    uint8_t *salt = arena_calloc(a, 32, 1), *salted = arena_calloc(a, SCRAM_MAX_KEY, 1);
    size_t sl;
    if (RAND_bytes(salt, 32) != 1 || scram_salted_password(m, pw, salt, 32, it, salted, &sl)) {
        snprintf(why, wn, "cannot make a %s credential", key);
        return false;
    }
    *u = (kp_ausc_upsertion_t){KSTR(user),
                               m == SCRAM_SHA_256 ? KP_SCRAM_SHA_256 : KP_SCRAM_SHA_512,
                               it,
                               {salt, 32},
                               {salted, (int32_t)sl}};
    return true;
}

kerr_t cs_alter(const char *bs, const char *user, int nadd, const char *const *keys,
                const char *const *specs, int ndel, const char *const *dels, char *why, size_t wn)
{
    arena_t a;
    arena_init(&a);
    kp_ausc_req_t q = {0};
    q.upsertions = arena_calloc(&a, (size_t)nadd + 1, sizeof(*q.upsertions));
    q.deletions = arena_calloc(&a, (size_t)ndel + 1, sizeof(*q.deletions));
    kerr_t err = KERR_NONE;
    for (int i = 0; i < nadd && !err; i++)
        if (!cs_upsertion(&q.upsertions[q.nupsertions++], &a, user, keys[i], specs[i], why, wn))
            err = KERR_UNACCEPTABLE_CREDENTIAL;
    for (int i = 0; i < ndel; i++)
        q.deletions[q.ndeletions++] = (kp_ausc_deletion_t){
            KSTR(user),
            scram_mech_parse(dels[i]) == SCRAM_SHA_256 ? KP_SCRAM_SHA_256 : KP_SCRAM_SHA_512};
    uint8_t *body = NULL;
    size_t len;
    if (!err) {
        wbuf_t wb;
        wbuf_init(&wb);
        kp_ausc_req_encode(&wb, &q);
        bool ok =
            cli_request(bs, KAPI_ALTER_USER_SCRAM_CREDENTIALS, 0, &wb, CS_TIMEOUT_MS, &body, &len);
        wbuf_free(&wb);
        if (!ok) {
            snprintf(why, wn, "no AlterUserScramCredentials answer from %s", bs);
            err = KERR_REQUEST_TIMED_OUT;
        }
    }
    if (!err) {
        rbuf_t rb;
        rbuf_init(&rb, body, len);
        kp_ausc_resp_t resp;
        if (kp_ausc_resp_decode(&rb, &a, &resp) != KERR_NONE) {
            snprintf(why, wn, "malformed AlterUserScramCredentials answer");
            err = KERR_UNKNOWN_SERVER_ERROR;
        }
        for (int32_t i = 0; !err && i < resp.nresults; i++)
            if (resp.results[i].error_code) {
                err = resp.results[i].error_code;
                snprintf(why, wn, "%s",
                         resp.results[i].error_message ? resp.results[i].error_message : "");
            }
    }
    free(body);
    arena_free(&a);
    return err;
}
