/* mdcache.h: the broker's metadata cache: live brokers with their endpoints, topics with
 * partition leaders, replicas and ISR, the controller id. Fed by the controller (UpdateMetadata:
 * directly for the local controller), read by Metadata, DescribeCluster, Produce/Fetch routing.
 * Owner: the server. Every md_* pointer returned stays valid until the next mdcache_* update
 * call. Reactor thread only. */
#ifndef MDCACHE_H
#define MDCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev.h"
#include "md.h"

typedef struct mdcache mdcache_t;

/* loop: the reactor the metadata waiters' timers run on (borrowed, outlives the cache). */
mdcache_t *mdcache_new(ev_loop_t *loop);
/* Frees the cache; call mdcache_wait_cancel_all() first (waiters would leak). */
void mdcache_free(mdcache_t *md);

/* Metadata waiters (CreateTopics/DeleteTopics/CreatePartitions wait for the controller's
 * result to reach this cache): fn(arg, false) is called now and after every
 * mdcache_changed() until it returns true; fn(arg, true) is called once if timeout_ms passes
 * first. arg is the caller's and must stay valid until fn returns true or is called with
 * timed_out. */
typedef bool mdcache_check_fn(void *arg, bool timed_out);
void mdcache_wait(mdcache_t *md, int64_t timeout_ms, mdcache_check_fn *fn, void *arg);
/* The cache was updated (ctlapply.c, after a batch of mdcache_* updates): re-run the
 * waiters. */
void mdcache_changed(mdcache_t *md);
/* Shutdown: call every waiter with timed_out = true, so its request is answered and freed. */
void mdcache_wait_cancel_all(mdcache_t *md);

void mdcache_set_controller(mdcache_t *md, int32_t id);
int32_t mdcache_controller(const mdcache_t *md); /* -1 = unknown */

/* Replace the live broker set (copied). */
void mdcache_set_brokers(mdcache_t *md, const md_broker_t *b, int n);
const md_broker_t *mdcache_broker(const mdcache_t *md, int32_t id);
const md_broker_t *mdcache_brokers(const mdcache_t *md, int *n);

/* Insert or replace a topic (deep copy of t, including arrays). */
void mdcache_put_topic(mdcache_t *md, const md_topic_t *t);
void mdcache_remove_topic(mdcache_t *md, const char *name);
const md_topic_t *mdcache_topic(const mdcache_t *md, const char *name);
const md_part_t *mdcache_part(const mdcache_t *md, const char *topic, int32_t p);
/* Iterate: for (size_t it = 0; (t = mdcache_next_topic(md, &it));) */
const md_topic_t *mdcache_next_topic(const mdcache_t *md, size_t *it);
int mdcache_topic_count(const mdcache_t *md);

#endif
