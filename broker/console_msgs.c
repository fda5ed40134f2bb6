/* console_msgs.c: the console's message browser,
 *   GET /v1/topics/<topic>/partitions/<p>/messages?offset=N&limit=M
 * records at offsets >= N (or from the first with a timestamp >= T with ?timestamp=T, ms; by
 * default the last M below the high watermark; M <= 100, default 20)
 * read from this broker's log of the partition, when it leads it (409 with the leader's id
 * otherwise, as only the leader's high watermark is exact). Only offsets below the high
 * watermark are shown, as a consumer would see them; control batches are skipped. Keys,
 * values and header values are {"encoding": "text" | "hex", "data", "size", "truncated"}:
 * text when valid UTF-8, else hex; the first CMSG_MAX_SHOWN bytes only. Reads are bounded
 * (CMSG_MAX_READ bytes of log per request) and come from the page cache in practice, as a
 * group load's do.
 *   GET /v1/topics/<topic>/partitions/<p>/messages/<offset>/value
 * the whole value of that record (application/octet-stream; 404 when none or null), what the
 * page links to for a value it shows cut. Reactor thread. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl.h"
#include "console.h"
#include "console_auth.h"
#include "mdcache.h"
#include "rec/batch.h"
#include "rec/compress.h"
#include "replica/rmgr.h"
#include "store/plog.h"

#define CMSG_MAX_SHOWN   4096
#define CMSG_MAX_READ    (4u << 20)
#define CMSG_MAX_INFLATE (64u << 20)
#define CMSG_DEF_LIMIT   20
#define CMSG_MAX_LIMIT   100

/* Length of the longest prefix of p[0..n) that does not cut a UTF-8 sequence. */
static size_t cmsg_utf8_cut(const uint8_t *p, size_t n)
{
    size_t i = n;
    while (i > 0 && n - i < 4 && (p[i - 1] & 0xC0) == 0x80) i--;
    if (i > 0 && p[i - 1] >= 0xC0) {
        size_t need = p[i - 1] >= 0xF0 ? 4 : p[i - 1] >= 0xE0 ? 3 : 2;
        if (n - (i - 1) < need) return i - 1;
    }
    return n;
}

static json_t *cmsg_bytes(kbytes_t b)
{
    if (b.len < 0) return json_null();
    size_t n = (size_t)b.len, shown = n > CMSG_MAX_SHOWN ? CMSG_MAX_SHOWN : n;
    json_t *data = NULL;
    const char *enc = "text";
    if (memchr(b.p, 0, shown) == NULL)
        data = json_stringn((const char *)b.p, cmsg_utf8_cut(b.p, shown));
    if (!data) {
        static const char hex[] = "0123456789abcdef";
        char *h = malloc(shown * 2 + 1);
        if (!h) abort();
        for (size_t i = 0; i < shown; i++) {
            h[2 * i] = hex[b.p[i] >> 4];
            h[2 * i + 1] = hex[b.p[i] & 15];
        }
        data = json_stringn(h, shown * 2);
        free(h);
        enc = "hex";
    }
    return json_pack("{sssosIsb}", "encoding", enc, "data", data, "size", (json_int_t)n,
                     "truncated", shown < n);
}

static json_t *cmsg_headers(const batch_rec_t *r)
{
    json_t *a = json_array();
    rbuf_t rb;
    rbuf_init(&rb, r->headers, r->headers_len);
    for (int32_t i = 0; i < r->header_count && !rbuf_err(&rb); i++) {
        int32_t klen = rbuf_varint(&rb);
        const uint8_t *k = klen >= 0 ? rbuf_take(&rb, (size_t)klen) : NULL;
        int32_t vlen = rbuf_varint(&rb);
        const uint8_t *v = vlen >= 0 ? rbuf_take(&rb, (size_t)vlen) : NULL;
        if (rbuf_err(&rb) || !k) break;
        json_array_append_new(a, json_pack("{soso}", "key", cmsg_bytes((kbytes_t){k, klen}),
                                           "value", cmsg_bytes((kbytes_t){v, v ? vlen : -1})));
    }
    return a;
}

typedef struct cmsg_scan {
    int64_t from, upto; /* offsets [from, upto) */
    int limit;
    json_t *out;
    int64_t next; /* where the next page starts */
    wbuf_t scratch;
    wbuf_t *raw; /* set: copy the value of the record at from here instead (found: true) */
    bool found;
} cmsg_scan_t;

/* Add the records of the whole batches in buf[0..len); false once done. */
static bool cmsg_batches(cmsg_scan_t *s, const uint8_t *buf, size_t len)
{
    size_t pos = 0;
    batch_hdr_t h;
    while (pos < len && batch_hdr_parse(buf + pos, len - pos, &h) == KERR_NONE) {
        const uint8_t *p = buf + pos;
        pos += batch_size(&h);
        if (batch_last_offset(&h) < s->from) continue;
        s->next = batch_last_offset(&h) + 1;
        if (h.attributes & BATCH_ATTR_CONTROL) continue;
        rbuf_t rb;
        if (compress_batch_records(p, batch_size(&h), &h, CMSG_MAX_INFLATE, &s->scratch, &rb))
            continue;
        batch_rec_t r;
        while (batch_rec_next(&rb, &r)) {
            int64_t off = h.base_offset + r.offset_delta;
            if (off < s->from) continue;
            if (s->raw) { /* the first record at or after from: the one asked, or none */
                s->found = off == s->from && r.value.len >= 0;
                if (s->found) wbuf_append(s->raw, r.value.p, (size_t)r.value.len);
                return false;
            }
            if (off >= s->upto || (int)json_array_size(s->out) >= s->limit) {
                s->next = off;
                return false;
            }
            int64_t ts = (h.attributes & BATCH_ATTR_LOG_APPEND_TIME)
                             ? h.max_timestamp
                             : h.base_timestamp + r.timestamp_delta;
            json_array_append_new(s->out,
                                  json_pack("{sIsIsososo}", "offset", (json_int_t)off, "timestamp",
                                            (json_int_t)ts, "key", cmsg_bytes(r.key), "value",
                                            cmsg_bytes(r.value), "headers", cmsg_headers(&r)));
        }
        if (s->next >= s->upto) return false;
    }
    return true;
}

static void cmsg_read(plog_t *log, cmsg_scan_t *s)
{
    size_t budget = CMSG_MAX_READ;
    int64_t at = s->from;
    while (budget > 0 && at < s->upto) {
        uint8_t *buf;
        size_t len;
        if (plog_read_copy(log, at, budget, s->upto, &buf, &len) != KERR_NONE || len == 0) return;
        bool more = cmsg_batches(s, buf, len);
        free(buf);
        budget -= len < budget ? len : budget;
        if (!more || s->next <= at) return;
        at = s->next;
    }
}

static bool cmsg_num(const char *s, int64_t *out)
{
    if (!s || !*s) return false;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v < 0) return false;
    *out = v;
    return true;
}

/* GET .../messages/<offset>/value: the whole value of one record, as bytes to download. */
static void cmsg_value(plog_t *log, int64_t start, int64_t hw, int64_t offset, http_resp_t *resp)
{
    wbuf_t raw;
    wbuf_init(&raw);
    cmsg_scan_t s = {.from = offset, .upto = hw, .limit = 1, .next = offset, .raw = &raw};
    wbuf_init(&s.scratch);
    if (offset >= start && offset < hw) cmsg_read(log, &s);
    wbuf_free(&s.scratch);
    if (!s.found) {
        wbuf_free(&raw);
        console_error(resp, 404, "%s", "no record with a value at that offset");
        return;
    }
    resp->content_type = "application/octet-stream";
    wbuf_append(&resp->body, raw.p, raw.len);
    wbuf_free(&raw);
}

/* The partition of "partitions/<p>/messages[/<offset>/value]": -1 when rest is not that form;
 * *value_offset >= 0 for the value form. */
static int64_t cmsg_path(const char *rest, int64_t *value_offset)
{
    char *end = NULL;
    *value_offset = -1;
    if (strncmp(rest, "partitions/", 11) != 0) return -1;
    long long p = strtoll(rest + 11, &end, 10);
    if (end == rest + 11 || p < 0 || strncmp(end, "/messages", 9) != 0) return -1;
    end += 9;
    if (!*end) return p;
    char *vend = NULL;
    long long off = *end == '/' ? strtoll(end + 1, &vend, 10) : -1;
    if (off < 0 || vend == end + 1 || strcmp(vend, "/value") != 0) return -1;
    *value_offset = off;
    return p;
}

void console_messages(console_t *con, const char *topic, const char *rest, const http_req_t *req,
                      http_resp_t *resp)
{
    if (!cauth_need(con, req, resp, ACL_OP_READ, ACL_RES_TOPIC, topic)) return; /* as Fetch */
    const md_topic_t *t = mdcache_topic(con->d.md, topic);
    int64_t limit = CMSG_DEF_LIMIT, from = -1, value_offset;
    int64_t p = cmsg_path(rest, &value_offset);
    if (!t || p < 0 || p >= t->nparts) {
        console_error(resp, 404, "no such resource: %s", req->path);
        return;
    }
    const char *ls = http_query(req, "limit"), *os = http_query(req, "offset");
    const char *ts = http_query(req, "timestamp");
    int64_t at_ms = -1;
    if ((ls && (!cmsg_num(ls, &limit) || limit < 1 || limit > CMSG_MAX_LIMIT)) ||
        (os && !cmsg_num(os, &from)) || (ts && (os || !cmsg_num(ts, &at_ms)))) {
        console_error(resp, 400, "%s",
                      "offset or timestamp (ms) must be a number >= 0 (not both), limit 1 to 100");
        return;
    }
    partition_t *hp = rmgr_get(con->d.rmgr, topic, (int32_t)p);
    if (!hp || !hp->is_leader || !hp->log) {
        json_t *e = json_pack("{sssi}", "error", "this broker does not lead the partition",
                              "leader", t->parts[p].leader);
        console_send(resp, 409, e);
        return;
    }
    int64_t start = plog_start_offset(hp->log), hw = hp->hw;
    if (value_offset >= 0) {
        cmsg_value(hp->log, start, hw, value_offset, resp);
        return;
    }
    int64_t found_ts;
    if (at_ms >= 0 && plog_offset_for_time(hp->log, at_ms, &from, &found_ts) != KERR_NONE)
        from = hw; /* no record that late */
    if (from < 0) from = hw - limit;
    if (from < start) from = start;
    cmsg_scan_t s = {
        .from = from, .upto = hw, .limit = (int)limit, .out = json_array(), .next = from};
    wbuf_init(&s.scratch);
    if (from < hw) cmsg_read(hp->log, &s);
    wbuf_free(&s.scratch);
    if (s.next > hw) s.next = hw;
    console_send(resp, 200,
                 json_pack("{sssIsIsIsIsIso}", "topic", topic, "partition", (json_int_t)p,
                           "log_start_offset", (json_int_t)start, "high_watermark", (json_int_t)hw,
                           "offset", (json_int_t)from, "next_offset", (json_int_t)s.next,
                           "messages", s.out));
}
