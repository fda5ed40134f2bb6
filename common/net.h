/* net.h: TCP socket helpers. Every returned fd is non-blocking and close-on-exec.
 * Errors are returned as -1 with a message in err (never just errno). Any thread. */
#ifndef NET_H
#define NET_H

#include <stddef.h>

/* Listen on host:port (host "" or "0.0.0.0" = any IPv4; names are resolved). SO_REUSEADDR.
 * port 0 picks a free port; net_local_port() tells which. */
int net_listen_tcp(const char *host, int port, int backlog, char *err, size_t errlen);
/* Accept one connection: non-blocking, TCP_NODELAY. Returns -1 with errno EAGAIN when none.
 * peer (may be NULL) receives "ip:port". */
int net_accept(int lfd, char *peer, size_t peerlen);
/* Start a non-blocking connect; completion is signalled by writability (check with
 * net_connect_result). */
int net_connect_tcp(const char *host, int port, char *err, size_t errlen);
/* 0 when a non-blocking connect succeeded, else the socket error (errno value). */
int net_connect_result(int fd);
int net_local_port(int fd);
int net_set_nonblock(int fd);

#endif
