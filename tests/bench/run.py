#!/usr/bin/python3
"""run.py: the benchmark behind `make bench` (issue 8). In one invocation:

  (a) the peer: librdkafka's in-memory mock cluster (rdkafka_mock.h, 3 brokers), started inside
      the bench driver (build/tests/bench/bench --mock 3) for each measurement;
  (b) ours: ZooKeeper + 3 brokers started by scripts/cluster.sh in a temporary directory on
      unusual free ports, stopped by cluster.sh (by PID) at the end, also on failure or ^C.

The same driver, client code and client settings run against both (see bench.c), so the
ratio measures the brokers. Per workload (100 B / 1 KB; RF1 acks=1 / RF3 acks=all with
min.insync.replicas=2; compression none / lz4; 6 partitions) it prints produce and consume
throughput, ours against the mock, and end-to-end latency at two fixed rates (half of our
median produce rate, and 50k msgs/s). Then broker RSS idle and under load, time from start to serving with 1,000
partitions, and failover unavailability (kill -9 of a partition leader under an idempotent
acks=all producer, measured as the drills in tests/integ/test_failover.py do). Results go to
tests/bench/results/bench-<time>.json as well.

Every throughput figure is the median of --reps runs (default 3), mock and ours interleaved;
the ratio is the median of the per-pair ratios. The machine is shared and small: expect noise.

  /usr/bin/python3 tests/bench/run.py [--reps N] [--quick] [--only SUBSTRING] [--skip-extras]
                                      [--only-extra failover|startup|metrics] [--tree DIR]

Last, the cost of metrics: produce throughput of the first workload on two fresh clusters side
by side, one without http.listeners (nothing counted) and one with it, scraped every second.

--tree DIR runs "ours" from another checkout's scripts/cluster.sh and bin/ (built there), to
compare two versions of the broker with the same driver.
"""
import argparse
import datetime
import json
import mmap
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TREE = ROOT  # the project tree whose scripts/cluster.sh and bin/ run "ours" (--tree)
RESULTS = os.path.join(ROOT, "tests", "bench", "results")
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from benchdrv import BENCH, run_driver  # noqa: E402

PARTITIONS = 6
BROKERS = 3
# As the failover drills (tests/lib): ZooKeeper notices a dead broker after 6 s, not Kafka's 18 s.
# Deleted topics' files go at once (Kafka waits 60 s), so the page cache the runs write into
# stays within the memory warmed at the start.
BROKER_ENV = {"KAFKA_ZOOKEEPER_SESSION_TIMEOUT_MS": "6000", "KAFKA_LOG_SEGMENT_DELETE_DELAY_MS": "0"}
COUNTS = {100: 2000000, 1000: 400000}  # timed messages per throughput run (+20% warm-up)
THROUGHPUT_CLIENT = ["--fetch-wait-ms", "10"]  # re-read passes do not wait out a 500 ms poll
LAT_SECONDS, LAT_WARMUP = 3.0, 1.0
LAT_FIXED_RATE = 50000  # the second latency point, well below saturation for every workload
PRETOUCH_GIB = 8
# See the latency note in the output. At half of max, the throughput runs' linger.ms=5 (the
# rate came from them); at the fixed rate, linger.ms=1: the broker's own latency floor.
LAT_CLIENT = ["--fetch-wait-ms", "5"]
LAT_FIXED_CLIENT = LAT_CLIENT + ["--linger-ms", "1"]

WORKLOADS = []
for size in (100, 1000):
    for rf, acks, min_isr in ((1, "1", 0), (3, "all", 2)):
        for comp in ("none", "lz4"):
            WORKLOADS.append({
                "name": "%s RF%d acks=%s %s" % ("100 B" if size == 100 else "1 KB", rf, acks, comp),
                "size": size, "rf": rf, "acks": acks, "min_isr": min_isr, "compression": comp})


def log(msg):
    sys.stderr.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def pick_ports():
    """A ZooKeeper port and BROKERS consecutive broker ports, all free, below the kernel's
    ephemeral range (tests/lib/ports.py): a broker restarted by the bench must find its port
    free, and a port in the ephemeral range can meanwhile be the local end of any outgoing
    connection (seen: "Address already in use" when restarting broker 1)."""
    from ports import free_range
    for _ in range(50):
        zk, base = free_range(1), free_range(BROKERS)
        if not base <= zk < base + BROKERS:
            return zk, base
    raise RuntimeError("no free ports found")


def read_status(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])  # kB
    except OSError:
        return None
    return None


class Cluster:
    """Our cluster, through scripts/cluster.sh (start/stop by PID files in self.dir)."""

    def __init__(self, workdir, name="cluster", http=False):
        self.dir = os.path.join(workdir, name)
        self.zk_port, self.base_port = pick_ports()
        self.http_base = None
        if http:  # /metrics on http_base+i-1 (http.listeners), free and apart from the rest
            from ports import free_range
            while self.http_base is None or self.base_port - BROKERS < self.http_base < self.base_port + BROKERS \
                    or self.http_base <= self.zk_port < self.http_base + BROKERS:
                self.http_base = free_range(BROKERS)
        self.started = False

    def _sh(self, cmd, timeout=300):
        args = ["bash", os.path.join(TREE, "scripts", "cluster.sh"), cmd, "--brokers", str(BROKERS), "--dir", self.dir,
                "--base-port", str(self.base_port), "--zk-port", str(self.zk_port)]
        if self.http_base and cmd == "start":
            args += ["--http-base-port", str(self.http_base)]
        env = dict(os.environ)
        env.update(BROKER_ENV)
        return subprocess.run(args, env=env, timeout=timeout, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)

    def start(self):
        self.started = True
        r = self._sh("start")
        if r.returncode != 0:
            raise RuntimeError("cluster.sh start failed:\n" + r.stdout)
        log(r.stdout.strip().replace("\n", "; "))
        self.wait_all_brokers()

    def stop(self):
        if self.started:
            r = self._sh("stop", timeout=400)
            log("cluster.sh stop: " + r.stdout.strip().replace("\n", "; "))
            self.started = False

    @property
    def bootstrap(self):
        return ",".join("127.0.0.1:%d" % self.port(i) for i in range(1, BROKERS + 1))

    def port(self, i):
        return self.base_port + i - 1

    def pid(self, i):
        try:
            with open(os.path.join(self.dir, "broker-%d.pid" % i)) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def pids(self):
        return {i: self.pid(i) for i in range(1, BROKERS + 1) if self.pid(i)}

    def admin(self, bootstrap=None):
        from confluent_kafka.admin import AdminClient
        return AdminClient({"bootstrap.servers": bootstrap or self.bootstrap})

    def wait_all_brokers(self, timeout=60):
        a = self.admin()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                md = a.list_topics(timeout=5)
                if len(md.brokers) == BROKERS and md.controller_id >= 0:
                    return
            except Exception:
                pass
            time.sleep(0.2)
        raise RuntimeError("brokers did not all register within %d s" % timeout)


class RssSampler(threading.Thread):
    """VmRSS of every broker every 0.2 s; the maximum per broker for the current phase."""

    def __init__(self, cluster):
        super().__init__(daemon=True)
        self.cluster = cluster
        self.phase = None
        self.max = {}  # phase -> {broker: kB}
        self.stop_ev = threading.Event()

    def run(self):
        while not self.stop_ev.wait(0.2):
            ph = self.phase
            if ph is None:
                continue
            for i, pid in self.cluster.pids().items():
                v = read_status(pid, "VmRSS")
                if v is not None:
                    d = self.max.setdefault(ph, {})
                    d[i] = max(d.get(i, 0), v)


def run_bench(args, timeout=300):
    t = time.monotonic()
    out = run_driver(args, timeout)
    out["wall_s"] = round(time.monotonic() - t, 2)
    return out


def shape_args(w, topic):
    a = ["--topic", topic, "--partitions", str(PARTITIONS), "--rf", str(w["rf"]), "--acks",
         w["acks"], "--compression", w["compression"], "--size", str(w["size"])]
    if w["min_isr"]:
        a += ["--min-isr", str(w["min_isr"])]
    return a


def target_args(side, cluster):
    if side == "mock":
        return ["--mock", str(BROKERS)]
    return ["--bootstrap", cluster.bootstrap, "--cpu-pids",
            ",".join(str(p) for p in cluster.pids().values())]


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def throughput(cluster, w, reps, scale, serial):
    res = {"mock": [], "ours": [], "errors": []}
    count = int(COUNTS[w["size"]] * scale)
    tail = None  # messages per partition the mock kept in its last run (the re-read's size)
    for rep in range(reps):
        order = ("mock", "ours") if rep % 2 == 0 else ("ours", "mock")
        for side in order:
            topic = "bench-%d-%s-%d" % (serial, side, rep)
            args = ["throughput"] + target_args(side, cluster) + shape_args(w, topic) + [
                "--count", str(count)] + THROUGHPUT_CLIENT
            if side == "ours" and tail:
                args += ["--reread-tail", str(tail)]
            try:
                res[side].append(run_bench(args))
                if side == "mock":
                    tail = -(-res[side][-1]["consume_retained"] // PARTITIONS)
            except Exception as e:  # keep going: a partial table beats none
                res["errors"].append("%s rep %d: %s" % (side, rep, e))
                log("ERROR " + res["errors"][-1])
    summary = {}
    for kind in ("produce", "consume"):
        for side in ("mock", "ours"):
            summary["%s_%s_msgs" % (kind, side)] = median(r[kind]["msgs_per_s"] for r in res[side])
            summary["%s_%s_mb" % (kind, side)] = median(r[kind]["mb_per_s"] for r in res[side])
            summary["%s_%s_cpu" % (kind, side)] = median(r[kind]["broker_cpu_s"] for r in res[side])
        # consume: ours re-reading what the mock keeps, against the mock (like for like)
        ok = "reread" if kind == "consume" else kind
        pairs = [o[ok]["msgs_per_s"] / m[kind]["msgs_per_s"]
                 for o, m in zip(res["ours"], res["mock"]) if ok in o]
        summary["%s_ratio" % kind] = median(pairs)
        summary["%s_ratio_range" % kind] = [min(pairs), max(pairs)] if pairs else None
    summary["reread_ours_msgs"] = median(r["reread"]["msgs_per_s"] for r in res["ours"]
                                         if "reread" in r)
    res["summary"] = summary
    return res


def latency(cluster, w, rate, serial, client):
    out = {"rate": rate, "errors": []}
    for side in ("mock", "ours"):
        topic = "bench-lat-%s-%s" % (serial, side)
        args = ["latency"] + target_args(side, cluster) + shape_args(w, topic) + [
            "--rate", str(int(rate)), "--seconds", str(LAT_SECONDS), "--warmup-seconds",
            str(LAT_WARMUP)] + client
        try:
            out[side] = run_bench(args)
        except Exception as e:
            out["errors"].append("%s: %s" % (side, e))
            log("ERROR latency " + out["errors"][-1])
    return out


class Scraper(threading.Thread):
    """GET /metrics from every broker of a cluster once a second, as Prometheus would."""

    def __init__(self, cluster):
        super().__init__(daemon=True)
        self.cluster = cluster
        self.scrapes = 0
        self.bytes = 0
        self.errors = 0
        self.stop_ev = threading.Event()

    def run(self):
        import urllib.request
        while not self.stop_ev.wait(1.0):
            for i in range(1, BROKERS + 1):
                try:
                    u = "http://127.0.0.1:%d/metrics" % (self.cluster.http_base + i - 1)
                    with urllib.request.urlopen(u, timeout=5) as r:
                        self.bytes += len(r.read())
                    self.scrapes += 1
                except OSError:
                    self.errors += 1


METRICS_WORKLOAD = WORKLOADS[0]  # 100 B RF1 acks=1 none: the most requests per second


def metrics_cost(work, reps, scale):
    """Produce throughput with metrics off (no http.listeners: nothing counted) against on
    (counted, and every broker scraped once a second), on two fresh clusters started side by
    side, runs interleaved. Issue 16: metrics must cost < 2%."""
    w = METRICS_WORKLOAD
    off, on = Cluster(work, "metrics-off"), Cluster(work, "metrics-on", http=True)
    out = {"workload": w["name"], "off": [], "on": [], "errors": []}
    scraper = Scraper(on)
    try:
        off.start()
        on.start()
        scraper.start()
        count = int(COUNTS[w["size"]] * scale)
        for rep in range(reps):
            for side, c in ((("off", off), ("on", on)) if rep % 2 == 0 else (("on", on), ("off", off))):
                args = ["throughput"] + target_args("ours", c) + shape_args(w, "metrics-%s-%d" % (side, rep)) + [
                    "--count", str(count)] + THROUGHPUT_CLIENT
                try:
                    out[side].append(run_bench(args)["produce"]["msgs_per_s"])
                except Exception as e:
                    out["errors"].append("%s rep %d: %s" % (side, rep, e))
    finally:
        scraper.stop_ev.set()
        for c in (off, on):
            c.stop()
    pairs = [b / a for a, b in zip(out["off"], out["on"]) if a]
    out["ratio"] = median(pairs)
    out["ratio_range"] = [min(pairs), max(pairs)] if pairs else None
    out["off_msgs"], out["on_msgs"] = median(out["off"]), median(out["on"])
    out["scrapes"], out["scrape_errors"], out["scrape_bytes"] = scraper.scrapes, scraper.errors, scraper.bytes
    if out["errors"] or scraper.errors or not scraper.scrapes:
        raise RuntimeError("metrics cost: %s, %d scrapes failed of %d" % (out["errors"], scraper.errors,
                                                                          scraper.errors + scraper.scrapes))
    return out


def pretouch(gib):
    """Map and populate gib GiB of anonymous memory, then let it go: the page cache the brokers
    write into afterwards comes from memory this VM has touched before (a never-touched 4 KiB
    page costs ~8 us here, which the in-memory mock, recycling its 30 MiB, never pays). Capped
    at a third of MemAvailable. Returns (GiB, seconds)."""
    avail = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                avail = int(line.split()[1]) * 1024
    n = min(int(gib * (1 << 30)), avail // 3) & ~((1 << 20) - 1)
    t = time.monotonic()
    if n > 0:
        m = mmap.mmap(-1, n, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE)
        m.close()
    return n / (1 << 30), time.monotonic() - t


def metadata_leaders(admin, topic):
    """{partition: leader} from Metadata, or None."""
    try:
        md = admin.list_topics(topic=topic, timeout=2)
        t = md.topics.get(topic)
        if t is None or (t.error is not None and not t.partitions):
            return None
        return {p: pm.leader for p, pm in t.partitions.items()}
    except Exception:
        return None


def wait_for(cond, timeout, what, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(interval)
    raise TimeoutError("timed out after %d s waiting for %s" % (timeout, what))


def wait_exit(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def start_broker(cluster, i):
    """Start broker i again as cluster.sh did (same properties and output file, in the
    background so it is not our child), through the project's kafka-server-start.sh (which
    execs the broker), and record its PID where cluster.sh stop will find it."""
    d = os.path.join(cluster.dir, "broker-%d" % i)
    env = dict(os.environ)
    env.update(BROKER_ENV)
    r = subprocess.run(["bash", "-c", 'nohup bash "$0" "$1" >>"$2" 2>&1 </dev/null & echo $!',
                        os.path.join(TREE, "scripts", "kafka-server-start.sh"),
                        os.path.join(d, "server.properties"), os.path.join(d, "server.out")],
                       env=env, stdout=subprocess.PIPE, text=True, check=True)
    pid = int(r.stdout.strip())
    with open(os.path.join(cluster.dir, "broker-%d.pid" % i), "w") as f:
        f.write("%d\n" % pid)
    return pid


def startup_1000(cluster, nparts=1000):
    """1,000 partitions, all on broker 1 (RF1, explicit assignment), 10 messages each; stop
    broker 1 cleanly (SIGTERM), start it again and time start -> port open -> Metadata shows a
    leader for every partition."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import NewTopic
    topic = "bench-1000p"
    a = cluster.admin()
    fs = a.create_topics([NewTopic(topic, nparts, replica_assignment=[[1]] * nparts)],
                         operation_timeout=60)
    fs[topic].result(120)
    wait_for(lambda: (lambda m: m and len(m) == nparts and all(v == 1 for v in m.values()))(
        metadata_leaders(a, topic)), 120, "1,000 leaders after creation", 0.2)
    p = Producer({"bootstrap.servers": cluster.bootstrap, "linger.ms": 5})
    for k in range(nparts * 10):
        p.produce(topic, value=b"x" * 100, partition=k % nparts)
        if k % 1000 == 0:
            p.poll(0)
    left = p.flush(60)
    if left:
        raise RuntimeError("%d messages not delivered before the restart" % left)
    pid = cluster.pid(1)
    rss_before = read_status(pid, "VmRSS")
    t_stop = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    if not wait_exit(pid, 120):
        raise RuntimeError("broker 1 did not stop within 120 s of SIGTERM")
    stop_s = time.monotonic() - t_stop
    a2 = cluster.admin("127.0.0.1:%d,127.0.0.1:%d" % (cluster.port(2), cluster.port(3)))
    wait_for(lambda: (lambda m: m and all(v != 1 for v in m.values()))(
        metadata_leaders(a2, topic)), 60, "the stopped broker's partitions to go offline", 0.1)
    t0 = time.monotonic()
    start_broker(cluster, 1)

    def port_open():
        try:
            socket.create_connection(("127.0.0.1", cluster.port(1)), timeout=0.2).close()
            return True
        except OSError:
            return False
    wait_for(port_open, 60, "broker 1 to listen", 0.005)
    t_listen = time.monotonic() - t0
    a1 = cluster.admin("127.0.0.1:%d" % cluster.port(1))
    wait_for(lambda: (lambda m: m and len(m) == nparts and all(v == 1 for v in m.values()))(
        metadata_leaders(a1, topic)), 120, "Metadata to show 1,000 leaders", 0.01)
    t_serving = time.monotonic() - t0
    time.sleep(1)
    return {"partitions": nparts, "clean_stop_s": round(stop_s, 3),
            "start_to_listen_s": round(t_listen, 3), "start_to_serving_s": round(t_serving, 3),
            "rss_kb_before_restart": rss_before,
            "rss_kb_after_restart": read_status(cluster.pid(1), "VmRSS")}


def failover(cluster):
    """kill -9 the leader of partition 0 under an idempotent acks=all producer (the drills'
    SeqProducer, 500 msgs/s); the unavailability is the longest stretch without an ack on
    any partition (SeqProducer.gap_around)."""
    from cluster import SeqProducer, read_all, verify  # tests/lib/cluster.py (needs kazoo)
    from confluent_kafka.admin import NewTopic
    topic = "bench-failover"
    a = cluster.admin()
    fs = a.create_topics([NewTopic(topic, 3, 3, config={"min.insync.replicas": "2"})],
                         operation_timeout=30)
    fs[topic].result(60)

    def full():
        md = a.list_topics(topic=topic, timeout=5).topics[topic]
        return len(md.partitions) == 3 and all(
            pm.leader >= 0 and len(pm.isrs) == 3 for pm in md.partitions.values())
    wait_for(full, 60, "the failover topic's full ISR", 0.2)
    sp = SeqProducer(cluster.bootstrap, topic, rate=500)
    sp.start()
    try:
        wait_for(lambda: len(sp.acked) >= 500, 60, "acks before the fault", 0.05)
        leader = metadata_leaders(a, topic)[0]
        controller = a.list_topics(timeout=5).controller_id
        pid = cluster.pid(leader)
        t = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        wait_exit(pid, 10)

        def resumed():
            with sp.lock:
                per = {}
                for p, _, ts in sp.acked.values():
                    if ts > t:
                        per[p] = per.get(p, 0) + 1
            return len(per) == 3 and min(per.values()) >= 50
        wait_for(resumed, 120, "acks on every partition after the kill", 0.05)
        until = time.monotonic()
        gap = sp.gap_around(t, until)
        new_leader = metadata_leaders(a, topic)[0]
    finally:
        sp.finish()
    live = ",".join("127.0.0.1:%d" % cluster.port(i) for i in range(1, BROKERS + 1) if i != leader)
    s = verify(sp.acked, read_all(live, topic))
    start_broker(cluster, leader)  # whole again for what follows
    cluster.wait_all_brokers(120)
    return {"killed_leader": leader, "killed_was_controller": leader == controller,
            "new_leader": new_leader, "gap_s": round(gap, 3),
            "acked": s["acked"], "lost": s["lost"], "duplicates": s["duplicates"],
            "producer_errors": len(sp.errors),
            "zookeeper_session_timeout_ms": int(BROKER_ENV["KAFKA_ZOOKEEPER_SESSION_TIMEOUT_MS"])}


# ---- output ----

def fmt_n(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return "%.2fM" % (v / 1e6)
    if v >= 1e3:
        return "%.0fk" % (v / 1e3)
    return "%.0f" % v


def fmt_cpu(v):
    return "-" if v is None or v < 0 else "%.2f" % v


def fmt_r(v):
    return "-" if v is None else "%.2fx" % v


def verdict(v, target):
    if v is None:
        return "n/a"
    return "ok" if v >= target else "SHORT"


def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths)))
    out = [line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def report(result):
    m = result["meta"]
    P = []
    P.append("")
    P.append("kafka-c benchmark  %s  (%s, %d cores, librdkafka %s, %s)" % (
        m["date"], m["host"], m["cores"], m["librdkafka"], m["git"]))
    P.append("ours: %d brokers + ZooKeeper via scripts/cluster.sh on 127.0.0.1%s; peer: "
             "librdkafka's mock cluster (%d brokers, in the driver process)"
             % (BROKERS, "" if m["tree"] == ROOT else " (brokers from %s)" % m["tree"], BROKERS))
    P.append("topic: %d partitions, RF as listed (mock: same RF, but it does not replicate); "
             "RF3 topics have min.insync.replicas=2" % PARTITIONS)
    P.append("client (both sides): librdkafka linger.ms=5 batch.num.messages=10000 "
             "queue.buffering.max.messages=1000000, idempotence off, acks and compression as "
             "listed; payload: words from a 256-word vocabulary")
    P.append("each figure: median of %d runs, mock and ours interleaved; ratio = median of "
             "per-pair ours/mock; [min-max] of the ratios. Shared 2-core VM: noisy." % m["reps"])
    P.append("warm-up: first-touch memory on this VM costs about 8 us per new 4 KiB page, so the "
             "bench first touches %.1f GiB of memory and lets it go (%.1f s this time; the "
             "brokers' page cache then reuses touched memory; deleted topics' files go at once), "
             "and every run first sends 20%% extra messages that are not timed; the consume "
             "timing starts after that many messages"
             % (m.get("pretouch_gib", 0), m.get("pretouch_s", 0)))
    P.append("consumers (both sides): assign() at the low watermark, fetch.wait.max.ms=10 in "
             "throughput runs, 5 in latency runs, queued.min.messages=1000000 (at the default "
             "100000 a 100 B consumer's queue fills after ~11 fetches and librdkafka 2.0 only "
             "re-checks it on its 1 s broker-thread tick: 1 s stalls, seen on both sides); "
             "librdkafka defaults otherwise")
    P.append("")
    def rate_rows(kind, extra):
        rows = []
        for w in result["workloads"]:
            s = w["throughput"]["summary"]
            g = lambda k: s["%s_%s" % (kind, k)]
            rows.append([w["name"], fmt_n(g("ours_msgs")), fmt_n(g("mock_msgs")),
                         "%.0f" % (g("ours_mb") or 0), "%.0f" % (g("mock_mb") or 0),
                         fmt_r(g("ratio"))] + extra(w, s) +
                        [fmt_cpu(g("ours_cpu")), fmt_cpu(g("mock_cpu"))])
        return rows

    def produce_extra(w, s):
        target = 1.0 if w["rf"] == 1 else 0.8
        rr = s["produce_ratio_range"]
        return ["[%.2f-%.2f]" % tuple(rr) if rr else "-",
                ">=%.1fx %s" % (target, verdict(s["produce_ratio"], target))]

    def consume_extra(w, s):
        vs = (s["consume_ours_msgs"] / s["produce_ours_msgs"]
              if s["consume_ours_msgs"] and s["produce_ours_msgs"] else None)
        return [fmt_r(vs), ">=1.5x %s" % verdict(vs, 1.5), fmt_n(s["reread_ours_msgs"])]

    P.append("PRODUCE (msgs/s, MB/s = 2^20 payload bytes/s; time from first send to last ack; "
             "broker CPU = CPU seconds the 3 broker processes / the mock thread used meanwhile)")
    P.append(table(rate_rows("produce", produce_extra),
                   ["workload", "ours", "mock", "ours MB/s", "mock MB/s", "ratio", "range",
                    "target", "CPU s ours", "mock"]))
    P.append("")
    P.append("CONSUME from the beginning (assign at the low watermark). The mock keeps only the "
             "last 5 MiB of each partition, so its consumer re-reads that small, cache-warm tail "
             "in passes; \"ours re-read\" reads the same tail of our topic the same way, and "
             "ours/mock compares those two (like for like). \"ours\" reads our whole topic once: "
             "that is the rate the target compares with our produce rate")
    P.append(table(rate_rows("consume", consume_extra),
                   ["workload", "ours", "mock", "ours MB/s", "mock MB/s", "ours/mock",
                    "ours cons/prod", "target", "ours re-read", "CPU s ours", "mock"]))
    P.append("")
    def lat(r):
        if not r:
            return "-"
        if r["samples"] == 0:
            return "none read in time (read %d%%)" % (100 * r["seen"] // max(r["sent"], 1))
        notes = []
        if r["seen"] < r["sent"]:
            notes.append("read %d%%" % (100 * r["seen"] // r["sent"]))
        if r["drain_s"] > 0.5:
            notes.append("behind %.1fs" % r["drain_s"])
        return "%.1f / %.1f / %.1f%s" % (r["p50_ms"], r["p99_ms"], r["p999_ms"],
                                          " (%s)" % ", ".join(notes) if notes else "")
    rows = []
    for w in result["workloads"]:
        L = w.get("latency") or {}
        F = w.get("latency_fixed") or {}
        o = L.get("ours")
        rows.append([w["name"], fmt_n(L.get("rate")), lat(o), lat(L.get("mock")),
                     "p99<=5ms %s" % ("n/a" if not o else
                                       ("ok" if o["samples"] and o["p99_ms"] <= 5 else "SHORT")),
                     lat(F.get("ours")), lat(F.get("mock"))])
    P.append("END-TO-END LATENCY, ms p50 / p99 / p99.9: send time in the payload, read by a "
             "consumer in the same process; %.0f s per run, the first %.0f s not counted. At half "
             "of our median produce rate (the target's rate; on 2 cores the producer, the consumer "
             "and the brokers then share the CPU, and a consumer that falls behind turns latency "
             "into backlog: \"behind Ns\" = the last message arrived N s after the last send), "
             "and at a fixed %s msgs/s. Latency runs set fetch.wait.max.ms=5 on both sides (the "
             "mock does not answer a waiting Fetch when data arrives, so at librdkafka's default "
             "500 ms its latency is ~250 ms); at half of max linger.ms stays 5, as in the "
             "throughput runs that rate came from, and at the fixed rate it is 1 (at 5 the "
             "producer's own batching delay takes most of the 5 ms: p50 4 ms). \"read N%%\": the "
             "consumer fell behind and the mock dropped the rest (it keeps 5 MiB per partition), "
             "so its figures cover only what it kept."
             % (LAT_SECONDS, LAT_WARMUP, fmt_n(LAT_FIXED_RATE)))
    P.append(table(rows, ["workload", "half max", "ours", "mock", "target",
                          "%s/s ours" % fmt_n(LAT_FIXED_RATE), "mock"]))
    P.append("")
    r = result.get("rss")
    if r:
        idle = r.get("idle", {})
        load = r.get("load", {})
        P.append("BROKER RSS (VmRSS, MB, per broker %s): idle after start %s; max under load %s; "
                 "idle after the workloads %s   target idle <= 10 MB: %s" % (
                     "/".join(str(i) for i in sorted(idle)),
                     "/".join("%.1f" % (idle[i] / 1024) for i in sorted(idle)),
                     "/".join("%.1f" % (load[i] / 1024) for i in sorted(load)) or "-",
                     "/".join("%.1f" % (v / 1024) for _, v in sorted(r.get("after", {}).items())) or "-",
                     "ok" if idle and max(idle.values()) <= 10240 else "SHORT"))
    s = result.get("startup")
    if s and "start_to_serving_s" in s:
        P.append("START TO SERVING with %d partitions on one broker (clean restart): listening "
                 "after %.3f s, Metadata shows every leader after %.3f s   target <= 0.5 s: %s"
                 % (s["partitions"], s["start_to_listen_s"], s["start_to_serving_s"],
                    "ok" if s["start_to_serving_s"] <= 0.5 else "SHORT"))
        P.append("  (clean stop took %.2f s; RSS with 1,000 partitions %.1f MB before, %.1f MB "
                 "after the restart)" % (s["clean_stop_s"], (s["rss_kb_before_restart"] or 0) / 1024,
                                         (s["rss_kb_after_restart"] or 0) / 1024))
    elif s:
        P.append("START TO SERVING: error: %s" % s.get("error"))
    f = result.get("failover")
    if f and "gap_s" in f:
        P.append("FAILOVER: kill -9 of the leader of partition 0 (broker %d%s) under an "
                 "idempotent acks=all producer at 500 msgs/s: longest gap without acks %.2f s "
                 "(ZooKeeper session timeout %d ms: the dead broker is noticed when its session "
                 "expires); %d acked, %d lost, %d duplicates, %d producer errors"
                 % (f["killed_leader"], ", the controller" if f["killed_was_controller"] else "",
                    f["gap_s"], f["zookeeper_session_timeout_ms"], f["acked"], f["lost"],
                    f["duplicates"], f["producer_errors"]))
    elif f:
        P.append("FAILOVER: error: %s" % f.get("error"))
    mc = result.get("metrics")
    if mc and mc.get("ratio"):
        P.append("METRICS COST: produce %s on two fresh clusters side by side, metrics off (no "
                 "http.listeners) %s msgs/s, on (counted, each broker scraped every 1 s: %d scrapes, "
                 "%.0f KB each) %s msgs/s: on/off %.3f [%.3f-%.3f]   target >= 0.98: %s"
                 % (mc["workload"], fmt_n(mc["off_msgs"]), mc["scrapes"],
                    mc["scrape_bytes"] / max(mc["scrapes"], 1) / 1024, fmt_n(mc["on_msgs"]),
                    mc["ratio"], mc["ratio_range"][0], mc["ratio_range"][1],
                    verdict(mc["ratio"], 0.98)))
    elif mc:
        P.append("METRICS COST: error: %s" % mc.get("error"))
    errs = result.get("errors", [])
    if errs:
        P.append("")
        P.append("ERRORS (%d):" % len(errs))
        P += ["  " + e for e in errs]
    P.append("")
    P.append("results: %s   total time %.0f s" % (result["path"], result["meta"]["elapsed_s"]))
    return "\n".join(P)


def git_rev():
    try:
        r = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        return r.stdout.strip() or "?"
    except OSError:
        return "?"


def main():
    ap = argparse.ArgumentParser(description="kafka-c benchmark: ours against librdkafka's mock")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="1 rep, a fifth of the messages")
    ap.add_argument("--only", help="only workloads whose name contains this")
    ap.add_argument("--skip-extras", action="store_true",
                    help="skip the 1,000-partition start-up and failover measurements")
    ap.add_argument("--only-extra", choices=["failover", "startup", "metrics"],
                    help="run only this extra measurement (no workloads)")
    ap.add_argument("--keep-dir", action="store_true", help="keep the cluster directory")
    ap.add_argument("--tree", help="run our brokers from this checkout (built) instead")
    a = ap.parse_args()
    global TREE
    if a.tree:
        TREE = os.path.abspath(a.tree)
    reps, scale = (1, 0.2) if a.quick else (a.reps, 1.0)
    if not os.access(BENCH, os.X_OK):
        sys.exit("run.py: %s missing: run make first (make bench does)" % BENCH)
    import confluent_kafka
    t_start = time.monotonic()
    os.makedirs(RESULTS, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    result = {"meta": {"date": datetime.datetime.now().isoformat(timespec="seconds"),
                       "host": platform.node(), "cores": os.cpu_count(),
                       "kernel": platform.release(), "librdkafka": confluent_kafka.libversion()[0],
                       "git": git_rev(), "tree": TREE, "reps": reps, "scale": scale, "partitions": PARTITIONS,
                       "brokers": BROKERS, "counts": COUNTS, "broker_env": BROKER_ENV,
                       "latency_seconds": LAT_SECONDS, "latency_warmup_seconds": LAT_WARMUP,
                       "latency_fixed_rate": LAT_FIXED_RATE,
                       "latency_client": LAT_CLIENT, "latency_fixed_client": LAT_FIXED_CLIENT, "throughput_client": THROUGHPUT_CLIENT},
              "workloads": [], "errors": [],
              "path": os.path.join(RESULTS, "bench-%s.json" % stamp)}
    work = tempfile.mkdtemp(prefix="kafka-c-bench-")
    cluster = Cluster(work)
    sampler = RssSampler(cluster)

    def on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    ok = False
    try:
        gib, secs = pretouch(PRETOUCH_GIB)
        result["meta"]["pretouch_gib"], result["meta"]["pretouch_s"] = round(gib, 1), round(secs, 2)
        log("warm-up: touched %.1f GiB of memory in %.1f s" % (gib, secs))
        log("starting ZooKeeper + %d brokers in %s (ZooKeeper port %d, brokers %d-%d)" % (
            BROKERS, cluster.dir, cluster.zk_port, cluster.port(1), cluster.port(BROKERS)))
        cluster.start()
        sampler.start()
        time.sleep(2)
        sampler.phase = "idle"
        time.sleep(1.5)
        sampler.phase = "load"
        wls = [w for w in WORKLOADS if (not a.only or a.only in w["name"]) and not a.only_extra]
        for serial, w in enumerate(wls):
            log("throughput: %s (%d reps)" % (w["name"], reps))
            entry = dict(w)
            entry["throughput"] = throughput(cluster, w, reps, scale, serial)
            result["errors"] += ["%s: %s" % (w["name"], e) for e in entry["throughput"]["errors"]]
            result["workloads"].append(entry)
        for serial, entry in enumerate(result["workloads"]):
            rate = entry["throughput"]["summary"]["produce_ours_msgs"]
            if not rate:
                continue
            for key, r, client in (("latency", rate / 2, LAT_CLIENT),
                                   ("latency_fixed", LAT_FIXED_RATE, LAT_FIXED_CLIENT)):
                log("latency: %s at %.0f msgs/s" % (entry["name"], r))
                entry[key] = latency(cluster, entry, r, "%d-%s" % (serial, key), client)
                result["errors"] += ["%s %s: %s" % (entry["name"], key, e)
                                     for e in entry[key]["errors"]]
        sampler.phase = None
        time.sleep(3)
        sampler.phase = "after"
        time.sleep(1.5)
        sampler.phase = None
        result["rss"] = {k: v for k, v in sampler.max.items()}
        # failover first: the 1,000 partitions would otherwise be part of its failover (the
        # controller rewrites the dead broker's partition states before it sends LeaderAndIsr)
        extras = [] if a.skip_extras else [("failover", "failover", failover),
                                           ("startup", "start-up with 1,000 partitions",
                                            startup_1000)]
        if not a.skip_extras:  # last: it runs two clusters of its own, the main one stopped
            extras.append(("metrics", "metrics cost (off against on)",
                           lambda c: (c.stop(), metrics_cost(work, reps, scale))[1]))
        for key, what, fn in extras:
            if a.only_extra and key != a.only_extra:
                continue
            log(what)
            try:
                result[key] = fn(cluster)
            except Exception as e:
                result[key] = {"error": str(e)}
                result["errors"].append("%s: %s" % (key, e))
        ok = not result["errors"]
    except KeyboardInterrupt as e:
        result["errors"].append("interrupted (%s)" % e)
    except Exception as e:
        result["errors"].append("%s: %s" % (type(e).__name__, e))
        log("ERROR %s" % e)
    finally:
        sampler.stop_ev.set()
        try:
            cluster.stop()
        except Exception as e:
            result["errors"].append("cluster.sh stop: %s" % e)
        if not a.keep_dir and not result["errors"]:
            subprocess.run(["rm", "-rf", work])
        else:  # the brokers' logs are the place to look
            result["errors"].append("cluster directory kept: %s" % cluster.dir)
        result["meta"]["elapsed_s"] = round(time.monotonic() - t_start, 1)
        with open(result["path"], "w") as f:
            json.dump(result, f, indent=1)
        print(report(result))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
