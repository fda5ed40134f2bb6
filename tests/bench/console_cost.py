#!/usr/bin/python3
"""console_cost.py: what the web console's polling costs a broker under produce load (issue 17:
< 2% CPU under 100k msgs/s).

One ZooKeeper and one broker (http.listeners on) in a temporary directory; build/tests/bench/
bench produces 100-byte messages at --rate msgs/s (acks=1, 6 partitions, with its consumer
reading them back) for --seconds per phase; 3 consumer groups hold committed offsets so
/v1/groups has work. Phases alternate (--reps each): "quiet" (load only) and "polled" (load and
a poller fetching the page's poll set /v1/cluster + /v1/topics + /v1/groups every --interval
seconds, far more often than the page's 5 s so the cost rises above the noise). The broker's
CPU (utime + stime from /proc) per phase gives the CPU of one poll set, and from it the share of
one CPU that one open console tab (a poll set every 5 s) costs. Prints one JSON object; exits
non-zero when that share reaches 2% or a poll failed.

  /usr/bin/python3 tests/bench/console_cost.py [--rate 100000] [--seconds 20] [--reps 2]
                                               [--interval 0.05]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from confluent_kafka import Consumer, TopicPartition  # noqa: E402

from kafkabroker import Broker, free_port, wait_until  # noqa: E402
from zkserver import ZooKeeper  # noqa: E402

BENCH = os.path.join(ROOT, "build", "tests", "bench", "bench")
POLL_SET = ("/v1/cluster", "/v1/topics", "/v1/groups")
PAGE_INTERVAL_S = 5.0
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


class Poller(threading.Thread):
    def __init__(self, port, interval):
        super().__init__(daemon=True)
        self.port, self.interval = port, interval
        self.sets = self.errors = self.bytes = 0
        self.stop_ev = threading.Event()

    def run(self):
        while not self.stop_ev.wait(self.interval):
            try:
                for path in POLL_SET:
                    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path),
                                                timeout=5) as r:
                        self.bytes += len(r.read())
                self.sets += 1
            except OSError:
                self.errors += 1


def load(bootstrap, topic, rate, seconds):
    """Start the bench producer + consumer at rate msgs/s for seconds (returns the process)."""
    return subprocess.Popen([BENCH, "latency", "--bootstrap", bootstrap, "--topic", topic,
                             "--partitions", "6", "--rf", "1", "--acks", "1", "--compression",
                             "none", "--size", "100", "--rate", str(rate), "--seconds",
                             str(seconds), "--warmup-seconds", "1", "--keep"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def messages_in(port):
    """The broker's all-topics messages-in counter from its /metrics."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("kafka_server_brokertopicmetrics_messagesin_total "):
                return float(line.split()[1])
    return 0.0


def wait_for_rate(port, rate, timeout=30):
    """Until the broker appends at 90% of rate or more between two polls half a second apart."""
    last = [messages_in(port), time.monotonic()]

    def at_rate():
        n, t = messages_in(port), time.monotonic()
        r = (n - last[0]) / max(t - last[1], 1e-3)
        last[:] = [n, t]
        return r >= 0.9 * rate
    wait_until(at_rate, timeout, interval=0.5, what="the producer to reach %d msgs/s" % rate)


def phase(broker, args, topic, polled):
    poller = Poller(broker.http_port, args.interval) if polled else None
    proc = load(broker.bootstrap, topic, args.rate, args.seconds + 2)
    wait_for_rate(broker.http_port, args.rate)
    c0, t0 = cpu_seconds(broker.proc.pid), time.monotonic()
    if poller:
        poller.start()
    time.sleep(args.seconds)  # the measured window itself, not a wait for a condition
    if poller:
        poller.stop_ev.set()
        poller.join()
    c1, t1 = cpu_seconds(broker.proc.pid), time.monotonic()
    out, err = proc.communicate(timeout=120)
    if proc.returncode != 0:
        raise RuntimeError("bench: %s" % err[-2000:])
    res = json.loads(out)
    r = {"cpu_s": c1 - c0, "wall_s": t1 - t0, "rate_achieved": res["rate_achieved"],
         "p99_ms": res["p99_ms"]}
    if poller:
        r.update(poll_sets=poller.sets, poll_errors=poller.errors, poll_bytes=poller.bytes)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=100000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--interval", type=float, default=0.05)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="console-cost-")
    zk = ZooKeeper(os.path.join(work, "zk"))
    os.makedirs(zk.dir, exist_ok=True)
    zk.start()
    b = Broker(work, zk.connect, 1)
    b.http_port = free_port()
    b.overrides["http.listeners"] = "http://127.0.0.1:%d" % b.http_port
    b._write_config()
    phases = []
    try:
        b.start()
        for rep in range(args.reps):
            topic = "cost-%d" % rep
            for polled in ((False, True) if rep % 2 == 0 else (True, False)):
                r = phase(b, args, topic + ("-p" if polled else "-q"), polled)
                r["polled"] = polled
                phases.append(r)
                if rep == 0 and not polled:  # groups with offsets for /v1/groups from now on
                    for g in range(3):
                        c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "cost-g%d" % g})
                        c.commit(offsets=[TopicPartition(topic + "-q", p, 1) for p in range(6)],
                                 asynchronous=False)
                        c.close()
    finally:
        b.stop()
        zk.stop()
    quiet = [p["cpu_s"] / p["wall_s"] for p in phases if not p["polled"]]
    polled = [p for p in phases if p["polled"]]
    extra = sum(p["cpu_s"] / p["wall_s"] for p in polled) / len(polled) - sum(quiet) / len(quiet)
    sets_per_s = sum(p["poll_sets"] / p["wall_s"] for p in polled) / len(polled)
    per_set = extra / sets_per_s if sets_per_s else None
    share = per_set / PAGE_INTERVAL_S * 100 if per_set is not None else None
    print(json.dumps({
        "rate": args.rate, "phases": phases,
        "broker_cpu_quiet": sum(quiet) / len(quiet),
        "broker_cpu_polled": extra + sum(quiet) / len(quiet),
        "poll_sets_per_s": sets_per_s,
        "cpu_ms_per_poll_set": per_set * 1000 if per_set is not None else None,
        "one_tab_cpu_percent": share,
        "poll_set_bytes": polled[0]["poll_bytes"] / max(polled[0]["poll_sets"], 1),
    }, indent=1))
    if share is None or share >= 2 or any(p["poll_errors"] for p in polled):
        sys.exit("console polling: %s%% of a CPU per tab (limit 2%%), or failed polls" % share)


if __name__ == "__main__":
    main()
