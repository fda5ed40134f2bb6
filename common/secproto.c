/* secproto.c: security protocol names and the listener map (see secproto.h). */
#include "secproto.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const secproto_names[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};

int secproto_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, secproto_names[i]) == 0) return i;
    return -1;
}

const char *secproto_name(secproto_t p)
{
    return (unsigned)p < 4 ? secproto_names[p] : "?";
}

int secproto_of_listener(const char *map, const char *listener, secproto_t *out, char *why,
                         size_t n)
{
    int found = -1;
    const char *s = map;
    while (*s) {
        while (*s == ' ' || *s == ',') s++;
        if (!*s) break;
        size_t len = strcspn(s, ",");
        char one[256], name[128], proto[128];
        snprintf(one, sizeof(one), "%.*s", (int)len, s);
        s += len;
        char *colon = strchr(one, ':');
        if (!colon || colon == one) {
            snprintf(why, n, "entry '%s' is not NAME:PROTOCOL", one);
            return -2;
        }
        snprintf(name, sizeof(name), "%.*s", (int)(colon - one), one);
        snprintf(proto, sizeof(proto), "%s", colon + 1);
        for (char *p = proto + strlen(proto); p > proto && p[-1] == ' '; p--) p[-1] = '\0';
        for (char *p = name; *p; p++)
            if (*p == ' ') *p = '\0';
        int pr = secproto_parse(proto);
        if (pr < 0) {
            snprintf(why, n,
                     "No enum constant org.apache.kafka.common.security.auth."
                     "SecurityProtocol.%s",
                     proto);
            return -2;
        }
        if (strcasecmp(name, listener) == 0 && found < 0) {
            *out = (secproto_t)pr;
            found = 0;
        }
    }
    return found;
}

static const struct {
    unsigned bit;
    const char *name;
} sec_mechs[] = {
    {SEC_MECH_PLAIN, "PLAIN"},
    {SEC_MECH_SCRAM_SHA_256, "SCRAM-SHA-256"},
    {SEC_MECH_SCRAM_SHA_512, "SCRAM-SHA-512"},
};

unsigned sec_mech_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(sec_mechs) / sizeof(sec_mechs[0]); i++)
        if (strcmp(name, sec_mechs[i].name) == 0) return sec_mechs[i].bit;
    return 0;
}

const char *sec_mech_name(unsigned mech)
{
    for (size_t i = 0; i < sizeof(sec_mechs) / sizeof(sec_mechs[0]); i++)
        if (sec_mechs[i].bit == mech) return sec_mechs[i].name;
    return "?";
}
