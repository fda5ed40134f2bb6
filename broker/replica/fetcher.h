/* fetcher.h: follower fetchers (Kafka's ReplicaFetcherThread, as state machines on the
 * reactor): one per source broker, covering every partition this broker follows from it.
 *
 * A partition joins in FETCH_TRUNCATE: the fetcher asks the leader (OffsetForLeaderEpoch v3,
 * replica id = this broker) where the leader's log ends for our latest leader epoch, and cuts
 * our log there (KIP-101; KIP-279: when the leader answers with an older epoch, the cut is at
 * the lower of its end offset and ours for that epoch). Then FETCH_ACTIVE: one Fetch (v11, in
 * a KIP-227 fetch session: fshandler.h) at a time for all active partitions from their log
 * end, an incremental one naming only partitions that moved; the leader parks it up
 * to replica.fetch.wait.max.ms. Fetched batches are CRC-checked and appended with their
 * offsets; the high watermark follows the leader's. Errors delay the partition by
 * replica.fetch.backoff.ms (the controller's next LeaderAndIsr usually settles them); a
 * connection failure delays the whole fetcher.
 *
 * A fetcher knows nothing of the replica manager: what it does to a partition's log (append,
 * truncate, take the leader's high watermark and log start) goes through the callbacks of
 * fetcher_deps_t, given at creation.
 *
 * Owner: the replica manager (rmgr_fetch.c keeps one per leader broker and frees idle ones).
 * Reactor thread only. */
#ifndef FETCHER_H
#define FETCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

typedef struct fetcher fetcher_t;
typedef struct ev_loop ev_loop_t;
typedef struct cfg cfg_t;
typedef struct partition partition_t;
typedef struct rthrottle rthrottle_t;
typedef struct plog_append_info plog_append_info_t;

/* What a fetcher works with; every pointer is borrowed and must outlive the fetcher. The
 * callbacks get arg first and run on the reactor, from the fetcher's answer handling. */
typedef struct fetcher_deps {
    ev_loop_t *loop;
    const cfg_t *cfg;      /* replica.fetch.* settings; NULL = Kafka's defaults */
    int32_t self;          /* this broker: the replica id of our requests */
    rthrottle_t *throttle; /* follower replication throttle (rthrottle.h) */
    /* Append fetched batches, offsets kept. */
    kerr_t (*append)(void *arg, partition_t *part, uint8_t *buf, size_t len,
                     plog_append_info_t *info);
    /* Cut part's log at offset (divergence with the leader). */
    kerr_t (*truncate)(void *arg, partition_t *part, int64_t offset);
    /* The leader's high watermark / log start offset, as seen in a fetch answer. */
    void (*leader_hw)(void *arg, partition_t *part, int64_t hw);
    void (*leader_log_start)(void *arg, partition_t *part, int64_t log_start);
    void *arg;
} fetcher_deps_t;

#define FETCHER_VERSION      11 /* Fetch */
#define FETCHER_OFLE_VERSION 3  /* OffsetForLeaderEpoch */

/* A fetcher from broker leader at host:port, working through deps (copied; what it points
 * to is borrowed). */
fetcher_t *fetcher_new(const fetcher_deps_t *deps, int32_t leader, const char *host, int port);
/* Partitions still attached get part->fetcher NULL; an answer in flight is dropped. */
void fetcher_free(fetcher_t *f);
int32_t fetcher_leader(const fetcher_t *f);
/* The leader's address changed (a new registration): later requests go to host:port. */
void fetcher_set_addr(fetcher_t *f, const char *host, int port);
/* Follow part from this fetcher's broker, starting with truncation. */
void fetcher_add(fetcher_t *f, partition_t *part);
/* Stop following part (sets part->fetcher NULL); an answer in flight for it is dropped. */
void fetcher_remove(fetcher_t *f, partition_t *part);
/* No partitions and nothing in flight: may be freed. */
bool fetcher_idle(const fetcher_t *f);
/* Send the next request if none is in flight: truncations first, then one fetch for every
 * active partition whose delay is over (also run by the tick, to retry delayed ones). */
void fetcher_kick(fetcher_t *f);

#endif
