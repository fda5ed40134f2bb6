/* ev.h: the epoll reactor. One loop per broker owns all broker state (DESIGN.md section 3).
 *
 * - fd events: level-triggered EV_READ / EV_WRITE interest per fd, one callback per fd.
 * - timers: one-shot, millisecond resolution, on the monotonic clock; cancel by id.
 * - posts: ev_post() may be called from ANY thread (ZooKeeper completions, worker pool);
 *   the callback runs on the loop thread, in post order, woken through an eventfd.
 * Everything else may be called only on the loop thread.
 * Owner: the loop owns its internal structures; it never closes or frees user fds or args. */
#ifndef EV_H
#define EV_H

#include <stdint.h>

#define EV_READ  1u
#define EV_WRITE 2u
/* Also reported to fd callbacks (never requested): peer hung up or socket error. */
#define EV_ERROR 4u

typedef struct ev_loop ev_loop_t;
typedef uint64_t ev_timer_id_t; /* 0 is never a valid id */

typedef void ev_fd_cb(ev_loop_t *loop, int fd, uint32_t events, void *arg);
typedef void ev_timer_cb(ev_loop_t *loop, void *arg);
typedef void ev_post_cb(ev_loop_t *loop, void *arg);

/* NULL on failure (errno set). */
ev_loop_t *ev_new(void);
/* Frees the loop; pending posts are dropped without being called. */
void ev_free(ev_loop_t *loop);

/* Register fd with interest mask (EV_READ|EV_WRITE). Returns 0, or -1 with errno. */
int ev_fd_add(ev_loop_t *loop, int fd, uint32_t events, ev_fd_cb *cb, void *arg);
/* Change the interest mask of a registered fd. */
int ev_fd_mod(ev_loop_t *loop, int fd, uint32_t events);
/* Unregister (before closing the fd). Safe to call from inside the fd's own callback; no
 * further callback for that fd is made in the current iteration. */
void ev_fd_del(ev_loop_t *loop, int fd);

/* Call cb once after delay_ms (>= 0). Timers with equal deadlines fire in add order. */
ev_timer_id_t ev_timer_add(ev_loop_t *loop, int64_t delay_ms, ev_timer_cb *cb, void *arg);
/* Cancel a pending timer; a no-op if it already fired or was cancelled. */
void ev_timer_cancel(ev_loop_t *loop, ev_timer_id_t id);

/* Any thread. Queue cb(loop, arg) to run on the loop thread. Returns 0 or -1 (ENOMEM). */
int ev_post(ev_loop_t *loop, ev_post_cb *cb, void *arg);

/* Run until ev_stop(). Returns 0, or -1 if epoll_wait fails for a reason other than EINTR. */
int ev_run(ev_loop_t *loop);
/* Any thread. Makes ev_run() return after the current iteration. */
void ev_stop(ev_loop_t *loop);

/* Monotonic ms, cached at the start of each loop iteration (cheap). Loop thread. */
int64_t ev_now_ms(ev_loop_t *loop);

#endif
