/* clireq.c: the tools' blocking request helper (see clireq.h). */
#include "clireq.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "net.h"
#include "proto/kp.h"

/* No answer to a tool's request comes near this; a larger size is refused unread. */
#define CLIREQ_MAX_RESPONSE (64 << 20)

int clireq_open(const char *host, int port, int timeout_ms)
{
    char err[256];
    int fd = net_connect_tcp(host, port, err, sizeof(err));
    if (fd < 0) return -1;
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    if (poll(&pfd, 1, timeout_ms) != 1 || net_connect_result(fd) != 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return fd;
}

/* Read or write exactly n bytes; false on error, timeout or EOF. */
static bool clireq_io(int fd, void *p, size_t n, bool writing)
{
    uint8_t *b = p;
    while (n > 0) {
        ssize_t k = writing ? write(fd, b, n) : read(fd, b, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return false;
        b += k;
        n -= (size_t)k;
    }
    return true;
}

bool clireq_call(int fd, int16_t api_key, int16_t ver, bool flexible, const char *client_id,
                 const wbuf_t *req, uint8_t **body, size_t *len, size_t *hdr_len)
{
    wbuf_t wb;
    wbuf_init(&wb);
    size_t at = wbuf_reserve_i32(&wb);
    kp_req_hdr_t h = {api_key, ver, 1, KSTR(client_id)};
    kp_req_hdr_encode(&wb, flexible, &h);
    wbuf_append(&wb, req->p, req->len);
    wbuf_put_i32_at(&wb, at, (int32_t)(wb.len - 4));
    bool ok = clireq_io(fd, wb.p, wb.len, true);
    wbuf_free(&wb);
    uint8_t sz[4];
    if (!ok || !clireq_io(fd, sz, 4, false)) return false;
    uint32_t n = ((uint32_t)sz[0] << 24) | ((uint32_t)sz[1] << 16) | ((uint32_t)sz[2] << 8) | sz[3];
    if (n < 4 || n > CLIREQ_MAX_RESPONSE) return false;
    *body = malloc(n);
    if (!*body || !clireq_io(fd, *body, n, false)) {
        free(*body);
        return false;
    }
    rbuf_t rb;
    rbuf_init(&rb, *body, n);
    int32_t corr = rbuf_i32(&rb);
    if (flexible) rbuf_skip_tags(&rb);
    if (rbuf_err(&rb) || corr != h.correlation_id) {
        free(*body);
        return false;
    }
    *len = n;
    *hdr_len = n - rbuf_left(&rb);
    return true;
}
