/* zkpath.c: znode paths (the persistent set, path builders, quota entity paths) and Kafka
 * Uuids. The znodes' JSON is in zkpath_json.c (cluster-wide and broker znodes) and
 * zkpath_topic.c (topic assignments, partition state, reassignments); zkpath.h is the API. */
#include "zkpath.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static const char *const zkpath_persistent[] = {
    "/consumers",
    ZKPATH_BROKER_IDS,
    ZKPATH_BROKER_TOPICS,
    ZKPATH_CONFIG_CHANGES,
    ZKPATH_ADMIN_DELETE_TOPICS,
    "/brokers/seqid",
    ZKPATH_ISR_CHANGE_NOTIFICATION,
    ZKPATH_LATEST_PRODUCER_ID_BLOCK,
    "/log_dir_event_notification",
    ZKPATH_CONFIG_TOPICS,
    ZKPATH_CONFIG_CLIENTS,
    ZKPATH_CONFIG_USERS,
    ZKPATH_CONFIG_BROKERS,
    "/config/ips",
    NULL,
};

const char *const *zkpath_persistent_paths(void)
{
    return zkpath_persistent;
}

static kerr_t zkpath_fmt_check(int r, size_t n)
{
    return r < 0 || (size_t)r >= n ? KERR__TOO_LARGE : KERR_NONE;
}

kerr_t zkpath_broker(char *buf, size_t n, int32_t id)
{
    return zkpath_fmt_check(snprintf(buf, n, ZKPATH_BROKER_IDS "/%d", id), n);
}

kerr_t zkpath_topic(char *buf, size_t n, const char *topic)
{
    return zkpath_fmt_check(snprintf(buf, n, ZKPATH_BROKER_TOPICS "/%s", topic), n);
}

kerr_t zkpath_partition(char *buf, size_t n, const char *topic, int32_t p)
{
    return zkpath_fmt_check(snprintf(buf, n, ZKPATH_BROKER_TOPICS "/%s/partitions/%d", topic, p),
                            n);
}

kerr_t zkpath_partition_state(char *buf, size_t n, const char *topic, int32_t p)
{
    return zkpath_fmt_check(
        snprintf(buf, n, ZKPATH_BROKER_TOPICS "/%s/partitions/%d/state", topic, p), n);
}

kerr_t zkpath_topic_config(char *buf, size_t n, const char *topic)
{
    return zkpath_fmt_check(snprintf(buf, n, ZKPATH_CONFIG_TOPICS "/%s", topic), n);
}

kerr_t zkpath_broker_config(char *buf, size_t n, int32_t id)
{
    if (id < 0) return zkpath_fmt_check(snprintf(buf, n, ZKPATH_CONFIG_BROKERS "/<default>"), n);
    return zkpath_fmt_check(snprintf(buf, n, ZKPATH_CONFIG_BROKERS "/%d", id), n);
}

kerr_t zkpath_config_entity(char *buf, size_t n, const char *type, const char *name)
{
    return zkpath_fmt_check(snprintf(buf, n, "%s/%s", type, name ? name : "<default>"), n);
}

/* ---- client quota entities ---- */

kerr_t zkpath_sanitize(const char *name, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_';
        if (o + (plain ? 1 : 3) >= n) return KERR__TOO_LARGE;
        if (plain) {
            out[o++] = (char)*p;
        } else { /* URLEncoder's %XX of each UTF-8 byte; '*' and ' ' too, as Sanitizer does */
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    if (o >= n) return KERR__TOO_LARGE;
    out[o] = '\0';
    return KERR_NONE;
}

static int zkpath_hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

kerr_t zkpath_desanitize(const char *s, char *out, size_t n)
{
    size_t o = 0;
    for (; *s; s++) {
        if (o + 1 >= n) return KERR__TOO_LARGE;
        if (*s == '%') {
            int hi = zkpath_hexval(s[1]), lo = hi < 0 ? -1 : zkpath_hexval(s[2]);
            if (lo < 0) return KERR__BAD_MSG;
            out[o++] = (char)(hi * 16 + lo);
            s += 2;
        } else {
            out[o++] = *s == '+' ? ' ' : *s;
        }
    }
    out[o] = '\0';
    return KERR_NONE;
}

/* "<default>" or the sanitized name. */
static kerr_t zkpath_qname(const char *name, char *out, size_t n)
{
    if (!name) return zkpath_fmt_check(snprintf(out, n, ZKPATH_DEFAULT_ENTITY), n);
    return zkpath_sanitize(name, out, n);
}

kerr_t zkpath_qentity_path(char *buf, size_t n, const zkpath_qentity_t *e)
{
    char u[768], c[768];
    if (!e->has_user && !e->has_client) return KERR__BAD_MSG;
    if ((e->has_user && zkpath_qname(e->user, u, sizeof(u))) ||
        (e->has_client && zkpath_qname(e->client, c, sizeof(c))))
        return KERR__TOO_LARGE;
    if (!e->has_user) return zkpath_fmt_check(snprintf(buf, n, "clients/%s", c), n);
    if (!e->has_client) return zkpath_fmt_check(snprintf(buf, n, "users/%s", u), n);
    return zkpath_fmt_check(snprintf(buf, n, "users/%s/clients/%s", u, c), n);
}

/* One sanitized path component into out; *name = out, or NULL for <default>. */
static kerr_t zkpath_qpart(const char *s, size_t len, char *out, size_t n, const char **name)
{
    char tmp[768];
    if (len == 0 || len >= sizeof(tmp) || memchr(s, '/', len)) return KERR__BAD_MSG;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (strcmp(tmp, ZKPATH_DEFAULT_ENTITY) == 0) {
        *name = NULL;
        return KERR_NONE;
    }
    *name = out;
    return zkpath_desanitize(tmp, out, n) ? KERR__BAD_MSG : KERR_NONE;
}

kerr_t zkpath_qentity_parse(const char *path, zkpath_qentity_t *e, char *user, size_t un,
                            char *client, size_t cn)
{
    memset(e, 0, sizeof(*e));
    if (strncmp(path, "clients/", 8) == 0) {
        e->has_client = true;
        return zkpath_qpart(path + 8, strlen(path + 8), client, cn, &e->client);
    }
    if (strncmp(path, "users/", 6) != 0) return KERR__BAD_MSG;
    const char *u = path + 6, *sl = strchr(u, '/');
    e->has_user = true;
    if (zkpath_qpart(u, sl ? (size_t)(sl - u) : strlen(u), user, un, &e->user))
        return KERR__BAD_MSG;
    if (!sl) return KERR_NONE;
    if (strncmp(sl, "/clients/", 9) != 0) return KERR__BAD_MSG;
    e->has_client = true;
    return zkpath_qpart(sl + 9, strlen(sl + 9), client, cn, &e->client);
}

/* ---- Uuid ---- */

static const char zkpath_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void zkpath_uuid_encode(const uint8_t id[16], char out[23])
{
    size_t o = 0;
    for (int i = 0; i < 16; i += 3) {
        uint32_t v = (uint32_t)id[i] << 16;
        if (i + 1 < 16) v |= (uint32_t)id[i + 1] << 8;
        if (i + 2 < 16) v |= id[i + 2];
        out[o++] = zkpath_b64[(v >> 18) & 63];
        out[o++] = zkpath_b64[(v >> 12) & 63];
        if (i + 1 < 16) out[o++] = zkpath_b64[(v >> 6) & 63];
        if (i + 2 < 16) out[o++] = zkpath_b64[v & 63];
    }
    out[o] = '\0';
}

void zkpath_uuid_new(char out[23])
{
    uint8_t id[16];
    if (getrandom(id, sizeof(id), 0) != (ssize_t)sizeof(id)) {
        for (size_t i = 0; i < sizeof(id); i++) id[i] = (uint8_t)rand();
    }
    id[6] = (uint8_t)((id[6] & 0x0f) | 0x40); /* version 4, as Java's randomUUID */
    id[8] = (uint8_t)((id[8] & 0x3f) | 0x80);
    zkpath_uuid_encode(id, out);
}

kerr_t zkpath_uuid_decode(const char *s, uint8_t out[16])
{
    if (!s || strlen(s) != 22) return KERR__BAD_MSG;
    uint8_t buf[18] = {0};
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (int i = 0; i < 22; i++) {
        const char *p = strchr(zkpath_b64, s[i]);
        if (!p || !s[i]) return KERR__BAD_MSG;
        acc = (acc << 6) | (uint32_t)(p - zkpath_b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (uint8_t)(acc >> bits);
        }
    }
    memcpy(out, buf, 16);
    return KERR_NONE;
}
