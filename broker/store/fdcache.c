/* fdcache.c: the LRU of closed segments' read fds (see fdcache.h). An intrusive doubly linked
 * list: get and drop are O(1), eviction takes the tail. */
#include "fdcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"

#define FDCACHE_DEFAULT_CAPACITY 1024
#define FDCACHE_MIN_CAPACITY     16
#define FDCACHE_MAX_CAPACITY     8192

static struct {
    fdcache_ent_t *head, *tail;
    int count, capacity;
} fdc = {NULL, NULL, 0, FDCACHE_DEFAULT_CAPACITY};

void fdcache_ent_init(fdcache_ent_t *e)
{
    e->fd = -1;
    e->prev = e->next = NULL;
}

static void fdcache_unlink(fdcache_ent_t *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        fdc.head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        fdc.tail = e->prev;
    e->prev = e->next = NULL;
}

static void fdcache_push_front(fdcache_ent_t *e)
{
    e->prev = NULL;
    e->next = fdc.head;
    if (fdc.head) fdc.head->prev = e;
    fdc.head = e;
    if (!fdc.tail) fdc.tail = e;
}

void fdcache_drop(fdcache_ent_t *e)
{
    if (!e || e->fd < 0) return;
    fdcache_unlink(e);
    close(e->fd);
    e->fd = -1;
    fdc.count--;
}

int fdcache_shrink(int n)
{
    int closed = 0;
    while (closed < n && fdc.tail) {
        fdcache_drop(fdc.tail);
        closed++;
    }
    return closed;
}

int fdcache_get(fdcache_ent_t *e, const char *path)
{
    if (e->fd >= 0) {
        if (fdc.head != e) {
            fdcache_unlink(e);
            fdcache_push_front(e);
        }
        return e->fd;
    }
    if (fdc.count >= fdc.capacity) fdcache_shrink(fdc.count - fdc.capacity + 1);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && fdc.count > 0) {
        /* the process is out of fds: ours are the ones that can be given back */
        fdcache_shrink(fdc.count / 2 + 1);
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) return -1;
    e->fd = fd;
    fdcache_push_front(e);
    fdc.count++;
    return fd;
}

void fdcache_set_capacity(int n)
{
    fdc.capacity = n < 1 ? 1 : n;
    if (fdc.count > fdc.capacity) fdcache_shrink(fdc.count - fdc.capacity);
}

int fdcache_capacity(void)
{
    return fdc.capacity;
}

int fdcache_open_count(void)
{
    return fdc.count;
}

long fdcache_setup_limits(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_warn("fdcache", "getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
        return -1;
    }
    rlim_t was = rl.rlim_cur;
    if (rl.rlim_cur != rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            log_warn("fdcache", "raising the open file limit from %lu to %lu: %s",
                     (unsigned long)was, (unsigned long)rl.rlim_max, strerror(errno));
            rl.rlim_cur = was;
        }
    }
    long limit = rl.rlim_cur == RLIM_INFINITY ? 1L << 20 : (long)rl.rlim_cur;
    long cap = limit / 8;
    if (cap < FDCACHE_MIN_CAPACITY) cap = FDCACHE_MIN_CAPACITY;
    if (cap > FDCACHE_MAX_CAPACITY) cap = FDCACHE_MAX_CAPACITY;
    fdcache_set_capacity((int)cap);
    /* one fd per partition (its active segment) plus this cache plus the connections: an
     * operator sizing a broker needs this number */
    log_info("fdcache",
             "open file limit %ld (soft was %lu, hard %lu); up to %ld fds cached for reads "
             "of closed segments",
             limit, (unsigned long)was, (unsigned long)rl.rlim_max, cap);
    return limit;
}

kerr_t fdcache_errno_kerr(int err)
{
    return err == EMFILE || err == ENFILE ? KERR__NOFD : KERR__IO;
}
