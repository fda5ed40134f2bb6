/* check_http.c: the Prometheus text writer (prom.c) and the HTTP server (http.c) on a real
 * reactor: a client thread talks to it over a loopback socket. */
#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ev.h"
#include "http.h"
#include "prom.h"
#include "testutil.h"

static char *wb_str(wbuf_t *wb)
{
    char *s = malloc(wb->len + 1);
    memcpy(s, wb->p, wb->len);
    s[wb->len] = '\0';
    return s;
}

START_TEST(test_prom_sample_escapes_label_values)
{
    wbuf_t wb;
    wbuf_init(&wb);
    prom_family(&wb, "x_total", "counter", "help text");
    prom_sample(&wb, "x_total", 3, NULL);
    prom_sample(&wb, "x_total", 1.5, "group", "a\"b\\c\nd", "topic", "t", NULL);
    char *s = wb_str(&wb);
    ck_assert_str_eq(s, "# HELP x_total help text\n# TYPE x_total counter\nx_total 3\n"
                        "x_total{group=\"a\\\"b\\\\c\\nd\",topic=\"t\"} 1.5\n");
    free(s);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_prom_histogram_buckets_are_cumulative)
{
    prom_hist_t h;
    memset(&h, 0, sizeof(h));
    prom_hist_observe(&h, 0.05); /* <= 0.1 */
    prom_hist_observe(&h, 0.7);  /* <= 1 */
    prom_hist_observe(&h, 1e9);  /* +Inf */
    wbuf_t wb;
    wbuf_init(&wb);
    prom_hist_write(&wb, "t_ms", "request", "Fetch", &h);
    char *s = wb_str(&wb);
    ck_assert_ptr_nonnull(strstr(s, "t_ms_bucket{request=\"Fetch\",le=\"0.1\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(s, "t_ms_bucket{request=\"Fetch\",le=\"0.5\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(s, "t_ms_bucket{request=\"Fetch\",le=\"1\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(s, "t_ms_bucket{request=\"Fetch\",le=\"30000\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(s, "t_ms_bucket{request=\"Fetch\",le=\"+Inf\"} 3\n"));
    ck_assert_ptr_nonnull(strstr(s, "t_ms_count{request=\"Fetch\"} 3\n"));
    free(s);
    wbuf_free(&wb);
}
END_TEST

START_TEST(test_http_parse_listener)
{
    char host[64], err[128];
    int port = -1;
    ck_assert_int_eq(
        http_parse_listener("http://127.0.0.1:8080", host, sizeof(host), &port, err, sizeof(err)),
        0);
    ck_assert_str_eq(host, "127.0.0.1");
    ck_assert_int_eq(port, 8080);
    ck_assert_int_eq(http_parse_listener("http://:9", host, sizeof(host), &port, err, sizeof(err)),
                     0);
    ck_assert_str_eq(host, "");
    const char *bad[] = {
        "127.0.0.1:80", "http://h", "http://h:", "http://h:70000", "http://h:80x", "https://h:1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_int_eq(http_parse_listener(bad[i], host, sizeof(host), &port, err, sizeof(err)),
                         -1);
}
END_TEST

/* ---- a server on a real loop, a client in a thread ---- */

typedef struct client {
    ev_loop_t *loop;
    int port;
    const char *request;
    char reply[4096];
} client_t;

static void echo_handler(void *arg, const http_req_t *req, http_resp_t *resp)
{
    (void)arg;
    const char *a = http_query(req, "a");
    if (strcmp(req->path, "/missing") == 0) resp->status = 404;
    wbuf_printf(&resp->body, "%s %s a=%s body=%s", req->method, req->path, a ? a : "-", req->body);
}

static void *client_run(void *arg)
{
    client_t *c = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        ssize_t w = write(fd, c->request, strlen(c->request));
        (void)w;
        size_t n = 0;
        ssize_t r;
        while (n < sizeof(c->reply) - 1 &&
               (r = read(fd, c->reply + n, sizeof(c->reply) - 1 - n)) > 0)
            n += (size_t)r;
        c->reply[n] = '\0';
    }
    close(fd);
    ev_stop(c->loop);
    return NULL;
}

/* ---- deferred answers: the handler suspends the request, a timer answers it ---- */

typedef struct later {
    ev_loop_t *loop;
    http_server_t **server;
    http_pending_t *pending;
    int mode; /* 0: answer from a timer, 1: answer inside the handler, 2: never (stop answers) */
} later_t;

static void later_answer(ev_loop_t *loop, void *arg)
{
    (void)loop;
    later_t *l = arg;
    wbuf_t wb;
    wbuf_init(&wb);
    wbuf_printf(&wb, "answered later");
    http_answer(l->pending, 202, "text/x-later", &wb);
}

static void later_stop(ev_loop_t *loop, void *arg)
{
    (void)loop;
    later_t *l = arg;
    http_server_stop(*l->server); /* answers the pending request 503 */
    *l->server = NULL;
}

static void later_handler(void *arg, const http_req_t *req, http_resp_t *resp)
{
    later_t *l = arg;
    wbuf_printf(&resp->body, "ignored: the answer is deferred");
    l->pending = http_defer(req);
    if (l->mode == 1)
        later_answer(l->loop, l);
    else
        ev_timer_add(l->loop, 30, l->mode == 0 ? later_answer : later_stop, l);
}

/* Run one request through a fresh server (handler(arg) or the echo handler when NULL); the
 * reply (status line, headers, body) in c. */
static void roundtrip_with(client_t *c, const char *request, later_t *later)
{
    ev_loop_t *loop = ev_new();
    char err[256];
    http_server_t *s = NULL;
    if (later) later->loop = loop, later->server = &s;
    s = http_server_start(loop, "127.0.0.1", 0, later ? later_handler : echo_handler, later, err,
                          sizeof(err));
    ck_assert_msg(s != NULL, "%s", err);
    c->loop = loop;
    c->port = http_server_port(s);
    c->request = request;
    ck_assert_int_gt(c->port, 0);
    pthread_t t;
    pthread_create(&t, NULL, client_run, c);
    ev_run(loop);
    pthread_join(t, NULL);
    http_server_stop(s);
    ev_free(loop);
}

static void roundtrip(client_t *c, const char *request)
{
    roundtrip_with(c, request, NULL);
}

START_TEST(test_http_deferred_answers)
{
    const char *req = "GET /later HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    for (int mode = 0; mode < 3; mode++) {
        client_t c;
        later_t l = {.mode = mode};
        roundtrip_with(&c, req, &l);
        if (mode < 2) {
            ck_assert_msg(strncmp(c.reply, "HTTP/1.1 202", 12) == 0, "%d: %s", mode, c.reply);
            ck_assert_ptr_nonnull(strstr(c.reply, "Content-Type: text/x-later\r\n"));
            ck_assert_ptr_nonnull(strstr(c.reply, "\r\n\r\nanswered later"));
            ck_assert_ptr_null(strstr(c.reply, "ignored"));
        } else {
            ck_assert_msg(strncmp(c.reply, "HTTP/1.1 503", 12) == 0, "stop: %s", c.reply);
        }
    }
}
END_TEST

START_TEST(test_http_get_with_query)
{
    client_t c;
    roundtrip(&c, "GET /metrics?a=42 HTTP/1.0\r\n\r\n");
    ck_assert_msg(strncmp(c.reply, "HTTP/1.0 200", 12) == 0 ||
                      strncmp(c.reply, "HTTP/1.1 200", 12) == 0,
                  "%s", c.reply);
    ck_assert_ptr_nonnull(strstr(c.reply, "\r\n\r\nGET /metrics a=42 body="));
}
END_TEST

START_TEST(test_http_post_body_and_status)
{
    client_t c;
    roundtrip(&c, "POST /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  "Content-Length: 11\r\n\r\n{\"k\":\"v\"}\r\n");
    ck_assert_msg(strncmp(c.reply, "HTTP/1.1 404", 12) == 0, "%s", c.reply);
    ck_assert_ptr_nonnull(strstr(c.reply, "POST /missing a=- body={\"k\":\"v\"}\r\n"));
}
END_TEST

START_TEST(test_http_listen_failure_is_an_error)
{
    ev_loop_t *loop = ev_new();
    char err[256];
    http_server_t *a =
        http_server_start(loop, "127.0.0.1", 0, echo_handler, NULL, err, sizeof(err));
    ck_assert_ptr_nonnull(a);
    http_server_t *b = http_server_start(loop, "127.0.0.1", http_server_port(a), echo_handler, NULL,
                                         err, sizeof(err));
    ck_assert_ptr_null(b);
    ck_assert_ptr_nonnull(strstr(err, "cannot listen"));
    http_server_stop(a);
    ev_free(loop);
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_prom_sample_escapes_label_values);
    tcase_add_test(tc, test_prom_histogram_buckets_are_cumulative);
    tcase_add_test(tc, test_http_parse_listener);
    tcase_add_test(tc, test_http_get_with_query);
    tcase_add_test(tc, test_http_post_body_and_status);
    tcase_add_test(tc, test_http_listen_failure_is_an_error);
    tcase_add_test(tc, test_http_deferred_answers);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(http_suite)
