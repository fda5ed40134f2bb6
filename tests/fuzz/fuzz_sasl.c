/* fuzz_sasl.c: libFuzzer harness for the SASL parsers that read what an unauthenticated client
 * sends and what an operator configures: the SCRAM server exchange (client-first, then
 * client-final, against a known user), the stored credential format, base64, the SCRAM client's
 * reading of a server-first message, a PLAIN-style token split and the JAAS parser. The first
 * byte picks the target; the rest is its input (messages split at the first 0xff byte). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jaas.h"
#include "scram.h"

static bool lookup(void *arg, scram_mech_t m, const char *user, scram_cred_t *out)
{
    (void)arg;
    if (strcmp(user, "alice") != 0) return false;
    static scram_cred_t c256, c512;
    static bool made;
    if (!made) {
        scram_cred_make(SCRAM_SHA_256, "secret", 4096, &c256);
        scram_cred_make(SCRAM_SHA_512, "secret", 4096, &c512);
        made = true;
    }
    *out = m == SCRAM_SHA_256 ? c256 : c512;
    return true;
}

static void server_exchange(scram_mech_t m, const uint8_t *p, size_t n)
{
    const uint8_t *cut = memchr(p, 0xff, n);
    size_t first = cut ? (size_t)(cut - p) : n;
    scram_server_t *s = scram_server_new(m, lookup, NULL);
    uint8_t *out;
    size_t out_len;
    char why[256];
    /* exact-size copies so ASan sees any read past a message */
    uint8_t *a = malloc(first ? first : 1);
    memcpy(a, p, first);
    int rc = scram_server_step(s, a, first, &out, &out_len, why, sizeof(why));
    free(out);
    free(a);
    if (rc == 0 && cut) {
        size_t rest = n - first - 1;
        uint8_t *b = malloc(rest ? rest : 1);
        memcpy(b, cut + 1, rest);
        scram_server_step(s, b, rest, &out, &out_len, why, sizeof(why));
        free(out);
        free(b);
    }
    scram_server_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t sel = data[0] % 6;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    char *text = malloc(n + 1);
    memcpy(text, p, n);
    text[n] = '\0';
    switch (sel) {
    case 0:
        server_exchange(SCRAM_SHA_512, p, n);
        break;
    case 1:
        server_exchange(SCRAM_SHA_256, p, n);
        break;
    case 2: {
        scram_cred_t c;
        scram_cred_parse(SCRAM_SHA_512, text, &c);
        break;
    }
    case 3: {
        uint8_t out[256];
        scram_b64_decode(text, n, out, sizeof(out));
        break;
    }
    case 4: {
        scram_client_t *c = scram_client_new(SCRAM_SHA_256, "alice", "secret");
        char *first = scram_client_first(c);
        char why[128];
        char *fin = scram_client_final(c, p, n, why, sizeof(why));
        if (fin) scram_client_verify(c, p, n);
        free(first);
        free(fin);
        scram_client_free(c);
        break;
    }
    default: {
        char err[200];
        jaas_free(jaas_parse(text, err, sizeof(err)));
        break;
    }
    }
    free(text);
    return 0;
}
