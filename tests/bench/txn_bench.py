#!/usr/bin/python3
"""txn_bench.py: what transactions cost (issue 13, item 8). One 3-broker cluster (tests/lib
Cluster: its own ZooKeeper, free ports, stopped by PID); the same librdkafka driver as
`make bench` (build/tests/bench/bench) on 6-partition RF3 acks=all min.insync.replicas=2 topics.
Per repetition and message size (100 B, 1 KB), each pair back to back, the order alternating
from one repetition to the next:
  idempotent     produce with enable.idempotence=true (no transactions)
  transactional  produce in transactions, commit every 100 ms (--txn-ms); a failed delivery or
                 commit ends the run, so the rate counts only committed messages
  then the transactional topic (data, commit markers, an LSO) is consumed from the beginning
  with isolation.level=read_uncommitted and read_committed; and a third topic in which every
  5th transaction (--abort-every) is aborted is read once untimed, then 3 times from the
  beginning under each level (rated in log offsets/s: read_committed delivers fewer records but reads the same log, the
  aborted-transaction index telling the client what to drop).
Ratios: transactional / idempotent produce (target >= 0.9) and read_committed /
read_uncommitted consume (target >= 1.0 within noise), each the median of the per-repetition
ratios (--reps, default 3) with their range. The load average is printed: the machine is
shared, so only ratios within one run mean something. JSON goes to
tests/bench/results/txn-<time>.json.

  /usr/bin/python3 tests/bench/txn_bench.py [--reps N] [--scale F] [--txn-ms N] [--abort-every N]
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
# Enough that each timed phase lasts seconds, not a fraction of one (shorter runs made the
# ratios noise); consumes read the topic twice over.
COUNTS = {100: 1500000, 1000: 400000}
CONSUME_PASSES = 2
ABORTED_PASSES = 3


def bench(c, topic, size, count, extra):
    return run_driver(["throughput", "--bootstrap", c.bootstrap, "--topic", topic,
                       "--partitions", "6", "--rf", "3", "--min-isr", "2", "--acks", "all",
                       "--size", str(size), "--count", str(count), "--warmup", str(count // 5),
                       "--fetch-wait-ms", "10"] + extra, timeout=900)


def first_second(pair, rep):
    """pair in the order of repetition rep: each size's pairs swap order from one repetition
    to the next. (By the run's counter n, which advances once per size, a size's pairs kept
    one order in every repetition: at 1 KB read_committed always read the topic first, right
    after its produce, the slow position, and came out at 0.71x; at 100 B always second, 1.45x.)
    """
    return pair if rep % 2 else pair[::-1]


def produce_rows(c, size, count, txn_ms, n, rep):
    """Idempotent and transactional produce of one repetition, in an order that alternates
    with rep (so a load change during the run does not always favour the same row)."""
    out = {}
    topic = "txb-txn-%d-%d" % (size, n)

    def idem():
        out["idempotent produce"] = bench(c, "txb-idem-%d-%d" % (size, n), size, count,
                                          ["--idempotent", "--phases", "produce"])["produce"]

    def txn():
        r = bench(c, topic, size, count, ["--transactional-id", "txb-%d-%d" % (size, n),
                                          "--txn-ms", str(txn_ms), "--phases", "produce",
                                          "--keep"])
        out["transactional produce"] = r["produce"]
        out["transactional produce"]["commits"] = r.get("txn_commits", 0)
        out["transactional produce"]["commit_ms_avg"] = r.get("commit_ms_avg", 0)

    for f in first_second((idem, txn), rep):
        f()
    return out, topic


def consume_rows(c, topic, size, count, rep, label):
    """read_uncommitted and read_committed reads of one topic (order alternating with rep)."""
    out = {}
    for iso in first_second(("read_uncommitted", "read_committed"), rep):
        out[iso + " consume" + label] = bench(c, topic, size, count * CONSUME_PASSES, [
            "--isolation", iso, "--phases", "consume", "--keep"])["consume"]
    return out


def read_passes(c, topic, size, iso, count):
    """Whole passes over the topic from the beginning, timed until count records were
    delivered (--warmup 0): the driver's JSON."""
    return run_driver(["throughput", "--bootstrap", c.bootstrap, "--topic", topic,
                       "--partitions", "6", "--size", str(size), "--count", str(count),
                       "--warmup", "0", "--fetch-wait-ms", "10", "--isolation", iso,
                       "--phases", "consume", "--keep"], timeout=900)


def aborted_rows(c, size, count, txn_ms, n, rep, abort_every):
    """A topic where every abort_every-th transaction is aborted, read from the beginning
    under each isolation level. Rated in log offsets per second (the whole topic: records,
    aborted records and markers), since read_committed delivers fewer records for the same
    log: it must not take longer to read it. An untimed pass first: the first read after the
    produce is the slow one (replication and writeback still finishing), by 0.05-0.07 s of a
    0.15-0.3 s pass here, whichever level it uses. Then ABORTED_PASSES timed passes per level
    (read_committed, delivering fewer records per pass, may make one more): single passes
    of 0.2 s at 1 KB were mostly noise."""
    topic = "txb-abort-%d-%d" % (size, n)
    # (not shorter transactions: an abort right after the previous commit, before the
    # coordinator has finished that commit's markers, finds no partition registered yet and
    # is refused with INVALID_TXN_STATE, by Kafka too; a fatal error for librdkafka)
    r = bench(c, topic, size, count, ["--transactional-id", "txb-abort-%d-%d" % (size, n),
                                      "--txn-ms", str(txn_ms), "--abort-every", str(abort_every),
                                      "--phases", "produce", "--keep"])
    if not r.get("txn_aborts"):
        raise SystemExit("txn_bench: no transaction was aborted in %s" % topic)
    out = {}
    offs = read_passes(c, topic, size, "read_uncommitted", 1)["consume_retained"]
    for iso in first_second(("read_uncommitted", "read_committed"), rep):
        # one record past ABORTED_PASSES - 1 passes of read_uncommitted's: that many passes
        res = read_passes(c, topic, size, iso, offs * (ABORTED_PASSES - 1) + 1)
        secs = res["consume"]["secs"]
        read = res["consume_retained"] * res["consume_passes"]
        out[iso + " consume, aborted"] = {
            "msgs_per_s": read / secs if secs > 0 else 0,
            "mb_per_s": read * size / secs / (1 << 20) if secs > 0 else 0,
            "records_delivered": res["consume"]["msgs"], "log_offsets": read,
            "passes": res["consume_passes"], "secs": secs}
    return out


def one_rep(c, size, count, txn_ms, n, rep, abort_every):
    """Every measurement of one size in repetition rep (n: the run's counter, for topic
    names); returns {row: rate dict}."""
    out, topic = produce_rows(c, size, count, txn_ms, n, rep)
    out.update(consume_rows(c, topic, size, count, rep, ""))
    out.update(aborted_rows(c, size, count, txn_ms, n, rep, abort_every))
    drop_topics(c, [topic, "txb-abort-%d-%d" % (size, n)])
    return out


def drop_topics(c, topics):
    """Delete a repetition's kept topics (GBs at RF3) before the next one."""
    from confluent_kafka.admin import AdminClient
    admin = AdminClient({"bootstrap.servers": c.bootstrap})  # alive until the results are in
    for f in admin.delete_topics(topics).values():
        f.result(60)


ROWS = (("idempotent produce", None),
        ("transactional produce", "idempotent produce"),
        ("read_uncommitted consume", None),
        ("read_committed consume", "read_uncommitted consume"),
        ("read_uncommitted consume, aborted", None),
        ("read_committed consume, aborted", "read_uncommitted consume, aborted"))


def paired_ratios(runs, row, base, size):
    """Per-repetition ratios row/base (each pair measured back to back)."""
    a = runs["%s|%d" % (row, size)]
    b = runs["%s|%d" % (base, size)]
    return [x["msgs_per_s"] / y["msgs_per_s"] for x, y in zip(a, b) if y["msgs_per_s"] > 0]


def main():
    ap = argparse.ArgumentParser(description="transactional vs idempotent produce; "
                                             "read_committed vs read_uncommitted consume")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply message counts")
    ap.add_argument("--txn-ms", type=int, default=100)
    ap.add_argument("--abort-every", type=int, default=5,
                    help="in the aborted-data topic, abort every Nth transaction")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="kc-txnbench-")
    load0 = loadavg()
    t0 = time.time()
    c = Cluster(d, n=3).start()
    runs, n = {}, 0
    try:
        for rep in range(a.reps):
            for size in (100, 1000):
                n += 1
                for row, v in one_rep(c, size, int(COUNTS[size] * a.scale), a.txn_ms, n, rep,
                                         a.abort_every).items():
                    runs.setdefault("%s|%d" % (row, size), []).append(v)
    finally:
        c.stop()
    load1 = loadavg()
    med = {k: statistics.median(r["msgs_per_s"] for r in rs) for k, rs in runs.items()}
    print("load average (1/5/15 min) at start %s, at end %s" % (" ".join(load0), " ".join(load1)))
    print("ratio = median of the per-repetition ratios (each pair run back to back, order "
          "alternating); range = lowest-highest of them")
    print("%-34s %6s %12s %9s %8s %12s" % ("row", "size", "msg/s", "MB/s", "ratio", "range"))
    ratios = {}
    for size in (100, 1000):
        for row, base in ROWS:
            k = "%s|%d" % (row, size)
            rr = paired_ratios(runs, row, base, size) if base else []
            if rr:
                ratios[k] = {"median": statistics.median(rr), "min": min(rr), "max": max(rr)}
            mb = statistics.median(r["mb_per_s"] for r in runs[k])
            print("%-34s %6d %12.0f %9.1f %8s %12s" % (
                row, size, med[k], mb, "%.2fx" % ratios[k]["median"] if rr else "",
                "%.2f-%.2f" % (min(rr), max(rr)) if rr else ""))
    for size in (100, 1000):
        cm = [r.get("commit_ms_avg", 0) for r in runs["transactional produce|%d" % size]]
        print("%d B: commit_transaction took %s ms on average per repetition (flush of the "
              "in-flight messages + EndTxn; the producer is idle meanwhile)"
              % (size, ", ".join("%.1f" % x for x in cm)))
    print("rows ', aborted': every %dth transaction aborted, rated in log offsets/s over %d "
          "reads of the whole topic" % (a.abort_every, ABORTED_PASSES))
    print("targets: transactional/idempotent >= 0.90x, read_committed/read_uncommitted >= 1.00x")
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, "txn-%s.json" % time.strftime("%Y%m%d-%H%M%S"))
    with open(path, "w") as f:
        json.dump({"load_start": load0, "load_end": load1, "reps": a.reps, "scale": a.scale,
                   "txn_ms": a.txn_ms, "abort_every": a.abort_every, "elapsed_s": time.time() - t0, "runs": runs,
                   "median_msgs_per_s": med, "ratios": ratios}, f, indent=1)
    print("results: %s" % path)


if __name__ == "__main__":
    main()
