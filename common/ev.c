/* ev.c: epoll reactor with a timer heap and an eventfd-woken post queue (see ev.h).
 * fds are tracked in an array indexed by fd, each with a generation counter, so an fd that is
 * deleted (and perhaps reused) inside a callback never receives a stale event from the same
 * epoll_wait batch.
 *
 * Timers: a binary min-heap on (deadline, add order), indexed: each timer owns a slot that
 * records where its entry sits in the heap, and its id names the slot and the slot's
 * generation, so cancel finds the entry in O(1) and removes it in O(log n). Every delayed
 * request, peer request and waiter has a timer that is usually cancelled, not fired, so a
 * cancel must not scan the heap. A slot's generation changes whenever its timer fires or is
 * cancelled: an old id then matches nothing. */
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
    uint64_t seq; /* add order: the tie-breaker for equal deadlines */
    uint32_t slot;
    ev_timer_cb *cb;
    void *arg;
} ev_timer_t;

/* A timer's slot: its heap position while pending; on the free list, the next free slot. */
typedef struct ev_tslot {
    uint32_t gen;
    uint32_t pos;
    bool live;
} ev_tslot_t;

#define EV_SLOT_NONE UINT32_MAX

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
    ev_tslot_t *slots;
    uint32_t nslots, free_slot; /* free_slot: head of the free list, EV_SLOT_NONE if empty */
    uint64_t next_seq;
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
    l->free_slot = EV_SLOT_NONE;
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
    free(l->slots);
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

/* ---- timers: indexed binary min-heap on (when, seq) ---- */

static bool ev_timer_less(const ev_timer_t *a, const ev_timer_t *b)
{
    return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

/* Put t at heap index i and record it in its slot. */
static void ev_heap_set(ev_loop_t *l, size_t i, const ev_timer_t *t)
{
    l->heap[i] = *t;
    l->slots[t->slot].pos = (uint32_t)i;
}

static void ev_heap_up(ev_loop_t *l, size_t i)
{
    ev_timer_t t = l->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_timer_less(&t, &l->heap[p])) break;
        ev_heap_set(l, i, &l->heap[p]);
        i = p;
    }
    ev_heap_set(l, i, &t);
}

static void ev_heap_down(ev_loop_t *l, size_t i)
{
    ev_timer_t t = l->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= l->nheap) break;
        if (c + 1 < l->nheap && ev_timer_less(&l->heap[c + 1], &l->heap[c])) c++;
        if (!ev_timer_less(&l->heap[c], &t)) break;
        ev_heap_set(l, i, &l->heap[c]);
        i = c;
    }
    ev_heap_set(l, i, &t);
}

/* Take entry i out of the heap (the last entry fills the hole) and free its slot. */
static void ev_heap_remove(ev_loop_t *l, size_t i)
{
    ev_tslot_t *s = &l->slots[l->heap[i].slot];
    uint32_t slot = l->heap[i].slot;
    s->live = false;
    s->gen++;
    s->pos = l->free_slot;
    l->free_slot = slot;
    if (i == --l->nheap) return;
    ev_heap_set(l, i, &l->heap[l->nheap]);
    if (i > 0 && ev_timer_less(&l->heap[i], &l->heap[(i - 1) / 2]))
        ev_heap_up(l, i);
    else
        ev_heap_down(l, i);
}

static uint32_t ev_slot_get(ev_loop_t *l)
{
    if (l->free_slot == EV_SLOT_NONE) {
        uint32_t n = l->nslots ? l->nslots * 2 : 64;
        ev_tslot_t *s = realloc(l->slots, (size_t)n * sizeof(*s));
        if (!s) abort();
        for (uint32_t i = l->nslots; i < n; i++)
            s[i] = (ev_tslot_t){.gen = 0, .pos = i + 1 < n ? i + 1 : EV_SLOT_NONE, .live = false};
        l->slots = s;
        l->free_slot = l->nslots;
        l->nslots = n;
    }
    uint32_t slot = l->free_slot;
    l->free_slot = l->slots[slot].pos;
    l->slots[slot].live = true;
    return slot;
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
    uint32_t slot = ev_slot_get(l);
    ev_timer_t t = {.when = ktime_mono_ms() + (delay_ms > 0 ? delay_ms : 0),
                    .seq = l->next_seq++,
                    .slot = slot,
                    .cb = cb,
                    .arg = arg};
    ev_heap_set(l, l->nheap++, &t);
    ev_heap_up(l, l->nheap - 1);
    /* slot + 1: an id is never 0 */
    return ((uint64_t)l->slots[slot].gen << 32) | ((uint64_t)slot + 1);
}

void ev_timer_cancel(ev_loop_t *l, ev_timer_id_t id)
{
    uint64_t lo = id & 0xffffffffu;
    if (lo == 0 || lo > l->nslots) return;
    ev_tslot_t *s = &l->slots[lo - 1];
    if (!s->live || s->gen != (uint32_t)(id >> 32)) return; /* fired, cancelled, or unknown */
    ev_heap_remove(l, s->pos);
}

static void ev_run_timers(ev_loop_t *l)
{
    int64_t now = ktime_mono_ms();
    while (l->nheap > 0 && l->heap[0].when <= now) {
        ev_timer_t t = l->heap[0];
        ev_heap_remove(l, 0); /* before the callback: cancelling itself there is a no-op */
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
