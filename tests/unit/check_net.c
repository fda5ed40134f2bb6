/* check_net.c: listen on an ephemeral 127.0.0.1 port, connect, accept, exchange bytes; a
 * connect to a closed port reports the error. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "net.h"
#include "testutil.h"

static void wait_fd(int fd, short ev)
{
    struct pollfd p = {.fd = fd, .events = ev};
    ck_assert_int_eq(poll(&p, 1, 5000), 1);
}

START_TEST(test_listen_connect_accept_exchange)
{
    char err[256];
    int l = net_listen_tcp("127.0.0.1", 0, 16, err, sizeof(err));
    ck_assert_int_ge(l, 0);
    int port = net_local_port(l);
    ck_assert_int_gt(port, 0);
    int c = net_connect_tcp("127.0.0.1", port, err, sizeof(err));
    ck_assert_int_ge(c, 0);
    wait_fd(c, POLLOUT);
    ck_assert_int_eq(net_connect_result(c), 0);
    wait_fd(l, POLLIN);
    char peer[64];
    int a = net_accept(l, peer, sizeof(peer));
    ck_assert_int_ge(a, 0);
    ck_assert_ptr_nonnull(strstr(peer, "127.0.0.1:"));
    ck_assert_int_eq(write(c, "ping", 4), 4);
    wait_fd(a, POLLIN);
    char b[8];
    ck_assert_int_eq(read(a, b, sizeof(b)), 4);
    ck_assert(memcmp(b, "ping", 4) == 0);
    ck_assert_int_eq(net_accept(l, NULL, 0), -1); /* none pending, non-blocking */
    ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
    close(a);
    close(c);
    close(l);
}
END_TEST

START_TEST(test_connect_to_closed_port_fails)
{
    char err[256];
    int l = net_listen_tcp("127.0.0.1", 0, 1, err, sizeof(err));
    int port = net_local_port(l);
    close(l);
    int c = net_connect_tcp("127.0.0.1", port, err, sizeof(err));
    if (c >= 0) {
        wait_fd(c, POLLOUT);
        ck_assert_int_eq(net_connect_result(c), ECONNREFUSED);
        close(c);
    }
    ck_assert_int_eq(net_listen_tcp("no.such.host.invalid", 0, 1, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "no.such.host.invalid"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_listen_connect_accept_exchange);
    tcase_add_test(tc, test_connect_to_closed_port_fails);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
