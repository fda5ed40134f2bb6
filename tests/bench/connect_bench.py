"""connect_bench.py (make bench-connect, and part of make bench): Kafka Connect's record paths
on one broker in a real connect-standalone worker, with the worker's CPU seconds and peak RSS.
  file sink:   N records of 100 B already in a topic -> FileStreamSink -> a file
  file source: a file of N lines of 100 B -> FileStreamSource -> a topic (acks=all, idempotent)
  --pg adds the PostgreSQL rows of connect_pg.py (JdbcSink into a table, JdbcSource out of one).
Two rates per row, both measured by the bench polling the output (lines in the file, topic end
offsets, table rows) every ~20 ms:
  from start:   N / (worker start -> last record out): start-up, the connector's start and the
                consumer group join included;
  steady state: records out after the first poll that saw any / (that poll -> last record out).
The broker's __consumer_offsets is made before the first worker starts (warm_coordinator), as
on any cluster that has seen a consumer group: a fresh broker answers the first
FindCoordinator with COORDINATOR_NOT_AVAILABLE while it creates that topic, as Kafka's does,
and librdkafka asks again 1 s later. Worker CPU is utime+stime of the worker process from its
start to the last record out; peak RSS is its VmHWM (the kernel's high-water mark, not a
sample). The load average is printed with the table: on a shared machine the wall-clock
rates are a share of contended cores, the CPU seconds are the stable figure. Usage:
connect_bench.py [--records N] [--pg] [--upsert]"""
import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)

from benchdrv import loadavg  # noqa: E402
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from connectworker import Worker, write_props  # noqa: E402
from kafkabroker import Broker  # noqa: E402
from zkserver import ZooKeeper  # noqa: E402

POLL_S = 0.02


def proc_stats(pid):
    """(cpu seconds, peak rss MB) of a live process: utime+stime, and VmHWM."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    hwm = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return cpu, hwm


def measure(label, w, n, progress, timeout=300):
    """Start worker w and poll progress() (records out so far) until it reaches n. The row
    for the table: label, n, from-start and steady-state seconds, worker CPU, peak RSS."""
    t0 = time.monotonic()
    w.start(wait=False)
    first = first_n = None
    try:
        deadline = t0 + timeout
        while True:
            if w.proc.poll() is not None:
                raise RuntimeError("%s: the worker exited: %s" % (label, w.output()[-2000:]))
            got = progress()
            now = time.monotonic()
            if got and first is None:
                first, first_n = now, got
            if got >= n:
                break
            if now > deadline:
                raise TimeoutError("%s: %d of %d records in %d s" % (label, got, n, timeout))
            time.sleep(POLL_S)
        cpu, rss = proc_stats(w.proc.pid)
    finally:
        w.stop()
    steady_s = now - first
    return {"label": label, "n": n, "start_s": now - t0,
            "steady_s": steady_s, "steady_n": n - first_n, "cpu": cpu, "rss": rss}


def print_table(rows, records_note, load_at_start):
    print("Kafka Connect, connect-standalone, one broker, %s; load average %s at the start, "
          "%s at the end" % (records_note, " ".join(load_at_start), " ".join(loadavg())))
    print("| path | records | start->last s | records/s from start | first->last s "
          "| records/s steady | worker CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        # too few records to see more than one poll's worth: no steady state to speak of
        steady = ("%.0f" % (r["steady_n"] / r["steady_s"]) if r["steady_n"] and r["steady_s"]
                  else "n/a (raise --records)")
        print("| %s | %d | %.2f | %.0f | %.2f | %s | %.2f | %.1f |"
              % (r["label"], r["n"], r["start_s"], r["n"] / r["start_s"], r["steady_s"],
                 steady, r["cpu"], r["rss"]))
    sys.stdout.flush()


class LineCounter:
    """Lines in a growing file, read incrementally (each byte once)."""

    def __init__(self, path):
        self.path, self.pos, self.lines = path, 0, 0

    def __call__(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                chunk = f.read()
        except FileNotFoundError:
            return 0
        self.pos += len(chunk)
        self.lines += chunk.count(b"\n")
        return self.lines


class EndOffsets:
    """The sum of a topic's partitions' high watermarks (0 until the topic exists)."""

    def __init__(self, bootstrap, topic):
        self.topic = topic
        self.c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-probe"})

    def __call__(self):
        md = self.c.list_topics(self.topic, timeout=5).topics.get(self.topic)
        if not md or md.error or not md.partitions:
            return 0
        return sum(self.c.get_watermark_offsets(TopicPartition(self.topic, p), timeout=5)[1]
                   for p in md.partitions)

    def close(self):
        self.c.close()


def warm_coordinator(bootstrap, topic, timeout=60):
    """Commit an offset on an existing topic for a throwaway group, which needs the group
    coordinator, i.e. a ready __consumer_offsets."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-warmup"})
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                c.commit(offsets=[TopicPartition(topic, 0, 0)], asynchronous=False)
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        c.close()


def produce(bootstrap, topic, n, value_of):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50, "batch.num.messages": 10000,
                  "queue.buffering.max.messages": 1000000, "compression.type": "none"})
    for i in range(n):
        while True:
            try:
                p.produce(topic, value_of(i))
                break
            except BufferError:
                p.poll(0.1)
        if i % 10000 == 0:
            p.poll(0)
    if p.flush(120):
        raise RuntimeError("could not produce %d records to %s" % (n, topic))


def bench_file_sink(tmp, broker, n):
    value = b"x" * 100
    produce(broker.bootstrap, "bench-in", n, lambda i: value)
    warm_coordinator(broker.bootstrap, "bench-in")
    work = os.path.join(tmp, "file-sink")
    os.makedirs(work)
    out = os.path.join(work, "out.txt")
    sink = write_props(os.path.join(work, "sink.properties"), {
        "name": "bench-sink", "connector.class": "FileStreamSink", "topics": "bench-in",
        "file": out})
    w = Worker(work, broker.bootstrap, connectors=[sink],
               overrides={"offset.flush.interval.ms": "1000"})
    return measure("topic -> FileStreamSink -> file", w, n, LineCounter(out))


def bench_file_source(tmp, broker, n):
    work = os.path.join(tmp, "file-source")
    os.makedirs(work)
    src_file = os.path.join(work, "in.txt")
    with open(src_file, "w") as f:
        f.write(("y" * 100 + "\n") * n)
    src = write_props(os.path.join(work, "src.properties"), {
        "name": "bench-src", "connector.class": "FileStreamSource", "topic": "bench-out",
        "file": src_file})
    w = Worker(work, broker.bootstrap, connectors=[src],
               overrides={"offset.flush.interval.ms": "1000"})
    ends = EndOffsets(broker.bootstrap, "bench-out")
    try:
        return measure("file -> FileStreamSource -> topic", w, n, ends)
    finally:
        ends.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1000000)
    ap.add_argument("--pg", action="store_true", help="the PostgreSQL rows too (connect_pg.py)")
    ap.add_argument("--upsert", action="store_true", help="the PostgreSQL sink in upsert mode")
    args = ap.parse_args()
    n = args.records
    load = loadavg()
    tmp = tempfile.mkdtemp(prefix="connect-bench-")
    zk = ZooKeeper(os.path.join(tmp, "zk"))
    os.makedirs(zk.dir, exist_ok=True)
    broker = None
    rows = []
    try:
        zk.start()
        broker = Broker(tmp, zk.connect, 1)
        broker.start()
        rows.append(bench_file_sink(tmp, broker, n))
        rows.append(bench_file_source(tmp, broker, n))
        if args.pg:
            import connect_pg
            rows += connect_pg.bench_pg(tmp, broker, n, args.upsert)
    finally:
        if broker:
            broker.stop()
        zk.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print_table(rows, "%d records of 100 B" % n, load)


if __name__ == "__main__":
    main()
