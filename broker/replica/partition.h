/* partition.h: one partition as this broker hosts it (Kafka's Partition): its log, role,
 * replicas and ISR, the leader's view of each follower, the follower's fetch state. The
 * replica manager (rmgr.h) creates, changes and frees partitions; the other replica modules
 * (fetcher, throttles, log moves, replica selection) read them and need only this header.
 * Reactor thread only. */
#ifndef PARTITION_H
#define PARTITION_H

#include <stdbool.h>
#include <stdint.h>

#define PARTITION_MAX_RF 16

typedef struct plog plog_t;
typedef struct fetcher fetcher_t;
typedef struct rmgr_wlink rmgr_wlink_t;
typedef struct pidmap pidmap_t;

/* What the leader knows of one follower. */
typedef struct replica_state {
    int32_t id;
    int64_t leo;                   /* from its last fetch; -1 unknown */
    int64_t log_start;             /* its log start offset from its last fetch; -1 unknown */
    int64_t last_fetch_ms;         /* monotonic */
    int64_t last_fetch_leader_leo; /* the leader's log end when that fetch arrived */
    int64_t last_caught_up_ms;     /* last time it had everything the leader had */
} replica_state_t;

typedef enum follow_state {
    FETCH_NONE,     /* not following */
    FETCH_TRUNCATE, /* must ask the leader where our logs diverge */
    FETCH_ACTIVE,   /* fetching from fetch offset = log end */
} follow_state_t;

typedef struct partition {
    char *topic;
    int32_t index;
    uint8_t topic_id[16];
    plog_t *log;
    bool is_leader;
    int32_t leader;       /* -1 = none */
    int32_t leader_epoch; /* -1 = never told */
    int32_t partition_epoch;
    int32_t nreplicas, replicas[PARTITION_MAX_RF];
    int32_t nisr, isr[PARTITION_MAX_RF]; /* the committed ISR (ZooKeeper's) */
    int64_t hw;                          /* high watermark: consumers see offsets < hw */

    /* leader */
    int nfollowers;
    replica_state_t followers[PARTITION_MAX_RF];
    int64_t epoch_start_offset; /* log end when this leadership began */
    bool isr_inflight;          /* an AlterPartition is outstanding */
    int32_t npending, pending_isr[PARTITION_MAX_RF];
    int64_t isr_retry_ms; /* no new proposal before this (after a failure) */

    /* follower */
    fetcher_t *fetcher;
    follow_state_t fstate;
    int32_t trunc_epoch; /* FETCH_TRUNCATE: the epoch to ask about next, -1 our latest */
    int64_t delay_until_ms;

    pidmap_t *pids;        /* idempotent producers' state (pidstate.h) */
    rmgr_wlink_t *waiters; /* parked on this partition */
} partition_t;

/* Is id in part's committed ISR? */
static inline bool partition_in_isr(const partition_t *part, int32_t id)
{
    for (int32_t i = 0; i < part->nisr; i++)
        if (part->isr[i] == id) return true;
    return false;
}

#endif
