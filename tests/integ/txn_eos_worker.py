#!/usr/bin/python3
"""txn_eos_worker.py: a consume-transform-produce process with exactly-once semantics
(KIP-98/447), for test_txn_eos.py to kill -9 and restart.

usage: txn_eos_worker.py BOOTSTRAP IN_TOPIC OUT_TOPIC GROUP TRANSACTIONAL_ID END [BATCH]
  END: the input's end offsets, "partition:offset,..."; the worker exits 0 once its
  committed position reached them all. BATCH: records per transaction at most (1000).

Each input record at (p, o) with value v becomes one output record "p:o:v" on output partition
p. A batch is one transaction: the outputs plus the consumer's positions sent with
send_offsets_to_transaction. The input partitions are assigned, not subscribed, so a restart
after kill -9 does not wait for the dead member's session to time out; the committed offsets
still go through the group coordinator (TxnOffsetCommit), and init_transactions with the same
transactional.id fences the killed instance and aborts its open transaction."""
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition



def log(*a):
    print("eos-worker:", *a, file=sys.stderr, flush=True)


def rewind(consumer, parts):
    """Seek every partition back to the group's committed offset (after an abort)."""
    for tp in consumer.committed(parts, timeout=60):
        off = tp.offset if tp.offset >= 0 else 0
        consumer.seek(TopicPartition(tp.topic, tp.partition, off))


def run_batch(producer, consumer, out_topic, msgs):
    producer.begin_transaction()
    for m in msgs:
        value = b"%d:%d:%s" % (m.partition(), m.offset(), m.value())
        while True:
            try:
                producer.produce(out_topic, value=value, partition=m.partition())
                break
            except BufferError:
                producer.poll(0.1)
    positions = consumer.position(consumer.assignment())
    producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 60)
    producer.commit_transaction(60)


def main():
    boot, in_topic, out_topic, group, tid, end_arg = sys.argv[1:7]
    batch = int(sys.argv[7]) if len(sys.argv) > 7 else 1000
    end = {int(p): int(o) for p, o in (x.split(":") for x in end_arg.split(","))}
    producer = Producer({"bootstrap.servers": boot, "transactional.id": tid, "linger.ms": 5,
                         "transaction.timeout.ms": 60000})
    # First fence the previous instance: its open transaction (and pending offset commit) is
    # aborted before the committed offsets are read below.
    producer.init_transactions(120)
    consumer = Consumer({"bootstrap.servers": boot, "group.id": group,
                         "isolation.level": "read_committed", "enable.auto.commit": False,
                         "auto.offset.reset": "earliest",
                         # small fetches per partition, so one batch (transaction) holds
                         # records of every input partition, not one partition after another
                         "max.partition.fetch.bytes": 4096})
    parts = [TopicPartition(in_topic, p) for p in sorted(end)]
    start = consumer.committed(parts, timeout=120)
    consumer.assign([TopicPartition(in_topic, tp.partition, tp.offset) for tp in start])
    log("started at", {tp.partition: tp.offset for tp in start})
    done = {tp.partition: tp.offset for tp in start}
    while any(done.get(p, -1) < o for p, o in end.items()):
        msgs = [m for m in consumer.consume(batch, 1.0) if m.error() is None]
        if not msgs:
            continue
        try:
            run_batch(producer, consumer, out_topic, msgs)
            for m in msgs:
                done[m.partition()] = max(done.get(m.partition(), -1), m.offset() + 1)
        except KafkaException as e:
            err = e.args[0]
            if err.fatal():
                log("fatal:", err)
                return 2
            if not err.txn_requires_abort():
                log("retriable/unknown state, restarting:", err)
                return 3
            log("abortable, aborting and rewinding:", err)
            producer.abort_transaction(60)
            rewind(consumer, parts)
            done = {tp.partition: tp.offset for tp in consumer.committed(parts, timeout=60)}
    log("reached end", done)
    consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
