/* ev.c: epoll reactor with a timer heap and an eventfd-woken post queue (see ev.h).
 * fds are tracked in an array indexed by fd, each with a generation counter, so an fd that is
 * deleted (and perhaps reused) inside a callback never receives a stale event from the same
 * epoll_wait batch. */
#include "ev.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ktime.h"

#define EV_MAX_EVENTS 256
#define EV_WAKE_TAG   UINT64_MAX /* epoll data of the eventfd; fd entries are gen << 32 | fd */

typedef struct ev_fdent {
    ev_fd_cb *cb;
    void *arg;
    uint32_t events;
    uint32_t gen; /* bumped on every add/del */
    bool used;
} ev_fdent_t;

typedef struct ev_timer {
    int64_t when;
    uint64_t id; /* also the tie-breaker: ids grow with add order */
    ev_timer_cb *cb;
    void *arg;
} ev_timer_t;

typedef struct ev_post {
    struct ev_post *next;
    ev_post_cb *cb;
    void *arg;
} ev_post_t;

struct ev_loop {
    int epfd;
    int wakefd;
    ev_fdent_t *fds;
    int nfds; /* size of fds[] */
    ev_timer_t *heap;
    size_t nheap, capheap;
    uint64_t next_timer_id;
    pthread_mutex_t mu; /* guards the post queue and stop */
    ev_post_t *posts, *posts_tail;
    bool stop;
    int64_t now;
};

ev_loop_t *ev_new(void)
{
    ev_loop_t *l = calloc(1, sizeof(*l));
    if (!l) return NULL;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->epfd < 0 || l->wakefd < 0) {
        int e = errno;
        if (l->epfd >= 0) close(l->epfd);
        if (l->wakefd >= 0) close(l->wakefd);
        free(l);
        errno = e;
        return NULL;
    }
    struct epoll_event ee = {.events = EPOLLIN};
    ee.data.u64 = EV_WAKE_TAG;
    epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ee);
    pthread_mutex_init(&l->mu, NULL);
    l->next_timer_id = 1;
    l->now = ktime_mono_ms();
    return l;
}

void ev_free(ev_loop_t *l)
{
    if (!l) return;
    ev_post_t *p = l->posts;
    while (p) {
        ev_post_t *n = p->next;
        free(p);
        p = n;
    }
    close(l->epfd);
    close(l->wakefd);
    pthread_mutex_destroy(&l->mu);
    free(l->fds);
    free(l->heap);
    free(l);
}

static uint32_t ev_to_epoll(uint32_t events)
{
    return ((events & EV_READ) ? EPOLLIN : 0) | ((events & EV_WRITE) ? EPOLLOUT : 0);
}

int ev_fd_add(ev_loop_t *l, int fd, uint32_t events, ev_fd_cb *cb, void *arg)
{
    if (fd < 0) {
        errno = EBADF;
        return -1;
    }
    if (fd >= l->nfds) {
        int n = l->nfds ? l->nfds : 64;
        while (n <= fd) n *= 2;
        ev_fdent_t *f = realloc(l->fds, (size_t)n * sizeof(*f));
        if (!f) {
            errno = ENOMEM;
            return -1;
        }
        memset(f + l->nfds, 0, (size_t)(n - l->nfds) * sizeof(*f));
        l->fds = f;
        l->nfds = n;
    }
    struct epoll_event ee = {.events = ev_to_epoll(events), .data.u64 = 0};
    ev_fdent_t *e = &l->fds[fd];
    e->gen++;
    ee.data.u64 = ((uint64_t)e->gen << 32) | (uint32_t)fd;
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ee) != 0) return -1;
    e->cb = cb;
    e->arg = arg;
    e->events = events;
    e->used = true;
    return 0;
}

int ev_fd_mod(ev_loop_t *l, int fd, uint32_t events)
{
    if (fd < 0 || fd >= l->nfds || !l->fds[fd].used) {
        errno = EBADF;
        return -1;
    }
    ev_fdent_t *e = &l->fds[fd];
    struct epoll_event ee = {.events = ev_to_epoll(events),
                             .data.u64 = ((uint64_t)e->gen << 32) | (uint32_t)fd};
    if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ee) != 0) return -1;
    e->events = events;
    return 0;
}

void ev_fd_del(ev_loop_t *l, int fd)
{
    if (fd < 0 || fd >= l->nfds || !l->fds[fd].used) return;
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
    l->fds[fd].used = false;
    l->fds[fd].gen++;
}

/* ---- timers: binary min-heap on (when, id) ---- */

static bool ev_timer_less(const ev_timer_t *a, const ev_timer_t *b)
{
    return a->when < b->when || (a->when == b->when && a->id < b->id);
}

static void ev_heap_up(ev_loop_t *l, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_timer_less(&l->heap[i], &l->heap[p])) break;
        ev_timer_t t = l->heap[i];
        l->heap[i] = l->heap[p];
        l->heap[p] = t;
        i = p;
    }
}

static void ev_heap_down(ev_loop_t *l, size_t i)
{
    for (;;) {
        size_t c = 2 * i + 1, m = i;
        if (c < l->nheap && ev_timer_less(&l->heap[c], &l->heap[m])) m = c;
        if (c + 1 < l->nheap && ev_timer_less(&l->heap[c + 1], &l->heap[m])) m = c + 1;
        if (m == i) return;
        ev_timer_t t = l->heap[i];
        l->heap[i] = l->heap[m];
        l->heap[m] = t;
        i = m;
    }
}

ev_timer_id_t ev_timer_add(ev_loop_t *l, int64_t delay_ms, ev_timer_cb *cb, void *arg)
{
    if (l->nheap == l->capheap) {
        size_t cap = l->capheap ? l->capheap * 2 : 64;
        ev_timer_t *h = realloc(l->heap, cap * sizeof(*h));
        if (!h) abort();
        l->heap = h;
        l->capheap = cap;
    }
    ev_timer_t *t = &l->heap[l->nheap++];
    t->when = ktime_mono_ms() + (delay_ms > 0 ? delay_ms : 0);
    ev_timer_id_t id = l->next_timer_id++;
    t->id = id;
    t->cb = cb;
    t->arg = arg;
    ev_heap_up(l, l->nheap - 1); /* moves entries: t may no longer be ours after this */
    return id;
}

/* Cancel by removing the entry from the heap directly (O(n) find, O(log n) fix): timers are
 * few (one per delayed request), and this leaves nothing behind to leak. */
void ev_timer_cancel(ev_loop_t *l, ev_timer_id_t id)
{
    for (size_t i = 0; i < l->nheap; i++) {
        if (l->heap[i].id != id) continue;
        l->heap[i] = l->heap[--l->nheap];
        if (i < l->nheap) {
            ev_heap_up(l, i);
            ev_heap_down(l, i);
        }
        return;
    }
}

static void ev_run_timers(ev_loop_t *l)
{
    int64_t now = ktime_mono_ms();
    while (l->nheap > 0 && l->heap[0].when <= now) {
        ev_timer_t t = l->heap[0];
        l->heap[0] = l->heap[--l->nheap];
        if (l->nheap) ev_heap_down(l, 0);
        t.cb(l, t.arg);
    }
}

/* ---- posts ---- */

int ev_post(ev_loop_t *l, ev_post_cb *cb, void *arg)
{
    ev_post_t *p = malloc(sizeof(*p));
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    p->next = NULL;
    p->cb = cb;
    p->arg = arg;
    pthread_mutex_lock(&l->mu);
    if (l->posts_tail)
        l->posts_tail->next = p;
    else
        l->posts = p;
    l->posts_tail = p;
    pthread_mutex_unlock(&l->mu);
    uint64_t one = 1;
    ssize_t w = write(l->wakefd, &one, sizeof(one));
    (void)w; /* EAGAIN means the counter is already non-zero: the loop will wake */
    return 0;
}

static void ev_run_posts(ev_loop_t *l)
{
    uint64_t v;
    ssize_t r = read(l->wakefd, &v, sizeof(v));
    (void)r;
    pthread_mutex_lock(&l->mu);
    ev_post_t *p = l->posts;
    l->posts = l->posts_tail = NULL;
    pthread_mutex_unlock(&l->mu);
    while (p) {
        ev_post_t *n = p->next;
        p->cb(l, p->arg);
        free(p);
        p = n;
    }
}

void ev_stop(ev_loop_t *l)
{
    pthread_mutex_lock(&l->mu);
    l->stop = true;
    pthread_mutex_unlock(&l->mu);
    uint64_t one = 1;
    ssize_t w = write(l->wakefd, &one, sizeof(one));
    (void)w;
}

static bool ev_stopped(ev_loop_t *l)
{
    pthread_mutex_lock(&l->mu);
    bool s = l->stop;
    pthread_mutex_unlock(&l->mu);
    return s;
}

int64_t ev_now_ms(ev_loop_t *l)
{
    return l->now;
}

int ev_run(ev_loop_t *l)
{
    struct epoll_event evs[EV_MAX_EVENTS];
    while (!ev_stopped(l)) {
        l->now = ktime_mono_ms();
        int timeout = -1;
        if (l->nheap > 0) {
            int64_t d = l->heap[0].when - l->now;
            timeout = d <= 0 ? 0 : (d > 60000 ? 60000 : (int)d);
        }
        int n = epoll_wait(l->epfd, evs, EV_MAX_EVENTS, timeout);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        l->now = ktime_mono_ms();
        /* Each event carries the generation it was registered with: a delete (and maybe a
         * re-add of the same fd number) inside a callback suppresses stale events. */
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u64 == EV_WAKE_TAG) {
                ev_run_posts(l);
                continue;
            }
            int fd = (int)(uint32_t)evs[i].data.u64;
            uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
            if (fd < 0 || fd >= l->nfds) continue;
            ev_fdent_t *e = &l->fds[fd];
            if (!e->used || e->gen != gen) continue;
            uint32_t got = 0;
            if (evs[i].events & EPOLLIN) got |= EV_READ;
            if (evs[i].events & EPOLLOUT) got |= EV_WRITE;
            if (evs[i].events & (EPOLLERR | EPOLLHUP)) got |= EV_ERROR | EV_READ;
            e->cb(l, fd, got, e->arg);
        }
        ev_run_timers(l);
    }
    return 0;
}
