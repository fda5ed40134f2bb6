/* check_httpc.c: the HTTP client (httpc.c): its head and chunk parsers on hand-made bytes, and
 * requests on a real reactor against common/http.c's server on the same loop (loopback), a
 * refused port, a listener that never answers (deadline) and answers over the size limit. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "http.h"
#include "httpc.h"
#include "net.h"

START_TEST(test_httpc_parse_head)
{
    size_t hl;
    int st;
    int64_t clen;
    bool chunked;
    const char *why = NULL;
    const char *ok = "HTTP/1.1 201 Created\r\ncontent-length:  12 \r\nX: y\r\n\r\n{\"a\":1}";
    ck_assert_int_eq(httpc_parse_head(ok, strlen(ok), &hl, &st, &clen, &chunked, &why), 1);
    ck_assert_int_eq(st, 201);
    ck_assert_int_eq(clen, 12);
    ck_assert(!chunked);
    ck_assert_str_eq(ok + hl, "{\"a\":1}");
    /* every strict prefix of the head asks for more */
    for (size_t cut = 0; cut < hl; cut++)
        ck_assert_int_eq(httpc_parse_head(ok, cut, &hl, &st, &clen, &chunked, &why), 0);
    const char *ch = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
    ck_assert_int_eq(httpc_parse_head(ch, strlen(ch), &hl, &st, &clen, &chunked, &why), 1);
    ck_assert(chunked);
    ck_assert_int_eq(clen, -1);
    const char *bad[] = {"FTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(httpc_parse_head(bad[i], strlen(bad[i]), &hl, &st, &clen, &chunked, &why) ==
                          -1,
                      "%s", bad[i]);
}
END_TEST

START_TEST(test_httpc_dechunk)
{
    wbuf_t out;
    wbuf_init(&out);
    const char *why = NULL;
    const char *body =
        "4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\n";
    ck_assert_int_eq(httpc_dechunk(body, strlen(body), &out, 100, &why), 1);
    ck_assert_int_eq(out.len, 24);
    ck_assert(memcmp(out.p, "Wikipedia in \r\n\r\nchunks.", 24) == 0);
    for (size_t cut = 0; cut < strlen(body); cut++)
        ck_assert_int_eq(httpc_dechunk(body, cut, &out, 100, &why), 0);
    ck_assert_int_eq(httpc_dechunk(body, strlen(body), &out, 23, &why), -2);
    /* a huge announced chunk is refused before anything is read or allocated */
    ck_assert_int_eq(httpc_dechunk("FFFFFFFFFF\r\n", 12, &out, 1 << 20, &why), -2);
    ck_assert_int_eq(httpc_dechunk("zz\r\n", 4, &out, 100, &why), -1);
    ck_assert_int_eq(httpc_dechunk("3\r\nabcX\r\n", 9, &out, 100, &why), -1);
    wbuf_free(&out);
}
END_TEST

/* ---- requests on a real loop ---- */

typedef struct result {
    ev_loop_t *loop;
    int calls;
    kerr_t err;
    int status;
    bool sent;
    char body[4096];
    char why[256];
} result_t;

static void on_done(void *arg, kerr_t err, const httpc_res_t *res)
{
    result_t *r = arg;
    r->calls++;
    r->err = err;
    r->status = res->status;
    r->sent = res->sent;
    snprintf(r->body, sizeof(r->body), "%s", res->body);
    snprintf(r->why, sizeof(r->why), "%s", res->why);
    ev_stop(r->loop);
}

static void server_handler(void *arg, const http_req_t *req, http_resp_t *resp)
{
    (void)arg;
    if (strcmp(req->path, "/none") == 0) {
        resp->status = 204;
        return;
    }
    if (strcmp(req->path, "/big") == 0) {
        for (int i = 0; i < 1000; i++) wbuf_printf(&resp->body, "0123456789");
        return;
    }
    const char *ct = http_header(req, "Content-Type");
    resp->status = strcmp(req->method, "POST") == 0 ? 201 : 200;
    wbuf_printf(&resp->body, "%s %s ct=%s body=%s", req->method, req->path, ct ? ct : "-",
                req->body);
}

/* One request on a fresh loop (ev_stop is final for a loop), against the test server on that
 * loop when base is NULL. */
static void run(result_t *r, const char *base, const char *method, const char *target,
                const char *body, int64_t timeout_ms, size_t max)
{
    ev_loop_t *loop = ev_new();
    char err[256], own[64];
    http_server_t *s = NULL;
    if (!base) {
        s = http_server_start(loop, "127.0.0.1", 0, server_handler, NULL, err, sizeof(err));
        ck_assert_msg(s != NULL, "%s", err);
        snprintf(own, sizeof(own), "http://127.0.0.1:%d", http_server_port(s));
        base = own;
    }
    memset(r, 0, sizeof(*r));
    r->loop = loop;
    httpc_request(loop, base, method, target, body, body ? strlen(body) : 0, NULL, timeout_ms, max,
                  on_done, r);
    ck_assert_int_eq(r->calls, 0); /* never called back from inside httpc_request */
    ev_run(loop);
    ck_assert_int_eq(r->calls, 1);
    http_server_stop(s);
    ev_free(loop);
}

START_TEST(test_httpc_against_the_server)
{
    result_t r;
    run(&r, NULL, "GET", "/a?x=1", NULL, 5000, 1 << 20);
    ck_assert_int_eq(r.err, KERR_NONE);
    ck_assert_int_eq(r.status, 200);
    ck_assert(r.sent);
    ck_assert_str_eq(r.body, "GET /a ct=- body=");
    run(&r, NULL, "POST", "/c", "{\"k\":\"v\"}", 5000, 1 << 20);
    ck_assert_int_eq(r.status, 201);
    ck_assert_str_eq(r.body, "POST /c ct=application/json body={\"k\":\"v\"}");
    run(&r, NULL, "PUT", "/p", NULL, 5000, 1 << 20);
    ck_assert_str_eq(r.body, "PUT /p ct=application/json body=");
    run(&r, NULL, "DELETE", "/none", NULL, 5000, 1 << 20);
    ck_assert_int_eq(r.err, KERR_NONE);
    ck_assert_int_eq(r.status, 204);
    ck_assert_str_eq(r.body, "");
    run(&r, NULL, "GET", "/big", NULL, 5000, 10000);
    ck_assert_int_eq(r.err, KERR_NONE);
    ck_assert_int_eq(strlen(r.body), 4095); /* copied into 4 KiB here; 10000 received */
    run(&r, NULL, "GET", "/big", NULL, 5000, 9999);
    ck_assert_int_eq(r.err, KERR__TOO_LARGE);
    ck_assert_int_eq(r.status, 0);
}
END_TEST

START_TEST(test_httpc_failures)
{
    char err[256], base[64];
    result_t r;
    /* a port nobody listens on: refused, nothing sent */
    int lfd = net_listen_tcp("127.0.0.1", 0, 1, err, sizeof(err));
    ck_assert_int_ge(lfd, 0);
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", net_local_port(lfd));
    close(lfd);
    run(&r, base, "POST", "/x", "{}", 5000, 1 << 20);
    ck_assert_int_eq(r.err, KERR__TRANSPORT);
    ck_assert(!r.sent);
    ck_assert_msg(strstr(r.why, "refused") != NULL, "%s", r.why);
    /* a listener that never answers: the deadline */
    lfd = net_listen_tcp("127.0.0.1", 0, 1, err, sizeof(err));
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", net_local_port(lfd));
    run(&r, base, "GET", "/x", NULL, 200, 1 << 20);
    ck_assert_int_eq(r.err, KERR__TIMEDOUT);
    ck_assert(r.sent);
    close(lfd);
    /* not a URL */
    run(&r, "localhost:1", "GET", "/", NULL, 200, 100);
    ck_assert_int_eq(r.err, KERR__INVAL);
    ck_assert_msg(strstr(r.why, "http://HOST:PORT") != NULL, "%s", r.why);
    /* cancelled: no callback */
    ev_loop_t *loop = ev_new();
    memset(&r, 0, sizeof(r));
    httpc_cancel(httpc_request(loop, "http://127.0.0.1:1", "GET", "/", NULL, 0, NULL, 100, 100,
                               on_done, &r));
    ck_assert_int_eq(r.calls, 0);
    ev_free(loop);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("httpc");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_httpc_parse_head);
    tcase_add_test(tc, test_httpc_dechunk);
    tcase_add_test(tc, test_httpc_against_the_server);
    tcase_add_test(tc, test_httpc_failures);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
