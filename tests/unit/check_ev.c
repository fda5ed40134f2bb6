/* check_ev.c: the reactor: timer order and cancellation (also thousands of timers cancelled in
 * any order, and stale ids), fd readiness, deleting an fd inside its callback, posts from other
 * threads delivered once and in order, ev_stop from a thread. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ev.h"
#include "ktime.h"
#include "testutil.h"

static int order[16], norder;

static void rec_timer(ev_loop_t *l, void *arg)
{
    order[norder++] = (int)(intptr_t)arg;
    if (norder == 4) ev_stop(l);
}

START_TEST(test_timers_fire_in_deadline_then_add_order)
{
    ev_loop_t *l = ev_new();
    norder = 0;
    ev_timer_add(l, 30, rec_timer, (void *)3);
    ev_timer_add(l, 10, rec_timer, (void *)1);
    ev_timer_add(l, 20, rec_timer, (void *)2);
    ev_timer_add(l, 30, rec_timer, (void *)4); /* same deadline as 3: after it */
    int64_t t0 = ktime_mono_ms();
    ev_run(l);
    ck_assert_int_ge(ktime_mono_ms() - t0, 29);
    ck_assert_int_eq(norder, 4);
    for (int i = 0; i < 4; i++) ck_assert_int_eq(order[i], i + 1);
    ev_free(l);
}
END_TEST

static ev_timer_id_t victim;
static void cancel_other(ev_loop_t *l, void *arg)
{
    (void)arg;
    ev_timer_cancel(l, victim);
    order[norder++] = 100;
}
static void stop_timer(ev_loop_t *l, void *arg)
{
    (void)arg;
    ev_stop(l);
}

START_TEST(test_cancel_including_from_another_timer)
{
    ev_loop_t *l = ev_new();
    norder = 0;
    ev_timer_id_t a = ev_timer_add(l, 5, rec_timer, (void *)7);
    ev_timer_cancel(l, a);
    ev_timer_add(l, 10, cancel_other, NULL);
    victim = ev_timer_add(l, 20, rec_timer, (void *)8);
    ev_timer_add(l, 40, stop_timer, NULL);
    ev_run(l);
    ck_assert_int_eq(norder, 1);
    ck_assert_int_eq(order[0], 100);
    ev_timer_cancel(l, 12345); /* unknown id: no-op */
    ev_free(l);
}
END_TEST

/* ev_timer_add returns the id of the timer it added even when the new entry moves up the heap
 * (an earlier deadline than timers already pending): every id is distinct and cancels its own
 * timer only. */
START_TEST(test_timer_ids_unique_and_cancel_their_own)
{
    ev_loop_t *l = ev_new();
    norder = 0;
    ev_timer_id_t ids[64];
    for (int i = 0; i < 64; i++)
        ids[i] = ev_timer_add(l, 1000 - i * 10, rec_timer, (void *)(intptr_t)i);
    for (int i = 0; i < 64; i++)
        for (int j = i + 1; j < 64; j++) ck_assert(ids[i] != ids[j]);
    for (int i = 0; i < 64; i++)
        if (i != 63) ev_timer_cancel(l, ids[i]); /* leave the earliest (i = 63) */
    ev_timer_add(l, 500, stop_timer, NULL);
    ev_run(l);
    ck_assert_int_eq(norder, 1);
    ck_assert_int_eq(order[0], 63);
    ev_free(l);
}
END_TEST

/* Many timers in five deadline classes; a random half cancelled up front, more cancelled by
 * timers as they fire (including ones that already fired: no-ops). The rest fire exactly once,
 * within a class in add order, and the cancelled never. */
#define MANY 5000
static ev_timer_id_t many_ids[MANY];
static int many_fired[MANY], many_seq[MANY], many_nseq, many_left;
static bool many_cancelled[MANY];

static void many_timer(ev_loop_t *l, void *arg)
{
    int i = (int)(intptr_t)arg;
    many_fired[i]++;
    many_seq[many_nseq++] = i;
    ev_timer_cancel(l, many_ids[i]); /* itself: already fired */
    int j = (i * 7919 + 13) % MANY;  /* and some other timer, pending or not */
    if (!many_cancelled[j] && !many_fired[j]) {
        many_cancelled[j] = true;
        many_left--;
    }
    ev_timer_cancel(l, many_ids[j]);
    if (--many_left <= 0) ev_stop(l);
}

START_TEST(test_many_timers_cancel_in_any_order)
{
    ev_loop_t *l = ev_new();
    srand(3);
    many_nseq = 0;
    for (int i = 0; i < MANY; i++) {
        many_fired[i] = 0;
        many_cancelled[i] = false;
        many_ids[i] = ev_timer_add(l, (i % 5) * 5, many_timer, (void *)(intptr_t)i);
    }
    many_left = MANY;
    for (int i = 0; i < MANY; i++)
        if (rand() % 2) {
            ev_timer_cancel(l, many_ids[i]);
            ev_timer_cancel(l, many_ids[i]); /* twice: no-op */
            many_cancelled[i] = true;
            many_left--;
        }
    ev_timer_add(l, 1000, stop_timer, NULL); /* a guard */
    ev_run(l);
    int last[5] = {-1, -1, -1, -1, -1};
    for (int k = 0; k < many_nseq; k++) {
        int i = many_seq[k];
        ck_assert_int_gt(i, last[i % 5]); /* add order within a deadline class */
        last[i % 5] = i;
    }
    for (int i = 0; i < MANY; i++) {
        ck_assert_int_le(many_fired[i], 1);
        if (!many_fired[i]) ck_assert(many_cancelled[i]);
    }
    ev_free(l);
}
END_TEST

/* An id stays dead once its timer fired or was cancelled, even when a new timer takes its
 * place in the reactor's tables. */
START_TEST(test_stale_id_does_not_cancel_a_newer_timer)
{
    ev_loop_t *l = ev_new();
    norder = 0;
    ev_timer_id_t a = ev_timer_add(l, 10, rec_timer, (void *)1);
    ev_timer_cancel(l, a);
    ev_timer_id_t b = ev_timer_add(l, 10, rec_timer, (void *)2); /* may reuse a's place */
    ck_assert(a != b);
    ev_timer_cancel(l, a); /* stale: b must survive */
    ev_timer_cancel(l, 0); /* never an id */
    ev_timer_add(l, 50, stop_timer, NULL);
    ev_run(l);
    ck_assert_int_eq(norder, 1);
    ck_assert_int_eq(order[0], 2);
    ev_timer_cancel(l, b); /* fired: no-op */
    ev_free(l);
}
END_TEST

static int reads;
static void on_read(ev_loop_t *l, int fd, uint32_t ev, void *arg)
{
    (void)arg;
    ck_assert(ev & EV_READ);
    char b[16];
    ck_assert_int_gt(read(fd, b, sizeof(b)), 0);
    reads++;
    ev_fd_del(l, fd); /* inside its own callback */
    ev_stop(l);
}

START_TEST(test_fd_readiness_and_delete_in_callback)
{
    ev_loop_t *l = ev_new();
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    reads = 0;
    ck_assert_int_eq(ev_fd_add(l, sv[0], EV_READ, on_read, NULL), 0);
    ck_assert_int_eq(write(sv[1], "hi", 2), 2);
    ev_run(l);
    ck_assert_int_eq(reads, 1);
    /* deleted: more data produces no callback */
    ck_assert_int_eq(write(sv[1], "again", 5), 5);
    ev_timer_add(l, 30, stop_timer, NULL);
    ev_run(l);
    ck_assert_int_eq(reads, 1);
    close(sv[0]);
    close(sv[1]);
    ev_free(l);
}
END_TEST

static int writable;
static void on_write(ev_loop_t *l, int fd, uint32_t ev, void *arg)
{
    (void)fd;
    (void)arg;
    if (ev & EV_WRITE) writable++;
    ev_stop(l);
}

START_TEST(test_write_interest)
{
    ev_loop_t *l = ev_new();
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    writable = 0;
    ck_assert_int_eq(ev_fd_add(l, sv[0], 0, on_write, NULL), 0);
    ck_assert_int_eq(ev_fd_mod(l, sv[0], EV_WRITE), 0);
    ev_run(l);
    ck_assert_int_eq(writable, 1);
    close(sv[0]);
    close(sv[1]);
    ev_free(l);
}
END_TEST

#define POSTERS 4
#define POSTS   10000
static int last_seen[POSTERS], delivered;
static ev_loop_t *post_loop;

static void on_post(ev_loop_t *l, void *arg)
{
    intptr_t v = (intptr_t)arg;
    int t = (int)(v / POSTS), i = (int)(v % POSTS);
    ck_assert_int_eq(i, last_seen[t] + 1); /* per-thread order */
    last_seen[t] = i;
    if (++delivered == POSTERS * POSTS) ev_stop(l);
}

static void *poster(void *arg)
{
    intptr_t t = (intptr_t)arg;
    for (int i = 0; i < POSTS; i++) ev_post(post_loop, on_post, (void *)(t * POSTS + i));
    return NULL;
}

START_TEST(test_posts_from_threads_exactly_once_in_order)
{
    post_loop = ev_new();
    delivered = 0;
    for (int t = 0; t < POSTERS; t++) last_seen[t] = -1;
    pthread_t th[POSTERS];
    for (intptr_t t = 0; t < POSTERS; t++) pthread_create(&th[t], NULL, poster, (void *)t);
    ev_run(post_loop);
    for (int t = 0; t < POSTERS; t++) pthread_join(th[t], NULL);
    ck_assert_int_eq(delivered, POSTERS * POSTS);
    ev_free(post_loop);
}
END_TEST

static void *stopper(void *arg)
{
    usleep(20000);
    ev_stop(arg);
    return NULL;
}

START_TEST(test_stop_from_another_thread)
{
    ev_loop_t *l = ev_new();
    pthread_t th;
    pthread_create(&th, NULL, stopper, l);
    ck_assert_int_eq(ev_run(l), 0);
    pthread_join(th, NULL);
    ev_free(l);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ev");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_timers_fire_in_deadline_then_add_order);
    tcase_add_test(tc, test_cancel_including_from_another_timer);
    tcase_add_test(tc, test_timer_ids_unique_and_cancel_their_own);
    tcase_add_test(tc, test_many_timers_cancel_in_any_order);
    tcase_add_test(tc, test_stale_id_does_not_cancel_a_newer_timer);
    tcase_add_test(tc, test_fd_readiness_and_delete_in_callback);
    tcase_add_test(tc, test_write_interest);
    tcase_add_test(tc, test_posts_from_threads_exactly_once_in_order);
    tcase_add_test(tc, test_stop_from_another_thread);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
