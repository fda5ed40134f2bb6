/* drill_verify.h: what kafka-drill concludes from what it sent, what the brokers acknowledged
 * and what a consumer read back: messages lost, duplicated, out of order, and the
 * unavailability window around a fault. Pure bookkeeping on sequence numbers (no I/O, no
 * librdkafka, libc only) so the arithmetic is unit-tested on synthetic sequences
 * (tests/unit/check_drill_verify.c).
 * Sequence numbers are 0..n-1 in the order the producer sent them; every message carries its
 * own. Owner: dv_new's caller frees with dv_free. Not thread-safe: the caller serialises. */
#ifndef DRILL_VERIFY_H
#define DRILL_VERIFY_H

#include <stdint.h>

typedef struct dv dv_t;

typedef struct dv_counts {
    int64_t sent;            /* handed to the producer */
    int64_t acked;           /* delivery reported without error */
    int64_t failed;          /* delivery reported with an error (not acknowledged) */
    int64_t consumed;        /* distinct (partition, offset) read back that carry a sent seq */
    int64_t lost;            /* acknowledged, never read back */
    int64_t duplicated;      /* extra copies: a seq read back at more than one offset */
    int64_t out_of_order;    /* a first copy at an offset after a higher seq's (same partition) */
    int64_t unacked_written; /* read back but never acknowledged (in flight at a fault) */
    int64_t offset_mismatch; /* acknowledged at an offset that was read holding another seq */
    int64_t rewritten;       /* live reads the final log no longer holds (at that offset) */
    int64_t first_lost;      /* lowest lost seq, -1 when none */
} dv_counts_t;

/* Availability around a fault at t_fault (microseconds, the clock of dv_sent and dv_acked),
 * per partition, reported for the worst one: the unavailability window runs from the last ack
 * at or before the fault to the first ack of a message sent after it (acks of messages that
 * were in flight at the fault do not count as being available again). */
typedef struct dv_window {
    int32_t partition;   /* the worst partition, -1 when no partition had an ack before */
    int64_t last_before; /* its last ack at or before the fault, -1 when none */
    int64_t first_after; /* its first ack of a message sent after the fault, -1 when none */
    int64_t window;      /* first_after - last_before; -1 when no ack came after */
    int64_t longest_gap; /* longest time without an ack in any partition, up to t_end: the
                          * outage as a producer saw it (from gap_from to gap_to) */
    int64_t gap_from, gap_to;
    int32_t gap_partition;
} dv_window_t;

dv_t *dv_new(void);
void dv_free(dv_t *dv);
void dv_sent(dv_t *dv, int64_t seq, int64_t t_us);
void dv_acked(dv_t *dv, int64_t seq, int32_t partition, int64_t offset, int64_t t_us);
void dv_failed(dv_t *dv, int64_t seq);
/* The final pass over the log, after the drill: what counts for lost, duplicated, order. */
void dv_read(dv_t *dv, int32_t partition, int64_t offset, int64_t seq);
/* What a consumer read while the drill ran: consumers only see committed messages, so each of
 * these must still be in the final log at the same offset. */
void dv_read_live(dv_t *dv, int32_t partition, int64_t offset, int64_t seq);
int64_t dv_last_ack(const dv_t *dv); /* time of the latest ack, -1 when none */
int64_t dv_nacked(const dv_t *dv);
void dv_count(dv_t *dv, dv_counts_t *out);
void dv_window(const dv_t *dv, int64_t t_fault, int64_t t_end, dv_window_t *out);

#endif
