/* zkauth.c: ZooKeeper digest login from a JAAS Client section, and Kafka's znode ACLs (see
 * zkauth.h). */
#include "zkauth.h"

#include "jaas.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZKAUTH_MAX_FILE (1024 * 1024)

/* ZooDefs.Perms (the C client's ZOO_PERM_* are extern ints, not constant expressions) */
#define ZKAUTH_PERM_READ 1
#define ZKAUTH_PERM_ALL  31

/* Kafka's CREATOR_ALL_ACL + READ_ACL_UNSAFE, and CREATOR_ALL_ACL alone for sensitive paths. */
static struct ACL zkauth_read_acl[] = {{ZKAUTH_PERM_ALL, {"auth", ""}},
                                       {ZKAUTH_PERM_READ, {"world", "anyone"}}};
static struct ACL_vector zkauth_read_vec = {2, zkauth_read_acl};
static struct ACL zkauth_private_acl[] = {{ZKAUTH_PERM_ALL, {"auth", ""}}};
static struct ACL_vector zkauth_private_vec = {1, zkauth_private_acl};

/* ZkData.SensitiveRootPaths, plus /kafka-acl (who may do what is not for everyone to read). */
static const char *const zkauth_sensitive[] = {"/config/users", "/config/brokers",
                                               "/delegation_token", "/kafka-acl", NULL};

/* The value of "-D<key>=" in opts (a JVM command line), copied; NULL when absent. */
static char *zkauth_prop(const char *opts, const char *key)
{
    if (!opts) return NULL;
    char pat[128];
    snprintf(pat, sizeof(pat), "-D%s=", key);
    for (const char *p = strstr(opts, pat); p; p = strstr(p + 1, pat)) {
        if (p != opts && !isspace((unsigned char)p[-1])) continue;
        const char *v = p + strlen(pat);
        char q = (*v == '"' || *v == '\'') ? *v++ : 0;
        const char *e = v;
        while (*e && (q ? *e != q : !isspace((unsigned char)*e))) e++;
        return strndup(v, (size_t)(e - v));
    }
    return NULL;
}

static char *zkauth_slurp(const char *path, char *err, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, n, "cannot read JAAS file %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(ZKAUTH_MAX_FILE + 1);
    if (!buf) abort();
    size_t len = fread(buf, 1, ZKAUTH_MAX_FILE, f);
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* Skip white space and Java-style comments. */
static const char *zkauth_skip(const char *s)
{
    for (;;) {
        while (isspace((unsigned char)*s)) s++;
        if (s[0] == '/' && s[1] == '/') {
            while (*s && *s != '\n') s++;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            s = e ? e + 2 : s + strlen(s);
        } else {
            return s;
        }
    }
}

/* The body of section "name { ... };" in a JAAS file, copied; NULL when absent or unclosed. */
static char *zkauth_section(const char *text, const char *name)
{
    const char *s = text;
    for (;;) {
        s = zkauth_skip(s);
        if (!*s) return NULL;
        const char *w = s;
        while (*s && (isalnum((unsigned char)*s) || strchr("._-$", *s))) s++;
        size_t wlen = (size_t)(s - w);
        s = zkauth_skip(s);
        if (wlen == 0 || *s != '{') return NULL;
        const char *body = ++s;
        char q = 0;
        while (*s && (q || *s != '}')) {
            if (q && *s == '\\' && s[1])
                s++;
            else if (*s == '"')
                q = q ? 0 : '"';
            s++;
        }
        if (!*s) return NULL;
        if (wlen == strlen(name) && strncmp(w, name, wlen) == 0)
            return strndup(body, (size_t)(s - body));
        s = zkauth_skip(s + 1);
        if (*s == ';') s++;
    }
}

/* Parse the section body's DigestLoginModule options into a->userpass. */
static int zkauth_parse_body(zkauth_t *a, const char *body, const char *file, char *err, size_t n)
{
    char jerr[256];
    jaas_t *j = jaas_parse(body, jerr, sizeof(jerr));
    if (!j) {
        snprintf(err, n, "JAAS file %s section %s: %s", file, a->section, jerr);
        return -1;
    }
    const char *user = jaas_get(j, "username"), *pass = jaas_get(j, "password");
    if (!user || !pass || strchr(user, ':')) {
        snprintf(err, n,
                 "JAAS file %s section %s: DigestLoginModule needs username (without ':') "
                 "and password",
                 file, a->section);
        jaas_free(j);
        return -1;
    }
    size_t len = strlen(user) + strlen(pass) + 2;
    a->userpass = malloc(len);
    if (!a->userpass) abort();
    snprintf(a->userpass, len, "%s:%s", user, pass);
    jaas_free(j);
    return 0;
}

int zkauth_load(zkauth_t *a, bool set_acl, const char *kafka_opts, char *err, size_t n)
{
    memset(a, 0, sizeof(*a));
    a->set_acl = set_acl;
    char *file = zkauth_prop(kafka_opts, "java.security.auth.login.config");
    char *sasl = zkauth_prop(kafka_opts, "zookeeper.sasl.client");
    bool off = sasl && strcmp(sasl, "false") == 0;
    free(sasl);
    int rc = 0;
    if (file && !off) {
        a->section = zkauth_prop(kafka_opts, "zookeeper.sasl.clientconfig");
        if (!a->section) a->section = strdup("Client");
        char *text = zkauth_slurp(file, err, n);
        char *body = text ? zkauth_section(text, a->section) : NULL;
        /* Kafka treats a JAAS file without the Client section as "no ZooKeeper SASL" */
        if (body) rc = zkauth_parse_body(a, body, file, err, n);
        if (!text) rc = -1;
        free(body);
        free(text);
    }
    free(file);
    if (rc == 0 && set_acl && !a->userpass) {
        snprintf(err, n,
                 "zookeeper.set.acl is true, but no JAAS login file with a Client section "
                 "is configured (KAFKA_OPTS -Djava.security.auth.login.config=FILE)");
        rc = -1;
    }
    if (rc != 0) zkauth_free(a);
    return rc;
}

void zkauth_free(zkauth_t *a)
{
    free(a->section);
    free(a->userpass);
    a->section = a->userpass = NULL;
}

bool zkauth_enabled(const zkauth_t *a)
{
    return a && a->userpass;
}

int zkauth_apply(const zkauth_t *a, zhandle_t *zh)
{
    if (!zkauth_enabled(a)) return ZOK;
    /* queued before any later request on this handle, and re-sent by the client library on
     * every reconnect of the same session; a new session needs a new call */
    return zoo_add_auth(zh, "digest", a->userpass, (int)strlen(a->userpass), NULL, NULL);
}

static bool zkauth_under(const char *path, const char *root)
{
    size_t n = strlen(root);
    return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

const struct ACL_vector *zkauth_acl(const zkauth_t *a, const char *path)
{
    if (!a || !a->set_acl || !a->userpass) return &ZOO_OPEN_ACL_UNSAFE;
    /* as Kafka: the old consumers' root stays open, they write under it themselves */
    if (path && strcmp(path, "/consumers") == 0) return &ZOO_OPEN_ACL_UNSAFE;
    for (const char *const *s = zkauth_sensitive; *s; s++)
        if (path && zkauth_under(path, *s)) return &zkauth_private_vec;
    return &zkauth_read_vec;
}
