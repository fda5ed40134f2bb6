#!/usr/bin/python3
"""txn_bench.py: what transactions cost (issue 13, item 8). One 3-broker cluster (tests/lib
Cluster: its own ZooKeeper, free ports, stopped by PID); the same librdkafka driver as
`make bench` (build/tests/bench/bench) on 6-partition RF3 acks=all min.insync.replicas=2 topics.
Per repetition and message size (100 B, 1 KB), interleaved:
  idempotent     produce with enable.idempotence=true (no transactions)
  transactional  produce in transactions, commit every 100 ms (--txn-ms); a failed delivery or
                 commit ends the run, so the rate counts only committed messages
  then the transactional topic (data, commit markers, an LSO) is consumed from the beginning
  with isolation.level=read_uncommitted and then read_committed.
Ratios: transactional / idempotent produce (target >= 0.9) and read_committed /
read_uncommitted consume (target >= 1.0 within noise). Medians of --reps. The load average is
printed: the machine is shared, so only ratios within one run mean something. JSON goes to
tests/bench/results/txn-<time>.json.

  /usr/bin/python3 tests/bench/txn_bench.py [--reps N] [--scale F] [--txn-ms N]
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from benchdrv import loadavg, run_driver  # noqa: E402
from cluster import Cluster  # noqa: E402

RESULTS = os.path.join(ROOT, "tests", "bench", "results")
COUNTS = {100: 400000, 1000: 100000}


def bench(c, topic, size, count, extra):
    return run_driver(["throughput", "--bootstrap", c.bootstrap, "--topic", topic,
                       "--partitions", "6", "--rf", "3", "--min-isr", "2", "--acks", "all",
                       "--size", str(size), "--count", str(count), "--warmup", str(count // 5),
                       "--fetch-wait-ms", "10"] + extra, timeout=900)


def one_rep(c, size, count, txn_ms, n):
    """The four measurements of one size; returns {row: rate dict}."""
    out = {}
    out["idempotent produce"] = bench(c, "txb-idem-%d-%d" % (size, n), size, count,
                                      ["--idempotent", "--phases", "produce"])["produce"]
    topic = "txb-txn-%d-%d" % (size, n)
    r = bench(c, topic, size, count, ["--transactional-id", "txb-%d-%d" % (size, n),
                                      "--txn-ms", str(txn_ms), "--phases", "produce", "--keep"])
    out["transactional produce"] = r["produce"]
    out["transactional produce"]["commits"] = r.get("txn_commits", 0)
    for iso in ("read_uncommitted", "read_committed"):
        out[iso + " consume"] = bench(c, topic, size, count, [
            "--isolation", iso, "--phases", "consume", "--keep"])["consume"]
    return out


def main():
    ap = argparse.ArgumentParser(description="transactional vs idempotent produce; "
                                             "read_committed vs read_uncommitted consume")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply message counts")
    ap.add_argument("--txn-ms", type=int, default=100)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="kc-txnbench-")
    load0 = loadavg()
    t0 = time.time()
    c = Cluster(d, n=3).start()
    runs, n = {}, 0
    try:
        for _ in range(a.reps):
            for size in (100, 1000):
                n += 1
                for row, v in one_rep(c, size, int(COUNTS[size] * a.scale), a.txn_ms, n).items():
                    runs.setdefault("%s|%d" % (row, size), []).append(v)
    finally:
        c.stop()
    load1 = loadavg()
    med = {k: statistics.median(r["msgs_per_s"] for r in rs) for k, rs in runs.items()}
    print("load average (1/5/15 min) at start %s, at end %s" % (" ".join(load0), " ".join(load1)))
    print("%-24s %6s %14s %14s %8s" % ("row", "size", "msg/s", "MB/s", "ratio"))
    ratios = {}
    for size in (100, 1000):
        for row, base in (("idempotent produce", None),
                          ("transactional produce", "idempotent produce"),
                          ("read_uncommitted consume", None),
                          ("read_committed consume", "read_uncommitted consume")):
            k = "%s|%d" % (row, size)
            ratio = med[k] / med["%s|%d" % (base, size)] if base else None
            if ratio is not None:
                ratios[k] = ratio
            mb = statistics.median(r["mb_per_s"] for r in runs[k])
            print("%-24s %6d %14.0f %14.1f %8s" % (row, size, med[k], mb,
                                                    "%.2fx" % ratio if ratio else ""))
    print("targets: transactional/idempotent >= 0.90x, read_committed/read_uncommitted >= 1.00x")
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, "txn-%s.json" % time.strftime("%Y%m%d-%H%M%S"))
    with open(path, "w") as f:
        json.dump({"load_start": load0, "load_end": load1, "reps": a.reps, "scale": a.scale,
                   "txn_ms": a.txn_ms, "elapsed_s": time.time() - t0, "runs": runs,
                   "median_msgs_per_s": med, "ratios": ratios}, f, indent=1)
    print("results: %s" % path)


if __name__ == "__main__":
    main()
