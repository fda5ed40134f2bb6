"""connect_bench.py (make bench-connect): Kafka Connect's record paths on one broker, with the
worker's CPU seconds and peak RSS.
  sink:   N records of 100 B already in a topic -> connect-standalone FileStreamSink -> file
  source: a file of N lines of 100 B -> FileStreamSource -> topic (acks=all, idempotent)
Records/s count from the worker's start to the last record out (start-up and the consumer
group join included). Usage: connect_bench.py [--records N]."""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from connectworker import Worker, write_props  # noqa: E402
from kafkabroker import Broker, wait_until  # noqa: E402
from zkserver import ZooKeeper  # noqa: E402


def proc_stats(pid):
    """(cpu seconds, rss MB) of a live process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    return cpu, rss


def run_until(w, done, timeout=300):
    t0 = time.monotonic()
    w.start(wait=False)
    peak = 0.0
    cpu = 0.0
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        cpu, rss = proc_stats(w.proc.pid)
        peak = max(peak, rss)
        if done():
            break
        time.sleep(0.05)
    else:
        raise TimeoutError("the worker did not finish in %d s" % timeout)
    secs = time.monotonic() - t0
    w.stop()
    return secs, cpu, peak


def count_lines(path):
    if not os.path.exists(path):
        return 0
    with open(path, "rb") as f:
        return f.read().count(b"\n")


def end_offset(bootstrap, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-probe"})
    try:
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=5)
        return hi
    except Exception:
        return 0
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=300000)
    n = ap.parse_args().records
    tmp = tempfile.mkdtemp(prefix="connect-bench-")
    zk = ZooKeeper(os.path.join(tmp, "zk"))
    os.makedirs(zk.dir, exist_ok=True)
    zk.start()
    b = Broker(tmp, zk.connect, 1)
    b.start()
    try:
        value = b"x" * 100
        p = Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 20,
                      "batch.num.messages": 10000, "queue.buffering.max.messages": 1000000})
        for _ in range(n):
            p.produce("bench-in", value)
            p.poll(0)
        p.flush(120)
        work = os.path.join(tmp, "sink")
        out = os.path.join(work, "out.txt")
        os.makedirs(work)
        sink = write_props(os.path.join(work, "sink.properties"), {
            "name": "bench-sink", "connector.class": "FileStreamSink", "topics": "bench-in",
            "file": out})
        w = Worker(work, b.bootstrap, connectors=[sink],
                   overrides={"offset.flush.interval.ms": "1000"})
        secs, cpu, rss = run_until(w, lambda: count_lines(out) >= n)
        print("sink   (topic -> FileStreamSink):   %d records of 100 B in %.2f s = %.0f records/s, "
              "worker CPU %.2f s, peak RSS %.1f MB" % (n, secs, n / secs, cpu, rss))
        work = os.path.join(tmp, "source")
        os.makedirs(work)
        src_file = os.path.join(work, "in.txt")
        with open(src_file, "w") as f:
            line = "y" * 100 + "\n"
            f.write(line * n)
        src = write_props(os.path.join(work, "src.properties"), {
            "name": "bench-src", "connector.class": "FileStreamSource", "topic": "bench-out",
            "file": src_file})
        w = Worker(work, b.bootstrap, connectors=[src],
                   overrides={"offset.flush.interval.ms": "1000"})
        secs, cpu, rss = run_until(w, lambda: end_offset(b.bootstrap, "bench-out") >= n)
        print("source (FileStreamSource -> topic): %d records of 100 B in %.2f s = %.0f records/s, "
              "worker CPU %.2f s, peak RSS %.1f MB" % (n, secs, n / secs, cpu, rss))
    finally:
        b.stop()
        zk.stop()


if __name__ == "__main__":
    main()
