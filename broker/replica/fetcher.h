/* fetcher.h: follower fetchers (Kafka's ReplicaFetcherThread, as state machines on the
 * reactor): one per source broker, covering every partition this broker follows from it.
 *
 * A partition joins in FETCH_TRUNCATE: the fetcher asks the leader (OffsetForLeaderEpoch v3,
 * replica id = this broker) where the leader's log ends for our latest leader epoch, and cuts
 * our log there (KIP-101; KIP-279: when the leader answers with an older epoch, the cut is at
 * the lower of its end offset and ours for that epoch). Then FETCH_ACTIVE: one Fetch (v11,
 * sessionless) at a time for all active partitions from their log end; the leader parks it up
 * to replica.fetch.wait.max.ms. Fetched batches are CRC-checked and appended with their
 * offsets; the high watermark follows the leader's. Errors delay the partition by
 * replica.fetch.backoff.ms (the controller's next LeaderAndIsr usually settles them); a
 * connection failure delays the whole fetcher.
 *
 * Owner: the server (srv->fetchers). Reactor thread only. */
#ifndef FETCHER_H
#define FETCHER_H

#include <stdint.h>

typedef struct server server_t;
typedef struct fetcher fetcher_t;
typedef struct partition partition_t;

#define FETCHER_VERSION      11 /* Fetch */
#define FETCHER_OFLE_VERSION 3  /* OffsetForLeaderEpoch */

/* The fetcher for broker leader (created on first use; its address follows host:port). */
fetcher_t *fetcher_get(server_t *srv, int32_t leader, const char *host, int port);
/* Follow part from this fetcher's broker, starting with truncation. */
void fetcher_add(fetcher_t *f, partition_t *part);
/* Stop following part (sets part->fetcher NULL); an answer in flight for it is dropped. */
void fetcher_remove(fetcher_t *f, partition_t *part);
/* Retry delayed partitions and fetchers, free idle fetchers. */
void fetcher_tick_all(server_t *srv, int64_t now_ms);
void fetcher_free_all(server_t *srv);

#endif
