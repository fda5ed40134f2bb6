/* net.c: IPv4 TCP sockets, non-blocking and close-on-exec. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int net_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int net_resolve(const char *host, int port, struct sockaddr_in *sa, char *err, size_t n)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (!host || !*host || strcmp(host, "0.0.0.0") == 0) {
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
        return 0;
    }
    if (inet_pton(AF_INET, host, &sa->sin_addr) == 1) return 0;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, n, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    sa->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
    freeaddrinfo(res);
    return 0;
}

/* A non-blocking, close-on-exec TCP socket for host:port (resolved into *sa) with the int
 * option level/opt set to 1; -1 with err set on failure. */
static int net_socket_for(const char *host, int port, struct sockaddr_in *sa, int level, int opt,
                          char *err, size_t errlen)
{
    if (net_resolve(host, port, sa, err, errlen) != 0) return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, level, opt, &one, sizeof(one));
    return fd;
}

int net_listen_tcp(const char *host, int port, int backlog, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    int fd = net_socket_for(host, port, &sa, SOL_SOCKET, SO_REUSEADDR, err, errlen);
    if (fd < 0) return -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, backlog) != 0) {
        snprintf(err, errlen, "bind/listen %s:%d: %s", host && *host ? host : "0.0.0.0", port,
                 strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int net_accept(int lfd, char *peer, size_t peerlen)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = accept4(lfd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (peer) {
        char ip[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
        snprintf(peer, peerlen, "%s:%d", ip, ntohs(sa.sin_port));
    }
    return fd;
}

int net_connect_tcp(const char *host, int port, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    int fd = net_socket_for(host, port, &sa, IPPROTO_TCP, TCP_NODELAY, err, errlen);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
        snprintf(err, errlen, "connect %s:%d: %s", host, port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int net_connect_result(int fd)
{
    int e = 0;
    socklen_t len = sizeof(e);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0) return errno;
    return e;
}

int net_local_port(int fd)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0) return -1;
    return ntohs(sa.sin_port);
}
