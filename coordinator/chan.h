/* chan.h: the controller's channels to the other brokers (Kafka's ControllerChannelManager).
 *
 * The ctl thread encodes LeaderAndIsr / UpdateMetadata / StopReplica requests and posts them
 * here; on the reactor each target broker has a FIFO sent one request at a time over its own
 * peer connection, so a broker sees the controller's decisions in the order they were made.
 * A request that fails on the connection is retried (after CHAN_RETRY_MS) until it is
 * answered or the broker's queue is dropped (the broker died, or this controller resigned).
 * Answers carrying an error are logged; the controller does not wait for them.
 *
 * Owner: the server creates and frees the manager (reactor thread). chan_post_* may be called
 * from any thread; everything else only on the reactor. */
#ifndef CHAN_H
#define CHAN_H

#include <stdint.h>

#include "buf.h"
#include "ev.h"

#define CHAN_RETRY_MS   500
#define CHAN_TIMEOUT_MS 30000

typedef struct chan_mgr chan_mgr_t;

chan_mgr_t *chan_mgr_new(ev_loop_t *loop, int32_t self_id);
void chan_mgr_free(chan_mgr_t *m);

/* Queue a request (flexible header v2) for broker at host:port; body is copied. */
void chan_post_request(chan_mgr_t *m, int32_t broker, const char *host, int port, int16_t api_key,
                       int16_t api_version, const wbuf_t *body);
/* Forget broker's queue and close its connection; broker -1 drops every queue. */
void chan_post_drop(chan_mgr_t *m, int32_t broker);

#endif
