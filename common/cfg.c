/* cfg.c: the broker config table, the properties parser and the override layers. */
#include "cfg.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "log.h"
#include "secproto.h"

#define CFG_NOMIN CVAL_NOMIN
#define CFG_NOMAX CVAL_NOMAX

typedef struct cfg_def {
    const char *key;
    cfg_type_t type;
    const char *dflt;   /* NULL = no default (null) */
    int64_t min, max;   /* numeric range */
    const char *one_of; /* "a|b|c" for enumerated strings, NULL otherwise */
} cfg_def_t;

/* Kafka's broker configs that this broker reads or accepts (defaults as Kafka 3.x). */
static const cfg_def_t cfg_defs[] = {
    {"broker.id", CFG_INT, "-1", -1, CFG_NOMAX, NULL},
    {"broker.rack", CFG_STRING, NULL, 0, 0, NULL},
    {"listeners", CFG_STRING, "PLAINTEXT://:9092", 0, 0, NULL},
    {"advertised.listeners", CFG_STRING, NULL, 0, 0, NULL},
    {"http.listeners", CFG_STRING, "", 0, 0, NULL}, /* http://HOST:PORT: /metrics, /v1/health */
    /* the web console's login (broker/console_auth.c): none, or the SASL users' passwords */
    {"console.authentication", CFG_STRING, "none", 0, 0, "none|sasl"},
    {"console.session.timeout.ms", CFG_LONG, "1800000", 1000, CFG_NOMAX, NULL},
    /* the console's Connect page (broker/console_connect.c): http://HOST:PORT of workers */
    {"console.connect.urls", CFG_LIST, "", 0, 0, NULL},
    {"listener.security.protocol.map", CFG_STRING,
     "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL", 0, 0, NULL},
    {"inter.broker.listener.name", CFG_STRING, NULL, 0, 0, NULL},
    {"security.inter.broker.protocol", CFG_STRING, "PLAINTEXT", 0, 0,
     "PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL"},
    /* TLS and SASL (broker/sec.c); listener.name.<l>.<key> overrides are read as extras */
    {"ssl.keystore.type", CFG_STRING, "PEM", 0, 0, "PEM"},
    {"ssl.keystore.location", CFG_STRING, NULL, 0, 0, NULL},
    {"ssl.keystore.key", CFG_PASSWORD, NULL, 0, 0, NULL},
    {"ssl.keystore.certificate.chain", CFG_PASSWORD, NULL, 0, 0, NULL},
    {"ssl.keystore.password", CFG_PASSWORD, NULL, 0, 0, NULL},
    {"ssl.key.password", CFG_PASSWORD, NULL, 0, 0, NULL},
    {"ssl.truststore.type", CFG_STRING, "PEM", 0, 0, "PEM"},
    {"ssl.truststore.location", CFG_STRING, NULL, 0, 0, NULL},
    {"ssl.truststore.certificates", CFG_PASSWORD, NULL, 0, 0, NULL},
    {"ssl.truststore.password", CFG_PASSWORD, NULL, 0, 0, NULL},
    {"ssl.client.auth", CFG_STRING, "none", 0, 0, "none|requested|required"},
    {"ssl.enabled.protocols", CFG_LIST, "TLSv1.2,TLSv1.3", 0, 0, NULL},
    {"ssl.protocol", CFG_STRING, "TLSv1.3", 0, 0, "TLS|TLSv1.2|TLSv1.3"},
    {"ssl.cipher.suites", CFG_LIST, "", 0, 0, NULL},
    {"ssl.endpoint.identification.algorithm", CFG_STRING, "https", 0, 0, NULL},
    {"sasl.enabled.mechanisms", CFG_LIST, "GSSAPI", 0, 0, NULL},
    {"sasl.mechanism.inter.broker.protocol", CFG_STRING, "GSSAPI", 0, 0, NULL},
    {"sasl.jaas.config", CFG_PASSWORD, NULL, 0, 0, NULL},
    {"connection.failed.authentication.delay.ms", CFG_INT, "100", 0, CFG_NOMAX, NULL},
    {"sasl.server.max.receive.size", CFG_INT, "524288", 1, CFG_NOMAX, NULL},
    {"log.dirs", CFG_STRING, NULL, 0, 0, NULL},
    {"log.dir", CFG_STRING, "/tmp/kafka-logs", 0, 0, NULL},
    {"zookeeper.connect", CFG_STRING, NULL, 0, 0, NULL},
    {"zookeeper.session.timeout.ms", CFG_INT, "18000", 1, CFG_NOMAX, NULL},
    {"zookeeper.connection.timeout.ms", CFG_INT, NULL, 1, CFG_NOMAX, NULL},
    {"zookeeper.set.acl", CFG_BOOLEAN, "false", 0, 0, NULL},
    {"num.partitions", CFG_INT, "1", 1, CFG_NOMAX, NULL},
    {"default.replication.factor", CFG_INT, "1", 1, CFG_NOMAX, NULL},
    {"min.insync.replicas", CFG_INT, "1", 1, CFG_NOMAX, NULL},
    {"offsets.topic.num.partitions", CFG_INT, "50", 1, CFG_NOMAX, NULL},
    {"offsets.topic.replication.factor", CFG_SHORT, "3", 1, 32767, NULL},
    {"offsets.topic.segment.bytes", CFG_INT, "104857600", 1, CFG_NOMAX, NULL},
    {"offsets.retention.minutes", CFG_INT, "10080", 1, CFG_NOMAX, NULL},
    {"offsets.commit.timeout.ms", CFG_INT, "5000", 1, CFG_NOMAX, NULL},
    {"offsets.retention.check.interval.ms", CFG_LONG, "600000", 1, CFG_NOMAX, NULL},
    {"offset.metadata.max.bytes", CFG_INT, "4096", 0, CFG_NOMAX, NULL},
    {"transaction.state.log.replication.factor", CFG_SHORT, "3", 1, 32767, NULL},
    {"transaction.state.log.min.isr", CFG_INT, "2", 1, CFG_NOMAX, NULL},
    {"transaction.state.log.num.partitions", CFG_INT, "50", 1, CFG_NOMAX, NULL},
    {"transaction.state.log.segment.bytes", CFG_INT, "104857600", 1, CFG_NOMAX, NULL},
    {"transaction.max.timeout.ms", CFG_INT, "900000", 1, CFG_NOMAX, NULL},
    {"transaction.abort.timed.out.transaction.cleanup.interval.ms", CFG_INT, "10000", 1, CFG_NOMAX,
     NULL},
    {"transactional.id.expiration.ms", CFG_INT, "604800000", 1, CFG_NOMAX, NULL},
    {"transaction.remove.expired.transaction.cleanup.interval.ms", CFG_INT, "3600000", 1, CFG_NOMAX,
     NULL},
    {"log.retention.hours", CFG_INT, "168", CFG_NOMIN, CFG_NOMAX, NULL},
    {"log.retention.minutes", CFG_INT, NULL, CFG_NOMIN, CFG_NOMAX, NULL},
    {"log.retention.ms", CFG_LONG, NULL, CFG_NOMIN, CFG_NOMAX, NULL},
    {"log.retention.bytes", CFG_LONG, "-1", CFG_NOMIN, CFG_NOMAX, NULL},
    {"log.segment.bytes", CFG_INT, "1073741824", 14, CFG_NOMAX, NULL},
    {"log.roll.hours", CFG_INT, "168", 1, CFG_NOMAX, NULL},
    {"log.roll.ms", CFG_LONG, NULL, 1, CFG_NOMAX, NULL},
    {"log.index.interval.bytes", CFG_INT, "4096", 0, CFG_NOMAX, NULL},
    {"log.index.size.max.bytes", CFG_INT, "10485760", 4, CFG_NOMAX, NULL},
    {"log.flush.interval.messages", CFG_LONG, "9223372036854775807", 1, CFG_NOMAX, NULL},
    {"log.flush.interval.ms", CFG_LONG, NULL, 0, CFG_NOMAX, NULL},
    {"log.flush.scheduler.interval.ms", CFG_LONG, "9223372036854775807", 0, CFG_NOMAX, NULL},
    {"log.flush.offset.checkpoint.interval.ms", CFG_INT, "60000", 0, CFG_NOMAX, NULL},
    {"log.retention.check.interval.ms", CFG_LONG, "300000", 1, CFG_NOMAX, NULL},
    {"log.segment.delete.delay.ms", CFG_LONG, "60000", 0, CFG_NOMAX, NULL},
    {"log.cleanup.policy", CFG_LIST, "delete", 0, 0, NULL},
    {"log.cleaner.enable", CFG_BOOLEAN, "true", 0, 0, NULL},
    {"log.cleaner.backoff.ms", CFG_LONG, "15000", 0, CFG_NOMAX, NULL},
    {"log.cleaner.threads", CFG_INT, "1", 0, CFG_NOMAX, NULL},
    {"log.cleaner.io.buffer.size", CFG_INT, "524288", 0, CFG_NOMAX, NULL},
    {"log.cleaner.delete.retention.ms", CFG_LONG, "86400000", 0, CFG_NOMAX, NULL},
    {"log.cleaner.min.compaction.lag.ms", CFG_LONG, "0", 0, CFG_NOMAX, NULL},
    {"log.cleaner.max.compaction.lag.ms", CFG_LONG, "9223372036854775807", 1, CFG_NOMAX, NULL},
    {"log.cleaner.min.cleanable.ratio", CFG_DOUBLE, "0.5", 0, 1, NULL},
    {"log.message.timestamp.type", CFG_STRING, "CreateTime", 0, 0, "CreateTime|LogAppendTime"},
    /* deprecated in Kafka 3 and ignored for v2 batches; accepted for old configs */
    {"log.message.format.version", CFG_STRING, "3.0-IV1", 0, 0, KAFKA_FORMAT_VERSIONS},
    {"log.preallocate", CFG_BOOLEAN, "false", 0, 0, NULL},
    {"message.max.bytes", CFG_INT, "1048588", 0, CFG_NOMAX, NULL},
    {"compression.type", CFG_STRING, "producer", 0, 0,
     "uncompressed|zstd|lz4|snappy|gzip|producer"},
    {"replica.fetch.max.bytes", CFG_INT, "1048576", 0, CFG_NOMAX, NULL},
    {"replica.fetch.wait.max.ms", CFG_INT, "500", 0, CFG_NOMAX, NULL},
    {"replica.fetch.min.bytes", CFG_INT, "1", 0, CFG_NOMAX, NULL},
    {"max.incremental.fetch.session.cache.slots", CFG_INT, "1000", 0, CFG_NOMAX, NULL},
    {"replica.lag.time.max.ms", CFG_LONG, "30000", 0, CFG_NOMAX, NULL},
    {"quota.window.num", CFG_INT, "11", 1, CFG_NOMAX, NULL},
    {"quota.window.size.seconds", CFG_INT, "1", 1, CFG_NOMAX, NULL},
    /* a dynamic broker quota in Kafka; read at start-up here (replica moves between log dirs) */
    {"replica.alter.log.dirs.io.max.bytes.per.second", CFG_LONG, "9223372036854775807", 1,
     CFG_NOMAX, NULL},
    {"replica.socket.timeout.ms", CFG_INT, "30000", 0, CFG_NOMAX, NULL},
    {"replica.selector.class", CFG_STRING, NULL, 0, 0, NULL}, /* cfg_replica_selector() */
    {"authorizer.class.name", CFG_STRING, "", 0, 0, NULL},    /* checked by authz_from_cfg() */
    {"super.users", CFG_STRING, "", 0, 0, NULL},
    {"allow.everyone.if.no.acl.found", CFG_BOOLEAN, "false", 0, 0, NULL},
    {"num.network.threads", CFG_INT, "3", 1, CFG_NOMAX, NULL},
    {"num.io.threads", CFG_INT, "8", 1, CFG_NOMAX, NULL},
    {"num.replica.fetchers", CFG_INT, "1", 1, CFG_NOMAX, NULL},
    {"num.recovery.threads.per.data.dir", CFG_INT, "1", 1, CFG_NOMAX, NULL},
    {"socket.send.buffer.bytes", CFG_INT, "102400", -1, CFG_NOMAX, NULL},
    {"socket.receive.buffer.bytes", CFG_INT, "102400", -1, CFG_NOMAX, NULL},
    {"socket.request.max.bytes", CFG_INT, "104857600", 1, CFG_NOMAX, NULL},
    {"queued.max.requests", CFG_INT, "500", 1, CFG_NOMAX, NULL},
    {"connections.max.idle.ms", CFG_LONG, "600000", CFG_NOMIN, CFG_NOMAX, NULL},
    {"request.timeout.ms", CFG_INT, "30000", 0, CFG_NOMAX, NULL},
    {"auto.create.topics.enable", CFG_BOOLEAN, "true", 0, 0, NULL},
    {"delete.topic.enable", CFG_BOOLEAN, "true", 0, 0, NULL},
    {"unclean.leader.election.enable", CFG_BOOLEAN, "false", 0, 0, NULL},
    {"controlled.shutdown.enable", CFG_BOOLEAN, "true", 0, 0, NULL},
    {"controlled.shutdown.max.retries", CFG_INT, "3", 0, CFG_NOMAX, NULL},
    {"controlled.shutdown.retry.backoff.ms", CFG_LONG, "5000", 0, CFG_NOMAX, NULL},
    {"auto.leader.rebalance.enable", CFG_BOOLEAN, "true", 0, 0, NULL},
    {"leader.imbalance.check.interval.seconds", CFG_LONG, "300", 1, CFG_NOMAX, NULL},
    {"leader.imbalance.per.broker.percentage", CFG_INT, "10", 0, CFG_NOMAX, NULL},
    {"group.initial.rebalance.delay.ms", CFG_INT, "3000", 0, CFG_NOMAX, NULL},
    {"group.min.session.timeout.ms", CFG_INT, "6000", 0, CFG_NOMAX, NULL},
    {"group.max.session.timeout.ms", CFG_INT, "1800000", 0, CFG_NOMAX, NULL},
    /* KIP-848 consumer groups (broker/group/grp_cons.c) */
    {"group.consumer.heartbeat.interval.ms", CFG_INT, "5000", 1, CFG_NOMAX, NULL},
    {"group.consumer.session.timeout.ms", CFG_INT, "45000", 1, CFG_NOMAX, NULL},
    {"group.consumer.max.size", CFG_INT, "2147483647", 1, CFG_NOMAX, NULL},
    {"group.consumer.assignors", CFG_LIST, "uniform,range", 0, 0, "uniform|range"},
    {"broker.id.generation.enable", CFG_BOOLEAN, "true", 0, 0, NULL},
    {"reserved.broker.max.id", CFG_INT, "1000", 0, CFG_NOMAX, NULL},
};

#define CFG_NDEFS ((int)(sizeof(cfg_defs) / sizeof(cfg_defs[0])))

typedef struct cfg_extra {
    char *key, *value;
} cfg_extra_t;

struct cfg {
    char *values[CFG_NDEFS];  /* NULL = not set (default applies) */
    char *sources[CFG_NDEFS]; /* where each set value came from, for messages */
    cfg_extra_t *extra;       /* unknown keys, kept as strings */
    int nextra;
};

static int cfg_find(const char *key)
{
    for (int i = 0; i < CFG_NDEFS; i++)
        if (strcmp(cfg_defs[i].key, key) == 0) return i;
    return -1;
}

cfg_t *cfg_new(void)
{
    cfg_t *c = calloc(1, sizeof(*c));
    if (!c) abort();
    return c;
}

void cfg_free(cfg_t *c)
{
    if (!c) return;
    for (int i = 0; i < CFG_NDEFS; i++) {
        free(c->values[i]);
        free(c->sources[i]);
    }
    for (int i = 0; i < c->nextra; i++) {
        free(c->extra[i].key);
        free(c->extra[i].value);
    }
    free(c->extra);
    free(c);
}

/* Validate value for def: its spec goes to the shared validator (cval.h). */
static kerr_t cfg_validate(const cfg_def_t *d, const char *value, char *err, size_t n)
{
    cval_spec_t spec = {d->key, d->type, d->min, d->max, d->one_of};
    return cval_check(&spec, value, err, n);
}

/* Store a value; validate it now unless deferred (file values are validated in cfg_finish, after
 * the environment and --override had their say, as Kafka validates the merged config). */
static kerr_t cfg_put(cfg_t *c, const char *key, const char *value, const char *source, char *err,
                      size_t n, bool validate)
{
    int i = cfg_find(key);
    if (i < 0) {
        if (strncmp(key, "listener.name.", 14) != 0) /* per-listener overrides: broker/sec.c */
            log_warn("cfg", "The configuration '%s' was supplied (%s) but isn't a known config.",
                     key, source ? source : "?");
        for (int j = 0; j < c->nextra; j++) {
            if (strcmp(c->extra[j].key, key) == 0) {
                free(c->extra[j].value);
                c->extra[j].value = strdup(value);
                return KERR_NONE;
            }
        }
        cfg_extra_t *e = realloc(c->extra, (size_t)(c->nextra + 1) * sizeof(*e));
        if (!e) abort();
        c->extra = e;
        c->extra[c->nextra].key = strdup(key);
        c->extra[c->nextra].value = strdup(value);
        c->nextra++;
        return KERR_NONE;
    }
    kerr_t rc = validate ? cfg_validate(&cfg_defs[i], value, err, n) : KERR_NONE;
    if (rc) {
        if (source) {
            size_t l = strlen(err);
            snprintf(err + l, n > l ? n - l : 0, " (from %s)", source);
        }
        return rc;
    }
    free(c->values[i]);
    free(c->sources[i]);
    c->values[i] = strdup(value);
    c->sources[i] = strdup(source ? source : "?");
    if (!c->values[i] || !c->sources[i]) abort();
    return KERR_NONE;
}

kerr_t cfg_set(cfg_t *c, const char *key, const char *value, const char *source, char *err,
               size_t n)
{
    return cfg_put(c, key, value, source, err, n, true);
}

/* Java properties escapes: \t \n \r \f \\ \uXXXX (ASCII range kept), others drop the slash. */
static void cfg_unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r != '\\' || !r[1]) {
            *w++ = *r;
            continue;
        }
        r++;
        switch (*r) {
        case 't':
            *w++ = '\t';
            break;
        case 'n':
            *w++ = '\n';
            break;
        case 'r':
            *w++ = '\r';
            break;
        case 'f':
            *w++ = '\f';
            break;
        case 'u': {
            unsigned v = 0;
            int k = 0;
            for (; k < 4 && isxdigit((unsigned char)r[1]); k++, r++)
                v = v * 16 + (unsigned)(isdigit((unsigned char)*(r + 1))
                                            ? r[1] - '0'
                                            : (tolower(r[1]) - 'a' + 10));
            *w++ = v < 128 ? (char)v : '?';
            break;
        }
        default:
            *w++ = *r;
            break;
        }
    }
    *w = '\0';
}

static char *cfg_trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
    return s;
}

kerr_t cfg_load_file(cfg_t *c, const char *path, char *err, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, n, "cannot read config file %s: %s", path, strerror(errno));
        return KERR__IO;
    }
    char line[8192], logical[16384];
    int lineno = 0;
    logical[0] = '\0';
    kerr_t rc = KERR_NONE;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *t = logical[0] ? line + strspn(line, " \t\f") : line;
        size_t ll = strlen(t);
        /* an odd number of trailing backslashes continues the line */
        size_t bs = 0;
        while (bs < ll && t[ll - 1 - bs] == '\\') bs++;
        bool cont = bs % 2 == 1;
        if (cont) t[ll - 1] = '\0';
        strncat(logical, t, sizeof(logical) - strlen(logical) - 1);
        if (cont) continue;
        char *s = cfg_trim(logical);
        if (*s && *s != '#' && *s != '!') {
            /* key ends at the first unescaped '=', ':' or whitespace */
            char *sep = s;
            while (*sep && !(strchr("=: \t\f", *sep) && (sep == s || sep[-1] != '\\'))) sep++;
            char *val = sep;
            if (*val) {
                *val++ = '\0';
                val = cfg_trim(val);
                if (*val == '=' || *val == ':') val = cfg_trim(val + 1);
            }
            cfg_unescape(s);
            cfg_unescape(val);
            char src[600];
            snprintf(src, sizeof(src), "%s line %d", path, lineno);
            rc = cfg_put(c, s, val, src, err, n, false);
            if (rc) break;
        }
        logical[0] = '\0';
    }
    fclose(f);
    return rc;
}

static const char *const cfg_env_ignored[] = {
    "KAFKA_HEAP_OPTS",
    "KAFKA_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_LOG4J_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_DEBUG",
    "KAFKA_LOG_LEVEL",
    "KAFKA_SERVER_BIN",
    NULL,
};

kerr_t cfg_apply_env(cfg_t *c, char **envp, char *err, size_t n)
{
    for (char **e = envp; e && *e; e++) {
        if (strncmp(*e, "KAFKA_", 6) != 0) continue;
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        char name[256];
        snprintf(name, sizeof(name), "%.*s", (int)(eq - *e), *e);
        bool skip = false;
        for (const char *const *ig = cfg_env_ignored; *ig && !skip; ig++)
            skip = strcmp(name, *ig) == 0;
        if (skip) continue;
        /* Confluent's mapping: ___ -> '-', __ -> '_', _ -> '.', lower case. */
        char key[256];
        size_t k = 0;
        for (const char *p = name + 6; *p && k < sizeof(key) - 1; p++) {
            if (p[0] == '_' && p[1] == '_' && p[2] == '_') {
                key[k++] = '-';
                p += 2;
            } else if (p[0] == '_' && p[1] == '_') {
                key[k++] = '_';
                p += 1;
            } else if (*p == '_') {
                key[k++] = '.';
            } else {
                key[k++] = (char)tolower((unsigned char)*p);
            }
        }
        key[k] = '\0';
        /* per-listener overrides (listener.name.<l>.<key>: broker/sec.c) are not in the table
         * but are configs all the same: KAFKA_LISTENER_NAME_EXTERNAL_SSL_KEYSTORE_LOCATION */
        if (cfg_find(key) < 0 && strncmp(key, "listener.name.", 14) != 0) {
            log_debug("cfg", "environment %s does not name a known config; ignored", name);
            continue;
        }
        kerr_t rc = cfg_set(c, key, eq + 1, name, err, n);
        if (rc) return rc;
    }
    return KERR_NONE;
}

static const char *cfg_raw(const cfg_t *c, const char *key)
{
    int i = cfg_find(key);
    if (i < 0) {
        for (int j = 0; j < c->nextra; j++)
            if (strcmp(c->extra[j].key, key) == 0) return c->extra[j].value;
        return NULL;
    }
    return c->values[i] ? c->values[i] : cfg_defs[i].dflt;
}

const char *cfg_str(const cfg_t *c, const char *key)
{
    const char *v = cfg_raw(c, key);
    return v ? v : "";
}

int64_t cfg_int(const cfg_t *c, const char *key)
{
    const char *v = cfg_raw(c, key);
    int64_t out = 0;
    if (v) cval_parse_long(v, &out);
    return out;
}

bool cfg_bool(const cfg_t *c, const char *key)
{
    const char *v = cfg_raw(c, key);
    return v && strcasecmp(v, "true") == 0;
}

double cfg_double(const cfg_t *c, const char *key)
{
    const char *v = cfg_raw(c, key);
    return v ? strtod(v, NULL) : 0.0;
}

bool cfg_is_default(const cfg_t *c, const char *key)
{
    int i = cfg_find(key);
    return i < 0 ? true : c->values[i] == NULL;
}

int64_t cfg_retention_ms(const cfg_t *c)
{
    int64_t v;
    if (!cfg_is_default(c, "log.retention.ms"))
        v = cfg_int(c, "log.retention.ms");
    else if (!cfg_is_default(c, "log.retention.minutes"))
        v = cfg_int(c, "log.retention.minutes") * 60000;
    else
        v = cfg_int(c, "log.retention.hours") * 3600000;
    return v < 0 ? -1 : v;
}

int64_t cfg_roll_ms(const cfg_t *c)
{
    if (!cfg_is_default(c, "log.roll.ms")) return cfg_int(c, "log.roll.ms");
    return cfg_int(c, "log.roll.hours") * 3600000;
}

const char *cfg_log_dirs(const cfg_t *c)
{
    const char *d = cfg_raw(c, "log.dirs");
    return d && *d ? d : cfg_str(c, "log.dir");
}

int cfg_listeners(const cfg_t *c, const char *key, cfg_listener_t *out, int max, char *err,
                  size_t n)
{
    const char *s = cfg_str(c, key);
    int count = 0;
    while (*s) {
        while (*s == ' ' || *s == ',') s++;
        if (!*s) break;
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        char one[512];
        snprintf(one, sizeof(one), "%.*s", (int)len, s);
        char *t = cfg_trim(one);
        char *sep = strstr(t, "://");
        char *colon = sep ? strrchr(sep + 3, ':') : NULL;
        int64_t port;
        if (!sep || !colon || !cval_parse_long(colon + 1, &port) || port < 0 || port > 65535) {
            snprintf(err, n, "Invalid value %s for configuration %s: expected NAME://host:port", t,
                     key);
            return -1;
        }
        if (count == max) {
            snprintf(err, n, "%s: too many listeners (max %d)", key, max);
            return -1;
        }
        cfg_listener_t *l = &out[count++];
        snprintf(l->name, sizeof(l->name), "%.*s", (int)(sep - t), t);
        for (char *p = l->name; *p; p++) *p = (char)toupper((unsigned char)*p);
        snprintf(l->host, sizeof(l->host), "%.*s", (int)(colon - (sep + 3)), sep + 3);
        l->port = (int)port;
        s += len;
    }
    return count;
}

/* Kafka's two ReplicaSelector implementations (KIP-392); a class name is case-sensitive. */
static const char *const cfg_selectors[] = {
    [CFG_SELECTOR_LEADER] = "org.apache.kafka.common.replica.LeaderSelector",
    [CFG_SELECTOR_RACK_AWARE] = "org.apache.kafka.common.replica.RackAwareReplicaSelector",
};

static int cfg_selector_of(const char *v)
{
    if (!v || !*v) return CFG_SELECTOR_LEADER;
    for (size_t i = 0; i < sizeof(cfg_selectors) / sizeof(cfg_selectors[0]); i++)
        if (strcmp(v, cfg_selectors[i]) == 0) return (int)i;
    return -1;
}

cfg_selector_t cfg_replica_selector(const cfg_t *c)
{
    int s = cfg_selector_of(cfg_str(c, "replica.selector.class"));
    return s < 0 ? CFG_SELECTOR_LEADER : (cfg_selector_t)s;
}

const char *cfg_inter_broker_listener(const cfg_t *c, char *buf, size_t n)
{
    const char *ibl = cfg_str(c, "inter.broker.listener.name");
    cfg_listener_t ls[16];
    char err[256];
    int nl = cfg_listeners(c, "listeners", ls, 16, err, sizeof(err));
    if (!*ibl) { /* Kafka: the listener named after security.inter.broker.protocol */
        ibl = cfg_str(c, "security.inter.broker.protocol");
        bool have = false;
        for (int i = 0; i < nl && !have; i++) have = strcasecmp(ls[i].name, ibl) == 0;
        if (!have && cfg_is_default(c, "security.inter.broker.protocol") && nl > 0)
            ibl = ls[0].name; /* a single custom-named listener serves brokers too */
    }
    snprintf(buf, n, "%s", ibl);
    for (char *p = buf; *p; p++) *p = (char)toupper((unsigned char)*p);
    return buf;
}

/* Every listener has a protocol in listener.security.protocol.map, and the inter-broker
 * listener is one of the listeners (Kafka's KafkaConfig checks). */
static kerr_t cfg_check_security(const cfg_t *c, const cfg_listener_t *ls, int nl, char *err,
                                 size_t n)
{
    const char *map = cfg_str(c, "listener.security.protocol.map");
    for (int i = 0; i < nl; i++) {
        secproto_t p;
        char why[256];
        int rc = secproto_of_listener(map, ls[i].name, &p, why, sizeof(why));
        if (rc == -2) {
            snprintf(err, n,
                     "Invalid value %s for configuration listener.security.protocol.map: %s", map,
                     why);
            return KERR__INVAL;
        }
        if (rc < 0) {
            snprintf(err, n,
                     "Invalid value %s for configuration listeners: listener %s is not "
                     "in listener.security.protocol.map",
                     cfg_str(c, "listeners"), ls[i].name);
            return KERR__INVAL;
        }
    }
    if (!cfg_is_default(c, "security.inter.broker.protocol") &&
        *cfg_str(c, "inter.broker.listener.name")) {
        snprintf(err, n,
                 "Invalid value for configuration inter.broker.listener.name: Only one of "
                 "inter.broker.listener.name and security.inter.broker.protocol should be set.");
        return KERR__INVAL;
    }
    char ibl[64];
    cfg_inter_broker_listener(c, ibl, sizeof(ibl));
    for (int i = 0; i < nl; i++)
        if (strcmp(ls[i].name, ibl) == 0) return KERR_NONE;
    snprintf(err, n,
             "Invalid value %s for configuration %s: inter broker listener %s must be a listener "
             "name defined in listeners",
             ibl,
             *cfg_str(c, "inter.broker.listener.name") ? "inter.broker.listener.name"
                                                       : "security.inter.broker.protocol",
             ibl);
    return KERR__INVAL;
}

/* console.connect.urls: every comma-separated entry is http://HOST:PORT with a host. */
static kerr_t cfg_check_connect_urls(const cfg_t *c, char *err, size_t n)
{
    const char *v = cfg_str(c, "console.connect.urls");
    for (const char *p = v; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char url[512], host[256], why[200];
        int port = 0;
        snprintf(url, sizeof(url), "%.*s", (int)len, p);
        char *u = url;
        while (*u == ' ') u++;
        for (size_t l = strlen(u); l && u[l - 1] == ' ';) u[--l] = '\0';
        if (len >= sizeof(url) ||
            http_parse_listener(u, host, sizeof(host), &port, why, sizeof(why)) != 0 || !host[0] ||
            port == 0) {
            snprintf(err, n,
                     "Invalid value %s for configuration console.connect.urls: '%s' is not of "
                     "the form http://HOST:PORT",
                     v, u);
            return KERR__INVAL;
        }
        p += len + (comma ? 1 : 0);
    }
    return KERR_NONE;
}

kerr_t cfg_finish(cfg_t *c, char *err, size_t n)
{
    const char *sel = cfg_str(c, "replica.selector.class");
    if (cfg_selector_of(sel) < 0) {
        snprintf(err, n,
                 "Invalid value %s for configuration replica.selector.class: Class %s cannot be "
                 "found (available: %s, %s)",
                 sel, sel, cfg_selectors[CFG_SELECTOR_LEADER],
                 cfg_selectors[CFG_SELECTOR_RACK_AWARE]);
        return KERR__INVAL;
    }
    for (int i = 0; i < CFG_NDEFS; i++) {
        if (!c->values[i]) continue;
        if (cfg_validate(&cfg_defs[i], c->values[i], err, n) != KERR_NONE) {
            size_t l = strlen(err);
            snprintf(err + l, n > l ? n - l : 0, " (from %s)", c->sources[i]);
            return KERR__INVAL;
        }
    }
    const char *zk = cfg_str(c, "zookeeper.connect");
    if (!*zk) {
        snprintf(err, n,
                 "Missing required configuration \"zookeeper.connect\" which has no "
                 "default value.");
        return KERR__INVAL;
    }
    if (cfg_int(c, "broker.id") < 0) {
        snprintf(err, n,
                 "Invalid value %lld for configuration broker.id: a broker.id >= 0 is "
                 "required (id generation through ZooKeeper is not supported)",
                 (long long)cfg_int(c, "broker.id"));
        return KERR__INVAL;
    }
    cfg_listener_t ls[16];
    int nl = cfg_listeners(c, "listeners", ls, 16, err, n);
    if (nl < 0) return KERR__INVAL;
    if (nl == 0) {
        snprintf(err, n, "Invalid value for configuration listeners: no listener");
        return KERR__INVAL;
    }
    const char *http = cfg_str(c, "http.listeners");
    if (*http) {
        char host[256], why[200];
        int port;
        if (strchr(http, ',') ||
            http_parse_listener(http, host, sizeof(host), &port, why, sizeof(why)) != 0) {
            snprintf(err, n, "Invalid value %s for configuration http.listeners: %s", http,
                     strchr(http, ',') ? "one http://HOST:PORT listener is supported" : why);
            return KERR__INVAL;
        }
    }
    if (cfg_check_connect_urls(c, err, n) != KERR_NONE) return KERR__INVAL;
    return cfg_check_security(c, ls, nl, err, n);
}

bool cfg_entry(const cfg_t *c, int i, const char **key, const char **value, cfg_type_t *type,
               bool *is_default)
{
    if (i < 0 || i >= CFG_NDEFS) return false;
    *key = cfg_defs[i].key;
    *value = c->values[i] ? c->values[i] : cfg_defs[i].dflt;
    *type = cfg_defs[i].type;
    *is_default = c->values[i] == NULL;
    return true;
}
